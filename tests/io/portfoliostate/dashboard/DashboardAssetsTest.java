package io.portfoliostate.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.RunningNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The dashboard's files over HTTP on a real node: the page at {@code /} without credentials,
 * every file it names served with a type a browser accepts (a module must come as JavaScript),
 * the third-party scripts from their webjars, missing files as the API's 404 problem, and the
 * files packaged in the jar (the service runs as {@code java -jar} from any folder).
 */
class DashboardAssetsTest {

  @RegisterExtension
  static final RunningNode NODE = new RunningNode();

  private static Api anonymous() {
    return NODE.api().anonymous();
  }

  @Test
  void thePageIsServedAtTheRootWithoutCredentials() throws IOException {
    Api.Response page = anonymous().get("/");
    assertThat(page.status()).isEqualTo(200);
    assertThat(page.contentType()).isEqualTo("text/html;charset=UTF-8");
    assertThat(page.body()).isEqualTo(Files.readString(Path.of("webroot/index.html")));
    assertThat(anonymous().get("/app/index.html").body()).isEqualTo(page.body());
    // Its own files and this origin only; the browser tests see no violation of it.
    assertThat(page.header("Content-Security-Policy")).isEqualTo("default-src 'self'; img-src 'self' data:; "
        + "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
    assertThat(page.header("X-Content-Type-Options")).isEqualTo("nosniff");
    assertThat(page.header("Referrer-Policy")).isEqualTo("no-referrer");
  }

  @Test
  void everyFileThePageNamesIsServedWithItsType() {
    String page = anonymous().get("/").body();
    List<String> named = new ArrayList<>();
    Matcher m = Pattern.compile("(?:src|href)=\"(/[^\"]+)\"").matcher(page);
    while (m.find()) {
      named.add(m.group(1));
    }
    assertThat(named).contains("/app/dashboard.css", "/app/dashboard.js",
        "/webjars/sockjs-client/1.6.1/dist/sockjs.min.js", "/webjars/chart.js/4.5.1/dist/chart.umd.min.js");
    for (String path : named.stream().filter(p -> !p.startsWith("/docs/")).toList()) {
      Api.Response file = anonymous().get(path);
      assertThat(file.status()).as(path).isEqualTo(200);
      assertThat(file.contentType()).as(path).startsWith(path.endsWith(".css") ? "text/css" : "text/javascript");
      assertThat(file.body()).as(path).isNotBlank();
    }
  }

  /** The modules import each other by relative path: each import resolves to a served file. */
  @Test
  void everyModuleTheScriptsImportIsServed() {
    List<String> pending = new ArrayList<>(List.of("dashboard.js"));
    List<String> seen = new ArrayList<>();
    while (!pending.isEmpty()) {
      String module = pending.remove(0);
      if (seen.contains(module)) {
        continue;
      }
      seen.add(module);
      Api.Response file = anonymous().get("/app/" + module);
      assertThat(file.status()).as(module).isEqualTo(200);
      assertThat(file.contentType()).as(module).startsWith("text/javascript");
      Matcher m = Pattern.compile("from '\\./([a-z]+\\.js)'").matcher(file.body());
      while (m.find()) {
        pending.add(m.group(1));
      }
    }
    assertThat(seen).containsExactlyInAnyOrder("dashboard.js", "api.js", "eventbus.js", "render.js", "format.js");
  }

  @Test
  void aMissingFileIsTheApisNotFoundProblem() {
    Api.Response missing = anonymous().get("/app/nothing-here.js");
    assertThat(missing.status()).isEqualTo(404);
    assertThat(missing.contentType()).isEqualTo("application/problem+json");
    assertThat(missing.json().getString("detail")).isEqualTo("no resource at /app/nothing-here.js");
    assertThat(anonymous().get("/webjars/sockjs-client/1.6.1/dist/nothing.js").status()).isEqualTo(404);
    // Only GET: the page is not a resource anything can be sent to.
    assertThat(anonymous().send("POST", "/", "text/plain", "x").status()).isEqualTo(405);
  }

  /** What the build puts in the jar: the same files under webroot/ on the class path. */
  @Test
  void theFilesArePackagedOnTheClassPath() throws IOException {
    for (String file : List.of("index.html", "dashboard.css", "dashboard.js", "api.js", "eventbus.js",
        "render.js", "format.js")) {
      try (InputStream in = getClass().getClassLoader().getResourceAsStream("webroot/" + file)) {
        assertThat(in).as(file).isNotNull();
        assertThat(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)).as(file)
            .isEqualTo(Files.readString(Path.of("webroot", file)));
      }
    }
  }
}
