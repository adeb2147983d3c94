package io.portfoliostate.bench;

import io.portfoliostate.app.Node;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.integration.duckdb.AnalyticsStore;
import io.portfoliostate.protocol.CommandEnvelope;
import io.portfoliostate.protocol.CommandOutcome;
import io.portfoliostate.protocol.CommandOutcomes;
import io.portfoliostate.protocol.OwnerRequest;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;

/**
 * The analytics store (issue 16), measured on one node with an embedded PostgreSQL:
 *
 * <ol>
 *   <li>initial load: {@code events} journal rows (a PortfolioCreated per portfolio, the rest
 *       trades) written straight into PostgreSQL, then a node started on them with an empty
 *       store, timed until the store holds every row; the store's size on disk against the
 *       journal's;
 *   <li>restart: the node stopped and started again on the same store, timed until it is open
 *       and caught up (the resume that a rebuild would be compared with);
 *   <li>delay from COMMIT to visible in analytics: while trades are written at {@code rate}/s
 *       through the in-process API, a sampler records one trade every {@code sampleMs}: its
 *       answer (sent after COMMIT) to the moment the feed committed the batch holding it (a
 *       waiter, as a {@code minSeq} request waits; probes overlap, so a slow one does not thin
 *       the sample); the rate the feed kept up with, the
 *       process's CPU per trade and DuckDB's memory;
 *   <li>export: the positions view and the trades table copied to Parquet.
 * </ol>
 *
 * <p>Options (key=value): events=1000000 portfolios=1000 instruments=50 rate=2000 seconds=20
 * sampleMs=50
 */
public final class AnalyticsBench {

  private AnalyticsBench() {
  }

  public static void main(String[] args) throws Exception {
    BenchSupport.Options options = new BenchSupport.Options(args);
    int events = options.integer("events", 1_000_000);
    int portfolios = options.integer("portfolios", 1000);
    int instrumentCount = options.integer("instruments", 50);
    int rate = options.integer("rate", 2000);
    int seconds = options.integer("seconds", 20);
    int sampleMs = options.integer("sampleMs", 50);
    BenchSupport.printMachine("AnalyticsBench", options);
    Path data = BenchSupport.freshDataDir("analytics");
    JsonObject off = new JsonObject().put("analytics", new JsonObject().put("enabled", false));
    // set.analytics.fsyncMode=STANDARD and the like try the store's settings.
    JsonObject on = new JsonObject().put("analytics", new JsonObject().put("enabled", true))
        .mergeIn(options.settingOverrides(), true);

    // 1. The journal, written straight into PostgreSQL by a node without a store.
    Node writer = BenchSupport.startNode(data, off);
    long journalBytes;
    try (Connection pg = BenchSupport.jdbc(writer)) {
      long started = System.nanoTime();
      fillJournal(pg, events, portfolios, instrumentCount);
      System.out.printf("journal: %,d rows inserted in %d ms%n", events, BenchSupport.millisSince(started));
      journalBytes = scalar(pg, "SELECT pg_total_relation_size('portfolio_events')");
    }
    writer.close();

    Node node = BenchSupport.startNode(data, on);
    long loadStarted = System.nanoTime();
    AnalyticsStore store = node.analyticsStore();
    while (store.changes() < events) {
      Thread.sleep(20);
    }
    long loadMs = BenchSupport.millisSince(loadStarted);
    System.out.printf(Locale.ROOT, "initial load: %,d journal rows in %,d ms = %,.0f rows/s (after node start)%n",
        events, loadMs, events * 1000.0 / loadMs);
    Path storeDir = data.resolve("analytics");
    System.out.printf(Locale.ROOT, "sizes: journal (table and indexes) %,.1f MB, store %,.1f MB (%.2f of the journal)%n",
        journalBytes / 1e6, size(storeDir) / 1e6, size(storeDir) / (double) journalBytes);
    System.out.printf(Locale.ROOT, "memory: DuckDB holds %,.1f MB after the load (%.2f of the journal's size; "
        + "its limit analytics.memoryLimit)%n", store.memoryBytes() / 1e6, store.memoryBytes() / (double) journalBytes);
    exports(store, storeDir);
    node.close();

    // 2. Restart on the same store: resume.
    long restartStarted = System.nanoTime();
    node = BenchSupport.startNode(data, on);
    store = node.analyticsStore();
    while (store.changes() < events) {
      Thread.sleep(5);
    }
    System.out.printf("restart: node started and store caught up in %,d ms (held %,d changes at open)%n",
        BenchSupport.millisSince(restartStarted), store.changes());

    // 3. COMMIT -> visible under load.
    try {
      delay(node, store, rate, seconds, sampleMs, instrumentCount);
    } finally {
      node.close();
    }
  }

  private static void fillJournal(Connection pg, int events, int portfolios, int instruments) throws Exception {
    String at = "to_char(now() AT TIME ZONE 'utc', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')";
    try (Statement statement = pg.createStatement()) {
      statement.execute("INSERT INTO portfolio_events (portfolio_id, seq, type, payload, recorded_at) "
          + "SELECT 'ab-' || p, 1, 'PortfolioCreated', json_build_object('portfolioId', 'ab-' || p, 'name', "
          + "'AB ' || p, 'baseCurrency', 'USD', 'costMethod', 'AVERAGE', 'driftThreshold', '0.02', 'targets', "
          + "'{}'::json, 'at', " + at + "), now() FROM generate_series(0, " + (portfolios - 1) + ") p");
      int trades = events - portfolios;
      int chunk = 200_000;
      for (int from = 0; from < trades; from += chunk) {
        int to = Math.min(trades, from + chunk) - 1;
        statement.execute("INSERT INTO portfolio_events (portfolio_id, seq, type, command_id, payload, recorded_at) "
            + "SELECT 'ab-' || (i % " + portfolios + "), 2 + i / " + portfolios + ", 'TradeRecorded', 'trade:ab-t' || i, "
            + "json_build_object('tradeId', 'ab-t' || i, 'instrumentId', 'INS' || (i % " + instruments + "), "
            + "'strategy', 'default', 'side', CASE WHEN i % 3 = 0 THEN 'SELL' ELSE 'BUY' END, 'quantity', "
            + "(1 + i % 100)::text, 'price', (10 + i % 200)::text || '.25', 'currency', 'USD', 'fees', '1', "
            + "'executedAt', " + at + ", 'at', " + at + "), now() FROM generate_series(" + from + ", " + to + ") i");
      }
    }
  }

  private static void exports(AnalyticsStore store, Path dir) throws Exception {
    try (Statement statement = store.reader().createStatement()) {
      for (String view : List.of("positions", "trades")) {
        Path file = dir.resolve("bench-" + view + ".parquet");
        long started = System.nanoTime();
        long rows;
        try (ResultSet count = statement.executeQuery("SELECT count(*) FROM " + view)) {
          count.next();
          rows = count.getLong(1);
        }
        statement.execute("COPY (SELECT * FROM " + view + ") TO '" + file + "' (FORMAT parquet)");
        long ms = Math.max(1, BenchSupport.millisSince(started));
        System.out.printf(Locale.ROOT, "export: %s, %,d rows to Parquet in %,d ms = %,.0f rows/s, %,.1f MB%n", view,
            rows, ms, rows * 1000.0 / ms, Files.size(file) / 1e6);
        Files.delete(file);
      }
    }
  }

  private static void delay(Node node, AnalyticsStore store, int rate, int seconds, int sampleMs, int instrumentCount)
      throws Exception {
    int writers = 200;
    BenchSupport.createPortfolios(node, writers);
    InstrumentId[] instruments = BenchSupport.instruments(instrumentCount);
    AtomicLong sent = new AtomicLong();
    AtomicInteger inFlight = new AtomicInteger();
    AtomicLong failed = new AtomicLong();
    int perTick = Math.max(1, rate / 100);
    long timer = node.vertx().setPeriodic(10, id -> {
      for (int i = 0; i < perTick && inFlight.get() < 10_000; i++) {
        PortfolioId portfolio = BenchSupport.portfolio(ThreadLocalRandom.current().nextInt(writers));
        long n = sent.incrementAndGet();
        inFlight.incrementAndGet();
        node.owners().<CommandOutcomes>request(new OwnerRequest.Execute(portfolio, List.of(CommandEnvelope.of(
            BenchSupport.randomTrade(portfolio, "load-" + n, instruments))))).onComplete(reply -> {
              inFlight.decrementAndGet();
              if (reply.failed()) {
                failed.incrementAndGet();
              }
            });
      }
    });
    Histogram histogram = new Histogram(BenchSupport.HISTOGRAM_MAX_MICROS, 3);
    long started = System.nanoTime();
    long sentBefore = sent.get();
    long changesBefore = store.changes();
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    long cpuBefore = os.getProcessCpuTime();
    AtomicInteger outstanding = new AtomicInteger();
    AtomicInteger probes = new AtomicInteger();
    AtomicLong probeFailures = new AtomicLong();
    PortfolioId probe = BenchSupport.portfolio(0);
    // One thread looks each probe's change up in PostgreSQL (JDBC blocks: not on an event loop).
    java.util.concurrent.ExecutorService lookUps = java.util.concurrent.Executors.newSingleThreadExecutor();
    Connection pg = BenchSupport.jdbc(node);
    PreparedStatement seqOf = pg.prepareStatement(
        "SELECT tx::text, global_seq FROM portfolio_events WHERE portfolio_id = ? AND seq = ?");
    long probeTimer = -1;
    try {
      Thread.sleep(2000); // the load settles first
      // Probes overlap: one is sent every sampleMs without waiting for the last to commit or to
      // become visible, so neither a slow commit nor a slow feed thins the sample. Each waits
      // as a minSeq request does, on a waiter the feed completes when it commits the batch that
      // holds the change (AnalyticsStore.whenRead); the cursor's comparison in memory covers a
      // change read before the waiter was added.
      probeTimer = node.vertx().setPeriodic(sampleMs, id -> {
        int n = probes.getAndIncrement();
        outstanding.incrementAndGet();
        node.owners().<CommandOutcomes>request(new OwnerRequest.Execute(probe, List.of(CommandEnvelope.of(
            BenchSupport.randomTrade(probe, "probe-" + n, instruments))))).onComplete(reply -> {
              long committed = System.nanoTime();
              if (reply.failed()) {
                probeFailures.incrementAndGet();
                outstanding.decrementAndGet();
                return;
              }
              long version = ((CommandOutcome.Recorded) reply.result().outcomes().get(0)).result().version();
              lookUps.execute(() -> watch(store, seqOf, probe, version, committed, histogram, outstanding));
            });
      });
      Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
      node.vertx().cancelTimer(probeTimer);
      long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (outstanding.get() > 0 && System.nanoTime() < waitUntil) {
        Thread.sleep(10);
      }
    } finally {
      node.vertx().cancelTimer(probeTimer);
      node.vertx().cancelTimer(timer);
      lookUps.shutdown();
      lookUps.awaitTermination(10, TimeUnit.SECONDS);
      seqOf.close();
      pg.close();
    }
    System.out.printf(Locale.ROOT, "probes: %,d sent, %,d failed, %,d not visible 60 s after the load ended%n",
        probes.get(), probeFailures.get(), outstanding.get());
    double elapsed = (System.nanoTime() - started) / 1e9;
    double achieved = (sent.get() - sentBefore) / elapsed;
    double feedRate = (store.changes() - changesBefore) / elapsed;
    System.out.printf(Locale.ROOT, "COMMIT -> visible in analytics at %,.0f trades/s offered (%,d failed, %,d still "
        + "in flight; the feed read %,.0f changes/s): %s%n", achieved, failed.get(), inFlight.get(), feedRate,
        BenchSupport.latencyLine(histogram));
    System.out.printf(Locale.ROOT, "process CPU during the load: %.1f us per trade offered; DuckDB memory %,.1f MB%n",
        (os.getProcessCpuTime() - cpuBefore) / 1000.0 / Math.max(1, sent.get() - sentBefore),
        store.memoryBytes() / 1e6);
  }

  /** Looks a probe's change up and records when the store has read it. On the look-up thread. */
  private static void watch(AnalyticsStore store, PreparedStatement seqOf, PortfolioId probe, long version,
      long committed, Histogram histogram, AtomicInteger outstanding) {
    long tx;
    long globalSeq;
    try {
      seqOf.setString(1, probe.value());
      seqOf.setLong(2, version);
      try (ResultSet row = seqOf.executeQuery()) {
        row.next();
        tx = Long.parseLong(row.getString(1));
        globalSeq = row.getLong(2);
      }
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
    java.util.concurrent.atomic.AtomicBoolean once = new java.util.concurrent.atomic.AtomicBoolean();
    Runnable visible = () -> {
      if (once.compareAndSet(false, true)) {
        long micros = Math.max(1, TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - committed));
        synchronized (histogram) {
          histogram.recordValue(Math.min(micros, BenchSupport.HISTOGRAM_MAX_MICROS));
        }
        outstanding.decrementAndGet();
      }
    };
    AnalyticsStore.Waiter waiter = store.whenRead(globalSeq, visible);
    if (store.passed(tx, globalSeq)) {
      store.cancel(waiter);
      visible.run();
    }
  }

  private static long scalar(Connection pg, String sql) throws Exception {
    try (Statement statement = pg.createStatement(); ResultSet row = statement.executeQuery(sql)) {
      row.next();
      return row.getLong(1);
    }
  }

  private static long size(Path dir) throws Exception {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).mapToLong(path -> path.toFile().length()).sum();
    }
  }
}
