package io.portfoliostate.bench;

import io.portfoliostate.app.Node;
import io.portfoliostate.fixtures.PulsarProcess;
import io.portfoliostate.fixtures.TestPulsar;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.apache.pulsar.client.admin.PulsarAdmin;
import org.apache.pulsar.client.api.BatcherBuilder;
import org.apache.pulsar.client.api.Consumer;
import org.apache.pulsar.client.api.MessageListener;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.Schema;
import org.apache.pulsar.client.api.SubscriptionInitialPosition;
import org.apache.pulsar.client.api.SubscriptionType;

/**
 * Trades per second consumed from Pulsar end to end: {@code trades} trade messages, keyed by
 * portfolio over {@code portfolios} portfolios, are published to {@code trade-executions} of a
 * standalone broker in this JVM as fast as the producer takes them; the node consumes them
 * (Key_Shared), records each durably and acknowledges it after COMMIT. The clock runs from the
 * first publish until the node has recorded the last trade (its {@code pstate.pulsar.in}
 * counter), in {@code runs} rounds of fresh trades.
 *
 * <p>Then the latency from publish to the matching {@code portfolio-changes} message: trades
 * published at a fixed {@code rate} for {@code seconds} (after as long a warm-up at that rate),
 * each timed from its intended send time (so a stall counts against every trade it delays)
 * until a consumer of the changes topic receives the change that recorded it.
 *
 * <p>With {@code mode=backlog}, the node's side alone instead (see {@link #backlog}).
 *
 * <p>Options (key=value): mode=live broker=jvm (process: in a JVM of its own) portfolios=10000 trades=200000 runs=3 rate=2000 seconds=20 changes=true
 * (false: the node publishes no changes, and only the throughput runs are made),
 * warmups=0 (runs made first and left out of the median: the JIT compiles the broker's and
 * the node's paths over the first runs), subscription=Key_Shared|Failover (the node's subscription type), partitions=0 (N: the trade
 * topic is created with N partitions first), batcher=key|default (how the load's producer batches:
 * one key per batch, as Key_Shared needs, or any keys, which only Failover allows),
 * set.&lt;setting path&gt;=value.
 */
public final class PulsarIngestBench {

  private static final double TARGET_PER_SECOND = 20_000;

  /**
   * How the load's producer batches: key-based (one key per batch, what a Key_Shared
   * subscription needs from producers) or default (any keys in a batch: enough for a Failover
   * subscription, where one consumer takes a whole partition).
   */
  private static BatcherBuilder batcher;

  private PulsarIngestBench() {
  }

  public static void main(String[] args) throws Exception {
    BenchSupport.Options options = new BenchSupport.Options(args);
    int portfolios = options.integer("portfolios", 10_000);
    int trades = options.integer("trades", 200_000);
    int runs = options.integer("runs", 3);
    BenchSupport.printMachine("PulsarIngestBench", options);
    long brokerStart = System.nanoTime();
    // broker=process: the broker in a JVM of its own, so that the CPU split below tells the
    // node's share (this JVM and PostgreSQL) from the broker's (other processes).
    PulsarProcess brokerProcess = options.string("broker", "jvm").equals("process") ? PulsarProcess.start() : null;
    String url = brokerProcess != null ? brokerProcess.serviceUrl() : TestPulsar.shared().serviceUrl();
    String adminUrl = brokerProcess != null ? brokerProcess.webServiceUrl() : TestPulsar.shared().webServiceUrl();
    System.out.printf("standalone Pulsar broker up in %d ms at %s%n", BenchSupport.millisSince(brokerStart), url);
    String topic = "bench-trades-" + UUID.randomUUID().toString().substring(0, 8);
    batcher = options.string("batcher", "key").equals("default") ? BatcherBuilder.DEFAULT : BatcherBuilder.KEY_BASED;
    int partitions = options.integer("partitions", 0);
    if (partitions > 0) {
      // Before the node subscribes, which would create the topic unpartitioned.
      try (PulsarAdmin admin = PulsarAdmin.builder().serviceHttpUrl(adminUrl).build()) {
        admin.topics().createPartitionedTopic("persistent://public/default/" + topic, partitions);
      }
    }
    String changes = topic + "-changes";
    JsonObject overrides = options.settingOverrides();
    // Merged over any set.pulsar.* option (maxInFlight, for one).
    overrides.put("pulsar", overrides.getJsonObject("pulsar", new JsonObject()).put("serviceUrl", url)
        .put("tradeTopic", topic).put("cashTopic", topic + "-cash").put("deadLetterTopic", topic + "-dead")
        .put("changesTopic", options.string("changes", "true").equals("true") ? changes : "")
        .put("changesProducerName", changes)
        .put("subscriptionType", options.string("subscription", "Key_Shared")));
    if (options.string("mode", "live").equals("backlog")) {
      backlog(url, topic, overrides, portfolios, trades, runs);
      System.exit(0);
    }
    Path dataDir = BenchSupport.freshDataDir("pulsar-ingest");
    Node node = BenchSupport.startNode(dataDir, overrides);
    List<Double> rates = new ArrayList<>();
    try (PulsarClient client = PulsarClient.builder().serviceUrl(url).build();
        Producer<byte[]> producer = client.newProducer(Schema.BYTES).topic(topic)
            .batcherBuilder(batcher).batchingMaxPublishDelay(2, TimeUnit.MILLISECONDS)
            .blockIfQueueFull(true).maxPendingMessages(20_000).create()) {
      BenchSupport.createPortfolios(node, portfolios);
      int warmups = options.integer("warmups", 0);
      for (int run = 1 - warmups; run <= runs; run++) {
        double before = recorded(node);
        BenchSupport.CpuMeter cpu = new BenchSupport.CpuMeter(dataDir).start();
        long started = System.nanoTime();
        publishTrades(producer, portfolios, trades, "r" + run);
        long published = System.nanoTime();
        while (recorded(node) - before < trades) {
          if (System.nanoTime() - started > TimeUnit.MINUTES.toNanos(10)) {
            throw new IllegalStateException("not all trades recorded in 10 minutes");
          }
          Thread.sleep(5);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        double rate = trades / seconds;
        if (run > 0) {
          rates.add(rate);
        }
        System.out.printf(Locale.ROOT, (run > 0 ? "run " : "warm-up run ") + "%d: %,d trades published in %.2f s, all recorded and acknowledged after "
            + "%.2f s = %,.0f trades/s end to end%n", run, trades, (published - started) / 1e9, seconds, rate);
        double[] cores = cpu.cores();
        System.out.printf(Locale.ROOT, "       %s%n       CPU per trade: this JVM %.0f us, PostgreSQL %.0f us, other "
            + "processes %.0f us%n       %s%n", cpu.report(), cores[2] * seconds / trades * 1e6,
            cores[3] * seconds / trades * 1e6, Math.max(0, cores[0] - cores[2] - cores[3]) * seconds / trades * 1e6,
            cpu.threadReport());
      }
      double median = BenchSupport.median(rates);
      BenchSupport.printJournalDistribution(node);
      int rate = options.integer("rate", 2_000);
      int seconds = options.integer("seconds", 20);
      if (!options.string("changes", "true").equals("true")) {
        System.out.printf(Locale.ROOT, "%n=== PulsarIngestBench (changes not published): median %,.0f trades/s%n", median);
        node.close();
        if (brokerProcess != null) {
          brokerProcess.close();
        }
        System.exit(0);
      }
      Histogram warm = publishToChange(client, producer, changes, portfolios, rate, seconds, "warm");
      System.out.println("publish -> change, warm-up:  " + BenchSupport.latencyLine(warm));
      Histogram measured = publishToChange(client, producer, changes, portfolios, rate, seconds, "measured");
      System.out.println("publish -> change, measured: " + BenchSupport.latencyLine(measured));
      var delay = node.registry().get("pstate.changes.delay").timer().takeSnapshot();
      for (var percentile : delay.percentileValues()) {
        System.out.printf(Locale.ROOT, "  of which journal time -> broker acknowledged the change, p%.0f (recent): %.1f ms%n",
            percentile.percentile() * 100, percentile.value(TimeUnit.MILLISECONDS));
      }
      System.out.printf(Locale.ROOT, "%n=== PulsarIngestBench: median %,.0f trades/s published -> committed -> "
          + "acknowledged (target >= %,.0f): %s%n", median, TARGET_PER_SECOND,
          median >= TARGET_PER_SECOND ? "MEETS" : "MISSES");
      System.out.printf(Locale.ROOT, "publish -> portfolio-changes at %,d trades/s for %d s: %s%n", rate, seconds,
          BenchSupport.latencyLine(measured));
    } finally {
      node.close();
      if (brokerProcess != null) {
        brokerProcess.close();
      }
    }
    System.exit(0);
  }

  /**
   * Publishes {@code trades} trades (BUY 1 at 10.5) on random portfolios, ids {@code <prefix>-<i>},
   * and waits until the broker has them all.
   */
  private static void publishTrades(Producer<byte[]> producer, int portfolios, int trades, String prefix)
      throws Exception {
    List<CompletableFuture<?>> sent = new ArrayList<>(trades);
    for (int i = 0; i < trades; i++) {
      String portfolio = BenchSupport.portfolio(ThreadLocalRandom.current().nextInt(portfolios)).value();
      String body = "{\"portfolioId\":\"" + portfolio + "\",\"tradeId\":\"" + prefix + "-" + i
          + "\",\"instrumentId\":\"INST-" + (i % 50) + "\",\"side\":\"BUY\",\"quantity\":\"1\",\"price\":\"10.5\"}";
      sent.add(producer.newMessage().key(portfolio).value(body.getBytes(StandardCharsets.UTF_8)).sendAsync());
    }
    producer.flush();
    CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(10, TimeUnit.MINUTES);
  }

  /**
   * The node's side alone: {@code trades} trades wait in the topic before the node starts (as
   * after an outage), so the broker only delivers while the node consumes, records and
   * acknowledges. Timed from the node's start (ready) until it has recorded them all; each run
   * starts the node again on the same data, so the portfolios load as they are first touched.
   */
  private static void backlog(String url, String topic, JsonObject overrides, int portfolios, int trades, int runs)
      throws Exception {
    Path dataDir = BenchSupport.freshDataDir("pulsar-backlog");
    JsonObject withoutPulsar = overrides.copy();
    withoutPulsar.getJsonObject("pulsar").putNull("serviceUrl");
    Node setup = BenchSupport.startNode(dataDir, withoutPulsar);
    BenchSupport.createPortfolios(setup, portfolios);
    setup.close();
    List<Double> rates = new ArrayList<>();
    try (PulsarClient client = PulsarClient.builder().serviceUrl(url).build();
        Producer<byte[]> producer = client.newProducer(Schema.BYTES).topic(topic)
            .batcherBuilder(batcher).batchingMaxPublishDelay(2, TimeUnit.MILLISECONDS)
            .blockIfQueueFull(true).maxPendingMessages(20_000).create()) {
      // The node's subscription, made now so that it keeps what is published before the node starts.
      client.newConsumer(Schema.BYTES).topic(topic).subscriptionName("portfolio-state")
          .subscriptionType(SubscriptionType.valueOf(overrides.getJsonObject("pulsar").getString("subscriptionType")))
          .subscribe().close();
      for (int run = 1; run <= runs; run++) {
        publishTrades(producer, portfolios, trades, "b" + run);
        Node node = BenchSupport.startNode(dataDir, overrides);
        long started = System.nanoTime();
        try {
          while (recorded(node) < trades) {
            if (System.nanoTime() - started > TimeUnit.MINUTES.toNanos(10)) {
              throw new IllegalStateException("the backlog was not drained in 10 minutes");
            }
            Thread.sleep(5);
          }
          double seconds = (System.nanoTime() - started) / 1e9;
          rates.add(trades / seconds);
          System.out.printf(Locale.ROOT, "run %d: a backlog of %,d trades recorded and acknowledged in %.2f s = %,.0f "
              + "trades/s%n", run, trades, seconds, trades / seconds);
        } finally {
          node.close();
        }
      }
    }
    System.out.printf(Locale.ROOT, "%n=== PulsarIngestBench mode=backlog: median %,.0f trades/s consumed, committed and "
        + "acknowledged (target >= %,.0f)%n", BenchSupport.median(rates), TARGET_PER_SECOND);
  }

  /**
   * Publishes {@code rate} trades a second for {@code seconds}, each at its intended time, and
   * records for each the time from that intended time until its change arrives.
   */
  private static Histogram publishToChange(PulsarClient client, Producer<byte[]> producer, String changes,
      int portfolios, int rate, int seconds, String phase) throws Exception {
    int count = rate * seconds;
    long[] intended = new long[count];
    Histogram latency = new Histogram(BenchSupport.HISTOGRAM_MAX_MICROS, 3);
    CountDownLatch arrived = new CountDownLatch(count);
    String prefix = phase + "-";
    try (Consumer<byte[]> consumer = client.newConsumer(Schema.BYTES).topic(changes)
        .subscriptionName("bench-" + phase).subscriptionInitialPosition(SubscriptionInitialPosition.Latest)
        .messageListener((MessageListener<byte[]>) (listener, message) -> {
          JsonObject change = new JsonObject(new String(message.getValue(), StandardCharsets.UTF_8));
          String tradeId = change.getJsonArray("events").getJsonObject(0).getJsonObject("data").getString("tradeId");
          if (tradeId != null && tradeId.startsWith(prefix)) {
            int index = Integer.parseInt(tradeId.substring(prefix.length()));
            latency.recordValue(Math.min(BenchSupport.HISTOGRAM_MAX_MICROS,
                TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - intended[index])));
            arrived.countDown();
          }
          listener.acknowledgeAsync(message);
        }).subscribe()) {
      long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
      long interval = TimeUnit.SECONDS.toNanos(1) / rate;
      for (int i = 0; i < count; i++) {
        intended[i] = start + i * interval;
        long wait = intended[i] - System.nanoTime();
        if (wait > 0) {
          TimeUnit.NANOSECONDS.sleep(wait);
        }
        String portfolio = BenchSupport.portfolio(ThreadLocalRandom.current().nextInt(portfolios)).value();
        String body = "{\"portfolioId\":\"" + portfolio + "\",\"tradeId\":\"" + prefix + i
            + "\",\"instrumentId\":\"INST-" + (i % 50) + "\",\"side\":\"BUY\",\"quantity\":\"1\",\"price\":\"10.5\"}";
        producer.newMessage().key(portfolio).value(body.getBytes(StandardCharsets.UTF_8)).sendAsync();
      }
      if (!arrived.await(2, TimeUnit.MINUTES)) {
        throw new IllegalStateException(arrived.getCount() + " changes of " + count + " did not arrive");
      }
    }
    return latency;
  }

  private static double recorded(Node node) {
    return node.registry().find("pstate.pulsar.in").counters().stream().mapToDouble(c -> c.count()).sum();
  }
}
