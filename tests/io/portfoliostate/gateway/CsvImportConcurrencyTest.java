package io.portfoliostate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Gauge;
import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.RawHttp;
import io.portfoliostate.fixtures.RunningNode;
import io.vertx.core.json.JsonObject;
import io.portfoliostate.fixtures.TestKeys;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code imports.maxConcurrent} bounds the imports a node runs at once (each holds its whole
 * file in the heap): with a limit of one, a second file sent while a 20,000-row import runs is
 * refused with {@code 429} {@code /problems/too-many-imports} and changes nothing; sent again
 * once the first is done, it is imported. The count is taken before the body is read, and a
 * refusal is answered without reading it.
 */
class CsvImportConcurrencyTest {

  private static final int ROWS = 20_000;

  @RegisterExtension
  static final RunningNode NODE = new RunningNode(new JsonObject().put("imports",
      new JsonObject().put("maxConcurrent", 1)).put("http", new JsonObject().put("refusedBodyDrainMs", 1000)));

  @Test
  void aSecondImportWhileOneRunsIsRefusedAndChangesNothing() throws Exception {
    Api api = NODE.api();
    api.putInstrument("ICA", new JsonObject().put("currency", "USD"));
    api.createPortfolio("icc-a");
    api.createPortfolio("icc-b");
    StringBuilder large = new StringBuilder("tradeId,instrumentId,side,quantity,price\n");
    for (int i = 0; i < ROWS; i++) {
      large.append("l-").append(i).append(",ICA,BUY,1,10\n");
    }
    String small = "tradeId,instrumentId,side,quantity,price\ns-1,ICA,BUY,3,12\n";
    double refusedBefore = tooMany();

    CompletableFuture<Api.Response> first = api.sendAsync("POST", "/api/v1/portfolios/icc-a/imports?kind=trades",
        "text/csv", large.toString());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (running() < 1 && !first.isDone()) {
      assertThat(System.nanoTime()).as("the first import runs within 20 s").isLessThan(deadline);
      Thread.sleep(5);
    }
    Api.Response refused = api.send("POST", "/api/v1/portfolios/icc-b/imports?kind=trades", "text/csv", small);
    assertThat(first.isDone()).as("the first import still ran when the second was answered").isFalse();
    assertThat(refused.status()).as(refused.body()).isEqualTo(429);
    assertThat(refused.contentType()).startsWith("application/problem+json");
    assertThat(refused.json().getString("type")).isEqualTo("/problems/too-many-imports");
    assertThat(refused.header("Retry-After")).isEqualTo("5");
    assertThat(api.get("/api/v1/portfolios/icc-b").json().getLong("version")).isEqualTo(1L);

    Api.Response done = first.get(60, TimeUnit.SECONDS);
    assertThat(done.status()).as(done.body()).isEqualTo(200);
    assertThat(done.json().getInteger("applied")).isEqualTo(ROWS);
    assertThat(api.get("/api/v1/portfolios/icc-a").json().getJsonArray("positions").getJsonObject(0)
        .getString("quantity")).isEqualTo("20000");
    // The count drops when the answer is written and the handler's chain completes.
    deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (running() > 0) {
      assertThat(System.nanoTime()).as("the import is counted as done").isLessThan(deadline);
      Thread.sleep(5);
    }

    Api.Response again = api.send("POST", "/api/v1/portfolios/icc-b/imports?kind=trades", "text/csv", small);
    assertThat(again.status()).as(again.body()).isEqualTo(200);
    assertThat(again.json().getInteger("applied")).isEqualTo(1);
    assertThat(api.get("/api/v1/portfolios/icc-b").json().getLong("version")).isEqualTo(2L);
    assertThat(tooMany() - refusedBefore).isEqualTo(1.0);
  }

  /**
   * The count is taken, and a refusal answered, before the body is read: an import whose body is
   * still on its way holds the node's one place; a second, declaring a body of almost 32 MiB and
   * sending 64 KiB of it, gets its {@code 429} while it could still send the other 31.9 MiB, and
   * its connection is closed once it has sent nothing more for {@code http.refusedBodyDrainMs}
   * (here 1 s; RefusedImportBodyTest: the limits and the transports). The first then finishes
   * sending and is imported.
   */
  @Test
  void aRefusedImportIsAnsweredBeforeItsBodyIsRead() throws Exception {
    Api api = NODE.api();
    api.putInstrument("ICB", new JsonObject().put("currency", "USD"));
    api.createPortfolio("icc-c");
    api.createPortfolio("icc-d");
    double refusedBefore = tooMany();
    byte[] file = "tradeId,instrumentId,side,quantity,price\nr-1,ICB,BUY,5,20\nr-2,ICB,SELL,2,21\n"
        .getBytes(StandardCharsets.UTF_8);
    try (Socket first = open("icc-c", file.length)) {
      // Half the first file: the import holds its place while its body is still coming.
      first.getOutputStream().write(file, 0, file.length / 2);
      first.getOutputStream().flush();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (running() < 1) {
        assertThat(System.nanoTime()).as("an import is counted before its body is in").isLessThan(deadline);
        Thread.sleep(5);
      }
      // Opened only now: the node's connections are spread over its gateway event loops, so a
      // second request sent at once could be admitted before the first and take its place.
      try (Socket second = open("icc-d", 32 * 1024 * 1024 - 1)) {
        second.getOutputStream().write(new byte[64 * 1024]);
        second.getOutputStream().flush();
        second.setSoTimeout(10_000);
        RawHttp.Answer refused = RawHttp.read(second.getInputStream());
        assertThat(refused.status()).as(refused.body()).isEqualTo(429);
        assertThat(new JsonObject(refused.body()).getString("type")).isEqualTo("/problems/too-many-imports");
        assertThat(refused.headers()).containsEntry("connection", "close");
        assertThat(second.getInputStream().read()).as("the connection is closed after the answer").isEqualTo(-1);
      }

      first.getOutputStream().write(file, file.length / 2, file.length - file.length / 2);
      first.getOutputStream().flush();
      first.setSoTimeout(30_000);
      RawHttp.Answer imported = RawHttp.read(first.getInputStream());
      assertThat(imported.status()).as(imported.body()).isEqualTo(200);
      assertThat(new JsonObject(imported.body()).getInteger("applied")).isEqualTo(2);
    }
    assertThat(api.get("/api/v1/portfolios/icc-c").json().getJsonArray("positions").getJsonObject(0)
        .getString("quantity")).isEqualTo("3");
    assertThat(api.get("/api/v1/portfolios/icc-d").json().getLong("version")).isEqualTo(1L);
    assertThat(tooMany() - refusedBefore).isEqualTo(1.0);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (running() > 0) {
      assertThat(System.nanoTime()).as("the import is counted as done").isLessThan(deadline);
      Thread.sleep(5);
    }
  }

  /** A connection that has sent an import's request line and headers, and none of its body. */
  private static Socket open(String portfolio, int contentLength) throws Exception {
    return RawHttp.open(NODE.node().httpPort(), "POST", "/api/v1/portfolios/" + portfolio + "/imports?kind=trades",
        "Authorization: Bearer " + TestKeys.ADMIN, "Content-Type: text/csv", "Content-Length: " + contentLength);
  }

  private static double tooMany() {
    io.micrometer.core.instrument.Counter counter = NODE.node().registry().find("pstate.imports.files")
        .tag("outcome", "too-many").counter();
    return counter == null ? 0 : counter.count();
  }

  private static double running() {
    Gauge gauge = NODE.node().registry().find("pstate.imports.running").gauge();
    return gauge == null ? 0 : gauge.value();
  }
}
