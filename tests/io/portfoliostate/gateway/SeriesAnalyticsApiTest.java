package io.portfoliostate.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

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
 * The analytics store's daily series through the REST API of a real node, its real DuckDB store
 * and PostgreSQL: the store's NAVs and returns are the performance read's, string for string and
 * double for double, for a book with a deposit, a trade in a second currency under moving FX, a
 * split, a back-dated trade, a cancel and a back-dated price (the last three recomputed
 * incrementally); positions by date; and the correlation matrix of daily returns, exact to 1e-12
 * on books whose returns are given by hand. Dates are in November 2026, inside the store's
 * three-year window.
 */
class SeriesAnalyticsApiTest {

  @RegisterExtension
  static final RunningNode NODE = new RunningNode(new JsonObject().put("analytics", new JsonObject()
      .put("minSeqWaitMs", 15_000).put("series", new JsonObject().put("intervalMs", 20))));

  private static final String WINDOW = "from=2026-11-02&to=2026-11-13";
  private static TestPool pool;

  private static Api api() {
    return NODE.api();
  }

  @BeforeAll
  static void open() {
    pool = TestPool.open(NODE.databaseUri(), "series-analytics-test");
  }

  @AfterAll
  static void close() throws Exception {
    pool.close();
  }

  /**
   * sq-1 (USD): 10,000 USD deposited Monday 2 November; 20 SQ-US bought at 100 (USD 8,000);
   * Tuesday 10 SQ-EU at 50 EUR (EUR −500); EUR/USD 1.10, then 1.20 from Thursday; a 2:1 split of
   * SQ-US on Friday 6th (40 shares; the price after it is 52.5). Monday: 8,000 + 2,000 = 10,000;
   * Tuesday: 10,000 + 10 × 50 × 1.1 − 500 × 1.1 = 10,000. Then, recorded late: 5 SQ-EU bought
   * on Wednesday 4th at 52, a trade on Thursday that is cancelled, and a price of SQ-US for
   * Tuesday (108): each changes past days, which the store recomputes from their date on.
   */
  @Test
  void theStoresDailyNavsAreThePerformanceReadsThroughCorrections() throws Exception {
    instrument("SQ-US", "USD");
    instrument("SQ-EU", "EUR");
    api().createPortfolio(new JsonObject().put("id", "sq-1").put("name", "sq-1").put("baseCurrency", "USD"));
    flow("sq-1", "d-1", "10000", "2026-11-02T09:00:00Z");
    api().tradeAt("sq-1", "t-1", "SQ-US", "BUY", "20", "100", "2026-11-02T10:00:00Z");
    api().tradeAt("sq-1", "t-2", "SQ-EU", "BUY", "10", "50", "2026-11-03T10:00:00Z");
    api().postRates(rate("1.10", "2026-11-02T08:00:00Z"), rate("1.20", "2026-11-05T08:00:00Z"));
    api().closes("SQ-US", "2026-11-02", "100", "2026-11-04", "110", "2026-11-09", "52.5", "2026-11-12", "55");
    long prices = api().closes("SQ-EU", "2026-11-03", "50", "2026-11-05", "55", "2026-11-10", "60");
    Api.Response split = api().post("/api/v1/corporate-actions", new JsonObject().put("actionId", "sq-split")
        .put("instrumentId", "SQ-US").put("type", "SPLIT").put("ratio", "2:1")
        .put("effectiveAt", "2026-11-06T12:00:00Z"));
    assertThat(split.status()).as(split.body()).isEqualTo(201);
    api().awaitVersion("sq-1", 5, java.time.Duration.ofSeconds(15));

    JsonObject store = sameAsPerformance("sq-1", prices);
    JsonArray series = store.getJsonArray("portfolios").getJsonObject(0).getJsonArray("series");
    assertThat(series.getJsonObject(0).getString("date")).isEqualTo("2026-11-02");
    assertThat(series.getJsonObject(0).getString("nav")).isEqualTo("10000");
    assertThat(series.getJsonObject(1).getString("nav")).isEqualTo("10000");
    assertThat(series.getJsonObject(0).getValue("dailyReturn")).isNull();
    assertThat(series.size()).isEqualTo(10);
    assertPositions("sq-1", prices, "2026-11-05", "SQ-EU|default|10", "SQ-US|default|20");
    assertPositions("sq-1", prices, "2026-11-06", "SQ-EU|default|10", "SQ-US|default|40");

    api().tradeAt("sq-1", "t-3", "SQ-EU", "BUY", "5", "52", "2026-11-04T10:00:00Z");
    api().tradeAt("sq-1", "t-4", "SQ-US", "BUY", "10", "106", "2026-11-05T10:00:00Z");
    Api.Response cancel = api().post("/api/v1/portfolios/sq-1/trades/t-4:cancel",
        new JsonObject().put("reason", "wrong book"));
    assertThat(cancel.status()).as(cancel.body()).isEqualTo(200);
    long late = api().closes("SQ-US", "2026-11-03", "108");
    JsonObject corrected = sameAsPerformance("sq-1", late);
    JsonArray after = corrected.getJsonArray("portfolios").getJsonObject(0).getJsonArray("series");
    // Tuesday: 8,000 + 20 × 108 + 0 (EUR) = 10,160.
    assertThat(after.getJsonObject(1).getString("nav")).isEqualTo("10160");
    assertPositions("sq-1", late, "2026-11-04", "SQ-EU|default|15", "SQ-US|default|20");
    assertPositions("sq-1", late, "2026-11-05", "SQ-EU|default|15", "SQ-US|default|20");
  }

  /**
   * Four books, each 1,000 USD deposited on Monday 2 November and 10 of one instrument bought at
   * 100 (cash 0), so each NAV is 10 × the price and each daily return the price's. Returns from
   * Tuesday 3rd to Monday 9th: A +1 %, −2 %, +3 %, +2 %, −1 %; B +2 %, −4 %, +5 %, +4 %, −2 %;
   * C unchanged (no variance: null); D starts on Wednesday 4th, so its returns (+1 %, +3 %,
   * −2 %) fall on Thursday, Friday and Monday, the three days it shares with A and B.
   */
  @Test
  void theCorrelationOfDailyReturnsIsPearsonsOnTheCommonDays() throws Exception {
    double[] a = {0.01, -0.02, 0.03, 0.02, -0.01};
    double[] b = {0.02, -0.04, 0.05, 0.04, -0.02};
    double[] d = {0.01, 0.03, -0.02};
    book("co-a", "CO-A", "2026-11-02", a);
    book("co-b", "CO-B", "2026-11-02", b);
    book("co-c", "CO-C", "2026-11-02", new double[] {0, 0, 0, 0, 0});
    long prices = book("co-d", "CO-D", "2026-11-04", d);
    long seq = journalEnd();

    double ab = pearson(a, b);
    // D's days are Thursday 5th, Friday 6th and Monday 9th: A's and B's last three.
    double ad = pearson(new double[] {a[2], a[3], a[4]}, d);
    double bd = pearson(new double[] {b[2], b[3], b[4]}, d);
    double[][] expected = {{1, ab, Double.NaN, ad}, {ab, 1, Double.NaN, bd},
        {Double.NaN, Double.NaN, Double.NaN, Double.NaN}, {ad, bd, Double.NaN, 1}};
    // The books' trades are journal changes (minSeq), their prices are not: minPriceSeq, the
    // last price write's marketSeq, waits until the series have read every price written before
    // the request and recomputed the books they moved. One read, no retry.
    Api.Response read = api().get("/api/v1/analytics/correlation?portfolios=co-a,co-b,co-c,co-d"
        + "&from=2026-11-02&to=2026-11-09&minSeq=" + seq + "&minPriceSeq=" + prices);
    assertThat(read.status()).as(read.body()).isEqualTo(200);
    JsonObject answer = read.json();
    assertThat(answer.getLong("priceSeq")).isGreaterThanOrEqualTo(prices);
    assertThat(answer.getString("from")).isEqualTo("2026-11-02");
    assertThat(answer.getString("to")).isEqualTo("2026-11-09");
    assertThat(answer.getJsonArray("portfolios")).containsExactly("co-a", "co-b", "co-c", "co-d");
    assertThat(answer.getInteger("days")).isEqualTo(5);
    JsonArray m = answer.getJsonArray("matrix");
    for (int i = 0; i < 4; i++) {
      for (int j = 0; j < 4; j++) {
        Object value = m.getJsonArray(i).getValue(j);
        if (Double.isNaN(expected[i][j])) {
          assertThat(value).as("[%d][%d]", i, j).isNull();
        } else {
          assertThat(((Number) value).doubleValue()).as("[%d][%d]", i, j).isCloseTo(expected[i][j], within(1e-12));
        }
      }
    }
    // By hand: means 0.006 and 0.01; deviations A (0.004, −0.026, 0.024, 0.014, −0.016), B (0.01,
    // −0.05, 0.04, 0.03, −0.03): Σdxdy = 0.0032, Σdx² = 0.00172, Σdy² = 0.006, so
    // 0.0032 / √(0.00172 · 0.006) = 0.996116… (B is 2 × A but for the third day: 5 %, not 6 %).
    assertThat(ab).isCloseTo(0.0032 / Math.sqrt(0.00172 * 0.006), within(1e-12));

    // A window of one day has no pair with two common days.
    JsonArray one = api().get("/api/v1/analytics/correlation?portfolios=co-a,co-b&from=2026-11-03&to=2026-11-03")
        .json().getJsonArray("matrix");
    assertThat(one.getJsonArray(0).getValue(1)).isNull();
    assertThat(one.getJsonArray(0).getValue(0)).isNull();
  }

  @Test
  void badWindowsAreRefused() {
    Api.Response reversed = api().get("/api/v1/analytics/correlation?from=2026-11-09&to=2026-11-02");
    assertThat(reversed.status()).isEqualTo(400);
    assertThat(reversed.contentType()).startsWith("application/problem+json");
    assertThat(reversed.body()).contains("from");
    Api.Response notADate = api().get("/api/v1/analytics/nav?to=yesterday");
    assertThat(notADate.status()).isEqualTo(400);
    assertThat(notADate.body()).contains("to");
    assertThat(api().anonymous().get("/api/v1/analytics/correlation").status()).isEqualTo(401);
  }

  private static double pearson(double[] x, double[] y) {
    double mx = 0;
    double my = 0;
    for (int k = 0; k < x.length; k++) {
      mx += x[k] / x.length;
      my += y[k] / y.length;
    }
    double sxy = 0;
    double sxx = 0;
    double syy = 0;
    for (int k = 0; k < x.length; k++) {
      sxy += (x[k] - mx) * (y[k] - my);
      sxx += (x[k] - mx) * (x[k] - mx);
      syy += (y[k] - my) * (y[k] - my);
    }
    return sxy / Math.sqrt(sxx * syy);
  }

  /**
   * A book whose NAV follows one instrument: prices at 16:00 from {@code start}, then each
   * weekday by {@code returns}; the price write's marketSeq.
   */
  private static long book(String id, String instrument, String start, double[] returns) {
    instrument(instrument, "USD");
    api().createPortfolio(new JsonObject().put("id", id).put("name", id).put("baseCurrency", "USD"));
    flow(id, id + "-d", "1000", start + "T09:00:00Z");
    api().tradeAt(id, id + "-t", instrument, "BUY", "10", "100", start + "T10:00:00Z");
    List<String> points = new ArrayList<>(List.of(start, "100"));
    java.math.BigDecimal price = new java.math.BigDecimal("100");
    java.time.LocalDate date = java.time.LocalDate.parse(start);
    for (double r : returns) {
      date = date.plusDays(date.getDayOfWeek() == java.time.DayOfWeek.FRIDAY ? 3 : 1);
      price = price.multiply(java.math.BigDecimal.ONE.add(java.math.BigDecimal.valueOf(r)));
      points.add(date.toString());
      points.add(price.toPlainString());
    }
    return api().closes(instrument, points.toArray(new String[0]));
  }

  /**
   * The store's series of {@code id} in one read, asserted to be the performance read's: given the
   * journal's end ({@code minSeq}) and the last price write's {@code marketSeq} ({@code minPriceSeq}),
   * the store answers once it has read both and recomputed the series they moved. No retry.
   */
  private static JsonObject sameAsPerformance(String id, long minPriceSeq) throws Exception {
    JsonObject performance = api().get("/api/v1/portfolios/" + id + "/performance?" + WINDOW).json();
    List<String> expected = new ArrayList<>();
    for (Object point : performance.getJsonArray("series")) {
      JsonObject p = (JsonObject) point;
      expected.add(p.getString("date") + " " + p.getString("nav") + " " + p.getString("netFlow") + " "
          + p.getString("income") + " " + p.getValue("dailyReturn"));
    }
    Api.Response answer = api().get("/api/v1/analytics/nav?portfolios=" + id + "&" + WINDOW + "&minSeq="
        + journalEnd() + "&minPriceSeq=" + minPriceSeq);
    assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    JsonObject store = answer.json();
    assertThat(store.getLong("priceSeq")).isGreaterThanOrEqualTo(minPriceSeq);
    List<String> actual = new ArrayList<>();
    JsonArray portfolios = store.getJsonArray("portfolios");
    if (!portfolios.isEmpty()) {
      for (Object point : portfolios.getJsonObject(0).getJsonArray("series")) {
        JsonObject p = (JsonObject) point;
        actual.add(p.getString("date") + " " + p.getString("nav") + " " + p.getString("netFlow") + " "
            + p.getString("income") + " " + p.getValue("dailyReturn"));
      }
    }
    assertThat(actual).isEqualTo(expected);
    return store;
  }

  /**
   * The positions held at the end of {@code date} are {@code expected}, in one custom query given
   * the journal's end and the last price write's {@code marketSeq}: it waits until the series of
   * the portfolios it may see are recomputed for both. No retry.
   */
  private static void assertPositions(String id, long minPriceSeq, String date, String... expected)
      throws Exception {
    assertThat(positions(id, date, "minSeq=" + journalEnd() + "&minPriceSeq=" + minPriceSeq))
        .containsExactly(expected);
  }

  /** "instrument|strategy|quantity" held at the end of {@code date}, from the daily_positions view. */
  private static List<String> positions(String id, String date, String freshness) {
    Api.Response read = api().post("/api/v1/analytics/query?" + freshness, new JsonObject()
        .put("sql", "SELECT instrument_id, strategy, quantity FROM daily_positions WHERE portfolio_id = :id "
            + "AND date = CAST(:date AS DATE) ORDER BY instrument_id")
        .put("params", new JsonObject().put("id", id).put("date", date)));
    assertThat(read.status()).as(read.body()).isEqualTo(200);
    JsonObject answer = read.json();
    List<String> rows = new ArrayList<>();
    for (Object row : answer.getJsonArray("rows")) {
      JsonArray r = (JsonArray) row;
      rows.add(r.getString(0) + "|" + r.getString(1) + "|" + new java.math.BigDecimal(r.getString(2))
          .stripTrailingZeros().toPlainString());
    }
    return rows;
  }

  private static long journalEnd() throws Exception {
    return pool.journalEnd();
  }

  private static void instrument(String id, String currency) {
    api().putInstrument(id, new JsonObject().put("currency", currency).put("sector", "Test"));
  }

  private static void flow(String portfolio, String flowId, String amount, String occurredAt) {
    Api.Response response = api().post("/api/v1/portfolios/" + portfolio + "/cash-flows", new JsonObject()
        .put("flowId", flowId).put("type", "DEPOSIT").put("currency", "USD").put("amount", amount)
        .put("occurredAt", occurredAt));
    assertThat(response.status()).as(response.body()).isEqualTo(201);
  }

  private static JsonObject rate(String rate, String at) {
    return Api.rate("EUR", "USD", rate, at);
  }
}
