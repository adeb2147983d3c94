package io.portfoliostate.integration;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.app.Node;
import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.ChangeTopic;
import io.portfoliostate.fixtures.TestCluster;
import io.portfoliostate.fixtures.TestDatabase;
import io.portfoliostate.fixtures.TestPulsar;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.pulsar.client.admin.PulsarAdmin;
import org.apache.pulsar.client.api.BatcherBuilder;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.Schema;
import org.junit.jupiter.api.Test;

/**
 * {@code pulsar.subscriptionType=Failover}: a partitioned trade topic whose producer batches any
 * keys together (which Key_Shared does not allow), consumed by a 2-node cluster. Each partition
 * has one consuming node; when that node stops, the other takes its partitions over. Every
 * portfolio's trades end in the journal once each and in exactly the order they were published.
 */
class PulsarFailoverSubscriptionTest {

  private static final int PORTFOLIOS = 12;
  private static final int TRADES = 60;

  @Test
  void everyTradeAppliesOnceInPublishOrderAcrossAFailover() throws Exception {
    String run = UUID.randomUUID().toString().substring(0, 8);
    String trades = "failover-trades-" + run;
    try (PulsarAdmin admin = TestPulsar.shared().admin()) {
      admin.topics().createPartitionedTopic("persistent://public/default/" + trades, 4);
    }
    JsonObject settings = new JsonObject().put("pulsar", new JsonObject()
        .put("serviceUrl", TestPulsar.shared().serviceUrl()).put("subscriptionType", "Failover")
        .put("tradeTopic", trades).put("cashTopic", "failover-cash-" + run).put("priceTopic", "failover-prices-" + run)
        .put("deadLetterTopic", "failover-dead-" + run).put("changesTopic", ""));
    try (TestCluster cluster = TestCluster.start(2, 2, TestDatabase.freshDatabaseUri(), settings);
        PulsarClient client = PulsarClient.builder().serviceUrl(TestPulsar.shared().serviceUrl()).build();
        Producer<byte[]> producer = client.newProducer(Schema.BYTES).topic(trades)
            .batcherBuilder(BatcherBuilder.DEFAULT).batchingMaxPublishDelay(5, TimeUnit.MILLISECONDS).create()) {
      Api api = new Api(cluster.node(1).httpPort());
      List<String> ids = new ArrayList<>();
      for (int p = 0; p < PORTFOLIOS; p++) {
        ids.add(api.createPortfolio("failover-sub-" + run + "-" + p));
      }
      publish(producer, ids, 0, TRADES / 2);
      for (String id : ids) {
        api.awaitVersion(id, 1 + TRADES / 2, Duration.ofSeconds(60));
      }
      assertThat(partitions(cluster.node(1), trades)).isEqualTo(4);
      // Both nodes consumed: each holds some of the 4 partitions.
      assertThat(applied(cluster.node(0))).isPositive();
      assertThat(applied(cluster.node(1))).isPositive();

      // Node 0 stops while the second half is being published: its partitions move to node 1.
      Thread publisher = new Thread(() -> publish(producer, ids, TRADES / 2, TRADES));
      publisher.start();
      cluster.stop(0);
      publisher.join();

      for (String id : ids) {
        JsonObject state = awaitAllTrades(api, cluster.node(1), id, trades);
        // Trade t buys t + 1 when t is even, sells 1 when odd: 30 buys of 1, 3, ..., 59 and 30 sells of 1.
        assertThat(state.getJsonArray("positions").getJsonObject(0).getString("quantity")).isEqualTo("870");
        List<String> recorded = ChangeTopic.journal(api, id).stream().skip(1)
            .map(event -> event.getJsonObject("data").getString("tradeId")).toList();
        assertThat(recorded).as("the trades of %s in the journal", id)
            .isEqualTo(IntStream.range(0, TRADES).mapToObj(t -> "t-" + t).toList());
      }
      // The node asked the broker once more for each of the 4 partitions it was given, 2 at its
      // start and 2 at the failover, a second after each (PartitionHandOver).
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (asksAgain(cluster.node(1)) < 4 && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertThat(asksAgain(cluster.node(1))).as("partitions asked for again").isGreaterThanOrEqualTo(4);
    }
  }

  /**
   * The portfolio once every trade applied. Late, the failure names what the node that took over
   * did with what it consumed, so that it tells trades that never arrived from trades that did.
   */
  private static JsonObject awaitAllTrades(Api api, Node survivor, String id, String topic)
      throws InterruptedException {
    try {
      return api.awaitVersion(id, 1 + TRADES, Duration.ofSeconds(60));
    } catch (AssertionError late) {
      StringBuilder ingest = new StringBuilder();
      survivor.registry().getMeters().stream()
          .filter(meter -> meter.getId().getName().startsWith("pstate.pulsar.in"))
          .forEach(meter -> meter.measure().forEach(measured -> ingest.append("\n  ")
              .append(meter.getId().getName()).append(meter.getId().getTags()).append(" = ").append(measured.getValue())));
      throw new AssertionError(late.getMessage() + "\nthe surviving node's ingest:" + ingest
          + "\nthe broker's view of the subscription:" + TestPulsar.shared().subscriptionView(topic, "portfolio-state", 4),
          late);
    }
  }

  /** Trades {@code from} until {@code to} of every portfolio, interleaved across portfolios. */
  private static void publish(Producer<byte[]> producer, List<String> ids, int from, int to) {
    for (int t = from; t < to; t++) {
      for (String id : ids) {
        JsonObject trade = new JsonObject().put("portfolioId", id).put("tradeId", "t-" + t).put("instrumentId", "AAPL")
            .put("side", t % 2 == 0 ? "BUY" : "SELL").put("quantity", t % 2 == 0 ? Integer.toString(t + 1) : "1")
            .put("price", "100");
        producer.newMessage().key(id).value(trade.encode().getBytes(StandardCharsets.UTF_8)).sendAsync();
      }
    }
    try {
      producer.flush();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** The node's gauge of the topic's partitions (set once the node has looked them up). */
  private static double partitions(Node node, String topic) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (node.registry().find("pstate.pulsar.in.partitions").tag("topic", topic).gauge() == null) {
      assertThat(System.nanoTime()).as("partitions of %s looked up", topic).isLessThan(deadline);
      Thread.sleep(20);
    }
    return node.registry().find("pstate.pulsar.in.partitions").tag("topic", topic).gauge().value();
  }

  private static double asksAgain(Node node) {
    return node.registry().find("pstate.pulsar.in.partitions_taken").counter().count();
  }

  private static double applied(Node node) {
    return node.registry().find("pstate.pulsar.in").tag("result", "applied").counters().stream()
        .mapToDouble(c -> c.count()).sum();
  }
}
