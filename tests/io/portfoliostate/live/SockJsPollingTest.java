package io.portfoliostate.live;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.RunningNode;
import io.portfoliostate.fixtures.TestKeys;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A client that cannot open a WebSocket uses SockJS's polling transport ({@code xhr}, the
 * protocol a browser's sockjs-client falls back to): the same bridge, the same frames, the
 * same credential check on every request.
 */
class SockJsPollingTest {

  @RegisterExtension
  static final RunningNode NODE = new RunningNode();

  @Test
  void aPollingClientGetsTheSnapshotThenTheChanges() throws Exception {
    Api api = NODE.api();
    api.createPortfolio("poll-fund");
    String session = "/eventbus/000/" + UUID.randomUUID().toString().replace("-", "") + "/";
    String token = "?access_token=" + URLEncoder.encode(TestKeys.ADMIN, StandardCharsets.UTF_8);

    // Without the credential, no session.
    assertThat(post(session + "xhr", "").statusCode()).isEqualTo(401);
    // The open frame.
    assertThat(post(session + "xhr" + token, "").body()).isEqualTo("o\n");
    HttpResponse<String> sent = post(session + "xhr_send" + token, new JsonArray().add(new JsonObject()
        .put("type", "register").put("address", "portfolio.updates.poll-fund").encode()).encode());
    assertThat(sent.statusCode()).as(sent.body() + " " + sent.headers().map()).isEqualTo(204);
    JsonObject snapshot = nextFrame(session, token);
    assertThat(snapshot.getString("address")).isEqualTo("portfolio.updates.poll-fund");
    assertThat(snapshot.getJsonObject("body").getString("kind")).isEqualTo("snapshot");
    assertThat(snapshot.getJsonObject("body").getLong("version")).isEqualTo(1);

    api.deposit("poll-fund", "USD", "250");
    JsonObject change = nextFrame(session, token);
    assertThat(change.getJsonObject("body").getString("kind")).isEqualTo("change");
    assertThat(change.getJsonObject("body").getLong("version")).isEqualTo(2);
    assertThat(change.getJsonObject("body").getJsonObject("summary").getJsonArray("cash"))
        .isEqualTo(new JsonArray().add(new JsonObject().put("currency", "USD").put("balance", "250")));
  }

  /** Polls until a message frame ({@code a[...]}) arrives; returns its first bridge frame. */
  private JsonObject nextFrame(String session, String token) throws Exception {
    List<String> seen = new ArrayList<>();
    for (int attempt = 0; attempt < 20; attempt++) {
      String body = post(session + "xhr" + token, "").body();
      seen.add(body);
      if (body.startsWith("a")) {
        JsonArray messages = new JsonArray(body.substring(1).trim());
        return new JsonObject(messages.getString(0));
      }
      // "h": a heartbeat while nothing came; poll again.
    }
    throw new AssertionError("no message frame in " + seen);
  }

  /**
   * One request on a connection of its own. Vert.x's xhr polling closes the connection after
   * each poll answer without a {@code Connection: close} header (as SockJS's protocol allows),
   * so a pooled connection can be taken for the next request just as the server closes it: a
   * browser retries such a request, the JDK's client does not retry a POST.
   */
  private HttpResponse<String> post(String path, String body) throws Exception {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + NODE.node().httpPort() + path))
        .timeout(Duration.ofSeconds(30)).header("Content-Type", "text/plain;charset=UTF-8")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }
}
