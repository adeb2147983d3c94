package io.portfoliostate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Gauge;
import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.RunningNode;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code imports.maxConcurrent} bounds the imports a node runs at once (each holds its whole
 * file in the heap): with a limit of one, a second file sent while a 20,000-row import runs is
 * refused with {@code 429} {@code /problems/too-many-imports} and changes nothing; sent again
 * once the first is done, it is imported.
 */
class CsvImportConcurrencyTest {

  private static final int ROWS = 20_000;

  @RegisterExtension
  static final RunningNode NODE = new RunningNode(new JsonObject().put("imports",
      new JsonObject().put("maxConcurrent", 1)));

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
    // The count drops when the handler's chain completes, just after it wrote the answer.
    deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (running() > 0) {
      assertThat(System.nanoTime()).as("the import is counted as done").isLessThan(deadline);
      Thread.sleep(5);
    }

    Api.Response again = api.send("POST", "/api/v1/portfolios/icc-b/imports?kind=trades", "text/csv", small);
    assertThat(again.status()).as(again.body()).isEqualTo(200);
    assertThat(again.json().getInteger("applied")).isEqualTo(1);
    assertThat(api.get("/api/v1/portfolios/icc-b").json().getLong("version")).isEqualTo(2L);
    assertThat(NODE.node().registry().get("pstate.imports.files").tag("outcome", "too-many").counter().count())
        .isEqualTo(1.0);
  }

  private static double running() {
    Gauge gauge = NODE.node().registry().find("pstate.imports.running").gauge();
    return gauge == null ? 0 : gauge.value();
  }
}
