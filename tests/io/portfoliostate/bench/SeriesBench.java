package io.portfoliostate.bench;

import io.portfoliostate.app.Node;
import io.portfoliostate.domain.analytics.Correlation;
import io.portfoliostate.integration.duckdb.AnalyticsQueries;
import io.portfoliostate.integration.duckdb.AnalyticsQueries.PortfolioSet;
import io.portfoliostate.integration.duckdb.AnalyticsQueries.ReturnMatrix;
import io.portfoliostate.integration.duckdb.AnalyticsStore;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The analytics store's daily series (issue 16), on one node with an embedded PostgreSQL:
 *
 * <ol>
 *   <li>a journal written straight into PostgreSQL: {@code portfolios} portfolios, each created
 *       and funded {@code days} weekdays ago and buying {@code positions} of {@code instruments}
 *       instruments then, and one more trade half-way; a price of every instrument at 16:00 of
 *       every weekday (a random walk, 1 % daily volatility);
 *   <li>a node started on it with an empty store, timed until the store holds the journal and
 *       then until every portfolio's daily series is computed (the initial load of the series);
 *   <li>the correlation matrix of the daily returns of all portfolios over the window, read from
 *       the store and computed {@code repeats} times: the read, the matrix, and both;
 *   <li>with {@code rounds} above 0, the refreshes of long journals (h/store13): each portfolio's
 *       journal also holds {@code trades} more trades spread over the window (written with the
 *       rest), and each round appends one trade today to {@code touch} portfolios (in turn) and
 *       waits until their series are recomputed: the refresh's time, and the series worker's CPU
 *       and allocation per refresh, and the journal events it read from the store or kept.
 * </ol>
 *
 * <p>Options (key=value): portfolios=1000 days=252 instruments=100 positions=5 repeats=5 trades=0
 * rounds=0 touch=10, and set.&lt;path&gt;=value for the second node's settings (e.g.
 * set.analytics.series.journalEvents=0 to keep no journal).
 */
public final class SeriesBench {

  private SeriesBench() {
  }

  public static void main(String[] args) throws Exception {
    BenchSupport.Options options = new BenchSupport.Options(args);
    int portfolios = options.integer("portfolios", 1000);
    int days = options.integer("days", 252);
    int instruments = options.integer("instruments", 100);
    int positions = options.integer("positions", 5);
    int repeats = options.integer("repeats", 5);
    int trades = options.integer("trades", 0);
    int rounds = options.integer("rounds", 0);
    int touch = options.integer("touch", 10);
    BenchSupport.printMachine("SeriesBench", options);
    Path data = BenchSupport.freshDataDir("series");

    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    List<LocalDate> dates = new ArrayList<>();
    for (LocalDate date = today; dates.size() <= days; date = date.minusDays(1)) {
      if (date.getDayOfWeek() != DayOfWeek.SATURDAY && date.getDayOfWeek() != DayOfWeek.SUNDAY) {
        dates.add(0, date);
      }
    }
    Node writer = BenchSupport.startNode(data, new JsonObject().put("analytics", new JsonObject().put("enabled", false)));
    int events;
    try (Connection pg = BenchSupport.jdbc(writer)) {
      long started = System.nanoTime();
      events = fill(pg, portfolios, instruments, positions, dates, trades);
      System.out.printf("journal: %,d rows and %,d prices inserted in %d ms%n", events, instruments * dates.size(),
          BenchSupport.millisSince(started));
    }
    writer.close();

    JsonObject settings = new JsonObject().put("analytics", new JsonObject().put("enabled", true)
        .put("series", new JsonObject().put("intervalMs", 50)));
    settings.mergeIn(options.settingOverrides(), true);
    Node node = BenchSupport.startNode(data, settings);
    long started = System.nanoTime();
    AnalyticsStore store = node.analyticsStore();
    while (store.changes() < events) {
      Thread.sleep(20);
    }
    long fed = BenchSupport.millisSince(started);
    while (AnalyticsQueries.seriesUpToDate(store.reader()) < portfolios) {
      Thread.sleep(100);
    }
    long computed = BenchSupport.millisSince(started);
    System.out.printf(Locale.ROOT, "initial load: journal in the store after %,d ms; series of %,d portfolios "
        + "(%,d weekdays each) after %,d ms (%.1f ms per portfolio, paced)%n", fed, portfolios, dates.size(), computed,
        (computed - fed) / (double) portfolios);

    List<Double> reads = new ArrayList<>();
    List<Double> matrices = new ArrayList<>();
    List<Double> totals = new ArrayList<>();
    for (int i = 0; i < repeats; i++) {
      long began = System.nanoTime();
      ReturnMatrix returns = AnalyticsQueries.returns(store.reader(), PortfolioSet.all(), dates.get(0),
          dates.get(dates.size() - 1));
      long read = System.nanoTime();
      double[][] matrix = Correlation.matrix(returns.returns());
      long done = System.nanoTime();
      reads.add((read - began) / 1e6);
      matrices.add((done - read) / 1e6);
      totals.add((done - began) / 1e6);
      System.out.printf(Locale.ROOT, "correlation %d: %d x %d days, read %.0f ms, matrix %.0f ms, total %.0f ms "
          + "(r[0][1] = %.6f)%n", i + 1, returns.portfolioIds().size(), returns.dates().size(), (read - began) / 1e6,
          (done - read) / 1e6, (done - began) / 1e6, matrix[0][1]);
    }
    System.out.printf(Locale.ROOT, "correlation medians: read %.0f ms, matrix %.0f ms, total %.0f ms%n",
        BenchSupport.median(reads), BenchSupport.median(matrices), BenchSupport.median(totals));
    if (rounds > 0) {
      try (Connection pg = BenchSupport.jdbc(node)) {
        refreshes(node, pg, portfolios, events, 4 + positions + trades, rounds, touch);
      }
    }
    node.close();
  }

  /**
   * {@code rounds} rounds, each appending one trade today to {@code touch} portfolios (in turn)
   * straight into PostgreSQL and waiting until the store has read it and their series are
   * recomputed; prints the refreshes' time and the series worker's CPU and allocation per refresh.
   */
  private static void refreshes(Node node, Connection pg, int portfolios, int events, int nextSeq, int rounds,
      int touch) throws Exception {
    AnalyticsStore store = node.analyticsStore();
    io.micrometer.core.instrument.Timer timer = node.registry().find("pstate.analytics.series.refresh").timer();
    long count = timer.count();
    double total = timer.totalTime(java.util.concurrent.TimeUnit.MILLISECONDS);
    double fromStore = journal(node, "store");
    double fromKept = journal(node, "kept");
    long[] worker = seriesWorker();
    List<String> stepNames = List.of("market", "mark", "pending", "prepare", "load", "write");
    double[] stepsBefore = steps(node, stepNames);
    List<Double> walls = new ArrayList<>();
    int appended = 0;
    int[] seqs = new int[portfolios];
    java.util.Arrays.fill(seqs, nextSeq);
    try (java.sql.PreparedStatement insert = pg.prepareStatement("INSERT INTO portfolio_events (portfolio_id, seq, "
        + "type, command_id, payload, recorded_at) VALUES (?, ?, 'TradeRecorded', ?, json_build_object('tradeId', "
        + "?::text, 'instrumentId', 'SB0', 'strategy', 'default', 'side', 'BUY', 'quantity', '1', 'price', '100', "
        + "'currency', 'USD', 'fees', '0', 'executedAt', to_char(now() AT TIME ZONE 'UTC', "
        + "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), 'at', to_char(now() AT TIME ZONE 'UTC', "
        + "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')), now())")) {
      for (int round = 0; round < rounds; round++) {
        long began = System.nanoTime();
        for (int k = 0; k < touch; k++) {
          int p = (round * touch + k) % portfolios;
          String tradeId = "sb-r" + p + "-" + seqs[p];
          insert.setString(1, "sb-" + p);
          insert.setInt(2, seqs[p]++);
          insert.setString(3, "trade:" + tradeId);
          insert.setString(4, tradeId);
          insert.addBatch();
          appended++;
        }
        insert.executeBatch();
        while (store.changes() < events + appended) {
          Thread.sleep(5);
        }
        while (AnalyticsQueries.seriesUpToDate(store.reader()) < portfolios) {
          Thread.sleep(5);
        }
        walls.add((System.nanoTime() - began) / 1e6);
      }
    }
    long refreshes = timer.count() - count;
    long[] after = seriesWorker();
    System.out.printf(Locale.ROOT, "refreshes of long journals: %d rounds of %d portfolios (one trade each), %d "
        + "refreshes; round (append -> series recomputed) median %.0f ms; refresh mean %.1f ms; series worker "
        + "%.1f ms CPU and %.1f MB allocated per refresh; journal events per refresh: %.0f read from the store, "
        + "%.0f kept%n", rounds, touch, refreshes, BenchSupport.median(walls),
        (timer.totalTime(java.util.concurrent.TimeUnit.MILLISECONDS) - total) / refreshes,
        (after[0] - worker[0]) / 1e6 / refreshes, (after[1] - worker[1]) / 1e6 / refreshes,
        (journal(node, "store") - fromStore) / refreshes, (journal(node, "kept") - fromKept) / refreshes);
    double[] stepsAfter = steps(node, stepNames);
    StringBuilder perStep = new StringBuilder("refresh steps, mean ms per refresh:");
    for (int i = 0; i < stepNames.size(); i++) {
      perStep.append(String.format(Locale.ROOT, " %s %.1f", stepNames.get(i), (stepsAfter[i] - stepsBefore[i]) / refreshes));
    }
    System.out.println(perStep);
    // What the kept journals hold: the heap after a full collection, against a run with journalEvents=0.
    System.gc();
    System.gc();
    Runtime runtime = Runtime.getRuntime();
    io.micrometer.core.instrument.Gauge kept = node.registry().find("pstate.analytics.series.keptEvents").gauge();
    System.out.printf(Locale.ROOT, "heap after a full collection: %.1f MB; journal events kept: %.0f%n",
        (runtime.totalMemory() - runtime.freeMemory()) / 1e6, kept == null ? 0 : kept.value());
  }

  /** The total milliseconds so far of each refresh step ({@code pstate.analytics.series.step}). */
  private static double[] steps(Node node, List<String> names) {
    double[] totals = new double[names.size()];
    for (int i = 0; i < names.size(); i++) {
      io.micrometer.core.instrument.Timer step = node.registry().find("pstate.analytics.series.step")
          .tag("step", names.get(i)).timer();
      totals[i] = step == null ? 0 : step.totalTime(java.util.concurrent.TimeUnit.MILLISECONDS);
    }
    return totals;
  }

  private static double journal(Node node, String source) {
    io.micrometer.core.instrument.Counter counter = node.registry().find("pstate.analytics.series.journal")
        .tag("source", source).counter();
    return counter == null ? 0 : counter.count();
  }

  /** CPU nanoseconds and bytes allocated so far by the series worker's threads ({@code pstate-series-*}). */
  private static long[] seriesWorker() {
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean)
        java.lang.management.ManagementFactory.getThreadMXBean();
    long cpu = 0;
    long allocated = 0;
    for (java.lang.management.ThreadInfo info : threads.dumpAllThreads(false, false)) {
      if (info.getThreadName().startsWith("pstate-series")) {
        cpu += Math.max(0, threads.getThreadCpuTime(info.getThreadId()));
        allocated += Math.max(0, threads.getThreadAllocatedBytes(info.getThreadId()));
      }
    }
    return new long[] {cpu, allocated};
  }

  /** The journal and the prices; returns the number of journal rows. */
  private static int fill(Connection pg, int portfolios, int instruments, int positions, List<LocalDate> dates,
      int trades) throws Exception {
    String start = dates.get(0).toString();
    String mid = dates.get(dates.size() / 2).toString();
    try (Statement statement = pg.createStatement()) {
      // Prices: a random walk per instrument, one close per weekday at 16:00 UTC.
      statement.execute("CREATE TEMP TABLE bench_days AS SELECT row_number() OVER (ORDER BY d) - 1 AS n, d::date AS d "
          + "FROM unnest(ARRAY[" + String.join(",", dates.stream().map(d -> "'" + d + "'::date").toList()) + "]) d");
      statement.execute("INSERT INTO prices (instrument_id, at, price, currency, recorded_at) "
          + "SELECT 'SB' || i, (d.d + time '16:00') AT TIME ZONE 'UTC', round((100 * exp(sum(ln(1 + (random() - 0.5) "
          + "* 0.0346)) OVER (PARTITION BY i ORDER BY d.n)))::numeric, 4), 'USD', now() "
          + "FROM generate_series(0, " + (instruments - 1) + ") i CROSS JOIN bench_days d");
      String at = "'" + start + "T09:00:00.000Z'";
      statement.execute("INSERT INTO portfolio_events (portfolio_id, seq, type, payload, recorded_at) "
          + "SELECT 'sb-' || p, 1, 'PortfolioCreated', json_build_object('portfolioId', 'sb-' || p, 'name', "
          + "'SB ' || p, 'baseCurrency', 'USD', 'costMethod', 'AVERAGE', 'driftThreshold', '0.02', 'targets', "
          + "'{}'::json, 'at', " + at + "), now() FROM generate_series(0, " + (portfolios - 1) + ") p");
      statement.execute("INSERT INTO portfolio_events (portfolio_id, seq, type, command_id, payload, recorded_at) "
          + "SELECT 'sb-' || p, 2, 'CashFlowRecorded', 'flow:sb-d' || p, json_build_object('flowId', 'sb-d' || p, "
          + "'type', 'DEPOSIT', 'currency', 'USD', 'amount', '1000000', 'occurredAt', " + at + ", 'at', " + at
          + "), now() FROM generate_series(0, " + (portfolios - 1) + ") p");
      // positions trades at the start, one more half-way, each at that day's close of its instrument.
      statement.execute("INSERT INTO portfolio_events (portfolio_id, seq, type, command_id, payload, recorded_at) "
          + "SELECT 'sb-' || p, 3 + k, 'TradeRecorded', 'trade:sb-t' || p || '-' || k, json_build_object('tradeId', "
          + "'sb-t' || p || '-' || k, 'instrumentId', 'SB' || ((p * 7 + k * 13) % " + instruments + "), 'strategy', "
          + "'default', 'side', 'BUY', 'quantity', '100', 'price', pr.price::text, 'currency', 'USD', 'fees', '1', "
          + "'executedAt', (CASE WHEN k < " + positions + " THEN '" + start + "' ELSE '" + mid + "' END) "
          + "|| 'T17:00:00.000Z', 'at', " + at + "), now() "
          + "FROM generate_series(0, " + (portfolios - 1) + ") p CROSS JOIN generate_series(0, " + positions + ") k "
          + "JOIN prices pr ON pr.instrument_id = 'SB' || ((p * 7 + k * 13) % " + instruments + ") "
          + "AND pr.at = ((CASE WHEN k < " + positions + " THEN date '" + start + "' ELSE date '" + mid + "' END) "
          + "+ time '16:00') AT TIME ZONE 'UTC'");
      if (trades > 0) {
        // trades more per portfolio, 1 share each at the day's close, spread evenly over the window.
        statement.execute("INSERT INTO portfolio_events (portfolio_id, seq, type, command_id, payload, recorded_at) "
            + "SELECT 'sb-' || p, 4 + " + positions + " + k, 'TradeRecorded', 'trade:sb-x' || p || '-' || k, "
            + "json_build_object('tradeId', 'sb-x' || p || '-' || k, 'instrumentId', 'SB' || ((p * 7 + k * 13) % "
            + instruments + "), 'strategy', 'default', 'side', 'BUY', 'quantity', '1', 'price', pr.price::text, "
            + "'currency', 'USD', 'fees', '0', 'executedAt', to_char(d.d, 'YYYY-MM-DD') || 'T17:00:00.000Z', "
            + "'at', " + at + "), now() FROM generate_series(0, " + (portfolios - 1) + ") p CROSS JOIN "
            + "generate_series(0, " + (trades - 1) + ") k JOIN bench_days d ON d.n = k * " + dates.size() + " / "
            + trades + " JOIN prices pr ON pr.instrument_id = 'SB' || ((p * 7 + k * 13) % " + instruments + ") "
            + "AND pr.at = (d.d + time '16:00') AT TIME ZONE 'UTC'");
      }
    }
    return portfolios * (3 + positions + trades);
  }
}
