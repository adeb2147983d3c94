package io.portfoliostate.integration;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.fixtures.ChangeTopic;
import io.portfoliostate.fixtures.PulsarNode;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.pulsar.client.api.Consumer;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.Schema;
import org.apache.pulsar.client.api.SubscriptionInitialPosition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The timeline over Pulsar, against a real broker: {@code trade-executions} carries back-dated
 * trades, cancels ({@code "action": "CANCEL"}) and amendments ({@code "AMEND"}); the owner restates
 * as over REST, {@code portfolio-changes} carries the new events in version order, and a cancel
 * of a trade the portfolio never recorded is dead-lettered with its reason.
 */
class PulsarTimelineTest {


  @RegisterExtension
  static final PulsarNode PULSAR = new PulsarNode();

  @Test
  void backDatedTradesCancelsAndAmendmentsArriveOverTheTradeTopic() throws Exception {
    PULSAR.api().createPortfolio(new JsonObject().put("id", "ptl-1").put("name", "P").put("baseCurrency", "USD")
        .put("costMethod", "FIFO"));
    try (Consumer<byte[]> dead = PULSAR.client().newConsumer(Schema.BYTES).topic(PULSAR.topic("dead"))
            .subscriptionName("t-" + PULSAR.run()).subscriptionInitialPosition(SubscriptionInitialPosition.Earliest)
            .subscribe();
        Producer<byte[]> trades = PULSAR.client().newProducer(Schema.BYTES).topic(PULSAR.topic("trades")).create()) {
      send(trades, trade("p1", "BUY", "10", "100", "2026-03-02T10:00:00Z"));
      send(trades, trade("p2", "SELL", "5", "130", "2026-03-04T10:00:00Z"));
      // Executed before the sale, arriving after it: the sale now closes this lot (FIFO).
      send(trades, trade("p0", "BUY", "5", "80", "2026-03-01T10:00:00Z"));
      send(trades, new JsonObject().put("portfolioId", "ptl-1").put("action", "AMEND").put("tradeId", "p1")
          .put("price", "90").put("reason", "confirmation"));
      send(trades, new JsonObject().put("portfolioId", "ptl-1").put("action", "CANCEL").put("tradeId", "nope"));
      send(trades, new JsonObject().put("portfolioId", "ptl-1").put("action", "CANCEL").put("tradeId", "p0")
          .put("reason", "booked twice"));
      PULSAR.api().awaitVersion("ptl-1", 6, Duration.ofSeconds(30));

      // Without p0: 10 @ 90, sold 5 @ 130: 5 left at 90, 200 realized.
      JsonObject position = PULSAR.api().get("/api/v1/portfolios/ptl-1").json().getJsonArray("positions")
          .getJsonObject(0);
      assertThat(position.getString("quantity")).isEqualTo("5");
      assertThat(position.getString("realizedPnl")).isEqualTo("200");
      assertThat(position.getString("averageCost")).isEqualTo("90");

      Message<byte[]> letter = dead.receive(30, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(letter).isNotNull();
      assertThat(letter.getProperty("reason")).startsWith("trade_not_found: ");
      dead.acknowledge(letter);
    }
    try (ChangeTopic topic = new ChangeTopic(PULSAR.client(), PULSAR.topic("changes"))) {
      List<JsonObject> messages = topic.readUntil(6, ChangeTopic.catchUp());
      ChangeTopic.assertMatchesJournal(messages, Map.of("ptl-1", ChangeTopic.journal(PULSAR.api(), "ptl-1")));
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
