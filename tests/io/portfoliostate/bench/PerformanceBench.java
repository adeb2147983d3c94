package io.portfoliostate.bench;

import static io.portfoliostate.bench.BenchSupport.latencyLine;

import io.micrometer.core.instrument.Timer;
import io.portfoliostate.app.Node;
import io.portfoliostate.fixtures.TestKeys;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Latency of {@code GET /api/v1/portfolios/{id}/performance} for one year of daily performance
 * (the case: 500 positions, 5,000 events, a year of daily prices), through the HTTP API
 * of one node with its embedded PostgreSQL, authentication on.
 *
 * <p>The book: {@code positions} instruments (one in five in EUR, with a daily EUR/USD rate),
 * each priced every weekday of the year at 16:00 UTC (a random walk); a deposit on the first
 * day and one every month; one opening buy per instrument on the first days, then trades (buys
 * and sells of a few units, some sells past zero into shorts) spread over the year by
 * {@code executedAt} until the journal holds {@code events} events. Everything goes through the
 * API, as a client would write it.
 *
 * <p>Measured, one request at a time: the <b>first call</b> (the JVM has run the code only in
 * the node's warm-up, if {@code http.performance.warmUp} is on: {@code set.http.performance.warmUp=false}
 * measures a JVM that never ran it), then {@code calls} calls of the same window (kept whole), the
 * <b>first call of {@code others} portfolios</b> of the same shape on the now warm node (its journal read
 * and parsed, its year folded; the prices already kept), then, for how the cost grows with the
 * days, calls each with a window never asked before (a year, half and a quarter of one, starting a
 * day later each call). The node's timers ({@code pstate.performance.fold} and
 * {@code .compute}: the work on the workers) split each figure into fold, compute and the rest
 * (statements, JSON, HTTP).
 *
 * <p>Each read's steps are the node's timers ({@code pstate.performance.step} by step: journal,
 * parse, market, encode; {@code .fold}, {@code .compute}); steps run partly at once (the fold
 * beside the market data), so they do not add up to the wall time. The same window is asked
 * again at the end, after everything else: whether a repeated window is slower than a new one or
 * was only asked earlier in the JVM's life.
 *
 * <p>Options (key=value): positions=500 events=5000 days=261 (weekdays of prices, ending today)
 * calls=50 others=8 (portfolios of the same shape whose first call is measured on the warm node);
 * warm=0 (portfolios of the same shape first-called, not measured, between the repeated window
 * and the measured others: the node is then warm from {@code warm} + 1 first calls of this shape);
 * data=&lt;dir&gt; restarts on the data a previous run left (a fresh JVM on an existing book: with
 * {@code set.http.performance.warmUp=true} it first waits for the warm-up and its price preload);
 * prewarm=false (true: the measured portfolios' journals are read once over JDBC before their first
 * calls, a diagnostic of the database's share: their pages then in PostgreSQL's buffers).
 */
public final class PerformanceBench {

  private static final String ID = "perf-bench";
  /** Other portfolios of the same shape, each read once: first reads on a warm node. */
  private static final String OTHER = "perf-bench-";

  /** The steps of a read the node times, in order: pstate.performance.step's tags, fold and compute. */
  private static final String[] STEPS = {"journal", "parse", "market", "fold", "compute", "encode"};

  /** A journal line as the performance read asks PostgreSQL for it (PerformanceHistory's statement). */
  private static final String JOURNAL_STATEMENT = io.portfoliostate.persistence.PerformanceHistory.JOURNAL;

  private PerformanceBench() {
  }

  public static void main(String[] args) throws Exception {
    BenchSupport.Options options = new BenchSupport.Options(args);
    int positions = options.integer("positions", 500);
    int events = options.integer("events", 5_000);
    int days = options.integer("days", 261);
    int calls = options.integer("calls", 50);
    int others = options.integer("others", 8);
    // warm=N: N more portfolios of the same shape first-called (not measured) before the others:
    // "a warm node" is then one that has already served N first calls of this shape.
    int warm = options.integer("warm", 0);

    // data=<dir>: the data a previous run left (its last line names it): a node restarted on it in a fresh JVM.
    String reused = options.string("data", "");
    BenchSupport.printMachine("PerformanceBench", options);
    Path dataDir = reused.isEmpty() ? BenchSupport.freshDataDir("performance") : Path.of(reused);
    JsonObject overrides = new JsonObject().put("security", new JsonObject()
        .put("adminKeyFile", TestKeys.adminKeyFile().toString())).mergeIn(options.settingOverrides(), true);
    Node node = BenchSupport.startNode(dataDir, overrides);
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
    String base = "http://127.0.0.1:" + node.httpPort();
    try {
      List<LocalDate> weekdays = weekdays(days);
      long started = System.nanoTime();
      int written = events;
      if (reused.isEmpty()) {
        written = setUp(client, base, positions, events, weekdays);
        for (int i = 1; i <= warm + others; i++) {
          book(client, base, OTHER + i, positions, events, weekdays, new Random(42 + i));
        }
        System.out.printf(Locale.ROOT, "set up %d instruments, %,d prices, %,d events in %,d ms%n", positions,
            positions * weekdays.size(), written, BenchSupport.millisSince(started));
      } else if (options.settingOverrides().encode().contains("\"warmUp\":true")) {
        awaitWarmUp(node);
      }

      // The journal prefixes (V20) the node's job writes in the background: built before the
      // calls measured, which read them (a book of an older node has none).
      String prefixLine = awaitPrefixes(node, overrides);
      System.out.println("prefixes: " + prefixLine);
      // The node's background work (the analytics store's feed and daily series catch up with the
      // journals just written, or read at a restart) would share the 2 cores with the calls measured.
      awaitQuiet();

      LocalDate from = weekdays.get(0);
      LocalDate to = weekdays.get(weekdays.size() - 1);
      String year = base + "/api/v1/portfolios/" + ID + "/performance?from=" + from + "&to=" + to;
      Timer compute = node.registry().timer("pstate.performance.compute");
      Timer fold = node.registry().timer("pstate.performance.fold");

      String floorUrl = base + "/api/v1/instruments/PB0";
      get(client, floorUrl);
      Histogram floor = measure(client, i -> floorUrl, calls, compute, fold, "floor (GET one instrument)");

      double[] firstBefore = steps(node);
      long firstCpu = processCpuNanos();
      long firstStarted = System.nanoTime();
      String first = get(client, year);
      double firstMs = (System.nanoTime() - firstStarted) / 1e6;
      double firstCpuMs = (processCpuNanos() - firstCpu) / 1e6;
      double firstCompute = compute.totalTime(TimeUnit.MILLISECONDS);
      double firstFold = fold.totalTime(TimeUnit.MILLISECONDS);
      double[] firstSteps = steps(node);
      for (int k = 0; k < firstSteps.length; k++) {
        firstSteps[k] -= firstBefore[k];
      }
      System.out.println("first call steps: " + stepLine(firstSteps));
      JsonObject answer = new JsonObject(first);
      System.out.printf(Locale.ROOT, "first call: %.1f ms (fold %.1f ms, compute %.1f ms, JVM CPU %.1f ms); %,d bytes, %d points, "
          + "complete %s, TWR %s, NAV at the end %s%n", firstMs, firstFold, firstCompute, firstCpuMs, first.length(),
          answer.getJsonArray("series").size(),
          answer.getBoolean("complete"), answer.getValue("twr"),
          answer.getJsonArray("series").getJsonObject(answer.getJsonArray("series").size() - 1).getString("nav"));

      Histogram repeated = measure(client, i -> year, calls, compute, fold, "1 year, same window (kept)");
      // Warm the node: the first calls of `warm` portfolios of the same shape, not measured one by one.
      long warmStarted = System.nanoTime();
      long warmCpu = processCpuNanos();
      for (int i = 0; i < warm; i++) {
        get(client, base + "/api/v1/portfolios/" + OTHER + (others + i + 1) + "/performance?from=" + from + "&to=" + to);
      }
      String warmLine = warm == 0 ? "none" : String.format(Locale.ROOT,
          "%d first calls of other portfolios before the measured ones: %,d ms wall, %,.0f ms JVM CPU in all",
          warm, BenchSupport.millisSince(warmStarted), (processCpuNanos() - warmCpu) / 1e6);
      System.out.println("warming: " + warmLine);
      if (options.string("prewarm", "false").equals("true")) {
        // Diagnostic: the measured portfolios' journals read once over JDBC, so that their pages
        // are in PostgreSQL's buffers before their first calls (how much of the journal step is
        // the database's first read of them).
        long prewarmStarted = System.nanoTime();
        try (java.sql.Connection connection = BenchSupport.jdbc(node); java.sql.PreparedStatement fetch =
            connection.prepareStatement(JOURNAL_STATEMENT.replace("$1", "?").replace("$2", "0"))) {
          for (int i = 0; i < others; i++) {
            fetch.setString(1, OTHER + (i + 1));
            try (java.sql.ResultSet result = fetch.executeQuery()) {
              result.next();
            }
          }
        }
        System.out.printf(Locale.ROOT, "prewarm: the %d measured journals read over JDBC in %,d ms%n", others,
            BenchSupport.millisSince(prewarmStarted));
      }
      // The first read of portfolios never asked before, on a node warm from the reads above:
      // each one's journal read and parsed, its year folded; the prices are the node's already.
      double[] otherWall = new double[others];
      double[] otherCpu = new double[others];
      double[][] otherSteps = new double[others][];
      double[] otherAllocated = new double[others];
      long[] gcBefore = gcTotals();
      for (int i = 0; i < others; i++) {
        double[] before = steps(node);
        long allocatedBefore = allocatedBytes();
        long cpuBefore = processCpuNanos();
        long otherStarted = System.nanoTime();
        get(client, base + "/api/v1/portfolios/" + OTHER + (i + 1) + "/performance?from=" + from + "&to=" + to);
        otherWall[i] = (System.nanoTime() - otherStarted) / 1e6;
        otherCpu[i] = (processCpuNanos() - cpuBefore) / 1e6;
        otherAllocated[i] = (allocatedBytes() - allocatedBefore) / 1e6;
        double[] after = steps(node);
        for (int k = 0; k < after.length; k++) {
          after[k] -= before[k];
        }
        otherSteps[i] = after;
        System.out.printf(Locale.ROOT, "first call of %s%d: %.1f ms, JVM CPU %.1f ms, %.0f MB allocated, steps %s%n",
            OTHER, i + 1, otherWall[i], otherCpu[i], otherAllocated[i], stepLine(after));
      }
      String otherLine = others == 0 ? "none" : String.format(Locale.ROOT,
          "%d portfolios: p50 %.1f ms, p99 %.1f ms (JVM CPU p50 %.1f ms, p99 %.1f ms; %.0f MB allocated p50; %s); "
          + "steps p50 %s", others, percentile(otherWall, 50), percentile(otherWall, 99), percentile(otherCpu, 50),
          percentile(otherCpu, 99), percentile(otherAllocated, 50), gcSince(gcBefore), stepLine(stepMedians(otherSteps)));
      System.out.println("first calls of other portfolios on the warm node: " + otherLine);
      String journalInDatabase = journalStatement(node, OTHER + "1");
      String prefixReadsLine = prefixReads(node, OTHER + "1");
      System.out.println("prefix reads: " + prefixReadsLine);
      System.out.println("journal statement in PostgreSQL: " + journalInDatabase);
      List<String> lines = new ArrayList<>();
      for (int share : new int[] {1, 2, 4}) {
        // A window never asked before on every call: it starts one calendar day later each time.
        LocalDate start = weekdays.get(weekdays.size() - weekdays.size() / share).minusDays(calls + 1L);
        String label = (share == 1 ? "1 year" : (weekdays.size() / share) + " days") + ", a new window each call";
        Histogram h = measure(client, i -> base + "/api/v1/portfolios/" + ID + "/performance?from="
            + start.plusDays(i) + "&to=" + to, calls, compute, fold, label);
        lines.add(String.format(Locale.ROOT, "%s: %s", label, latencyLine(h)));
      }
      // The same year again once everything else ran: is a repeated window slower than a new one, or was it earlier?
      Histogram again = measure(client, i -> year, calls, compute, fold, "1 year, same window again, at the end");
      System.out.println();
      System.out.printf(Locale.ROOT, "=== PerformanceBench summary (%d positions, %,d events, %d days of prices)%n",
          positions, written, weekdays.size());
      System.out.printf(Locale.ROOT, "FLOOR    %s%n", latencyLine(floor));
      System.out.printf(Locale.ROOT, "FIRST    %.1f ms (JVM CPU %.1f ms) = %.1f x the floor's p50; steps %s%n",
          firstMs, firstCpuMs, firstMs / BenchSupport.ms(floor.getValueAtPercentile(50)), stepLine(firstSteps));
      System.out.printf(Locale.ROOT, "REPEATED %4d days, same window (kept): %s%n", weekdays.size(), latencyLine(repeated));
      System.out.printf(Locale.ROOT, "AGAIN    %4d days, same window at the end: %s%n", weekdays.size(), latencyLine(again));
      System.out.printf(Locale.ROOT, "WARMING  %s%n", warmLine);
      System.out.printf(Locale.ROOT, "JOURNAL  the journal statement in PostgreSQL: %s%n", journalInDatabase);
      System.out.printf(Locale.ROOT, "PREFIXES %s%n", prefixLine);
      System.out.printf(Locale.ROOT, "PREFIX   %s%n", prefixReadsLine);
      System.out.printf(Locale.ROOT, "OTHER    first calls of other portfolios, warm node: %s%n", otherLine);
      Timer warmUp = node.registry().find("pstate.performance.warmup").timer();
      System.out.printf(Locale.ROOT, "WARM-UP  %s%n", warmUp == null || warmUp.count() == 0 ? "none"
          : String.format(Locale.ROOT, "%d rounds at start, %.1f ms of wall time in all (slowest round %.1f ms), "
              + "%.1f ms of CPU", warmUp.count(), warmUp.totalTime(TimeUnit.MILLISECONDS),
              warmUp.max(TimeUnit.MILLISECONDS),
              node.registry().timer("pstate.performance.warmup.cpu").totalTime(TimeUnit.MILLISECONDS)));
      lines.forEach(line -> System.out.println("REPEATED " + line));
    } finally {
      node.close();
      System.out.println("node closed; data left in " + dataDir);
    }
  }

  /** {@code count} sequential calls; prints the mean of the node's fold and compute timers per call. */
  private static Histogram measure(HttpClient client, java.util.function.IntFunction<String> url, int count,
      Timer compute, Timer fold, String label) throws Exception {
    Histogram histogram = new Histogram(BenchSupport.HISTOGRAM_MAX_MICROS, 3);
    double computeBefore = compute.totalTime(TimeUnit.MILLISECONDS);
    double foldBefore = fold.totalTime(TimeUnit.MILLISECONDS);
    double[] cpu = new double[count];
    for (int i = 0; i < count; i++) {
      String target = url.apply(i);
      long cpuStarted = processCpuNanos();
      long started = System.nanoTime();
      get(client, target);
      histogram.recordValue(Math.min(TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - started),
          BenchSupport.HISTOGRAM_MAX_MICROS));
      cpu[i] = (processCpuNanos() - cpuStarted) / 1e6;
    }
    java.util.Arrays.sort(cpu);
    double computeMean = (compute.totalTime(TimeUnit.MILLISECONDS) - computeBefore) / count;
    double foldMean = (fold.totalTime(TimeUnit.MILLISECONDS) - foldBefore) / count;
    System.out.printf(Locale.ROOT, "%s: %s (fold mean %.1f ms, compute mean %.1f ms; JVM CPU per call p50 %.1f p99 %.1f ms)%n",
        label, latencyLine(histogram), foldMean, computeMean, cpu[count / 2],
        cpu[Math.min(count - 1, (int) Math.ceil(count * 0.99) - 1)]);
    return histogram;
  }

  /**
   * A node restarted on existing data with {@code http.performance.warmUp}: waits (up to two
   * minutes) until its warm-up's rounds are done and it kept prices, so that the first call
   * measures a warmed node.
   */
  private static void awaitWarmUp(Node node) throws InterruptedException {
    long started = System.nanoTime();
    while (System.nanoTime() - started < 120_000_000_000L) {
      Timer cpu = node.registry().find("pstate.performance.warmup.cpu").timer();
      io.micrometer.core.instrument.Gauge kept = node.registry().find("pstate.performance.prices.kept").gauge();
      if (cpu != null && cpu.count() > 0 && kept != null && kept.value() > 0) {
        System.out.printf(Locale.ROOT, "restarted on existing data; the warm-up done and %,.0f prices kept after %,d ms%n",
            kept.value(), BenchSupport.millisSince(started));
        return;
      }
      Thread.sleep(200);
    }
    System.out.println("restarted on existing data; no warm-up finished within 2 minutes");
  }

  /**
   * The performance read's journal statement (as PerformanceHistory sends it, all of one
   * portfolio's journal) timed by PostgreSQL itself, five times: what of the journal step is the
   * database's, not the node's; then the same text fetched whole over JDBC, timed by the client
   * (the statement, the row's transfer and its decoding into a string: the floor of a journal read
   * of that size on this machine). Also measured, for the record: two other forms of the statement
   * (the order of a subquery instead of the aggregates', and the trades' restated positions cut in
   * SQL), which were slower.
   */
  private static String journalStatement(Node node, String portfolio) throws Exception {
    StringBuilder line = new StringBuilder();
    // Measured only: the lines aggregated in a subquery's index order (no sort for the aggregate),
    // and that with the trades' restated positions cut in SQL at the key (the writer puts it last).
    String subquery = "SELECT string_agg(%s, E'\\n') AS events, array_agg(seq) AS seqs FROM (SELECT type, "
        + "payload::text AS p, seq FROM portfolio_events WHERE portfolio_id = $1 AND seq > $2 ORDER BY seq) AS journal";
    String cut = "type || E'\\t' || CASE WHEN type = 'TradeRecorded' AND left(p, 11) = '{\"tradeId\":' "
        + "AND right(p, 3) = ']}}' AND strpos(p, ',\"restated\":{') > 0 "
        + "THEN left(p, strpos(p, ',\"restated\":{') - 1) || ',\"restated\":{}}' ELSE p END";
    String[][] variants = {
        {"as read", JOURNAL_STATEMENT},
        {"subquery's order", String.format(Locale.ROOT, subquery, "type || E'\\t' || p")},
        {"subquery's order, restated positions cut", String.format(Locale.ROOT, subquery, cut)}};
    for (String[] variant : variants) {
      String select = variant[1].replace("$1", "?").replace("$2", "0");
      List<String> times = new ArrayList<>();
      List<String> fetches = new ArrayList<>();
      long chars = 0;
      try (java.sql.Connection connection = BenchSupport.jdbc(node);
          java.sql.PreparedStatement explain = connection.prepareStatement("EXPLAIN (ANALYZE, FORMAT JSON) " + select);
          java.sql.PreparedStatement fetch = connection.prepareStatement(select)) {
        explain.setString(1, portfolio);
        fetch.setString(1, portfolio);
        for (int i = 0; i < 5; i++) {
          try (java.sql.ResultSet result = explain.executeQuery()) {
            result.next();
            times.add(String.format(Locale.ROOT, "%.1f", new JsonArray(result.getString(1)).getJsonObject(0)
                .getDouble("Execution Time")));
          }
        }
        for (int i = 0; i < 5; i++) {
          long started = System.nanoTime();
          try (java.sql.ResultSet result = fetch.executeQuery()) {
            result.next();
            chars = result.getString(1).length();
            result.getArray(2).getArray();
          }
          fetches.add(String.format(Locale.ROOT, "%.1f", (System.nanoTime() - started) / 1e6));
        }
      }
      line.append(line.length() == 0 ? "" : "; ").append(variant[0]).append(String.format(Locale.ROOT,
          " (%,d characters): execution %s ms, fetched over JDBC in %s ms", chars, String.join(", ", times),
          String.join(", ", fetches)));
    }
    line.append(" (5 runs each, the first after the node's own read); ").append(journalReads(node, portfolio));
    return line.toString();
  }

  /**
   * The node's own journal read ({@code PerformanceHistory.journal}, the same statement and
   * decoding as a first call's journal step before the ninth pass; then the same in two halves at
   * once, as a first call reads it since) on a pool of the node's Vert.x, alternated with the
   * same statement fetched whole over JDBC on this thread, five times each, client-timed, the node
   * otherwise idle: what of the journal step is the read path's, not the first call's context.
   */
  private static String journalReads(Node node, String portfolio) throws Exception {
    java.util.regex.Matcher port = java.util.regex.Pattern.compile("\\(port (\\d+)\\)").matcher(node.describeDatabase());
    if (!port.find()) {
      return "node's read path: no embedded port";
    }
    io.vertx.sqlclient.Pool pool = io.portfoliostate.persistence.Database.embedded(Integer.parseInt(port.group(1)))
        .pool(node.vertx(), 2, "bench-journal");
    io.portfoliostate.persistence.PerformanceHistory history = io.portfoliostate.persistence.PerformanceHistory
        .sharing(new io.portfoliostate.persistence.MarketDataStore(pool));
    io.portfoliostate.domain.PortfolioId id = io.portfoliostate.domain.PortfolioId.of(portfolio);
    List<String> reactive = new ArrayList<>();
    List<String> halves = new ArrayList<>();
    List<String> jdbc = new ArrayList<>();
    long middle = history.journalEnd(id).toCompletionStage().toCompletableFuture().get() / 2;
    String select = JOURNAL_STATEMENT.replace("$1", "?").replace("$2", "0");
    try (java.sql.Connection connection = BenchSupport.jdbc(node);
        java.sql.PreparedStatement fetch = connection.prepareStatement(select)) {
      fetch.setString(1, portfolio);
      history.journal(id).toCompletionStage().toCompletableFuture().get();
      for (int i = 0; i < 5; i++) {
        long started = System.nanoTime();
        history.journal(id).toCompletionStage().toCompletableFuture().get();
        reactive.add(String.format(Locale.ROOT, "%.1f", (System.nanoTime() - started) / 1e6));
        started = System.nanoTime();
        io.vertx.core.Future.all(history.journalBetween(id, 0, middle), history.journalAfter(id, middle))
            .toCompletionStage().toCompletableFuture().get();
        halves.add(String.format(Locale.ROOT, "%.1f", (System.nanoTime() - started) / 1e6));
        started = System.nanoTime();
        try (java.sql.ResultSet result = fetch.executeQuery()) {
          result.next();
          result.getString(1);
          result.getArray(2).getArray();
        }
        jdbc.add(String.format(Locale.ROOT, "%.1f", (System.nanoTime() - started) / 1e6));
      }
    } finally {
      pool.close().toCompletionStage().toCompletableFuture().get();
    }
    return "the node's read path (PerformanceHistory.journal, reactive client, node idle) " + String.join(", ", reactive)
        + " ms, in two halves at once (two statements, two connections) " + String.join(", ", halves)
        + " ms, alternated with the JDBC fetch " + String.join(", ", jdbc) + " ms";
  }

  /** The journals the prefix job is behind on: at least minEvents, stepEvents and stepFraction past their prefix (JournalPrefixSettings.due). */
  private static final String PREFIXES_BEHIND = "SELECT count(*) FROM (SELECT (SELECT max(seq) FROM portfolio_events "
      + "WHERE portfolio_id = p.id) AS last, coalesce(x.through_seq, 0) AS through FROM portfolios p "
      + "LEFT JOIN journal_text_prefix x ON x.portfolio_id = p.id AND x.form = "
      + io.portfoliostate.persistence.PerformanceHistory.PREFIX_FORM + ") q WHERE last >= ? AND last - through >= ? "
      + "AND last - through >= ceil(through * ?)";

  /**
   * Waits (up to three minutes) until the node's prefix job has written every prefix it should
   * (journals of at least {@code minEvents}, none {@code stepEvents} past its prefix); says how
   * long that took, what the job's extensions cost (its timer; the JVM's CPU and the machine's
   * CPU, the node otherwise idle), and what the table holds.
   */
  private static String awaitPrefixes(Node node, JsonObject overrides) throws Exception {
    io.portfoliostate.config.Settings.JournalPrefixSettings settings = io.portfoliostate.config.Settings.from(
        new JsonObject().put("http", new JsonObject().put("performance", new JsonObject().put("prefixes",
            overrides.getJsonObject("http", new JsonObject()).getJsonObject("performance", new JsonObject())
                .getJsonObject("prefixes", new JsonObject()))))).http().performance().prefixes();
    long started = System.nanoTime();
    long cpu = processCpuNanos();
    long[] machine = machineCpu();
    try (java.sql.Connection connection = BenchSupport.jdbc(node);
        java.sql.PreparedStatement behind = connection.prepareStatement(PREFIXES_BEHIND)) {
      behind.setLong(1, settings.minEvents());
      behind.setLong(2, settings.stepEvents());
      behind.setDouble(3, settings.stepFraction());
      long left = -1;
      while (System.nanoTime() - started < 180_000_000_000L && settings.intervalMs() > 0) {
        try (java.sql.ResultSet result = behind.executeQuery()) {
          result.next();
          left = result.getLong(1);
        }
        if (left == 0) {
          break;
        }
        Thread.sleep(100);
      }
      long waited = BenchSupport.millisSince(started);
      double jvmCpu = (processCpuNanos() - cpu) / 1e6;
      long[] machineAfter = machineCpu();
      Timer extend = node.registry().find("pstate.journal.prefix.extend").timer();
      String table;
      try (java.sql.Statement statement = connection.createStatement(); java.sql.ResultSet result =
          statement.executeQuery("SELECT count(*), coalesce(sum(through_seq), 0), coalesce(sum(octet_length(text)), 0), "
              + "coalesce(sum(pg_column_size(text)), 0), pg_total_relation_size('journal_text_prefix') "
              + "FROM journal_text_prefix")) {
        result.next();
        table = String.format(Locale.ROOT, "the table: %d prefixes of %,d events in all, %,d bytes of text "
            + "(%,d stored: %.2f), %,d bytes with its TOAST and index", result.getLong(1), result.getLong(2),
            result.getLong(3), result.getLong(4), result.getLong(4) / (double) Math.max(1, result.getLong(3)),
            result.getLong(5));
      }
      return String.format(Locale.ROOT, "%s after %,d ms (%d behind at the end); the job's %d extensions: "
          + "mean %.1f ms, max %.1f ms wall each; JVM CPU %.0f ms, machine CPU (all processes) %.0f ms busy "
          + "of %.0f ms over the wait; %s", left == 0 ? "caught up" : "NOT caught up", waited, left,
          extend == null ? 0 : extend.count(), extend == null ? 0 : extend.mean(TimeUnit.MILLISECONDS),
          extend == null ? 0 : extend.max(TimeUnit.MILLISECONDS), jvmCpu,
          (machineAfter[0] - machine[0]) * 10.0, (machineAfter[1] - machine[1]) * 10.0, table);
    } catch (java.sql.SQLException e) {
      return "no journal prefixes (" + e.getMessage().lines().findFirst().orElse("") + ")";
    }
  }

  /** The machine's busy and total CPU time so far, in clock ticks (/proc/stat, 100 a second). */
  private static long[] machineCpu() throws java.io.IOException {
    String[] fields = java.nio.file.Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
    long total = 0;
    for (int i = 1; i < Math.min(fields.length, 9); i++) {
      total += Long.parseLong(fields[i]);
    }
    long idle = Long.parseLong(fields[4]) + Long.parseLong(fields[5]);
    return new long[] {total - idle, total};
  }

  /**
   * The first read from a prefix ({@code PerformanceHistory.prefixed}: one statement, the prefix
   * as bytea decoded once) against the whole journal's read ({@code journal}), on a pool of the
   * node's Vert.x, alternated five times each, node idle; then the prefix's text alone read as
   * bytea, as text ({@code convert_from}) and from copies of the table stored uncompressed
   * ({@code STORAGE EXTERNAL}) and, if this PostgreSQL has it, compressed with lz4: what the
   * column's form and TOAST compression cost a read.
   */
  private static String prefixReads(Node node, String portfolio) throws Exception {
    java.util.regex.Matcher port = java.util.regex.Pattern.compile("\\(port (\\d+)\\)").matcher(node.describeDatabase());
    if (!port.find()) {
      return "no embedded port";
    }
    io.vertx.sqlclient.Pool pool = io.portfoliostate.persistence.Database.embedded(Integer.parseInt(port.group(1)))
        .pool(node.vertx(), 2, "bench-prefix");
    io.portfoliostate.persistence.PerformanceHistory history = io.portfoliostate.persistence.PerformanceHistory.on(pool);
    io.portfoliostate.domain.PortfolioId id = io.portfoliostate.domain.PortfolioId.of(portfolio);
    StringBuilder line = new StringBuilder();
    try {
      io.portfoliostate.persistence.PerformanceHistory.Prefixed first = await(history.prefixed(id));
      if (first.prefix() == null) {
        return "no prefix for " + portfolio;
      }
      line.append(String.format(Locale.ROOT, "prefix of %,d events (%,d characters), %,d after it; ",
          first.prefix().size(), first.prefix().text().length(), first.tail().size()));
      List<String> prefixed = new ArrayList<>();
      List<String> whole = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        long started = System.nanoTime();
        await(history.prefixed(id));
        prefixed.add(String.format(Locale.ROOT, "%.1f", (System.nanoTime() - started) / 1e6));
        started = System.nanoTime();
        await(history.journal(id));
        whole.add(String.format(Locale.ROOT, "%.1f", (System.nanoTime() - started) / 1e6));
      }
      line.append("prefix + events after it (one statement) ").append(String.join(", ", prefixed))
          .append(" ms against the whole journal ").append(String.join(", ", whole)).append(" ms");
      boolean lz4;
      try (java.sql.Connection connection = BenchSupport.jdbc(node); java.sql.Statement statement =
          connection.createStatement()) {
        statement.execute("DROP TABLE IF EXISTS bench_prefix_plain, bench_prefix_lz4");
        statement.execute("CREATE TABLE bench_prefix_plain (LIKE journal_text_prefix)");
        statement.execute("ALTER TABLE bench_prefix_plain ALTER COLUMN text SET STORAGE EXTERNAL");
        // Concatenated with nothing: a new value, stored as the table says (a copy keeps its compression).
        statement.execute("INSERT INTO bench_prefix_plain SELECT portfolio_id, form, through_seq, event_count, "
            + "text || '\\x'::bytea, written_at FROM journal_text_prefix WHERE portfolio_id = '" + portfolio + "'");
        try {
          statement.execute("CREATE TABLE bench_prefix_lz4 (LIKE journal_text_prefix)");
          statement.execute("ALTER TABLE bench_prefix_lz4 ALTER COLUMN text SET COMPRESSION lz4");
          statement.execute("INSERT INTO bench_prefix_lz4 SELECT * FROM journal_text_prefix WHERE portfolio_id = '"
              + portfolio + "'");
          lz4 = true;
        } catch (java.sql.SQLException e) {
          line.append("; lz4: ").append(e.getMessage().lines().findFirst().orElse(""));
          lz4 = false;
        }
        try (java.sql.ResultSet sizes = statement.executeQuery("SELECT (SELECT pg_column_size(text) FROM "
            + "journal_text_prefix WHERE portfolio_id = '" + portfolio + "'), (SELECT pg_column_size(text) FROM "
            + "bench_prefix_plain)" + (lz4 ? ", (SELECT pg_column_size(text) FROM bench_prefix_lz4)" : ", 0"))) {
          sizes.next();
          line.append(String.format(Locale.ROOT, "; stored pglz %,d bytes, uncompressed %,d, lz4 %,d",
              sizes.getLong(1), sizes.getLong(2), sizes.getLong(3)));
        }
      }
      String[][] forms = {
          {"bytea, pglz (as stored)", "SELECT text FROM journal_text_prefix WHERE portfolio_id = $1", "bytes"},
          {"text, pglz", "SELECT convert_from(text, 'UTF8') FROM journal_text_prefix WHERE portfolio_id = $1", "text"},
          {"bytea, uncompressed", "SELECT text FROM bench_prefix_plain WHERE portfolio_id = $1", "bytes"},
          {"bytea, lz4", "SELECT text FROM bench_prefix_lz4 WHERE portfolio_id = $1", "bytes"}};
      List<List<String>> times = new ArrayList<>();
      for (int k = 0; k < forms.length; k++) {
        times.add(new ArrayList<>());
      }
      for (int i = 0; i < 6; i++) {
        for (int k = 0; k < (lz4 ? forms.length : forms.length - 1); k++) {
          long started = System.nanoTime();
          io.vertx.sqlclient.Row row = await(pool.preparedQuery(forms[k][1]).execute(io.vertx.sqlclient.Tuple.of(portfolio)))
              .iterator().next();
          String text = forms[k][2].equals("bytes") ? row.getBuffer(0).toString(java.nio.charset.StandardCharsets.UTF_8)
              : row.getString(0);
          if (i > 0 && text.length() > 0) {
            times.get(k).add(String.format(Locale.ROOT, "%.1f", (System.nanoTime() - started) / 1e6));
          }
        }
      }
      for (int k = 0; k < forms.length; k++) {
        if (!times.get(k).isEmpty()) {
          line.append("; the prefix alone as ").append(forms[k][0]).append(": ").append(String.join(", ", times.get(k)))
              .append(" ms");
        }
      }
      try (java.sql.Connection connection = BenchSupport.jdbc(node); java.sql.Statement statement =
          connection.createStatement()) {
        statement.execute("DROP TABLE IF EXISTS bench_prefix_plain, bench_prefix_lz4");
      }
    } finally {
      pool.close().toCompletionStage().toCompletableFuture().get();
    }
    return line.toString();
  }

  private static <T> T await(io.vertx.core.Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  /** Bytes allocated so far by this JVM's live threads (the node's event loops and workers, the client). */
  private static long allocatedBytes() {
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean)
        java.lang.management.ManagementFactory.getThreadMXBean();
    long total = 0;
    for (long bytes : threads.getThreadAllocatedBytes(threads.getAllThreadIds())) {
      total += Math.max(0, bytes);
    }
    return total;
  }

  /** The JVM's collections so far and their time in ms (every collector). */
  private static long[] gcTotals() {
    long count = 0;
    long millis = 0;
    for (java.lang.management.GarbageCollectorMXBean gc : java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()) {
      count += Math.max(0, gc.getCollectionCount());
      millis += Math.max(0, gc.getCollectionTime());
    }
    return new long[] {count, millis};
  }

  private static String gcSince(long[] before) {
    long[] now = gcTotals();
    return String.format(Locale.ROOT, "%d collections, %d ms of GC", now[0] - before[0], now[1] - before[1]);
  }

  /**
   * Waits (up to three minutes) until this JVM used less than 5 % of one core over a second: the
   * node idle, its background work done.
   */
  private static void awaitQuiet() throws InterruptedException {
    long started = System.nanoTime();
    while (System.nanoTime() - started < 180_000_000_000L) {
      long cpu = processCpuNanos();
      Thread.sleep(1_000);
      if (processCpuNanos() - cpu < 50_000_000L) {
        System.out.printf(Locale.ROOT, "node quiet after %,d ms%n", BenchSupport.millisSince(started));
        return;
      }
    }
    System.out.println("node still busy after 3 minutes; measuring anyway");
  }

  /** The node's total time so far in each of {@link #STEPS}, in ms. */
  private static double[] steps(Node node) {
    double[] totals = new double[STEPS.length];
    for (int k = 0; k < STEPS.length; k++) {
      Timer timer = STEPS[k].equals("fold") || STEPS[k].equals("compute")
          ? node.registry().find("pstate.performance." + STEPS[k]).timer()
          : node.registry().find("pstate.performance.step").tag("step", STEPS[k]).timer();
      totals[k] = timer == null ? 0 : timer.totalTime(TimeUnit.MILLISECONDS);
    }
    return totals;
  }

  private static String stepLine(double[] values) {
    StringBuilder line = new StringBuilder();
    for (int k = 0; k < STEPS.length; k++) {
      line.append(k == 0 ? "" : ", ").append(STEPS[k]).append(String.format(Locale.ROOT, " %.1f", values[k]));
    }
    return line.append(" ms").toString();
  }

  private static double[] stepMedians(double[][] samples) {
    double[] medians = new double[STEPS.length];
    for (int k = 0; k < STEPS.length; k++) {
      double[] column = new double[samples.length];
      for (int i = 0; i < samples.length; i++) {
        column[i] = samples[i][k];
      }
      medians[k] = percentile(column, 50);
    }
    return medians;
  }

  /** The nearest-rank percentile of {@code values} (p99 of fewer than 100 samples is the largest). */
  private static double percentile(double[] values, double p) {
    double[] sorted = values.clone();
    java.util.Arrays.sort(sorted);
    return sorted[Math.max(0, Math.min(sorted.length - 1, (int) Math.ceil(sorted.length * p / 100) - 1))];
  }

  /**
   * CPU time of this JVM (the node and the client; PostgreSQL is another process): on a shared VM
   * whose other load stretches wall-clock times, what a call costs on its own.
   */
  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
        .getOperatingSystemMXBean()).getProcessCpuTime();
  }

  /** The last {@code count} weekdays up to today. */
  private static List<LocalDate> weekdays(int count) {
    List<LocalDate> dates = new ArrayList<>();
    for (LocalDate date = LocalDate.now(); dates.size() < count; date = date.minusDays(1)) {
      if (date.getDayOfWeek() != DayOfWeek.SATURDAY && date.getDayOfWeek() != DayOfWeek.SUNDAY) {
        dates.add(0, date);
      }
    }
    return dates;
  }

  /** The book over HTTP; returns the number of events journaled. */
  private static int setUp(HttpClient client, String base, int positions, int events, List<LocalDate> weekdays)
      throws Exception {
    Random random = new Random(42);
    for (int i = 0; i < positions; i++) {
      send(client, "PUT", base + "/api/v1/instruments/PB" + i, new JsonObject().put("currency", currency(i))
          .put("sector", "Sector" + (i % 11)).put("country", "C" + (i % 7)));
    }
    double[] level = new double[positions];
    for (int i = 0; i < positions; i++) {
      level[i] = 20 + random.nextInt(200);
    }
    JsonArray prices = new JsonArray();
    JsonArray rates = new JsonArray();
    double eurUsd = 1.08;
    for (LocalDate day : weekdays) {
      String at = day + "T16:00:00Z";
      for (int i = 0; i < positions; i++) {
        level[i] = Math.max(1, level[i] * (1 + random.nextGaussian() * 0.015));
        prices.add(new JsonObject().put("instrumentId", "PB" + i).put("price", String.format(Locale.ROOT, "%.2f",
            level[i])).put("at", at));
        if (prices.size() == 5_000) {
          send(client, "POST", base + "/api/v1/prices", prices);
          prices = new JsonArray();
        }
      }
      eurUsd *= 1 + random.nextGaussian() * 0.004;
      rates.add(new JsonObject().put("base", "EUR").put("quote", "USD")
          .put("rate", String.format(Locale.ROOT, "%.5f", eurUsd)).put("at", at));
    }
    if (!prices.isEmpty()) {
      send(client, "POST", base + "/api/v1/prices", prices);
    }
    send(client, "POST", base + "/api/v1/fx-rates", rates);
    return book(client, base, ID, positions, events, weekdays, random);
  }

  /** A portfolio of the bench's shape, its trades drawn from {@code random}; returns the events journaled. */
  private static int book(HttpClient client, String base, String id, int positions, int events,
      List<LocalDate> weekdays, Random random) throws Exception {
    send(client, "POST", base + "/api/v1/portfolios", new JsonObject().put("id", id).put("name", "Bench")
        .put("baseCurrency", "USD"));
    int written = 1;
    String path = base + "/api/v1/portfolios/" + id;
    LocalDate first = weekdays.get(0);
    int flows = 0;
    for (int month = 0; month < 12 && written < events; month++) {
      LocalDate day = first.plusMonths(month);
      send(client, "POST", path + "/cash-flows", new JsonObject().put("flowId", "dep-" + month).put("type", "DEPOSIT")
          .put("currency", "USD").put("amount", month == 0 ? "5000000" : "100000")
          .put("occurredAt", day + "T08:00:00Z"));
      written++;
      flows++;
    }
    send(client, "POST", path + "/cash-flows", new JsonObject().put("flowId", "dep-eur").put("type", "DEPOSIT")
        .put("currency", "EUR").put("amount", "1000000").put("occurredAt", first + "T08:00:00Z"));
    written++;
    JsonArray batch = new JsonArray();
    int trade = 0;
    while (written + batch.size() < events) {
      int instrument = trade < positions ? trade : random.nextInt(positions);
      LocalDate day = trade < positions ? weekdays.get(trade % 5)
          : weekdays.get(5 + random.nextInt(weekdays.size() - 5));
      boolean sell = trade >= positions && random.nextInt(3) == 0;
      batch.add(new JsonObject().put("tradeId", "bt-" + trade).put("instrumentId", "PB" + instrument)
          .put("side", sell ? "SELL" : "BUY").put("quantity", String.valueOf(trade < positions ? 100
              : 1 + random.nextInt(sell ? 150 : 40)))
          .put("price", String.format(Locale.ROOT, "%.2f", 20 + random.nextInt(200) + random.nextDouble()))
          .put("fees", "1").put("executedAt", day + "T1" + random.nextInt(6) + ":00:00Z"));
      trade++;
      if (batch.size() == 500) {
        send(client, "POST", path + "/trades:batch", new JsonObject().put("trades", batch));
        written += batch.size();
        batch = new JsonArray();
      }
    }
    if (!batch.isEmpty()) {
      send(client, "POST", path + "/trades:batch", new JsonObject().put("trades", batch));
      written += batch.size();
    }
    System.out.printf("journal: 1 creation, %d deposits, %d trades%n", flows + 1, trade);
    return written;
  }

  private static String currency(int instrument) {
    return instrument % 5 == 4 ? "EUR" : "USD";
  }

  private static String get(HttpClient client, String url) throws Exception {
    HttpResponse<String> answer = client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(120))
        .header(BenchSupport.AUTHORIZATION, BenchSupport.ADMIN_BEARER).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    if (answer.statusCode() != 200) {
      throw new IllegalStateException(url + " answered " + answer.statusCode() + ": " + answer.body());
    }
    return answer.body();
  }

  private static void send(HttpClient client, String method, String url, Object body) throws Exception {
    HttpResponse<String> answer = client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(120))
        .header(BenchSupport.AUTHORIZATION, BenchSupport.ADMIN_BEARER).header("Content-Type", "application/json")
        .method(method, HttpRequest.BodyPublishers.ofString(body.toString())).build(),
        HttpResponse.BodyHandlers.ofString());
    if (answer.statusCode() >= 300) {
      throw new IllegalStateException(method + " " + url + " answered " + answer.statusCode() + ": " + answer.body());
    }
  }
}
