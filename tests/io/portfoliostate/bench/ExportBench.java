package io.portfoliostate.bench;

import io.portfoliostate.app.Node;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.exports.ExportDataset;
import io.portfoliostate.exports.ExportFormat;
import io.portfoliostate.exports.ExportJobs;
import io.portfoliostate.persistence.ExportStore;
import io.vertx.core.json.JsonObject;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Exports of positions (issue 16): {@code portfolios} × {@code positions} positions (each
 * position one BUY of its own instrument, written straight into the journal), every instrument
 * priced, then export jobs of the whole set through the service's own path (each portfolio read
 * from its owner, valued, rendered, appended), timed from start to DONE:
 *
 * <ol>
 *   <li>Parquet with the owners cold (each portfolio loaded from the journal first);
 *   <li>Parquet again, the owners warm;
 *   <li>CSV, warm.
 * </ol>
 *
 * <p>Reports rows/s, the file's size, the JVM's heap used (sampled every 50 ms, the peak during
 * each export minus the heap after a GC before it) and the process's peak RSS; each Parquet file
 * is read back by DuckDB to count its rows.
 *
 * <p>Options (key=value): portfolios=1000 positions=1000
 */
public final class ExportBench {

  private ExportBench() {
  }

  public static void main(String[] args) throws Exception {
    BenchSupport.Options options = new BenchSupport.Options(args);
    int portfolios = options.integer("portfolios", 1000);
    int positions = options.integer("positions", 1000);
    BenchSupport.printMachine("ExportBench", options);
    Path data = BenchSupport.freshDataDir("exports");
    JsonObject overrides = new JsonObject().put("analytics", new JsonObject().put("enabled", false))
        .put("exports", new JsonObject().put("maxJobsPerCaller", 10));
    Node node = BenchSupport.startNode(data, overrides);
    try {
      try (Connection pg = BenchSupport.jdbc(node)) {
        long started = System.nanoTime();
        fillJournal(pg, portfolios, positions);
        System.out.printf("journal: %,d portfolios x %,d positions inserted in %d ms%n", portfolios, positions,
            BenchSupport.millisSince(started));
      }
      BenchSupport.postPrices(node, BenchSupport.instruments(positions));
      List<PortfolioId> ids = new ArrayList<>();
      for (int p = 0; p < portfolios; p++) {
        ids.add(PortfolioId.of("xb-" + p));
      }
      run(node, ids, ExportFormat.PARQUET, "cold owners");
      run(node, ids, ExportFormat.PARQUET, "warm owners");
      run(node, ids, ExportFormat.CSV, "warm owners");
    } finally {
      node.close();
    }
  }

  private static void run(Node node, List<PortfolioId> ids, ExportFormat format, String label) throws Exception {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    System.gc();
    long baseline = memory.getHeapMemoryUsage().getUsed();
    AtomicLong peak = new AtomicLong(baseline);
    Thread sampler = new Thread(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        peak.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
        try {
          Thread.sleep(50);
        } catch (InterruptedException e) {
          return;
        }
      }
    });
    sampler.setDaemon(true);
    sampler.start();
    ExportJobs jobs = node.exportJobs();
    long started = System.nanoTime();
    String jobId = BenchSupport.await(jobs.start("bench", ExportDataset.POSITIONS, format, ids, null,
        new JsonObject()), 60);
    ExportStore.Job job;
    while (true) {
      Optional<ExportStore.Job> read = BenchSupport.await(jobs.store().job(jobId), 60);
      job = read.orElseThrow();
      if (!job.state().equals("RUNNING")) {
        break;
      }
      Thread.sleep(20);
    }
    long ms = Math.max(1, BenchSupport.millisSince(started));
    sampler.interrupt();
    sampler.join();
    if (!job.state().equals("DONE")) {
      throw new IllegalStateException("export job failed: " + job.failure());
    }
    Path file = jobs.fileOf(job.file());
    String check = "";
    if (format == ExportFormat.PARQUET) {
      try (Connection duckdb = DriverManager.getConnection("jdbc:duckdb:");
          Statement statement = duckdb.createStatement();
          ResultSet count = statement.executeQuery("SELECT count(*), count(price) FROM read_parquet('" + file
              + "')")) {
        count.next();
        check = String.format(Locale.ROOT, ", read back by DuckDB: %,d rows (%,d priced)", count.getLong(1),
            count.getLong(2));
      }
    }
    System.out.printf(Locale.ROOT, "export %s (%s): %,d rows in %,d ms = %,.0f rows/s, %,.1f MB, heap +%,.0f MB peak"
            + " (baseline %,.0f MB), process peak RSS %s%s%n", format.wireName(), label, job.rowsWritten(), ms,
        job.rowsWritten() * 1000.0 / ms, Files.size(file) / 1e6, (peak.get() - baseline) / 1e6, baseline / 1e6,
        peakRss(), check);
    Files.delete(file);
  }

  private static String peakRss() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) {
          return line.substring(6).trim();
        }
      }
    } catch (java.io.IOException e) {
      return "unknown";
    }
    return "unknown";
  }

  /** Each portfolio created, then one BUY of each of {@code positions} instruments (INS0 ...). */
  private static void fillJournal(Connection pg, int portfolios, int positions) throws Exception {
    String at = "to_char(now() AT TIME ZONE 'utc', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')";
    try (Statement statement = pg.createStatement()) {
      statement.execute("INSERT INTO portfolio_events (portfolio_id, seq, type, payload, recorded_at) "
          + "SELECT 'xb-' || p, 1, 'PortfolioCreated', json_build_object('portfolioId', 'xb-' || p, 'name', "
          + "'XB ' || p, 'baseCurrency', 'USD', 'costMethod', 'AVERAGE', 'driftThreshold', '0.02', 'targets', "
          + "'{}'::json, 'at', " + at + "), now() FROM generate_series(0, " + (portfolios - 1) + ") p");
      for (int p = 0; p < portfolios; p += 100) {
        // No command ids: nothing is replayed against these trades, and an id needs its hash.
        statement.execute("INSERT INTO portfolio_events (portfolio_id, seq, type, payload, recorded_at) "
            + "SELECT 'xb-' || p, 2 + i, 'TradeRecorded', "
            + "json_build_object('tradeId', 'xb-' || p || '-' || i, 'instrumentId', 'INS' || i, "
            + "'strategy', 'default', 'side', 'BUY', 'quantity', (1 + i % 100)::text, 'price', "
            + "(10 + i % 200)::text || '.25', 'currency', 'USD', 'fees', '1', 'executedAt', " + at + ", 'at', "
            + at + "), now() FROM generate_series(" + p + ", " + Math.min(portfolios, p + 100) + " - 1) p, "
            + "generate_series(0, " + (positions - 1) + ") i");
      }
    }
  }
}
