package io.portfoliostate.bench;

import io.portfoliostate.app.Node;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.fixtures.TestKeys;
import io.portfoliostate.protocol.CommandEnvelope;
import io.portfoliostate.protocol.CommandOutcomes;
import io.portfoliostate.protocol.OwnerRequest;
import io.portfoliostate.protocol.OwnerWire;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;

/**
 * Live updates under load (issue 14): commit-to-client latency over the SockJS bridge's raw
 * WebSocket endpoint, and what subscribers cost a commit.
 *
 * <p>{@code latency}: {@code subscribers} WebSocket clients (one client Vert.x with one event
 * loop) each register {@code portfolio.updates.<id>} of one of {@code portfolios}
 * portfolios (spread evenly), then trades are committed at {@code rate} per second (evenly
 * spaced, one in flight per portfolio, the rest queued), sent to the owners through the node's
 * owner client. Each latency runs from the trade's <em>intended</em> send time (so a stall counts
 * for every trade it delayed) to the change message's arrival at a client; every subscriber's
 * copy counts. The commit latency (intended send to the owner's reply, after COMMIT) is shown
 * next to it: their difference is the delivery. With {@code nodes=2} the clients are on the
 * first node and the portfolios are owned by the second: every message crosses the cluster.
 *
 * <p>{@code throughput}: trades in a closed loop ({@code inFlight} at a time) for {@code
 * seconds}, first with no subscriber, then with the subscribers connected; the ratio is the
 * second over the first.
 *
 * <p>{@code commit0}: the commit latency at {@code rate} with no subscriber (before they connect),
 * the commit's own tail that delivery adds to.
 *
 * <p>{@code floor}: the machine's own floor for the same fan-out (see {@link #floor}), after the
 * latency phase ({@code floorFirst=true}: before it, before the service's subscribers connect, so
 * that runs can alternate the order), with a change message the service delivered as the content.
 * {@code durableFloor}: the same, each message first committed to the node's PostgreSQL ({@link
 * DurableFloor}): the machine's floor for a change committed and then delivered, the work the goal
 * is set on. With two nodes and trades through the front ({@code tradesVia=front}), each of its
 * messages is a trade's round trip as well ({@code floorRoundTrip=true}, {@link FloorTrades}): a
 * request from the front to the owner node and a reply, of the sizes of the service's last trade
 * ({@code floorTrip=<request bytes>,<reply bytes>} to give them), and its change crossing back;
 * {@code floorRoundTrip=false} keeps the floor whose messages cross once, the default with {@code
 * tradesVia=owner}. Each run ends with the ratio of the service's COMMIT → client over each
 * floor's hand-on → client, at p99 and at p50.
 *
 * <p>{@code clients=process} (the default) runs the clients in a JVM of their own ({@link
 * ClientProcess}: one Vert.x, one event loop), so that this JVM's CPU is the server's; send times
 * go to it over a pipe (both JVMs read the same monotonic clock). {@code clients=jvm} keeps them
 * in this JVM, as the first measurements did. Each phase prints this JVM's CPU time per commit
 * (and the client JVM's), the robust figure on a shared machine, and the load average.
 *
 * <p>Options (key=value): nodes=1 subscribers=1000 portfolios=100 rate=2000 seconds=20 warmup=30
 * inFlight=64 phases=throughput,latency,floor[,durableFloor] floorFirst=false floorRoundTrip=(true with
 * nodes=2 and tradesVia=front) floorTrip=(the last trade's sizes) compress=true (the clients offer permessage-deflate, as
 * browsers do) clients=process|jvm clientGc=-XX:+UseParallelGC (the client JVM's collector and
 * other options, separated by commas), clientLoops=1 (the client JVM's event loops), settle=true (a full
 * collection of both JVMs once the sockets are open: {@link #settle}),
 * clientTransport=native|nio (the client Vert.x's network transport: native, epoll here, by default;
 * the node's is its setting {@code set.vertx.nativeTransport}, and the floor's server runs on the node's Vert.x),
 * timeline=&lt;folder&gt; (the latency phase on one clock, and what coincided with its tail: {@link
 * LiveTimeline}), set.&lt;path&gt;=value for node settings, node&lt;i&gt;.set.&lt;path&gt;=value for
 * node i's alone (0 is the front, the last the owner; merged over set.), and storeOn=both|owner|front|none
 * (which nodes keep an analytics store, default both: {@code analytics.enabled=false} on the others,
 * which forward the analytics routes to a node with one; with nodes=1, none turns the one node's
 * off and the others leave it on), tradesVia=front|owner (the node the trades are sent through,
 * default front: with two nodes each trade then crosses to its owner and back, as a request to
 * the subscribers' node does; owner sends them to the owner's own node, so that only the changes
 * cross). With 100 portfolios and 1,000
 * subscribers, each portfolio's ten subscribers land on one of the node's four event loops (socket
 * i follows portfolio i mod 100 and the loops take connections in turn); 99 spreads them as
 * random arrivals would.
 */
public final class LiveBench {

  private LiveBench() {
  }

  public static void main(String[] args) throws Exception {
    BenchSupport.Options options = new BenchSupport.Options(args);
    int nodeCount = options.integer("nodes", 1);
    int subscribers = options.integer("subscribers", 1000);
    int portfolioCount = options.integer("portfolios", 100);
    int rate = options.integer("rate", 2000);
    int seconds = options.integer("seconds", 20);
    // 30 s: with less, C2 is still compiling the hub's and the bridge's code in the measured
    // phase (25-30 % of a core in the two-node runs of session 14), and its time shows as tail.
    int warmup = options.integer("warmup", 30);
    int inFlight = options.integer("inFlight", 64);
    String phases = options.string("phases", "throughput,latency,floor");
    boolean compress = options.string("compress", "true").equals("true");
    boolean separate = options.string("clients", "process").equals("process");
    boolean settle = options.string("settle", "true").equals("true");
    BenchSupport.printMachine("LiveBench", options);
    Path dataDir = BenchSupport.freshDataDir("live");
    JsonObject overrides = options.settingOverrides();
    // Change frames carry their COMMIT time (same machine, same CLOCK_MONOTONIC), so the clients
    // can time COMMIT -> change message, the latency the goal is set on; set.live.commitStamps=false turns it off.
    JsonObject live = overrides.getJsonObject("live", new JsonObject());
    overrides.put("live", live.put("commitStamps", live.getBoolean("commitStamps", true)));
    String storeOn = options.string("storeOn", "both");
    if (!List.of("both", "owner", "front", "none").contains(storeOn)) {
      throw new IllegalArgumentException("storeOn must be both, owner, front or none, not " + storeOn);
    }
    String tradesVia = options.string("tradesVia", "front");
    if (!List.of("front", "owner").contains(tradesVia)) {
      throw new IllegalArgumentException("tradesVia must be front or owner, not " + tradesVia);
    }
    // The durable floor with two nodes: each message a trade's round trip through the front, as
    // the service's trades with tradesVia=front ({@link FloorTrades}); off, its messages cross once.
    boolean roundTrip = options.string("floorRoundTrip", String.valueOf(nodeCount > 1 && tradesVia.equals("front")))
        .equals("true");
    String givenTrip = options.string("floorTrip", "");
    boolean floorFirst = options.string("floorFirst", "false").equals("true");
    System.out.printf("floors %s the latency phase (floorFirst=%s); two-node durable floor: %s%n",
        floorFirst ? "before" : "after", floorFirst, nodeCount < 2 ? "none (one node)" : roundTrip
            ? "the trade's round trip (floorRoundTrip=true)" : "messages crossing once (floorRoundTrip=false)");
    List<Node> nodes = BenchSupport.startNodes(dataDir, overrides, index -> {
      JsonObject own = options.nodeOverrides(index);
      boolean isFront = index == 0;
      boolean isOwner = index == nodeCount - 1;
      boolean keeps = storeOn.equals("both") || storeOn.equals("front") && isFront
          || storeOn.equals("owner") && isOwner;
      if (!keeps) {
        JsonObject analytics = own.getJsonObject("analytics", new JsonObject());
        own.put("analytics", analytics.put("enabled", false));
      }
      return own;
    }, nodeCount);
    System.out.printf("analytics stores: %s (storeOn=%s)%n", nodes.stream()
        .map(node -> node.analyticsStore() == null ? "off" : "on").toList(), storeOn);
    Node front = nodes.get(0);
    Node owner = nodes.get(nodes.size() - 1);
    // The clients' transport: native (epoll here) unless clientTransport=nio, printed below.
    String clientTransport = options.string("clientTransport", "native");
    Vertx clientVertx = separate ? null : BenchSupport.vertx(1, clientTransport);
    // The client JVM's collector: its pauses delay the arrival stamps as the server's delay the messages.
    String clientGc = options.string("clientGc", "-XX:+UseParallelGC");
    // clientLoops: the client JVM's event loops (1 by default, as every figure before). One loop
    // inflates and parses every copy (about 20,000 a second, 0.4 of a core): on a full machine it
    // queues copies behind each other, a wait that is the instrument's, not the service's.
    clientGc = clientGc + ",-Dlive.clientLoops=" + options.integer("clientLoops", 1) + ",-Dlive.clientTransport="
        + clientTransport;
    ClientSide clients = separate ? new ChildClients(dataDir, clientGc) : new InProcessClients(clientVertx);
    System.out.printf("clients: %s, %s%n", separate ? "a separate JVM (this JVM's CPU is the server's)"
        : "in this JVM (one client event loop; its CPU counts as the server's)",
        compress ? "permessage-deflate" : "no compression");
    try {
      // Inside the try: a client JVM that failed to start must not leave the nodes running.
      System.out.printf("network transport: node(s) %s, clients %s%n", nodes.stream().map(Node::transport).toList(),
          clients.transport());
      InstrumentId[] instruments = BenchSupport.instruments(50);
      BenchSupport.postPrices(front, instruments);
      // The portfolios: with two nodes, only ids the second node owns.
      List<PortfolioId> ids = new ArrayList<>();
      int created = 0;
      BenchSupport.createPortfolios(front, portfolioCount * Math.max(1, nodeCount) * 3);
      for (int i = 0; ids.size() < portfolioCount; i++) {
        PortfolioId id = BenchSupport.portfolio(i);
        if (nodeCount == 1 || owner.shards().isLocal(id)) {
          ids.add(id);
        }
        created = i;
      }
      System.out.printf("%d portfolios followed (of %d created), owned by %s%n", ids.size(), created + 1,
          owner.nodeId());
      // Through the front node (the default), each trade crosses to its owner and its outcome back,
      // on the loop that also fans the changes out; through the owner, only the changes cross.
      Node entry = tradesVia.equals("owner") ? owner : front;
      System.out.printf("trades sent through node %s (tradesVia=%s)%n", entry.nodeId(), tradesVia);
      Trades trades = new Trades(entry, ids, instruments, clients);
      // What the node costs with no commit and no subscriber (its pollers and timers).
      Cpu quiet = Cpu.now(clients);
      Thread.sleep(5000);
      System.out.printf("idle, 0 subscribers, no commit: %s%n", quiet.idle(clients));
      double quietCores = Cpu.idleCores;
      double alone = 0;
      if (phases.contains("throughput")) {
        trades.closedLoop(inFlight, warmup);
        Cpu cpu = Cpu.now(clients);
        alone = trades.closedLoop(inFlight, seconds);
        System.out.printf("throughput, 0 subscribers: %,.0f commits/s; %s%n", alone,
            cpu.perCommit(clients, trades.committedSince(cpu)));
      }
      if (phases.contains("commit0")) {
        // The commit's own latency at this rate with nobody following: what delivery adds to.
        trades.fixedRate(rate, warmup);
        Cpu cpu = Cpu.now(clients);
        long[] gc = gcTotals();
        Histogram committed = trades.fixedRate(rate, seconds);
        System.out.printf("commits at %d/s, 0 subscribers: %s%n  commit (intended send -> reply after COMMIT): %s%n"
            + "  %s%n", rate, cpu.perCommit(clients, trades.committedSince(cpu)), BenchSupport.latencyLine(committed),
            gcLine(gc));
      }
      List<String> registrations = new ArrayList<>();
      ids.forEach(id -> registrations.add(new JsonObject().put("type", "register")
          .put("address", "portfolio.updates." + id.value()).encode()));
      String bridge = "/eventbus/websocket?access_token=" + TestKeys.ADMIN;
      boolean sharedDeflate = live.getBoolean("compression", true) && live.getBoolean("sharedCompression", true);
      FloorPhases floorPhases = sample -> {
        java.util.Map<String, String> fromHandOn = new java.util.LinkedHashMap<>();
        if (phases.contains("floor")) {
          // The floor's server runs beside the node, which has no subscriber of its own then.
          Cpu.idleCores = quietCores;
          fromHandOn.put("floor", floor(clients, front, owner, subscribers, ids.size(), rate, seconds, warmup,
              compress, sharedDeflate, sample, false, settle, null));
        }
        if (phases.contains("durableFloor")) {
          Cpu.idleCores = quietCores;
          FloorTrip trip = !roundTrip || front == owner ? null
              : givenTrip.isEmpty() ? trades.lastTrip() : FloorTrip.parse(givenTrip);
          if (trip != null) {
            System.out.printf("durable floor's round trip: %d-byte request, %d-byte reply (%s)%n", trip.requestBytes(),
                trip.replyBytes(), givenTrip.isEmpty() ? "the service's last trade, as its codecs write it"
                    : "floorTrip=" + givenTrip);
          }
          fromHandOn.put(trip != null ? "durable floor, round trip" : "durable floor", floor(clients, front, owner,
              subscribers, ids.size(), rate, seconds, warmup, compress, sharedDeflate, sample, true, settle, trip));
        }
        return fromHandOn;
      };
      java.util.Map<String, String> floorLines = java.util.Map.of();
      if (floorFirst) {
        // One change message of the service (the floors' content) through one socket of its own,
        // before the service's subscribers connect: the floors run first on a node that has not
        // yet served the latency phase.
        clients.connect(front.httpPort(), bridge, registrations.subList(0, 1), 1, compress);
        BenchSupport.await(trades.send(ids.get(0)), 60);
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (clients.sample() == null && System.nanoTime() < until) {
          Thread.sleep(20);
        }
        String sample = clients.sample();
        clients.closeSockets();
        floorLines = floorPhases.run(sample);
      }
      clients.connect(front.httpPort(), bridge, registrations, subscribers, compress);
      System.out.printf("%,d subscribers connected to %s%n", subscribers, front.nodeId());
      settle(clients, settle);
      // What the subscribers cost with no commit at all (pings, timers, renewals): the part of a
      // phase's CPU that does not grow with commits.
      Cpu idle = Cpu.now(clients);
      Thread.sleep(5000);
      System.out.printf("idle, %d subscribers, no commit: %s%n", subscribers, idle.idle(clients));
      if (phases.contains("throughput")) {
        trades.closedLoop(inFlight, warmup);
        Cpu cpu = Cpu.now(clients);
        double with = trades.closedLoop(inFlight, seconds);
        System.out.printf("throughput, %d subscribers: %,.0f commits/s; ratio %.3f; %s%n", subscribers, with,
            with / alone, cpu.perCommit(clients, trades.committedSince(cpu)));
      }
      String serviceFromCommit = null;
      if (phases.contains("latency")) {
        trades.fixedRate(rate, warmup);
        clients.reset();
        Cpu cpu = Cpu.now(clients);
        Stages stages = Stages.of(front);
        Deflates deflates = Deflates.of(front);
        JournalBatches batches = JournalBatches.of(owner);
        long[] gc = gcTotals();
        LiveTimeline timeline = LiveTimeline.start(options, dataDir, front, clients.pid());
        long phaseFrom = System.nanoTime();
        Histogram committed = trades.fixedRate(rate, seconds);
        String gcDuring = gcLine(gc);
        Thread.sleep(1000);
        System.out.printf("latency at %d commits/s, %d subscribers, %d node(s): %s%n", rate, subscribers, nodeCount,
            cpu.perCommit(clients, trades.committedSince(cpu)));
        System.out.printf("  commit (intended send -> reply after COMMIT): %s%n", BenchSupport.latencyLine(committed));
        System.out.printf("  client (intended send -> change message):     %s%n", clients.report());
        serviceFromCommit = clients.reportFromCommit();
        System.out.printf("  client (COMMIT -> change message):            %s%n", serviceFromCommit);
        stages.print(front);
        deflates.print(front, trades.committedSince(cpu));
        batches.print(owner, seconds);
        System.out.printf("  %s%n", gcDuring);
        if (timeline != null) {
          timeline.finish(clients, phaseFrom, System.nanoTime());
        }
      }
      String sample = clients.sample();
      clients.closeSockets();
      if (!floorFirst) {
        floorLines = floorPhases.run(sample);
      }
      if (serviceFromCommit != null) {
        for (var floor : floorLines.entrySet()) {
          System.out.println(ratioLine(serviceFromCommit, floor.getKey(), floor.getValue()));
        }
      }
    } finally {
      clients.close();
      if (clientVertx != null) {
        clientVertx.close();
      }
      BenchSupport.closeAll(nodes);
    }
  }

  /**
   * With {@code settle} on (the default), one full collection of this JVM and of the clients' JVM
   * once the sockets are open: what the connections keep (about 21 MB of Vert.x's and Netty's
   * objects on the server for 1,000 sockets, measured with {@code jmap -histo:live} before and
   * after they connect, most of it the sockets' inbound queues) is then in the old generation, as
   * on a server whose subscribers have been connected for a while. Without it, that state stays
   * in the survivor spaces for about seven young collections (some 45 s at 2,000 commits/s) and
   * every one of them copies it again: 31–39 MB of survivors and young pauses of 47–258 ms, against
   * 5–12 MB and 22–31 ms once it is promoted (gc+heap logs of session 16) — a start-up cost of
   * the new connections that a 30 s warm-up left inside the measured phase. {@code settle=false}
   * keeps it there.
   */
  private static void settle(ClientSide clients, boolean settle) throws Exception {
    if (settle) {
      System.gc();
      clients.settle();
    }
  }

  /** The CPU time of this JVM (and of the client JVM, if separate) at the start of a phase. */
  private record Cpu(long server, long client, long wall, long commits, long allocated, long[] machine) {

    /** The cores this JVM used idle, last measured (0 before). */
    static double idleCores;

    static Cpu now(ClientSide clients) throws Exception {
      return new Cpu(processCpuNanos(), clients.cpuNanos(), System.nanoTime(), Trades.COMMITS.get(),
          allocatedBytes(), machineNanos());
    }

    /** The cores this JVM used since then with nothing to do: the part of a phase that is not per commit. */
    String idle(ClientSide clients) throws Exception {
      double cores = (processCpuNanos() - server) / (double) (System.nanoTime() - wall);
      idleCores = cores;
      long clientNanos = clients.cpuNanos();
      return String.format(Locale.ROOT, "server JVM %.3f cores%s; load average %s", cores, clientNanos < 0 ? ""
          : String.format(Locale.ROOT, "; client JVM %.3f cores", (clientNanos - client)
              / (double) (System.nanoTime() - wall)), loadAverage());
    }

    /** CPU per commit since then: this JVM's, and the clients' when they have their own. */
    String perCommit(ClientSide clients, long commits) throws Exception {
      long elapsed = System.nanoTime() - wall;
      double serverMicros = (processCpuNanos() - server) / 1e3 / Math.max(1, commits);
      // Over the idle cost last measured: what the commits themselves (and their copies) cost.
      double marginalMicros = ((processCpuNanos() - server) - idleCores * elapsed) / 1e3 / Math.max(1, commits);
      double cores = (processCpuNanos() - server) / (double) elapsed;
      long clientNanos = clients.cpuNanos();
      String clientPart = clientNanos < 0 ? "" : String.format(Locale.ROOT, "; client JVM %.0f µs per commit",
          (clientNanos - client) / 1e3 / Math.max(1, commits));
      double allocatedKb = (allocatedBytes() - allocated) / 1024.0 / Math.max(1, commits);
      return String.format(Locale.ROOT, "server JVM CPU %.0f µs per commit (%.2f cores; %.0f µs over the idle "
          + "%.3f cores), %.1f KB allocated per commit%s; %s; load average %s", serverMicros, cores, marginalMicros,
          idleCores, allocatedKb, clientPart, machineLine(clientNanos, commits, elapsed), loadAverage());
    }

    /**
     * The whole machine over the phase ({@code /proc/stat}): the cores busy, what the processes
     * other than the two JVMs took per commit (PostgreSQL, and on this shared VM anybody else),
     * and the hypervisor's steal. The latency tail follows how full the machine is: a phase at
     * 1.9 of 2 cores queues every burst far longer than one at 1.5.
     */
    private String machineLine(long clientNanos, long commits, long elapsed) {
      long[] now = machineNanos();
      if (now[0] < 0 || machine[0] < 0) {
        return "machine unknown";
      }
      long busy = now[0] - machine[0];
      long others = busy - (processCpuNanos() - server) - (clientNanos < 0 ? 0 : clientNanos - client);
      return String.format(Locale.ROOT, "machine %.2f cores busy, the other processes (PostgreSQL...) %.0f µs "
          + "per commit, steal %.2f cores", busy / (double) elapsed, others / 1e3 / Math.max(1, commits),
          (now[1] - machine[1]) / (double) elapsed);
    }
  }

  /** Collections and their total time so far, over every collector of this JVM. */
  static long[] gcTotals() {
    long count = 0;
    long millis = 0;
    for (var bean : ManagementFactory.getGarbageCollectorMXBeans()) {
      count += Math.max(0, bean.getCollectionCount());
      millis += Math.max(0, bean.getCollectionTime());
    }
    var jit = ManagementFactory.getCompilationMXBean();
    long compiling = jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : -1;
    return new long[] {count, millis, compiling};
  }

  /**
   * The server JVM's collections since {@code before} (for a concurrent collector, the time includes
   * its cycles), and the time its JIT compilers spent compiling: on two cores a compiler thread still
   * busy in the measured phase takes the event loops' slack, and shows in their tail.
   */
  static String gcLine(long[] before) {
    long[] now = gcTotals();
    return String.format(Locale.ROOT, "server GC during the phase: %d collections, %d ms (%s); JIT compiling %s",
        now[0] - before[0], now[1] - before[1], ManagementFactory.getGarbageCollectorMXBeans().stream()
            .map(java.lang.management.GarbageCollectorMXBean::getName).toList(),
        now[2] < 0 || before[2] < 0 ? "not measured" : (now[2] - before[2]) + " ms");
  }

  /**
   * Bytes allocated so far by this JVM's live threads (the nodes' event loops and workers, and the
   * load generator's): a thread that ended since is no longer counted, so compare over phases whose
   * threads live throughout (the event loops do).
   */
  static long allocatedBytes() {
    var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long total = 0;
    for (long bytes : threads.getThreadAllocatedBytes(threads.getAllThreadIds())) {
      total += Math.max(0, bytes);
    }
    return total;
  }

  /** The whole machine's busy and stolen CPU so far, in nanoseconds ({@code /proc/stat}), or -1 off Linux. */
  static long[] machineNanos() {
    try {
      String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
      long busy = 0;
      // user, nice, system, irq, softirq (idle and iowait are not busy; steal is counted apart)
      for (int i : new int[] {1, 2, 3, 6, 7}) {
        busy += Long.parseLong(f[i]);
      }
      long tick = 10_000_000L;
      return new long[] {busy * tick, Long.parseLong(f[8]) * tick};
    } catch (java.io.IOException | RuntimeException e) {
      return new long[] {-1, -1};
    }
  }

  static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  static String loadAverage() {
    try {
      String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
      return fields[0] + " " + fields[1] + " " + fields[2];
    } catch (java.io.IOException e) {
      return "unknown";
    }
  }

  /**
   * The subscribers' side: {@code count} WebSocket clients, socket i in group i % groups (the
   * group's registration frame is sent once the socket is open), each recording the latency of
   * every change message from the intended send time of the commit (or floor message) that made
   * its version.
   */
  interface ClientSide extends AutoCloseable {

    /** Connects and registers every socket; returns once each has its snapshot. */
    void connect(int port, String uri, List<String> registrations, int count, boolean compress) throws Exception;

    /** The commit (or message) that makes {@code version} of {@code group} was meant to be sent at {@code nanos}. */
    void sent(int group, long version, long nanos);

    /** Forgets the latencies recorded so far (after a warm-up). */
    void reset() throws Exception;

    /** The latency line of what was recorded since the last reset, with the count. */
    String report() throws Exception;

    /**
     * The latency line of the copies that carried their COMMIT time ({@code committedNanos} in the
     * frame's headers, {@code live.commitStamps}): from the owner's COMMIT to the client.
     */
    String reportFromCommit() throws Exception;

    /** How many copies were recorded since the last reset. */
    long received() throws Exception;

    /** One change message the clients received (for the floor's content), or null. */
    String sample() throws Exception;

    /** Closes the sockets (the client side stays, for the floor). */
    void closeSockets() throws Exception;

    /** A full collection of the clients' own JVM (nothing when they share this one). */
    void settle() throws Exception;

    /** The CPU time of the clients' own JVM, or -1 when they share this one. */
    long cpuNanos() throws Exception;

    /** Writes the per-window latencies from COMMIT since the last reset ({@link LiveTimeline.Windows}). */
    void timeline(Path file) throws Exception;

    /** The clients' JVM's process id, or -1 when they share this one (its threads' CPU is then the server's). */
    long pid();

    /** The network transport of the clients' Vert.x ({@link BenchSupport#transport}). */
    String transport() throws Exception;
  }

  /** The clients in this JVM, on one event loop of their own Vert.x. */
  static final class InProcessClients implements ClientSide {
    private final Vertx vertx;
    private final Latencies latencies = new Latencies();
    private final List<Subscribers> sockets = new ArrayList<>();

    InProcessClients(Vertx vertx) {
      this.vertx = vertx;
    }

    @Override
    public void connect(int port, String uri, List<String> registrations, int count, boolean compress)
        throws Exception {
      sockets.add(LiveBench.connect(vertx, port, uri, registrations, count, compress, latencies));
    }

    @Override
    public void sent(int group, long version, long nanos) {
      latencies.sent(group, version, nanos);
    }

    @Override
    public void reset() {
      latencies.reset();
    }

    @Override
    public String report() {
      return latencies.report();
    }

    @Override
    public String reportFromCommit() {
      return latencies.reportFromCommit();
    }

    @Override
    public long received() {
      return latencies.count();
    }

    @Override
    public String sample() {
      return latencies.sample.get();
    }

    @Override
    public void closeSockets() {
      sockets.forEach(Subscribers::close);
      sockets.clear();
    }

    @Override
    public void settle() {
    }

    @Override
    public long cpuNanos() {
      return -1;
    }

    @Override
    public void timeline(Path file) throws Exception {
      latencies.writeTimeline(file);
    }

    @Override
    public long pid() {
      return -1;
    }

    @Override
    public String transport() {
      return BenchSupport.transport(vertx);
    }

    @Override
    public void close() {
      closeSockets();
    }
  }

  /**
   * Latencies matched by group and version. An arrival whose send time is not known yet (the
   * line telling it is still on its way from the other JVM) waits for it.
   */
  static final class Latencies {
    private final java.util.HashMap<Long, Long> sentAt = new java.util.HashMap<>();
    private final java.util.HashMap<Long, List<Long>> early = new java.util.HashMap<>();
    private final Histogram histogram = new Histogram(BenchSupport.HISTOGRAM_MAX_MICROS, 3);
    /** From the owner's COMMIT ({@code committedNanos}, the same machine's clock) to the arrival. */
    private final Histogram fromCommit = new Histogram(BenchSupport.HISTOGRAM_MAX_MICROS, 3);
    final AtomicReference<String> sample = new AtomicReference<>();

    private static long key(int group, long version) {
      return ((long) group << 40) | version;
    }

    synchronized void sent(int group, long version, long nanos) {
      long key = key(group, version);
      sentAt.put(key, nanos);
      List<Long> waiting = early.remove(key);
      if (waiting != null) {
        waiting.forEach(arrived -> record(arrived - nanos));
      }
    }

    synchronized void arrived(int group, long version, long now) {
      long key = key(group, version);
      Long sent = sentAt.get(key);
      if (sent != null) {
        record(now - sent);
      } else {
        early.computeIfAbsent(key, k -> new ArrayList<>()).add(now);
      }
    }

    private void record(long nanos) {
      histogram.recordValue(Math.max(0, Math.min(BenchSupport.HISTOGRAM_MAX_MICROS, nanos / 1000)));
    }

    synchronized void committed(long committedNanos, long now) {
      long micros = Math.max(0, Math.min(BenchSupport.HISTOGRAM_MAX_MICROS, (now - committedNanos) / 1000));
      fromCommit.recordValue(micros);
      windows.record(now, micros);
    }

    /** The same latencies per 100 ms window of arrival, for the timeline ({@code timeline=}). */
    private final LiveTimeline.Windows windows = new LiveTimeline.Windows();

    synchronized void writeTimeline(Path file) throws java.io.IOException {
      windows.write(file, fromCommit.getValueAtPercentile(99));
    }

    synchronized String reportFromCommit() {
      return BenchSupport.latencyLine(fromCommit);
    }

    synchronized void reset() {
      histogram.reset();
      fromCommit.reset();
      windows.reset();
      // Arrivals of the first versions of a phase have no send time (the version was not known).
      early.clear();
    }

    synchronized long count() {
      return histogram.getTotalCount();
    }

    synchronized String report() {
      return BenchSupport.latencyLine(histogram);
    }
  }

  /**
   * The clients in a JVM of their own ({@link ClientProcess}), so that this JVM's CPU is the
   * server's alone. Commands and send times go over its standard input, one line each; answers
   * come back on its standard output.
   */
  static final class ChildClients implements ClientSide {
    static final String ANSWER = "= ";
    private final Process process;
    private final BufferedReader out;
    private final java.util.concurrent.LinkedBlockingQueue<String> lines = new java.util.concurrent.LinkedBlockingQueue<>();
    private final Thread writer;

    ChildClients(Path dataDir, String gc) throws Exception {
      List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Xmx1g"));
      command.addAll(List.of(gc.split(",")));
      command.addAll(List.of("-cp", System.getProperty("java.class.path"), ClientProcess.class.getName()));
      process = new ProcessBuilder(command).redirectError(dataDir.resolve("clients.log").toFile()).start();
      out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      java.io.Writer in = new java.io.BufferedWriter(new java.io.OutputStreamWriter(process.getOutputStream(),
          StandardCharsets.UTF_8));
      // The send times come from event loops: a thread of its own writes them, never blocking one.
      writer = new Thread(() -> {
        try {
          while (true) {
            String line = lines.take();
            in.write(line);
            in.write('\n');
            if (lines.isEmpty()) {
              in.flush();
            }
          }
        } catch (InterruptedException | java.io.IOException e) {
          // closed
        }
      }, "live-bench-clients-writer");
      writer.setDaemon(true);
      writer.start();
    }

    private synchronized String ask(String command) throws Exception {
      lines.put(command);
      while (true) {
        String answer = out.readLine();
        if (answer == null) {
          throw new IllegalStateException("the client JVM ended; see clients.log");
        }
        // Answers are tagged: anything else on the child's standard output (a JVM warning) is not one.
        if (answer.startsWith(ANSWER)) {
          return answer.substring(ANSWER.length());
        }
        System.out.println("client JVM: " + answer);
      }
    }

    @Override
    public void connect(int port, String uri, List<String> registrations, int count, boolean compress)
        throws Exception {
      ask("CONNECT " + port + " " + uri + " " + count + " " + compress + " " + String.join(" ", registrations));
    }

    @Override
    public void sent(int group, long version, long nanos) {
      lines.add("S " + group + " " + version + " " + nanos);
    }

    @Override
    public void reset() throws Exception {
      ask("RESET");
    }

    @Override
    public String report() throws Exception {
      return ask("REPORT");
    }

    @Override
    public String reportFromCommit() throws Exception {
      return ask("REPORT_COMMIT");
    }

    @Override
    public long received() throws Exception {
      return Long.parseLong(ask("COUNT"));
    }

    @Override
    public String sample() throws Exception {
      String sample = ask("SAMPLE");
      return sample.isEmpty() ? null : sample;
    }

    @Override
    public void closeSockets() throws Exception {
      ask("CLOSE");
    }

    @Override
    public void settle() throws Exception {
      ask("SETTLE");
    }

    @Override
    public long cpuNanos() throws Exception {
      return Long.parseLong(ask("CPU"));
    }

    @Override
    public void timeline(Path file) throws Exception {
      ask("TIMELINE " + file);
    }

    @Override
    public long pid() {
      return process.pid();
    }

    @Override
    public String transport() throws Exception {
      return ask("TRANSPORT");
    }

    @Override
    public void close() throws Exception {
      try {
        ask("EXIT");
      } catch (Exception e) {
        // already gone
      }
      writer.interrupt();
      process.destroy();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /**
   * The client JVM of {@code clients=process}: one Vert.x with one event loop ({@code clientLoops}
   * to change it: the sockets are spread over them), commanded over standard input by {@link
   * ChildClients}.
   */
  public static final class ClientProcess {

    private ClientProcess() {
    }

    public static void main(String[] args) throws Exception {
      Vertx vertx = BenchSupport.vertx(Integer.getInteger("live.clientLoops", 1),
          System.getProperty("live.clientTransport", "native"));
      Latencies latencies = new Latencies();
      List<Subscribers> sockets = new ArrayList<>();
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      java.io.PrintStream out = System.out;
      String line;
      while ((line = in.readLine()) != null) {
        String[] words = line.split(" ");
        switch (words[0]) {
          case "S" -> latencies.sent(Integer.parseInt(words[1]), Long.parseLong(words[2]), Long.parseLong(words[3]));
          case "CONNECT" -> {
            List<String> registrations = List.of(words).subList(5, words.length);
            sockets.add(connect(vertx, Integer.parseInt(words[1]), words[2], registrations,
                Integer.parseInt(words[3]), Boolean.parseBoolean(words[4]), latencies));
            out.println(ChildClients.ANSWER + "OK");
          }
          case "RESET" -> {
            latencies.reset();
            out.println(ChildClients.ANSWER + "OK");
          }
          case "REPORT" -> out.println(ChildClients.ANSWER + latencies.report());
          case "REPORT_COMMIT" -> out.println(ChildClients.ANSWER + latencies.reportFromCommit());
          case "COUNT" -> out.println(ChildClients.ANSWER + latencies.count());
          case "SAMPLE" -> out.println(ChildClients.ANSWER + (latencies.sample.get() == null ? "" : latencies.sample.get()));
          case "CLOSE" -> {
            sockets.forEach(Subscribers::close);
            sockets.clear();
            out.println(ChildClients.ANSWER + "OK");
          }
          case "CPU" -> out.println(ChildClients.ANSWER + processCpuNanos());
          case "SETTLE" -> {
            System.gc();
            out.println(ChildClients.ANSWER + "OK");
          }
          case "TRANSPORT" -> out.println(ChildClients.ANSWER + BenchSupport.transport(vertx));
          case "TIMELINE" -> {
            latencies.writeTimeline(Path.of(line.substring("TIMELINE ".length())));
            out.println(ChildClients.ANSWER + "OK");
          }
          case "EXIT" -> {
            out.println(ChildClients.ANSWER + "OK");
            out.flush();
            vertx.close();
            System.exit(0);
          }
          default -> out.println(ChildClients.ANSWER + "unknown " + words[0]);
        }
        out.flush();
      }
      vertx.close();
    }
  }

  /**
   * The sockets of one {@link #connect} and the client that opened them. The client must stay
   * reachable while they are used: Vert.x closes a {@code WebSocketClient} that the garbage
   * collector finds unreachable (its {@code CleanableWebSocketClient}), and every socket with it,
   * with a normal close (1000). Dropping it made the floor phase record nothing after a long
   * warm-up: the client JVM's first collection after the floor's sockets opened closed them all.
   */
  record Subscribers(WebSocketClient client, List<WebSocket> sockets) {
    void close() {
      sockets.forEach(WebSocket::close);
      client.close();
    }
  }

  /**
   * Opens {@code count} sockets on {@code uri}, socket i in group i % groups registered with
   * {@code registrations.get(group)}; records the latency of each change message it receives.
   */
  static Subscribers connect(Vertx vertx, int port, String uri, List<String> registrations, int count,
      boolean compress, Latencies latencies) throws Exception {
    WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(count + 10)
        .setTryUsePerMessageCompression(compress));
    List<WebSocket> sockets = new ArrayList<>();
    AtomicLong snapshots = new AtomicLong();
    int groups = registrations.size();
    for (int i = 0; i < count; i++) {
      int group = i % groups;
      WebSocket socket = BenchSupport.await(client.connect(new WebSocketConnectOptions().setHost("127.0.0.1")
          .setPort(port).setURI(uri)), 30);
      socket.handler(data -> {
        long now = System.nanoTime();
        String text = data.toString();
        // Cheap parsing: the client's CPU is the server's too on this machine.
        int kind = text.indexOf("\"kind\":\"change\"");
        if (kind < 0) {
          if (text.contains("\"kind\":\"snapshot\"")) {
            snapshots.incrementAndGet();
          }
          return;
        }
        int v = text.indexOf("\"version\":", text.indexOf("\"fromVersion\":"));
        long version = Long.parseLong(text.substring(v + 10, text.indexOf(',', v)));
        if (version % 64 == 0 || latencies.sample.get() == null) {
          latencies.sample.set(text);
        }
        latencies.arrived(group, version, now);
        int stamp = text.indexOf("\"committedNanos\":\"");
        if (stamp >= 0 && stamp < kind) {
          int from = stamp + 18;
          latencies.committed(Long.parseLong(text.substring(from, text.indexOf('"', from))), now);
        }
      });
      long pinger = vertx.setPeriodic(5000, t -> socket.writeTextMessage("{\"type\":\"ping\"}"));
      socket.closeHandler(v -> vertx.cancelTimer(pinger));
      socket.writeTextMessage(registrations.get(group));
      sockets.add(socket);
    }
    while (snapshots.get() < count) {
      Thread.sleep(20);
    }
    return new Subscribers(client, sockets);
  }

  /** The address the 2-node floor's messages cross the cluster on. */
  private static final String FLOOR_ADDRESS = "bench.floor";

  /** The floor's sockets of one group on one event loop: one task per message carries the writes to all of them. */
  private record FloorLoop(io.vertx.core.Context context, List<ServerWebSocket> sockets) {
  }

  /**
   * The machine's floor for the same fan-out, in the same run, as like the service as a bare
   * server can be. A plain Vert.x WebSocket server (no SockJS, no bridge, no hub, no owner, no
   * journal; one server per event loop, as the gateway's instances) on the subscribers' node's own
   * Vert.x (its event loops, its threads), the same client
   * JVM and sockets, the same compression (permessage-deflate if the clients offer it, with the
   * node's shared encoder when {@code live.sharedCompression} is on, as the bridge installs it),
   * {@code rate} messages per second, each written to every socket of one of {@code groups}
   * groups in turn, with one task per event loop carrying it to that loop's sockets (the hub's
   * hand-off), at the size and content of a change message the clients received ({@code
   * sample}; its versions replaced).
   *
   * <p>Each message is stamped ({@code committedNanos}, the service's header) when it is handed
   * on, as the owner stamps its COMMIT: the clients' "from COMMIT" line is then the same measure
   * for the floor as for the service, and their ratio is what the service adds. With two nodes
   * ({@code sender} not {@code front}), the messages are made on the owner node's Vert.x and cross
   * the clustered event bus to the subscribers' node before the socket writes, one clustered
   * message per sender timer tick (the owner's batch per event-loop turn), as changes do; with
   * {@code trip} (the durable floor with {@code floorRoundTrip=true}) they are made on the front
   * node's Vert.x instead and each is first a request to the owner node and a reply ({@link
   * FloorTrades}), one clustered message per committed batch crossing back. Returns the clients'
   * hand-on → client line.
   */
  private static String floor(ClientSide clients, Node front, Node sender, int subscribers, int groups, int rate,
      int seconds, int warmup, boolean compress, boolean shared, String sample, boolean durable, boolean settle,
      FloorTrip trip) throws Exception {
    String template = sample != null ? sample
        : "{\"type\":\"rec\",\"address\":\"floor\",\"headers\":{\"committedNanos\":\"0\"},\"body\":{\"kind\":"
            + "\"change\",\"fromVersion\":0,\"version\":1,\"events\":[]}}";
    if (!template.contains("\"committedNanos\":\"")) {
      // A service run without COMMIT stamps: the floor's messages carry one all the same.
      template = template.replaceFirst("\"headers\":\\{\\}", "\"headers\":{\"committedNanos\":\"0\"}");
    }
    java.util.regex.Matcher stampAt = Pattern.compile("\"committedNanos\":\"\\d+\"").matcher(template);
    java.util.regex.Matcher versionsAt = Pattern.compile("\"fromVersion\":\\d+,\"version\":\\d+").matcher(template);
    if (!stampAt.find() || !versionsAt.find(stampAt.end())) {
      throw new IllegalStateException("not a stamped change message: " + template);
    }
    String head = template.substring(0, stampAt.start());
    String middle = template.substring(stampAt.end(), versionsAt.start());
    String tail = template.substring(versionsAt.end());
    boolean crossing = front != sender;
    List<java.util.concurrent.ConcurrentHashMap<Thread, FloorLoop>> members = new ArrayList<>();
    for (int g = 0; g < groups; g++) {
      members.add(new java.util.concurrent.ConcurrentHashMap<>());
    }
    Vertx vertx = front.vertx();
    io.vertx.core.Handler<io.vertx.core.http.HttpServerRequest> accept = request -> request.toWebSocket().onSuccess(ws -> {
          if (shared) {
            io.portfoliostate.live.SharedDeflate.install(request);
          }
          ws.textMessageHandler(text -> {
            if (text.chars().allMatch(Character::isDigit)) {
              members.get(Integer.parseInt(text)).computeIfAbsent(Thread.currentThread(),
                  t -> new FloorLoop(Vertx.currentContext(), new CopyOnWriteArrayList<>())).sockets().add(ws);
              ws.writeTextMessage("{\"body\":{\"kind\":\"snapshot\"}}");
            }
          });
        });
    // As many servers as the node has gateway instances (one per event loop unless owners.instances
    // is set), sharing one random port as the gateway's do (a negative port: -2, not the gateway's
    // -1, whose port is another): the floor's sockets are spread over the event loops as the
    // bridge's are. One server outside a verticle had every floor socket on one loop.
    int floorLoops = front.eventLoops();
    int[] floorPort = new int[1];
    String floorServers = BenchSupport.await(vertx.deployVerticle(() -> new io.vertx.core.VerticleBase() {
      @Override
      public io.vertx.core.Future<?> start() {
        return vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(-2)
            .setPerMessageWebSocketCompressionSupported(true)).requestHandler(accept).listen()
            .onSuccess(server -> floorPort[0] = server.actualPort());
      }
    }, new io.vertx.core.DeploymentOptions().setInstances(floorLoops)), 30);
    // One frame per message, written as is to every socket, in a binary WebSocket message: what the bridge's
    // raw WebSocket transport does with the hub's frame.
    java.util.function.BiConsumer<Integer, io.vertx.core.buffer.Buffer> deliver = (g, frame) -> {
      for (FloorLoop loop : members.get(g).values()) {
        loop.context().runOnContext(v -> loop.sockets().forEach(ws -> ws.writeBinaryMessage(frame)));
      }
    };
    io.vertx.core.eventbus.MessageConsumer<io.vertx.core.buffer.Buffer> consumer = null;
    if (crossing) {
      consumer = vertx.eventBus().<io.vertx.core.buffer.Buffer>consumer(FLOOR_ADDRESS, message -> {
        io.vertx.core.buffer.Buffer batch = message.body();
        for (int at = 0; at < batch.length(); ) {
          int g = batch.getInt(at);
          int length = batch.getInt(at + 4);
          deliver.accept(g, batch.getBuffer(at + 8, at + 8 + length));
          at += 8 + length;
        }
      });
      BenchSupport.await(consumer.completion(), 30);
    }
    io.vertx.core.eventbus.MessageConsumer<io.vertx.core.buffer.Buffer> ownerSide = null;
    try {
      List<String> registrations = new ArrayList<>();
      for (int g = 0; g < groups; g++) {
        registrations.add(String.valueOf(g));
      }
      clients.connect(floorPort[0], "/floor", registrations, subscribers, compress);
      settle(clients, settle);
      Cpu cpu = null;
      long floorSent = 0;
      long[] floorGc = gcTotals();
      long[] version = new long[groups];
      // Versions of their own, far from the service's and from the other floor's (the clients match
      // send times by group and version: a version sent twice would match the first send time).
      java.util.Arrays.fill(version, durable ? 2_000_000_000L : 1_000_000_000L);
      Vertx from = sender.vertx();
      DurableFloor journal = durable ? DurableFloor.open(front, from, template) : null;
      Histogram committed = new Histogram(BenchSupport.HISTOGRAM_MAX_MICROS, 3);
      boolean roundTrip = trip != null && crossing && journal != null;
      // Hands messages on: stamped now (after their COMMIT when durable), to the sockets or,
      // with two nodes, across the cluster in one batch.
      java.util.function.Consumer<long[]> handOn = messages -> {
        long stamp = System.nanoTime();
        io.vertx.core.buffer.Buffer batch = crossing ? io.vertx.core.buffer.Buffer.buffer() : null;
        for (int i = 0; i < messages.length; i += 2) {
          int g = (int) messages[i];
          long to = messages[i + 1];
          String text = head + "\"committedNanos\":\"" + stamp + "\"" + middle + "\"fromVersion\":"
              + (to - 1) + ",\"version\":" + to + tail;
          if (crossing) {
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            batch.appendInt(g).appendInt(bytes.length).appendBytes(bytes);
          } else {
            deliver.accept(g, io.vertx.core.buffer.Buffer.buffer(text));
          }
        }
        if (crossing && batch.length() > 0) {
          from.eventBus().send(FLOOR_ADDRESS, batch);
        }
      };
      FloorTrades trades = roundTrip ? new FloorTrades(vertx, groups, trip.requestBytes()) : null;
      if (roundTrip) {
        ownerSide = FloorTrades.ownerSide(from, journal, committed, trip.replyBytes(), handOn);
        BenchSupport.await(ownerSide.completion(), 30);
      }
      for (int round = 0; round < 2; round++) {
        int phaseSeconds = round == 0 ? warmup : seconds;
        long total = (long) rate * phaseSeconds;
        long interval = TimeUnit.SECONDS.toNanos(1) / rate;
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
        FloorSchedule schedule = new FloorSchedule(clients, version, total, start, interval);
        io.vertx.core.Promise<Void> sent = io.vertx.core.Promise.promise();
        if (roundTrip) {
          trades.run(schedule, journal, sent);
        } else {
          from.runOnContext(v -> from.setPeriodic(1, timer -> {
            List<Long> due = new ArrayList<>();
            schedule.takeDue(System.nanoTime(), (g, to, intended) -> {
              due.add((long) g);
              due.add(to);
              due.add(intended);
            });
            if (journal == null) {
              long[] messages = new long[due.size() / 3 * 2];
              for (int i = 0, j = 0; i < due.size(); i += 3) {
                messages[j++] = due.get(i);
                messages[j++] = due.get(i + 1);
              }
              handOn.accept(messages);
            } else {
              journal.offer(due, committed, handOn);
            }
            if (journal != null && journal.failure() != null) {
              from.cancelTimer(timer);
              sent.fail(journal.failure());
            } else if (schedule.allDue() && (journal == null || journal.idle())) {
              from.cancelTimer(timer);
              sent.complete();
            }
          }));
        }
        BenchSupport.await(sent.future(), phaseSeconds + 120L);
        // Until every copy has arrived (or 30 s more): a late copy is the latency being measured.
        long copies = total * (subscribers / groups);
        long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (round == 1 && System.nanoTime() < waitUntil && clients.received() < copies) {
          Thread.sleep(100);
        }
        Thread.sleep(round == 0 ? 1000 : 0);
        if (round == 0) {
          clients.reset();
          committed.reset();
          cpu = Cpu.now(clients);
          floorGc = gcTotals();
          floorSent = 0;
        } else {
          floorSent = total;
        }
      }
      System.out.printf("%s at %d messages/s to groups of %d sockets (%,d bytes each), bare Vert.x WebSocket "
          + "server on %s's Vert.x (%d event loops), %s%s: %s%n", durable ? "durable floor" : "floor", rate,
          subscribers / groups, template.length(), front.nodeId(), floorLoops,
          !compress ? "no compression" : shared ? "shared permessage-deflate" : "Netty's permessage-deflate",
          !crossing ? "" : roundTrip ? ", each message a request from " + front.nodeId() + " to " + sender.nodeId()
              + " and its reply and change crossing back" : ", messages made on " + sender.nodeId()
              + " crossing the clustered event bus",
          cpu.perCommit(clients, floorSent).replace("per commit", "per message"));
      if (journal != null) {
        System.out.printf("  each message first committed to PostgreSQL: %s%n  commit (intended send -> COMMIT): %s%n",
            journal.describe(), BenchSupport.latencyLine(committed));
        journal.close();
      }
      if (roundTrip) {
        System.out.printf("  each message a trade's round trip (floorRoundTrip=true): made on %s, a %d-byte request "
            + "to %s and a %d-byte reply after its COMMIT, one in flight per group%n  trade (intended send -> "
            + "reply after COMMIT): %s%n", front.nodeId(), trip.requestBytes(), sender.nodeId(), trip.replyBytes(),
            trades.report());
      } else if (durable && crossing) {
        System.out.printf("  messages made on %s, crossing once (floorRoundTrip=false)%n", sender.nodeId());
      }
      System.out.printf("  client (intended send -> message):            %s (of %,d messages)%n",
          clients.report(), (long) rate * seconds * (subscribers / groups));
      String fromHandOn = clients.reportFromCommit();
      System.out.printf("  client (hand-on -> message, as from COMMIT):  %s%n", fromHandOn);
      System.out.printf("  %s%n", gcLine(floorGc));
      clients.closeSockets();
      return fromHandOn;
    } finally {
      if (consumer != null) {
        consumer.unregister();
      }
      if (ownerSide != null) {
        ownerSide.unregister();
      }
      vertx.undeploy(floorServers);
    }
  }

  /** The floor phases of a run, given a change message as their content: each one's hand-on → client line, by name. */
  private interface FloorPhases {
    java.util.Map<String, String> run(String sample) throws Exception;
  }

  private static final Pattern PERCENTILE = Pattern.compile("\\bp(50|99)=([0-9.]+)");

  /** The service's COMMIT → client over a floor's hand-on → client, at p99 and at p50, from their latency lines. */
  static String ratioLine(String service, String floor, String floorLine) {
    double[] of = percentiles(service);
    double[] against = percentiles(floorLine);
    return String.format(Locale.ROOT, "ratio, service (COMMIT -> client) over %s (hand-on -> client): p99 %.1f / %.1f "
        + "ms = %.2f, p50 %.1f / %.1f ms = %.2f", floor, of[1], against[1], of[1] / against[1], of[0], against[0],
        of[0] / against[0]);
  }

  /** The p50 and p99 of a {@link BenchSupport#latencyLine}, in ms. */
  private static double[] percentiles(String line) {
    double[] values = {Double.NaN, Double.NaN};
    java.util.regex.Matcher m = PERCENTILE.matcher(line);
    while (m.find()) {
      values[m.group(1).equals("50") ? 0 : 1] = Double.parseDouble(m.group(2));
    }
    return values;
  }

  /**
   * The floor's messages as they come due: {@code total} of them, one every {@code interval} from
   * {@code start}, over the groups in turn, each its group's next version, whose intended send
   * time the clients are told. Used on one event loop (the timer's).
   */
  private static final class FloorSchedule {
    private final ClientSide clients;
    private final long[] version;
    private final long total;
    private final long start;
    private final long interval;
    private long next;

    FloorSchedule(ClientSide clients, long[] version, long total, long start, long interval) {
      this.clients = clients;
      this.version = version;
      this.total = total;
      this.start = start;
      this.interval = interval;
    }

    /** A message come due: its group, version and intended send time. */
    interface Due {
      void accept(int group, long version, long intended);
    }

    /** Hands each message due by {@code now} to {@code due}, in order. */
    void takeDue(long now, Due due) {
      while (next < total && start + next * interval <= now) {
        long n = next++;
        int group = (int) (n % version.length);
        long to = ++version[group];
        long intended = start + n * interval;
        clients.sent(group, to, intended);
        due.accept(group, to, intended);
      }
    }

    /** Whether every message has come due. */
    boolean allDue() {
      return next >= total;
    }
  }

  /** The address of the two-node durable floor's trades, on the owner node ({@link FloorTrades}). */
  private static final String FLOOR_TRADE_ADDRESS = "bench.floor.trade";

  /**
   * The sizes of the service's owner request for one trade and of its reply, as the owner path's
   * codecs write them ({@link OwnerWire}): what the two-node durable floor's round trip sends.
   */
  record FloorTrip(int requestBytes, int replyBytes) {
    static FloorTrip of(OwnerRequest.Execute request, CommandOutcomes outcomes) {
      io.vertx.core.buffer.Buffer requestWire = io.vertx.core.buffer.Buffer.buffer();
      OwnerWire.EXECUTE.encodeToWire(requestWire, request);
      io.vertx.core.buffer.Buffer replyWire = io.vertx.core.buffer.Buffer.buffer();
      OwnerWire.OUTCOMES.encodeToWire(replyWire, outcomes);
      return new FloorTrip(requestWire.length(), replyWire.length());
    }

    /** {@code floorTrip=<request bytes>,<reply bytes>}: the sizes of another run, to compare runs of both orders. */
    static FloorTrip parse(String given) {
      String[] sizes = given.split(",");
      if (sizes.length != 2) {
        throw new IllegalArgumentException("floorTrip is <request bytes>,<reply bytes>, not " + given);
      }
      return new FloorTrip(Integer.parseInt(sizes[0].trim()), Integer.parseInt(sizes[1].trim()));
    }
  }

  /**
   * The two-node durable floor's trades ({@code floorRoundTrip=true}): each message is a trade's
   * round trip as the service makes it with {@code tradesVia=front}, in bare Vert.x. It is made
   * on the front node's Vert.x and sent as a clustered event-bus request ({@link
   * #FLOOR_TRADE_ADDRESS}, a Buffer of the service's request size holding the group, the version
   * and the intended send time) to a consumer on the owner node's Vert.x, which commits its row with
   * the others due ({@link DurableFloor}: one statement and COMMIT per batch, one batch in flight),
   * then replies to each request (a Buffer of the service's reply size) and sends the batch's
   * messages to the front in one clustered message, stamped at COMMIT ({@link #floor}'s hand-on):
   * three clustered messages per commit, as the service's request, reply and change.
   *
   * <p>Concurrency, as the bench's {@link Trades} send the service's: one request in flight per
   * group (portfolio), the messages that come due meanwhile queued behind it and sent one at a
   * time as each reply comes back. The service's owner receives one request per trade and its
   * journal writer group-commits what came in while a COMMIT was in flight; the owner side here
   * offers each request to the group commit as it arrives, so the batches form the same way
   * (about 20 messages a second per group at 2,000 a second over 99 groups: a group's next
   * message rarely waits for its reply, as with the service's portfolios). Vert.x's Buffer codec
   * adds four bytes of length to the body on the wire, and the service's messages carry their
   * codec's name in the header: a few bytes either way.
   */
  private static final class FloorTrades {
    private final Vertx front;
    private final int groups;
    private final int requestBytes;
    private final Histogram replied = new Histogram(BenchSupport.HISTOGRAM_MAX_MICROS, 3);
    private ArrayDeque<long[]>[] queued;
    private boolean[] busy;
    private long completed;
    private long failed;

    FloorTrades(Vertx front, int groups, int requestBytes) {
      this.front = front;
      this.groups = groups;
      this.requestBytes = requestBytes;
    }

    /**
     * The owner side: each request's row offered to the group commit; after the COMMIT of its
     * batch, a reply of {@code replyBytes} to each request, then the batch handed on ({@code
     * handOn}: across to the front in one clustered message).
     */
    static io.vertx.core.eventbus.MessageConsumer<io.vertx.core.buffer.Buffer> ownerSide(Vertx owner,
        DurableFloor journal, Histogram committed, int replyBytes,
        java.util.function.Consumer<long[]> handOn) {
      java.util.Map<Long, io.vertx.core.eventbus.Message<io.vertx.core.buffer.Buffer>> awaiting =
          new java.util.concurrent.ConcurrentHashMap<>();
      io.vertx.core.buffer.Buffer reply = io.vertx.core.buffer.Buffer.buffer(new byte[replyBytes]);
      java.util.function.Consumer<long[]> replyThenHandOn = messages -> {
        for (int i = 0; i < messages.length; i += 2) {
          var request = awaiting.remove(Latencies.key((int) messages[i], messages[i + 1]));
          if (request != null) {
            request.reply(reply);
          }
        }
        handOn.accept(messages);
      };
      return owner.eventBus().<io.vertx.core.buffer.Buffer>consumer(FLOOR_TRADE_ADDRESS, request -> {
        io.vertx.core.buffer.Buffer body = request.body();
        int group = body.getInt(0);
        long to = body.getLong(4);
        awaiting.put(Latencies.key(group, to), request);
        journal.offer(List.of((long) group, to, body.getLong(12)), committed, replyThenHandOn);
      });
    }

    /**
     * The messages of {@code schedule}, each sent as it comes due or queued behind its group's
     * request in flight; {@code done} completes when every request has its reply (or fails with
     * the journal).
     */
    @SuppressWarnings("unchecked")
    void run(FloorSchedule schedule, DurableFloor journal, io.vertx.core.Promise<Void> done) {
      queued = new ArrayDeque[groups];
      busy = new boolean[groups];
      for (int g = 0; g < groups; g++) {
        queued[g] = new ArrayDeque<>();
      }
      completed = 0;
      failed = 0;
      replied.reset();
      front.runOnContext(v -> front.setPeriodic(1, timer -> {
        schedule.takeDue(System.nanoTime(), (g, to, intended) -> {
          queued[g].add(new long[] {to, intended});
          if (!busy[g]) {
            send(g);
          }
        });
        if (journal.failure() != null) {
          front.cancelTimer(timer);
          done.tryFail(journal.failure());
        } else if (completed >= schedule.total) {
          front.cancelTimer(timer);
          done.tryComplete();
        }
      }));
    }

    /** The group's next queued message as a request, or the group idle if none waits. */
    private void send(int group) {
      long[] message = queued[group].poll();
      if (message == null) {
        busy[group] = false;
        return;
      }
      busy[group] = true;
      long intended = message[1];
      io.vertx.core.buffer.Buffer body = io.vertx.core.buffer.Buffer.buffer(requestBytes).appendInt(group)
          .appendLong(message[0]).appendLong(intended);
      body.appendBytes(new byte[Math.max(0, requestBytes - body.length())]);
      // As the owner timeout of the measured runs: a late reply is the latency being measured.
      front.eventBus().request(FLOOR_TRADE_ADDRESS, body, new io.vertx.core.eventbus.DeliveryOptions()
          .setSendTimeout(60_000)).onComplete(answer -> {
            replied.recordValue(Math.max(0, Math.min(BenchSupport.HISTOGRAM_MAX_MICROS,
                TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - intended))));
            if (answer.failed()) {
              failed++;
            }
            completed++;
            send(group);
          });
    }

    /** The round trips of the last run: intended send to reply, and how many failed. */
    String report() {
      return BenchSupport.latencyLine(replied) + (failed > 0 ? ", " + failed + " requests failed" : "");
    }
  }

  /**
   * The subscribers' node's shared compression over one phase ({@code pstate.live.deflate}):
   * messages deflated and copies that reused another's bytes, per commit.
   */
  private record Deflates(double deflated, double reused) {
    static Deflates of(Node node) {
      return new Deflates(count(node, "deflated"), count(node, "reused"));
    }

    void print(Node node, long commits) {
      double d = count(node, "deflated") - deflated;
      double r = count(node, "reused") - reused;
      System.out.printf(Locale.ROOT, "  deflate: %,.0f deflated (%.2f per commit), %,.0f reused (%.2f per commit)%n",
          d, d / Math.max(1, commits), r, r / Math.max(1, commits));
    }

    private static double count(Node node, String result) {
      var counter = node.registry().find("pstate.live.deflate").tag("result", result).counter();
      return counter == null ? 0 : counter.count();
    }
  }

  /**
   * The owner node's journal transactions over one phase ({@code pstate.journal.batch.rows}): how
   * many, and the events each wrote on average (the group commit's batching).
   */
  private record JournalBatches(long count, double rows) {
    static JournalBatches of(Node node) {
      var summary = node.registry().find("pstate.journal.batch.rows").summary();
      return summary == null ? new JournalBatches(0, 0) : new JournalBatches(summary.count(), summary.totalAmount());
    }

    void print(Node node, int seconds) {
      JournalBatches end = of(node);
      long transactions = end.count - count;
      System.out.printf(Locale.ROOT, "  journal: %,d transactions (%.0f per second), %.2f events each%n",
          transactions, transactions / (double) seconds, (end.rows - rows) / Math.max(1, transactions));
    }
  }

  /**
   * The hub's stage timers ({@code pstate.live.stage}) of the subscribers' node over one phase:
   * their percentile histograms' counts at its start, subtracted from those at its end.
   */
  private record Stages(java.util.Map<String, io.micrometer.core.instrument.distribution.HistogramSnapshot> start) {
    static final List<String> ORDER = List.of("crossing", "queued", "hub", "handoff", "write", "flushed", "delivered");

    static Stages of(Node node) {
      java.util.Map<String, io.micrometer.core.instrument.distribution.HistogramSnapshot> start =
          new java.util.HashMap<>();
      node.registry().find("pstate.live.stage").timers()
          .forEach(timer -> start.put(timer.getId().getTag("stage"), timer.takeSnapshot()));
      return new Stages(start);
    }

    void print(Node node) {
      for (String stage : ORDER) {
        io.micrometer.core.instrument.Timer timer = node.registry().find("pstate.live.stage").tag("stage", stage)
            .timer();
        if (timer == null) {
          continue;
        }
        var end = timer.takeSnapshot();
        var begin = start.get(stage);
        long count = end.count() - begin.count();
        if (count == 0) {
          System.out.printf("  stage %-9s no samples%n", stage);
          continue;
        }
        double mean = (end.total(TimeUnit.MICROSECONDS) - begin.total(TimeUnit.MICROSECONDS)) / count;
        System.out.printf(Locale.ROOT, "  stage %-9s n=%,d mean %.3f ms, p50 <= %s, p99 <= %s, p99.9 <= %s%n",
            stage, count, mean / 1000, upTo(begin, end, count, 0.5), upTo(begin, end, count, 0.99),
            upTo(begin, end, count, 0.999));
      }
    }

    /** The histogram bucket (upper bound) holding the q-quantile of the phase's samples. */
    private static String upTo(io.micrometer.core.instrument.distribution.HistogramSnapshot begin,
        io.micrometer.core.instrument.distribution.HistogramSnapshot end, long count, double q) {
      var before = begin.histogramCounts();
      var after = end.histogramCounts();
      for (int i = 0; i < after.length; i++) {
        double cumulative = after[i].count() - (i < before.length ? before[i].count() : 0);
        if (cumulative >= q * count) {
          return String.format(Locale.ROOT, "%.3f ms", after[i].bucket(TimeUnit.MICROSECONDS) / 1000);
        }
      }
      return "> 10 s";
    }
  }

  /** Trades sent to the owners through one node, at most one in flight per portfolio. */
  private static final class Trades {
    private final Node node;
    private final List<PortfolioId> ids;
    private final InstrumentId[] instruments;
    /** Trades recorded (committed) so far, for the CPU per commit. */
    static final AtomicLong COMMITS = new AtomicLong();
    private final ClientSide clients;
    private final AtomicLong sequence = new AtomicLong();
    /** The last trade sent and its owner's reply, whose sizes the two-node durable floor's round trip takes. */
    private volatile OwnerRequest.Execute lastRequest;
    private volatile CommandOutcomes lastOutcomes;
    /**
     * Commits slower than this (ms; property {@code live.slowMs}, 0: none) are printed with the
     * wall-clock time of their reply, to line the tail up with what else the node did then
     * (GC log, per-thread CPU sampled from /proc).
     */
    private static final long SLOW_MS = Long.getLong("live.slowMs", 0);

    Trades(Node node, List<PortfolioId> ids, InstrumentId[] instruments, ClientSide clients) {
      this.node = node;
      this.ids = ids;
      this.instruments = instruments;
      this.clients = clients;
    }

    /**
     * The sizes of the last trade's owner request and reply ({@link FloorTrip}); one trade is
     * sent first if none was yet. A position's reply carries its open lots, so a later trade's
     * reply is larger than a first one's.
     */
    FloorTrip lastTrip() throws Exception {
      if (lastOutcomes == null) {
        BenchSupport.await(send(ids.get(0)), 60);
      }
      return FloorTrip.of(lastRequest, lastOutcomes);
    }

    /** Commits since {@code cpu} was taken. */
    long committedSince(Cpu cpu) {
      return COMMITS.get() - cpu.commits();
    }

    private Future<Long> send(PortfolioId id) {
      OwnerRequest.Execute request = new OwnerRequest.Execute(id, List.of(CommandEnvelope.of(
          BenchSupport.randomTrade(id, "live-" + sequence.incrementAndGet(), instruments))));
      return node.owners().<CommandOutcomes>request(request).map(outcomes -> {
        // References only (encoded once, for the floor): the floor's round trip takes their sizes.
        lastRequest = request;
        lastOutcomes = outcomes;
        io.portfoliostate.protocol.CommandOutcome outcome = outcomes.outcomes().get(0);
        if (outcome instanceof io.portfoliostate.protocol.CommandOutcome.Recorded recorded) {
          COMMITS.incrementAndGet();
          return recorded.result().version();
        }
        return -1L;
      });
    }

    /** Trades with {@code inFlight} outstanding for {@code seconds}; commits per second. */
    double closedLoop(int inFlight, int seconds) throws Exception {
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      AtomicLong done = new AtomicLong();
      io.vertx.core.Promise<Void> finished = io.vertx.core.Promise.promise();
      AtomicLong running = new AtomicLong(inFlight);
      node.vertx().runOnContext(v -> {
        for (int i = 0; i < inFlight; i++) {
          loop(i, end, done, running, finished);
        }
      });
      long started = System.nanoTime();
      BenchSupport.await(finished.future(), seconds + 60L);
      return done.get() / ((System.nanoTime() - started) / 1e9);
    }

    private void loop(int slot, long end, AtomicLong done, AtomicLong running, io.vertx.core.Promise<Void> finished) {
      if (System.nanoTime() > end) {
        if (running.decrementAndGet() == 0) {
          finished.complete();
        }
        return;
      }
      // Round-robin over the portfolios (two trades of one portfolio may be in flight: the owner batches them).
      PortfolioId id = ids.get((int) (sequence.get() % ids.size()));
      send(id).onComplete(r -> {
        done.incrementAndGet();
        loop(slot, end, done, running, finished);
      });
    }

    /**
     * Trades at {@code rate} per second for {@code seconds}, spread round-robin over the
     * portfolios; the commit latency from each trade's intended send time.
     */
    Histogram fixedRate(int rate, int seconds) throws Exception {
      Histogram histogram = new Histogram(BenchSupport.HISTOGRAM_MAX_MICROS, 3);
      long total = (long) rate * seconds;
      long interval = TimeUnit.SECONDS.toNanos(1) / rate;
      long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
      @SuppressWarnings("unchecked")
      ArrayDeque<Long>[] queued = new ArrayDeque[ids.size()];
      boolean[] busy = new boolean[ids.size()];
      long[] version = new long[ids.size()];
      for (int i = 0; i < ids.size(); i++) {
        queued[i] = new ArrayDeque<>();
        version[i] = -1;
      }
      io.vertx.core.Promise<Void> finished = io.vertx.core.Promise.promise();
      AtomicLong next = new AtomicLong();
      AtomicLong completed = new AtomicLong();
      Vertx vertx = node.vertx();
      vertx.runOnContext(v -> vertx.setPeriodic(1, timer -> {
        long now = System.nanoTime();
        while (next.get() < total && start + next.get() * interval <= now) {
          long n = next.getAndIncrement();
          int p = (int) (n % ids.size());
          queued[p].add(start + n * interval);
          if (!busy[p]) {
            fire(p, queued, busy, version, histogram, completed, total, finished);
          }
        }
        if (next.get() >= total) {
          vertx.cancelTimer(timer);
        }
      }));
      BenchSupport.await(finished.future(), seconds + 120L);
      return histogram;
    }

    private void fire(int p, ArrayDeque<Long>[] queued, boolean[] busy, long[] version, Histogram histogram,
        AtomicLong completed, long total, io.vertx.core.Promise<Void> finished) {
      Long intended = queued[p].poll();
      if (intended == null) {
        busy[p] = false;
        return;
      }
      busy[p] = true;
      PortfolioId id = ids.get(p);
      if (version[p] >= 0) {
        // The next version of a portfolio with one trade in flight is known before it commits.
        clients.sent(p, version[p] + 1, intended);
      }
      send(id).onComplete(r -> {
        long now = System.nanoTime();
        histogram.recordValue(Math.min(BenchSupport.HISTOGRAM_MAX_MICROS, (now - intended) / 1000));
        LiveTimeline.committed(now, now - intended);
        if (SLOW_MS > 0 && now - intended > SLOW_MS * 1_000_000) {
          System.out.printf("slow commit: replied at %d (epoch ms), %d ms%n", System.currentTimeMillis(),
              (now - intended) / 1_000_000);
        }
        if (r.succeeded() && r.result() > 0) {
          version[p] = r.result();
        }
        if (completed.incrementAndGet() == total) {
          finished.complete();
        }
        fire(p, queued, busy, version, histogram, completed, total, finished);
      });
    }
  }
}
