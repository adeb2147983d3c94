package io.portfoliostate.integration;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.app.Node;
import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.ChangeTopic;
import io.portfoliostate.fixtures.TestDatabase;
import io.portfoliostate.fixtures.TestKeys;
import io.portfoliostate.fixtures.TestNode;
import io.portfoliostate.fixtures.TestPulsar;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.pulsar.client.api.MessageId;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.Schema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Audit over Pulsar (issue 12), against a real broker: a trade and a cash movement consumed from
 * their topics are journaled with the PULSAR origin — the topic, the message id as Pulsar prints
 * it, and the producer's name as principal — and {@code GET /events} shows it; a redelivered
 * message (a replay) leaves the first message's origin. The change stream carries each event's
 * origin exactly as {@code GET /events} shows it, REST and Pulsar alike.
 */
class PulsarOriginTest {

  private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
  private static final String TRADES = "trades-" + RUN;
  private static final String CASH = "cash-" + RUN;
  private static final String CHANGES = "changes-" + RUN;

  private static PulsarClient client;
  private static Node node;
  private static Api api;

  @BeforeAll
  static void start() throws Exception {
    String url = TestPulsar.shared().serviceUrl();
    client = PulsarClient.builder().serviceUrl(url).build();
    node = TestNode.start(TestDatabase.freshDatabaseUri(), new JsonObject().put("pulsar", new JsonObject()
        .put("serviceUrl", url).put("tradeTopic", TRADES).put("cashTopic", CASH).put("priceTopic", "prices-" + RUN)
        .put("deadLetterTopic", "dead-" + RUN).put("changesTopic", CHANGES).put("changesProducerName", CHANGES)
        .put("alertsTopic", "alerts-" + RUN)));
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
  void messagesAreJournaledWithTopicMessageIdAndProducerAndTheChangeStreamCarriesIt() throws Exception {
    api.send("POST", "/api/v1/portfolios", "application/json", new JsonObject().put("id", "po-1").put("name", "P")
        .put("baseCurrency", "USD").encode(), "X-Request-Id", "req-po-1");
    MessageId deposit;
    MessageId trade;
    MessageId again;
    // Unbatched, so that the id the producer is given is the id the consumer sees.
    try (Producer<byte[]> cash = client.newProducer(Schema.BYTES).topic(CASH).producerName("treasury-" + RUN)
            .enableBatching(false).create();
        Producer<byte[]> trades = client.newProducer(Schema.BYTES).topic(TRADES).producerName("desk-" + RUN)
            .enableBatching(false).create()) {
      deposit = cash.newMessage().key("po-1").value(bytes(new JsonObject().put("portfolioId", "po-1")
          .put("flowId", "d-1").put("type", "DEPOSIT").put("currency", "USD").put("amount", "1000"))).send();
      api.awaitVersion("po-1", 2, Duration.ofSeconds(30));
      JsonObject body = new JsonObject().put("portfolioId", "po-1").put("tradeId", "pt-1").put("instrumentId", "AAPL")
          .put("side", "BUY").put("quantity", "4").put("price", "10");
      trade = trades.newMessage().key("po-1").value(bytes(body)).send();
      api.awaitVersion("po-1", 3, Duration.ofSeconds(30));
      // The same trade published again (a producer's retry): a replay, nothing journaled.
      again = trades.newMessage().key("po-1").value(bytes(body)).send();
    }
    assertThat(again).isNotEqualTo(trade);

    JsonArray events = api.get("/api/v1/portfolios/po-1/events").json().getJsonArray("events");
    assertThat(events.getJsonObject(0).getJsonObject("origin")).isEqualTo(new JsonObject()
        .put("principal", "key:" + TestKeys.ADMIN_KEY_ID).put("channel", "REST").put("requestId", "req-po-1"));
    assertThat(events.getJsonObject(1).getJsonObject("origin")).isEqualTo(new JsonObject()
        .put("principal", "pulsar:treasury-" + RUN).put("channel", "PULSAR")
        .put("topic", "persistent://public/default/" + CASH).put("messageId", deposit.toString())
        .put("producer", "treasury-" + RUN));
    assertThat(events.getJsonObject(2).getJsonObject("origin")).isEqualTo(new JsonObject()
        .put("principal", "pulsar:desk-" + RUN).put("channel", "PULSAR")
        .put("topic", "persistent://public/default/" + TRADES).put("messageId", trade.toString())
        .put("producer", "desk-" + RUN));
    assertThat(events.getJsonObject(2).getJsonObject("data").getString("quantity")).isEqualTo("4");

    // The replay was consumed (and changed nothing): the journal keeps the first message's id.
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (replayed() < 1 && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(replayed()).isEqualTo(1);
    JsonArray after = api.get("/api/v1/portfolios/po-1/events").json().getJsonArray("events");
    assertThat(after).isEqualTo(events);

    try (ChangeTopic topic = new ChangeTopic(client, CHANGES)) {
      List<JsonObject> messages = topic.readUntil(3, ChangeTopic.catchUp());
      ChangeTopic.assertMatchesJournal(messages, Map.of("po-1", ChangeTopic.journal(api, "po-1")));
      assertThat(messages.get(2).getJsonArray("events").getJsonObject(0).getJsonObject("origin")
          .getString("messageId")).isEqualTo(trade.toString());
    }
  }

  private static byte[] bytes(JsonObject json) {
    return json.encode().getBytes(StandardCharsets.UTF_8);
  }

  private static double replayed() {
    return node.registry().find("pstate.pulsar.in").tag("result", "replayed").counters().stream()
        .mapToDouble(c -> c.count()).sum();
  }
}
