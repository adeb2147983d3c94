package io.portfoliostate.bench;

import io.portfoliostate.app.Node;
import io.portfoliostate.domain.CreatePortfolio;
import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.persistence.Database;
import io.portfoliostate.persistence.JournalReader;
import io.portfoliostate.protocol.CommandEnvelope;
import io.portfoliostate.protocol.CommandOutcomes;
import io.portfoliostate.protocol.OwnerRequest;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How long the first read of a big portfolio takes after a restart. One portfolio gets
 * {@code trades} trade events; the node is stopped gracefully and started again on the same
 * data folder, and the first {@code GET /api/v1/portfolios/{id}} is timed: the owner loads the
 * portfolio lazily, from its latest snapshot plus the journal tail (and its idempotency index).
 *
 * <p>Measured: restarts in this JVM (warm JIT, as after a redeploy of the verticles) with the
 * snapshots the graceful stop left (empty journal tail), with the snapshots of the last 999
 * events deleted (the tail a crash can leave), and with every snapshot deleted
 * ({@code DELETE FROM portfolio_snapshots}) to show what snapshots buy; restarts in a fresh
 * child JVM (cold JIT, as after a real process restart), with and without snapshots; and a
 * breakdown of the load through the service's own {@link JournalReader}. A first GET refused
 * (503: the owner took longer than its timeout to load) is sent again and counted.
 *
 * <p>Options (key=value): trades=100000 perRequest=1000 inFlight=4 instruments=50 restarts=5
 * recentRestarts=3 noSnapshotRestarts=3 coldRestarts=3 coldNoSnapshotRestarts=1
 */
public final class RecoveryBench {

  private static final double TARGET_MS = 1000;
  private static final PortfolioId PORTFOLIO = PortfolioId.of("recovery-1");
  private static final String COMMAND_INDEX =
      "SELECT command_id, command_hash, seq FROM portfolio_events WHERE portfolio_id = $1 AND command_id IS NOT NULL";
  private static final Pattern PROBE = Pattern.compile("PROBE startMs=(\\d+) firstGetMs=([\\d.]+) secondGetMs=([\\d.]+) "
      + "version=(\\d+) deleted=(\\d+) tail=(\\d+) refused=(\\d+)");

  private RecoveryBench() {
  }

  /** One timed restart. */
  private record Restart(long startMs, double firstGetMs, double secondGetMs, long version, long deletedSnapshots,
      long tail, int refused) {
  }

  /**
   * What happens to the snapshots before the first read. A graceful stop snapshots every changed
   * portfolio, so after it the journal tail is empty; RECENT deletes the snapshots of the last
   * 999 events, as if the node had crashed just before taking its next one (tail of 999 to 1,998
   * events); ALL deletes every snapshot (the whole journal is replayed).
   */
  private enum Snapshots { KEEP, RECENT, ALL }

  public static void main(String[] args) throws Exception {
    BenchSupport.Options options = new BenchSupport.Options(args);
    int trades = options.integer("trades", 100_000);
    int perRequest = options.integer("perRequest", 1000);
    int inFlight = options.integer("inFlight", 4);
    int restarts = options.integer("restarts", 5);
    int recentRestarts = options.integer("recentRestarts", 3);
    int noSnapshotRestarts = options.integer("noSnapshotRestarts", 3);
    int coldRestarts = options.integer("coldRestarts", 3);
    int coldNoSnapshotRestarts = options.integer("coldNoSnapshotRestarts", 1);
    InstrumentId[] instruments = BenchSupport.instruments(options.integer("instruments", 50));

    BenchSupport.printMachine("RecoveryBench", options);
    Path dataDir = BenchSupport.freshDataDir("recovery");
    Vertx clientVertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    HttpClientAgent client = clientVertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(1));
    long expectedVersion = trades + 1L;
    try {
      Node node = BenchSupport.startNode(dataDir);
      try {
        load(node, trades, perRequest, inFlight, instruments);
        printJournal(node);
      } finally {
        closeTimed(node);
      }

      List<Restart> warm = new ArrayList<>();
      System.out.println();
      System.out.println("--- restart in this JVM, snapshots as the graceful stop left them");
      for (int i = 1; i <= restarts; i++) {
        attempt(warm, i, () -> restartHere(dataDir, client, Snapshots.KEEP));
      }
      List<Restart> warmRecent = new ArrayList<>();
      System.out.println();
      System.out.println("--- restart in this JVM, snapshots of the last 999 events deleted (as after a crash)");
      for (int i = 1; i <= recentRestarts; i++) {
        attempt(warmRecent, i, () -> restartHere(dataDir, client, Snapshots.RECENT));
      }
      List<Restart> warmNoSnapshot = new ArrayList<>();
      System.out.println();
      System.out.println("--- restart in this JVM, every snapshot deleted before the first read");
      for (int i = 1; i <= noSnapshotRestarts; i++) {
        attempt(warmNoSnapshot, i, () -> restartHere(dataDir, client, Snapshots.ALL));
      }
      List<Restart> cold = new ArrayList<>();
      System.out.println();
      System.out.println("--- restart in a new JVM, snapshots as the graceful stop left them");
      for (int i = 1; i <= coldRestarts; i++) {
        attempt(cold, i, () -> restartInChildJvm(dataDir, Snapshots.KEEP));
      }
      List<Restart> coldNoSnapshot = new ArrayList<>();
      System.out.println();
      System.out.println("--- restart in a new JVM, every snapshot deleted before the first read");
      for (int i = 1; i <= coldNoSnapshotRestarts; i++) {
        attempt(coldNoSnapshot, i, () -> restartInChildJvm(dataDir, Snapshots.ALL));
      }
      System.out.println();
      System.out.println("--- where the load time goes (this JVM, node running, JournalReader called directly)");
      breakdown(dataDir);

      System.out.println();
      System.out.printf(Locale.ROOT, "=== RecoveryBench summary (one portfolio of %,d events; first GET after a restart; "
          + "target well under %.0f ms)%n", expectedVersion, TARGET_MS);
      summary("restart in this JVM, with snapshots (empty tail)", warm, expectedVersion);
      summary("restart in this JVM, recent snapshots deleted", warmRecent, expectedVersion);
      summary("restart in this JVM, no snapshots", warmNoSnapshot, expectedVersion);
      summary("restart in a new JVM, with snapshots", cold, expectedVersion);
      summary("restart in a new JVM, no snapshots", coldNoSnapshot, expectedVersion);
    } finally {
      BenchSupport.await(client.close(), 10);
      BenchSupport.await(clientVertx.close(), 10);
      System.out.println("data left in " + dataDir);
    }
  }

  /** One portfolio, then {@code trades} trades in requests of {@code perRequest}, {@code inFlight} at a time. */
  private static void load(Node node, int trades, int perRequest, int inFlight, InstrumentId[] instruments)
      throws Exception {
    CreatePortfolio create = new CreatePortfolio(PORTFOLIO, "Recovery", CurrencyCode.USD, null, null, null, null);
    CommandOutcomes created = BenchSupport.await(node.owners().<CommandOutcomes>request(
        new OwnerRequest.Execute(PORTFOLIO, List.of(CommandEnvelope.of(create)))), 60);
    if (BenchSupport.recorded(created) != 1) {
      throw new IllegalStateException("could not create " + PORTFOLIO + ": " + created);
    }
    int requests = (trades + perRequest - 1) / perRequest;
    long started = System.nanoTime();
    Promise<Void> done = Promise.promise();
    AtomicInteger next = new AtomicInteger();
    AtomicInteger finished = new AtomicInteger();
    AtomicLong recorded = new AtomicLong();
    node.vertx().getOrCreateContext().runOnContext(v -> {
      for (int i = 0; i < Math.min(inFlight, requests); i++) {
        sendNext(node, trades, perRequest, requests, instruments, next, finished, recorded, done);
      }
    });
    BenchSupport.await(done.future(), 900);
    long millis = BenchSupport.millisSince(started);
    System.out.printf(Locale.ROOT, "recorded %,d trades in %s in %,d ms (%,.0f trades/s, %d requests of %d, %d in flight)%n",
        recorded.get(), PORTFOLIO, millis, recorded.get() * 1000.0 / Math.max(1, millis), requests, perRequest,
        inFlight);
  }

  private static void sendNext(Node node, int trades, int perRequest, int requests, InstrumentId[] instruments,
      AtomicInteger next, AtomicInteger finished, AtomicLong recorded, Promise<Void> done) {
    int request = next.getAndIncrement();
    if (request >= requests) {
      return;
    }
    List<CommandEnvelope> commands = new ArrayList<>(perRequest);
    for (int i = request * perRequest; i < Math.min(trades, (request + 1) * perRequest); i++) {
      commands.add(CommandEnvelope.of(BenchSupport.randomTrade(PORTFOLIO, "r-" + i, instruments)));
    }
    node.owners().<CommandOutcomes>request(new OwnerRequest.Execute(PORTFOLIO, commands)).onComplete(reply -> {
      int ok = reply.succeeded() ? BenchSupport.recorded(reply.result()) : 0;
      recorded.addAndGet(ok);
      if (ok != commands.size()) {
        done.tryFail("request " + request + " recorded " + ok + " of " + commands.size() + ": "
            + (reply.failed() ? reply.cause() : reply.result().outcomes().get(0)));
      } else if (finished.incrementAndGet() == requests) {
        done.tryComplete();
      } else {
        sendNext(node, trades, perRequest, requests, instruments, next, finished, recorded, done);
      }
    });
  }

  private static void printJournal(Node node) throws Exception {
    try (Connection connection = BenchSupport.jdbc(node); Statement statement = connection.createStatement()) {
      try (ResultSet rows = statement.executeQuery("SELECT count(*), max(seq) FROM portfolio_events WHERE portfolio_id = '"
          + PORTFOLIO.value() + "'")) {
        rows.next();
        System.out.printf(Locale.ROOT, "journal: %,d events of %s (max seq %,d)%n", rows.getLong(1), PORTFOLIO,
            rows.getLong(2));
      }
      try (ResultSet rows = statement.executeQuery("SELECT count(*), max(seq), max(pg_column_size(state)), "
          + "max(length(state::text)) FROM portfolio_snapshots WHERE portfolio_id = '" + PORTFOLIO.value() + "'")) {
        rows.next();
        System.out.printf(Locale.ROOT, "snapshots: %,d (latest at seq %,d), up to %,d bytes stored, %,d bytes of JSON%n",
            rows.getLong(1), rows.getLong(2), rows.getLong(3), rows.getLong(4));
      }
      BenchSupport.printJournalDistribution(node);
    }
  }

  private static void closeTimed(Node node) throws Exception {
    long closing = System.nanoTime();
    node.close();
    System.out.printf("node closed in %d ms%n", BenchSupport.millisSince(closing));
  }

  /** What one restart does; it may fail (a child JVM that dies, a node that does not start). */
  @FunctionalInterface
  private interface RestartAction {
    Restart run() throws Exception;
  }

  /** Runs and prints one restart; a failure is printed and the benchmark goes on. */
  private static void attempt(List<Restart> results, int i, RestartAction action) {
    try {
      results.add(print(i, action.run()));
    } catch (Exception e) {
      System.out.println("restart " + i + " FAILED: " + e);
    }
  }

  private static Restart print(int i, Restart r) {
    System.out.printf(Locale.ROOT, "restart %d: node started in %,d ms; first GET %.1f ms%s, second GET %.2f ms "
        + "(version %,d; %d snapshots deleted first; journal tail after the latest snapshot: %,d events)%n", i,
        r.startMs, r.firstGetMs, r.refused == 0 ? "" : " (after " + r.refused + " refusal(s))", r.secondGetMs, r.version,
        r.deletedSnapshots, r.tail);
    return r;
  }

  /** Starts a node in this JVM, optionally deletes the snapshots, and times two GETs. */
  private static Restart restartHere(Path dataDir, HttpClientAgent client, Snapshots snapshots) throws Exception {
    long started = System.nanoTime();
    Node node = Node.start(BenchSupport.settings(dataDir));
    long startMs = BenchSupport.millisSince(started);
    try {
      long[] deletedAndTail = prepareSnapshots(node, snapshots);
      return timeReads(client, node.httpPort(), startMs, deletedAndTail[0], deletedAndTail[1]);
    } finally {
      node.close();
    }
  }

  /** Deletes snapshots as {@code mode} says; returns {deleted, events after the latest snapshot left}. */
  private static long[] prepareSnapshots(Node node, Snapshots mode) throws Exception {
    String id = "'" + PORTFOLIO.value() + "'";
    try (Connection connection = BenchSupport.jdbc(node); Statement statement = connection.createStatement()) {
      long deleted = switch (mode) {
        case KEEP -> 0;
        case RECENT -> statement.executeUpdate("DELETE FROM portfolio_snapshots WHERE portfolio_id = " + id
            + " AND seq > (SELECT max(seq) - 999 FROM portfolio_events WHERE portfolio_id = " + id + ")");
        case ALL -> statement.executeUpdate("DELETE FROM portfolio_snapshots");
      };
      try (ResultSet rows = statement.executeQuery("SELECT (SELECT max(seq) FROM portfolio_events WHERE portfolio_id = "
          + id + ") - coalesce((SELECT max(seq) FROM portfolio_snapshots WHERE portfolio_id = " + id + "), 0)")) {
        rows.next();
        return new long[] {deleted, rows.getLong(1)};
      }
    }
  }

  /**
   * A warm-up request (connection, routing), then the first read of the portfolio, timed until
   * it answers 200 (a refusal, such as a 503 when the owner took longer than its timeout to
   * load, is counted and the read sent again at once), then a second read.
   */
  private static Restart timeReads(HttpClientAgent client, int port, long startMs, long deleted, long tail)
      throws Exception {
    BenchSupport.await(get(client, port, "/health/live"), 30);
    String uri = "/api/v1/portfolios/" + PORTFOLIO.value();
    long first = System.nanoTime();
    int refused = 0;
    JsonObject state;
    while (true) {
      JsonObject answer = BenchSupport.await(get(client, port, uri), 120);
      if (answer.getInteger("status", 200) == 200 && answer.containsKey("version")) {
        state = answer;
        break;
      }
      refused++;
      System.out.printf(Locale.ROOT, "  the first GET was refused after %.0f ms: %s%n", (System.nanoTime() - first) / 1e6,
          answer.encode());
      if (refused >= 10) {
        throw new IllegalStateException("the portfolio could not be read: " + answer.encode());
      }
    }
    double firstMs = (System.nanoTime() - first) / 1e6;
    long second = System.nanoTime();
    BenchSupport.await(get(client, port, uri), 60);
    double secondMs = (System.nanoTime() - second) / 1e6;
    return new Restart(startMs, firstMs, secondMs, state.getLong("version", -1L), deleted, tail, refused);
  }

  /** The JSON body of a GET; a problem+json body carries its own status. */
  private static Future<JsonObject> get(HttpClientAgent client, int port, String uri) {
    return client.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port).setURI(uri)
            .putHeader(BenchSupport.AUTHORIZATION, BenchSupport.ADMIN_BEARER))
        .compose(req -> req.send())
        .compose(response -> response.body().map(body -> {
          JsonObject json = body.toJsonObject();
          if (response.statusCode() != 200 && !json.containsKey("status")) {
            json.put("status", response.statusCode());
          }
          return json;
        }));
  }

  /** Runs {@link Probe} in a fresh JVM on the same classpath and reads its one-line answer. */
  private static Restart restartInChildJvm(Path dataDir, Snapshots snapshots) throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> command = List.of(java, "-Xms2g", "-Xmx2g", "-XX:+UseG1GC", "-DPSTATE_LOG_LEVEL=WARN",
        "-cp", System.getProperty("java.class.path"), Probe.class.getName(), dataDir.toString(),
        snapshots.name());
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    Restart result = null;
    try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      int frames = 0;
      for (String line = out.readLine(); line != null; line = out.readLine()) {
        // Stack traces (a blocked event loop, say) are cut to their top frames.
        boolean frame = line.trim().startsWith("at ") || line.trim().startsWith("...");
        frames = frame ? frames + 1 : 0;
        if (frame && frames > 8) {
          continue;
        }
        Matcher m = PROBE.matcher(line);
        if (m.find()) {
          result = new Restart(Long.parseLong(m.group(1)), Double.parseDouble(m.group(2)),
              Double.parseDouble(m.group(3)), Long.parseLong(m.group(4)), Long.parseLong(m.group(5)),
              Long.parseLong(m.group(6)), Integer.parseInt(m.group(7)));
        } else {
          System.out.println("  child: " + line);
        }
      }
    }
    if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0 || result == null) {
      process.destroyForcibly();
      throw new IllegalStateException("the child JVM failed (exit " + (process.isAlive() ? "?" : process.exitValue()) + ")");
    }
    return result;
  }

  /** Times the pieces of a load with the service's own reader, on a running node. */
  private static void breakdown(Path dataDir) throws Exception {
    Node node = Node.start(BenchSupport.settings(dataDir));
    Vertx vertx = Vertx.vertx();
    try {
      Matcher port = Pattern.compile("\\(port (\\d+)\\)").matcher(node.describeDatabase());
      if (!port.find()) {
        throw new IllegalStateException("no embedded port in " + node.describeDatabase());
      }
      // The plan of the index query, on the freshly started (cold) server, then once more (warm).
      try (Connection connection = BenchSupport.jdbc(node); Statement statement = connection.createStatement()) {
        for (String when : List.of("cold", "warm")) {
          System.out.println("EXPLAIN (ANALYZE, BUFFERS) of the idempotency index query, " + when + ":");
          try (ResultSet plan = statement.executeQuery("EXPLAIN (ANALYZE, BUFFERS) " + COMMAND_INDEX.replace("$1",
              "'" + PORTFOLIO.value() + "'"))) {
            while (plan.next()) {
              System.out.println("    " + plan.getString(1));
            }
          }
        }
      }
      Pool pool = Database.embedded(Integer.parseInt(port.group(1))).pool(vertx, 2, "bench-breakdown");
      JournalReader reader = new JournalReader(vertx, pool, 10_000);
      time("reader.stateAt(latest): latest snapshot + journal tail", 7,
          () -> reader.stateAt(PORTFOLIO, Long.MAX_VALUE).map(r -> r.state().version() + " (snapshot at "
              + r.snapshotVersion() + ")"));
      time("idempotency index query (every command id of the portfolio)", 7,
          () -> pool.preparedQuery(COMMAND_INDEX).execute(Tuple.of(PORTFOLIO.value())).map(rows -> rows.size() + " rows"));
      time("reader.load(): both of the above, in parallel, as the owner does", 7,
          () -> reader.load(PORTFOLIO).map(l -> l.state().version() + ", index of " + l.index().size()));
      time("reader.stateAt(999): replay of 999 events from no snapshot", 5,
          () -> reader.stateAt(PORTFOLIO, 999).map(r -> Long.toString(r.state().version())));
      BenchSupport.await(pool.close(), 10);
    } finally {
      BenchSupport.await(vertx.close(), 10);
      node.close();
    }
  }

  private static void time(String what, int times, Supplier<Future<String>> action) throws Exception {
    List<Double> millis = new ArrayList<>();
    String result = null;
    for (int i = 0; i < times; i++) {
      long started = System.nanoTime();
      result = BenchSupport.await(action.get(), 120);
      millis.add((System.nanoTime() - started) / 1e6);
    }
    StringBuilder each = new StringBuilder();
    millis.forEach(m -> each.append(String.format(Locale.ROOT, " %.1f", m)));
    System.out.printf(Locale.ROOT, "%s: ms%s; median %.1f ms (result: %s)%n", what, each, BenchSupport.median(millis),
        result);
  }

  private static void summary(String name, List<Restart> restarts, long expectedVersion) {
    if (restarts.isEmpty()) {
      return;
    }
    List<Double> first = new ArrayList<>();
    List<Double> start = new ArrayList<>();
    StringBuilder each = new StringBuilder();
    boolean versionsOk = true;
    int refused = 0;
    for (Restart r : restarts) {
      first.add(r.firstGetMs);
      start.add((double) r.startMs);
      each.append(String.format(Locale.ROOT, " %.1f", r.firstGetMs));
      versionsOk &= r.version == expectedVersion;
      refused += r.refused;
    }
    double median = BenchSupport.median(first);
    System.out.printf(Locale.ROOT, "%s, %d runs: first GET ms%s; median %.1f ms (node start median %.0f ms)%s%s -> %s%n",
        name, restarts.size(), each, median, BenchSupport.median(start), versionsOk ? "" : " WRONG VERSION READ",
        refused == 0 ? "" : ", " + refused + " first GET(s) refused before the load finished",
        median < TARGET_MS && refused == 0 ? "MEETS the target" : "MISSES the target");
  }

  /** The child JVM of a cold restart: start, optionally delete snapshots, time two GETs, stop. */
  public static final class Probe {
    private Probe() {
    }

    public static void main(String[] args) throws Exception {
      Path dataDir = Path.of(args[0]);
      Snapshots snapshots = Snapshots.valueOf(args[1]);
      Vertx clientVertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
      HttpClientAgent client = clientVertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
          new PoolOptions().setHttp1MaxSize(1));
      long started = System.nanoTime();
      Node node = Node.start(BenchSupport.settings(dataDir));
      long startMs = BenchSupport.millisSince(started);
      Restart r;
      try {
        long[] deletedAndTail = prepareSnapshots(node, snapshots);
        r = timeReads(client, node.httpPort(), startMs, deletedAndTail[0], deletedAndTail[1]);
      } finally {
        BenchSupport.await(clientVertx.close(), 10);
        node.close();
      }
      System.out.printf(Locale.ROOT, "PROBE startMs=%d firstGetMs=%.3f secondGetMs=%.3f version=%d deleted=%d tail=%d "
          + "refused=%d%n", r.startMs, r.firstGetMs, r.secondGetMs, r.version, r.deletedSnapshots, r.tail, r.refused);
    }
  }
}
