package io.portfoliostate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.RunningNode;
import io.portfoliostate.fixtures.TestKeys;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * CSV imports end to end on a real node and its PostgreSQL journal: a dry run lists every row
 * and every bad one with its line and reason and changes nothing; the real import refuses a file
 * with bad rows, then with {@code validRowsOnly} records the good ones through the owner; a
 * re-import changes nothing; a statement with its own column names, semicolons and decimal
 * commas; files that cannot be read.
 */
class CsvImportApiTest {

  @RegisterExtension
  static final RunningNode NODE = new RunningNode();

  /** Line 1 is the header: lines 4, 5 and 8 are bad, line 7 repeats line 2. */
  private static final String STATEMENT = """
      tradeId,instrumentId,side,quantity,price,fees
      t-1,IMA,BUY,100,10.5,1
      t-2,IMA,SELL,40,12,1
      t-3,IMB,BUY,-5,20,0
      t-4,IMB,HOLD,5,20,0
      t-5,IMB,BUY,10,20,2
      t-1,IMA,BUY,100,10.5,1
      t-2,IMA,SELL,41,12,1
      """;

  private static Api api() {
    return NODE.api();
  }

  @BeforeAll
  static void instruments() {
    api().putInstrument("IMA", new JsonObject().put("currency", "USD"));
    api().putInstrument("IMB", new JsonObject().put("currency", "USD"));
    api().putInstrument("IME", new JsonObject().put("currency", "EUR"));
  }

  private static Api.Response importCsv(String portfolio, String csv, Map<String, String> options) {
    String query = options.entrySet().stream().map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8)).collect(Collectors.joining("&"));
    return api().send("POST", "/api/v1/portfolios/" + portfolio + "/imports?" + query, "text/csv", csv);
  }

  private static Map<String, String> options(String... pairs) {
    Map<String, String> options = new LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      options.put(pairs[i], pairs[i + 1]);
    }
    return options;
  }

  private static JsonObject position(JsonObject state, String instrument) {
    return state.getJsonArray("positions").stream().map(JsonObject.class::cast)
        .filter(p -> p.getString("instrumentId").equals(instrument)).findFirst().orElseThrow();
  }

  private static String cash(JsonObject state, String currency) {
    return state.getJsonArray("cash").stream().map(JsonObject.class::cast)
        .filter(c -> c.getString("currency").equals(currency)).findFirst().orElseThrow().getString("balance");
  }

  @Test
  void badRowsAreListedAndRefuseTheFileUntilValidRowsOnly() {
    api().createPortfolio("imp-a");
    api().deposit("imp-a", "USD", "10000");
    String before = api().get("/api/v1/portfolios/imp-a").body();

    Api.Response dry = importCsv("imp-a", STATEMENT, options("kind", "trades", "dryRun", "true"));
    assertThat(dry.status()).as(dry.body()).isEqualTo(200);
    JsonObject report = dry.json();
    assertThat(report.getInteger("rows")).isEqualTo(7);
    assertThat(report.getInteger("new")).isEqualTo(3);
    assertThat(report.getInteger("replays")).isEqualTo(1);
    assertThat(report.getInteger("bad")).isEqualTo(3);
    assertThat(report.getBoolean("wouldApply")).isFalse();
    JsonArray bad = report.getJsonArray("badRows");
    assertThat(bad.stream().map(r -> ((JsonObject) r).getInteger("line")).toList()).containsExactly(4, 5, 8);
    assertThat(bad.getJsonObject(0).getString("reason")).isEqualTo("quantity (column quantity) must be greater than zero");
    assertThat(bad.getJsonObject(1).getString("reason"))
        .isEqualTo("side (column side) must be one of [BUY, SELL]");
    assertThat(bad.getJsonObject(2).getString("reason")).isEqualTo("tradeId t-2 is used on line 3 with other content");
    JsonArray lines = report.getJsonArray("lines");
    assertThat(lines.stream().map(l -> ((JsonObject) l).getString("status")).toList())
        .containsExactly("new", "new", "bad", "bad", "new", "replay", "bad");
    assertThat(lines.getJsonObject(5).getInteger("replayOf")).isEqualTo(2);
    assertThat(lines.getJsonObject(0).getJsonObject("command")).isEqualTo(new JsonObject().put("portfolioId", "imp-a")
        .put("type", "RecordTrade").put("tradeId", "t-1").put("instrumentId", "IMA").put("side", "BUY")
        .put("quantity", "100").put("price", "10.5").put("fees", "1").put("strategy", "default"));
    // What would change: 100 − 40 IMA and 10 IMB; cash −(100 × 10.5 + 1) + (40 × 12 − 1) − (10 × 20 + 2) = −774.
    JsonObject totals = report.getJsonObject("totals");
    assertThat(totals.getJsonObject("byInstrument")).isEqualTo(new JsonObject()
        .put("IMA", new JsonObject().put("trades", 2).put("bought", "100").put("sold", "40").put("net", "60"))
        .put("IMB", new JsonObject().put("trades", 1).put("bought", "10").put("sold", "0").put("net", "10")));
    assertThat(totals.getJsonObject("cashByCurrency")).isEqualTo(new JsonObject().put("USD", "-774"));
    assertThat(api().get("/api/v1/portfolios/imp-a").body()).isEqualTo(before);

    Api.Response refused = importCsv("imp-a", STATEMENT, options("kind", "trades"));
    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.contentType()).isEqualTo("application/problem+json");
    assertThat(refused.json().getString("type")).isEqualTo("/problems/import-has-bad-rows");
    assertThat(refused.json().getJsonArray("badRows").size()).isEqualTo(3);
    assertThat(api().get("/api/v1/portfolios/imp-a").body()).isEqualTo(before);

    Api.Response imported = importCsv("imp-a", STATEMENT, options("kind", "trades", "validRowsOnly", "true"));
    assertThat(imported.status()).as(imported.body()).isEqualTo(200);
    JsonObject done = imported.json();
    assertThat(done.getLong("applied")).isEqualTo(3L);
    assertThat(done.getLong("replayed")).isEqualTo(1L);
    assertThat(done.getJsonArray("refused")).isEmpty();
    assertThat(done.getJsonArray("skipped").stream().map(r -> ((JsonObject) r).getInteger("line")).toList())
        .containsExactly(4, 5, 8);
    assertThat(done.getLong("version")).isEqualTo(5L);
    assertThat(done.getBoolean("changed")).isTrue();

    // Average cost: IMA 60 left at 10.5, realized 40 × (12 − 10.5) = 60, fees 2; cash 10000 − 774.
    JsonObject state = api().get("/api/v1/portfolios/imp-a").json();
    assertThat(state.getLong("version")).isEqualTo(5L);
    JsonObject ima = position(state, "IMA");
    assertThat(ima.getString("quantity")).isEqualTo("60");
    assertThat(ima.getString("averageCost")).isEqualTo("10.5");
    assertThat(ima.getString("costBasis")).isEqualTo("630");
    assertThat(ima.getString("realizedPnl")).isEqualTo("60");
    assertThat(ima.getString("fees")).isEqualTo("2");
    JsonObject imb = position(state, "IMB");
    assertThat(imb.getString("quantity")).isEqualTo("10");
    assertThat(imb.getString("costBasis")).isEqualTo("200");
    assertThat(cash(state, "USD")).isEqualTo("9226");

    // The same file again: every good row is a replay, nothing changes.
    String after = api().get("/api/v1/portfolios/imp-a").body();
    JsonObject again = importCsv("imp-a", STATEMENT, options("kind", "trades", "validRowsOnly", "true")).json();
    assertThat(again.getLong("applied")).isEqualTo(0L);
    assertThat(again.getLong("replayed")).isEqualTo(4L);
    assertThat(again.getBoolean("changed")).isFalse();
    assertThat(again.getLong("version")).isEqualTo(5L);
    assertThat(api().get("/api/v1/portfolios/imp-a").body()).isEqualTo(after);
    JsonObject dryAgain = importCsv("imp-a", STATEMENT, options("kind", "trades", "dryRun", "true")).json();
    assertThat(dryAgain.getInteger("new")).isEqualTo(0);
    assertThat(dryAgain.getInteger("replays")).isEqualTo(4);
    // t-2 with 41 is now a conflict with what the journal holds.
    assertThat(dryAgain.getJsonArray("badRows").getJsonObject(2).getString("reason"))
        .isEqualTo("tradeId t-2 is already recorded in this portfolio with other content");
  }

  private static long journalRows(String portfolio) throws Exception {
    try (java.sql.Connection connection = io.portfoliostate.fixtures.TestDatabase.connect(NODE.databaseUri());
        java.sql.PreparedStatement count = connection.prepareStatement(
            "SELECT count(*) FROM portfolio_events WHERE portfolio_id = ?")) {
      count.setString(1, portfolio);
      try (java.sql.ResultSet rows = count.executeQuery()) {
        rows.next();
        return rows.getLong(1);
      }
    }
  }

  /**
   * Rows 3 and 6 are refused by the owner alone (the dry run cannot know: ZZZ and ZZY have no
   * reference data, their positions are kept in the currency of their first trade, ZZY's opened
   * on line 5 of the same file): the whole file changes nothing.
   */
  private static final String OWNER_REFUSES = """
      tradeId,instrumentId,side,quantity,price,currency
      a-1,IMA,BUY,10,10,
      a-2,ZZZ,BUY,5,6,USD
      a-3,IMB,BUY,1,20,
      a-4,ZZY,BUY,2,3,EUR
      a-5,ZZY,BUY,1,3,USD
      """;

  @Test
  void aRowTheOwnerRefusesRefusesTheWholeFileUnlessValidRowsOnly() throws Exception {
    api().createPortfolio("imp-e");
    api().deposit("imp-e", "USD", "10000");
    Api.Response eur = api().post("/api/v1/portfolios/imp-e/trades", Api.trade("e-0", "ZZZ", "BUY", "10", "5")
        .put("currency", "EUR"));
    assertThat(eur.status()).as(eur.body()).isEqualTo(201);
    String before = api().get("/api/v1/portfolios/imp-e").body();
    assertThat(journalRows("imp-e")).isEqualTo(3L);

    JsonObject dry = importCsv("imp-e", OWNER_REFUSES, options("kind", "trades", "dryRun", "true")).json();
    assertThat(dry.getInteger("bad")).isEqualTo(0);
    assertThat(dry.getBoolean("wouldApply")).isTrue();

    Api.Response refused = importCsv("imp-e", OWNER_REFUSES, options("kind", "trades"));
    assertProblem(refused, 400, "/problems/import-rows-refused");
    JsonObject problem = refused.json();
    assertThat(problem.getInteger("rows")).isEqualTo(5);
    assertThat(problem.getInteger("refusedCount")).isEqualTo(2);
    JsonArray rows = problem.getJsonArray("refused");
    assertThat(rows.stream().map(r -> ((JsonObject) r).getInteger("line")).toList()).containsExactly(3, 6);
    assertThat(rows.getJsonObject(0).getJsonObject("problem").getString("detail"))
        .isEqualTo("the position in ZZZ is kept in EUR, not USD");
    assertThat(rows.getJsonObject(1).getJsonObject("problem").getString("detail"))
        .isEqualTo("the position in ZZY is kept in EUR, not USD");
    assertThat(rows.getJsonObject(0).getJsonObject("problem").getInteger("status")).isEqualTo(400);
    // Nothing of the file: not lines 2 and 4 before the refused row, not line 5 between them.
    assertThat(api().get("/api/v1/portfolios/imp-e").body()).isEqualTo(before);
    assertThat(journalRows("imp-e")).isEqualTo(3L);

    Api.Response valid = importCsv("imp-e", OWNER_REFUSES, options("kind", "trades", "validRowsOnly", "true"));
    assertThat(valid.status()).as(valid.body()).isEqualTo(200);
    JsonObject done = valid.json();
    assertThat(done.getLong("applied")).isEqualTo(3L);
    assertThat(done.getLong("replayed")).isEqualTo(0L);
    assertThat(done.getJsonArray("refused").stream().map(r -> ((JsonObject) r).getInteger("line")).toList())
        .containsExactly(3, 6);
    assertThat(done.getLong("version")).isEqualTo(6L);
    JsonObject state = api().get("/api/v1/portfolios/imp-e").json();
    assertThat(state.getLong("version")).isEqualTo(6L);
    assertThat(position(state, "IMA").getString("quantity")).isEqualTo("10");
    assertThat(position(state, "IMB").getString("quantity")).isEqualTo("1");
    assertThat(position(state, "ZZY").getString("quantity")).isEqualTo("2");
    assertThat(position(state, "ZZZ").getString("quantity")).isEqualTo("10");
    // USD 10000 − 10 × 10 − 1 × 20; EUR −10 × 5 − 2 × 3.
    assertThat(cash(state, "USD")).isEqualTo("9880");
    assertThat(cash(state, "EUR")).isEqualTo("-56");
    assertThat(journalRows("imp-e")).isEqualTo(6L);

    // Again: the three recorded rows replay, the two refused ones are refused again, nothing changes.
    String after = api().get("/api/v1/portfolios/imp-e").body();
    JsonObject again = importCsv("imp-e", OWNER_REFUSES, options("kind", "trades", "validRowsOnly", "true")).json();
    assertThat(again.getLong("applied")).isEqualTo(0L);
    assertThat(again.getLong("replayed")).isEqualTo(3L);
    assertThat(again.getJsonArray("refused").size()).isEqualTo(2);
    assertThat(again.getBoolean("changed")).isFalse();
    assertProblem(importCsv("imp-e", OWNER_REFUSES, options("kind", "trades")), 400, "/problems/import-rows-refused");
    assertThat(api().get("/api/v1/portfolios/imp-e").body()).isEqualTo(after);
    assertThat(journalRows("imp-e")).isEqualTo(6L);
  }

  @Test
  void aStatementWithItsOwnColumnsSemicolonsAndDecimalCommas() {
    api().createPortfolio("imp-b");
    String csv = "Ref;Ticker;B/S;Qty;Kurs;Gebühr;Datum\n"
        + "x-1;IMA;buy;10;10,25;0,5;02.11.2026\n"
        + "x-2;IMA;sell;4;11,5;0,5;03.11.2026\n";
    Map<String, String> options = options("kind", "trades", "delimiter", ";", "decimal", ",",
        "dateFormat", "dd.MM.yyyy", "zone", "Europe/Zurich", "col.tradeId", "Ref", "col.instrumentId", "Ticker",
        "col.side", "B/S", "col.quantity", "Qty", "col.price", "Kurs", "col.fees", "Gebühr", "col.executedAt", "Datum",
        "const.strategy", "broker-x");
    JsonObject dry = importCsv("imp-b", csv, new LinkedHashMap<>(options) {{
        put("dryRun", "true");
      }}).json();
    assertThat(dry.getInteger("bad")).isEqualTo(0);
    // Midnight in Zurich on 2 November (UTC+1) is 23:00 UTC the day before.
    assertThat(dry.getJsonArray("lines").getJsonObject(0).getJsonObject("command")).isEqualTo(new JsonObject()
        .put("portfolioId", "imp-b").put("type", "RecordTrade").put("tradeId", "x-1").put("instrumentId", "IMA")
        .put("side", "BUY").put("quantity", "10").put("price", "10.25").put("fees", "0.5").put("strategy", "broker-x")
        .put("executedAt", "2026-11-01T23:00:00Z"));
    assertThat(dry.getJsonObject("totals").getJsonObject("cashByCurrency"))
        .isEqualTo(new JsonObject().put("USD", "-57.5"));

    Api.Response imported = importCsv("imp-b", csv, options);
    assertThat(imported.status()).as(imported.body()).isEqualTo(200);
    assertThat(imported.json().getLong("applied")).isEqualTo(2L);
    // 6 left at 10.25; realized 4 × (11.5 − 10.25) = 5; cash −(102.5 + 0.5) + (46 − 0.5) = −57.5.
    JsonObject state = api().get("/api/v1/portfolios/imp-b").json();
    JsonObject position = position(state, "IMA");
    assertThat(position.getString("strategy")).isEqualTo("broker-x");
    assertThat(position.getString("quantity")).isEqualTo("6");
    assertThat(position.getString("averageCost")).isEqualTo("10.25");
    assertThat(position.getString("realizedPnl")).isEqualTo("5");
    assertThat(position.getString("fees")).isEqualTo("1");
    assertThat(cash(state, "USD")).isEqualTo("-57.5");
  }

  @Test
  void cashFlowsWithAConstantCurrencyAndARowTheOwnerAloneCanJudge() {
    api().createPortfolio("imp-c");
    String flows = "id,kind,value\nf-1,deposit,1000\nf-2,withdrawal,250\n";
    Api.Response imported = importCsv("imp-c", flows, options("kind", "cash-flows", "col.flowId", "id",
        "col.type", "kind", "col.amount", "value", "const.currency", "EUR"));
    assertThat(imported.status()).as(imported.body()).isEqualTo(200);
    assertThat(imported.json().getLong("applied")).isEqualTo(2L);
    assertThat(cash(api().get("/api/v1/portfolios/imp-c").json(), "EUR")).isEqualTo("750");

    // A trade in the instrument's other currency is refused for the owner's reason, in the dry run already.
    String trades = "tradeId,instrumentId,side,quantity,price,currency\ne-1,IME,BUY,1,10,USD\ne-2,IME,BUY,1,10,EUR\n";
    JsonObject dry = importCsv("imp-c", trades, options("kind", "trades", "dryRun", "true")).json();
    assertThat(dry.getJsonArray("badRows").getJsonObject(0).getInteger("line")).isEqualTo(2);
    assertThat(dry.getJsonArray("badRows").getJsonObject(0).getString("reason"))
        .isEqualTo("currency (column currency) instrument IME trades in EUR, not USD");
    assertThat(dry.getJsonObject("totals").getJsonObject("cashByCurrency")).isEqualTo(new JsonObject()
        .put("EUR", "-10"));
  }

  @Test
  void filesThatCannotBeReadAreProblemsAndChangeNothing() throws Exception {
    api().createPortfolio("imp-d");
    String before = api().get("/api/v1/portfolios/imp-d").body();
    assertProblem(importCsv("imp-d", "", options("kind", "trades")), 400, "/problems/import-unreadable");
    assertProblem(importCsv("imp-d", "tradeId,instrumentId,side,quantity,price\n", options("kind", "trades")), 400,
        "/problems/import-unreadable");
    Api.Response unmapped = importCsv("imp-d", STATEMENT, options("kind", "trades", "col.quantity", "Qty"));
    assertProblem(unmapped, 400, "/problems/import-unreadable");
    assertThat(unmapped.json().getString("detail")).isEqualTo("col.quantity names column Qty, which the header "
        + "does not have (the header has: tradeId, instrumentId, side, quantity, price, fees)");
    Api.Response unknownField = importCsv("imp-d", STATEMENT, options("kind", "trades", "col.ticker", "x"));
    assertProblem(unknownField, 400, "/problems/invalid-request");
    assertThat(unknownField.json().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("col.ticker");
    assertProblem(importCsv("imp-d", STATEMENT, options("kind", "orders")), 400, "/problems/invalid-request");
    assertProblem(importCsv("imp-d", STATEMENT, options("kind", "trades", "limit", "5")), 400,
        "/problems/invalid-request");
    assertProblem(importCsv("imp-d", "flowId,type\nf,DEPOSIT\n", options("kind", "cash-flows")), 400,
        "/problems/import-unreadable");
    assertProblem(api().send("POST", "/api/v1/portfolios/imp-d/imports?kind=trades", "application/json", "{}"), 415,
        "/problems/unsupported-media-type");
    assertProblem(importCsv("nobody-here", STATEMENT, options("kind", "trades", "dryRun", "true")), 404,
        "/problems/not-found");

    // Latin-1 bytes (é as 0xE9) are not UTF-8: refused, not imported with replacement characters.
    byte[] latin1 = "tradeId,instrumentId,side,quantity,price\nt-é,IMA,BUY,1,10\n".getBytes(StandardCharsets.ISO_8859_1);
    HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
            "http://127.0.0.1:" + NODE.node().httpPort() + "/api/v1/portfolios/imp-d/imports?kind=trades"))
        .header("Authorization", "Bearer " + TestKeys.ADMIN).header("Content-Type", "text/csv")
        .POST(HttpRequest.BodyPublishers.ofByteArray(latin1)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(response.body()).getString("type")).isEqualTo("/problems/import-unreadable");
    assertThat(new JsonObject(response.body()).getString("detail"))
        .isEqualTo("the file is not UTF-8 text (after 0 rows); save it as UTF-8");
    assertThat(api().get("/api/v1/portfolios/imp-d").body()).isEqualTo(before);
  }

  private static void assertProblem(Api.Response response, int status, String type) {
    assertThat(response.status()).as(response.body()).isEqualTo(status);
    assertThat(response.contentType()).isEqualTo("application/problem+json");
    assertThat(response.json().getString("type")).as(response.body()).isEqualTo(type);
    assertThat(response.body()).doesNotContain("Exception").doesNotContain("\tat ");
  }
}
