package io.portfoliostate.integration;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.app.Node;
import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.ChangeTopic;
import io.portfoliostate.fixtures.TestDatabase;
import io.portfoliostate.fixtures.TestNode;
import io.portfoliostate.fixtures.TestPulsar;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.pulsar.client.api.Consumer;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.Schema;
import org.apache.pulsar.client.api.SubscriptionInitialPosition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The timeline over Pulsar, against a real broker: {@code trade-executions} carries back-dated
 * trades, cancels ({@code "action": "CANCEL"}) and amendments ({@code "AMEND"}); the owner restates
 * as over REST, {@code portfolio-changes} carries the new events in version order, and a cancel
 * of a trade the portfolio never recorded is dead-lettered with its reason.
 */
class PulsarTimelineTest {

  private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
  private static final String TRADES = "tl-trades-" + RUN;
  private static final String CHANGES = "tl-changes-" + RUN;
  private static final String DEAD = "tl-dead-" + RUN;

  private static PulsarClient client;
  private static Node node;
  private static Api api;

  @BeforeAll
  static void start() throws Exception {
    String url = TestPulsar.shared().serviceUrl();
    client = PulsarClient.builder().serviceUrl(url).build();
    node = TestNode.start(TestDatabase.freshDatabaseUri(), new JsonObject().put("pulsar", new JsonObject()
        .put("serviceUrl", url).put("tradeTopic", TRADES).put("cashTopic", "tl-cash-" + RUN)
        .put("priceTopic", "tl-prices-" + RUN).put("deadLetterTopic", DEAD).put("changesTopic", CHANGES)
        .put("changesProducerName", CHANGES).put("alertsTopic", "tl-alerts-" + RUN)));
    api = new Api(node.httpPort());
  }

  @AfterAll
  static void stop() throws Exception {
    if (node != null) {
      node.close();
    }
    if (client != null) {
      client.close();
    }
  }

  @Test
  void backDatedTradesCancelsAndAmendmentsArriveOverTheTradeTopic() throws Exception {
    api.createPortfolio(new JsonObject().put("id", "ptl-1").put("name", "P").put("baseCurrency", "USD")
        .put("costMethod", "FIFO"));
    try (Consumer<byte[]> dead = client.newConsumer(Schema.BYTES).topic(DEAD).subscriptionName("t-" + RUN)
            .subscriptionInitialPosition(SubscriptionInitialPosition.Earliest).subscribe();
        Producer<byte[]> trades = client.newProducer(Schema.BYTES).topic(TRADES).create()) {
      send(trades, trade("p1", "BUY", "10", "100", "2026-03-02T10:00:00Z"));
      send(trades, trade("p2", "SELL", "5", "130", "2026-03-04T10:00:00Z"));
      // Executed before the sale, arriving after it: the sale now closes this lot (FIFO).
      send(trades, trade("p0", "BUY", "5", "80", "2026-03-01T10:00:00Z"));
      send(trades, new JsonObject().put("portfolioId", "ptl-1").put("action", "AMEND").put("tradeId", "p1")
          .put("price", "90").put("reason", "confirmation"));
      send(trades, new JsonObject().put("portfolioId", "ptl-1").put("action", "CANCEL").put("tradeId", "nope"));
      send(trades, new JsonObject().put("portfolioId", "ptl-1").put("action", "CANCEL").put("tradeId", "p0")
          .put("reason", "booked twice"));
      api.awaitVersion("ptl-1", 6, Duration.ofSeconds(30));

      // Without p0: 10 @ 90, sold 5 @ 130: 5 left at 90, 200 realized.
      JsonObject position = api.get("/api/v1/portfolios/ptl-1").json().getJsonArray("positions").getJsonObject(0);
      assertThat(position.getString("quantity")).isEqualTo("5");
      assertThat(position.getString("realizedPnl")).isEqualTo("200");
      assertThat(position.getString("averageCost")).isEqualTo("90");

      Message<byte[]> letter = dead.receive(30, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(letter).isNotNull();
      assertThat(letter.getProperty("reason")).startsWith("trade_not_found: ");
      dead.acknowledge(letter);
    }
    try (ChangeTopic topic = new ChangeTopic(client, CHANGES)) {
      List<JsonObject> messages = topic.readUntil(6, ChangeTopic.catchUp());
      ChangeTopic.assertMatchesJournal(messages, Map.of("ptl-1", ChangeTopic.journal(api, "ptl-1")));
      assertThat(messages.stream().map(m -> m.getJsonArray("events").getJsonObject(0).getString("type")).toList())
          .containsExactly("PortfolioCreated", "TradeRecorded", "TradeRecorded", "TradeRecorded", "TradeAmended",
              "TradeCancelled");
    }
  }

  private static JsonObject trade(String id, String side, String quantity, String price, String executedAt) {
    return new JsonObject().put("portfolioId", "ptl-1").put("tradeId", id).put("instrumentId", "AAPL")
        .put("side", side).put("quantity", quantity).put("price", price).put("executedAt", executedAt);
  }

  private static void send(Producer<byte[]> producer, JsonObject body) throws Exception {
    producer.newMessage().key("ptl-1").value(body.encode().getBytes(StandardCharsets.UTF_8)).send();
  }
}
