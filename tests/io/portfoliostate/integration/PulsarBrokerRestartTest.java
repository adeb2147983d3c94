package io.portfoliostate.integration;

import static io.portfoliostate.fixtures.Api.trade;
import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.app.Node;
import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.ChangeTopic;
import io.portfoliostate.fixtures.PulsarProcess;
import io.portfoliostate.fixtures.TestDatabase;
import io.portfoliostate.fixtures.TestNode;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.pulsar.client.api.BatcherBuilder;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.Schema;
import org.junit.jupiter.api.Test;

/**
 * The broker stopped and started again under a running node: trades published before, during
 * (held by the test's producer) and after the outage all apply exactly once, writes over HTTP go
 * on while the broker is away, and the {@code portfolio-changes} stream catches up with
 * everything committed meanwhile, with no gap and no duplicate. The broker is a child JVM of its
 * own (PulsarProcess), restarted on the same ports and data.
 */
class PulsarBrokerRestartTest {

  private static final int PORTFOLIOS = 5;

  @Test
  void theNodeReconnectsCatchesUpAndLosesNothing() throws Exception {
    try (PulsarProcess broker = PulsarProcess.start()) {
      JsonObject settings = new JsonObject().put("pulsar", new JsonObject().put("serviceUrl", broker.serviceUrl())
          .put("tradeTopic", "trades").put("cashTopic", "cash").put("priceTopic", "prices")
          .put("deadLetterTopic", "dead").put("changesTopic", "changes"));
      Node node = TestNode.start(TestDatabase.freshDatabaseUri(), settings);
      try (PulsarClient client = PulsarClient.builder().serviceUrl(broker.serviceUrl()).build();
          ChangeTopic topic = new ChangeTopic(client, "changes");
          ChangeTopic alerts = new ChangeTopic(client, "portfolio-alerts")) {
        // Held and sent again for as long as the broker is away.
        Producer<byte[]> trades = client.newProducer(Schema.BYTES).topic("trades")
            .batcherBuilder(BatcherBuilder.KEY_BASED).sendTimeout(0, TimeUnit.SECONDS).create();
        Api api = new Api(node.httpPort());
        List<String> ids = new ArrayList<>();
        for (int p = 0; p < PORTFOLIOS; p++) {
          ids.add(api.createPortfolio("restart-" + p));
        }
        publish(trades, ids, "before", 40);
        awaitVersions(api, ids, 1 + 40);

        broker.stop();
        for (String id : ids) {
          // Cash −4,000 after the 40 buys: +4,500 makes it 500, and the 6th buy below takes it
          // below zero: an alert raised while the broker is away.
          api.deposit(id, "USD", "4500");
          for (int t = 0; t < 10; t++) {
            assertThat(api.post("/api/v1/portfolios/" + id + "/trades", trade("during-" + t, "AAPL", "BUY", "1", "100"))
                .status()).as("a write over HTTP while the broker is away").isEqualTo(201);
          }
        }
        publish(trades, ids, "held", 20);
        broker.restart();
        publish(trades, ids, "after", 20);
        trades.flush();

        awaitVersions(api, ids, 1 + 40 + 1 + 10 + 20 + 20);
        Map<String, List<JsonObject>> journals = new LinkedHashMap<>();
        for (String id : ids) {
          JsonObject state = api.get("/api/v1/portfolios/" + id).json();
          assertThat(state.getLong("version")).isEqualTo(92);
          assertThat(state.getJsonArray("positions").getJsonObject(0).getString("quantity")).isEqualTo("90");
          journals.put(id, ChangeTopic.journal(api, id));
        }
        topic.readUntil(PORTFOLIOS * 92, Duration.ofSeconds(90));
        ChangeTopic.assertMatchesJournal(topic.drain(Duration.ofMillis(500)), journals);
        // Per portfolio: the first buy before the outage, the 6th buy during it.
        assertThat(ChangeTopic.alertCount(journals)).isEqualTo(PORTFOLIOS * 2);
        alerts.readUntil(PORTFOLIOS * 2, ChangeTopic.catchUp());
        ChangeTopic.assertAlertsMatchJournal(alerts.drain(Duration.ofMillis(300)), journals);
        trades.close();
      } finally {
        node.close();
      }
    }
  }

  private static void publish(Producer<byte[]> trades, List<String> ids, String prefix, int perPortfolio) {
    for (int t = 0; t < perPortfolio; t++) {
      for (String id : ids) {
        JsonObject trade = trade(prefix + "-" + t, "AAPL", "BUY", "1", "100").put("portfolioId", id);
        trades.newMessage().key(id).value(trade.encode().getBytes(StandardCharsets.UTF_8)).sendAsync();
      }
    }
  }

  private static void awaitVersions(Api api, List<String> ids, long version) throws InterruptedException {
    for (String id : ids) {
      api.awaitVersion(id, version, Duration.ofSeconds(90));
    }
  }
}
