package io.portfoliostate.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.portfoliostate.app.Node;
import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.TestCluster;
import io.portfoliostate.fixtures.TestDatabase;
import io.portfoliostate.fixtures.TestKeys;
import io.portfoliostate.fixtures.TestNode;
import io.portfoliostate.gateway.SecuredRoutes;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.IntFunction;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.OAuth2Config;
import no.nav.security.mock.oauth2.http.MockWebServerWrapper;
import no.nav.security.mock.oauth2.token.KeyProvider;
import no.nav.security.mock.oauth2.token.OAuth2TokenProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Every route the node serves, called by every kind of caller, against a real OpenID Connect
 * provider (mock-oauth2-server, in-process on loopback) and real API keys: the route list comes
 * from the node itself, so a route added without a rule, or without a sample request here,
 * fails this test. Each answer has the exact status its rule implies; a 401 carries the
 * challenge, a 404 refusal is byte for byte the answer for a portfolio that does not exist, and
 * a refused write changes nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RouteMatrixTest {

  private static final String AUDIENCE = "portfolio-state";
  private static final String KEY_ID = "mx-signing-key";
  /** The portfolio the matrix works on: a child of ROOT, where the grants are. */
  private static final String FUND = "mx-fund";
  private static final String ROOT = "mx-root";
  /** Another subtree: the outsider reads this one only. */
  private static final String OTHER = "mx-other";
  /** A portfolio id nobody created. */
  private static final String MISSING = "mx-nowhere";
  private static final String HELD = "MX-EQ";
  /** The group claim value the reader's grant names (the other roles are granted to subjects). */
  private static final String READERS = "mx-readers";

  private final FixedKey signing = new FixedKey();
  private final AtomicInteger sequence = new AtomicInteger();
  /** Trades recorded at the start for the cancel samples to cancel: more than there are callers. */
  private static final int CANCELLABLE = 100;
  private MockOAuth2Server provider;
  private String issuer;
  private Node node;
  private Api admin;

  /** The provider's one signing key, which the test also holds to sign tokens by hand. */
  static final class FixedKey extends KeyProvider {
    final RSAKey key = newKey(KEY_ID);

    static RSAKey newKey(String id) {
      try {
        return new RSAKeyGenerator(2048).keyID(id).algorithm(JWSAlgorithm.RS256).generate();
      } catch (JOSEException e) {
        throw new IllegalStateException(e);
      }
    }

    @Override
    public JWK signingKey(String issuerId) {
      return key;
    }
  }

  /**
   * A kind of caller: how it authenticates, and what it holds on the matrix's portfolios
   * ({@code role} on {@link #ROOT}'s subtree, global roles).
   */
  record Caller(String name, Api api, boolean bad, PortfolioRole role, Set<GlobalRole> roles) {

    boolean has(GlobalRole global) {
      return roles.contains(GlobalRole.ADMIN) || roles.contains(global);
    }

    PortfolioRole roleOnFund() {
      return roles.contains(GlobalRole.ADMIN) ? PortfolioRole.ADMIN : role;
    }
  }

  /**
   * A request: method, concrete path, JSON body (or null), a path whose answer a refusal must not
   * change (or null), and the id of what it names (a portfolio, a grant), which is all a refusal
   * and the answer for a missing one may differ in.
   */
  record Request(String method, String path, Object body, String probe, String id) {
  }

  /** Makes the sample request of a route for {@code portfolio}, the {@code n}th time (fresh ids each time). */
  interface Sample {
    Request make(String portfolio, int n);
  }

  /** A sample that changes state to make its request (creates what the request then revokes). */
  interface Preparing extends Sample {
  }

  /**
   * A route's sample: its request, the status of a success, and for rules decided by the handler
   * (or open to any caller) the status each caller gets; {@code missingAnswers404} says whether a
   * global admin gets 404 for the same request on a portfolio that does not exist (so that a 404
   * refusal can be compared with it byte for byte).
   */
  record Row(Sample sample, int ok, Function<Caller, Integer> expect, boolean missingAnswers404) {
  }

  @BeforeAll
  void start() throws Exception {
    provider = new MockOAuth2Server(new OAuth2Config(false, null, null, false,
        new OAuth2TokenProvider(signing), Set.of(), new MockWebServerWrapper(null)));
    provider.start(InetAddress.getLoopbackAddress(), 0);
    issuer = provider.issuerUrl("corp").toString();
    node = TestNode.start(TestDatabase.freshDatabaseUri(), securityOverrides());
    admin = new Api(node.httpPort());

    admin.createPortfolio(ROOT);
    admin.createPortfolio(new JsonObject().put("id", FUND).put("name", "Fund").put("baseCurrency", "USD")
        .put("parentId", ROOT));
    admin.createPortfolio(OTHER);
    admin.putInstrument(HELD, new JsonObject().put("currency", "USD"));
    admin.putInstrument("MX-CA", new JsonObject().put("currency", "USD"));
    admin.deposit(FUND, "USD", "100000");
    admin.deposit(FUND, "EUR", "1000");
    expect(admin.post("/api/v1/portfolios/" + FUND + "/trades", Api.trade("setup-1", HELD, "BUY", "10", "100")), 201);
    JsonArray cancellable = new JsonArray();
    for (int i = 1; i <= CANCELLABLE; i++) {
      cancellable.add(Api.trade("mx-x" + i, HELD, "BUY", "1", "98"));
    }
    expect(admin.post("/api/v1/portfolios/" + FUND + "/trades:batch", new JsonObject().put("trades", cancellable)), 200);
    admin.postPrices(new JsonObject().put("instrumentId", HELD).put("price", "100"));
    admin.postRates(new JsonObject().put("base", "EUR").put("quote", "USD").put("rate", "1.10"));
    expect(admin.post("/api/v1/corporate-actions", new JsonObject().put("actionId", "mx-action")
        .put("instrumentId", "MX-CA").put("type", "CASH_DIVIDEND").put("amountPerShare", "0.5")
        .put("effectiveAt", "2099-01-01T00:00:00Z")), 201);
    grant("GROUP", READERS, "read", ROOT);
    grant("SUBJECT", "tom", "trade", ROOT);
    grant("SUBJECT", "ada", "admin", ROOT);
    grant("SUBJECT", "olga", "read", OTHER);
  }

  @AfterAll
  void stop() throws Exception {
    if (node != null) {
      node.close();
    }
    if (provider != null) {
      provider.shutdown();
    }
  }

  private JsonObject securityOverrides() {
    return new JsonObject().put("security", new JsonObject().put("oidcIssuer", issuer).put("oidcAudience", AUDIENCE));
  }

  // ---------------------------------------------------------------------------------------------
  // The matrix

  @Test
  void everyRouteAnswersEveryCallerAsItsRuleSays() throws Exception {
    assertThat(node.undeclaredRoutes()).as("routes added to the router without an access rule").isEmpty();
    Map<String, Row> table = samples();
    List<String> withoutSample = new ArrayList<>();
    for (SecuredRoutes.Declared route : node.declaredRoutes()) {
      if (row(table, route) == null) {
        withoutSample.add(key(route));
      }
    }
    assertThat(withoutSample).as("declared routes without a sample request: add each to RouteMatrixTest.samples() "
        + "with its request and expected statuses").isEmpty();

    List<Caller> callers = callers(admin);
    String fund = "/api/v1/portfolios/" + FUND;
    int checked = 0;
    for (SecuredRoutes.Declared route : node.declaredRoutes()) {
      Row row = row(table, route);
      boolean write = !route.method().name().equals("GET");
      // The refused callers first: each refused write is checked against the state before the row.
      List<Caller> ordered = new ArrayList<>(callers);
      ordered.sort(Comparator.comparing(caller -> !refusal(expected(route.rule(), row, caller))));
      Map<String, String> before = write ? snapshot() : null;
      boolean refusalsOver = false;
      for (Caller caller : ordered) {
        int expected = expected(route.rule(), row, caller);
        if (write && !refusalsOver && !refusal(expected)) {
          refusalsOver = true;
          assertRowUnchanged(row, before, key(route));
        }
        Request request = row.sample().make(FUND, sequence.incrementAndGet());
        String probeBefore = request.probe() == null ? null : show(admin.get(request.probe()));
        String fundBefore = write && !refusal(expected) ? show(admin.get(fund)) : null;
        Api.Response response = send(caller.api(), request);
        String what = key(route) + " as " + caller.name() + " (" + route.rule().describe() + "): " + response.status()
            + " " + response.body();
        assertThat(response.status()).as(what).isEqualTo(expected);
        checked++;
        if (expected == 401) {
          assertUnauthenticated(response, caller, what);
        } else if (expected == 403) {
          assertThat(response.contentType()).as(what).isEqualTo("application/problem+json");
          assertThat(response.json().getString("type")).as(what).isEqualTo("/problems/forbidden");
        } else if (expected == 404) {
          assertHidden(row, caller, request, response, what);
        }
        if (write && refusal(expected)) {
          // No version bumped, nothing made: the fund as before the row, and what the request names as before it.
          assertThat(show(admin.get(fund))).as("the fund after the refused " + what).isEqualTo(before.get(fund));
          if (request.probe() != null) {
            assertThat(show(admin.get(request.probe()))).as("%s after the refused %s", request.probe(), what)
                .isEqualTo(probeBefore);
          }
        } else if (route.path().equals("/api/v1/prices") || route.path().equals("/api/v1/fx-rates")) {
          awaitRevalued(fundBefore, what);
        }
      }
      if (write && !refusalsOver) {
        assertRowUnchanged(row, before, key(route));
      }
    }
    System.out.printf("route matrix: %d routes x %d callers = %d answers checked%n", node.declaredRoutes().size(),
        callers.size(), checked);
  }

  /**
   * The expected status of a caller on a route, from the route's rule: an open route answers
   * everyone; bad credentials are 401; a global role is needed or 403; a portfolio role is
   * needed, else 404 without read (as if missing) and 403 with it.
   */
  private static int expected(AccessRule rule, Row row, Caller caller) {
    if (rule instanceof AccessRule.Open) {
      return row.ok();
    }
    if (caller.bad()) {
      return 401;
    }
    if (rule instanceof AccessRule.Global global) {
      return caller.has(global.role()) ? row.ok() : 403;
    }
    if (rule instanceof AccessRule.OnPortfolio onPortfolio) {
      return onFund(caller, onPortfolio.role(), row.ok());
    }
    if (row.expect() == null) {
      throw new AssertionError("the sample of a route whose rule is '" + rule.describe()
          + "' must say what each caller gets");
    }
    return row.expect().apply(caller);
  }

  /** {@code ok} when the caller holds {@code needed} on the fund, 403 when it may read it only, else 404. */
  private static int onFund(Caller caller, PortfolioRole needed, int ok) {
    PortfolioRole held = caller.roleOnFund();
    if (held == null) {
      return 404;
    }
    return held.includes(needed) ? ok : 403;
  }

  private static void assertUnauthenticated(Api.Response response, Caller caller, String what) {
    assertThat(response.contentType()).as(what).isEqualTo("application/problem+json");
    assertThat(response.json().getString("type")).as(what).isEqualTo("/problems/unauthenticated");
    assertThat(response.json().getInteger("status")).as(what).isEqualTo(401);
    String challenge = response.header("WWW-Authenticate");
    assertThat(challenge).as(what).startsWith("Bearer realm=\"portfolio-state\"");
    if (!caller.name().equals("no credentials")) {
      assertThat(challenge).as(what).contains("error=\"invalid_token\"");
    }
  }

  /**
   * A 404 refusal tells nothing: the caller gets the same bytes for a portfolio that does not
   * exist, and (where the route answers 404 for a missing portfolio) so does a global admin.
   */
  private void assertHidden(Row row, Caller caller, Request request, Api.Response response, String what) {
    assertThat(response.contentType()).as(what).isEqualTo("application/problem+json");
    Request missing = row.sample().make(MISSING, sequence.incrementAndGet());
    Api.Response sameCallerMissing = send(caller.api(), missing);
    assertThat(sameCallerMissing.status()).as("missing, " + what).isEqualTo(404);
    assertThat(sameCallerMissing.body().replace(missing.id(), request.id())).as("missing, " + what)
        .isEqualTo(response.body());
    if (row.missingAnswers404()) {
      Request missingAgain = row.sample().make(MISSING, sequence.incrementAndGet());
      Api.Response adminMissing = send(admin, missingAgain);
      assertThat(adminMissing.status()).as("missing, as the global admin, " + what).isEqualTo(404);
      assertThat(adminMissing.body().replace(missingAgain.id(), request.id()))
          .as("missing, as the global admin, " + what).isEqualTo(response.body());
    }
  }

  private static boolean refusal(int status) {
    return status == 401 || status == 403 || status == 404;
  }

  /**
   * After the refused writes of a row: nothing changed at all (but a row that makes a key or a
   * grant for each request to revoke; its probe checked each refusal).
   */
  private void assertRowUnchanged(Row row, Map<String, String> before, String route) {
    if (!(row.sample() instanceof Preparing)) {
      assertThat(snapshot()).as("state after the refused requests of " + route).isEqualTo(before);
    }
  }

  /** What the refused requests must not change, as a global admin sees it. */
  private Map<String, String> snapshot() {
    Map<String, String> state = new LinkedHashMap<>();
    for (String path : List.of("/api/v1/portfolios/" + FUND, "/api/v1/portfolios/" + ROOT,
        "/api/v1/portfolios/" + OTHER, "/api/v1/portfolios?limit=1000", "/api/v1/grants", "/api/v1/api-keys")) {
      state.put(path, show(admin.get(path)));
    }
    return state;
  }

  /** A price or rate posted: waits until the fund's valuation shows it, so that the next baseline is settled. */
  private void awaitRevalued(String before, String what) throws InterruptedException {
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (System.nanoTime() < deadline) {
      if (!show(admin.get("/api/v1/portfolios/" + FUND)).equals(before)) {
        return;
      }
      Thread.sleep(10);
    }
    fail("the fund's valuation did not change after " + what);
  }

  private static String show(Api.Response response) {
    return response.status() + " " + response.body();
  }

  private static Api.Response send(Api api, Request request) {
    return api.send(request.method(), request.path(), request.body() == null ? null
        : request.body() instanceof String ? "text/csv" : "application/json",
        request.body() == null ? null : request.body().toString());
  }

  private static String key(SecuredRoutes.Declared route) {
    return route.method().name() + " " + route.path();
  }

  /** The sample of a route; the viewer's static files share one. */
  private static Row row(Map<String, Row> table, SecuredRoutes.Declared route) {
    if (route.method().name().equals("GET") && route.path().startsWith("/docs/") && !route.path().equals("/docs/")) {
      return table.get("GET /docs/*");
    }
    return table.get(key(route));
  }

  /**
   * A sample request for every route, keyed by "METHOD path" as the router declares it. Ids are
   * fresh per request, so that successes never collide with earlier ones.
   */
  private Map<String, Row> samples() {
    Map<String, Row> table = new LinkedHashMap<>();
    String p = "/api/v1/portfolios/";
    Function<Caller, Integer> everyone200 = caller -> 200;
    table.put("GET /health/live", get(path -> "/health/live", 200, null));
    table.put("GET /health/ready", get(path -> "/health/ready", 200, null));
    table.put("GET /metrics", get(path -> "/metrics", 200, null));
    table.put("GET /openapi.yaml", get(path -> "/openapi.yaml", 200, null));
    table.put("GET /docs", get(path -> "/docs", 301, null));
    table.put("GET /docs/", get(path -> "/docs/", 200, null));
    table.put("GET /docs/*", get(path -> "/docs/swagger-initializer.js", 200, null));
    table.put("GET /", get(path -> "/", 200, null));
    table.put("GET /app/*", get(path -> "/app/dashboard.js", 200, null));
    table.put("GET /webjars/*", get(path -> "/webjars/sockjs-client/1.6.1/dist/sockjs.min.js", 200, null));

    // Creating a child needs admin on its parent (the fund here): 404 for whoever cannot read it.
    table.put("POST /api/v1/portfolios", new Row((portfolio, n) -> new Request("POST", "/api/v1/portfolios",
        new JsonObject().put("id", "mx-new-" + n).put("name", "New " + n).put("baseCurrency", "USD")
            .put("parentId", portfolio), p + "mx-new-" + n, portfolio),
        201, caller -> onFund(caller, PortfolioRole.ADMIN, 201), false));
    table.put("GET /api/v1/portfolios", get(path -> "/api/v1/portfolios?parentId=" + path, 200, everyone200));
    table.put("GET /api/v1/portfolios/:id", get(path -> p + path, 200, null));
    table.put("PATCH /api/v1/portfolios/:id", write("PATCH", (portfolio, n) -> p + portfolio,
        n -> new JsonObject().put("name", "Fund " + n), 200));
    // A global admin's batch for a missing portfolio answers 200 with a 404 per item (as before
    // authentication); everyone else gets one 404 for it, the same as for one they may not read.
    table.put("POST /api/v1/portfolios/:id/trades:batch", write("POST", (portfolio, n) -> p + portfolio
        + "/trades:batch", n -> new JsonObject().put("trades", new JsonArray()
            .add(Api.trade("mx-b" + n + "-1", HELD, "BUY", "1", "100"))
            .add(Api.trade("mx-b" + n + "-2", HELD, "SELL", "1", "101"))), 200, false));
    table.put("POST /api/v1/portfolios/:id/trades", write("POST", (portfolio, n) -> p + portfolio + "/trades",
        n -> Api.trade("mx-t" + n, HELD, "BUY", "1", "99"), 201));
    // A cancel needs a trade to cancel: each sample takes the next of those recorded at the start.
    AtomicInteger cancellable = new AtomicInteger();
    table.put("POST /api/v1/portfolios/:id/trades/:tradeId:cancel", write("POST", (portfolio, n) -> p + portfolio
        + "/trades/mx-x" + cancellable.incrementAndGet() + ":cancel",
        n -> new JsonObject().put("reason", "matrix sample " + n), 200));
    table.put("POST /api/v1/portfolios/:id/trades/:tradeId:amend", write("POST", (portfolio, n) -> p + portfolio
        + "/trades/setup-1:amend", n -> new JsonObject().put("fees", java.math.BigDecimal.valueOf(n, 2).toPlainString()),
        200));
    table.put("POST /api/v1/portfolios/:id/cash-flows", write("POST", (portfolio, n) -> p + portfolio + "/cash-flows",
        n -> new JsonObject().put("flowId", "mx-f" + n).put("type", "DEPOSIT").put("currency", "USD")
            .put("amount", "10"), 201));
    table.put("POST /api/v1/portfolios/:id/fx-conversions", write("POST", (portfolio, n) -> p + portfolio
        + "/fx-conversions", n -> new JsonObject().put("conversionId", "mx-c" + n).put("fromCurrency", "USD")
            .put("toCurrency", "EUR").put("fromAmount", "10").put("rate", "0.9"), 201));
    table.put("PUT /api/v1/portfolios/:id/targets", write("PUT", (portfolio, n) -> p + portfolio + "/targets",
        n -> new JsonObject().put("targets", new JsonObject().put(HELD, "0." + (10 + n % 80))), 200));
    for (String view : List.of("positions", "cash", "weights", "exposures", "performance", "events", "children",
        "descendants", "consolidated", "consolidated/positions", "consolidated/cash", "consolidated/weights",
        "consolidated/exposures")) {
      table.put("GET /api/v1/portfolios/:id/" + view, get(path -> p + path + "/" + view, 200, null));
    }

    table.put("PUT /api/v1/instruments/:id", new Row((portfolio, n) -> new Request("PUT", "/api/v1/instruments/MX-I"
        + n, new JsonObject().put("currency", "USD"), "/api/v1/instruments/MX-I" + n, null), 201, null, false));
    table.put("GET /api/v1/instruments/:id", get(path -> "/api/v1/instruments/" + HELD, 200, everyone200));
    // The bridge's info request: any caller; each registration is checked by the bridge (LiveBridgeTest).
    table.put("GET /eventbus/*", get(path -> "/eventbus/info", 200, everyone200));
    // Each price and rate differs from the last, so a refused one that got through would show in the fund's value.
    table.put("POST /api/v1/prices", new Row((portfolio, n) -> new Request("POST", "/api/v1/prices", new JsonArray()
        .add(new JsonObject().put("instrumentId", HELD).put("price", String.valueOf(100 + n))), null, null), 200, null,
        false));
    table.put("POST /api/v1/fx-rates", new Row((portfolio, n) -> new Request("POST", "/api/v1/fx-rates",
        new JsonArray().add(new JsonObject().put("base", "EUR").put("quote", "USD").put("rate", "1." + (100 + n))),
        null, null), 200, null, false));
    table.put("POST /api/v1/corporate-actions", new Row((portfolio, n) -> new Request("POST",
        "/api/v1/corporate-actions", new JsonObject().put("actionId", "mx-ca" + n).put("instrumentId", "MX-CA")
            .put("type", "CASH_DIVIDEND").put("amountPerShare", "0.5").put("effectiveAt", "2099-01-01T00:00:00Z"),
        "/api/v1/corporate-actions/mx-ca" + n, null), 201, null, false));
    table.put("GET /api/v1/corporate-actions/:id", get(path -> "/api/v1/corporate-actions/mx-action", 200, null));
    table.put("GET /api/v1/cluster", get(path -> "/api/v1/cluster", 200, null));

    table.put("POST /api/v1/api-keys", new Row((portfolio, n) -> new Request("POST", "/api/v1/api-keys",
        new JsonObject().put("name", "mx-key-" + n).put("roles", new JsonArray().add("market-data")),
        "/api/v1/api-keys", null), 201, null, false));
    table.put("GET /api/v1/api-keys", get(path -> "/api/v1/api-keys", 200, null));
    // A key made (by the global admin) for each request, so that every success revokes a live key.
    table.put("DELETE /api/v1/api-keys/:keyId", new Row((Preparing) (portfolio, n) -> new Request("DELETE",
        "/api/v1/api-keys/" + createKey("mx-doomed-" + n, "market-data").getString("keyId"), null, "/api/v1/api-keys",
        null), 200,
        null, false));
    // A global admin may grant on an id no portfolio has yet (201): only the caller's own answers compare.
    table.put("POST /api/v1/grants", new Row((portfolio, n) -> new Request("POST", "/api/v1/grants",
        new JsonObject().put("granteeType", "SUBJECT").put("grantee", "mx-someone-" + n).put("role", "read")
            .put("portfolioId", portfolio), "/api/v1/grants", portfolio), 201,
        caller -> onFund(caller, PortfolioRole.ADMIN, 201), false));
    // A global admin lists the (no) grants of a missing portfolio: 200, so only the caller's own answers compare.
    table.put("GET /api/v1/grants", new Row((portfolio, n) -> new Request("GET", "/api/v1/grants?portfolioId="
        + portfolio, null, null, portfolio), 200, caller -> onFund(caller, PortfolioRole.ADMIN, 200), false));
    // A grant made (by the global admin) on the fund for each request, for the caller to revoke; the
    // missing one is a grant id that does not exist.
    table.put("DELETE /api/v1/grants/:grantId", new Row((Preparing) (portfolio, n) -> {
      String grantId = portfolio.equals(MISSING) ? "grant-" + MISSING
          : grant("SUBJECT", "mx-revocable-" + n, "read", portfolio).getString("grantId");
      return new Request("DELETE", "/api/v1/grants/" + grantId, null, "/api/v1/grants", grantId);
    }, 200, caller -> onFund(caller, PortfolioRole.ADMIN, 200), true));
    table.put("GET /api/v1/audit", get(path -> "/api/v1/audit", 200, null));
    // Analytics: the status for anyone; a set named by the fund needs read on it (a global admin
    // gets an empty set for a missing one, not a 404).
    table.put("GET /api/v1/analytics/status", get(path -> "/api/v1/analytics/status", 200, everyone200));
    Function<Caller, Integer> readsFund = caller -> onFund(caller, PortfolioRole.READ, 200);
    table.put("GET /api/v1/analytics/exposures", new Row((portfolio, n) -> new Request("GET",
        "/api/v1/analytics/exposures?root=" + portfolio, null, null, portfolio), 200, readsFund, false));
    table.put("GET /api/v1/analytics/concentration", new Row((portfolio, n) -> new Request("GET",
        "/api/v1/analytics/concentration?portfolios=" + portfolio, null, null, portfolio), 200, readsFund, false));
    table.put("GET /api/v1/analytics/overlap", new Row((portfolio, n) -> new Request("GET",
        "/api/v1/analytics/overlap?a=" + portfolio + "&b=" + portfolio, null, null, portfolio), 200, readsFund,
        false));
    table.put("GET /api/v1/analytics/nav", new Row((portfolio, n) -> new Request("GET",
        "/api/v1/analytics/nav?root=" + portfolio, null, null, portfolio), 200, readsFund, false));
    table.put("GET /api/v1/analytics/correlation", new Row((portfolio, n) -> new Request("GET",
        "/api/v1/analytics/correlation?portfolios=" + portfolio, null, null, portfolio), 200, readsFund, false));
    // Any caller may query; the views hold only what it may read (AnalyticsQueryApiTest checks that).
    table.put("POST /api/v1/analytics/query", new Row((portfolio, n) -> new Request("POST", "/api/v1/analytics/query",
        new JsonObject().put("sql", "SELECT count(*) AS n FROM positions"), null, null), 200, everyone200, false));
    // Saved queries: any caller saves, lists, reads and runs (a run sees only the runner's
    // portfolios: SavedQueryApiTest); only the author (here the global admin) or an admin changes one.
    String q = "/api/v1/analytics/queries";
    table.put("POST " + q, new Row((portfolio, n) -> new Request("POST", q, new JsonObject().put("name", "mx-q" + n)
        .put("sql", "SELECT count(*) AS n FROM positions"), null, null), 201, caller -> 201, false));
    table.put("GET " + q, get(path -> q, 200, everyone200));
    table.put("GET " + q + "/:name", new Row((Preparing) (portfolio, n) -> new Request("GET", q + "/"
        + savedQuery(n), null, null, null), 200, everyone200, false));
    Function<Caller, Integer> adminOnly = caller -> caller.roles().contains(GlobalRole.ADMIN) ? 200 : 403;
    table.put("PUT " + q + "/:name", new Row((Preparing) (portfolio, n) -> new Request("PUT", q + "/"
        + savedQuery(n), new JsonObject().put("sql", "SELECT 2 AS two"), null, null), 200, adminOnly, false));
    table.put("DELETE " + q + "/:name", new Row((Preparing) (portfolio, n) -> new Request("DELETE", q + "/"
        + savedQuery(n), null, null, null), 204, caller -> adminOnly.apply(caller) == 200 ? 204 : 403, false));
    table.put("POST " + q + "/:name:run", new Row((Preparing) (portfolio, n) -> new Request("POST", q + "/"
        + savedQuery(n) + ":run", new JsonObject(), null, null), 200, everyone200, false));
    // A CSV import needs trade on the portfolio, like the commands its rows become.
    table.put("POST /api/v1/portfolios/:id/imports", write("POST", (portfolio, n) -> p + portfolio
        + "/imports?kind=cash-flows", n -> "flowId,type,currency,amount\nmx-i" + n + ",DEPOSIT,USD,10\n", 200));
    // Exports: a set named by the fund needs read on it (a global admin exports nothing for a
    // missing one, not a 404); a job is seen by its creator (here the global admin who made it)
    // and global admins only: to everyone else it does not exist.
    table.put("GET /api/v1/exports/:dataset", new Row((portfolio, n) -> new Request("GET",
        "/api/v1/exports/valuations?portfolios=" + portfolio, null, null, portfolio), 200, readsFund, false));
    table.put("POST /api/v1/export-jobs", new Row((portfolio, n) -> new Request("POST", "/api/v1/export-jobs",
        new JsonObject().put("dataset", "valuations").put("portfolios", new JsonArray().add(portfolio)), null,
        portfolio), 202, caller -> onFund(caller, PortfolioRole.READ, 202), false));
    Function<Caller, Integer> adminsOnly = caller -> caller.has(GlobalRole.ADMIN) ? 200 : 404;
    table.put("GET /api/v1/export-jobs/:jobId", new Row((Preparing) (portfolio, n) -> {
      String jobId = portfolio.equals(MISSING) ? "exp-00000000-0000-0000-0000-00000000000" + (n % 10)
          : finishedExportJob(portfolio);
      return new Request("GET", "/api/v1/export-jobs/" + jobId, null, null, jobId);
    }, 200, adminsOnly, true));
    table.put("GET /api/v1/export-jobs/:jobId/file", new Row((Preparing) (portfolio, n) -> {
      String jobId = portfolio.equals(MISSING) ? "exp-00000000-0000-0000-0000-00000000000" + (n % 10)
          : finishedExportJob(portfolio);
      return new Request("GET", "/api/v1/export-jobs/" + jobId + "/file", null, null, jobId);
    }, 200, adminsOnly, true));
    return table;
  }

  /** A saved query made by the global admin for one sample request. */
  private String savedQuery(int n) {
    String name = "mx-sq" + n;
    Api.Response created = admin.post("/api/v1/analytics/queries", new JsonObject().put("name", name)
        .put("sql", "SELECT count(*) AS n FROM cash"));
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    return name;
  }

  private static Row get(Function<String, String> path, int ok, Function<Caller, Integer> expect) {
    return new Row((portfolio, n) -> new Request("GET", path.apply(portfolio), null, null, portfolio), ok, expect,
        true);
  }

  private interface PathOf {
    String of(String portfolio, int n);
  }

  private static Row write(String method, PathOf path, IntFunction<Object> body, int ok) {
    return write(method, path, body, ok, true);
  }

  private static Row write(String method, PathOf path, IntFunction<Object> body, int ok, boolean missingAnswers404) {
    return new Row((portfolio, n) -> new Request(method, path.of(portfolio, n), body.apply(n), null, portfolio), ok,
        null, missingAnswers404);
  }

  /**
   * The columns: every way credentials can be wrong, then callers holding each portfolio role on
   * the fund's root (by subject or by group), a reader of another subtree, and the global roles.
   */
  private List<Caller> callers(Api api) throws Exception {
    List<Caller> callers = new ArrayList<>();
    Set<GlobalRole> none = Set.of();
    callers.add(new Caller("no credentials", api.anonymous(), true, null, none));
    callers.add(new Caller("Basic credentials", api.as("Authorization", "Basic YWRtaW46YWRtaW4="), true, null, none));
    callers.add(new Caller("a garbage bearer", api.asBearer("garbage.not.ajwt"), true, null, none));
    callers.add(new Caller("an API key of the wrong shape", api.asBearer("psk_short_secret"), true, null, none));
    callers.add(new Caller("a garbage X-API-Key", api.as("X-API-Key", "not-a-key"), true, null, none));

    // The bad tokens all speak for ada, who holds admin on the root: only the token is wrong.
    String valid = token("corp", "ada", AUDIENCE, Map.of());
    String[] parts = valid.split("\\.");
    callers.add(new Caller("a token signed by another key with the same kid",
        api.asBearer(sign(FixedKey.newKey(KEY_ID), claims("ada", Instant.now().plusSeconds(3600)))), true, null, none));
    String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
        .replace("\"ada\"", "\"adb\"");
    callers.add(new Caller("a token with a tampered payload", api.asBearer(parts[0] + "." + b64(payload) + "."
        + parts[2]), true, null, none));
    callers.add(new Caller("an alg:none token", api.asBearer(b64("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "."
        + parts[1] + "."), true, null, none));
    callers.add(new Caller("a token of another issuer", api.asBearer(token("elsewhere", "ada", AUDIENCE, Map.of())),
        true, null, none));
    callers.add(new Caller("a token for another audience", api.asBearer(token("corp", "ada", "another-service",
        Map.of())), true, null, none));
    callers.add(new Caller("a token expired beyond the skew", api.asBearer(sign(signing.key, claims("ada",
        Instant.now().minusSeconds(120)))), true, null, none));
    callers.add(new Caller("a revoked admin API key", api.asBearer(revokedKey()), true, null, none));

    callers.add(new Caller("a reader of another subtree", api.asBearer(token("corp", "olga", AUDIENCE, Map.of())),
        false, null, none));
    callers.add(new Caller("a reader (by group)", api.asBearer(token("corp", "rita", AUDIENCE,
        Map.of("groups", List.of(READERS, "unrelated")))), false, PortfolioRole.READ, none));
    callers.add(new Caller("a trader", api.asBearer(token("corp", "tom", AUDIENCE, Map.of())), false,
        PortfolioRole.TRADE, none));
    callers.add(new Caller("a portfolio admin", api.asBearer(token("corp", "ada", AUDIENCE, Map.of())), false,
        PortfolioRole.ADMIN, none));
    callers.add(new Caller("a market-data key", api.as("X-API-Key", createKey("mx-feed", "market-data")
        .getString("key")), false, null, Set.of(GlobalRole.MARKET_DATA)));
    callers.add(new Caller("an operations key", api.asBearer(createKey("mx-ops", "operations").getString("key")),
        false, null, Set.of(GlobalRole.OPERATIONS)));
    callers.add(new Caller("the global admin key", api, false, null, Set.of(GlobalRole.ADMIN)));
    return callers;
  }

  /** A global admin key, revoked; returned once the node refuses it. */
  private String revokedKey() throws InterruptedException {
    JsonObject created = createKey("mx-revoked", "admin");
    String text = created.getString("key");
    expect(admin.asBearer(text).get("/api/v1/audit"), 200);
    expect(admin.send("DELETE", "/api/v1/api-keys/" + created.getString("keyId"), null, null), 200);
    awaitStatus(admin.asBearer(text), "/api/v1/audit", 401, 2_000);
    return text;
  }

  // ---------------------------------------------------------------------------------------------
  // Batches, as-of reads and listings

  @Test
  void batchesAsOfReadsAndListingsEnforceTheSameRules() throws Exception {
    admin.createPortfolio("ls-root");
    createChild("ls-a", "ls-root");
    createChild("ls-b", "ls-root");
    createChild("ls-a1", "ls-a");
    createChild("ls-b1", "ls-b");
    admin.createPortfolio("ls-other");
    admin.putInstrument("LS-EQ", new JsonObject().put("currency", "USD"));
    admin.deposit("ls-a1", "USD", "5000");
    grant("SUBJECT", "lena", "read", "ls-a");
    grant("SUBJECT", "tess", "trade", "ls-a");
    grant("SUBJECT", "otto", "read", "ls-b");
    Api lena = admin.asBearer(token("corp", "lena", AUDIENCE, Map.of()));
    Api tess = admin.asBearer(token("corp", "tess", AUDIENCE, Map.of()));
    Api otto = admin.asBearer(token("corp", "otto", AUDIENCE, Map.of()));

    // The batch: 404 for a caller who cannot read the portfolio (as if missing), 403 for a reader, nothing written.
    String state = admin.get("/api/v1/portfolios/ls-a1").body();
    JsonObject batch = new JsonObject().put("trades", new JsonArray()
        .add(Api.trade("ls-1", "LS-EQ", "BUY", "2", "50")).add(Api.trade("ls-2", "LS-EQ", "BUY", "3", "40")));
    Api.Response hidden = otto.post("/api/v1/portfolios/ls-a1/trades:batch", batch);
    assertThat(hidden.status()).isEqualTo(404);
    assertThat(hidden.body()).isEqualTo(otto.post("/api/v1/portfolios/ls-zz/trades:batch", batch).body()
        .replace("ls-zz", "ls-a1"));
    assertThat(lena.post("/api/v1/portfolios/ls-a1/trades:batch", batch).status()).isEqualTo(403);
    assertThat(admin.get("/api/v1/portfolios/ls-a1").body()).as("nothing written by refused batches").isEqualTo(state);
    Api.Response done = tess.post("/api/v1/portfolios/ls-a1/trades:batch", batch);
    assertThat(done.status()).as(done.body()).isEqualTo(200);
    assertThat(done.json().getJsonArray("results").stream().map(r -> ((JsonObject) r).getInteger("status")).toList())
        .containsExactly(201, 201);
    JsonObject now = admin.get("/api/v1/portfolios/ls-a1").json();
    assertThat(now.getLong("version")).isEqualTo(4);

    // As-of reads, by version and by time, on the portfolio and its views.
    String asOf = Instant.now().toString();
    for (String read : List.of("/api/v1/portfolios/ls-a1?version=2", "/api/v1/portfolios/ls-a1?asOf=" + asOf,
        "/api/v1/portfolios/ls-a1/positions?version=3", "/api/v1/portfolios/ls-a1/cash?asOf=" + asOf,
        "/api/v1/portfolios/ls-a1/weights?version=4")) {
      Api.Response allowed = lena.get(read);
      assertThat(allowed.status()).as(read + ": " + allowed.body()).isEqualTo(200);
      assertThat(allowed.body()).as(read).isEqualTo(admin.get(read).body());
      Api.Response refused = otto.get(read);
      assertThat(refused.status()).as(read).isEqualTo(404);
      assertThat(refused.body()).as(read).isEqualTo(admin.get(read.replace("ls-a1", "ls-zz")).body()
          .replace("ls-zz", "ls-a1"));
    }
    assertThat(lena.get("/api/v1/portfolios/ls-a1?version=2").json().getLong("version")).isEqualTo(2);
    assertThat(lena.get("/api/v1/portfolios/ls-b1?version=1").status()).isEqualTo(404);
    assertThat(lena.get("/api/v1/portfolios/ls-root?asOf=" + asOf).status()).isEqualTo(404);

    // Listings: exactly the caller's subtree, a child made after the grant included.
    createChild("ls-a2", "ls-a");
    assertThat(listed(lena, "")).containsExactly("ls-a", "ls-a1", "ls-a2");
    assertThat(listed(lena, "?parentId=ls-a")).containsExactly("ls-a1", "ls-a2");
    assertThat(listed(lena, "?parentId=ls-root")).containsExactly("ls-a");
    assertThat(listed(lena, "?parentId=ls-b")).isEmpty();
    assertThat(listed(lena, "?parentId=ls-other")).isEmpty();
    assertThat(listed(otto, "")).containsExactly("ls-b", "ls-b1");
    assertThat(listed(otto, "?parentId=ls-root")).containsExactly("ls-b");
    assertThat(listed(admin, "?parentId=ls-root")).containsExactly("ls-a", "ls-b");
    assertThat(listed(admin.asBearer(token("corp", "nobody", AUDIENCE, Map.of())), "")).isEmpty();
    // Paging through a reader's listing skips nothing and shows nothing else.
    JsonObject first = lena.get("/api/v1/portfolios?limit=2").json();
    assertThat(ids(first)).containsExactly("ls-a", "ls-a1");
    assertThat(ids(lena.get("/api/v1/portfolios?limit=2&after=" + first.getString("nextAfter")).json()))
        .containsExactly("ls-a2");
  }

  private void createChild(String id, String parent) {
    admin.createPortfolio(new JsonObject().put("id", id).put("name", id).put("baseCurrency", "USD")
        .put("parentId", parent));
  }

  private static List<String> listed(Api api, String query) {
    Api.Response response = api.get("/api/v1/portfolios" + query + (query.isEmpty() ? "?" : "&") + "limit=1000");
    assertThat(response.status()).as(response.body()).isEqualTo(200);
    return ids(response.json());
  }

  private static List<String> ids(JsonObject page) {
    return page.getJsonArray("items").stream().map(item -> ((JsonObject) item).getString("id"))
        .filter(id -> id.startsWith("ls-")).toList();
  }

  // ---------------------------------------------------------------------------------------------
  // A cluster

  @Test
  void grantAndKeyChangesReachEveryNodeWithinASecond() throws Exception {
    try (TestCluster cluster = TestCluster.start(2, 2, TestDatabase.freshDatabaseUri(), securityOverrides())) {
      Api a = new Api(cluster.node(0).httpPort());
      Api b = new Api(cluster.node(1).httpPort());
      a.createPortfolio("cl-root");
      String path = "/api/v1/portfolios/cl-root";
      Api caraOnA = a.asBearer(token("corp", "cara", AUDIENCE, Map.of()));
      Api caraOnB = b.asBearer(token("corp", "cara", AUDIENCE, Map.of()));
      assertThat(caraOnB.get(path).status()).isEqualTo(404);

      JsonObject granted = grant(a, "SUBJECT", "cara", "read", "cl-root");
      long grantSeen = awaitStatus(caraOnB, path, 200, 1_500);
      assertThat(caraOnA.get(path).status()).as("the node that made the grant enforces it at once").isEqualTo(200);

      expect(b.send("DELETE", "/api/v1/grants/" + granted.getString("grantId"), null, null), 200);
      assertThat(caraOnB.get(path).status()).as("the node that revoked the grant enforces it at once").isEqualTo(404);
      long revokeSeen = awaitStatus(caraOnA, path, 404, 1_500);

      Api.Response created = a.post("/api/v1/api-keys", new JsonObject().put("name", "cl-key")
          .put("roles", new JsonArray().add("operations")));
      expect(created, 201);
      Api keyOnB = b.asBearer(created.json().getString("key"));
      long keySeen = awaitStatus(keyOnB, "/api/v1/cluster", 200, 1_500);
      expect(a.send("DELETE", "/api/v1/api-keys/" + created.json().getString("keyId"), null, null), 200);
      long keyRevokeSeen = awaitStatus(keyOnB, "/api/v1/cluster", 401, 1_500);
      System.out.printf("cluster: grant seen by the other node after %d ms, its revocation after %d ms, a new key "
          + "after %d ms, its revocation after %d ms%n", grantSeen, revokeSeen, keySeen, keyRevokeSeen);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  /** Polls {@code path} until it answers {@code status}: how long that took (ms); fails after {@code withinMs}. */
  private static long awaitStatus(Api api, String path, int status, long withinMs) throws InterruptedException {
    long start = System.nanoTime();
    Api.Response last = null;
    while (System.nanoTime() - start < withinMs * 1_000_000L) {
      last = api.get(path);
      if (last.status() == status) {
        return (System.nanoTime() - start) / 1_000_000L;
      }
      Thread.sleep(5);
    }
    throw new AssertionError(path + " did not answer " + status + " within " + withinMs + " ms (a second and "
        + "slack); last: " + (last == null ? "none" : last.status() + " " + last.body()));
  }

  private JsonObject grant(String type, String grantee, String role, String portfolio) {
    return grant(admin, type, grantee, role, portfolio);
  }

  private static JsonObject grant(Api api, String type, String grantee, String role, String portfolio) {
    Api.Response response = api.post("/api/v1/grants", new JsonObject().put("granteeType", type)
        .put("grantee", grantee).put("role", role).put("portfolioId", portfolio));
    expect(response, 201);
    return response.json();
  }

  /** An export job of {@code portfolio}'s valuations, made by the global admin, once it is done. */
  private String finishedExportJob(String portfolio) {
    Api.Response started = admin.post("/api/v1/export-jobs", new JsonObject().put("dataset", "valuations")
        .put("portfolios", new JsonArray().add(portfolio)));
    expect(started, 202);
    String jobId = started.json().getString("jobId");
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
    while (!"DONE".equals(admin.get("/api/v1/export-jobs/" + jobId).json().getString("state"))) {
      assertThat(System.nanoTime()).as("export job " + jobId + " done in time").isLessThan(deadline);
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    return jobId;
  }

  private JsonObject createKey(String name, String role) {
    Api.Response response = admin.post("/api/v1/api-keys", new JsonObject().put("name", name)
        .put("roles", new JsonArray().add(role)));
    expect(response, 201);
    return response.json();
  }

  private static void expect(Api.Response response, int status) {
    assertThat(response.status()).as(response.body()).isEqualTo(status);
  }

  private String token(String issuerId, String subject, String audience, Map<String, Object> claims) {
    return provider.issueToken(issuerId, subject, audience, claims, 3600).serialize();
  }

  private JWTClaimsSet claims(String subject, Instant expiry) {
    return new JWTClaimsSet.Builder().subject(subject).issuer(issuer).audience(AUDIENCE)
        .issueTime(Date.from(expiry.minusSeconds(3600))).expirationTime(Date.from(expiry)).build();
  }

  private static String sign(RSAKey key, JWTClaimsSet claims) throws JOSEException {
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(), claims);
    jwt.sign(new RSASSASigner(key));
    return jwt.serialize();
  }

  private static String b64(String text) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }
}
