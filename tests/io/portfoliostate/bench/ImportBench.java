package io.portfoliostate.bench;

import io.portfoliostate.app.Node;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

/**
 * What a CSV import of a broker statement costs (issue 16): one node in this JVM, a file of
 * {@code rows} trades over 100 instruments (buys and sells alternating), posted to
 * {@code POST /api/v1/portfolios/{id}/imports}, each run into a fresh portfolio:
 *
 * <ul>
 *   <li>{@code dry run}: read, checked, looked up in the journal, reported row by row (nothing changes);</li>
 *   <li>{@code import}: the same, then every row through the portfolio's owner as one batch
 *       command (one decision, one journal transaction), acknowledged after COMMIT;</li>
 *   <li>{@code re-import}: the same file again, every row a replay.</li>
 * </ul>
 *
 * Times are from sending the file to the whole answer. Options: rows=100000 runs=3 perTransaction=100000
 * heap=true snapshotEvery=1000 (a value above the rows: the import's transaction writes no snapshot)
 * only=import (no dry run, no re-import) costMethod=AVERAGE (FIFO: the portfolios keep lots).
 *
 * <p>{@code heap=true} adds, after the timed runs, one dry run and one import into a fresh
 * portfolio while a thread collects the whole heap about every 100 ms ({@code System.gc()}, a
 * full collection: the timings of these two runs mean nothing) and keeps the largest heap in use
 * after a collection: what the import holds live at its peak (sampled), less the same figure
 * before it. The node, the bench's copy of the file and the HTTP client live in the same JVM.
 */
public final class ImportBench {

  private ImportBench() {
  }

  public static void main(String[] args) throws Exception {
    BenchSupport.Options options = new BenchSupport.Options(args);
    int rows = options.integer("rows", 100_000);
    int runs = options.integer("runs", 3);
    int perTransaction = options.integer("perTransaction", 100_000);
    BenchSupport.printMachine("ImportBench", options);
    // snapshotEvery above the file's rows: the import's transaction writes no snapshot (as before
    // it did), to measure what the snapshot costs. only=import: the imports alone, no dry run or re-import.
    int snapshotEvery = options.integer("snapshotEvery", 1000);
    boolean onlyImport = options.string("only", "all").equals("import");
    // FIFO: every buy opens a lot (40,000 rows leave 12,000 open), a state, and a snapshot, of some size.
    String costMethod = options.string("costMethod", "AVERAGE");
    java.nio.file.Path dataDir = BenchSupport.freshDataDir("imports");
    Node node = BenchSupport.startNode(dataDir, new JsonObject().put("imports",
        new JsonObject().put("maxRowsPerTransaction", perTransaction)).put("owners",
        new JsonObject().put("snapshotEvery", snapshotEvery)));
    HttpClient http = HttpClient.newHttpClient();
    String base = "http://127.0.0.1:" + node.httpPort() + "/api/v1";
    try {
      for (int i = 0; i < 100; i++) {
        send(http, "PUT", base + "/instruments/IB" + i, "application/json",
            new JsonObject().put("currency", "USD").encode(), 201);
      }
      StringBuilder csv = new StringBuilder("tradeId,instrumentId,side,quantity,price,fees\n");
      for (int i = 0; i < rows; i++) {
        csv.append("b-").append(i).append(",IB").append(i % 100).append(i % 2 == 0 ? ",BUY," : ",SELL,")
            .append(i % 2 == 0 ? "10" : "4").append(',').append(100 + i % 37).append('.').append(i % 100)
            .append(",1.5\n");
      }
      String file = csv.toString();
      System.out.printf("file: %d rows, %.1f MB%n", rows, file.length() / 1e6);
      List<Double> dry = new ArrayList<>();
      List<Double> real = new ArrayList<>();
      List<Double> again = new ArrayList<>();
      for (int run = 0; run < runs; run++) {
        String id = "ib-" + run;
        send(http, "POST", base + "/portfolios", "application/json", new JsonObject().put("id", id)
            .put("name", id).put("baseCurrency", "USD").put("costMethod", costMethod).encode(), 201);
        String url = base + "/portfolios/" + id + "/imports?kind=trades";
        dry.add(onlyImport ? 0 : timed(http, url + "&dryRun=true", file, rows, "\"new\":" + rows));
        real.add(timed(http, url, file, rows, "\"applied\":" + rows));
        again.add(onlyImport ? 0 : timed(http, url, file, rows, "\"replayed\":" + rows));
        System.out.printf("run %d: dry run %.0f ms, import %.0f ms, re-import %.0f ms%n", run + 1,
            dry.get(run), real.get(run), again.get(run));
      }
      snapshotSizes(dataDir);
      encodeTime(node, "ib-0");
      print("dry run", dry, rows);
      print("import", real, rows);
      print("re-import (all replays)", again, rows);
      if (options.string("heap", "false").equals("true")) {
        String id = "ib-heap";
        send(http, "POST", base + "/portfolios", "application/json", new JsonObject().put("id", id)
            .put("name", id).put("baseCurrency", "USD").encode(), 201);
        String url = base + "/portfolios/" + id + "/imports?kind=trades";
        heap("dry run", () -> timed(http, url + "&dryRun=true", file, rows, "\"new\":" + rows));
        heap("import", () -> timed(http, url, file, rows, "\"applied\":" + rows));
      }
    } finally {
      node.close();
    }
  }

  /**
   * What encoding the snapshot of an imported portfolio costs (the part of the snapshot's cost
   * that is CPU; the rest is its INSERT in the import's transaction): the state read from its
   * owner in this JVM, encoded as the owner encodes it, median of 7 after 3 to warm up.
   */
  private static void encodeTime(Node node, String id) throws Exception {
    io.portfoliostate.domain.PortfolioState state = node.owners().<io.portfoliostate.domain.PortfolioState>request(
        io.portfoliostate.protocol.OwnerRequest.Read.current(io.portfoliostate.domain.PortfolioId.of(id)))
        .toCompletionStage().toCompletableFuture().get(60, java.util.concurrent.TimeUnit.SECONDS);
    List<Double> millis = new ArrayList<>();
    int length = 0;
    for (int i = -3; i < 7; i++) {
      long started = System.nanoTime();
      length = io.portfoliostate.protocol.StateJson.toJson(state).encode().length();
      if (i >= 0) {
        millis.add((System.nanoTime() - started) / 1e6);
      }
    }
    System.out.printf("snapshot of %s encoded (%d positions, %.2f MB): median %.1f ms (runs %s)%n", id,
        state.positions().size(), length / 1e6, BenchSupport.median(millis), millis);
  }

  /** The snapshots the imports left (version, size as stored), read from the node's PostgreSQL. */
  private static void snapshotSizes(java.nio.file.Path dataDir) {
    try {
      String port = java.nio.file.Files.readAllLines(dataDir.resolve("pg").resolve("postmaster.pid")).get(3).trim();
      try (java.sql.Connection connection = java.sql.DriverManager.getConnection("jdbc:postgresql://127.0.0.1:"
          + port + "/postgres", "postgres", ""); java.sql.Statement sql = connection.createStatement();
          java.sql.ResultSet rows = sql.executeQuery("SELECT portfolio_id, seq, pg_column_size(state), "
              + "octet_length(state::text) FROM portfolio_snapshots WHERE portfolio_id LIKE 'ib-%' ORDER BY 1, 2")) {
        while (rows.next()) {
          System.out.printf("snapshot %s at %d: %.2f MB stored, %.2f MB as text%n", rows.getString(1),
              rows.getLong(2), rows.getLong(3) / 1e6, rows.getLong(4) / 1e6);
        }
      }
    } catch (Exception e) {
      System.out.println("snapshot sizes not read: " + e);
    }
  }

  /** A run of the import while another thread samples the live heap; prints its peak over the baseline. */
  private static void heap(String what, java.util.concurrent.Callable<Double> run) throws Exception {
    long baseline = liveHeap();
    java.util.concurrent.atomic.AtomicLong peak = new java.util.concurrent.atomic.AtomicLong(baseline);
    java.util.concurrent.atomic.AtomicInteger samples = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
    Thread sampler = new Thread(() -> {
      while (!done.get()) {
        peak.accumulateAndGet(liveHeap(), Math::max);
        samples.incrementAndGet();
        try {
          Thread.sleep(100);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "heap-sampler");
    sampler.start();
    double millis;
    try {
      millis = run.call();
    } finally {
      done.set(true);
      sampler.join();
    }
    System.out.printf("heap, %-8s live heap before %.1f MB, peak during %.1f MB: +%.1f MB (%d samples, %.0f ms "
        + "with the collections)%n", what, baseline / 1e6, peak.get() / 1e6, (peak.get() - baseline) / 1e6,
        samples.get(), millis);
  }

  /** The heap in use right after a full collection. */
  private static long liveHeap() {
    System.gc();
    return java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private static void print(String what, List<Double> millis, int rows) {
    double median = BenchSupport.median(millis);
    System.out.printf("%-24s median %.0f ms = %.0f rows/s (runs: %s)%n", what, median, rows / (median / 1000.0),
        millis);
  }

  private static double timed(HttpClient http, String url, String file, int rows, String expected) throws Exception {
    long started = System.nanoTime();
    String body = send(http, "POST", url, "text/csv", file, 200);
    double millis = (System.nanoTime() - started) / 1e6;
    if (!body.contains(expected)) {
      throw new IllegalStateException(url + " did not answer " + expected + ": "
          + body.substring(0, Math.min(500, body.length())));
    }
    return millis;
  }

  private static String send(HttpClient http, String method, String url, String type, String body, int status)
      throws Exception {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url))
        .timeout(java.time.Duration.ofMinutes(10)).header("Content-Type", type)
        .header(BenchSupport.AUTHORIZATION, BenchSupport.ADMIN_BEARER)
        .method(method, HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != status) {
      throw new IllegalStateException(url + " answered " + response.statusCode() + ": "
          + response.body().substring(0, Math.min(500, response.body().length())));
    }
    return response.body();
  }
}
