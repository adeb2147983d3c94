package io.portfoliostate.live;

import static org.assertj.core.api.Assertions.assertThat;

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
 */
class LiveEventLoopSpreadTest {

  private static final Duration WAIT = Duration.ofSeconds(10);

  @RegisterExtension
  static final RunningNode NODE = new RunningNode(new JsonObject().put("owners", new JsonObject()
      .put("instances", 4)));

  private static long handoffs() {
    Timer timer = NODE.node().registry().find("pstate.live.stage").tag("stage", "handoff").timer();
    return timer == null ? 0 : timer.count();
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
