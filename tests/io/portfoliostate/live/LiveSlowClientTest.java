package io.portfoliostate.live;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.BridgeClient;
import io.portfoliostate.fixtures.RunningNode;
import io.portfoliostate.fixtures.TestKeys;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A client that stops reading: its valuations are conflated to the latest while its write queue
 * is full, and it is disconnected with a reason once it stays full past the configured time,
 * with no gap in what it did get; a fast client on the same portfolio gets every change.
 */
class LiveSlowClientTest {

  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final String UPDATES = "portfolio.updates.sl-fund";
  private static final String VALUATION = "portfolio.valuation.sl-fund";

  @RegisterExtension
  static final RunningNode NODE = new RunningNode(new JsonObject().put("live", new JsonObject()
      .put("slowClientTimeoutMs", 2000).put("valuationsPerSecond", 20)));

  @Test
  void aSlowClientIsConflatedThenDisconnectedWhileAFastOneGetsEverything() throws Exception {
    Api api = NODE.api();
    api.createPortfolio("sl-fund");
    api.putInstrument("SL-EQ", new JsonObject().put("currency", "USD"));
    api.deposit("sl-fund", "USD", "100000000");
    api.postPrices(new JsonObject().put("instrumentId", "SL-EQ").put("price", "10"));
    int port = NODE.node().httpPort();
    try (BridgeClient fast = BridgeClient.connect(port, TestKeys.ADMIN);
        BridgeClient slow = BridgeClient.connectSlow(port, TestKeys.ADMIN)) {
      for (BridgeClient client : List.of(fast, slow)) {
        client.register(UPDATES);
        client.register(VALUATION);
        assertThat(client.body(UPDATES, WAIT).getLong("version")).isEqualTo(2);
      }
      slow.pause();
      double conflatedBefore = counter("pstate.live.conflated");
      // 20 changes of 1,000 trades each (each change's message is some 400 KB), a price tick
      // between them so that valuations keep coming.
      int batches = 20;
      for (int b = 0; b < batches; b++) {
        JsonArray trades = new JsonArray();
        for (int i = 0; i < 1000; i++) {
          trades.add(Api.trade("sl-" + b + "-" + i, "SL-EQ", "BUY", "1", "10"));
        }
        Api.Response answer = api.post("/api/v1/portfolios/sl-fund/trades:batch", new JsonObject().put("trades", trades));
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        api.postPrices(new JsonObject().put("instrumentId", "SL-EQ").put("price", String.valueOf(10 + b + 1)));
      }
      long last = 2 + batches * 1000L;
      // The fast one: every change, in order.
      long at = 2;
      while (at < last) {
        JsonObject change = fast.body(UPDATES, WAIT);
        assertThat(change.getLong("fromVersion")).isEqualTo(at);
        at = change.getLong("version");
      }
      // The slow one: valuations were conflated while it did not read, then it was closed.
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (counter("pstate.live.disconnects", "reason", "slow-consumer") < 1 && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertThat(counter("pstate.live.disconnects", "reason", "slow-consumer")).isEqualTo(1);
      assertThat(counter("pstate.live.conflated")).isGreaterThan(conflatedBefore);
      assertThat(counter("pstate.live.dropped")).isPositive();
      slow.resume();
      assertThat(slow.awaitClosed(WAIT)).isEqualTo(4000);
      assertThat(slow.closeReason()).isEqualTo("slow consumer: write queue full for more than 2000 ms");
      // What it did get before the close has no gap: a prefix of the changes.
      long slowAt = 2;
      for (JsonObject frame : slow.drained()) {
        if (UPDATES.equals(frame.getString("address"))) {
          assertThat(frame.getJsonObject("body").getLong("fromVersion")).isEqualTo(slowAt);
          slowAt = frame.getJsonObject("body").getLong("version");
        }
      }
      assertThat(slowAt).isLessThan(last);
      // The fast one is still served.
      api.postPrices(new JsonObject().put("instrumentId", "SL-EQ").put("price", "99"));
      JsonObject valuation = fast.next(f -> VALUATION.equals(f.getString("address"))
          && f.getJsonObject("body").getJsonArray("positions").getJsonObject(0).getString("price").equals("99"), WAIT);
      assertThat(valuation.getJsonObject("body").getJsonArray("positions").getJsonObject(0).getString("marketValue"))
          .isEqualTo("1980000");
    }
  }

  private static double counter(String name, String... tags) {
    Counter counter = NODE.node().registry().find(name).tags(tags).counter();
    return counter == null ? 0 : counter.count();
  }
}
