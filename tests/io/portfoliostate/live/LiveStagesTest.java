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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The hub's stage timers ({@code pstate.live.stage}) and its hand-off per event loop: on a node
 * with one gateway event loop, three sockets following one portfolio are handed each change
 * once (one task writing all three), and every stage counts each live change exactly once.
 */
class LiveStagesTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final List<String> STAGES = List.of("queued", "hub", "handoff", "write", "flushed", "delivered");

  /** One owner and one gateway instance: every socket is on the same event loop. */
  @RegisterExtension
  static final RunningNode NODE = new RunningNode(new JsonObject().put("owners", new JsonObject()
      .put("instances", 1)));

  private static Map<String, Long> counts() {
    Map<String, Long> counts = new HashMap<>();
    for (String stage : STAGES) {
      Timer timer = NODE.node().registry().find("pstate.live.stage").tag("stage", stage).timer();
      counts.put(stage, timer == null ? 0 : timer.count());
    }
    return counts;
  }

  @Test
  void eachLiveChangeIsHandedToAnEventLoopOnceAndTimedOncePerStage() throws Exception {
    Api api = NODE.api();
    api.createPortfolio("ls-one");
    List<BridgeClient> clients = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        BridgeClient client = BridgeClient.connect(NODE.node().httpPort(), TestKeys.ADMIN);
        clients.add(client);
        client.register("portfolio.updates.ls-one");
        assertThat(client.body("portfolio.updates.ls-one", WAIT).getString("kind")).isEqualTo("snapshot");
      }
      Map<String, Long> before = counts();
      for (int i = 1; i <= 5; i++) {
        Api.Response r = api.post("/api/v1/portfolios/ls-one/cash-flows", new JsonObject().put("flowId", "ls-" + i)
            .put("type", "DEPOSIT").put("currency", "USD").put("amount", "100"));
        assertThat(r.status()).as(r.body()).isEqualTo(201);
      }
      for (BridgeClient client : clients) {
        for (long version = 2; version <= 6; version++) {
          JsonObject change = client.body("portfolio.updates.ls-one", WAIT);
          assertThat(change.getString("kind")).isEqualTo("change");
          assertThat(change.getLong("version")).isEqualTo(version);
        }
      }
      // The last stages are recorded once Netty reports the write done: after the client has it.
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (counts().get("delivered") - before.get("delivered") < 5 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      Map<String, Long> after = counts();
      for (String stage : STAGES) {
        // Five changes, each handed once to the one event loop that holds the three sockets.
        assertThat(after.get(stage) - before.get(stage)).as(stage).isEqualTo(5);
      }
    } finally {
      clients.forEach(BridgeClient::close);
    }
  }
}
