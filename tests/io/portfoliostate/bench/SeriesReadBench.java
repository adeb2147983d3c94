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
 * size (each after a batch): the median wall time, and the process's CPU per read (DuckDB's
 * threads included: {@code analytics.threads} may take both cores for a scan). No PostgreSQL: the read is
 * the store's alone. With {@code quiet=true} the read's portfolios are quiet ones: each trades
 * once at the start and once per measured batch, while {@code portfolios} busy ones take the rest
 * (their ids sort around the quiet ones', as random ids do), so a quiet journal's versions are
 * far below the table's and only its rows since its last read tell it apart. Options:
 * sizes=100000,1000000,3000000 portfolios=99 jobs=10 repeats=9 quiet=false, and
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
    boolean quiet = "true".equals(options.string("quiet", "false"));
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
      List<String> read = new ArrayList<>();
      List<String> busy = new ArrayList<>();
      LocalDate today = LocalDate.now(ZoneOffset.UTC);
      for (int i = 0; i < jobs; i++) {
        read.add(quiet ? "q-" + i : "bench-" + i);
        batchJobs.add(job.newInstance(read.get(i), today, 1L));
      }
      for (int i = 0; i < portfolios; i++) {
        busy.add(!quiet ? "bench-" + i : (i % 2 == 0 ? "a-" : "z-") + i);
      }
      Map<String, Long> versions = new java.util.HashMap<>();
      int fed = 0;
      if (quiet) {
        append.invoke(feed, changes(fed, read, versions));
        fed += read.size();
      }
      for (int size : sizes) {
        long filling = System.nanoTime();
        while (fed < size) {
          int count = Math.min(BATCH, size - fed);
          append.invoke(feed, trades(fed, count, busy, versions));
          fed += count;
        }
        System.out.printf(Locale.ROOT, "events: %,d (filled in %d ms)%n", fed, BenchSupport.millisSince(filling));
        // The journals kept, as after the refresh before.
        prepare.invoke(series, store.reader(), batchJobs, today);
        List<Double> walls = new ArrayList<>();
        // The process's CPU counts in ticks of 10 ms: the reads' sum over the repeats, per read.
        long cpuNanos = 0;
        for (int r = 0; r < repeats; r++) {
          List<Change> batch = new ArrayList<>(trades(fed, BATCH, busy, versions));
          if (quiet) {
            batch.addAll(changes(fed + BATCH, read, versions));
          }
          append.invoke(feed, batch);
          fed += batch.size();
          long cpu = os.getProcessCpuTime();
          long began = System.nanoTime();
          prepare.invoke(series, store.reader(), batchJobs, today);
          walls.add((System.nanoTime() - began) / 1e6);
          cpuNanos += os.getProcessCpuTime() - cpu;
        }
        System.out.printf(Locale.ROOT, "at %,d events: read of %d kept journals (about %d new events each) median "
            + "%.2f ms wall (min %.2f, max %.2f), process CPU %.2f ms per read%n", fed, jobs,
            quiet ? 1 : BATCH / portfolios,
            BenchSupport.median(walls), walls.stream().mapToDouble(d -> d).min().orElse(0),
            walls.stream().mapToDouble(d -> d).max().orElse(0), cpuNanos / 1e6 / repeats);
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

  /** {@code count} in-order trades from the {@code first}-th, round {@code ids} (their versions follow). */
  private static List<Change> trades(int first, int count, List<String> ids, Map<String, Long> versions) {
    List<String> each = new ArrayList<>(count);
    for (int i = first; i < first + count; i++) {
      each.add(ids.get(i % ids.size()));
    }
    return changes(first, each, versions);
  }

  /** One in-order trade for each of {@code ids}, from the {@code first}-th, at each one's next version. */
  private static List<Change> changes(int first, List<String> ids, Map<String, Long> versions) {
    List<Change> batch = new ArrayList<>(ids.size());
    Instant at = Instant.parse("2026-12-05T10:00:00.123Z");
    for (int n = 0; n < ids.size(); n++) {
      int i = first + n;
      String time = at.plusMillis(i).toString();
      JsonObject trade = new JsonObject().put("tradeId", "sr-" + i).put("instrumentId", "INS" + (i % 50))
          .put("strategy", "default").put("side", i % 3 == 0 ? "SELL" : "BUY").put("quantity", (1 + i % 100) + "")
          .put("price", (10 + i % 200) + ".25").put("currency", "USD").put("fees", "1").put("executedAt", time)
          .put("at", time);
      long version = versions.merge(ids.get(n), 1L, Long::sum);
      batch.add(new Change(1000 + i, 1 + i, ids.get(n), version, "TradeRecorded", trade.encode(), at.plusMillis(i),
          null, null));
    }
    return batch;
  }
}
