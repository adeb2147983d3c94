package io.portfoliostate.bench;

import static io.portfoliostate.bench.BenchSupport.latencyLine;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import io.portfoliostate.app.Node;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.domain.RecordTrade;
import io.portfoliostate.protocol.CommandEnvelope;
import io.portfoliostate.protocol.CommandOutcomes;
import io.portfoliostate.protocol.OwnerRequest;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * Latency at a fixed request rate over loopback HTTP, corrected for coordinated omission: the
 * requests follow a schedule ({@code rate} per second, evenly spaced) whatever the answers do,
 * and each latency is measured from the request's <em>intended</em> send time, so a stall
 * counts for every request it delayed, not just for the one that met it.
 *
 * <p>Phases, each a warm-up (not recorded) then {@code seconds} recorded: {@code get} reads the
 * state of a random portfolio ({@code GET /api/v1/portfolios/{id}}), {@code post} records a new
 * trade for a random portfolio ({@code POST /api/v1/portfolios/{id}/trades}, 201 after COMMIT),
 * and {@code live} ({@code GET /health/live}) is a baseline: the same client, HTTP server and
 * machine, without owner, event bus or database, so it shows the floor under the other two.
 *
 * <p>Each phase starts with a closed-loop warm-up ({@code prewarm} seconds, 8 requests at a time)
 * so the JIT has compiled the path, then a fixed-rate warm-up of {@code warmup} seconds.
 *
 * <p>The cost of routing: with {@code nodes=2} (or more) the bench starts a Hazelcast cluster in
 * this JVM (one embedded PostgreSQL) and uses only the portfolios the first node owns; the
 * phases {@code get} and {@code post} send to that owner's HTTP port, {@code get-routed} and
 * {@code post-routed} to the second node's, which forwards each request to the owner over the
 * clustered event bus.
 *
 * <p>Options (key=value): rate=2000 seconds=20 prewarm=10 warmup=5 portfolios=1000 seedTrades=20
 * instruments=50 connections=64 nodes=1 phases=live,get,post (with nodes ≥ 2 also get-routed,
 * post-routed), redis=false (true: a Redis server for the node's cache, and a get-cached phase:
 * reads with consistency=cached, sent to the last node), and set.&lt;setting path&gt;=value to
 * override a node setting. For valuation: {@code prices=true} posts a price for every
 * instrument first (so reads are valued), {@code spread=true} gives a portfolio of n seed trades
 * n positions (trade t in instrument t): {@code portfolios=200 seedTrades=500 instruments=500
 * spread=true prices=true phases=get} reads 500-position portfolios with valuation.
 *
 * <p>{@code server=process}: the service runs as a process of its own (with this JVM's heap
 * and collector flags), set up over HTTP, so that its GC pauses stop only the service and never
 * the load generator's clock; one node, without Redis.
 */
public final class LatencyBench {

  private static final double GET_P99_TARGET_MS = 2;
  private static final double POST_P99_TARGET_MS = 10;

  private LatencyBench() {
  }

  public static void main(String[] args) throws Exception {
    BenchSupport.Options options = new BenchSupport.Options(args);
    int rate = options.integer("rate", 2000);
    int seconds = options.integer("seconds", 20);
    int prewarm = options.integer("prewarm", 10);
    int warmup = options.integer("warmup", 5);
    int portfolios = options.integer("portfolios", 1000);
    int seedTrades = options.integer("seedTrades", 20);
    int connections = options.integer("connections", 64);
    int nodeCount = options.integer("nodes", 1);
    boolean withRedis = options.string("redis", "false").equals("true");
    boolean serverProcess = options.string("server", "jvm").equals("process");
    if (serverProcess && (nodeCount > 1 || withRedis)) {
      throw new IllegalArgumentException("server=process runs one node without Redis");
    }
    String phases = options.string("phases", nodeCount > 1 ? "live,get,get-routed,post,post-routed" : "live,get,post");
    InstrumentId[] instruments = BenchSupport.instruments(options.integer("instruments", 50));

    BenchSupport.printMachine("LatencyBench", options);
    Path dataDir = BenchSupport.freshDataDir("latency");
    io.portfoliostate.fixtures.TestRedis redis = withRedis ? io.portfoliostate.fixtures.TestRedis.start() : null;
    io.vertx.core.json.JsonObject overrides = options.settingOverrides();
    if (redis != null) {
      overrides.put("cache", new io.vertx.core.json.JsonObject().put("redisUrl", redis.url()));
      phases = phases + ",get-cached";
    }
    ServerProcessTarget server = serverProcess ? ServerProcessTarget.start(dataDir) : null;
    List<Node> nodes = serverProcess ? List.of() : BenchSupport.startNodes(dataDir, overrides, nodeCount);
    Node node = serverProcess ? null : nodes.get(0);
    Vertx clientVertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    Map<String, Histogram> results = new LinkedHashMap<>();
    try {
      boolean spread = options.string("spread", "false").equals("true");
      if (server != null) {
        server.createPortfolios(portfolios);
        server.seed(portfolios, seedTrades, instruments, spread);
      } else {
        BenchSupport.createPortfolios(node, portfolios);
        seed(node, portfolios, seedTrades, instruments, spread);
      }
      if (options.string("prices", "false").equals("true")) {
        BenchSupport.postPrices(server != null ? server.port() : node.httpPort(), instruments);
      }
      int[] owned = java.util.stream.IntStream.range(0, portfolios)
          .filter(i -> server != null || node.shards().isLocal(BenchSupport.portfolio(i))).toArray();
      if (nodeCount > 1) {
        System.out.printf("node %s owns %,d of the %,d portfolios; the phases use those%n", node.nodeId(),
            owned.length, portfolios);
      }
      HttpClientAgent client = clientVertx.createHttpClient(
          new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true),
          new PoolOptions().setHttp1MaxSize(connections));
      Context context = clientVertx.getOrCreateContext();
      // Named so that the CPU report tells the load generator from the node's event loops.
      context.runOnContext(v -> Thread.currentThread().setName("bench-http-client"));
      for (String phase : phases.split(",")) {
        // Cached reads go to the last node: in a cluster, usually not the owner.
        int port = server != null ? server.port() : phase.trim().endsWith("-routed") ? nodes.get(1).httpPort()
            : phase.trim().equals("get-cached") ? nodes.get(nodes.size() - 1).httpPort() : node.httpPort();
        Schedule schedule = new Schedule(client, context, port, phase.trim(), owned, instruments);
        System.out.println();
        System.out.printf(Locale.ROOT, "--- %s at %,d requests/s%n", schedule.describe(), rate);
        if (prewarm > 0) {
          long requests = schedule.prewarm(8, prewarm);
          System.out.printf(Locale.ROOT, "closed-loop warm-up %d s, 8 at a time: %,d requests, %d errors%n", prewarm,
              requests, schedule.errors());
        }
        Histogram warm = schedule.run(rate, warmup);
        System.out.println("fixed-rate warm-up " + warmup + " s: " + latencyLine(warm) + ", " + schedule.errors()
            + " errors");
        BenchSupport.CpuMeter cpu = new BenchSupport.CpuMeter(dataDir).start();
        BenchSupport.JournalMeters journal = server != null ? null : BenchSupport.JournalMeters.read(node);
        long started = System.nanoTime();
        Histogram measured = schedule.run(rate, seconds);
        double elapsed = (System.nanoTime() - started) / 1e9;
        System.out.printf(Locale.ROOT, "measured %d s: %s, %d errors, %.0f requests/s completed%n", seconds,
            latencyLine(measured), schedule.errors(), measured.getTotalCount() / elapsed);
        System.out.println("       " + cpu.report());
        System.out.println("       " + cpu.threadReport());
        System.out.println("       " + schedule.timeline());
        if (phase.trim().startsWith("post") && server != null) {
          server.printServerLatency();
        } else if (phase.trim().startsWith("post")) {
          System.out.println("       " + BenchSupport.JournalMeters.read(node).since(journal));
          printServerLatency(node);
          BenchSupport.printJournalDistribution(node);
        }
        results.put(phase.trim(), measured);
      }
      BenchSupport.await(client.close(), 30);

      System.out.println();
      System.out.printf(Locale.ROOT, "=== LatencyBench summary (%,d requests/s, %d s each, latency from the intended "
          + "send time)%n", rate, seconds);
      results.forEach((phase, h) -> {
        if (phase.equals("live")) {
          System.out.printf(Locale.ROOT, "%-11s %s (baseline, no target)%n", "LIVE", latencyLine(h));
          return;
        }
        double target = phase.startsWith("get") ? GET_P99_TARGET_MS : POST_P99_TARGET_MS;
        double p99 = BenchSupport.ms(h.getValueAtPercentile(99));
        System.out.printf(Locale.ROOT, "%-11s %s -> p99 target < %.0f ms: %s%n", phase.toUpperCase(Locale.ROOT),
            latencyLine(h), target, p99 < target ? "MEETS" : "MISSES");
      });
    } finally {
      BenchSupport.await(clientVertx.close(), 30);
      BenchSupport.closeAll(nodes);
      if (server != null) {
        server.close();
      }
      if (redis != null) {
        redis.close();
      }
      System.out.println("nodes closed; data left in " + dataDir);
    }
  }

  /** Gives every portfolio {@code trades} trades, so that a GET renders a realistic state. */
  private static void seed(Node node, int portfolios, int trades, InstrumentId[] instruments, boolean spread)
      throws Exception {
    if (trades <= 0) {
      return;
    }
    long started = System.nanoTime();
    Promise<Void> done = Promise.promise();
    AtomicInteger next = new AtomicInteger();
    AtomicInteger finished = new AtomicInteger();
    node.vertx().getOrCreateContext().runOnContext(v -> {
      for (int i = 0; i < Math.min(100, portfolios); i++) {
        seedNext(node, portfolios, trades, instruments, spread, next, finished, done);
      }
    });
    BenchSupport.await(done.future(), 600);
    System.out.printf("seeded %,d trades (%d per portfolio) in %d ms%n", (long) portfolios * trades, trades,
        BenchSupport.millisSince(started));
  }

  private static void seedNext(Node node, int portfolios, int trades, InstrumentId[] instruments, boolean spread,
      AtomicInteger next, AtomicInteger finished, Promise<Void> done) {
    int i = next.getAndIncrement();
    if (i >= portfolios) {
      return;
    }
    PortfolioId id = BenchSupport.portfolio(i);
    List<CommandEnvelope> commands = new ArrayList<>(trades);
    for (int t = 0; t < trades; t++) {
      // spread: trade t in instrument t, so a portfolio of n trades holds n positions.
      RecordTrade trade = spread ? BenchSupport.randomTrade(id, "seed-" + t, new InstrumentId[] {instruments[t % instruments.length]})
          : BenchSupport.randomTrade(id, "seed-" + t, instruments);
      commands.add(CommandEnvelope.of(trade));
    }
    node.owners().<CommandOutcomes>request(new OwnerRequest.Execute(id, commands)).onComplete(reply -> {
      if (reply.failed() || BenchSupport.recorded(reply.result()) != trades) {
        done.tryFail("seeding " + id + " failed: " + (reply.failed() ? reply.cause() : reply.result()));
      } else if (finished.incrementAndGet() == portfolios) {
        done.tryComplete();
      } else {
        seedNext(node, portfolios, trades, instruments, spread, next, finished, done);
      }
    });
  }

  /**
   * The server's own view, hop by hop: from the owner receiving a command to its reply after
   * COMMIT, the part of it spent queued behind the portfolio's previous write, the wait for a
   * journal write slot, and the write itself.
   */
  private static void printServerLatency(Node node) {
    for (String name : new String[] {"pstate.command.latency", "pstate.owner.queue.wait",
        "pstate.journal.queue.wait", "pstate.journal.commit"}) {
      StringBuilder line = new StringBuilder("       server " + name + " (recent window):");
      double[] worst = new double[3];
      for (Timer timer : node.registry().find(name).timers()) {
        HistogramSnapshot snapshot = timer.takeSnapshot();
        ValueAtPercentile[] values = snapshot.percentileValues();
        for (int i = 0; i < Math.min(3, values.length); i++) {
          worst[i] = Math.max(worst[i], values[i].value(TimeUnit.MILLISECONDS));
        }
      }
      line.append(String.format(Locale.ROOT, " p50=%.3f p99=%.3f p99.9=%.3f ms", worst[0], worst[1], worst[2]));
      System.out.println(line);
    }
  }

  /**
   * An open-loop schedule: a pacer thread releases requests at their intended times (in groups
   * when it wakes late), the client's event loop sends them, and each answer records
   * {@code now - intended} in a histogram touched only by that event loop.
   */
  private static final class Schedule {
    private final HttpClientAgent client;
    private final Context context;
    private final int port;
    private final String phase;
    private final int[] portfolios;
    private final InstrumentId[] instruments;
    private final boolean routed;
    private final boolean cached;
    private Histogram histogram;
    /** The worst latency (microseconds) of the requests intended in each second of the run. */
    private long[] worstPerSecond;
    private long runStart;
    private int outstanding;
    private boolean released;
    private Promise<Void> finished;
    private long errors;
    private long sequence;

    Schedule(HttpClientAgent client, Context context, int port, String phase, int[] portfolios,
        InstrumentId[] instruments) {
      String kind = phase.replace("-routed", "").replace("-cached", "");
      if (!kind.equals("get") && !kind.equals("post") && !phase.equals("live")) {
        throw new IllegalArgumentException("phases are get, post, get-routed, post-routed and live, not " + phase);
      }
      this.client = client;
      this.context = context;
      this.port = port;
      this.phase = kind;
      this.routed = phase.endsWith("-routed");
      this.cached = phase.endsWith("-cached");
      this.portfolios = portfolios;
      this.instruments = instruments;
    }

    String describe() {
      String via = routed ? " via a node that does not own it" : cached ? "?consistency=cached (Redis)" : "";
      return switch (phase) {
        case "get" -> "GET /api/v1/portfolios/{random}" + via;
        case "post" -> "POST /api/v1/portfolios/{random}/trades" + via;
        default -> "GET /health/live (baseline: HTTP and the machine, no owner, no database)";
      };
    }

    long errors() {
      return errors;
    }

    /** The worst latency of each second of the last run, in ms: where the tail comes from. */
    String timeline() {
      StringBuilder line = new StringBuilder("worst latency per second (ms):");
      for (long micros : worstPerSecond) {
        line.append(' ').append(micros < 10_000 ? String.format(Locale.ROOT, "%.1f", micros / 1000.0)
            : Long.toString(micros / 1000));
      }
      return line.toString();
    }

    /**
     * A closed-loop warm-up: {@code concurrency} requests at a time for {@code seconds}, so the
     * JIT compiles the paths before the schedule starts (a fixed rate on a cold JVM only builds a
     * queue). Returns the number of requests.
     */
    long prewarm(int concurrency, int seconds) throws Exception {
      Promise<Void> ready = Promise.promise();
      context.runOnContext(v -> {
        histogram = new Histogram(BenchSupport.HISTOGRAM_MAX_MICROS, 3);
        worstPerSecond = new long[1];
        runStart = System.nanoTime();
        errors = 0;
        outstanding = 0;
        released = false;
        finished = Promise.promise();
        ready.complete();
      });
      BenchSupport.await(ready.future(), 10);
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      Promise<Void> drained = Promise.promise();
      context.runOnContext(v -> {
        for (int i = 0; i < concurrency; i++) {
          loop(until, drained);
        }
      });
      BenchSupport.await(drained.future(), seconds + 120L);
      return histogram.getTotalCount();
    }

    private void loop(long until, Promise<Void> drained) {
      if (System.nanoTime() >= until) {
        if (outstanding == 0) {
          drained.tryComplete();
        }
        return;
      }
      send(System.nanoTime()).onComplete(done -> loop(until, drained));
    }

    /** Runs the schedule for {@code seconds}, then waits for the last answers. */
    Histogram run(int rate, int seconds) throws Exception {
      Promise<Void> ready = Promise.promise();
      context.runOnContext(v -> {
        histogram = new Histogram(BenchSupport.HISTOGRAM_MAX_MICROS, 3);
        worstPerSecond = new long[seconds + 1];
        errors = 0;
        outstanding = 0;
        released = false;
        finished = Promise.promise();
        ready.complete();
      });
      BenchSupport.await(ready.future(), 10);
      long interval = 1_000_000_000L / rate;
      long total = (long) rate * seconds;
      long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1);
      context.runOnContext(v -> runStart = start);
      long next = 0;
      while (next < total) {
        long now = System.nanoTime();
        long due = Math.min(total, (now - start) / interval + 1);
        if (due > next) {
          long first = next;
          long last = due;
          context.runOnContext(v -> {
            for (long i = first; i < last; i++) {
              send(start + i * interval);
            }
          });
          next = due;
        }
        long wait = start + next * interval - System.nanoTime();
        if (wait > 0) {
          LockSupport.parkNanos(wait);
        }
      }
      Promise<Void> drained = Promise.promise();
      context.runOnContext(v -> {
        released = true;
        if (outstanding == 0) {
          finished.tryComplete();
        }
        finished.future().onComplete(drained);
      });
      BenchSupport.await(drained.future(), 120);
      return histogram;
    }

    private Future<Void> send(long intended) {
      PortfolioId id = BenchSupport.portfolio(portfolios[ThreadLocalRandom.current().nextInt(portfolios.length)]);
      RequestOptions request = new RequestOptions().setHost("127.0.0.1").setPort(port)
          .putHeader(BenchSupport.AUTHORIZATION, BenchSupport.ADMIN_BEARER);
      Buffer body = null;
      int expected;
      if (phase.equals("live")) {
        request.setMethod(HttpMethod.GET).setURI("/health/live");
        expected = 200;
      } else if (phase.equals("get")) {
        request.setMethod(HttpMethod.GET).setURI("/api/v1/portfolios/" + id.value() + (cached ? "?consistency=cached" : ""));
        expected = 200;
      } else {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        request.setMethod(HttpMethod.POST).setURI("/api/v1/portfolios/" + id.value() + "/trades")
            .putHeader("content-type", "application/json");
        body = Buffer.buffer("{\"tradeId\":\"lat-" + sequence++ + "\",\"instrumentId\":\""
            + instruments[random.nextInt(instruments.length)].value() + "\",\"side\":\""
            + (random.nextBoolean() ? "BUY" : "SELL") + "\",\"quantity\":\"" + (1 + random.nextInt(100))
            + "\",\"price\":\"" + (10 + random.nextInt(200)) + "." + random.nextInt(100) + "\"}");
        expected = 201;
      }
      Buffer payload = body;
      outstanding++;
      return client.request(request)
          .compose(req -> payload == null ? req.send() : req.send(payload))
          .compose(response -> response.body().map(b -> response.statusCode()))
          .onComplete(result -> {
            long micros = (System.nanoTime() - intended) / 1000;
            histogram.recordValue(Math.min(BenchSupport.HISTOGRAM_MAX_MICROS, Math.max(0, micros)));
            int second = (int) Math.min(worstPerSecond.length - 1, Math.max(0, (intended - runStart) / 1_000_000_000L));
            worstPerSecond[second] = Math.max(worstPerSecond[second], micros);
            if (result.failed() || result.result() != expected) {
              if (++errors <= 5) {
                System.out.println("error: " + (result.failed() ? result.cause() : "status " + result.result()));
              }
            }
            if (--outstanding == 0 && released) {
              finished.tryComplete();
            }
          }).mapEmpty();
    }
  }
}
