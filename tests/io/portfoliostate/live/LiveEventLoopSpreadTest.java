package io.portfoliostate.live;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.BridgeClient;
import io.portfoliostate.fixtures.RunningNode;
import io.portfoliostate.fixtures.TestKeys;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Bridge sockets are spread over the node's gateway event loops also when the node listens on a
 * random port ({@code http.port} 0, as every test and bench node does). With port 0 each gateway
 * instance used to bind a random port of its own and clients knew only the first: every socket
 * of a bench or test node was on one event loop, which wrote all 1,000 subscribers of
 * {@code LiveBench} alone while the other three had none (seen in its thread dumps: a hand-off
 * behind by seconds on one loop, two loops idle). The instances now share one random port.
 *
 * <p>Four gateway instances, four sockets following one portfolio: a change is handed to each
 * event loop that holds some of its sockets once ({@code pstate.live.stage{stage=handoff}}), so
 * one change counts four hand-offs when the sockets are on four loops, one when they are on one.
 *
 * <p>With its sockets on four loops a change is still deflated once for the node: the first
 * loop deflates it and the three others send the same bytes ({@code pstate.live.deflate}); when
 * each loop kept its own recent messages, it was deflated four times.
 */
class LiveEventLoopSpreadTest {

  private static final Duration WAIT = Duration.ofSeconds(10);

  @RegisterExtension
  static final RunningNode NODE = new RunningNode(new JsonObject()
      .put("vertx", new JsonObject().put("eventLoops", 4))
      .put("owners", new JsonObject().put("instances", 4)));

  private static long handoffs() {
    Timer timer = NODE.node().registry().find("pstate.live.stage").tag("stage", "handoff").timer();
    return timer == null ? 0 : timer.count();
  }

  private static double deflate(String result) {
    Counter counter = NODE.node().registry().find("pstate.live.deflate").tag("result", result).counter();
    return counter == null ? 0 : counter.count();
  }

  @Test
  void aChangeFollowedOnFourEventLoopsIsDeflatedOnceForTheNode() throws Exception {
    Api api = NODE.api();
    api.createPortfolio("spread-deflate");
    List<BridgeClient> clients = new ArrayList<>();
    try {
      for (int i = 0; i < 4; i++) {
        BridgeClient client = BridgeClient.connect(NODE.node().httpPort(), TestKeys.ADMIN);
        clients.add(client);
        assertThat(client.extensions).contains("permessage-deflate");
        client.register("portfolio.updates.spread-deflate");
        assertThat(client.body("portfolio.updates.spread-deflate", WAIT).getString("kind")).isEqualTo("snapshot");
      }
      long handoffsBefore = handoffs();
      double deflatedBefore = deflate("deflated");
      double reusedBefore = deflate("reused");
      Api.Response r = api.post("/api/v1/portfolios/spread-deflate/cash-flows", new JsonObject()
          .put("flowId", "spread-deflate-1").put("type", "DEPOSIT").put("currency", "USD").put("amount", "250.5"));
      assertThat(r.status()).as(r.body()).isEqualTo(201);
      for (BridgeClient client : clients) {
        // Each client inflates the change itself: the same text from the same compressed bytes.
        JsonObject change = client.body("portfolio.updates.spread-deflate", WAIT);
        assertThat(change.getString("kind")).isEqualTo("change");
        assertThat(change.getLong("fromVersion")).isEqualTo(1);
        assertThat(change.getLong("version")).isEqualTo(2);
        assertThat(change.getJsonArray("events").getJsonObject(0).getString("type")).isEqualTo("CashFlowRecorded");
        assertThat(change.getJsonObject("summary").getJsonArray("cash").getJsonObject(0).getString("balance"))
            .isEqualTo("250.5");
      }
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (deflate("deflated") - deflatedBefore + deflate("reused") - reusedBefore < 4
          && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      Thread.sleep(100);
      // The sockets are on four loops (four hand-offs), and the change was deflated by one of them.
      assertThat(handoffs() - handoffsBefore).isEqualTo(4);
      // Once, normally. A loop that finds the change claimed waits at most 2 ms for the bytes and
      // then deflates it itself: on a busy 2-core machine the claiming thread can lose its core
      // that long, so one more deflate is allowed here. Per event loop (before) it was 4 and 0.
      double deflated = deflate("deflated") - deflatedBefore;
      assertThat(deflated).isBetween(1.0, 2.0);
      assertThat(deflate("reused") - reusedBefore).isEqualTo(4.0 - deflated);
    } finally {
      clients.forEach(BridgeClient::close);
    }
  }

  @Test
  void socketsOfANodeOnARandomPortAreSpreadOverItsGatewayEventLoops() throws Exception {
    Api api = NODE.api();
    api.createPortfolio("spread-one");
    List<BridgeClient> clients = new ArrayList<>();
    try {
      for (int i = 0; i < 4; i++) {
        BridgeClient client = BridgeClient.connect(NODE.node().httpPort(), TestKeys.ADMIN);
        clients.add(client);
        client.register("portfolio.updates.spread-one");
        assertThat(client.body("portfolio.updates.spread-one", WAIT).getString("kind")).isEqualTo("snapshot");
      }
      long before = handoffs();
      Api.Response r = api.post("/api/v1/portfolios/spread-one/cash-flows", new JsonObject().put("flowId", "spread-1")
          .put("type", "DEPOSIT").put("currency", "USD").put("amount", "100"));
      assertThat(r.status()).as(r.body()).isEqualTo(201);
      for (BridgeClient client : clients) {
        JsonObject change = client.body("portfolio.updates.spread-one", WAIT);
        assertThat(change.getString("kind")).isEqualTo("change");
        assertThat(change.getLong("version")).isEqualTo(2);
      }
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (handoffs() - before < 4 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      Thread.sleep(100);
      // Connections are dealt to the instances in turn: four sockets, four event loops, four hand-offs.
      assertThat(handoffs() - before).isEqualTo(4);
    } finally {
      clients.forEach(BridgeClient::close);
    }
  }
}
