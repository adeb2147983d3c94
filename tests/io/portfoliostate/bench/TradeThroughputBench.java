package io.portfoliostate.bench;

import static io.portfoliostate.bench.BenchSupport.latencyLine;
import static io.portfoliostate.bench.BenchSupport.portfolio;

import io.portfoliostate.app.Node;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.PortfolioId;
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
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Durable trades per second on one node: {@code portfolios} portfolios are created, then trades
 * to random portfolios are sent (a) through the in-process API with a fixed number of requests
 * in flight (one trade per request), and (b) through {@code POST trades:batch} over loopback HTTP
 * ({@code batch} trades per request, all for one random portfolio, {@code httpInFlight} requests
 * in flight over {@code connections} connections). Each mode: a warm-up, then {@code runs}
 * measured windows of {@code seconds}; a trade counts when its reply (sent after COMMIT) says it
 * was recorded.
 *
 * <p>The modes run one after the other on the same node, so the HTTP mode meets a journal that
 * already holds the in-process trades ({@code modes=http} runs it alone).
 *
 * <p>With {@code nodes=2} (or 3) the same runs against a Hazelcast cluster in this JVM sharing one
 * embedded PostgreSQL: the in-process load enters at the first node (most trades then travel
 * to owners on other nodes), the HTTP load is spread over every node's gateway. On one machine
 * a cluster cannot be faster; it shows what routing costs.
 *
 * <p>Options (key=value): portfolios=10000 inflight=1000,4000 (each level is measured) nodes=1
 * batch=100 httpInFlight=32 connections=8 instruments=50 warmup=10 seconds=12 runs=3
 * modes=inprocess,http, and set.&lt;setting path&gt;=value to override a node setting.
 */
public final class TradeThroughputBench {

  private static final double TARGET_PER_SECOND = 30_000;

  /**
   * A closed-loop load: completed trades are counted, and every request's latency is recorded.
   * Subclasses send from {@code context} and keep {@code outstanding} up to date on it.
   */
  private abstract static class Load {
    final Recorder latencies = new Recorder(BenchSupport.HISTOGRAM_MAX_MICROS, 3);
    final AtomicLong completed = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    final Promise<Void> drained = Promise.promise();
    volatile boolean stopping;
    Context context;
    long sequence;
    int outstanding;

    abstract void start();

    long completed() {
      return completed.get();
    }

    long failed() {
      return failed.get();
    }

    Recorder latencies() {
      return latencies;
    }

    /** Stops sending; completes when nothing is in flight any more. */
    Future<Void> stop() {
      stopping = true;
      context.runOnContext(v -> {
        if (outstanding == 0) {
          drained.tryComplete();
        }
      });
      return drained.future();
    }
  }

  private TradeThroughputBench() {
  }

  public static void main(String[] args) throws Exception {
    BenchSupport.Options options = new BenchSupport.Options(args);
    int portfolios = options.integer("portfolios", 10_000);
    List<Integer> inFlights = options.integers("inflight", "1000,4000");
    int batch = options.integer("batch", 100);
    int httpInFlight = options.integer("httpInFlight", 32);
    int connections = options.integer("connections", 8);
    int warmup = options.integer("warmup", 10);
    int seconds = options.integer("seconds", 12);
    int runs = options.integer("runs", 3);
    String modes = options.string("modes", "inprocess,http");
    int nodeCount = options.integer("nodes", 1);
    InstrumentId[] instruments = BenchSupport.instruments(options.integer("instruments", 50));

    BenchSupport.printMachine("TradeThroughputBench", options);
    Path dataDir = BenchSupport.freshDataDir("throughput");
    Map<String, List<Double>> results = new LinkedHashMap<>();
    long acknowledged = 0;
    List<Node> nodes = BenchSupport.startNodes(dataDir, options.settingOverrides(), nodeCount);
    Node node = nodes.get(0);
    Vertx clientVertx = null;
    try {
      BenchSupport.createPortfolios(node, portfolios);
      if (modes.contains("inprocess")) {
        for (int inFlight : inFlights) {
          Load load = new InProcessLoad(node, portfolios, inFlight, instruments);
          String name = String.format(Locale.ROOT, "in-process API, 1 trade/request, %d in flight%s", inFlight,
              nodeCount > 1 ? ", from the first node's client to owners on all " + nodeCount + " nodes" : "");
          results.put(name, measure(name, node, dataDir, load, warmup, seconds, runs));
          acknowledged += load.completed();
        }
      }
      if (modes.contains("http")) {
        clientVertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
        int[] ports = nodes.stream().mapToInt(Node::httpPort).toArray();
        Load load = new HttpBatchLoad(clientVertx, ports, portfolios, batch, httpInFlight, connections,
            instruments);
        String name = String.format(Locale.ROOT, "HTTP trades:batch, %d trades/request, %d requests in flight, "
            + "%d connections%s", batch, httpInFlight, connections,
            nodeCount > 1 ? ", spread over the " + nodeCount + " nodes' gateways" : "");
        results.put(name, measure(name, node, dataDir, load, warmup, seconds, runs));
        acknowledged += load.completed();
      }

      System.out.println();
      System.out.println("=== TradeThroughputBench summary (durable trades/s, target >= "
          + String.format(Locale.ROOT, "%,.0f", TARGET_PER_SECOND) + ")");
      results.forEach((name, rates) -> {
        double median = BenchSupport.median(rates);
        StringBuilder runsText = new StringBuilder();
        for (double rate : rates) {
          runsText.append(String.format(Locale.ROOT, " %,.0f", rate));
        }
        System.out.printf(Locale.ROOT, "%s: runs%s; median %,.0f/s -> %s%n", name, runsText, median,
            median >= TARGET_PER_SECOND ? "MEETS the target" : "MISSES the target");
      });
      BenchSupport.printJournalDistribution(node);
      printRetainedHeap(portfolios, acknowledged);
      checkJournal(node, acknowledged);
    } finally {
      if (clientVertx != null) {
        BenchSupport.await(clientVertx.close(), 30);
      }
      long closing = System.nanoTime();
      BenchSupport.closeAll(nodes);
      System.out.printf("node closed in %d ms; data left in %s%n", BenchSupport.millisSince(closing), dataDir);
    }
  }

  private static List<Double> measure(String name, Node node, Path dataDir, Load load, int warmup, int seconds, int runs)
      throws Exception {
    System.out.println();
    System.out.println("--- " + name);
    load.start();
    BenchSupport.sleep(TimeUnit.SECONDS.toMillis(warmup));
    System.out.printf(Locale.ROOT, "warm-up %d s: %,d trades%n", warmup, load.completed());
    load.latencies().getIntervalHistogram();
    List<Double> rates = new ArrayList<>();
    for (int run = 1; run <= runs; run++) {
      long before = load.completed();
      long failedBefore = load.failed();
      BenchSupport.JournalMeters journal = BenchSupport.JournalMeters.read(node);
      BenchSupport.CpuMeter cpu = new BenchSupport.CpuMeter(dataDir).start();
      long started = System.nanoTime();
      BenchSupport.sleep(TimeUnit.SECONDS.toMillis(seconds));
      long trades = load.completed() - before;
      double elapsed = (System.nanoTime() - started) / 1e9;
      Histogram latency = load.latencies().getIntervalHistogram();
      double rate = trades / elapsed;
      rates.add(rate);
      System.out.printf(Locale.ROOT, "run %d: %,d trades in %.2f s = %,.0f durable trades/s, %d failed; "
              + "request latency (closed loop) %s%n", run, trades, elapsed, rate, load.failed() - failedBefore,
          latencyLine(latency));
      System.out.println("       " + BenchSupport.JournalMeters.read(node).since(journal));
      double[] cores = cpu.cores();
      double loops = cpu.threadCores("vert.x-eventloo");
      System.out.println("       " + cpu.report());
      System.out.println("       " + cpu.threadReport());
      // CPU per trade does not depend on how much of the machine other processes took.
      System.out.printf(Locale.ROOT, "       cpu per trade: JVM %.1f us (node event loops %.1f us), PostgreSQL %.1f us%n",
          cores[2] * 1e6 / rate, loops * 1e6 / rate, cores[3] * 1e6 / rate);
    }
    long stopping = System.nanoTime();
    BenchSupport.await(load.stop(), 120);
    System.out.printf(Locale.ROOT, "stopped and drained in %d ms; median %,.0f trades/s%n",
        BenchSupport.millisSince(stopping), BenchSupport.median(rates));
    return rates;
  }

  /**
   * The heap still in use after a full collection, with the node idle: what the node keeps per
   * portfolio and per trade it has recorded (states, idempotency indexes), which the collector
   * has to trace while the load runs.
   */
  private static void printRetainedHeap(int portfolios, long trades) {
    Runtime runtime = Runtime.getRuntime();
    System.gc();
    long used = runtime.totalMemory() - runtime.freeMemory();
    System.out.printf(Locale.ROOT, "heap in use after a full GC: %,d MiB for %,d portfolios and %,d trades recorded "
        + "(%,.0f bytes per trade)%n", used >> 20, portfolios, trades, (double) used / Math.max(1, trades));
  }

  /** The journal must hold at least every trade that was acknowledged. */
  private static void checkJournal(Node node, long acknowledged) throws Exception {
    try (Connection connection = BenchSupport.jdbc(node); Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery("SELECT count(*) FROM portfolio_events WHERE type = 'TradeRecorded'")) {
      rows.next();
      long journaled = rows.getLong(1);
      System.out.printf(Locale.ROOT, "check: %,d trades acknowledged, %,d TradeRecorded rows in the journal -> %s%n",
          acknowledged, journaled, journaled >= acknowledged ? "OK" : "LOST ACKNOWLEDGED TRADES");
    }
  }

  /** Trades to random portfolios through {@code node.owners()}, from one event-loop context of the node. */
  private static final class InProcessLoad extends Load {
    private final Node node;
    private final int portfolios;
    private final int inFlight;
    private final InstrumentId[] instruments;

    InProcessLoad(Node node, int portfolios, int inFlight, InstrumentId[] instruments) {
      this.node = node;
      this.portfolios = portfolios;
      this.inFlight = inFlight;
      this.instruments = instruments;
    }

    @Override
    void start() {
      context = node.vertx().getOrCreateContext();
      context.runOnContext(v -> {
        for (int i = 0; i < inFlight; i++) {
          send();
        }
      });
    }

    private void send() {
      if (stopping) {
        if (outstanding == 0) {
          drained.tryComplete();
        }
        return;
      }
      PortfolioId id = portfolio(ThreadLocalRandom.current().nextInt(portfolios));
      String tradeId = "p" + inFlight + "-" + sequence++;
      OwnerRequest.Execute request = new OwnerRequest.Execute(id,
          List.of(CommandEnvelope.of(BenchSupport.randomTrade(id, tradeId, instruments))));
      long sent = System.nanoTime();
      outstanding++;
      node.owners().<CommandOutcomes>request(request).onComplete(reply -> {
        outstanding--;
        latencies.recordValue(Math.min(BenchSupport.HISTOGRAM_MAX_MICROS, (System.nanoTime() - sent) / 1000));
        if (reply.succeeded() && BenchSupport.recorded(reply.result()) == 1) {
          completed.incrementAndGet();
        } else {
          if (failed.incrementAndGet() <= 5) {
            System.out.println("failed: " + (reply.failed() ? reply.cause() : reply.result()));
          }
        }
        send();
      });
    }

  }

  /**
   * {@code POST /api/v1/portfolios/{id}/trades:batch} with {@code batch} new trades for one
   * random portfolio per request, from a client on its own Vert.x instance (one event loop).
   */
  private static final class HttpBatchLoad extends Load {
    private static final String RECORDED = "\"status\":201";

    private final Vertx vertx;
    private final int[] ports;
    private long requests;
    private final int portfolios;
    private final int batch;
    private final int inFlight;
    private final InstrumentId[] instruments;
    private final HttpClientAgent client;

    /** Requests go to the nodes listening on {@code ports} in turn (one port: one node). */
    HttpBatchLoad(Vertx vertx, int[] ports, int portfolios, int batch, int inFlight, int connections,
        InstrumentId[] instruments) {
      this.vertx = vertx;
      this.ports = ports;
      this.portfolios = portfolios;
      this.batch = batch;
      this.inFlight = inFlight;
      this.instruments = instruments;
      this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true),
          new PoolOptions().setHttp1MaxSize(connections));
    }

    @Override
    void start() {
      context = vertx.getOrCreateContext();
      context.runOnContext(v -> {
        // Named so that the CPU report tells the load generator from the node's event loops.
        Thread.currentThread().setName("bench-http-client");
        for (int i = 0; i < inFlight; i++) {
          send();
        }
      });
    }

    private Buffer body() {
      ThreadLocalRandom random = ThreadLocalRandom.current();
      StringBuilder json = new StringBuilder(batch * 110).append("{\"trades\":[");
      for (int i = 0; i < batch; i++) {
        if (i > 0) {
          json.append(',');
        }
        json.append("{\"tradeId\":\"h-").append(sequence++)
            .append("\",\"instrumentId\":\"").append(instruments[random.nextInt(instruments.length)].value())
            .append("\",\"side\":\"").append(random.nextBoolean() ? "BUY" : "SELL")
            .append("\",\"quantity\":\"").append(1 + random.nextInt(100))
            .append("\",\"price\":\"").append(10 + random.nextInt(200)).append('.').append(random.nextInt(10))
            .append(random.nextInt(10)).append("\"}");
      }
      return Buffer.buffer(json.append("]}").toString());
    }

    private void send() {
      if (stopping) {
        if (outstanding == 0) {
          drained.tryComplete();
        }
        return;
      }
      PortfolioId id = portfolio(ThreadLocalRandom.current().nextInt(portfolios));
      Buffer body = body();
      RequestOptions request = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1")
          .setPort(ports[(int) (requests++ % ports.length)])
          .setURI("/api/v1/portfolios/" + id.value() + "/trades:batch")
          .putHeader("content-type", "application/json")
          .putHeader(BenchSupport.AUTHORIZATION, BenchSupport.ADMIN_BEARER);
      long sent = System.nanoTime();
      outstanding++;
      client.request(request)
          .compose(req -> req.send(body))
          .compose(response -> response.body().map(buffer -> response.statusCode() == 200
              ? count(buffer.toString()) : -response.statusCode()))
          .onComplete(result -> {
            outstanding--;
            latencies.recordValue(Math.min(BenchSupport.HISTOGRAM_MAX_MICROS, (System.nanoTime() - sent) / 1000));
            int recorded = result.succeeded() ? result.result() : 0;
            if (recorded > 0) {
              completed.addAndGet(recorded);
            }
            if (recorded != batch) {
              if (failed.addAndGet(batch - Math.max(0, recorded)) <= 5L * batch) {
                System.out.println("failed: " + (result.failed() ? result.cause() : "recorded " + recorded));
              }
            }
            send();
          });
    }

    private static int count(String text) {
      int n = 0;
      for (int at = text.indexOf(RECORDED); at >= 0; at = text.indexOf(RECORDED, at + RECORDED.length())) {
        n++;
      }
      return n;
    }

    @Override
    Future<Void> stop() {
      return super.stop().eventually(() -> client.close());
    }
  }
}
