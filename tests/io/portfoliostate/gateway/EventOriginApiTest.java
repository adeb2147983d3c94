package io.portfoliostate.gateway;

import static io.portfoliostate.fixtures.Api.trade;
import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.app.Node;
import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.TestDatabase;
import io.portfoliostate.fixtures.TestKeys;
import io.portfoliostate.fixtures.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Audit over REST (issue 12): every event a request causes is journaled with the REST origin —
 * the caller ({@code key:<keyId>} of the API key it authenticated with) and the request's id, the
 * one the client sent as {@code X-Request-Id} — and {@code GET /events} shows it. A request without a
 * usable id gets a generated one, echoed like a given one (on problems too). A replay journals
 * nothing, so the journal keeps the original request's origin; a restart reads them back from
 * the journal. Real node, real PostgreSQL.
 */
class EventOriginApiTest {

  /** The principal of the tests' admin key, which {@link Api} sends. */
  private static final String ADMIN = "key:" + TestKeys.ADMIN_KEY_ID;

  private static String database;
  private static Node node;
  private static Api api;

  @BeforeAll
  static void start() throws Exception {
    database = TestDatabase.freshDatabaseUri();
    node = TestNode.start(database);
    api = new Api(node.httpPort());
  }

  @AfterAll
  static void stop() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void everyKindOfWriteJournalsTheRestOriginWithTheRequestIdSent() {
    JsonObject create = new JsonObject().put("id", "or-1").put("name", "Fund").put("baseCurrency", "USD")
        .put("targets", new JsonObject().put("AAPL", "0.5"));
    assertThat(send("POST", "/api/v1/portfolios", create, "req-create").status()).isEqualTo(201);
    assertThat(send("PATCH", "/api/v1/portfolios/or-1", new JsonObject().put("name", "Renamed"), "req-patch")
        .status()).isEqualTo(200);
    assertThat(send("PUT", "/api/v1/portfolios/or-1/targets",
        new JsonObject().put("targets", new JsonObject().put("AAPL", "0.6")), "req-targets").status()).isEqualTo(200);
    assertThat(send("POST", "/api/v1/portfolios/or-1/cash-flows", new JsonObject().put("flowId", "f-1")
        .put("type", "DEPOSIT").put("currency", "EUR").put("amount", "1000"), "req-cash").status()).isEqualTo(201);
    assertThat(send("POST", "/api/v1/portfolios/or-1/fx-conversions", new JsonObject().put("conversionId", "c-1")
        .put("fromCurrency", "EUR").put("toCurrency", "USD").put("fromAmount", "500").put("rate", "1.1"),
        "req-fx").status()).isEqualTo(201);
    assertThat(send("POST", "/api/v1/portfolios/or-1/trades", trade("t-1", "AAPL", "BUY", "2", "100"), "req-trade")
        .status()).isEqualTo(201);
    Api.Response batch = send("POST", "/api/v1/portfolios/or-1/trades:batch", new JsonObject().put("trades",
        new JsonArray().add(trade("b-1", "AAPL", "BUY", "1", "101")).add(trade("b-2", "AAPL", "SELL", "1", "102"))),
        "req-batch");
    assertThat(batch.status()).isEqualTo(200);
    assertThat(batch.header("X-Request-Id")).isEqualTo("req-batch");

    JsonArray events = events("or-1");
    // A create with targets is one event (PortfolioCreated carries the targets); each item of a
    // batch carries the batch request's origin.
    assertThat(summary(events)).containsExactly(
        "1 PortfolioCreated REST " + ADMIN + " req-create",
        "2 PortfolioUpdated REST " + ADMIN + " req-patch",
        "3 TargetsSet REST " + ADMIN + " req-targets",
        "4 CashFlowRecorded REST " + ADMIN + " req-cash",
        "5 FxConverted REST " + ADMIN + " req-fx",
        "6 TradeRecorded REST " + ADMIN + " req-trade",
        "7 TradeRecorded REST " + ADMIN + " req-batch",
        "8 TradeRecorded REST " + ADMIN + " req-batch");
    assertThat(events.getJsonObject(0).getJsonObject("data").getJsonObject("targets")).isNotEmpty();
    // Exactly these fields: no Pulsar or action details on a REST origin.
    assertThat(events.getJsonObject(5).getJsonObject("origin")).isEqualTo(new JsonObject()
        .put("principal", ADMIN).put("channel", "REST").put("requestId", "req-trade"));
  }

  @Test
  void eachCallerIsJournaledUnderItsOwnKeyAndARefusedCallerJournalsNothing() {
    api.createPortfolio("or-keys");
    Api.Response created = api.post("/api/v1/api-keys", new JsonObject().put("name", "trading desk"));
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    String keyId = created.json().getString("keyId");
    Api trader = api.asBearer(created.json().getString("key"));
    // Not granted anything yet: refused, nothing journaled, the answer still names its request.
    Api.Response refused = trader.send("POST", "/api/v1/portfolios/or-keys/cash-flows", "application/json",
        new JsonObject().put("flowId", "k-0").put("type", "DEPOSIT").put("currency", "USD").put("amount", "1")
            .encode(), "X-Request-Id", "req-refused");
    assertThat(refused.status()).isEqualTo(404);
    assertThat(refused.header("X-Request-Id")).isEqualTo("req-refused");
    Api.Response unauthenticated = api.anonymous().send("GET", "/api/v1/portfolios/or-keys", null, null,
        "X-Request-Id", "req-nobody");
    assertThat(unauthenticated.status()).isEqualTo(401);
    assertThat(unauthenticated.header("X-Request-Id")).isEqualTo("req-nobody");

    assertThat(api.post("/api/v1/grants", new JsonObject().put("granteeType", "API_KEY").put("grantee", keyId)
        .put("role", "trade").put("portfolioId", "or-keys")).status()).isEqualTo(201);
    Api.Response deposit = trader.send("POST", "/api/v1/portfolios/or-keys/cash-flows", "application/json",
        new JsonObject().put("flowId", "k-1").put("type", "DEPOSIT").put("currency", "USD").put("amount", "100")
            .encode(), "X-Request-Id", "req-trader");
    assertThat(deposit.status()).as(deposit.body()).isEqualTo(201);

    JsonArray events = events("or-keys");
    assertThat(events.size()).isEqualTo(2);
    assertThat(events.getJsonObject(0).getJsonObject("origin").getString("principal")).isEqualTo(ADMIN);
    assertThat(events.getJsonObject(1).getJsonObject("origin")).isEqualTo(new JsonObject()
        .put("principal", "key:" + keyId).put("channel", "REST").put("requestId", "req-trader"));
  }

  @Test
  void withAuthenticationOffTheCallerIsJournaledAsAnonymous() throws Exception {
    try (Node open = TestNode.start(TestDatabase.freshDatabaseUri(),
        new JsonObject().put("security", new JsonObject().put("enabled", "off")))) {
      Api nobody = new Api(open.httpPort()).anonymous();
      assertThat(nobody.send("POST", "/api/v1/portfolios", "application/json", new JsonObject().put("id", "or-open")
          .put("name", "O").put("baseCurrency", "USD").encode(), "X-Request-Id", "req-open").status()).isEqualTo(201);
      assertThat(nobody.get("/api/v1/portfolios/or-open/events").json().getJsonArray("events").getJsonObject(0)
          .getJsonObject("origin")).isEqualTo(new JsonObject().put("principal", "anonymous").put("channel", "REST")
          .put("requestId", "req-open"));
    }
  }

  @Test
  void aRequestWithoutAUsableIdGetsAGeneratedOneEchoedAndJournaled() {
    Api.Response created = api.post("/api/v1/portfolios", new JsonObject().put("id", "or-gen").put("name", "G")
        .put("baseCurrency", "USD"));
    assertThat(created.status()).isEqualTo(201);
    String generated = created.header("X-Request-Id");
    assertThat(UUID.fromString(generated).toString()).isEqualTo(generated);

    String tooLong = "x".repeat(129);
    Api.Response deposit = send("POST", "/api/v1/portfolios/or-gen/cash-flows", new JsonObject().put("flowId", "g-1")
        .put("type", "DEPOSIT").put("currency", "USD").put("amount", "10"), tooLong);
    assertThat(deposit.status()).isEqualTo(201);
    String replaced = deposit.header("X-Request-Id");
    assertThat(replaced).isNotEqualTo(tooLong).isNotEqualTo(generated);
    assertThat(UUID.fromString(replaced).toString()).isEqualTo(replaced);
    // 128 printable characters, spaces and symbols included, are kept as sent.
    String longest = "a b~!" + "z".repeat(123);
    assertThat(send("POST", "/api/v1/portfolios/or-gen/cash-flows", new JsonObject().put("flowId", "g-2")
        .put("type", "DEPOSIT").put("currency", "USD").put("amount", "5"), longest).header("X-Request-Id"))
        .isEqualTo(longest);

    assertThat(summary(events("or-gen"))).containsExactly(
        "1 PortfolioCreated REST " + ADMIN + " " + generated,
        "2 CashFlowRecorded REST " + ADMIN + " " + replaced,
        "3 CashFlowRecorded REST " + ADMIN + " " + longest);
    // Reads are given an id too.
    assertThat(api.get("/api/v1/portfolios/or-gen").header("X-Request-Id")).isNotNull();
  }

  @Test
  void onlyPrintableAsciiUpTo128CharactersIsUsable() {
    assertThat(RequestIds.usable("r")).isTrue();
    assertThat(RequestIds.usable(" ~")).isTrue();
    assertThat(RequestIds.usable("y".repeat(128))).isTrue();
    assertThat(RequestIds.usable("")).isFalse();
    assertThat(RequestIds.usable(null)).isFalse();
    assertThat(RequestIds.usable("y".repeat(129))).isFalse();
    assertThat(RequestIds.usable("caf\u00e9")).isFalse();
    assertThat(RequestIds.usable("a\tb")).isFalse();
    assertThat(RequestIds.usable("a\u007fb")).isFalse();
  }

  @Test
  void problemsEchoTheRequestIdAndJournalNothing() {
    api.createPortfolio("or-bad");
    Api.Response invalid = send("POST", "/api/v1/portfolios/or-bad/trades",
        new JsonObject().put("tradeId", "x-1").put("side", "HOLD"), "req-invalid");
    assertThat(invalid.status()).isEqualTo(400);
    assertThat(invalid.contentType()).isEqualTo("application/problem+json");
    assertThat(invalid.header("X-Request-Id")).isEqualTo("req-invalid");
    Api.Response missing = send("POST", "/api/v1/portfolios/or-none/trades", trade("m-1", "AAPL", "BUY", "1", "1"),
        "req-missing");
    assertThat(missing.status()).isEqualTo(404);
    assertThat(missing.header("X-Request-Id")).isEqualTo("req-missing");
    Api.Response noRoute = api.send("GET", "/api/v1/nothing-here", null, null, "X-Request-Id", "req-404");
    assertThat(noRoute.status()).isEqualTo(404);
    assertThat(noRoute.header("X-Request-Id")).isEqualTo("req-404");
    assertThat(events("or-bad").size()).isEqualTo(1);
  }

  @Test
  void aReplayFromAnotherRequestLeavesTheOriginalOriginInTheJournal() {
    api.createPortfolio("or-replay");
    JsonObject body = trade("r-1", "AAPL", "BUY", "3", "100");
    assertThat(send("POST", "/api/v1/portfolios/or-replay/trades", body, "req-first").status()).isEqualTo(201);
    Api.Response replay = send("POST", "/api/v1/portfolios/or-replay/trades", body, "req-again");
    assertThat(replay.status()).isEqualTo(200);
    assertThat(replay.header("Idempotent-Replay")).isEqualTo("true");
    assertThat(replay.header("X-Request-Id")).isEqualTo("req-again");
    JsonArray events = events("or-replay");
    assertThat(events.size()).isEqualTo(2);
    assertThat(events.getJsonObject(1).getJsonObject("origin").getString("requestId")).isEqualTo("req-first");
    // And the replay's answer is the original result.
    assertThat(replay.json().getLong("version")).isEqualTo(2);
    assertThat(replay.json().getJsonObject("position").getString("quantity")).isEqualTo("3");
  }

  @Test
  void eventsJournaledBeforeOriginsShowNullAndOriginsSurviveARestart() throws Exception {
    api.createPortfolio("or-old");
    assertThat(send("POST", "/api/v1/portfolios/or-old/trades", trade("o-1", "AAPL", "BUY", "1", "10"), "req-kept")
        .status()).isEqualTo(201);
    // An event as a version before V11 wrote it: no origin.
    execute("UPDATE portfolio_events SET origin = NULL WHERE portfolio_id = 'or-old' AND seq = 1");

    node.close();
    node = TestNode.start(database);
    api = new Api(node.httpPort());

    JsonArray events = events("or-old");
    assertThat(events.getJsonObject(0).containsKey("origin")).isTrue();
    assertThat(events.getJsonObject(0).getValue("origin")).isNull();
    assertThat(events.getJsonObject(1).getJsonObject("origin")).isEqualTo(new JsonObject()
        .put("principal", ADMIN).put("channel", "REST").put("requestId", "req-kept"));
    // What the journal holds, read by SQL: the same object.
    assertThat(new JsonObject(query("SELECT origin::text FROM portfolio_events WHERE portfolio_id = 'or-old' "
        + "AND seq = 2"))).isEqualTo(events.getJsonObject(1).getJsonObject("origin"));
    // The portfolio loads and takes writes as before.
    assertThat(send("POST", "/api/v1/portfolios/or-old/trades", trade("o-2", "AAPL", "BUY", "1", "11"), "req-after")
        .status()).isEqualTo(201);
    assertThat(summary(events("or-old"))).containsExactly("1 PortfolioCreated null",
        "2 TradeRecorded REST " + ADMIN + " req-kept", "3 TradeRecorded REST " + ADMIN + " req-after");
  }

  // ---- helpers ---------------------------------------------------------------------------

  private static Api.Response send(String method, String path, JsonObject body, String requestId) {
    return api.send(method, path, "application/json", body.encode(), "X-Request-Id", requestId);
  }

  static JsonArray events(String id) {
    Api.Response response = api.get("/api/v1/portfolios/" + id + "/events");
    assertThat(response.status()).as(response.body()).isEqualTo(200);
    return response.json().getJsonArray("events");
  }

  /** "version type channel principal requestId" per event. */
  static List<String> summary(JsonArray events) {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < events.size(); i++) {
      JsonObject event = events.getJsonObject(i);
      JsonObject origin = event.getJsonObject("origin");
      if (origin == null) {
        lines.add(event.getLong("version") + " " + event.getString("type") + " null");
        continue;
      }
      lines.add(event.getLong("version") + " " + event.getString("type") + " " + origin.getString("channel") + " "
          + origin.getString("principal") + " " + origin.getString("requestId"));
    }
    return lines;
  }

  private static void execute(String sql) throws Exception {
    try (Connection connection = jdbc(); Statement statement = connection.createStatement()) {
      statement.executeUpdate(sql);
    }
  }

  private static String query(String sql) throws Exception {
    try (Connection connection = jdbc(); Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery(sql)) {
      rows.next();
      return rows.getString(1);
    }
  }

  private static Connection jdbc() throws Exception {
    return TestDatabase.connect(database);
  }
}
