package io.portfoliostate.bench;

import static io.portfoliostate.bench.BenchSupport.latencyLine;

import io.portfoliostate.app.Node;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.fixtures.TestKeys;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Latency of a consolidated read ({@code GET /api/v1/portfolios/{root}/consolidated}) of a root
 * with {@code descendants} descendants spread over a cluster of {@code nodes} nodes in this JVM
 * (one embedded PostgreSQL), against its floor in the same run: a single-portfolio strong read
 * ({@code GET /api/v1/portfolios/{root}}) through the same node and client.
 *
 * <p>The tree: the root (USD), {@code children} children under it, the other descendants spread
 * evenly under the children; base currencies rotate USD, EUR, GBP; each portfolio deposits cash
 * and holds {@code positions} positions (longs and shorts) in instruments that all have prices,
 * with EUR/USD and GBP/USD quoted, so every read is fully valued. Everything is set up over
 * HTTP, each write through the next node, with authentication on (every request carries the
 * tests' admin key, as {@code TestNode} provisions it).
 *
 * <p>One client, one request at a time (closed loop), so the figures are latencies, not
 * throughput. After {@code warmup} reads of each kind, {@code rounds} rounds each take
 * {@code reads} consolidated reads then {@code reads} single reads, so that both kinds see the
 * same machine load; the histograms are in microseconds. A consolidated read that did not answer
 * 200, complete, with every portfolio, fails the run.
 *
 * <p>Options (key=value): nodes=3 descendants=100 children=10 positions=5 instruments=20
 * warmup=200 rounds=5 reads=200, and set.&lt;setting path&gt;=value to override a node setting.
 */
public final class ConsolidatedReadBench {

  private static final String[] BASES = {"USD", "EUR", "GBP"};

  private ConsolidatedReadBench() {
  }

  public static void main(String[] args) throws Exception {
    BenchSupport.Options options = new BenchSupport.Options(args);
    int nodeCount = options.integer("nodes", 3);
    int descendants = options.integer("descendants", 100);
    int children = Math.min(descendants, options.integer("children", 10));
    int positions = options.integer("positions", 5);
    int instruments = options.integer("instruments", 20);
    int warmup = options.integer("warmup", 200);
    int rounds = options.integer("rounds", 5);
    int reads = options.integer("reads", 200);

    BenchSupport.printMachine("ConsolidatedReadBench", options);
    Path dataDir = BenchSupport.freshDataDir("consolidated");
    // Authentication stays on (as deployed): every request carries the tests' admin key.
    JsonObject overrides = new JsonObject().put("security", new JsonObject()
        .put("adminKeyFile", TestKeys.adminKeyFile().toString())).mergeIn(options.settingOverrides(), true);
    List<Node> nodes = BenchSupport.startNodes(dataDir, overrides, nodeCount);
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
    try {
      Setup setup = new Setup(client, nodes);
      long started = System.nanoTime();
      setup.market(instruments);
      List<String> ids = setup.tree(descendants, children, positions, instruments);
      System.out.printf("tree of %d portfolios (root + %d descendants, %d children) set up in %d ms%n", ids.size(),
          descendants, children, BenchSupport.millisSince(started));
      Map<String, Integer> owners = new TreeMap<>();
      for (String id : ids) {
        owners.merge(nodes.get(0).shards().ownerAddress(PortfolioId.of(id)).split("\\.")[2], 1, Integer::sum);
      }
      System.out.println("portfolios per owner node: " + owners.values());

      int port = nodes.get(0).httpPort();
      String consolidated = "http://127.0.0.1:" + port + "/api/v1/portfolios/root/consolidated";
      String single = "http://127.0.0.1:" + port + "/api/v1/portfolios/root";
      JsonObject first = new JsonObject(get(client, consolidated));
      if (!first.getJsonObject("valuation").getBoolean("complete") || first.getInteger("portfolioCount") != ids.size()) {
        throw new IllegalStateException("the consolidated read is not whole: " + first.getJsonObject("valuation")
            + ", " + first.getInteger("portfolioCount") + " portfolios");
      }
      System.out.printf(Locale.ROOT, "consolidated answer: %,d bytes, %d lines, NAV %s USD%n",
          get(client, consolidated).length(), first.getJsonArray("positions").size(),
          first.getJsonObject("valuation").getString("nav"));

      long warmStarted = System.nanoTime();
      measure(client, consolidated, warmup, new Histogram(BenchSupport.HISTOGRAM_MAX_MICROS, 3), ids.size());
      measure(client, single, warmup, new Histogram(BenchSupport.HISTOGRAM_MAX_MICROS, 3), 0);
      System.out.printf("warm-up: %d reads of each in %d ms%n", warmup, BenchSupport.millisSince(warmStarted));

      Histogram wholeTree = new Histogram(BenchSupport.HISTOGRAM_MAX_MICROS, 3);
      Histogram floor = new Histogram(BenchSupport.HISTOGRAM_MAX_MICROS, 3);
      List<Double> roundRatios = new ArrayList<>();
      for (int round = 1; round <= rounds; round++) {
        Histogram c = new Histogram(BenchSupport.HISTOGRAM_MAX_MICROS, 3);
        Histogram s = new Histogram(BenchSupport.HISTOGRAM_MAX_MICROS, 3);
        measure(client, consolidated, reads, c, ids.size());
        measure(client, single, reads, s, 0);
        wholeTree.add(c);
        floor.add(s);
        double ratio = (double) c.getValueAtPercentile(50) / s.getValueAtPercentile(50);
        roundRatios.add(ratio);
        System.out.printf(Locale.ROOT, "round %d: consolidated %s | single %s | median ratio %.1f%n", round,
            latencyLine(c), latencyLine(s), ratio);
      }
      double p50 = BenchSupport.ms(wholeTree.getValueAtPercentile(50));
      double floor50 = BenchSupport.ms(floor.getValueAtPercentile(50));
      System.out.println();
      System.out.printf(Locale.ROOT, "=== ConsolidatedReadBench summary (%d nodes, root + %d descendants, %d positions"
          + " each, one client, one read at a time)%n", nodeCount, descendants, positions);
      System.out.printf(Locale.ROOT, "CONSOLIDATED %s%n", latencyLine(wholeTree));
      System.out.printf(Locale.ROOT, "SINGLE       %s%n", latencyLine(floor));
      System.out.printf(Locale.ROOT, "median ratio consolidated / single: %.1f (per round: %s); %d portfolios read "
          + "one after another would take at least %d × %.3f = %.1f ms%n", p50 / floor50,
          roundRatios.stream().map(r -> String.format(Locale.ROOT, "%.1f", r)).toList(), ids.size(), ids.size(),
          floor50, ids.size() * floor50);
      System.out.printf(Locale.ROOT, "p99 ratio: %.1f%n",
          (double) wholeTree.getValueAtPercentile(99) / floor.getValueAtPercentile(99));
    } finally {
      BenchSupport.closeAll(nodes);
      System.out.println("nodes closed; data left in " + dataDir);
    }
  }

  /** {@code count} sequential reads of {@code url}, each recorded in microseconds. */
  private static void measure(HttpClient client, String url, int count, Histogram histogram, int portfolios)
      throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
        .header("Authorization", "Bearer " + TestKeys.ADMIN).GET().build();
    for (int i = 0; i < count; i++) {
      long started = System.nanoTime();
      HttpResponse<String> answer = client.send(request, HttpResponse.BodyHandlers.ofString());
      histogram.recordValue(Math.min(TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - started),
          BenchSupport.HISTOGRAM_MAX_MICROS));
      if (answer.statusCode() != 200) {
        throw new IllegalStateException(url + " answered " + answer.statusCode() + ": " + answer.body());
      }
      if (portfolios > 0 && !answer.body().contains("\"portfolioCount\":" + portfolios + ",")) {
        throw new IllegalStateException("a consolidated read without every portfolio: " + answer.body());
      }
    }
  }

  private static String get(HttpClient client, String url) throws Exception {
    HttpResponse<String> answer = client.send(HttpRequest.newBuilder(URI.create(url))
        .header("Authorization", "Bearer " + TestKeys.ADMIN).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    if (answer.statusCode() != 200) {
      throw new IllegalStateException(url + " answered " + answer.statusCode() + ": " + answer.body());
    }
    return answer.body();
  }

  /** Builds the market and the tree over HTTP, each request to the next node. */
  private static final class Setup {
    private final HttpClient client;
    private final List<Node> nodes;
    private int next;

    Setup(HttpClient client, List<Node> nodes) {
      this.client = client;
      this.nodes = nodes;
    }

    void market(int instruments) throws Exception {
      JsonArray prices = new JsonArray();
      for (int i = 0; i < instruments; i++) {
        send("PUT", "/api/v1/instruments/CI" + i, new JsonObject().put("currency", BASES[i % 3])
            .put("sector", "Sector" + (i % 4)).put("country", "C" + (i % 5)));
        prices.add(new JsonObject().put("instrumentId", "CI" + i).put("price", (50 + i) + ".25"));
      }
      send("POST", "/api/v1/prices", prices);
      send("POST", "/api/v1/fx-rates", new JsonArray()
          .add(new JsonObject().put("base", "EUR").put("quote", "USD").put("rate", "1.08"))
          .add(new JsonObject().put("base", "GBP").put("quote", "USD").put("rate", "1.27")));
    }

    /** The root, its children, the rest spread under the children; the ids in creation order. */
    List<String> tree(int descendants, int children, int positions, int instruments) throws Exception {
      List<String> ids = new ArrayList<>();
      portfolio("root", "USD", null, positions, instruments, ids);
      for (int c = 0; c < children; c++) {
        portfolio("child-" + c, BASES[(c + 1) % 3], "root", positions, instruments, ids);
      }
      for (int g = 0; g < descendants - children; g++) {
        portfolio("grandchild-" + g, BASES[g % 3], "child-" + (g % children), positions, instruments, ids);
      }
      return ids;
    }

    private void portfolio(String id, String base, String parent, int positions, int instruments, List<String> ids)
        throws Exception {
      send("POST", "/api/v1/portfolios", new JsonObject().put("id", id).put("name", id).put("baseCurrency", base)
          .put("parentId", parent));
      send("POST", "/api/v1/portfolios/" + id + "/cash-flows", new JsonObject().put("flowId", "dep")
          .put("type", "DEPOSIT").put("currency", base).put("amount", "1000000"));
      JsonArray trades = new JsonArray();
      for (int p = 0; p < positions; p++) {
        int instrument = (ids.size() * 7 + p * 3) % instruments;
        trades.add(new JsonObject().put("tradeId", "t-" + p).put("instrumentId", "CI" + instrument)
            .put("side", (ids.size() + p) % 3 == 0 ? "SELL" : "BUY").put("quantity", 10 + p)
            .put("price", (48 + instrument) + ".5"));
      }
      send("POST", "/api/v1/portfolios/" + id + "/trades:batch", new JsonObject().put("trades", trades));
      ids.add(id);
    }

    private void send(String method, String path, Object body) throws Exception {
      Node node = nodes.get(next++ % nodes.size());
      HttpResponse<String> answer = client.send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + node.httpPort() + path)).header("Content-Type", "application/json")
          .header("Authorization", "Bearer " + TestKeys.ADMIN)
          .method(method, HttpRequest.BodyPublishers.ofString(body.toString())).build(),
          HttpResponse.BodyHandlers.ofString());
      if (answer.statusCode() / 100 != 2) {
        throw new IllegalStateException(method + " " + path + " answered " + answer.statusCode() + ": "
            + answer.body());
      }
    }
  }
}
