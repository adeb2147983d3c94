package io.portfoliostate.bench;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import io.portfoliostate.app.Node;
import io.portfoliostate.config.Settings;
import io.portfoliostate.config.SettingsLoader;
import io.portfoliostate.domain.CreatePortfolio;
import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.domain.RecordTrade;
import io.portfoliostate.domain.Side;
import io.portfoliostate.fixtures.TestKeys;
import io.portfoliostate.protocol.CommandEnvelope;
import io.portfoliostate.protocol.CommandOutcome;
import io.portfoliostate.protocol.CommandOutcomes;
import io.portfoliostate.protocol.OwnerRequest;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;

/**
 * What the benchmarks share: options, fresh data folders under {@code target/bench-data}, the
 * node's settings (loopback, any free port, embedded PostgreSQL with fsync on), the machine
 * description, seeding, and the printing of histograms and journal meters.
 */
final class BenchSupport {

  /** Every figure below is in milliseconds; histograms hold microseconds. */
  static final long HISTOGRAM_MAX_MICROS = TimeUnit.SECONDS.toMicros(120);

  /**
   * The header every benchmark client sends: the tests' admin key, which the nodes below
   * register from {@link TestKeys#adminKeyFile()} (the key the service processes read too).
   */
  static final String AUTHORIZATION = "Authorization";
  /** The value of {@link #AUTHORIZATION}. */
  static final String ADMIN_BEARER = "Bearer " + TestKeys.ADMIN;

  private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT);
  private static final Pattern EMBEDDED_PORT = Pattern.compile("\\(port (\\d+)\\)");

  private BenchSupport() {
  }

  /** {@code key=value} arguments, each with a default in the benchmark. */
  static final class Options {
    private final Map<String, String> values = new HashMap<>();

    Options(String[] args) {
      for (String arg : args) {
        int eq = arg.indexOf('=');
        if (eq <= 0) {
          throw new IllegalArgumentException("arguments are key=value, not " + arg);
        }
        values.put(arg.substring(0, eq), arg.substring(eq + 1));
      }
    }

    int integer(String key, int fallback) {
      String value = values.get(key);
      return value == null ? fallback : Integer.parseInt(value.replace("_", ""));
    }

    String string(String key, String fallback) {
      return values.getOrDefault(key, fallback);
    }

    /**
     * Node settings given as {@code set.<dotted.path>=value} (for example
     * {@code set.journal.maxInFlight=4}), to try a configuration without editing conf/.
     */
    JsonObject settingOverrides() {
      return settingOverrides("set.");
    }

    /**
     * The settings of node {@code index} alone (0 is the first started), given as {@code
     * node<index>.set.<dotted.path>=value}: merged over those of every node ({@code set.}).
     */
    JsonObject nodeOverrides(int index) {
      return settingOverrides("node" + index + ".set.");
    }

    private JsonObject settingOverrides(String prefix) {
      JsonObject overrides = new JsonObject();
      values.forEach((key, value) -> {
        if (key.startsWith(prefix)) {
          String[] path = key.substring(prefix.length()).split("\\.");
          JsonObject node = overrides;
          for (int i = 0; i < path.length - 1; i++) {
            JsonObject child = node.getJsonObject(path[i]);
            if (child == null) {
              child = new JsonObject();
              node.put(path[i], child);
            }
            node = child;
          }
          node.put(path[path.length - 1], value.matches("-?\\d+") ? (Object) Long.parseLong(value)
              : value.equals("true") || value.equals("false") ? (Object) Boolean.parseBoolean(value) : value);
        }
      });
      return overrides;
    }

    List<Integer> integers(String key, String fallback) {
      List<Integer> list = new ArrayList<>();
      for (String part : string(key, fallback).split(",")) {
        list.add(Integer.parseInt(part.trim().replace("_", "")));
      }
      return list;
    }
  }

  /** A new folder {@code target/bench-data/<name>-<timestamp>}; nothing is ever deleted. */
  static Path freshDataDir(String name) throws IOException {
    Path dir = Path.of("target", "bench-data", name + "-" + STAMP.format(ZonedDateTime.now()))
        .toAbsolutePath().normalize();
    Path candidate = dir;
    for (int i = 2; Files.exists(candidate); i++) {
      candidate = Path.of(dir + "-" + i);
    }
    Files.createDirectories(candidate);
    return candidate;
  }

  /** The node's default settings, on loopback, any free port, embedded PostgreSQL under {@code dataDir}. */
  static Settings settings(Path dataDir) {
    return settings(dataDir, new JsonObject());
  }

  /**
   * The same, with {@code overrides} merged in first (the data folder, host and port still win).
   * The admin key is the tests' ({@link TestKeys#ADMIN}), unless an override names another file.
   */
  static Settings settings(Path dataDir, JsonObject overrides) {
    JsonObject json = SettingsLoader.loadJson(Map.of());
    withAdminKey(json);
    json.mergeIn(overrides, true);
    json.put("dataDir", dataDir.toString());
    json.getJsonObject("http").put("host", "127.0.0.1").put("port", 0);
    json.getJsonObject("database").putNull("url");
    return Settings.from(json);
  }

  /** Points {@code json}'s nodes at the tests' admin key file, so that {@link #ADMIN_BEARER} opens every route. */
  private static void withAdminKey(JsonObject json) {
    json.getJsonObject("security").put("adminKeyFile", TestKeys.adminKeyFile().toString());
  }

  static Node startNode(Path dataDir) throws Exception {
    return startNode(dataDir, new JsonObject());
  }

  static Node startNode(Path dataDir, JsonObject overrides) throws Exception {
    if (!overrides.isEmpty()) {
      System.out.println("settings overridden: " + overrides.encode());
    }
    long started = System.nanoTime();
    Node node = Node.start(settings(dataDir, overrides));
    System.out.printf("node %s started in %d ms: %s, HTTP on 127.0.0.1:%d%n", node.nodeId(),
        millisSince(started), node.describeDatabase(), node.httpPort());
    return node;
  }

  /**
   * One node, or a cluster of {@code count} nodes in this JVM (each its own Vert.x and Hazelcast
   * member on loopback) sharing the first one's embedded PostgreSQL.
   */
  static List<Node> startNodes(Path dataDir, JsonObject overrides, int count) throws Exception {
    return startNodes(dataDir, overrides, index -> new JsonObject(), count);
  }

  /**
   * The same, node {@code i} with {@code perNode.apply(i)} merged over {@code overrides} (a node's
   * role: {@code analytics.enabled=false} on one of them, say).
   */
  static List<Node> startNodes(Path dataDir, JsonObject overrides, java.util.function.IntFunction<JsonObject> perNode,
      int count) throws Exception {
    if (count <= 1) {
      return List.of(startNode(dataDir, overrides.copy().mergeIn(perNode.apply(0), true)));
    }
    String name = "bench-" + STAMP.format(ZonedDateTime.now());
    List<Integer> ports = io.portfoliostate.fixtures.FreePorts.take(count);
    String members = ports.stream().map(p -> "127.0.0.1:" + p).collect(java.util.stream.Collectors.joining(","));
    List<Node> nodes = new java.util.ArrayList<>();
    for (int i = 0; i < count; i++) {
      JsonObject own = perNode.apply(i);
      if (!own.isEmpty()) {
        System.out.printf("node %d's own settings: %s%n", i, own.encode());
      }
      JsonObject clustered = overrides.copy().mergeIn(own, true).put("cluster", new JsonObject().put("enabled", true)
          .put("name", name).put("host", "127.0.0.1").put("port", ports.get(i)).put("members", members));
      if (i == 0) {
        nodes.add(startNode(dataDir, clustered));
      } else {
        Matcher port = EMBEDDED_PORT.matcher(nodes.get(0).describeDatabase());
        if (!port.find()) {
          throw new IllegalStateException("no embedded port in " + nodes.get(0).describeDatabase());
        }
        JsonObject json = SettingsLoader.loadJson(Map.of());
        withAdminKey(json);
        json.mergeIn(clustered, true);
        json.getJsonObject("http").put("host", "127.0.0.1").put("port", 0);
        json.getJsonObject("database").put("url", io.portfoliostate.persistence.Database.embeddedUri(
            Integer.parseInt(port.group(1))));
        long started = System.nanoTime();
        Node node = Node.start(Settings.from(json));
        System.out.printf("node %s joined in %d ms, HTTP on 127.0.0.1:%d%n", node.nodeId(), millisSince(started),
            node.httpPort());
        nodes.add(node);
      }
    }
    while (!nodes.stream().allMatch(node -> node.shards().settled() && node.shards().members().size() == count)) {
      sleep(50);
    }
    return nodes;
  }

  /** Closes nodes in reverse order of start (the first holds the embedded database). */
  static void closeAll(List<Node> nodes) throws IOException {
    for (int i = nodes.size() - 1; i >= 0; i--) {
      nodes.get(i).close();
    }
  }

  /** A JDBC connection to the node's embedded database (its port is in the description). */
  static Connection jdbc(Node node) throws SQLException {
    Matcher matcher = EMBEDDED_PORT.matcher(node.describeDatabase());
    if (!matcher.find()) {
      throw new IllegalStateException("no embedded port in " + node.describeDatabase());
    }
    return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + matcher.group(1) + "/postgres",
        "postgres", "postgres");
  }

  /** nproc, memory, Java, OS and the time, for the record. */
  static void printMachine(String bench, Options options) {
    String memory = "?";
    String cpu = "?";
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemTotal:")) {
          long kb = Long.parseLong(line.replaceAll("\\D", ""));
          memory = String.format(Locale.ROOT, "%.1f GiB", kb / 1024.0 / 1024.0);
        }
      }
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          cpu = line.substring(line.indexOf(':') + 1).trim();
          break;
        }
      }
    } catch (IOException | RuntimeException e) {
      // Not Linux: the rest of the line still says enough.
    }
    System.out.println("=== " + bench + " " + String.join(" ", options.values.entrySet().stream()
        .map(e -> e.getKey() + "=" + e.getValue()).sorted().toList()));
    System.out.printf("machine: nproc=%d, memory=%s, cpu=%s, java=%s (%s), os=%s %s, heap max=%d MiB, date=%s%n",
        Runtime.getRuntime().availableProcessors(), memory, cpu, System.getProperty("java.version"),
        System.getProperty("java.vm.name"), System.getProperty("os.name"), System.getProperty("os.version"),
        Runtime.getRuntime().maxMemory() >> 20, ZonedDateTime.now());
    System.out.println("code: " + gitDescription());
  }

  /** The commit measured, and the files that differ from it (other people edit this tree too). */
  private static String gitDescription() {
    try {
      Process head = new ProcessBuilder("git", "log", "-1", "--format=%h %s").redirectErrorStream(true).start();
      String commit = new String(head.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
      Process status = new ProcessBuilder("git", "status", "--porcelain", "--untracked-files=no")
          .redirectErrorStream(true).start();
      String changed = new String(status.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
          .trim().replaceAll("\\s*\\n\\s*", ", ");
      head.waitFor(10, TimeUnit.SECONDS);
      status.waitFor(10, TimeUnit.SECONDS);
      return "commit " + commit + (changed.isEmpty() ? " (no tracked file changed)" : "; changed since: " + changed)
          + "; compiled by this run's test-compile";
    } catch (IOException | RuntimeException e) {
      return "unknown (" + e + ")";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "unknown (interrupted)";
    }
  }

  /**
   * A load generator's Vert.x with {@code loops} event loops on {@code transport}: {@code native}
   * (the OS's native transport, epoll on Linux, as a node runs by default), {@code io_uring} or
   * {@code nio}. Vert.x falls back to NIO when the one asked for cannot load: {@link #transport} says.
   */
  static Vertx vertx(int loops, String transport) {
    io.vertx.core.transport.Transport wanted = switch (transport) {
      case "native" -> io.vertx.core.transport.Transport.nativeTransport();
      case "io_uring" -> io.vertx.core.transport.Transport.IO_URING;
      case "nio" -> io.vertx.core.transport.Transport.NIO;
      default -> throw new IllegalArgumentException("transport: native, io_uring or nio, not " + transport);
    };
    return Vertx.builder().with(new io.vertx.core.VertxOptions().setEventLoopPoolSize(loops)
        .setPreferNativeTransport(!transport.equals("nio"))).withTransport(wanted).build();
  }

  /** The network transport {@code vertx} runs on, as Vert.x names it ({@code epoll}, {@code io_uring}, {@code nio}), and why not native if it fell back. */
  static String transport(Vertx vertx) {
    io.vertx.core.spi.transport.Transport running = ((io.vertx.core.internal.VertxInternal) vertx).transport();
    for (io.vertx.core.transport.Transport known : java.util.Arrays.asList(io.vertx.core.transport.Transport.EPOLL,
        io.vertx.core.transport.Transport.IO_URING, io.vertx.core.transport.Transport.KQUEUE)) {
      if (known != null && known.available() && known.implementation() == running) {
        return known.name();
      }
    }
    Throwable cause = vertx.unavailableNativeTransportCause();
    return "nio" + (cause == null ? "" : " (native unavailable: " + cause.getMessage() + ")");
  }

  static long millisSince(long startedNanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
  }

  static <T> T await(Future<T> future, long seconds) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(seconds, TimeUnit.SECONDS);
  }

  static PortfolioId portfolio(int i) {
    return PortfolioId.of("bench-" + i);
  }

  static InstrumentId[] instruments(int count) {
    InstrumentId[] ids = new InstrumentId[count];
    for (int i = 0; i < count; i++) {
      ids[i] = InstrumentId.of("INS" + i);
    }
    return ids;
  }

  /** A trade with a unique id: a random instrument, side, quantity (1-100) and price (10.00-210.00). */
  static RecordTrade randomTrade(PortfolioId portfolio, String tradeId, InstrumentId[] instruments) {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    return new RecordTrade(portfolio, tradeId, instruments[random.nextInt(instruments.length)],
        random.nextBoolean() ? Side.BUY : Side.SELL, BigDecimal.valueOf(1 + random.nextInt(100)),
        BigDecimal.valueOf(1000 + random.nextInt(20_000), 2), null, null, null, null);
  }

  /** Posts a USD price for every instrument over the node's HTTP API (so reads are valued). */
  static void postPrices(Node node, InstrumentId[] instruments) throws Exception {
    postPrices(node.httpPort(), instruments);
  }

  /** Posts a USD price for every instrument to the HTTP API on {@code port}. */
  static void postPrices(int port, InstrumentId[] instruments) throws Exception {
    io.vertx.core.json.JsonArray ticks = new io.vertx.core.json.JsonArray();
    for (InstrumentId instrument : instruments) {
      ticks.add(new JsonObject().put("instrumentId", instrument.value()).put("currency", "USD")
          .put("price", (100 + ThreadLocalRandom.current().nextInt(10_000)) + "." + ThreadLocalRandom.current().nextInt(100)));
    }
    java.net.http.HttpResponse<String> answer = java.net.http.HttpClient.newHttpClient().send(
        java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/api/v1/prices"))
            .header("Content-Type", "application/json").header(AUTHORIZATION, ADMIN_BEARER)
            .POST(java.net.http.HttpRequest.BodyPublishers.ofString(ticks.encode())).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
    if (answer.statusCode() / 100 != 2) {
      throw new IllegalStateException("posting prices failed: " + answer.statusCode() + " " + answer.body());
    }
    System.out.printf("posted prices for %,d instruments%n", instruments.length);
  }

  /** How many outcomes of a reply say "recorded now" (not replayed, not refused). */
  static int recorded(CommandOutcomes outcomes) {
    int n = 0;
    for (CommandOutcome outcome : outcomes.outcomes()) {
      if (outcome instanceof CommandOutcome.Recorded && !((CommandOutcome.Recorded) outcome).replay()) {
        n++;
      }
    }
    return n;
  }

  /** Creates portfolios bench-0 .. bench-(count-1) through the in-process API, 500 at a time. */
  static void createPortfolios(Node node, int count) throws Exception {
    long started = System.nanoTime();
    Promise<Void> done = Promise.promise();
    AtomicInteger next = new AtomicInteger();
    AtomicInteger finished = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    Vertx vertx = node.vertx();
    vertx.getOrCreateContext().runOnContext(v -> {
      for (int i = 0; i < Math.min(500, count); i++) {
        createNext(node, count, next, finished, failed, done);
      }
    });
    await(done.future(), 300);
    if (failed.get() > 0) {
      throw new IllegalStateException(failed.get() + " portfolios were not created");
    }
    System.out.printf("created %,d portfolios in %d ms%n", count, millisSince(started));
  }

  private static void createNext(Node node, int count, AtomicInteger next, AtomicInteger finished,
      AtomicInteger failed, Promise<Void> done) {
    int i = next.getAndIncrement();
    if (i >= count) {
      return;
    }
    PortfolioId id = portfolio(i);
    CreatePortfolio create = new CreatePortfolio(id, "Bench " + i, CurrencyCode.USD, null, null, null, null);
    node.owners().<CommandOutcomes>request(new OwnerRequest.Execute(id, List.of(CommandEnvelope.of(create))))
        .onComplete(result -> {
          if (result.failed() || recorded(result.result()) != 1) {
            failed.incrementAndGet();
          }
          if (finished.incrementAndGet() == count) {
            done.complete();
          } else {
            createNext(node, count, next, finished, failed, done);
          }
        });
  }

  /** One line: count, p50, p90, p99, p99.9, max (ms), from a histogram of microseconds. */
  static String latencyLine(Histogram h) {
    return String.format(Locale.ROOT, "n=%,d p50=%.3f p90=%.3f p99=%.3f p99.9=%.3f max=%.3f ms",
        h.getTotalCount(), ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(90)),
        ms(h.getValueAtPercentile(99)), ms(h.getValueAtPercentile(99.9)), ms(h.getMaxValue()));
  }

  static double ms(long micros) {
    return micros / 1000.0;
  }

  /** The journal writer's own meters: rows per transaction and commit time. */
  static final class JournalMeters {
    final long batches;
    final double rows;
    final long commits;
    final double commitMillis;

    private JournalMeters(long batches, double rows, long commits, double commitMillis) {
      this.batches = batches;
      this.rows = rows;
      this.commits = commits;
      this.commitMillis = commitMillis;
    }

    static JournalMeters read(Node node) {
      DistributionSummary summary = node.registry().find("pstate.journal.batch.rows").summary();
      Timer commit = node.registry().find("pstate.journal.commit").timer();
      return new JournalMeters(summary == null ? 0 : summary.count(), summary == null ? 0 : summary.totalAmount(),
          commit == null ? 0 : commit.count(), commit == null ? 0 : commit.totalTime(TimeUnit.MILLISECONDS));
    }

    /** The batches written between {@code before} and this reading. */
    String since(JournalMeters before) {
      long n = batches - before.batches;
      double r = rows - before.rows;
      long c = commits - before.commits;
      double t = commitMillis - before.commitMillis;
      return String.format(Locale.ROOT, "journal: %,d transactions, %,.0f rows, mean %.1f rows/transaction, "
          + "mean commit %.2f ms", n, r, n == 0 ? 0 : r / n, c == 0 ? 0 : t / c);
    }
  }

  /**
   * The {@code pstate.journal.batch.rows} distribution as Micrometer keeps it: count, mean, max
   * and its published percentiles (which cover roughly the last two minutes).
   */
  static void printJournalDistribution(Node node) {
    DistributionSummary summary = node.registry().find("pstate.journal.batch.rows").summary();
    Timer commit = node.registry().find("pstate.journal.commit").timer();
    if (summary == null) {
      System.out.println("pstate.journal.batch.rows: not registered");
      return;
    }
    HistogramSnapshot rows = summary.takeSnapshot();
    StringBuilder line = new StringBuilder(String.format(Locale.ROOT,
        "pstate.journal.batch.rows (whole run): count=%,d total=%,.0f mean=%.1f max(recent)=%.0f",
        rows.count(), rows.total(), rows.mean(), rows.max()));
    for (ValueAtPercentile p : rows.percentileValues()) {
      line.append(String.format(Locale.ROOT, " p%s(recent)=%.0f", trim(p.percentile() * 100), p.value()));
    }
    System.out.println(line);
    if (commit != null) {
      HistogramSnapshot times = commit.takeSnapshot();
      StringBuilder c = new StringBuilder(String.format(Locale.ROOT,
          "pstate.journal.commit (whole run): count=%,d mean=%.2f ms max(recent)=%.2f ms",
          times.count(), times.mean(TimeUnit.MILLISECONDS), times.max(TimeUnit.MILLISECONDS)));
      for (ValueAtPercentile p : times.percentileValues()) {
        c.append(String.format(Locale.ROOT, " p%s(recent)=%.2f ms", trim(p.percentile() * 100),
            p.value(TimeUnit.MILLISECONDS)));
      }
      System.out.println(c);
    }
  }

  private static String trim(double value) {
    return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
  }

  static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(Double::compare);
    int n = sorted.size();
    return n == 0 ? Double.NaN : n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  /**
   * CPU used during an interval, from /proc: by the whole machine, by this JVM, and by the
   * node's embedded PostgreSQL (the postmaster named in {@code pg/postmaster.pid} and its
   * children). What is left is other processes on the same cores, which this machine shares:
   * a figure measured while others took half the CPU is not the service's ceiling.
   */
  static final class CpuMeter {
    private final Path postmasterPid;
    private long[] machine;
    private long jvm;
    private long postgres;
    private long started;
    private Map<String, Long> threads;

    CpuMeter(Path dataDir) {
      this.postmasterPid = dataDir.resolve("pg").resolve("postmaster.pid");
    }

    /** Starts an interval. */
    CpuMeter start() {
      machine = machineTicks();
      jvm = processTicks(ProcessHandle.current().pid());
      postgres = postgresTicks();
      threads = threadTicks();
      started = System.nanoTime();
      return this;
    }

    /**
     * This JVM's CPU per thread group since {@link #start} (digits folded, names cut to 15
     * characters by Linux), the biggest first: event loops, GC, JIT, the load generator.
     */
    String threadReport() {
      double seconds = (System.nanoTime() - started) / 1e9;
      Map<String, Long> now = threadTicks();
      Map<String, Double> groups = new HashMap<>();
      now.forEach((key, ticks) -> {
        String group = key.substring(key.indexOf(' ') + 1).replaceAll("\\d+", "N");
        groups.merge(group, (ticks - threads.getOrDefault(key, 0L)) / 100.0 / seconds, Double::sum);
      });
      StringBuilder line = new StringBuilder("jvm threads (cores):");
      groups.entrySet().stream().filter(e -> e.getValue() >= 0.005)
          .sorted((a, b) -> Double.compare(b.getValue(), a.getValue()))
          .forEach(e -> line.append(String.format(Locale.ROOT, " %s=%.2f", e.getKey(), e.getValue())));
      return line.toString();
    }

    /** "tid name" → utime + stime of every thread of this JVM. */
    private static Map<String, Long> threadTicks() {
      Map<String, Long> ticks = new HashMap<>();
      try (var tasks = Files.list(Path.of("/proc/self/task"))) {
        tasks.forEach(task -> {
          try {
            String stat = Files.readString(task.resolve("stat"));
            String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            ticks.put(task.getFileName() + " " + name, Long.parseLong(f[11]) + Long.parseLong(f[12]));
          } catch (IOException | RuntimeException e) {
            // The thread ended meanwhile.
          }
        });
      } catch (IOException | RuntimeException e) {
        // Not Linux.
      }
      return ticks;
    }

    /** The interval since {@link #start}, in cores busy (2.0 = both cores of a 2-core machine). */
    String report() {
      double[] c = cores();
      return String.format(Locale.ROOT, "cpu: machine %.2f of %.2f cores busy (JVM %.2f, PostgreSQL %.2f, "
          + "other processes %.2f), load average %s", c[0], c[1], c[2], c[3], Math.max(0, c[0] - c[2] - c[3]),
          loadAverage());
    }

    /** {machine busy, machine total, this JVM, PostgreSQL}, in cores, since {@link #start}. */
    double[] cores() {
      double seconds = (System.nanoTime() - started) / 1e9;
      long[] now = machineTicks();
      double hz = 100.0;
      return new double[] {(now[0] - machine[0]) / hz / seconds, (now[1] - machine[1]) / hz / seconds,
          (processTicks(ProcessHandle.current().pid()) - jvm) / hz / seconds, (postgresTicks() - postgres) / hz / seconds};
    }

    /** Cores used since {@link #start} by this JVM's threads whose name starts with {@code prefix}. */
    double threadCores(String prefix) {
      double seconds = (System.nanoTime() - started) / 1e9;
      double sum = 0;
      for (Map.Entry<String, Long> e : threadTicks().entrySet()) {
        if (e.getKey().substring(e.getKey().indexOf(' ') + 1).startsWith(prefix)) {
          sum += (e.getValue() - threads.getOrDefault(e.getKey(), 0L)) / 100.0 / seconds;
        }
      }
      return sum;
    }

    static String loadAverage() {
      try {
        String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
        return parts[0] + " " + parts[1] + " " + parts[2];
      } catch (IOException | RuntimeException e) {
        return "?";
      }
    }

    /** {busy, total} ticks of all CPUs. */
    private static long[] machineTicks() {
      try {
        String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
        long total = 0;
        for (int i = 1; i < f.length && i <= 8; i++) {
          total += Long.parseLong(f[i]);
        }
        long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
        return new long[] {total - idle, total};
      } catch (IOException | RuntimeException e) {
        return new long[] {0, 0};
      }
    }

    /** utime + stime of one process (its exited children not included). */
    private static long processTicks(long pid) {
      try {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
      } catch (IOException | RuntimeException e) {
        return 0;
      }
    }

    private long postgresTicks() {
      try {
        long pid = Long.parseLong(Files.readAllLines(postmasterPid).get(0).trim());
        long ticks = processTicks(pid);
        for (ProcessHandle child : ProcessHandle.of(pid).map(p -> p.descendants().toList()).orElse(List.of())) {
          ticks += processTicks(child.pid());
        }
        return ticks;
      } catch (IOException | RuntimeException e) {
        return 0;
      }
    }
  }

  /** Sleeps without the checked exception noise. */
  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
