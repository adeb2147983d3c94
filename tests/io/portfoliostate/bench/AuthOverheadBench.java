package io.portfoliostate.bench;

import io.portfoliostate.app.Node;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.fixtures.TestKeys;
import io.portfoliostate.fixtures.TestPool;
import io.portfoliostate.persistence.Database;
import io.portfoliostate.persistence.SecurityStore;
import io.portfoliostate.security.ApiKey;
import io.portfoliostate.security.ApiKeySecret;
import io.portfoliostate.security.Authenticator;
import io.portfoliostate.security.Entitlements;
import io.portfoliostate.security.GlobalRole;
import io.portfoliostate.security.Grantee;
import io.portfoliostate.security.PortfolioRole;
import io.portfoliostate.security.Principal;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import org.HdrHistogram.Histogram;

/**
 * What authentication and entitlement checks cost a read: {@code GET /api/v1/portfolios/{id}}
 * throughput in one run against
 *
 * <ul>
 *   <li>{@code reader}: a node with authentication on, called with an API key that holds no
 *       global role, only a {@code read} grant on the portfolios' parent — every request
 *       hashes the key, finds it, and walks from the child to the granted root;</li>
 *   <li>{@code admin}: the same node, called with the admin key (no walk: the global role
 *       decides);</li>
 *   <li>{@code token} (with {@code token=true}): the same node, called with an OpenID Connect
 *       access token of mock-oauth2-server (in this JVM, on loopback) whose subject holds the
 *       same grant: the signature is checked on every request;</li>
 *   <li>{@code off}: a second node, identically seeded, started with {@code security.enabled=off}
 *       (PSTATE_AUTH=off, loopback only), called with no credentials;</li>
 *   <li>{@code offkey} (with {@code control=true}): that node called with the admin key, which it
 *       ignores: what sending and parsing the header alone costs.</li>
 * </ul>
 *
 * Each target gets a closed-loop load of {@code connections} requests in flight over as many
 * connections (one client event loop in this JVM), cycling over the children, for
 * {@code seconds} per round; the targets take turns (reader, admin, token, off, then admin,
 * token, off, reader, ...: each sweep starts one further on) for {@code rounds} sweeps after
 * {@code warmups} sweeps left out, so a slow spell of this shared machine falls on all of them
 * alike. The CPU this JVM used per answered request is reported too: unlike the throughput, it
 * hardly depends on how much of the machine other processes took. Reported: the median throughput of each, its ratio to
 * {@code off} (the issue asks reader/off ≥ 0.90), the median of the per-sweep ratios, and
 * p50/p99 of the response time (sent to body received, HdrHistogram) over all rounds.
 *
 * <p>Options (key=value): children=8 trades=20 instruments=10 connections=32 seconds=3 warmups=3
 * rounds=15 token=true control=false, and {@code set.<path>=value} settings for both nodes; {@code only=micro} runs
 * only the in-process measurement of the checks that ends every run.
 */
public final class AuthOverheadBench {

  private static final Pattern EMBEDDED_PORT = Pattern.compile("\\(port (\\d+)\\)");
  private static final String AUDIENCE = "portfolio-state";
  private static final String TOKEN_SUBJECT = "bench-reader";
  private static final PortfolioId ROOT = PortfolioId.of("auth-root");
  /** A root nobody but admins may read: the reader must get 404 there, or it is not the reader we mean. */
  private static final PortfolioId OUTSIDE = PortfolioId.of("auth-outside");
  private static final double REQUIRED_RATIO = 0.90;

  private AuthOverheadBench() {
  }

  /** One caller of one node. */
  private record Target(String name, String description, int port, String authorization) {
  }

  /** One round of one target. */
  private record Round(double perSecond, Histogram latency, long errors, double jvmCores, String cpu) {

    /** CPU of this JVM (nodes and load generator) per answered request, in microseconds. */
    double cpuMicrosPerRequest() {
      return perSecond == 0 ? Double.NaN : jvmCores * 1e6 / perSecond;
    }
  }

  public static void main(String[] args) throws Exception {
    BenchSupport.Options options = new BenchSupport.Options(args);
    int children = options.integer("children", 8);
    int trades = options.integer("trades", 20);
    InstrumentId[] instruments = BenchSupport.instruments(options.integer("instruments", 10));
    int connections = options.integer("connections", 32);
    int seconds = options.integer("seconds", 3);
    int warmups = options.integer("warmups", 3);
    int rounds = options.integer("rounds", 15);
    boolean withToken = options.string("token", "true").equals("true");
    boolean withHeaderControl = options.string("control", "false").equals("true");
    BenchSupport.printMachine("AuthOverheadBench", options);
    if (options.string("only", "").equals("micro")) {
      microChecks(ApiKeySecret.generate(), children);
      return;
    }

    MockOAuth2Server provider = null;
    List<Node> nodes = new ArrayList<>();
    Vertx clientVertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    TestPool securityPool = null;
    try {
      JsonObject onOverrides = options.settingOverrides();
      String issuer = null;
      if (withToken) {
        provider = new MockOAuth2Server();
        provider.start(InetAddress.getLoopbackAddress(), 0);
        issuer = provider.issuerUrl("corp").toString();
        onOverrides.put("security", new JsonObject().put("oidcIssuer", issuer).put("oidcAudience", AUDIENCE));
      }
      Path onDir = BenchSupport.freshDataDir("auth-on");
      Node on = BenchSupport.startNode(onDir, onOverrides);
      nodes.add(on);
      JsonObject offOverrides = options.settingOverrides().mergeIn(new JsonObject()
          .put("security", new JsonObject().put("enabled", "off")), true);
      Node off = BenchSupport.startNode(BenchSupport.freshDataDir("auth-off"), offOverrides);
      nodes.add(off);

      List<String> uris = new ArrayList<>();
      for (int c = 0; c < children; c++) {
        uris.add("/api/v1/portfolios/" + child(c).value());
      }
      for (Node node : nodes) {
        seed(node.httpPort(), children, trades, instruments);
      }

      // The reader: a key with no global role, and a read grant on the parent of what it reads.
      Matcher port = EMBEDDED_PORT.matcher(on.describeDatabase());
      if (!port.find()) {
        throw new IllegalStateException("no embedded port in " + on.describeDatabase());
      }
      securityPool = TestPool.open(Database.embeddedUri(Integer.parseInt(port.group(1))), "bench-security");
      SecurityStore store = new SecurityStore(securityPool.pool());
      SecurityStore.Actor actor = new SecurityStore.Actor("auth-overhead-bench", null);
      ApiKeySecret.NewKey readerKey = ApiKeySecret.generate();
      BenchSupport.await(store.createKey(readerKey, "bench reader", "bench", Set.of(), null, actor), 30);
      BenchSupport.await(store.grant(new Grantee(Grantee.Type.API_KEY, readerKey.keyId()), PortfolioRole.READ, ROOT,
          actor), 30);
      String token = null;
      if (withToken) {
        BenchSupport.await(store.grant(new Grantee(Grantee.Type.SUBJECT, TOKEN_SUBJECT), PortfolioRole.READ, ROOT,
            actor), 30);
        token = provider.issueToken("corp", TOKEN_SUBJECT, AUDIENCE, Map.of(), 3600).serialize();
      }
      long version = BenchSupport.await(store.version(), 30);
      while (on.securityVersion() < version) {
        BenchSupport.sleep(20); // the node's copy of keys, grants and the tree, polled every refreshMs
      }
      System.out.printf("security version %d on the node: reader key %s (no global role) holds read on %s%n",
          on.securityVersion(), readerKey.keyId(), ROOT);

      List<Target> targets = new ArrayList<>();
      targets.add(new Target("reader", "auth on, API key with a read grant on the parent", on.httpPort(),
          "Bearer " + readerKey.text()));
      targets.add(new Target("admin", "auth on, the admin API key", on.httpPort(), BenchSupport.ADMIN_BEARER));
      if (token != null) {
        targets.add(new Target("token", "auth on, OIDC access token (RS256) with a read grant on the parent",
            on.httpPort(), "Bearer " + token));
      }
      targets.add(new Target("off", "auth off (PSTATE_AUTH=off, loopback), no credentials", off.httpPort(), null));
      if (withHeaderControl) {
        targets.add(new Target("offkey", "auth off, the admin key sent anyway: what the header alone costs",
            off.httpPort(), BenchSupport.ADMIN_BEARER));
      }
      check(on.httpPort(), targets, uris.get(0));

      HttpClientAgent client = clientVertx.createHttpClient(
          new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true),
          new PoolOptions().setHttp1MaxSize(connections));
      Context context = clientVertx.getOrCreateContext();
      context.runOnContext(v -> Thread.currentThread().setName("bench-http-client"));
      System.out.println();
      // Warm-up sweeps in the same turns as the measured ones: the JIT compiles the paths of all
      // targets (shared code) before any round counts.
      for (int w = 1; w <= warmups; w++) {
        for (Target target : targets) {
          Round warm = new Load(client, context, target, uris).run(connections, seconds, onDir);
          System.out.printf(Locale.ROOT, "warm-up %d %-6s %,8.0f requests/s, %s, %d errors%n", w, target.name(),
              warm.perSecond(), BenchSupport.latencyLine(warm.latency()), warm.errors());
        }
      }

      Map<String, List<Round>> results = new LinkedHashMap<>();
      targets.forEach(target -> results.put(target.name(), new ArrayList<>()));
      for (int r = 1; r <= rounds; r++) {
        System.out.println();
        // Each sweep starts one target further on, so that no target always follows the switch
        // from the other node (or always comes first after a slow spell).
        for (int t = 0; t < targets.size(); t++) {
          Target target = targets.get((t + r) % targets.size());
          Round round = new Load(client, context, target, uris).run(connections, seconds, onDir);
          if (round.errors() > 0) {
            throw new IllegalStateException(target.name() + ": " + round.errors() + " requests did not answer 200");
          }
          results.get(target.name()).add(round);
          System.out.printf(Locale.ROOT, "round %d %-6s %,8.0f requests/s, %s; %s%n", r, target.name(),
              round.perSecond(), BenchSupport.latencyLine(round.latency()), round.cpu());
        }
      }
      BenchSupport.await(client.close(), 30);
      summarize(targets, results, rounds, seconds, connections, children);
      microChecks(readerKey, children);
    } finally {
      if (securityPool != null) {
        securityPool.close();
      }
      BenchSupport.await(clientVertx.close(), 30);
      BenchSupport.closeAll(nodes);
      if (provider != null) {
        provider.shutdown();
      }
      System.out.println("nodes closed");
    }
  }

  private static void summarize(List<Target> targets, Map<String, List<Round>> results, int rounds, int seconds,
      int connections, int children) {
    System.out.println();
    System.out.printf(Locale.ROOT, "=== AuthOverheadBench summary: GET /api/v1/portfolios/{id} of %d children, "
        + "%d connections, closed loop, %d rounds of %d s per target, taken in turns%n", children, connections,
        rounds, seconds);
    List<Round> offRounds = results.get("off");
    double offMedian = BenchSupport.median(offRounds.stream().map(Round::perSecond).toList());
    for (Target target : targets) {
      List<Round> list = results.get(target.name());
      List<Double> perSecond = list.stream().map(Round::perSecond).toList();
      Histogram all = new Histogram(BenchSupport.HISTOGRAM_MAX_MICROS, 3);
      list.forEach(round -> all.add(round.latency()));
      List<Double> ratios = new ArrayList<>();
      for (int i = 0; i < list.size(); i++) {
        ratios.add(list.get(i).perSecond() / offRounds.get(i).perSecond());
      }
      double median = BenchSupport.median(perSecond);
      System.out.printf(Locale.ROOT, "%-6s median %,8.0f requests/s (min %,.0f, max %,.0f), %s/off %.3f "
          + "(median of per-sweep ratios %.3f); p50 %.3f ms, p99 %.3f ms over %,d requests  [%s]%n",
          target.name(), median, perSecond.stream().mapToDouble(d -> d).min().orElse(0),
          perSecond.stream().mapToDouble(d -> d).max().orElse(0), target.name(), median / offMedian,
          BenchSupport.median(ratios), BenchSupport.ms(all.getValueAtPercentile(50)),
          BenchSupport.ms(all.getValueAtPercentile(99)), all.getTotalCount(), target.description());
    }
    double offCpu = BenchSupport.median(offRounds.stream().map(Round::cpuMicrosPerRequest).toList());
    System.out.println("CPU of this JVM (the nodes and the load generator) per request, median of the rounds: "
        + "a measure that does not depend on how much of the machine other processes took");
    for (Target target : targets) {
      double cpu = BenchSupport.median(results.get(target.name()).stream().map(Round::cpuMicrosPerRequest).toList());
      System.out.printf(Locale.ROOT, "%-6s %.1f µs per request, off/%s %.3f%n", target.name(), cpu, target.name(),
          offCpu / cpu);
    }
    double readerRatio = BenchSupport.median(results.get("reader").stream().map(Round::perSecond).toList())
        / offMedian;
    System.out.printf(Locale.ROOT, "requirement (issue 12): reader/off >= %.2f: %.3f -> %s%n", REQUIRED_RATIO,
        readerRatio, readerRatio >= REQUIRED_RATIO ? "MEETS" : "MISSES");
  }

  /**
   * The checks alone, in this thread, without HTTP: what the guard does per request for the
   * reader and for the admin key (authenticate: the key's shape, its SHA-256, the lookup; then
   * the role on a child, a walk to the granted parent), on a copy shaped like the node's.
   */
  private static void microChecks(ApiKeySecret.NewKey readerKey, int children) {
    java.time.Instant now = java.time.Instant.now();
    Map<String, ApiKey> keys = Map.of(
        readerKey.hash(), new ApiKey(readerKey.keyId(), "bench reader", "bench", Set.of(), "bench", now, null, null),
        ApiKeySecret.hash(TestKeys.ADMIN), new ApiKey(TestKeys.ADMIN_KEY_ID, "bootstrap admin", "operator",
            Set.of(GlobalRole.ADMIN), "bootstrap", now, null, null));
    Map<PortfolioId, PortfolioId> parents = new java.util.HashMap<>();
    for (int c = 0; c < children; c++) {
      parents.put(child(c), ROOT);
    }
    Entitlements entitlements = Entitlements.of(List.of(new Entitlements.Grant("g1",
        new Grantee(Grantee.Type.API_KEY, readerKey.keyId()), PortfolioRole.READ, ROOT)), parents, 1);
    Authenticator authenticator = new Authenticator(() -> keys, null, java.time.Clock.systemUTC());
    String reader = "Bearer " + readerKey.text();
    System.out.println();
    System.out.println("=== the checks alone (in this thread, no HTTP), nanoseconds per request:");
    for (String[] caller : new String[][] {{"reader", reader}, {"admin", BenchSupport.ADMIN_BEARER}}) {
      String header = caller[1];
      long sink = 0;
      long best = Long.MAX_VALUE;
      for (int rep = 0; rep < 8; rep++) {
        int n = 200_000;
        long started = System.nanoTime();
        for (int i = 0; i < n; i++) {
          Principal principal = authenticator.authenticate(header, null).result();
          sink += entitlements.roleOn(principal, child(i % children)).map(PortfolioRole::ordinal).orElse(-1);
        }
        best = Math.min(best, (System.nanoTime() - started) / n);
      }
      long hash = Long.MAX_VALUE;
      for (int rep = 0; rep < 8; rep++) {
        int n = 200_000;
        long started = System.nanoTime();
        for (int i = 0; i < n; i++) {
          sink += ApiKeySecret.hash(header.substring(7)).length();
        }
        hash = Math.min(hash, (System.nanoTime() - started) / n);
      }
      System.out.printf(Locale.ROOT, "%-6s authenticate + role on a child: %,d ns (best of 8 x 200,000); of which "
          + "the key's SHA-256 in hex: %,d ns [%d]%n", caller[0], best, hash, sink % 10);
    }
  }

  private static PortfolioId child(int c) {
    return PortfolioId.of("auth-child-" + c);
  }

  /**
   * A root, {@code children} children under it each holding {@code trades} trades over the
   * instruments (the same trades on every node: the answers are alike in size), and a root
   * outside the reader's grant; then a price for every instrument, so that reads value.
   */
  private static void seed(int port, int children, int trades, InstrumentId[] instruments) throws Exception {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    post(http, port, "/api/v1/portfolios", new JsonObject().put("id", ROOT.value()).put("name", "Auth root")
        .put("baseCurrency", "USD"), 201);
    post(http, port, "/api/v1/portfolios", new JsonObject().put("id", OUTSIDE.value()).put("name", "Outside")
        .put("baseCurrency", "USD"), 201);
    for (int c = 0; c < children; c++) {
      post(http, port, "/api/v1/portfolios", new JsonObject().put("id", child(c).value()).put("name", "Child " + c)
          .put("baseCurrency", "USD").put("parentId", ROOT.value()), 201);
      JsonArray batch = new JsonArray();
      for (int t = 0; t < trades; t++) {
        batch.add(new JsonObject().put("tradeId", "seed-" + t).put("instrumentId", instruments[t % instruments.length]
            .value()).put("side", t % 4 == 3 ? "SELL" : "BUY").put("quantity", 10 + t + c)
            .put("price", String.format(Locale.ROOT, "%d.%02d", 50 + t, (7 * t + c) % 100)));
      }
      post(http, port, "/api/v1/portfolios/" + child(c).value() + "/trades:batch", new JsonObject().put("trades", batch),
          200);
    }
    JsonArray ticks = new JsonArray();
    for (int i = 0; i < instruments.length; i++) {
      ticks.add(new JsonObject().put("instrumentId", instruments[i].value()).put("currency", "USD")
          .put("price", String.format(Locale.ROOT, "%d.%02d", 60 + i, (13 * i) % 100)));
    }
    post(http, port, "/api/v1/prices", ticks.encode(), 200);
    System.out.printf("node on port %d: root %s with %d children of %d trades each%n", port, ROOT, children, trades);
  }

  private static String post(HttpClient http, int port, String path, JsonObject body, int expected) throws Exception {
    return post(http, port, path, body.encode(), expected);
  }

  private static String post(HttpClient http, int port, String path, String body, int expected) throws Exception {
    HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .header("Content-Type", "application/json").header(BenchSupport.AUTHORIZATION, BenchSupport.ADMIN_BEARER)
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    if (answer.statusCode() != expected) {
      throw new IllegalStateException("POST " + path + " answered " + answer.statusCode() + ": " + answer.body());
    }
    return answer.body();
  }

  /**
   * Before measuring: every target reads a child (the same answer size on both nodes), the
   * reader and the token holder get 404 for the root outside their grant (so they are not
   * admins), and a request without credentials is refused on the node with authentication on.
   */
  private static void check(int onPort, List<Target> targets, String uri) throws Exception {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    for (Target target : targets) {
      int read = get(http, target, uri);
      int outside = get(http, target, "/api/v1/portfolios/" + OUTSIDE.value());
      boolean restricted = target.name().equals("reader") || target.name().equals("token");
      if (read != 200 || outside != (restricted ? 404 : 200)) {
        throw new IllegalStateException(target.name() + ": GET " + uri + " answered " + read + ", GET of "
            + OUTSIDE + " answered " + outside);
      }
    }
    int anonymous = get(http, new Target("anonymous", "", onPort, null), uri);
    if (anonymous != 401) {
      throw new IllegalStateException("a request without credentials answered " + anonymous + ", not 401");
    }
    System.out.println("checked: every caller reads " + uri + "; the reader (and token) get 404 outside their grant; "
        + "no credentials get 401");
  }

  private static int get(HttpClient http, Target target, String uri) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + target.port() + uri));
    if (target.authorization() != null) {
      request.header(BenchSupport.AUTHORIZATION, target.authorization());
    }
    HttpResponse<String> answer = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    if (answer.statusCode() == 200 && uri.contains("auth-child-0")) {
      System.out.printf("%-9s GET %s: 200, %,d bytes%n", target.name(), uri, answer.body().length());
    }
    return answer.statusCode();
  }

  /**
   * A closed loop of {@code connections} requests in flight against one target for a given
   * time. Its state is touched only on the client's one event loop (every callback runs there).
   */
  private static final class Load {
    private final HttpClientAgent client;
    private final Context context;
    private final Target target;
    private final List<String> uris;
    private final Histogram latency = new Histogram(BenchSupport.HISTOGRAM_MAX_MICROS, 3);
    private final Promise<Void> drained = Promise.promise();
    private long deadline;
    private int outstanding;
    private long answered;
    private long errors;
    private int next;

    Load(HttpClientAgent client, Context context, Target target, List<String> uris) {
      this.client = client;
      this.context = context;
      this.target = target;
      this.uris = uris;
    }

    Round run(int connections, int seconds, Path dataDir) throws Exception {
      BenchSupport.CpuMeter cpu = new BenchSupport.CpuMeter(dataDir).start();
      long started = System.nanoTime();
      deadline = started + seconds * 1_000_000_000L;
      context.runOnContext(v -> {
        for (int i = 0; i < connections; i++) {
          send();
        }
      });
      BenchSupport.await(drained.future(), seconds + 120L);
      // Only answers received before the deadline count, over exactly the round's length.
      double perSecond = answered / (seconds * 1.0);
      double[] cores = cpu.cores();
      return new Round(perSecond, latency, errors, cores[2], String.format(Locale.ROOT,
          "cpu: machine %.2f of %.2f cores busy, this JVM %.2f (%.0f µs per request), PostgreSQL of the node with "
          + "authentication %.2f", cores[0], cores[1], cores[2], cores[2] * 1e6 / Math.max(1, perSecond), cores[3]));
    }

    private void send() {
      if (System.nanoTime() >= deadline) {
        if (outstanding == 0) {
          drained.tryComplete();
        }
        return;
      }
      RequestOptions request = new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1")
          .setPort(target.port()).setURI(uris.get(next++ % uris.size()));
      if (target.authorization() != null) {
        request.putHeader(BenchSupport.AUTHORIZATION, target.authorization());
      }
      long sent = System.nanoTime();
      outstanding++;
      client.request(request)
          .compose(req -> req.send())
          .compose(response -> response.body().map(body -> response.statusCode()))
          .onComplete(result -> {
            outstanding--;
            long now = System.nanoTime();
            if (result.failed() || result.result() != 200) {
              errors++;
            } else if (now <= deadline) {
              answered++;
              latency.recordValue(Math.min(BenchSupport.HISTOGRAM_MAX_MICROS, (now - sent) / 1_000));
            }
            send();
          });
    }
  }
}
