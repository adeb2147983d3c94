package io.portfoliostate.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.app.Node;
import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.BridgeClient;
import io.portfoliostate.fixtures.TestCluster;
import io.portfoliostate.fixtures.TestDatabase;
import io.portfoliostate.fixtures.TestNode;
import io.portfoliostate.fixtures.TestKeys;
import io.portfoliostate.fixtures.TestPool;
import io.portfoliostate.gateway.AnalyticsForwarding;
import io.portfoliostate.security.ApiKeySecret;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A node without an analytics store ({@code analytics.enabled=false}, the "front" here) answers
 * every analytics route by forwarding it to a node that keeps one: the same status, body and
 * headers as the store node's own answer, for the set reads, a custom query, a saved query, the
 * daily series, a {@code minSeq} wait and its 503, and the refusals of a caller without rights.
 * With no store node left the front answers 503 with Retry-After, and again 200 once one is back.
 * A forwarded request takes a token from its caller's rate limit on the front only; the store
 * node's secret that marks it so cannot be claimed by a client, and no answer shows it. A request
 * the front let go free (its limit off, or the bootstrap admin key it spares) is charged by the
 * store node's own limit.
 */
class AnalyticsForwardingClusterTest {

  private static final JsonObject STORE_OFF = new JsonObject().put("analytics", new JsonObject().put("enabled", false));
  private static final String QUERIES = "/api/v1/analytics/queries";

  @Test
  void aNodeWithoutAStoreAnswersTheAnalyticsRoutesAsTheStoreNodeDoes() throws Exception {
    String database = TestDatabase.freshDatabaseUri();
    // A short wait for minSeq, so that the 503 of a change not yet written comes in a second.
    JsonObject overrides = new JsonObject().put("analytics", new JsonObject().put("minSeqWaitMs", 1000));
    try (TestCluster cluster = TestCluster.start(1, 3, database, overrides);
        TestPool pool = TestPool.open(database, "analytics-forwarding")) {
      cluster.addNode(STORE_OFF);
      assertThat(cluster.node(0).analyticsStore()).isNotNull();
      assertThat(cluster.node(1).analyticsStore()).isNull();
      Api store = new Api(cluster.node(0).httpPort());
      Api front = new Api(cluster.node(1).httpPort());

      // fw-a: 10,000 USD on Monday 2 November 2026, 20 FW-X bought at 100 that day; fw-b: 5 FW-X
      // bought at 100 on Tuesday. Closes 100 on Monday, 110 on Tuesday: fw-a's NAV is 10,000
      // then 8,000 + 20 × 110 = 10,200.
      front.putInstrument("FW-X", new JsonObject().put("currency", "USD"));
      front.createPortfolio("fw-a");
      front.createPortfolio("fw-b");
      Api.Response deposit = front.post("/api/v1/portfolios/fw-a/cash-flows", new JsonObject().put("flowId", "d-1")
          .put("type", "DEPOSIT").put("currency", "USD").put("amount", "10000")
          .put("occurredAt", "2026-11-02T09:00:00Z"));
      assertThat(deposit.status()).as(deposit.body()).isEqualTo(201);
      front.tradeAt("fw-a", "t-1", "FW-X", "BUY", "20", "100", "2026-11-02T10:00:00Z");
      front.tradeAt("fw-b", "t-2", "FW-X", "BUY", "5", "100", "2026-11-03T10:00:00Z");
      long prices = front.closes("FW-X", "2026-11-02", "100", "2026-11-03", "110");
      long end = pool.journalEnd();

      // The daily series, waited for through the front (minSeq and minPriceSeq), then the same read of the store node.
      String nav = "/api/v1/analytics/nav?portfolios=fw-a&from=2026-11-02&to=2026-11-03&minSeq=" + end
          + "&minPriceSeq=" + prices;
      Api.Response navFront = front.get(nav);
      assertThat(navFront.status()).as(navFront.body()).isEqualTo(200);
      JsonArray series = navFront.json().getJsonArray("portfolios").getJsonObject(0).getJsonArray("series");
      assertThat(series.getJsonObject(0).getString("nav")).isEqualTo("10000");
      assertThat(series.getJsonObject(1).getString("nav")).isEqualTo("10200");
      assertSame(store.get(nav), navFront);

      String concentration = "/api/v1/analytics/concentration?portfolios=fw-a,fw-b&minSeq=" + end;
      Api.Response top = front.get(concentration);
      assertThat(top.status()).as(top.body()).isEqualTo(200);
      JsonObject line = top.json().getJsonArray("top").getJsonObject(0);
      assertThat(line.getString("instrumentId")).isEqualTo("FW-X");
      assertThat(line.getString("quantity")).isEqualTo("25");
      assertThat(line.getString("marketValue")).isEqualTo("2750");
      assertThat(line.getInteger("portfolios")).isEqualTo(2);
      assertSame(store.get(concentration), top);
      assertSame(store.get("/api/v1/analytics/exposures?root=fw-a"), front.get("/api/v1/analytics/exposures?root=fw-a"));
      assertSame(store.get("/api/v1/analytics/status"), front.get("/api/v1/analytics/status"));

      // A custom query, its body passed on.
      JsonObject query = new JsonObject().put("sql", "SELECT portfolio_id, quantity FROM positions ORDER BY 1");
      Api.Response rows = front.post("/api/v1/analytics/query", query);
      assertThat(rows.status()).as(rows.body()).isEqualTo(200);
      assertThat(rows.json().getJsonArray("rows")).containsExactly(new JsonArray().add("fw-a").add("20"),
          new JsonArray().add("fw-b").add("5"));
      assertSame(store.post("/api/v1/analytics/query", query), rows);

      // A saved query made through the front is the store node's, and runs the same through both.
      Api.Response created = front.post(QUERIES, new JsonObject().put("name", "fw-holdings")
          .put("sql", "SELECT portfolio_id, quantity FROM positions WHERE quantity >= :least ORDER BY 1")
          .put("parameters", new JsonArray().add(new JsonObject().put("name", "least").put("type", "decimal"))));
      assertThat(created.status()).as(created.body()).isEqualTo(201);
      assertThat(created.header("ETag")).isEqualTo("\"1\"");
      assertThat(created.header("Location")).isEqualTo(QUERIES + "/fw-holdings");
      assertSame(store.get(QUERIES + "/fw-holdings"), front.get(QUERIES + "/fw-holdings"));
      JsonObject least = new JsonObject().put("params", new JsonObject().put("least", 10));
      Api.Response run = front.post(QUERIES + "/fw-holdings:run", least);
      assertThat(run.status()).as(run.body()).isEqualTo(200);
      assertThat(run.json().getJsonArray("rows")).containsExactly(new JsonArray().add("fw-a").add("20"));
      assertSame(store.post(QUERIES + "/fw-holdings:run", least), run);

      // minSeq past the journal's end: the store node's 503 after its wait, passed on as it is.
      String ahead = "/api/v1/analytics/exposures?root=fw-a&minSeq=" + (end + 1000);
      Api.Response notYet = front.get(ahead);
      assertThat(notYet.status()).isEqualTo(503);
      assertThat(notYet.contentType()).isEqualTo("application/problem+json");
      assertThat(notYet.header("Retry-After")).isEqualTo("1");
      assertSame(store.get(ahead), notYet);

      // A new trade through the front, read back through the front with its minSeq.
      front.tradeAt("fw-b", "t-3", "FW-X", "BUY", "2", "110", "2026-11-04T10:00:00Z");
      Api.Response after = front.get("/api/v1/analytics/concentration?portfolios=fw-b&minSeq=" + pool.journalEnd());
      assertThat(after.status()).as(after.body()).isEqualTo(200);
      assertThat(after.json().getJsonArray("top").getJsonObject(0).getString("quantity")).isEqualTo("7");

      // The same refusals through both: no credential (401, refused by the front itself), a
      // portfolio the caller may not read (404, by the store node), another's saved query (403).
      assertRefusedAlike(store.anonymous().get("/api/v1/analytics/status"),
          front.anonymous().get("/api/v1/analytics/status"), 401);
      String key = store.post("/api/v1/api-keys", new JsonObject().put("name", "fw reader")).json().getString("key");
      assertThat(store.post("/api/v1/grants", new JsonObject().put("granteeType", "API_KEY")
          .put("grantee", ApiKeySecret.keyId(key).orElseThrow()).put("role", "read").put("portfolioId", "fw-a"))
          .status()).isEqualTo(201);
      Api readerAtStore = store.asBearer(key);
      Api readerAtFront = front.asBearer(key);
      // Each node learns of a new key and grant when it next refreshes its copy (security.refreshMs).
      long known = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(15);
      while (readerAtStore.get("/api/v1/analytics/exposures?portfolios=fw-a").status() != 200
          || readerAtFront.get("/api/v1/analytics/exposures?portfolios=fw-a").status() != 200) {
        assertThat(System.nanoTime()).as("both nodes know the new key and its grant in 15 s").isLessThan(known);
        Thread.sleep(50);
      }
      assertRefusedAlike(readerAtStore.get("/api/v1/analytics/exposures?portfolios=fw-b"),
          readerAtFront.get("/api/v1/analytics/exposures?portfolios=fw-b"), 404);
      JsonObject change = new JsonObject().put("sql", "SELECT 1 AS one").put("parameters", new JsonArray());
      assertRefusedAlike(readerAtStore.put(QUERIES + "/fw-holdings", change),
          readerAtFront.put(QUERIES + "/fw-holdings", change), 403);
      Api.Response theirs = readerAtFront.post(QUERIES + "/fw-holdings:run", least);
      assertThat(theirs.json().getJsonArray("rows")).containsExactly(new JsonArray().add("fw-a").add("20"));

      // No store node: 503 with Retry-After; a store node back: answers again.
      cluster.stopAndSettle(0);
      Api.Response none = front.get("/api/v1/analytics/status");
      assertThat(none.status()).isEqualTo(503);
      assertThat(none.contentType()).isEqualTo("application/problem+json");
      assertThat(none.header("Retry-After")).isEqualTo("1");
      assertThat(none.json().getString("detail")).startsWith("no node of the cluster keeps an analytics store");
      cluster.addNode();
      Api.Response back = front.get("/api/v1/analytics/concentration?portfolios=fw-b&minSeq=" + pool.journalEnd());
      assertThat(back.status()).as(back.body()).isEqualTo(200);
      assertThat(back.json().getJsonArray("top").getJsonObject(0).getString("quantity")).isEqualTo("7");
    }
  }

  @Test
  void aSingleNodeWithoutAStoreAnswers503() throws Exception {
    try (io.portfoliostate.app.Node node = TestNode.start(TestDatabase.freshDatabaseUri(), STORE_OFF)) {
      Api api = new Api(node.httpPort());
      for (Api.Response answer : new Api.Response[] {api.get("/api/v1/analytics/status"),
          api.get("/api/v1/analytics/nav"), api.post("/api/v1/analytics/query", new JsonObject().put("sql", "SELECT 1")),
          api.get(QUERIES)}) {
        assertThat(answer.status()).as(answer.body()).isEqualTo(503);
        assertThat(answer.contentType()).isEqualTo("application/problem+json");
        assertThat(answer.header("Retry-After")).isEqualTo("1");
        assertThat(answer.json().getString("type")).isEqualTo("/problems/unavailable");
        assertThat(answer.json().getString("detail"))
            .isEqualTo("no node of the cluster keeps an analytics store; retry when one has started");
      }
      // Its guard still runs first: no credential, 401, not 503.
      assertThat(api.anonymous().get("/api/v1/analytics/status").status()).isEqualTo(401);
    }
  }

  @Test
  void aForwardedRequestIsChargedOnlyByTheNodeThatForwardsIt() throws Exception {
    // Three requests at once, then one every 1,000 s: no token comes back while the test runs.
    int burst = 3;
    JsonObject limited = new JsonObject().put("security", new JsonObject()
        .put("rateLimit", new JsonObject().put("requestsPerSecond", 0.001).put("burst", burst)));
    try (TestCluster cluster = TestCluster.start(1, 2, TestDatabase.freshDatabaseUri(), limited)) {
      cluster.addNode(STORE_OFF);
      Node storeNode = cluster.node(0);
      Node frontNode = cluster.node(1);
      // The tests' admin key is the bootstrap admin key, which is not limited.
      Api store = new Api(storeNode.httpPort());
      Api front = new Api(frontNode.httpPort());
      String secret = frontNode.vertx().eventBus().<JsonObject>request(AnalyticsForwarding.ADDRESS, null)
          .toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS).body().getString("secret");
      assertThat(secret).as("32 random bytes, base64url").matches("[A-Za-z0-9_-]{43}");
      String nearMiss = secret.substring(0, 42) + (secret.charAt(42) == 'A' ? 'B' : 'A');

      // Two callers, known to both nodes before either sends a request (each would take a token).
      String spread = store.post("/api/v1/api-keys", new JsonObject().put("name", "spread")).json().getString("key");
      String forger = store.post("/api/v1/api-keys", new JsonObject().put("name", "forger")).json().getString("key");
      long version = storeNode.securityVersion();
      long known = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
      while (frontNode.securityVersion() < version) {
        assertThat(System.nanoTime()).as("the front knows the new keys in 15 s").isLessThan(known);
        Thread.sleep(20);
      }
      List<Api.Response> answers = new ArrayList<>();
      String status = "/api/v1/analytics/status";

      // The caller spends its whole budget on the store node itself...
      Api direct = store.asBearer(spread);
      for (int i = 0; i < burst; i++) {
        answers.add(assertStatus(direct.get(status), 200));
      }
      answers.add(assertStatus(direct.get(status), 429));
      // ...and still gets the front's whole budget: the store node takes no token from what the
      // front forwards. The 429 after it is the front's own; the store node refused nothing more.
      double refusedByStore = rateLimited(storeNode);
      double refusedByFront = rateLimited(frontNode);
      Api through = front.asBearer(spread);
      for (int i = 0; i < burst; i++) {
        answers.add(assertStatus(through.get(status), 200));
      }
      answers.add(assertStatus(through.get(status), 429));
      assertThat(rateLimited(frontNode)).isEqualTo(refusedByFront + 1);
      assertThat(rateLimited(storeNode)).isEqualTo(refusedByStore);

      // A client that claims to be forwarded, straight to the store node, with a made-up value or
      // one character off the secret: charged as usual, and answered as usual until then.
      String[] claims = {"made-up", nearMiss, "made-up"};
      for (int i = 0; i < burst; i++) {
        answers.add(assertStatus(store.send("GET", status, null, null, "Authorization", "Bearer " + forger,
            "X-PState-Forwarded", claims[i]), 200));
      }
      answers.add(assertStatus(store.send("GET", status, null, null, "Authorization", "Bearer " + forger,
          "X-PState-Forwarded", nearMiss), 429));
      // With the secret itself, it would not be: which is why no answer may show it.
      answers.add(assertStatus(store.send("GET", status, null, null, "Authorization", "Bearer " + forger,
          "X-PState-Forwarded", secret), 200));
      // Through the front, a client's own header goes no further: the front's is set in its place.
      answers.add(assertStatus(front.send("GET", status, null, null, "Authorization", "Bearer " + forger,
          "X-PState-Forwarded", "made-up"), 200));
      answers.add(assertStatus(front.get(status), 200));
      answers.add(assertStatus(front.get(QUERIES + "/fw-none"), 404));

      // Nor does the SockJS bridge reach the address that gives the secret: it refuses whatever a
      // client sends (to any address), and a registration on a pstate.* one.
      try (BridgeClient bridge = BridgeClient.connect(storeNode.httpPort(), TestKeys.ADMIN)) {
        bridge.send(new JsonObject().put("type", "send").put("address", AnalyticsForwarding.ADDRESS)
            .put("replyAddress", "fw-reply").put("body", new JsonObject()));
        assertThat(bridge.next(Duration.ofSeconds(5)).getString("body")).isEqualTo("rejected");
        bridge.register(AnalyticsForwarding.ADDRESS);
        assertThat(bridge.next(frame -> !"rejected".equals(frame.getString("body")), Duration.ofSeconds(5))
            .getString("body")).isEqualTo("access_denied");
        Thread.sleep(500);
        assertThat(bridge.drained()).allMatch(frame -> "err".equals(frame.getString("type"))
            && !frame.encode().contains(secret));
      }
      for (Api.Response answer : answers) {
        assertThat(answer.body()).doesNotContain(secret);
        answer.headers().map().forEach((name, values) -> {
          assertThat(name).isNotEqualToIgnoringCase("X-PState-Forwarded");
          assertThat(values).noneMatch(value -> value.contains(secret));
        });
      }
    }
  }

  @Test
  void aForwardedRequestTheForwarderDidNotChargeIsChargedByTheStoreNode() throws Exception {
    // The store node limits every caller, the bootstrap admin key too: three requests at once,
    // then one every 1,000 s (no token comes back while the test runs).
    int burst = 3;
    JsonObject limit = new JsonObject().put("requestsPerSecond", 0.001).put("burst", burst);
    JsonObject limitingAll = new JsonObject().put("security", new JsonObject()
        .put("rateLimit", limit.copy().put("limitBootstrapAdmin", true)));
    // Two nodes without a store that take no token: one limits nobody (its rate limit is off), the
    // other limits every caller but the bootstrap admin key (limitBootstrapAdmin is false by default).
    JsonObject sparingAdmin = STORE_OFF.copy().put("security", new JsonObject().put("rateLimit", limit.copy()));
    try (TestCluster cluster = TestCluster.start(0, 3, TestDatabase.freshDatabaseUri(), new JsonObject())) {
      Node storeNode = cluster.addNode(limitingAll);
      Node unlimitedNode = cluster.addNode(STORE_OFF);
      Node sparingNode = cluster.addNode(sparingAdmin);
      String status = "/api/v1/analytics/status";

      // A caller known to the store node; made through the unlimited node (not an analytics
      // route: not forwarded), so that no one's token is taken before the test counts them.
      Api.Response created = new Api(unlimitedNode.httpPort()).post("/api/v1/api-keys",
          new JsonObject().put("name", "escaper"));
      assertThat(created.status()).as(created.body()).isEqualTo(201);
      long version = unlimitedNode.securityVersion();
      long known = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
      while (storeNode.securityVersion() < version) {
        assertThat(System.nanoTime()).as("the store node knows the new key in 15 s").isLessThan(known);
        Thread.sleep(20);
      }

      // Through the node whose rate limit is off: the store node's budget, and its 429 after it.
      double refusedByStore = rateLimited(storeNode);
      Api through = new Api(unlimitedNode.httpPort()).asBearer(created.json().getString("key"));
      for (int i = 0; i < burst; i++) {
        assertStatus(through.get(status), 200);
      }
      assertThat(assertStatus(through.get(status), 429).json().getString("type")).isEqualTo("/problems/rate-limited");
      assertThat(rateLimited(storeNode)).isEqualTo(refusedByStore + 1);
      assertThat(rateLimited(unlimitedNode)).isZero();

      // The bootstrap admin key through the node that does not limit it: the same.
      Api admin = new Api(sparingNode.httpPort());
      for (int i = 0; i < burst; i++) {
        assertStatus(admin.get(status), 200);
      }
      assertThat(assertStatus(admin.get(status), 429).json().getString("type")).isEqualTo("/problems/rate-limited");
      assertThat(rateLimited(storeNode)).isEqualTo(refusedByStore + 2);
      assertThat(rateLimited(sparingNode)).isZero();
    }
  }

  private static Api.Response assertStatus(Api.Response answer, int status) {
    assertThat(answer.status()).as(answer.body()).isEqualTo(status);
    return answer;
  }

  private static double rateLimited(Node node) {
    return node.registry().find("pstate.http.refused").tag("reason", "rate-limited").counter().count();
  }

  /** The same answer, read through two nodes: status, the headers that matter and the body. */
  private static void assertSame(Api.Response direct, Api.Response forwarded) {
    assertThat(forwarded.status()).as(forwarded.body()).isEqualTo(direct.status());
    assertThat(forwarded.contentType()).isEqualTo(direct.contentType());
    for (String header : new String[] {"Retry-After", "ETag", "Cache-Control", "Location"}) {
      assertThat(forwarded.header(header)).as(header).isEqualTo(direct.header(header));
    }
    assertThat(forwarded.body()).isEqualTo(direct.body());
  }

  private static void assertRefusedAlike(Api.Response direct, Api.Response forwarded, int status) {
    assertThat(direct.status()).as(direct.body()).isEqualTo(status);
    assertThat(forwarded.status()).as(forwarded.body()).isEqualTo(status);
    assertThat(forwarded.contentType()).isEqualTo(direct.contentType()).isEqualTo("application/problem+json");
    assertThat(forwarded.json().getString("type")).isEqualTo(direct.json().getString("type"));
    assertThat(forwarded.json().getString("detail")).isEqualTo(direct.json().getString("detail"));
  }
}
