package io.portfoliostate.integration;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.fixtures.ChangeTopic;
import io.portfoliostate.fixtures.PulsarNode;
import io.portfoliostate.fixtures.TestKeys;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.pulsar.client.api.MessageId;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Audit over Pulsar (issue 12), against a real broker: a trade and a cash movement consumed from
 * their topics are journaled with the PULSAR origin — the topic, the message id as Pulsar prints
 * it, and the producer's name as principal — and {@code GET /events} shows it; a redelivered
 * message (a replay) leaves the first message's origin. The change stream carries each event's
 * origin exactly as {@code GET /events} shows it, REST and Pulsar alike.
 */
class PulsarOriginTest {


  @RegisterExtension
  static final PulsarNode PULSAR = new PulsarNode();

  @Test
  void messagesAreJournaledWithTopicMessageIdAndProducerAndTheChangeStreamCarriesIt() throws Exception {
    PULSAR.api().send("POST", "/api/v1/portfolios", "application/json", new JsonObject().put("id", "po-1")
        .put("name", "P").put("baseCurrency", "USD").encode(), "X-Request-Id", "req-po-1");
    MessageId deposit;
    MessageId trade;
    MessageId again;
    // Unbatched, so that the id the producer is given is the id the consumer sees.
    try (Producer<byte[]> cash = PULSAR.client().newProducer(Schema.BYTES).topic(PULSAR.topic("cash"))
            .producerName("treasury-" + PULSAR.run()).enableBatching(false).create();
        Producer<byte[]> trades = PULSAR.client().newProducer(Schema.BYTES).topic(PULSAR.topic("trades"))
            .producerName("desk-" + PULSAR.run()).enableBatching(false).create()) {
      deposit = cash.newMessage().key("po-1").value(bytes(new JsonObject().put("portfolioId", "po-1")
          .put("flowId", "d-1").put("type", "DEPOSIT").put("currency", "USD").put("amount", "1000"))).send();
      PULSAR.api().awaitVersion("po-1", 2, Duration.ofSeconds(30));
      JsonObject body = new JsonObject().put("portfolioId", "po-1").put("tradeId", "pt-1").put("instrumentId", "AAPL")
          .put("side", "BUY").put("quantity", "4").put("price", "10");
      trade = trades.newMessage().key("po-1").value(bytes(body)).send();
      PULSAR.api().awaitVersion("po-1", 3, Duration.ofSeconds(30));
      // The same trade published again (a producer's retry): a replay, nothing journaled.
      again = trades.newMessage().key("po-1").value(bytes(body)).send();
    }
    assertThat(again).isNotEqualTo(trade);

    JsonArray events = PULSAR.api().get("/api/v1/portfolios/po-1/events").json().getJsonArray("events");
    assertThat(events.getJsonObject(0).getJsonObject("origin")).isEqualTo(new JsonObject()
        .put("principal", "key:" + TestKeys.ADMIN_KEY_ID).put("channel", "REST").put("requestId", "req-po-1"));
    assertThat(events.getJsonObject(1).getJsonObject("origin")).isEqualTo(new JsonObject()
        .put("principal", "pulsar:treasury-" + PULSAR.run()).put("channel", "PULSAR")
        .put("topic", "persistent://public/default/" + PULSAR.topic("cash")).put("messageId", deposit.toString())
        .put("producer", "treasury-" + PULSAR.run()));
    assertThat(events.getJsonObject(2).getJsonObject("origin")).isEqualTo(new JsonObject()
        .put("principal", "pulsar:desk-" + PULSAR.run()).put("channel", "PULSAR")
        .put("topic", "persistent://public/default/" + PULSAR.topic("trades")).put("messageId", trade.toString())
        .put("producer", "desk-" + PULSAR.run()));
    assertThat(events.getJsonObject(2).getJsonObject("data").getString("quantity")).isEqualTo("4");

    // The replay was consumed (and changed nothing): the journal keeps the first message's id.
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (replayed() < 1 && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(replayed()).isEqualTo(1);
    JsonArray after = PULSAR.api().get("/api/v1/portfolios/po-1/events").json().getJsonArray("events");
    assertThat(after).isEqualTo(events);

    try (ChangeTopic topic = new ChangeTopic(PULSAR.client(), PULSAR.topic("changes"))) {
      List<JsonObject> messages = topic.readUntil(3, ChangeTopic.catchUp());
      ChangeTopic.assertMatchesJournal(messages, Map.of("po-1", ChangeTopic.journal(PULSAR.api(), "po-1")));
      assertThat(messages.get(2).getJsonArray("events").getJsonObject(0).getJsonObject("origin")
          .getString("messageId")).isEqualTo(trade.toString());
    }
  }

  private static byte[] bytes(JsonObject json) {
    return json.encode().getBytes(StandardCharsets.UTF_8);
  }

  private static double replayed() {
    return PULSAR.node().registry().find("pstate.pulsar.in").tag("result", "replayed").counters().stream()
        .mapToDouble(c -> c.count()).sum();
  }
}
