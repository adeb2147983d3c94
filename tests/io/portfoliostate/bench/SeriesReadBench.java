package io.portfoliostate.bench;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.portfoliostate.config.Settings;
import io.portfoliostate.config.SettingsLoader;
import io.portfoliostate.integration.duckdb.AnalyticsFeedVerticle;
import io.portfoliostate.integration.duckdb.AnalyticsStore;
import io.portfoliostate.market.MarketView;
import io.portfoliostate.persistence.ChangeStreamStore.Change;
import io.portfoliostate.persistence.MarketDataStore;
import io.portfoliostate.persistence.PerformanceHistory;
import io.vertx.core.json.JsonObject;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The daily series' journal read as the store's {@code events} table grows (h/store18): a store
 * fed {@code sizes} in-order trades over {@code portfolios} portfolios through the feed's own
 * {@code append} (batches of 2,000, as at 2,000 trades/s with the feed's gathering), and at each
 * size the read of one refresh ({@code DailySeries.prepare}) of {@code jobs} portfolios whose
 * journals are kept from the refresh before, after one more batch: the events it reads are the
 * batch's few per portfolio, the rows it scans depend on the query. {@code repeats} reads per
 * size (each after a batch), medians of the wall time and of the process's CPU (DuckDB's threads
 * included: {@code analytics.threads} may take both cores for a scan). No PostgreSQL: the read is
 * the store's alone. Options: sizes=100000,1000000,3000000 portfolios=99 jobs=10 repeats=9, and
 * set.&lt;path&gt;=value for the store's settings.
 */
public final class SeriesReadBench {

  private static final int BATCH = 2_000;

  private SeriesReadBench() {
  }

  public static void main(String[] args) throws Exception {
    BenchSupport.Options options = new BenchSupport.Options(args);
    List<Integer> sizes = options.integers("sizes", "100000,1000000,3000000");
    int portfolios = options.integer("portfolios", 99);
    int jobs = options.integer("jobs", 10);
    int repeats = options.integer("repeats", 9);
    BenchSupport.printMachine("SeriesReadBench", options);
    Settings.AnalyticsSettings settings = Settings.from(SettingsLoader.loadJson(Map.of())
        .mergeIn(options.settingOverrides(), true)).analytics();
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    Path folder = Files.createTempDirectory("series-read-bench");
    try (AnalyticsStore store = AnalyticsStore.open(folder, settings)) {
      AnalyticsFeedVerticle feed = new AnalyticsFeedVerticle(store, null, new MarketView(), settings,
          new SimpleMeterRegistry(), PerformanceHistory.sharing(new MarketDataStore(null)), java.time.Clock.systemUTC());
      Method append = AnalyticsFeedVerticle.class.getDeclaredMethod("append", List.class);
      append.setAccessible(true);
      Object series = seriesOf(store);
      Method prepare = series.getClass().getDeclaredMethod("prepare", Connection.class, List.class, LocalDate.class);
      prepare.setAccessible(true);
      Class<?> jobClass = Class.forName("io.portfoliostate.integration.duckdb.DailySeries$Job");
      Constructor<?> job = jobClass.getDeclaredConstructor(String.class, LocalDate.class, long.class);
      job.setAccessible(true);
      List<Object> batchJobs = new ArrayList<>();
      LocalDate today = LocalDate.now(ZoneOffset.UTC);
      for (int i = 0; i < jobs; i++) {
        batchJobs.add(job.newInstance("bench-" + i, today, 1L));
      }
      int fed = 0;
      for (int size : sizes) {
        long filling = System.nanoTime();
        while (fed < size) {
          int count = Math.min(BATCH, size - fed);
          append.invoke(feed, changes(fed, count, portfolios));
          fed += count;
        }
        System.out.printf(Locale.ROOT, "events: %,d (filled in %d ms)%n", fed, BenchSupport.millisSince(filling));
        // The journals kept, as after the refresh before.
        prepare.invoke(series, store.reader(), batchJobs, today);
        List<Double> walls = new ArrayList<>();
        List<Double> cpus = new ArrayList<>();
        for (int r = 0; r < repeats; r++) {
          append.invoke(feed, changes(fed, BATCH, portfolios));
          fed += BATCH;
          long cpu = os.getProcessCpuTime();
          long began = System.nanoTime();
          prepare.invoke(series, store.reader(), batchJobs, today);
          walls.add((System.nanoTime() - began) / 1e6);
          cpus.add((os.getProcessCpuTime() - cpu) / 1e6);
        }
        System.out.printf(Locale.ROOT, "at %,d events: read of %d kept journals (about %d new events each) median "
            + "%.2f ms wall, %.2f ms process CPU (min %.2f, max %.2f ms wall)%n", fed, jobs, BATCH / portfolios,
            BenchSupport.median(walls), BenchSupport.median(cpus), walls.stream().mapToDouble(d -> d).min().orElse(0),
            walls.stream().mapToDouble(d -> d).max().orElse(0));
      }
    }
  }

  /** The feed's daily series (it keeps none without a history): found by reflection, they are package-private. */
  private static Object seriesOf(AnalyticsStore store) throws Exception {
    Class<?> type = Class.forName("io.portfoliostate.integration.duckdb.DailySeries");
    Constructor<?> constructor = type.getDeclaredConstructor(AnalyticsStore.class, PerformanceHistory.class,
        MarketView.class, int.class, int.class);
    constructor.setAccessible(true);
    // Every journal kept: the read after the kept versions is what is measured.
    return constructor.newInstance(store, PerformanceHistory.sharing(new MarketDataStore(null)), new MarketView(), 783,
        Integer.MAX_VALUE);
  }

  /** {@code count} in-order trades from the {@code first}-th, round the portfolios (their versions follow). */
  private static List<Change> changes(int first, int count, int portfolios) {
    List<Change> batch = new ArrayList<>(count);
    Instant at = Instant.parse("2026-12-05T10:00:00.123Z");
    for (int i = first; i < first + count; i++) {
      String time = at.plusMillis(i).toString();
      JsonObject trade = new JsonObject().put("tradeId", "sr-" + i).put("instrumentId", "INS" + (i % 50))
          .put("strategy", "default").put("side", i % 3 == 0 ? "SELL" : "BUY").put("quantity", (1 + i % 100) + "")
          .put("price", (10 + i % 200) + ".25").put("currency", "USD").put("fees", "1").put("executedAt", time)
          .put("at", time);
      batch.add(new Change(1000 + i, 1 + i, "bench-" + (i % portfolios), 1 + i / portfolios, "TradeRecorded",
          trade.encode(), at.plusMillis(i), null, null));
    }
    return batch;
  }
}
