package io.portfoliostate.bench;

import io.portfoliostate.app.Node;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.fixtures.TestKeys;
import io.portfoliostate.protocol.CommandEnvelope;
import io.portfoliostate.protocol.CommandOutcomes;
import io.portfoliostate.protocol.OwnerRequest;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;

/**
 * Live updates under load (issue 14): commit-to-client latency over the SockJS bridge's raw
 * WebSocket endpoint, and what subscribers cost a commit.
 *
 * <p>{@code latency}: {@code subscribers} WebSocket clients (one client Vert.x with one event
 * loop, in this JVM) each register {@code portfolio.updates.<id>} of one of {@code portfolios}
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
 * <p>{@code floor}: the machine's own floor for the same fan-out (see {@link #floor}), after the
 * latency phase, with a change message it delivered as the content.
 *
 * <p>Options (key=value): nodes=1 subscribers=1000 portfolios=100 rate=2000 seconds=20 warmup=5
 * inFlight=64 phases=throughput,latency,floor compress=true (the clients offer permessage-deflate, as
 * browsers do), and set.&lt;path&gt;=value for node settings.
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
    int warmup = options.integer("warmup", 5);
    int inFlight = options.integer("inFlight", 64);
    String phases = options.string("phases", "throughput,latency,floor");
    BenchSupport.printMachine("LiveBench", options);
    Path dataDir = BenchSupport.freshDataDir("live");
    List<Node> nodes = BenchSupport.startNodes(dataDir, options.settingOverrides(), nodeCount);
    Node front = nodes.get(0);
    Node owner = nodes.get(nodes.size() - 1);
    Vertx clients = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    try {
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
      Trades trades = new Trades(front, ids, instruments);
      Histogram delivered = new Histogram(BenchSupport.HISTOGRAM_MAX_MICROS, 3);
      double alone = 0;
      if (phases.contains("throughput")) {
        trades.closedLoop(inFlight, warmup);
        alone = trades.closedLoop(inFlight, seconds);
        System.out.printf("throughput, 0 subscribers: %,.0f commits/s%n", alone);
      }
      boolean compress = options.string("compress", "true").equals("true");
      AtomicReference<String> sample = new AtomicReference<>();
      List<WebSocket> sockets = connect(clients, front.httpPort(), ids, subscribers, trades, delivered, compress,
          sample);
      System.out.printf("%,d subscribers connected to %s%n", sockets.size(), front.nodeId());
      if (phases.contains("throughput")) {
        trades.closedLoop(inFlight, warmup);
        double with = trades.closedLoop(inFlight, seconds);
        System.out.printf("throughput, %d subscribers: %,.0f commits/s; ratio %.3f%n", subscribers, with,
            with / alone);
      }
      if (phases.contains("latency")) {
        trades.fixedRate(rate, warmup);
        synchronized (delivered) {
          delivered.reset();
        }
        Histogram committed = trades.fixedRate(rate, seconds);
        Thread.sleep(1000);
        synchronized (delivered) {
          System.out.printf("latency at %d commits/s, %d subscribers, %d node(s):%n", rate, subscribers, nodeCount);
          System.out.printf("  commit (intended send -> reply after COMMIT): %s%n", BenchSupport.latencyLine(committed));
          System.out.printf("  client (intended send -> change message):     %s (%,d messages)%n",
              BenchSupport.latencyLine(delivered), delivered.getTotalCount());
        }
      }
      sockets.forEach(WebSocket::close);
      if (phases.contains("floor")) {
        floor(clients, subscribers, ids.size(), rate, seconds, warmup, compress, sample.get());
      }
    } finally {
      clients.close();
      BenchSupport.closeAll(nodes);
    }
  }

  /** When the change that made {@code version} of group {@code group} was meant to be sent, or null. */
  private interface SentAt {
    Long at(int group, long version);
  }

  /** Opens {@code count} sockets, each following one of {@code ids} in turn; records each change's latency. */
  private static List<WebSocket> connect(Vertx vertx, int port, List<PortfolioId> ids, int count, Trades trades,
      Histogram delivered, boolean compress, AtomicReference<String> sample) throws Exception {
    return connect(vertx, port, "/eventbus/websocket?access_token=" + TestKeys.ADMIN, ids.size(), count,
        group -> new JsonObject().put("type", "register").put("address", "portfolio.updates." + ids.get(group).value())
            .encode(),
        (group, version) -> trades.sentAt(ids.get(group), version), delivered, compress, sample);
  }

  /**
   * Opens {@code count} sockets on {@code uri}, socket i in group i % groups, registered with
   * {@code registration}; records the latency of each change message it receives.
   */
  private static List<WebSocket> connect(Vertx vertx, int port, String uri, int groups, int count,
      IntFunction<String> registration, SentAt sentAt, Histogram delivered, boolean compress,
      AtomicReference<String> sample) throws Exception {
    WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(count + 10)
        .setTryUsePerMessageCompression(compress));
    List<WebSocket> sockets = new ArrayList<>();
    AtomicLong snapshots = new AtomicLong();
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
        if (sample != null && (version % 64 == 0 || sample.get() == null)) {
          sample.set(text);
        }
        Long sent = sentAt.at(group, version);
        if (sent != null) {
          synchronized (delivered) {
            delivered.recordValue(Math.min(BenchSupport.HISTOGRAM_MAX_MICROS, (now - sent) / 1000));
          }
        }
      });
      long pinger = vertx.setPeriodic(5000, t -> socket.writeTextMessage("{\"type\":\"ping\"}"));
      socket.closeHandler(v -> vertx.cancelTimer(pinger));
      socket.writeTextMessage(registration.apply(group));
      sockets.add(socket);
    }
    while (snapshots.get() < count) {
      Thread.sleep(20);
    }
    return sockets;
  }

  /**
   * The machine's floor for the same fan-out, in the same run: a bare Vert.x WebSocket server in
   * this JVM (no bridge, no owner, no commit), the same clients (same client Vert.x, same
   * compression), and {@code rate} messages per second, each written to every socket of one of
   * {@code groups} groups in turn, at the same size and content as the service's change messages
   * ({@code sample}, one the clients received; its versions replaced). What the service adds to
   * delivery is its latency over this one.
   */
  private static void floor(Vertx clients, int subscribers, int groups, int rate, int seconds, int warmup,
      boolean compress, String sample) throws Exception {
    String template = sample != null ? sample
        : "{\"type\":\"rec\",\"address\":\"floor\",\"headers\":{},\"body\":{\"kind\":\"change\","
            + "\"fromVersion\":0,\"version\":1,\"events\":[]}}";
    Pattern versions = Pattern.compile("\"fromVersion\":\\d+,\"version\":\\d+");
    Vertx server = Vertx.vertx();
    try {
      List<List<ServerWebSocket>> members = new ArrayList<>();
      for (int g = 0; g < groups; g++) {
        members.add(new CopyOnWriteArrayList<>());
      }
      HttpServer http = BenchSupport.await(server.createHttpServer(new HttpServerOptions().setHost("127.0.0.1")
          .setPort(0).setPerMessageWebSocketCompressionSupported(true))
          .webSocketHandler(ws -> ws.textMessageHandler(text -> {
            if (text.chars().allMatch(Character::isDigit)) {
              members.get(Integer.parseInt(text)).add(ws);
              ws.writeTextMessage("{\"body\":{\"kind\":\"snapshot\"}}");
            }
          })).listen(), 30);
      ConcurrentHashMap<String, Long> sentAt = new ConcurrentHashMap<>();
      Histogram delivered = new Histogram(BenchSupport.HISTOGRAM_MAX_MICROS, 3);
      List<WebSocket> sockets = connect(clients, http.actualPort(), "/floor", groups, subscribers,
          String::valueOf, (group, version) -> sentAt.get(group + "/" + version), delivered, compress, null);
      long[] version = new long[groups];
      for (int round = 0; round < 2; round++) {
        int phaseSeconds = round == 0 ? warmup : seconds;
        long total = (long) rate * phaseSeconds;
        long interval = TimeUnit.SECONDS.toNanos(1) / rate;
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
        AtomicLong next = new AtomicLong();
        io.vertx.core.Promise<Void> sent = io.vertx.core.Promise.promise();
        server.runOnContext(v -> server.setPeriodic(1, timer -> {
          long now = System.nanoTime();
          while (next.get() < total && start + next.get() * interval <= now) {
            long n = next.getAndIncrement();
            int g = (int) (n % groups);
            long to = ++version[g];
            sentAt.put(g + "/" + to, start + n * interval);
            String text = versions.matcher(template).replaceFirst("\"fromVersion\":" + (to - 1) + ",\"version\":" + to);
            for (ServerWebSocket ws : members.get(g)) {
              ws.writeTextMessage(text);
            }
          }
          if (next.get() >= total) {
            server.cancelTimer(timer);
            sent.complete();
          }
        }));
        BenchSupport.await(sent.future(), phaseSeconds + 120L);
        // Until every copy has arrived (or 30 s more): a late copy is the latency being measured.
        long copies = total * (subscribers / groups);
        long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (round == 1 && System.nanoTime() < waitUntil) {
          synchronized (delivered) {
            if (delivered.getTotalCount() >= copies) {
              break;
            }
          }
          Thread.sleep(20);
        }
        Thread.sleep(round == 0 ? 1000 : 0);
        if (round == 0) {
          synchronized (delivered) {
            delivered.reset();
          }
        }
      }
      synchronized (delivered) {
        System.out.printf("floor at %d messages/s to groups of %d sockets (%,d bytes each), bare Vert.x WebSocket "
            + "server:%n", rate, subscribers / groups, template.length());
        System.out.printf("  client (intended send -> message):            %s (%,d of %,d messages)%n",
            BenchSupport.latencyLine(delivered), delivered.getTotalCount(),
            (long) rate * seconds * (subscribers / groups));
      }
      sockets.forEach(WebSocket::close);
    } finally {
      server.close();
    }
  }

  /** Trades sent to the owners through one node, at most one in flight per portfolio. */
  private static final class Trades {
    private final Node node;
    private final List<PortfolioId> ids;
    private final InstrumentId[] instruments;
    private final ConcurrentHashMap<String, Long> sentAt = new ConcurrentHashMap<>();
    private final AtomicLong sequence = new AtomicLong();

    Trades(Node node, List<PortfolioId> ids, InstrumentId[] instruments) {
      this.node = node;
      this.ids = ids;
      this.instruments = instruments;
    }

    /** When the trade that made {@code version} was meant to be sent: every subscriber's copy is measured. */
    Long sentAt(PortfolioId id, long version) {
      return sentAt.get(id.value() + "/" + version);
    }

    private Future<Long> send(PortfolioId id) {
      OwnerRequest.Execute request = new OwnerRequest.Execute(id, List.of(CommandEnvelope.of(
          BenchSupport.randomTrade(id, "live-" + sequence.incrementAndGet(), instruments))));
      return node.owners().<CommandOutcomes>request(request).map(outcomes -> {
        io.portfoliostate.protocol.CommandOutcome outcome = outcomes.outcomes().get(0);
        return outcome instanceof io.portfoliostate.protocol.CommandOutcome.Recorded recorded
            ? recorded.result().version() : -1L;
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
        sentAt.put(id.value() + "/" + (version[p] + 1), intended);
      }
      send(id).onComplete(r -> {
        long now = System.nanoTime();
        histogram.recordValue(Math.min(BenchSupport.HISTOGRAM_MAX_MICROS, (now - intended) / 1000));
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
