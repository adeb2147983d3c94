package io.portfoliostate.bench;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;
import org.slf4j.LoggerFactory;

/**
 * LiveBench's timeline of the latency phase (issue 14, {@code timeline=<folder>}): what made the
 * tail in one run, on one clock. Everything is stamped with {@link System#nanoTime} (the server,
 * the clients' JVM and the store share CLOCK_MONOTONIC) and the GC log's wall-clock times are
 * brought onto it.
 *
 * <ul>
 *   <li>{@code client.csv}: per 100 ms window of arrival at the clients, the copies received, the
 *       p50, p99 and max latency from COMMIT (µs), and how many copies were at or over the
 *       phase's p99 ({@link Windows}, in the clients' JVM);
 *   <li>{@code cpu.csv}: every 100 ms, the CPU time so far of each thread of the server JVM (its
 *       {@code schedstat}) and of each PostgreSQL process, with the backend's last query (from
 *       {@code pg_stat_activity}) as its label ({@link Sampler});
 *   <li>{@code work.log}: the analytics store's work, one line each (feed reads and appends,
 *       refresh steps: {@code io.portfoliostate.analytics.work} at DEBUG);
 *   <li>the GC log given with {@code -Xlog:gc,safepoint:file=<log>:time,uptime} (its pauses and
 *       safepoints), read where the JVM wrote it.
 * </ul>
 *
 * <p>{@code autovacuum=off} (with {@code timeline=}) turns PostgreSQL's autovacuum off for
 * {@code portfolio_events} and {@code holdings} in the run's database when the phase starts: an
 * experiment (was the episode at a fixed point of the phase the journal's autovacuum?), not a
 * setting of the service.
 *
 * <p>{@link #attribute} then takes the windows that hold the copies over the phase's p99, joins
 * neighbours into episodes, and prints for each what coincided with it: between the oldest COMMIT
 * of a late copy and the last arrival, the GC pauses and safepoints, the store's work, the cores
 * each group of server threads and PostgreSQL used, against the phase's average.
 */
final class LiveTimeline implements AutoCloseable {

  static final long WINDOW_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  private final Path folder;
  private final Sampler sampler;
  private final List<String> work = java.util.Collections.synchronizedList(new ArrayList<>());
  private final AppenderBase<ILoggingEvent> workAppender;
  /** Wall-clock epoch nanoseconds minus {@link System#nanoTime}, to bring the GC log's times onto the clock. */
  private final long epochOffset;
  private final long began = System.nanoTime();

  private LiveTimeline(Path folder, Path postgresData, String jdbcUrl, long clientPid) throws IOException {
    this.folder = Files.createDirectories(folder);
    epochOffset = System.currentTimeMillis() * 1_000_000 - System.nanoTime();
    ch.qos.logback.classic.Logger logger =
        (ch.qos.logback.classic.Logger) LoggerFactory.getLogger("io.portfoliostate.analytics.work");
    workAppender = new AppenderBase<>() {
      @Override
      protected void append(ILoggingEvent event) {
        work.add(event.getFormattedMessage());
      }
    };
    workAppender.setContext(logger.getLoggerContext());
    workAppender.start();
    logger.addAppender(workAppender);
    logger.setAdditive(false);
    logger.setLevel(Level.DEBUG);
    sampler = new Sampler(postgresData, jdbcUrl, clientPid);
  }

  /** Starts the timeline of a phase when {@code timeline=<folder>} is given (else null). */
  static LiveTimeline start(BenchSupport.Options options, Path dataDir, io.portfoliostate.app.Node node,
      long clientPid) throws Exception {
    String folder = options.string("timeline", "");
    if (folder.isEmpty()) {
      return null;
    }
    Path pid;
    try (var files = Files.walk(dataDir, 5)) {
      pid = files.filter(p -> p.getFileName().toString().equals("postmaster.pid")).findFirst().orElse(null);
    }
    Matcher port = Pattern.compile("\\(port (\\d+)\\)").matcher(node.describeDatabase());
    String url = port.find() ? "jdbc:postgresql://127.0.0.1:" + port.group(1) + "/postgres" : null;
    if (url != null && options.string("autovacuum", "on").equals("off")) {
      // An experiment, not a setting: is the journal's autovacuum what the episode at a fixed
      // point of the phase is? Off for the tables it was seen on, for this run's database only.
      try (Connection connection = DriverManager.getConnection(url, "postgres", "postgres");
          Statement statement = connection.createStatement()) {
        for (String table : List.of("portfolio_events", "holdings")) {
          statement.execute("ALTER TABLE " + table + " SET (autovacuum_enabled = false)");
        }
      }
      System.out.println("timeline: autovacuum off for portfolio_events and holdings");
    }
    LiveTimeline timeline = new LiveTimeline(Path.of(folder), pid, url, clientPid);
    timeline.sampler.registry = node.registry();
    commits = new Windows();
    return timeline;
  }

  /**
   * Ends the timeline of the phase that ran from {@code from} to {@code to} (nanoTime): writes
   * the files, asks the clients for theirs, and prints the attribution.
   */
  void finish(LiveBench.ClientSide clients, long from, long to) throws Exception {
    sampler.close();
    Windows replies = commits;
    commits = null;
    replies.write(folder.resolve("commits.csv"), Long.MAX_VALUE);
    ch.qos.logback.classic.Logger logger =
        (ch.qos.logback.classic.Logger) LoggerFactory.getLogger("io.portfoliostate.analytics.work");
    logger.detachAppender(workAppender);
    logger.setLevel(Level.WARN);
    Files.write(folder.resolve("work.log"), new ArrayList<>(work));
    Files.write(folder.resolve("cpu.csv"), sampler.lines);
    Path client = folder.resolve("client.csv");
    clients.timeline(client.toAbsolutePath());
    Files.writeString(folder.resolve("phase.txt"), from + " " + to + " " + epochOffset + "\n");
    Path gc = gcLog();
    String report = attribute(folder, from, to, epochOffset, gc != null ? gc : folder.resolve("gc.log"));
    Files.writeString(folder.resolve("attribution.txt"), report);
    System.out.print(report);
  }

  /**
   * The attribution of a timeline's folder again, from its files ({@code phase.txt} and the
   * others; the GC log as {@code gc.log} there unless a second argument names it), without a run.
   */
  public static void main(String[] args) throws IOException {
    Path folder = Path.of(args[0]);
    String[] phase = Files.readString(folder.resolve("phase.txt")).trim().split(" ");
    System.out.print(attribute(folder, Long.parseLong(phase[0]), Long.parseLong(phase[1]), Long.parseLong(phase[2]),
        args.length > 1 ? Path.of(args[1]) : folder.resolve("gc.log")));
  }

  @Override
  public void close() {
    sampler.close();
  }

  /** The commits' latencies (intended send -> reply after COMMIT) per 100 ms window of reply, while a timeline runs. */
  static volatile Windows commits;

  /** Records one commit's reply ({@code LiveBench.Trades}): nothing unless a timeline runs. */
  static void committed(long repliedNanos, long nanos) {
    Windows windows = commits;
    if (windows != null) {
      windows.record(repliedNanos, nanos / 1000);
    }
  }

  // --- the clients' side --------------------------------------------------------------------

  /** Per 100 ms window of arrival (nanoTime), the latencies from COMMIT (µs) of the copies that arrived in it. */
  static final class Windows {
    private final TreeMap<Long, Histogram> windows = new TreeMap<>();

    synchronized void record(long arrivedNanos, long micros) {
      windows.computeIfAbsent(Math.floorDiv(arrivedNanos, WINDOW_NANOS),
          w -> new Histogram(BenchSupport.HISTOGRAM_MAX_MICROS, 2)).recordValue(micros);
    }

    synchronized void reset() {
      windows.clear();
    }

    /**
     * Writes {@code client.csv}: the first line {@code threshold,<µs>} (the phase's p99), then
     * per window its start (nanoTime), copies, p50, p99, max (µs) and the copies at or over the threshold.
     */
    synchronized void write(Path file, long threshold) throws IOException {
      List<String> lines = new ArrayList<>();
      lines.add("threshold," + threshold);
      for (Map.Entry<Long, Histogram> window : windows.entrySet()) {
        Histogram h = window.getValue();
        long over = h.getMaxValue() < threshold ? 0 : h.getCountBetweenValues(threshold, h.getMaxValue());
        lines.add(window.getKey() * WINDOW_NANOS + "," + h.getTotalCount() + "," + h.getValueAtPercentile(50) + ","
            + h.getValueAtPercentile(99) + "," + h.getMaxValue() + "," + over);
      }
      Files.write(file, lines);
    }
  }

  // --- the server's side: per-thread and PostgreSQL CPU -------------------------------------

  /**
   * Every 100 ms on a thread of its own ({@code live-timeline}): each server thread's CPU so far
   * ({@code /proc/self/task/<tid>/schedstat}, nanoseconds) and each PostgreSQL process's, the
   * backends labelled with their last query ({@code pg_stat_activity}, one JDBC connection of its
   * own; its own backend is labelled {@code sampler}). Lines of {@code cpu.csv}: {@code
   * nanoTime,jvm|pg,id,name,cpuNanos}.
   */
  static final class Sampler implements AutoCloseable {
    final List<String> lines = java.util.Collections.synchronizedList(new ArrayList<>());
    private final Thread thread;
    private volatile boolean stopped;
    private final Path postgresData;
    private final String url;
    /** The clients' JVM (-1: none of its own): its threads are sampled too ({@code cli}). */
    private final long clientPid;
    /** The node's meters: the hub's stage timers ({@code pstate.live.stage}), sampled as {@code stage} lines. */
    volatile io.micrometer.core.instrument.MeterRegistry registry;

    Sampler(Path postgresData, String url, long clientPid) {
      this.postgresData = postgresData;
      this.url = url;
      this.clientPid = clientPid;
      thread = new Thread(this::run, "live-timeline");
      thread.setDaemon(true);
      thread.start();
    }

    private void run() {
      Connection connection = null;
      try {
        if (url != null) {
          connection = DriverManager.getConnection(url, "postgres", "postgres");
        }
      } catch (Exception e) {
        System.out.println("timeline: no pg_stat_activity (" + e + ")");
      }
      long postmaster = postmaster();
      List<Long> processes = List.of();
      long rescanned = 0;
      long next = System.nanoTime();
      while (!stopped) {
        long now = System.nanoTime();
        // Every sample: a short-lived backend (an autovacuum worker) is seen; every second, every
        // process of the machine, to name what else took the cores.
        processes = children(postmaster);
        if (now - rescanned > TimeUnit.SECONDS.toNanos(1)) {
          everyProcess(now);
          rescanned = now;
        }
        sample(now, connection, processes);
        next += WINDOW_NANOS;
        long sleep = next - System.nanoTime();
        if (sleep > 0) {
          try {
            TimeUnit.NANOSECONDS.sleep(sleep);
          } catch (InterruptedException e) {
            break;
          }
        } else {
          next = System.nanoTime();
        }
      }
      if (connection != null) {
        try {
          connection.close();
        } catch (Exception e) {
          // closing
        }
      }
    }

    private void sample(long now, Connection connection, List<Long> processes) {
      threads(now, "jvm", Path.of("/proc/self/task"));
      machine(now);
      disk(now);
      stages(now);
      if (clientPid > 0) {
        threads(now, "cli", Path.of("/proc", Long.toString(clientPid), "task"));
      }
      Map<Long, String> queries = new HashMap<>();
      if (connection != null) {
        try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(
            "SELECT pid, pid = pg_backend_pid() AS self, regexp_replace(left(query, 70), '[\\s,]+', ' ', 'g'), "
                + "backend_type = 'autovacuum worker' FROM pg_stat_activity "
                + "WHERE backend_type IN ('client backend', 'autovacuum worker')")) {
          while (rows.next()) {
            // An autovacuum worker is PostgreSQL's own (pg-aux), named by the table it works on.
            queries.put(rows.getLong(1), rows.getBoolean(2) ? "sampler"
                : rows.getBoolean(4) ? "aux " + rows.getString(3) : rows.getString(3));
          }
        } catch (Exception e) {
          // a sample without labels
        }
      }
      for (long pid : processes) {
        try {
          Path proc = Path.of("/proc", Long.toString(pid));
          long cpu = Long.parseLong(Files.readString(proc.resolve("schedstat")).split(" ")[0]);
          String name = queries.get(pid);
          if (name == null) {
            // Not a client backend: the process title says which (walwriter, checkpointer, ...).
            name = Files.readString(proc.resolve("cmdline")).replace('\0', ' ').trim().replace(',', ' ');
            name = "aux " + name.replaceFirst("^postgres: ", "");
          }
          lines.add(now + ",pg," + pid + "," + name + "," + cpu);
        } catch (IOException | RuntimeException gone) {
          // the backend ended
        }
      }
    }

    /**
     * The whole machine's CPU so far ({@code /proc/stat}, all cores, in nanoseconds): {@code
     * sys,busy} (user, nice, system, irq, softirq) and {@code sys,steal}: against the sum of the
     * processes sampled, what other processes of the machine took.
     */
    private void machine(long now) {
      long[] machine = LiveBench.machineNanos();
      if (machine[0] >= 0) {
        lines.add(now + ",sys,busy,busy," + machine[0]);
        lines.add(now + ",sys,steal,steal," + machine[1]);
      }
    }

    /**
     * The disks' writes so far ({@code /proc/diskstats}, whole disks): {@code disk,<name>,written,
     * <sectors>} and {@code disk,<name>,busy,<ms doing I/O>}; PostgreSQL's journal fsyncs and the
     * store's files share them.
     */
    private void disk(long now) {
      try {
        for (String line : Files.readAllLines(Path.of("/proc/diskstats"))) {
          String[] f = line.trim().split("\\s+");
          if (f.length > 12 && f[2].matches("(vd|sd|nvme\\d+n)[a-z0-9]*") && !f[2].matches(".*[a-z]\\d+$|.*p\\d+$")
              && Long.parseLong(f[7]) > 0) {
            lines.add(now + ",disk," + f[2] + ",written," + f[9]);
            lines.add(now + ",disk," + f[2] + ",busy," + f[12]);
          }
        }
      } catch (IOException | RuntimeException e) {
        // not Linux
      }
    }

    /** Each hub stage's samples and total time so far: {@code stage,<name>,count,<totalNanos>}. */
    private void stages(long now) {
      var meters = registry;
      if (meters == null) {
        return;
      }
      for (io.micrometer.core.instrument.Timer timer : meters.find("pstate.live.stage").timers()) {
        String stage = timer.getId().getTag("stage");
        lines.add(now + ",stage," + stage + "," + timer.count() + "," + (long) timer.totalTime(TimeUnit.NANOSECONDS));
      }
    }

    private void threads(long now, String kind, Path folder) {
      try (var tasks = Files.newDirectoryStream(folder)) {
        for (Path task : tasks) {
          try {
            String name = Files.readString(task.resolve("comm")).trim();
            long cpu = Long.parseLong(Files.readString(task.resolve("schedstat")).split(" ")[0]);
            lines.add(now + "," + kind + "," + task.getFileName() + "," + name.replace(',', ' ') + "," + cpu);
          } catch (IOException | RuntimeException gone) {
            // the thread ended
          }
        }
      } catch (IOException e) {
        // the process ended
      }
    }

    private long postmaster() {
      try {
        return postgresData == null ? -1 : Long.parseLong(Files.readAllLines(postgresData).get(0).trim());
      } catch (IOException | RuntimeException e) {
        return -1;
      }
    }

    /**
     * Every process's CPU so far ({@code utime + stime} of {@code /proc/<pid>/stat}, in clock
     * ticks of 10 ms), as {@code proc} lines: the machine's other processes, by name.
     */
    private void everyProcess(long now) {
      try (var procs = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().matches("\\d+"))) {
        for (Path proc : procs) {
          try {
            String stat = Files.readString(proc.resolve("stat"));
            String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replace(',', ' ');
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
            lines.add(now + ",proc," + proc.getFileName() + "," + name + "," + ticks * 10_000_000L);
          } catch (IOException | RuntimeException gone) {
            // ended
          }
        }
      } catch (IOException e) {
        // no /proc
      }
    }

    /** The postmaster and its children (the backends and PostgreSQL's own processes). */
    private static List<Long> children(long postmaster) {
      List<Long> found = new ArrayList<>();
      if (postmaster < 0) {
        return found;
      }
      found.add(postmaster);
      try {
        for (String child : Files.readString(Path.of("/proc", Long.toString(postmaster), "task",
            Long.toString(postmaster), "children")).trim().split(" ")) {
          if (!child.isEmpty()) {
            found.add(Long.parseLong(child));
          }
        }
        return found;
      } catch (IOException | RuntimeException e) {
        // no children file: scan
      }
      try (var procs = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().matches("\\d+"))) {
        for (Path proc : procs) {
          try {
            String stat = Files.readString(proc.resolve("stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            if (Long.parseLong(fields[1]) == postmaster) {
              found.add(Long.parseLong(proc.getFileName().toString()));
            }
          } catch (IOException | RuntimeException gone) {
            // ended
          }
        }
      } catch (IOException e) {
        // no /proc
      }
      return found;
    }

    @Override
    public void close() {
      stopped = true;
      try {
        thread.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  // --- the attribution ----------------------------------------------------------------------

  /** A span of the clock (nanoTime) with a kind and a figure (a pause's or a step's length, rows). */
  record Span(String kind, long from, long to, long figure) {
    long overlap(long a, long b) {
      return Math.max(0, Math.min(to, b) - Math.max(from, a));
    }
  }

  /** The group a server thread's CPU counts in, by its name (Linux keeps 15 characters). */
  static String group(String name) {
    if (name.startsWith("vert.x-eventloo")) {
      return "loops";
    }
    if (name.startsWith("GC Thread") || name.equals("VM Thread")) {
      return "gc+vm";
    }
    if (name.startsWith("pstate-feed")) {
      return "feed";
    }
    if (name.startsWith("pstate-series")) {
      return "series";
    }
    if (name.startsWith("pstate-duckdb")) {
      return "duckdb";
    }
    if (name.startsWith("vert.x-worker") || name.startsWith("vert.x-internal")) {
      return "workers";
    }
    if (name.startsWith("C1 Compiler") || name.startsWith("C2 Compiler")) {
      return "jit";
    }
    if (name.startsWith("live-timeline") || name.startsWith("live-bench")) {
      return "bench";
    }
    return "other";
  }

  /** The label a PostgreSQL process's CPU counts under: what the store reads, the journal, the rest. */
  static String pgGroup(String name) {
    if (name.startsWith("aux ")) {
      return "pg-aux";
    }
    // The label keeps the query's first 70 characters: the feed's read (ChangeStreamStore.NEXT) by its start.
    if (name.startsWith("SELECT e.tx::text AS tx_text")) {
      return "pg-feed";
    }
    if (name.contains("market_seq") || name.contains("pg_snapshot_xmin") && !name.contains("portfolio_events")
        || name.contains("FROM prices") || name.contains("FROM fx_rates")) {
      return "pg-market";
    }
    if (name.equals("sampler")) {
      return "pg-sampler";
    }
    // The write path: the journal's transactions (their commits, WAL flushes included) and its statements.
    if (name.equals("COMMIT") || name.equals("BEGIN") || name.startsWith("INSERT INTO portfolio_events")
        || name.startsWith("INSERT INTO holdings") || name.contains("pg_advisory_xact_lock")) {
      return "pg-journal";
    }
    return "pg-other";
  }

  private static final String[] GROUPS =
      {"loops", "gc+vm", "feed", "series", "duckdb", "workers", "jit", "bench", "other", "pg-journal", "pg-feed",
          "pg-market", "pg-other", "pg-aux", "pg-sampler", "cli-loops", "cli-gc+vm", "cli-jit", "cli-other", "machine-busy", "machine-steal"};
  private static final String[] WORK_KINDS =
      {"feed.read", "feed.append", "series.refresh", "series.market", "series.load", "series.write"};

  /** The GC log's path from this JVM's {@code -Xlog:...:file=<path>...}, or null. */
  static Path gcLog() {
    for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      Matcher file = Pattern.compile("^-Xlog:.*file=([^:]+)").matcher(arg);
      if (file.find()) {
        return Path.of(file.group(1));
      }
    }
    return null;
  }

  private static final Pattern LOG_TIME = Pattern.compile("^\\[([^\\]]+)\\](\\[[\\d.]+s\\])?");
  private static final Pattern PAUSE = Pattern.compile("GC\\(\\d+\\) Pause .* ([\\d.]+)ms$");
  private static final Pattern SAFEPOINT =
      Pattern.compile("Safepoint \"(\\w+)\", .*Reaching safepoint: (\\d+) ns.* Total: (\\d+) ns");
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSxx");

  /** The GC pauses and safepoints of the log, on the clock; a line's time is its end. */
  static List<Span> pauses(Path log, long epochOffset) throws IOException {
    List<Span> spans = new ArrayList<>();
    if (log == null || !Files.exists(log)) {
      return spans;
    }
    for (String line : Files.readAllLines(log)) {
      Matcher time = LOG_TIME.matcher(line);
      if (!time.find()) {
        continue;
      }
      OffsetDateTime at;
      try {
        at = OffsetDateTime.parse(time.group(1), TIME);
      } catch (RuntimeException e) {
        continue;
      }
      long end = at.toInstant().getEpochSecond() * 1_000_000_000L + at.toInstant().getNano() - epochOffset;
      Matcher pause = PAUSE.matcher(line);
      Matcher safepoint = SAFEPOINT.matcher(line);
      if (pause.find()) {
        long length = (long) (Double.parseDouble(pause.group(1)) * 1e6);
        spans.add(new Span("gc", end - length, end, length));
      } else if (safepoint.find()) {
        long total = Long.parseLong(safepoint.group(3));
        spans.add(new Span("safepoint " + safepoint.group(1), end - total, end, total));
      }
    }
    return spans;
  }

  /** The store's work of {@code work.log}, on the clock. */
  static List<Span> work(Path folder) throws IOException {
    List<Span> spans = new ArrayList<>();
    Pattern line = Pattern.compile("^(\\S+) began=(\\d+) took=(\\d+) rows=(-?\\d+)");
    for (String text : Files.readAllLines(folder.resolve("work.log"))) {
      Matcher m = line.matcher(text);
      if (m.find()) {
        long from = Long.parseLong(m.group(2));
        spans.add(new Span(m.group(1), from, from + Long.parseLong(m.group(3)) * 1000, Long.parseLong(m.group(4))));
      }
    }
    return spans;
  }

  /** Per group, the CPU nanoseconds used between samples, as (sample time, group) -> nanos. */
  private static TreeMap<Long, Map<String, Long>> cpuByGroup(Path folder) throws IOException {
    TreeMap<Long, Map<String, Long>> used = new TreeMap<>();
    Map<String, Long> last = new HashMap<>();
    for (String text : Files.readAllLines(folder.resolve("cpu.csv"))) {
      String[] f = text.split(",");
      long at = Long.parseLong(f[0]);
      String key = f[1] + ":" + f[2];
      long cpu = Long.parseLong(f[4]);
      Long before = last.put(key, cpu);
      if (before == null) {
        continue;
      }
      if (f[1].equals("stage") || f[1].equals("proc") || f[1].equals("disk")) {
        continue;
      }
      String group = f[1].equals("jvm") ? group(f[3]) : f[1].equals("cli") ? "cli-" + group(f[3])
          : f[1].equals("sys") ? "machine-" + f[3] : pgGroup(f[3]);
      used.computeIfAbsent(at, t -> new HashMap<>()).merge(group, cpu - before, Long::sum);
    }
    return used;
  }

  /** The cores each group used from {@code a} to {@code b} (samples ending in that span). */
  private static Map<String, Double> cores(TreeMap<Long, Map<String, Long>> used, long a, long b) {
    Map<String, Double> cores = new HashMap<>();
    var span = used.subMap(a, true, b + WINDOW_NANOS, false);
    if (span.isEmpty()) {
      return cores;
    }
    long wall = Math.max(WINDOW_NANOS, span.lastKey() - span.firstKey() + WINDOW_NANOS);
    span.values().forEach(groups -> groups.forEach((g, n) -> cores.merge(g, n / (double) wall, Double::sum)));
    return cores;
  }

  /** What coincided with the copies over the phase's p99, episode by episode (see the class). */
  static String attribute(Path folder, long from, long to, long epochOffset, Path gcLog) throws IOException {
    List<String> client = Files.readAllLines(folder.resolve("client.csv"));
    long threshold = Long.parseLong(client.get(0).split(",")[1]);
    record Window(long start, long copies, long p50, long p99, long max, long over) {
    }
    List<Window> windows = new ArrayList<>();
    for (String line : client.subList(1, client.size())) {
      String[] f = line.split(",");
      windows.add(new Window(Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]),
          Long.parseLong(f[4]), Long.parseLong(f[5])));
    }
    List<Span> pauses = pauses(gcLog, epochOffset);
    // The clients' JVM's, if its options wrote them here (clientGc=...,-Xlog:gc:file=<folder>/client-gc.log:time).
    pauses(folder.resolve("client-gc.log"), epochOffset).forEach(p -> pauses.add(new Span("client " + p.kind(),
        p.from(), p.to(), p.figure())));
    List<Span> work = work(folder);
    TreeMap<Long, Map<String, Long>> used = cpuByGroup(folder);
    TreeMap<Long, Map<String, long[]>> stages = stages(folder);
    TreeMap<Long, Map<String, Long>> others = others(folder);
    List<Window> replies = new ArrayList<>();
    Path commitFile = folder.resolve("commits.csv");
    if (Files.exists(commitFile)) {
      List<String> lines = Files.readAllLines(commitFile);
      for (String line : lines.subList(1, lines.size())) {
        String[] f = line.split(",");
        replies.add(new Window(Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]),
            Long.parseLong(f[4]), 0));
      }
    }
    TreeMap<Long, long[]> disk = disk(folder);
    StringBuilder out = new StringBuilder();
    long totalOver = windows.stream().mapToLong(Window::over).sum();
    long totalCopies = windows.stream().mapToLong(Window::copies).sum();
    out.append(String.format(Locale.ROOT, "timeline: phase %.1f s, %,d copies in %d windows of 100 ms, p99 %.1f ms: "
        + "%,d copies at or over it%n", (to - from) / 1e9, totalCopies, windows.size(), threshold / 1e3, totalOver));
    Map<String, Double> phase = cores(used, from, to);
    out.append("  phase cores: ").append(coresLine(phase)).append('\n');
    out.append("  phase GC: ").append(pauseLine(pauses, from, to)).append('\n');
    out.append("  phase store work (ms of wall time): ").append(workLine(work, from, to)).append('\n');
    // Episodes: windows with copies over the p99, neighbours (up to 200 ms apart) joined.
    List<List<Window>> episodes = new ArrayList<>();
    for (Window w : windows) {
      if (w.over() == 0) {
        continue;
      }
      List<Window> current = episodes.isEmpty() ? null : episodes.get(episodes.size() - 1);
      if (current != null && w.start() - current.get(current.size() - 1).start() <= 3 * WINDOW_NANOS) {
        current.add(w);
      } else {
        episodes.add(new ArrayList<>(List.of(w)));
      }
    }
    out.append(String.format(Locale.ROOT, "  %d episodes with copies over the p99 (the span: oldest COMMIT of a late "
        + "copy -> last arrival; relative to the phase's start):%n", episodes.size()));
    Map<String, Long> overWith = new TreeMap<>();
    for (List<Window> episode : episodes) {
      long over = episode.stream().mapToLong(Window::over).sum();
      long max = episode.stream().mapToLong(Window::max).max().orElse(0);
      long a = episode.stream().mapToLong(w -> w.start() + WINDOW_NANOS - w.max() * 1000).min().orElse(0);
      long b = episode.get(episode.size() - 1).start() + WINDOW_NANOS;
      Map<String, Double> cores = cores(used, a, b);
      out.append(String.format(Locale.ROOT, "  - %.2f-%.2f s: %,d copies over (%.0f%%), max %.1f ms; GC %s; store %s;"
              + " cores %s%n", (a - from) / 1e9, (b - from) / 1e9, over, 100.0 * over / Math.max(1, totalOver),
          max / 1e3, pauseLine(pauses, a, b), workLine(work, a, b), coresLine(cores)));
      boolean gc = pauses.stream().anyMatch(p -> p.kind().equals("gc") && p.overlap(a, b) > 0);
      boolean refresh = work.stream().anyMatch(s -> s.kind().equals("series.refresh") && s.overlap(a, b) > 0);
      boolean append = work.stream().anyMatch(s -> s.kind().equals("feed.append") && s.overlap(a, b) > 0);
      overWith.merge((gc ? "GC pause" : "no GC pause") + ", " + (refresh ? "series refresh" : "no refresh"),
          over, Long::sum);
      overWith.merge(append ? "(a feed append in the span)" : "(no feed append in the span)", over, Long::sum);
    }
    // Second by second: where the late copies are, against what the threads did.
    out.append("  per second of the phase: copies, max ms, copies over the p99; GC; cores\n");
    for (long second = 0; from + second * 1_000_000_000L < to; second++) {
      long a = from + second * 1_000_000_000L;
      long b = a + 1_000_000_000L;
      long copies = 0;
      long max = 0;
      long over = 0;
      for (Window w : windows) {
        if (w.start() >= a && w.start() < b) {
          copies += w.copies();
          max = Math.max(max, w.max());
          over += w.over();
        }
      }
      long commitMax = 0;
      for (Window w : replies) {
        if (w.start() >= a && w.start() < b) {
          commitMax = Math.max(commitMax, w.max());
        }
      }
      var d0 = disk.ceilingEntry(a);
      var d1 = disk.floorEntry(b);
      String io = d0 == null || d1 == null || d1.getKey() <= d0.getKey() ? "-" : String.format(Locale.ROOT,
          "%.1f MB written, busy %.0f%%", (d1.getValue()[0] - d0.getValue()[0]) * 512 / 1e6,
          100.0 * (d1.getValue()[1] - d0.getValue()[1]) * 1e6 / (d1.getKey() - d0.getKey()));
      out.append(String.format(Locale.ROOT, "    %2d s: %,7d %7.1f %,6d; commit max %.1f ms; %s; %s; stage means %s; "
              + "disk %s; others %s%n", second, copies, max / 1e3, over, commitMax / 1e3, pauseLine(pauses, a, b),
          coresLine(cores(used, a, b)), stageLine(stages, a, b), io, othersLine(others, a, b)));
    }
    out.append("  copies over the p99 by what their episode's span held:\n");
    overWith.forEach((what, n) -> out.append(String.format(Locale.ROOT, "    %s: %,d (%.0f%%)%n", what, n,
        100.0 * n / Math.max(1, totalOver))));
    return out.toString();
  }

  /**
   * The CPU of the machine's other processes (not this JVM, the clients' or PostgreSQL's), by
   * name, between the once-a-second scans: (scan time, name) -> nanoseconds since the scan before.
   */
  private static TreeMap<Long, Map<String, Long>> others(Path folder) throws IOException {
    java.util.Set<String> ours = new java.util.HashSet<>();
    List<String> lines = Files.readAllLines(folder.resolve("cpu.csv"));
    // A process's first thread has the process's id: the smallest thread id of each JVM is its pid.
    Map<String, Long> firstThread = new HashMap<>();
    for (String text : lines) {
      String[] f = text.split(",");
      if (f[1].equals("pg")) {
        ours.add(f[2]);
      } else if (f[1].equals("jvm") || f[1].equals("cli")) {
        firstThread.merge(f[1], Long.parseLong(f[2]), Math::min);
      }
    }
    firstThread.values().forEach(pid -> ours.add(Long.toString(pid)));
    TreeMap<Long, Map<String, Long>> others = new TreeMap<>();
    Map<String, Long> last = new HashMap<>();
    for (String text : lines) {
      String[] f = text.split(",");
      if (!f[1].equals("proc")) {
        continue;
      }
      Long before = last.put(f[2], Long.parseLong(f[4]));
      if (before == null || ours.contains(f[2])) {
        continue;
      }
      long used = Long.parseLong(f[4]) - before;
      if (used > 0) {
        others.computeIfAbsent(Long.parseLong(f[0]), t -> new HashMap<>()).merge(f[3] + "/" + f[2], used, Long::sum);
      }
    }
    return others;
  }

  /** The two other processes that took the most CPU in the scans ending within {@code a} to {@code b} + 1 s. */
  private static String othersLine(TreeMap<Long, Map<String, Long>> others, long a, long b) {
    Map<String, Long> sum = new HashMap<>();
    others.subMap(a, true, b + 1_000_000_000L, false).values().forEach(m -> m.forEach((k, v) -> sum.merge(k, v,
        Long::sum)));
    return sum.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(3)
        .map(e -> String.format(Locale.ROOT, "%s %.2fs", e.getKey(), e.getValue() / 1e9))
        .reduce((x, y) -> x + " " + y).orElse("-");
  }

  /** The disks' sectors written and ms busy so far, summed, per sample time. */
  private static TreeMap<Long, long[]> disk(Path folder) throws IOException {
    TreeMap<Long, long[]> disk = new TreeMap<>();
    for (String text : Files.readAllLines(folder.resolve("cpu.csv"))) {
      String[] f = text.split(",");
      if (f[1].equals("disk")) {
        long[] at = disk.computeIfAbsent(Long.parseLong(f[0]), t -> new long[2]);
        at[f[3].equals("written") ? 0 : 1] += Long.parseLong(f[4]);
      }
    }
    return disk;
  }

  /** The hub's stage timers' (count, total nanoseconds) so far, per sample time. */
  private static TreeMap<Long, Map<String, long[]>> stages(Path folder) throws IOException {
    TreeMap<Long, Map<String, long[]>> stages = new TreeMap<>();
    for (String text : Files.readAllLines(folder.resolve("cpu.csv"))) {
      String[] f = text.split(",");
      if (f[1].equals("stage")) {
        stages.computeIfAbsent(Long.parseLong(f[0]), t -> new HashMap<>()).put(f[2],
            new long[] {Long.parseLong(f[3]), Long.parseLong(f[4])});
      }
    }
    return stages;
  }

  /** The mean of each hub stage (ms) over the samples from {@code a} to {@code b}. */
  private static String stageLine(TreeMap<Long, Map<String, long[]>> stages, long a, long b) {
    var first = stages.ceilingEntry(a);
    var last = stages.floorEntry(b);
    if (first == null || last == null || last.getKey() <= first.getKey()) {
      return "-";
    }
    StringBuilder line = new StringBuilder();
    for (String stage : List.of("queued", "handoff", "write", "delivered")) {
      long[] x = first.getValue().get(stage);
      long[] y = last.getValue().get(stage);
      if (x != null && y != null && y[0] > x[0]) {
        line.append(line.length() == 0 ? "" : " ").append(String.format(Locale.ROOT, "%s %.1f", stage,
            (y[1] - x[1]) / 1e6 / (y[0] - x[0])));
      }
    }
    return line.toString();
  }

  private static String coresLine(Map<String, Double> cores) {
    StringBuilder line = new StringBuilder();
    for (String g : GROUPS) {
      double c = cores.getOrDefault(g, 0.0);
      if (c >= 0.005) {
        line.append(line.length() == 0 ? "" : " ").append(String.format(Locale.ROOT, "%s %.2f", g, c));
      }
    }
    return line.toString();
  }

  private static String pauseLine(List<Span> pauses, long a, long b) {
    long gcs = 0;
    long gcNanos = 0;
    long longestGc = 0;
    long longestOther = 0;
    String other = "";
    long clientGcs = 0;
    long clientNanos = 0;
    for (Span p : pauses) {
      if (p.overlap(a, b) == 0) {
        continue;
      }
      if (p.kind().equals("client gc")) {
        clientGcs++;
        clientNanos += p.figure();
      } else if (p.kind().startsWith("client")) {
        continue;
      } else if (p.kind().equals("gc")) {
        gcs++;
        gcNanos += p.figure();
        longestGc = Math.max(longestGc, p.figure());
      } else if (!p.kind().contains("GC") && p.figure() > longestOther) {
        longestOther = p.figure();
        other = p.kind();
      }
    }
    return String.format(Locale.ROOT, "%d pauses %.0f ms (longest %.0f)%s%s", gcs, gcNanos / 1e6, longestGc / 1e6,
        longestOther >= 1_000_000 ? String.format(Locale.ROOT, ", %s %.0f ms", other, longestOther / 1e6) : "",
        clientGcs > 0 ? String.format(Locale.ROOT, ", clients' GC %d pauses %.0f ms", clientGcs, clientNanos / 1e6)
            : "");
  }

  private static String workLine(List<Span> work, long a, long b) {
    StringBuilder line = new StringBuilder();
    for (String kind : WORK_KINDS) {
      long n = 0;
      long nanos = 0;
      for (Span s : work) {
        if (s.kind().equals(kind) && s.overlap(a, b) > 0) {
          n++;
          nanos += s.overlap(a, b);
        }
      }
      if (n > 0) {
        line.append(line.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%s %d×%.0f", kind, n,
            nanos / 1e6));
      }
    }
    return line.length() == 0 ? "none" : line.toString();
  }
}
