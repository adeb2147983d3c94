package io.portfoliostate.gateway;

import static io.portfoliostate.fixtures.Api.trade;
import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.RunningNode;
import io.portfoliostate.fixtures.TestPool;
import io.portfoliostate.security.ApiKeySecret;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Cross-portfolio analytics through the REST API, answered from the node's real DuckDB store fed
 * from the real journal: exact exposures (sector, country, currency, asset class, factors),
 * concentration and overlap on hand-built portfolios; sets limited to what the caller may read;
 * {@code minSeq} reading one's own write, and a 503 when the store cannot get there in time.
 */
class AnalyticsApiTest {

  private static final long MIN_SEQ_WAIT_MS = 400;

  @RegisterExtension
  static final RunningNode NODE = new RunningNode(new JsonObject()
      .put("analytics", new JsonObject().put("minSeqWaitMs", MIN_SEQ_WAIT_MS)));

  private static TestPool pool;

  private static Api api() {
    return NODE.api();
  }

  /**
   * Market: AAPL 200 USD (Equity, Technology, US; factors market 1.2, value −0.3), SAP 120 EUR
   * (Equity, Technology, DE; market 0.9), BUND 100 EUR (Bond, Government, DE; no factors);
   * EUR/USD 1.25.
   * an-a (USD): deposit 20,000 USD; buy 50 AAPL @ 180 → cash 11,000 USD.
   * an-b (EUR, under an-a): deposit 10,000 EUR and 5,000 USD; buy 40 SAP @ 100, 20 BUND @ 95
   * (EUR 10,000 − 4,000 − 1,900 = 4,100) and 10 AAPL @ 190 (USD 3,100).
   * an-c (USD, a root): deposit 10,000 USD; sell 10 SAP @ 110 (a short; EUR +1,100).
   */
  @BeforeAll
  static void portfolios() throws Exception {
    pool = TestPool.open(NODE.databaseUri(), "analytics-test");
    api().putInstrument("AAPL", new JsonObject().put("currency", "USD").put("assetClass", "Equity")
        .put("sector", "Technology").put("country", "US")
        .put("factors", new JsonObject().put("market", "1.2").put("value", "-0.3")));
    api().putInstrument("SAP", new JsonObject().put("currency", "EUR").put("assetClass", "Equity")
        .put("sector", "Technology").put("country", "DE").put("factors", new JsonObject().put("market", "0.9")));
    api().putInstrument("BUND", new JsonObject().put("currency", "EUR").put("assetClass", "Bond")
        .put("sector", "Government").put("country", "DE"));
    api().postPrices(price("AAPL", "200"), price("SAP", "120"), price("BUND", "100"));
    api().postRates(new JsonObject().put("base", "EUR").put("quote", "USD").put("rate", "1.25"));

    create("an-a", "USD", null);
    api().deposit("an-a", "USD", "20000");
    record("an-a", trade("a-1", "AAPL", "BUY", "50", "180"));
    create("an-b", "EUR", "an-a");
    api().deposit("an-b", "EUR", "10000");
    api().deposit("an-b", "USD", "5000");
    record("an-b", trade("b-1", "SAP", "BUY", "40", "100"));
    record("an-b", trade("b-2", "BUND", "BUY", "20", "95"));
    record("an-b", trade("b-3", "AAPL", "BUY", "10", "190"));
    create("an-c", "USD", null);
    api().deposit("an-c", "USD", "10000");
    record("an-c", trade("c-1", "SAP", "SELL", "10", "110"));
    awaitStoreHoldsTheJournal();
  }

  @AfterAll
  static void close() throws Exception {
    pool.close();
  }

  private static JsonObject price(String instrument, String price) {
    return new JsonObject().put("instrumentId", instrument).put("price", price);
  }

  private static void create(String id, String currency, String parent) {
    JsonObject body = new JsonObject().put("id", id).put("name", id).put("baseCurrency", currency);
    api().createPortfolio(parent == null ? body : body.put("parentId", parent));
  }

  private static void record(String portfolio, JsonObject trade) {
    Api.Response response = api().post("/api/v1/portfolios/" + portfolio + "/trades", trade);
    assertThat(response.status()).as(response.body()).isEqualTo(201);
  }

  /**
   * Once the store holds the journal's last change, as a client reads its own writes: one read
   * with {@code minSeq}, which waits for it (no polling).
   */
  private static void awaitStoreHoldsTheJournal() throws Exception {
    Api.Response read = api().get("/api/v1/analytics/exposures?minSeq=" + pool.journalEnd());
    assertThat(read.status()).as(read.body()).isEqualTo(200);
  }

  /**
   * The subtree of an-a in USD. Holdings: AAPL 60 → 12,000; SAP 40 → 4,800 EUR = 6,000; BUND 20
   * → 2,000 EUR = 2,500: 20,500 long. Cash 11,000 + 4,100 EUR (5,125) + 3,100 = 19,225. NAV
   * 39,725. Technology 18,000, Government 2,500; US 12,000, DE 8,500; USD 12,000, EUR 8,500;
   * Equity 18,000, Bond 2,500. Factors: market 12,000 × 1.2 + 6,000 × 0.9 = 19,800; value
   * 12,000 × −0.3 = −3,600.
   */
  @Test
  void exposuresOfASubtreeAreExactFractionsOfItsNav() {
    Api.Response response = api().get("/api/v1/analytics/exposures?root=an-a");
    assertThat(response.status()).as(response.body()).isEqualTo(200);
    JsonObject json = response.json();
    double nav = 39_725;
    assertThat(json.getString("nav")).isEqualTo("39725");
    assertThat(json.getJsonArray("portfolios")).containsExactly("an-a", "an-b");
    assertThat(json.getBoolean("complete")).isTrue();
    assertThat(json.getString("currency")).isEqualTo("USD");
    assertThat(json.getDouble("long")).isEqualTo(20_500 / nav);
    assertThat(json.getDouble("short")).isEqualTo(0 / nav);
    assertThat(json.getDouble("gross")).isEqualTo(20_500 / nav);
    assertThat(json.getDouble("net")).isEqualTo(20_500 / nav);
    assertThat(json.getJsonObject("bySector").getMap())
        .containsExactlyEntriesOf(ordered("Government", 2_500 / nav, "Technology", 18_000 / nav));
    assertThat(json.getJsonObject("byCountry").getMap())
        .containsExactlyEntriesOf(ordered("DE", 8_500 / nav, "US", 12_000 / nav));
    assertThat(json.getJsonObject("byCurrency").getMap())
        .containsExactlyEntriesOf(ordered("EUR", 8_500 / nav, "USD", 12_000 / nav));
    assertThat(json.getJsonObject("byAssetClass").getMap())
        .containsExactlyEntriesOf(ordered("Bond", 2_500 / nav, "Equity", 18_000 / nav));
    assertThat(json.getJsonObject("byFactor").getMap())
        .containsExactlyEntriesOf(ordered("market", 19_800 / nav, "value", -3_600 / nav));
    assertThat(json.getLong("analyticsSeq")).isPositive();
  }

  /**
   * Everything (the admin): an-c adds 10,000 USD, 1,100 EUR (1,375) and SAP −10 (−1,200 EUR =
   * −1,500): NAV 49,600, short −1,500; Technology 18,000 − 1,500; market factor 14,400 + 4,500 ×
   * 0.9 = 18,450. In EUR (USD × 0.8, the inverse of EUR/USD) the NAV is 39,680.
   */
  @Test
  void everythingReadableIncludesShortsAndConvertsToTheReportCurrency() {
    JsonObject json = api().get("/api/v1/analytics/exposures").json();
    double nav = 49_600;
    assertThat(json.getJsonArray("portfolios")).containsExactly("an-a", "an-b", "an-c");
    assertThat(json.getString("nav")).isEqualTo("49600");
    assertThat(json.getDouble("long")).isEqualTo(20_500 / nav);
    assertThat(json.getDouble("short")).isEqualTo(-1_500 / nav);
    assertThat(json.getDouble("gross")).isEqualTo(22_000 / nav);
    assertThat(json.getDouble("net")).isEqualTo(19_000 / nav);
    assertThat(json.getJsonObject("bySector").getDouble("Technology")).isEqualTo(16_500 / nav);
    assertThat(json.getJsonObject("byFactor").getDouble("market")).isEqualTo(18_450 / nav);

    JsonObject eur = api().get("/api/v1/analytics/exposures?currency=EUR").json();
    assertThat(eur.getString("nav")).isEqualTo("39680");
  }

  /** Across everything: AAPL 12,000 (2 holders), SAP 6,000 − 1,500 = 4,500 (2), BUND 2,500 (1). */
  @Test
  void concentrationRanksTheLargestHoldingsAcrossTheSet() {
    JsonObject json = api().get("/api/v1/analytics/concentration?top=2").json();
    JsonArray top = json.getJsonArray("top");
    assertThat(top).hasSize(2);
    assertThat(top.getJsonObject(0)).isEqualTo(new JsonObject().put("instrumentId", "AAPL").put("quantity", "60")
        .put("marketValue", "12000").put("weight", 12_000 / 49_600.0).put("portfolios", 2));
    assertThat(top.getJsonObject(1)).isEqualTo(new JsonObject().put("instrumentId", "SAP").put("quantity", "30")
        .put("marketValue", "4500").put("weight", 4_500 / 49_600.0).put("portfolios", 2));
  }

  /**
   * an-a NAV 21,000 (AAPL 10,000 + 11,000 cash); an-b NAV 18,725. They share AAPL only: 50 and
   * 10, 10,000 / 21,000 and 2,000 / 18,725. an-b and an-c share SAP: 40 and −10.
   */
  @Test
  void overlapListsTheSharedHoldingsWithTheirWeightInEach() {
    JsonObject json = api().get("/api/v1/analytics/overlap?a=an-a&b=an-b").json();
    assertThat(json.getJsonObject("a")).isEqualTo(new JsonObject().put("portfolioId", "an-a").put("nav", "21000"));
    assertThat(json.getJsonObject("b")).isEqualTo(new JsonObject().put("portfolioId", "an-b").put("nav", "18725"));
    assertThat(json.getJsonArray("shared")).containsExactly(new JsonObject().put("instrumentId", "AAPL")
        .put("quantityA", "50").put("quantityB", "10").put("weightA", 10_000 / 21_000.0)
        .put("weightB", 2_000 / 18_725.0));
    JsonObject bc = api().get("/api/v1/analytics/overlap?a=an-b&b=an-c").json();
    assertThat(bc.getJsonArray("shared")).containsExactly(new JsonObject().put("instrumentId", "SAP")
        .put("quantityA", "40").put("quantityB", "-10").put("weightA", 6_000 / 18_725.0)
        .put("weightB", -1_500 / 9_875.0));
  }

  /** A reader of an-b sees an-b alone, and cannot name an-a or an-c (404, as for a missing portfolio). */
  @Test
  void aReaderSeesOnlyWhatItMayRead() {
    Api.Response created = api().post("/api/v1/api-keys", new JsonObject().put("name", "analytics reader"));
    String key = created.json().getString("key");
    Api.Response granted = api().post("/api/v1/grants", new JsonObject().put("granteeType", "API_KEY")
        .put("grantee", ApiKeySecret.keyId(key).orElseThrow()).put("role", "read").put("portfolioId", "an-b"));
    assertThat(granted.status()).as(granted.body()).isEqualTo(201);
    Api reader = api().asBearer(key);

    JsonObject mine = reader.get("/api/v1/analytics/exposures").json();
    assertThat(mine.getJsonArray("portfolios")).containsExactly("an-b");
    assertThat(mine.getString("nav")).isEqualTo("18725");
    assertThat(reader.get("/api/v1/analytics/exposures?root=an-a").status()).isEqualTo(404);
    assertThat(reader.get("/api/v1/analytics/concentration?portfolios=an-b,an-c").status()).isEqualTo(404);
    assertThat(reader.get("/api/v1/analytics/overlap?a=an-b&b=an-a").status()).isEqualTo(404);
    assertThat(reader.get("/api/v1/analytics/overlap?a=an-b&b=an-b").status()).isEqualTo(200);
    assertThat(reader.anonymous().get("/api/v1/analytics/exposures").status()).isEqualTo(401);
  }

  /** A write, then a read with its global_seq as minSeq: the answer includes it. */
  @Test
  void minSeqReadsOnesOwnWrite() throws Exception {
    create("an-d", "USD", null);
    api().deposit("an-d", "USD", "100");
    record("an-d", trade("d-1", "BUND", "BUY", "1", "99"));
    long globalSeq = TestPool.await(pool.pool().preparedQuery(
        "SELECT global_seq FROM portfolio_events WHERE portfolio_id = $1 AND seq = 3").execute(Tuple.of("an-d")))
        .iterator().next().getLong(0);
    JsonObject json = api().get("/api/v1/analytics/concentration?portfolios=an-d&currency=EUR&minSeq=" + globalSeq)
        .json();
    assertThat(json.getLong("analyticsSeq")).isGreaterThanOrEqualTo(globalSeq);
    // 1 BUND at 100 EUR, bought in its currency: cash 100 USD (80 EUR) and −99 EUR; NAV 81 EUR.
    assertThat(json.getString("nav")).isEqualTo("81");
    assertThat(json.getJsonArray("top").getJsonObject(0).getString("marketValue")).isEqualTo("100");
  }

  @Test
  void aMinSeqTheStoreCannotReachIsA503WithRetryAfter() {
    long started = System.currentTimeMillis();
    Api.Response response = api().get("/api/v1/analytics/exposures?minSeq=999999999");
    assertThat(System.currentTimeMillis() - started).isGreaterThanOrEqualTo(MIN_SEQ_WAIT_MS);
    assertThat(response.status()).isEqualTo(503);
    assertThat(response.header("Retry-After")).isEqualTo("1");
    assertThat(response.contentType()).isEqualTo("application/problem+json");
    assertThat(response.json().getString("detail")).contains("global_seq 999999999");
  }

  @Test
  void badParametersAreProblems() {
    for (String query : List.of("exposures?currency=dollars", "exposures?minSeq=-1", "exposures?root=a/b",
        "exposures?root=an-a&portfolios=an-b", "exposures?portfolios=an-a,,an-b", "concentration?top=0",
        "overlap?a=an-a", "overlap?a=an-a&b=%20")) {
      Api.Response response = api().get("/api/v1/analytics/" + query);
      assertThat(response.status()).as(query + ": " + response.body()).isEqualTo(400);
      assertThat(response.contentType()).as(query).isEqualTo("application/problem+json");
    }
  }

  private static java.util.Map<String, Object> ordered(Object... entries) {
    java.util.Map<String, Object> map = new java.util.LinkedHashMap<>();
    for (int i = 0; i < entries.length; i += 2) {
      map.put((String) entries[i], entries[i + 1]);
    }
    return map;
  }
}
