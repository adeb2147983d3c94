package io.portfoliostate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.RunningNode;
import io.portfoliostate.fixtures.TestPool;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Reading your own price writes in SQL over the analytics views ({@code minPriceSeq} on
 * {@code POST /api/v1/analytics/query} and on running a saved query): a price written over REST
 * answers its {@code marketSeq}, and a query over {@code daily_nav} given it shows the new NAV in
 * its first answer, with no retry; bad values are refused and change nothing. A real node, its
 * DuckDB store and PostgreSQL. Dates are in November 2026, inside the store's three-year window.
 */
class QueryPriceSeqApiTest {

  @RegisterExtension
  static final RunningNode NODE = new RunningNode(new JsonObject().put("analytics", new JsonObject()
      .put("minSeqWaitMs", 15_000).put("series", new JsonObject().put("intervalMs", 20))));

  private static final String QUERIES = "/api/v1/analytics/queries";
  private static final String NAVS = "SELECT CAST(date AS VARCHAR) AS day, nav FROM daily_nav WHERE portfolio_id = :id "
      + "AND date BETWEEN DATE '2026-11-02' AND DATE '2026-11-04' ORDER BY date";
  private static TestPool pool;

  private static Api api() {
    return NODE.api();
  }

  @BeforeAll
  static void open() {
    pool = TestPool.open(NODE.databaseUri(), "query-price-seq-test");
  }

  @AfterAll
  static void close() throws Exception {
    pool.close();
  }

  /**
   * qp-1 (USD): 10,000 deposited Monday 2 November, 20 QP-US bought at 100 (cash 8,000); QP-US
   * 100 on Monday and 110 on Wednesday: NAVs 10,000, 10,000 (Monday's price) and 8,000 + 20 × 110
   * = 10,200. A price of 105 for Tuesday makes it 8,000 + 20 × 105 = 10,100 in the custom query
   * given its marketSeq; its correction to 95 makes it 9,900 in the saved query's run given the
   * correction's. Each read is the first after its write.
   */
  @Test
  void aPriceIsInTheFirstCustomOrSavedQueryGivenItsMarketSeq() throws Exception {
    api().putInstrument("QP-US", new JsonObject().put("currency", "USD").put("sector", "Test"));
    api().createPortfolio(new JsonObject().put("id", "qp-1").put("name", "qp-1").put("baseCurrency", "USD"));
    Api.Response deposit = api().post("/api/v1/portfolios/qp-1/cash-flows", new JsonObject().put("flowId", "d-1")
        .put("type", "DEPOSIT").put("currency", "USD").put("amount", "10000")
        .put("occurredAt", "2026-11-02T09:00:00Z"));
    assertThat(deposit.status()).as(deposit.body()).isEqualTo(201);
    api().tradeAt("qp-1", "t-1", "QP-US", "BUY", "20", "100", "2026-11-02T10:00:00Z");
    long closes = api().closes("QP-US", "2026-11-02", "100", "2026-11-04", "110");
    Api.Response saved = api().post(QUERIES, new JsonObject().put("name", "qp-navs").put("description", "navs")
        .put("sql", NAVS).put("parameters", new JsonArray().add(new JsonObject().put("name", "id")
            .put("type", "string"))));
    assertThat(saved.status()).as(saved.body()).isEqualTo(201);

    JsonObject first = custom("minSeq=" + journalEnd() + "&minPriceSeq=" + closes);
    assertThat(navs(first)).containsExactly("2026-11-02 10000", "2026-11-03 10000", "2026-11-04 10200");
    assertThat(first.getLong("priceSeq")).isGreaterThanOrEqualTo(closes);
    assertThat(first.getLong("analyticsSeq")).isPositive();

    long tuesday = api().closes("QP-US", "2026-11-03", "105");
    assertThat(tuesday).isGreaterThan(closes);
    JsonObject custom = custom("minPriceSeq=" + tuesday);
    assertThat(navs(custom)).containsExactly("2026-11-02 10000", "2026-11-03 10100", "2026-11-04 10200");
    assertThat(custom.getLong("priceSeq")).isGreaterThanOrEqualTo(tuesday);

    // A correction replaces the row and draws a new market_seq: news to the series.
    long corrected = api().closes("QP-US", "2026-11-03", "95");
    assertThat(corrected).isGreaterThan(tuesday);
    Api.Response run = api().post(QUERIES + "/qp-navs:run?minPriceSeq=" + corrected,
        new JsonObject().put("params", new JsonObject().put("id", "qp-1")));
    assertThat(run.status()).as(run.body()).isEqualTo(200);
    JsonObject answer = run.json();
    assertThat(navs(answer)).containsExactly("2026-11-02 10000", "2026-11-03 9900", "2026-11-04 10200");
    assertThat(answer.getLong("priceSeq")).isGreaterThanOrEqualTo(corrected);
    assertThat(answer.getString("query")).isEqualTo("qp-navs");
  }

  @Test
  void badValuesAreRefusedAndChangeNothing() throws Exception {
    Api.Response saved = api().post(QUERIES, new JsonObject().put("name", "qp-count").put("sql",
        "SELECT count(*) AS n FROM daily_nav"));
    assertThat(saved.status()).as(saved.body()).isEqualTo(201);
    long drawn = marketSeq();
    long queries = savedQueries();
    for (String value : List.of("-1", "ten", "1.5", Long.toString(drawn + 1_000_000))) {
      List<Api.Response> answers = List.of(
          api().post("/api/v1/analytics/query?minPriceSeq=" + value, new JsonObject().put("sql", "SELECT 1 AS one")),
          api().post(QUERIES + "/qp-count:run?minPriceSeq=" + value, new JsonObject()));
      for (Api.Response answer : answers) {
        assertThat(answer.status()).as(value + ": " + answer.body()).isEqualTo(400);
        assertThat(answer.contentType()).startsWith("application/problem+json");
        assertThat(answer.body()).contains("minPriceSeq").doesNotContain("Exception");
      }
    }
    assertThat(api().post("/api/v1/analytics/query?minPriceSeq=" + (drawn + 1_000_000),
        new JsonObject().put("sql", "SELECT 1 AS one")).body()).contains("beyond the highest market_seq drawn");
    assertThat(api().post("/api/v1/analytics/query?minSeq=x", new JsonObject().put("sql", "SELECT 1 AS one"))
        .body()).contains("minSeq");
    assertThat(marketSeq()).isEqualTo(drawn);
    assertThat(savedQueries()).isEqualTo(queries);
    assertThat(api().get(QUERIES + "/qp-count").json().getLong("version")).isEqualTo(1);
    // 0 asks for nothing, as minSeq=0 does.
    Api.Response zero = api().post("/api/v1/analytics/query?minPriceSeq=0&minSeq=0",
        new JsonObject().put("sql", "SELECT 1 AS one"));
    assertThat(zero.status()).as(zero.body()).isEqualTo(200);
    assertThat(zero.json().getJsonArray("rows")).containsExactly(new JsonArray().add(1));
    assertThat(zero.json().containsKey("priceSeq")).isTrue();
  }

  /** One custom query of qp-1's NAVs with {@code freshness}; fails unless 200. */
  private static JsonObject custom(String freshness) {
    Api.Response answer = api().post("/api/v1/analytics/query?" + freshness, new JsonObject().put("sql", NAVS)
        .put("params", new JsonObject().put("id", "qp-1")));
    assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    return answer.json();
  }

  /** "date nav" of each row. */
  private static List<String> navs(JsonObject answer) {
    List<String> navs = new ArrayList<>();
    for (Object row : answer.getJsonArray("rows")) {
      JsonArray r = (JsonArray) row;
      navs.add(r.getString(0) + " " + r.getString(1));
    }
    return navs;
  }

  private static long marketSeq() throws Exception {
    return TestPool.await(pool.pool().query(
        "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM market_seq").execute()).iterator().next().getLong(0);
  }

  private static long savedQueries() throws Exception {
    return TestPool.await(pool.pool().query("SELECT count(*) FROM saved_queries").execute()).iterator().next()
        .getLong(0);
  }

  private static long journalEnd() throws Exception {
    return pool.journalEnd();
  }
}
