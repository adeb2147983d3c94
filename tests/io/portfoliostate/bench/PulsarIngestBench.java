package io.portfoliostate.bench;

import io.portfoliostate.app.Node;
import io.portfoliostate.fixtures.TestPulsar;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.apache.pulsar.client.api.BatcherBuilder;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.Schema;

/**
 * Trades per second consumed from Pulsar end to end: {@code trades} trade messages, keyed by
 * portfolio over {@code portfolios} portfolios, are published to {@code trade-executions} of a
 * standalone broker in this JVM as fast as the producer takes them; the node consumes them
 * (Key_Shared), records each durably and acknowledges it after COMMIT. The clock runs from the
 * first publish until the node has recorded the last trade (its {@code pstate.pulsar.in}
 * counter), in {@code runs} rounds of fresh trades.
 *
 * <p>Options (key=value): portfolios=10000 trades=200000 runs=3, set.&lt;setting path&gt;=value.
 */
public final class PulsarIngestBench {

  private static final double TARGET_PER_SECOND = 20_000;

  private PulsarIngestBench() {
  }

  public static void main(String[] args) throws Exception {
    BenchSupport.Options options = new BenchSupport.Options(args);
    int portfolios = options.integer("portfolios", 10_000);
    int trades = options.integer("trades", 200_000);
    int runs = options.integer("runs", 3);
    BenchSupport.printMachine("PulsarIngestBench", options);
    long brokerStart = System.nanoTime();
    String url = TestPulsar.shared().serviceUrl();
    System.out.printf("standalone Pulsar broker up in %d ms at %s%n", BenchSupport.millisSince(brokerStart), url);
    String topic = "bench-trades-" + UUID.randomUUID().toString().substring(0, 8);
    JsonObject overrides = options.settingOverrides().put("pulsar", new JsonObject().put("serviceUrl", url)
        .put("tradeTopic", topic).put("cashTopic", topic + "-cash").put("deadLetterTopic", topic + "-dead"));
    Path dataDir = BenchSupport.freshDataDir("pulsar-ingest");
    Node node = BenchSupport.startNode(dataDir, overrides);
    List<Double> rates = new ArrayList<>();
    try (PulsarClient client = PulsarClient.builder().serviceUrl(url).build();
        Producer<byte[]> producer = client.newProducer(Schema.BYTES).topic(topic)
            .batcherBuilder(BatcherBuilder.KEY_BASED).batchingMaxPublishDelay(2, TimeUnit.MILLISECONDS)
            .blockIfQueueFull(true).maxPendingMessages(20_000).create()) {
      BenchSupport.createPortfolios(node, portfolios);
      for (int run = 1; run <= runs; run++) {
        double before = recorded(node);
        long started = System.nanoTime();
        List<CompletableFuture<?>> sent = new ArrayList<>(trades);
        for (int i = 0; i < trades; i++) {
          String portfolio = BenchSupport.portfolio(ThreadLocalRandom.current().nextInt(portfolios)).value();
          String body = "{\"portfolioId\":\"" + portfolio + "\",\"tradeId\":\"r" + run + "-" + i
              + "\",\"instrumentId\":\"INST-" + (i % 50) + "\",\"side\":\"BUY\",\"quantity\":\"1\",\"price\":\"10.5\"}";
          sent.add(producer.newMessage().key(portfolio).value(body.getBytes(StandardCharsets.UTF_8)).sendAsync());
        }
        producer.flush();
        CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(10, TimeUnit.MINUTES);
        long published = System.nanoTime();
        while (recorded(node) - before < trades) {
          if (System.nanoTime() - started > TimeUnit.MINUTES.toNanos(10)) {
            throw new IllegalStateException("not all trades recorded in 10 minutes");
          }
          Thread.sleep(5);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        double rate = trades / seconds;
        rates.add(rate);
        System.out.printf(Locale.ROOT, "run %d: %,d trades published in %.2f s, all recorded and acknowledged after "
            + "%.2f s = %,.0f trades/s end to end%n", run, trades, (published - started) / 1e9, seconds, rate);
      }
      double median = BenchSupport.median(rates);
      System.out.printf(Locale.ROOT, "%n=== PulsarIngestBench: median %,.0f trades/s published -> committed -> "
          + "acknowledged (target >= %,.0f): %s%n", median, TARGET_PER_SECOND,
          median >= TARGET_PER_SECOND ? "MEETS" : "MISSES");
    } finally {
      node.close();
    }
    System.exit(0);
  }

  private static double recorded(Node node) {
    return node.registry().find("pstate.pulsar.in").counters().stream().mapToDouble(c -> c.count()).sum();
  }
}
