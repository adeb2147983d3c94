package io.portfoliostate.bench;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.portfoliostate.config.Settings;
import io.portfoliostate.config.SettingsLoader;
import io.portfoliostate.integration.duckdb.AnalyticsFeedVerticle;
import io.portfoliostate.integration.duckdb.AnalyticsStore;
import io.portfoliostate.market.MarketView;
import io.portfoliostate.persistence.ChangeStreamStore;
import io.portfoliostate.persistence.ChangeStreamStore.Change;
import io.vertx.core.json.JsonObject;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The analytics feed's own cost per journal change, isolated from PostgreSQL and from the write
 * path: {@code changes} in-order trades (payloads as the journal writes them) appended to a fresh
 * store in batches of {@code batch} (what the feed reads per 50 ms poll at 15,000 trades/s), on
 * one thread, as the feed does. Prints the feeding thread's CPU, the whole process's CPU (DuckDB's
 * own threads included) and the wall time per change; {@code rounds} rounds, medians.
 *
 * <p>The same source runs against an older build to compare (it finds the feed's constructor and
 * {@code append} by reflection: {@code append} is package-private, and the constructor that
 * keeps daily series is new; {@code series=false} leaves the series' marks out). Options:
 * changes=200000 batch=750 rounds=5 portfolios=2000 series=true
 */
public final class FeedBench {

  private FeedBench() {
  }

  public static void main(String[] args) throws Exception {
    BenchSupport.Options options = new BenchSupport.Options(args);
    int changes = options.integer("changes", 200_000);
    int batch = options.integer("batch", 750);
    int rounds = options.integer("rounds", 5);
    int portfolios = options.integer("portfolios", 2000);
    boolean series = !"false".equals(options.string("series", "true"));
    BenchSupport.printMachine("FeedBench", options);
    // set.analytics.fsyncMode=STANDARD, set.analytics.checkpointThreshold=16MB: DuckDB as before.
    Settings.AnalyticsSettings settings = Settings.from(SettingsLoader.loadJson(Map.of())
        .mergeIn(options.settingOverrides(), true)).analytics();
    List<Change> journal = new ArrayList<>(changes);
    Instant at = Instant.parse("2026-12-05T10:00:00.123Z");
    for (int i = 0; i < changes; i++) {
      String time = at.plusMillis(i).toString();
      JsonObject trade = new JsonObject().put("tradeId", "fb-" + i).put("instrumentId", "INS" + (i % 50))
          .put("strategy", "default").put("side", i % 3 == 0 ? "SELL" : "BUY").put("quantity", (1 + i % 100) + "")
          .put("price", (10 + i % 200) + ".25").put("currency", "USD").put("fees", "1").put("executedAt", time)
          .put("at", time);
      journal.add(new Change(1000 + i, 1 + i, "bench-" + (i % portfolios), 2 + i / portfolios, "TradeRecorded",
          trade.encode(), at.plusMillis(i), null, null));
    }
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    List<Double> thread = new ArrayList<>();
    List<Double> process = new ArrayList<>();
    List<Double> wall = new ArrayList<>();
    for (int round = 0; round <= rounds; round++) {
      Path folder = Files.createTempDirectory("feed-bench");
      try (AnalyticsStore store = AnalyticsStore.open(folder, settings)) {
        AnalyticsFeedVerticle feed = series ? feed(store, settings)
            : new AnalyticsFeedVerticle(store, null, new MarketView(), settings, new SimpleMeterRegistry());
        Method append = AnalyticsFeedVerticle.class.getDeclaredMethod("append", List.class);
        append.setAccessible(true);
        long cpu = threads.getCurrentThreadCpuTime();
        long all = os.getProcessCpuTime();
        long began = System.nanoTime();
        for (int from = 0; from < changes; from += batch) {
          append.invoke(feed, journal.subList(from, Math.min(changes, from + batch)));
        }
        double perThread = (threads.getCurrentThreadCpuTime() - cpu) / 1000.0 / changes;
        double perProcess = (os.getProcessCpuTime() - all) / 1000.0 / changes;
        double perWall = (System.nanoTime() - began) / 1000.0 / changes;
        // The first round warms the JIT up and is not counted.
        System.out.printf(Locale.ROOT, "round %d%s: feeding thread %.1f us/change, process %.1f us/change, "
            + "wall %.1f us/change (%,.0f changes/s)%n", round, round == 0 ? " (warm-up)" : "", perThread, perProcess,
            perWall, 1e6 / perWall);
        if (round > 0) {
          thread.add(perThread);
          process.add(perProcess);
          wall.add(perWall);
        }
      }
    }
    System.out.printf(Locale.ROOT, "medians: feeding thread %.1f us/change, process %.1f us/change, wall %.1f "
        + "us/change%n", BenchSupport.median(thread), BenchSupport.median(process), BenchSupport.median(wall));
  }

  /** The feed with daily series marks when this build has them (the node's default), else the plain one. */
  private static AnalyticsFeedVerticle feed(AnalyticsStore store, Settings.AnalyticsSettings settings)
      throws Exception {
    for (Constructor<?> constructor : AnalyticsFeedVerticle.class.getConstructors()) {
      if (constructor.getParameterCount() == 7) {
        Class<?> history = constructor.getParameterTypes()[5];
        Object noPool = history.getMethod("sharing", Class.forName("io.portfoliostate.persistence.MarketDataStore"))
            .invoke(null, Class.forName("io.portfoliostate.persistence.MarketDataStore")
                .getConstructor(io.vertx.sqlclient.Pool.class).newInstance((Object) null));
        return (AnalyticsFeedVerticle) constructor.newInstance(store, (ChangeStreamStore) null, new MarketView(),
            settings, new SimpleMeterRegistry(), noPool, java.time.Clock.systemUTC());
      }
    }
    return new AnalyticsFeedVerticle(store, null, new MarketView(), settings, new SimpleMeterRegistry());
  }
}
