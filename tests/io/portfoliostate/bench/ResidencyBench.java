package io.portfoliostate.bench;

import static io.portfoliostate.bench.BenchSupport.await;
import static io.portfoliostate.bench.BenchSupport.latencyLine;
import static io.portfoliostate.bench.BenchSupport.millisSince;
import static io.portfoliostate.bench.BenchSupport.portfolio;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.portfoliostate.app.Node;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.domain.PortfolioState;
import io.portfoliostate.persistence.Database;
import io.portfoliostate.persistence.JournalReader;
import io.portfoliostate.persistence.SnapshotStore;
import io.portfoliostate.protocol.CommandEnvelope;
import io.portfoliostate.protocol.FailureCodes;
import io.portfoliostate.protocol.OwnerRequest;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;

/**
 * Residency under a scan, and what eviction, a miss and snapshot thinning cost. One node (two
 * owner instances, {@code maxResident} portfolios at most), requests through the in-process
 * owner client:
 *
 * <ul>
 *   <li>{@code scan}: strong reads of {@code unknown} ids that do not exist, {@code concurrency}
 *       at a time: rate, latency, the peak of {@code pstate.owner.portfolios.loaded}, and the
 *       database transactions per miss;
 *   <li>{@code resident}: reads cycling over half the limit (all in memory) against
 *       {@code evicting}: reads cycling over all {@code portfolios} (each one evicts and reloads);
 *   <li>{@code version}: {@code ?version=N} reads of random N on one portfolio with a history of
 *       {@code history} events, with the automatic snapshots only, with a snapshot at every version
 *       (a portfolio passivated after each change), and after thinning those.
 * </ul>
 *
 * <p>Options: portfolios=5000 maxResident=1000 unknown=100000 concurrency=64 reads=20000 history=5000
 * versionReads=2000.
 */
public final class ResidencyBench {

  private static final Pattern EMBEDDED_PORT = Pattern.compile("\\(port (\\d+)\\)");

  private ResidencyBench() {
  }

  public static void main(String[] args) throws Exception {
    BenchSupport.Options options = new BenchSupport.Options(args);
    BenchSupport.printMachine("ResidencyBench", options);
    int portfolios = options.integer("portfolios", 5_000);
    int maxResident = options.integer("maxResident", 1_000);
    int unknown = options.integer("unknown", 100_000);
    int concurrency = options.integer("concurrency", 64);
    int reads = options.integer("reads", 20_000);
    int history = options.integer("history", 5_000);
    int versionReads = options.integer("versionReads", 2_000);
    Path dataDir = BenchSupport.freshDataDir("residency");
    JsonObject overrides = new JsonObject().put("owners", new JsonObject().put("instances", 2)
        .put("maxResident", maxResident));
    try (Node node = BenchSupport.startNode(dataDir, overrides)) {
      BenchSupport.createPortfolios(node, portfolios);

      AtomicBoolean sampling = new AtomicBoolean(true);
      double[] peak = new double[1];
      Thread sampler = new Thread(() -> {
        while (sampling.get()) {
          peak[0] = Math.max(peak[0], loaded(node));
          try {
            Thread.sleep(1);
          } catch (InterruptedException e) {
            return;
          }
        }
      });
      sampler.start();
      long before = transactions(node);
      run(node, "scan", unknown, concurrency, i -> read(node, PortfolioId.of("nobody-" + i), null));
      long after = transactions(node);
      System.out.printf("scan: peak loaded %.0f (limit %d), loaded after %.0f, %.2f database transactions per miss%n",
          peak[0], maxResident, loaded(node), (after - before) / (double) unknown);

      int hot = Math.max(1, maxResident / 2);
      run(node, "resident", hot, concurrency, i -> read(node, portfolio(i), null));
      Histogram resident = run(node, "resident", reads, concurrency, i -> read(node, portfolio(i % hot), null));
      double evictedBefore = evicted(node);
      Histogram evicting = run(node, "evicting", reads, concurrency,
          i -> read(node, portfolio(i % portfolios), null));
      sampling.set(false);
      sampler.join();
      System.out.printf("evicting: %.0f evictions; median %.3f ms vs %.3f ms resident (x%.1f); peak loaded %.0f%n",
          evicted(node) - evictedBefore, resident.getValueAtPercentile(50) / 1000.0,
          evicting.getValueAtPercentile(50) / 1000.0,
          evicting.getValueAtPercentile(50) / (double) Math.max(1, resident.getValueAtPercentile(50)), peak[0]);

      versionReads(node, history, versionReads);
    }
  }

  private static void versionReads(Node node, int history, int count) throws Exception {
    PortfolioId id = portfolio(0);
    InstrumentId[] instruments = BenchSupport.instruments(20);
    long started = System.nanoTime();
    run(node, "history", history - 1, 16, i -> node.owners().request(new OwnerRequest.Execute(id,
        List.of(CommandEnvelope.of(BenchSupport.randomTrade(id, "h-" + i, instruments))))));
    System.out.printf("history: %,d events in %d ms%n", history, millisSince(started));
    Matcher port = EMBEDDED_PORT.matcher(node.describeDatabase());
    if (!port.find()) {
      throw new IllegalStateException("no embedded port in " + node.describeDatabase());
    }
    Pool pool = Database.embedded(Integer.parseInt(port.group(1))).pool(node.vertx(), 2, "bench-snapshots");
    JournalReader reader = new JournalReader(node.vertx(), pool, 100);
    SnapshotStore snapshots = new SnapshotStore(pool);
    long last = await(reader.stateAt(id, Long.MAX_VALUE), 60).state().version();
    System.out.printf("version: %d snapshots (automatic, every 1,000)%n", snapshotCount(node));
    randomVersions(node, id, last, count, "automatic");

    List<PortfolioState> states = new ArrayList<>();
    for (long version = 1; version <= last; version++) {
      states.add(await(reader.stateAt(id, version), 60).state());
      if (states.size() == 200 || version == last) {
        await(snapshots.saveAll(states), 60);
        states.clear();
      }
    }
    System.out.printf("version: %d snapshots (one at every version)%n", snapshotCount(node));
    randomVersions(node, id, last, count, "every version");

    long thinStarted = System.nanoTime();
    int deleted = await(snapshots.thin(List.of(id.value()), 1000, 3), 60);
    System.out.printf("version: thinning deleted %d in %d ms, %d snapshots left%n", deleted, millisSince(thinStarted),
        snapshotCount(node));
    randomVersions(node, id, last, count, "thinned");
    await(pool.close(), 10);
  }

  private static void randomVersions(Node node, PortfolioId id, long last, int count, String label) throws Exception {
    run(node, "version (" + label + ")", count, 8,
        i -> read(node, id, 1 + ThreadLocalRandom.current().nextLong(last)));
  }

  private static Future<?> read(Node node, PortfolioId id, Long version) {
    return node.owners().request(new OwnerRequest.Read(id, version, null, null)).recover(failure ->
        failure instanceof ReplyException && ((ReplyException) failure).failureCode() == FailureCodes.NOT_FOUND
            ? Future.succeededFuture()
            : Future.failedFuture(failure));
  }

  /** {@code count} requests, {@code concurrency} at a time; prints and returns their latencies. */
  private static Histogram run(Node node, String label, int count, int concurrency,
      IntFunction<Future<?>> request) throws Exception {
    Histogram latencies = new Histogram(BenchSupport.HISTOGRAM_MAX_MICROS, 3);
    Promise<Void> done = Promise.promise();
    AtomicInteger next = new AtomicInteger();
    AtomicInteger finished = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    long started = System.nanoTime();
    node.vertx().getOrCreateContext().runOnContext(v -> {
      for (int i = 0; i < Math.min(concurrency, count); i++) {
        send(count, request, latencies, done, next, finished, failed);
      }
    });
    await(done.future(), 1800);
    long ms = Math.max(1, millisSince(started));
    System.out.printf("%s: %,d requests in %,d ms (%,.0f/s), %d failed; latency ms %s%n", label, count, ms,
        count * 1000.0 / ms, failed.get(), latencyLine(latencies));
    return latencies;
  }

  private static void send(int count, IntFunction<Future<?>> request, Histogram latencies, Promise<Void> done,
      AtomicInteger next, AtomicInteger finished, AtomicInteger failed) {
    int i = next.getAndIncrement();
    if (i >= count) {
      return;
    }
    long sent = System.nanoTime();
    request.apply(i).onComplete(result -> {
      latencies.recordValue(Math.min(BenchSupport.HISTOGRAM_MAX_MICROS, (System.nanoTime() - sent) / 1000));
      if (result.failed()) {
        failed.incrementAndGet();
      }
      if (finished.incrementAndGet() == count) {
        done.complete();
      } else {
        send(count, request, latencies, done, next, finished, failed);
      }
    });
  }

  private static long transactions(Node node) throws Exception {
    // A server process reports its statistics at most once a second, and 10 s after it went idle.
    Thread.sleep(11_000);
    try (Connection connection = BenchSupport.jdbc(node); Statement sql = connection.createStatement()) {
      ResultSet row = sql.executeQuery("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()");
      row.next();
      return row.getLong(1);
    }
  }

  private static long snapshotCount(Node node) throws Exception {
    try (Connection connection = BenchSupport.jdbc(node); Statement sql = connection.createStatement()) {
      ResultSet row = sql.executeQuery("SELECT count(*) FROM portfolio_snapshots WHERE portfolio_id = 'bench-0'");
      row.next();
      return row.getLong(1);
    }
  }

  private static double loaded(Node node) {
    return node.registry().find("pstate.owner.portfolios.loaded").gauges().stream().mapToDouble(Gauge::value).sum();
  }

  private static double evicted(Node node) {
    return node.registry().find("pstate.owner.evicted").counters().stream().mapToDouble(Counter::count).sum();
  }
}
