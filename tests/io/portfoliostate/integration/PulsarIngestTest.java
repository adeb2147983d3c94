package io.portfoliostate.integration;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.app.Node;
import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.PulsarNode;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.pulsar.client.api.BatcherBuilder;
import org.apache.pulsar.client.api.Consumer;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.Schema;
import org.apache.pulsar.client.api.SubscriptionInitialPosition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Trades and cash movements published to Pulsar, against a real broker: they end in the exact
 * state with duplicates mixed in (applied once), and poison messages land in the dead-letter
 * topic with their reasons while the rest flow.
 */
class PulsarIngestTest {

  @RegisterExtension
  static final PulsarNode PULSAR = new PulsarNode();
  private static final String TRADES = PULSAR.topic("trades");
  private static final String CASH = PULSAR.topic("cash");
  private static final String DEAD = PULSAR.topic("dead");
  private static final String PRICES = PULSAR.topic("prices");

  private static PulsarClient client;
  private static Producer<byte[]> trades;
  private static Producer<byte[]> cash;
  private static Producer<byte[]> prices;
  private static Node node;
  private static Api api;

  @BeforeAll
  static void start() throws Exception {
    client = PULSAR.client();
    node = PULSAR.node();
    api = PULSAR.api();
    trades = producer(TRADES);
    cash = producer(CASH);
    prices = producer(PRICES);
  }

  @AfterAll
  static void stop() throws Exception {
    for (Producer<byte[]> producer : new Producer[] {trades, cash, prices}) {
      if (producer != null) {
        producer.close();
      }
    }
  }

  private static Producer<byte[]> producer(String topic) throws Exception {
    return client.newProducer(Schema.BYTES).topic(topic).batcherBuilder(BatcherBuilder.KEY_BASED).create();
  }

  private static void publish(Producer<byte[]> producer, String key, JsonObject body) {
    producer.newMessage().key(key).value(body.encode().getBytes(StandardCharsets.UTF_8)).sendAsync();
  }

  private static JsonObject trade(String portfolio, String tradeId, String side, String quantity, String price) {
    return new JsonObject().put("portfolioId", portfolio).put("tradeId", tradeId).put("instrumentId", "AAPL")
        .put("side", side).put("quantity", quantity).put("price", price);
  }

  @Test
  void tradesAndCashMovementsEndInTheExactStateWithDuplicatesMixedIn() throws Exception {
    List<String> ids = new ArrayList<>();
    for (int p = 0; p < 5; p++) {
      ids.add(api.createPortfolio("pulsar-" + p));
    }
    for (String id : ids) {
      publish(cash, id, new JsonObject().put("portfolioId", id).put("flowId", "dep-1").put("type", "DEPOSIT")
          .put("currency", "USD").put("amount", "100000"));
    }
    cash.flush();
    for (int t = 0; t < 50; t++) {
      for (String id : ids) {
        publish(trades, id, trade(id, "t-" + t, "BUY", "1", "10.5"));
        if (t % 5 == 4) {
          // A duplicate delivery of an earlier trade (as after a producer retry): applied once.
          publish(trades, id, trade(id, "t-" + (t - 2), "BUY", "1", "10.5"));
        }
      }
    }
    trades.flush();

    for (String id : ids) {
      JsonObject state = api.awaitVersion(id, 52, Duration.ofSeconds(30));
      assertThat(state.getJsonArray("positions").getJsonObject(0).getString("quantity")).isEqualTo("50");
      // 100,000 − 50 × 10.5
      assertThat(state.getJsonArray("cash").getJsonObject(0).getString("balance")).isEqualTo("99475");
    }
    assertThat(counter("replayed")).isGreaterThanOrEqualTo(50);
  }

  @Test
  void poisonMessagesGoToTheDeadLetterTopicWithReasonsAndTheRestFlow() throws Exception {
    String id = api.createPortfolio("pulsar-poison");
    try (Consumer<byte[]> letters = client.newConsumer(Schema.BYTES).topic(DEAD).subscriptionName("check")
        .subscriptionInitialPosition(SubscriptionInitialPosition.Earliest).subscribe()) {
      publish(trades, id, trade(id, "good-1", "BUY", "10", "100"));
      trades.newMessage().key(id).value("{\"portfolioId\": \"pulsar-poison\", ".getBytes(StandardCharsets.UTF_8))
          .sendAsync();
      publish(trades, id, trade(id, "bad-qty", "BUY", "-5", "100"));
      publish(trades, "nobody", trade("nobody-here", "t-1", "BUY", "1", "100"));
      publish(trades, id, trade(id, "good-1", "BUY", "11", "100"));
      publish(trades, id, new JsonObject().put("tradeId", "no-portfolio").put("instrumentId", "AAPL"));
      publish(trades, id, trade(id, "good-2", "SELL", "4", "110"));
      trades.flush();

      JsonObject state = api.awaitVersion(id, 3, Duration.ofSeconds(30));
      assertThat(state.getJsonArray("positions").getJsonObject(0).getString("quantity")).isEqualTo("6");
      List<String> reasons = new ArrayList<>();
      // Letters from the trade topic only: other tests of this class dead-letter prices.
      while (reasons.size() < 5) {
        Message<byte[]> letter = letters.receive(10, TimeUnit.SECONDS);
        assertThat(letter).as("dead letter %d of 5", reasons.size() + 1).isNotNull();
        letters.acknowledge(letter);
        JsonObject body = new JsonObject(new String(letter.getValue(), StandardCharsets.UTF_8));
        if (!body.getString("topic").endsWith(TRADES)) {
          continue;
        }
        assertThat(body.getString("reason")).isEqualTo(letter.getProperty("reason"));
        assertThat(body.getString("payload")).isNotEmpty();
        reasons.add(body.getString("reason"));
      }
      assertThat(reasons).anySatisfy(r -> assertThat(r).startsWith("malformed:"));
      assertThat(reasons).anySatisfy(r -> assertThat(r).startsWith("invalid:").contains("quantity"));
      assertThat(reasons).anySatisfy(r -> assertThat(r).startsWith("not_found:"));
      assertThat(reasons).anySatisfy(r -> assertThat(r).startsWith("id_reused:"));
      assertThat(reasons).anySatisfy(r -> assertThat(r).startsWith("invalid:").contains("portfolioId"));
      for (Message<byte[]> more = letters.receive(500, TimeUnit.MILLISECONDS); more != null;
          more = letters.receive(500, TimeUnit.MILLISECONDS)) {
        assertThat(new JsonObject(new String(more.getValue(), StandardCharsets.UTF_8)).getString("topic"))
            .as("no sixth letter from the trade topic").doesNotEndWith(TRADES);
      }
    }
  }

  @Test
  void pricesFromTheStreamValueReadsAndTheLatestByTimeWins() throws Exception {
    String id = api.createPortfolio("pulsar-priced");
    api.post("/api/v1/portfolios/" + id + "/trades", new JsonObject().put("tradeId", "t-1")
        .put("instrumentId", "PX-STREAM").put("side", "BUY").put("quantity", "10").put("price", "100"));
    publish(prices, "PX-STREAM", new JsonObject().put("instrumentId", "PX-STREAM").put("price", "120.5")
        .put("currency", "USD").put("at", "2026-11-24T12:00:02Z"));
    publish(prices, "PX-STREAM", new JsonObject().put("instrumentId", "PX-STREAM").put("price", "119")
        .put("currency", "USD").put("at", "2026-11-24T12:00:01Z"));
    publish(prices, "PX-STREAM", new JsonObject().put("instrumentId", "PX-STREAM").put("price", "-1")
        .put("currency", "USD"));
    prices.flush();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    JsonObject line = null;
    while (System.nanoTime() < deadline) {
      line = api.get("/api/v1/portfolios/" + id).json().getJsonArray("positions").getJsonObject(0);
      if ("1205".equals(line.getString("marketValue")) && counter("dead_lettered") >= 1) {
        break;
      }
      Thread.sleep(50);
    }
    assertThat(line.getString("price")).isEqualTo("120.5");
    assertThat(line.getString("marketValue")).isEqualTo("1205");
    assertThat(line.getString("unrealizedPnl")).isEqualTo("205");
  }

  private static double counter(String result) {
    return node.registry().find("pstate.pulsar.in").tag("result", result).counters().stream()
        .mapToDouble(c -> c.count()).sum();
  }
}
