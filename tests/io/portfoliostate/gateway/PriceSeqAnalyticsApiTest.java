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
 * Reading your own price writes in the analytics store's daily series ({@code minPriceSeq}): a
 * price or rate written over REST answers with its {@code marketSeq}, and a series read given it
 * shows the write's effect on its first answer, with no retry; a correction (a second price for
 * the same instrument and time) likewise; bad values are refused. A real node, its DuckDB store
 * and PostgreSQL. Dates are in November 2026, inside the store's three-year window.
 */
class PriceSeqAnalyticsApiTest {

  @RegisterExtension
  static final RunningNode NODE = new RunningNode(new JsonObject().put("analytics", new JsonObject()
      .put("minSeqWaitMs", 15_000).put("series", new JsonObject().put("intervalMs", 20))));

  private static final String WINDOW = "from=2026-11-02&to=2026-11-04";
  private static TestPool pool;

  private static Api api() {
    return NODE.api();
  }

  @BeforeAll
  static void open() {
    pool = TestPool.open(NODE.databaseUri(), "price-seq-analytics-test");
  }

  @AfterAll
  static void close() throws Exception {
    pool.close();
  }

  /**
   * ps-1 (USD): 10,000 deposited Monday 2 November, 20 PS-US bought at 100 (cash 8,000); PS-US
   * 100 on Monday and 110 on Wednesday, so the NAVs are 10,000, 10,000 (Monday's price) and
   * 8,000 + 20 × 110 = 10,200. Then a price of 105 for Tuesday: 8,000 + 20 × 105 = 10,100; its
   * correction to 95: 9,900; Wednesday unchanged each time. Each read is the first after its write.
   */
  @Test
  void aPriceAndItsCorrectionAreInTheFirstReadGivenTheirMarketSeq() throws Exception {
    api().putInstrument("PS-US", new JsonObject().put("currency", "USD").put("sector", "Test"));
    api().createPortfolio(new JsonObject().put("id", "ps-1").put("name", "ps-1").put("baseCurrency", "USD"));
    deposit("ps-1", "2026-11-02T09:00:00Z");
    api().tradeAt("ps-1", "t-1", "PS-US", "BUY", "20", "100", "2026-11-02T10:00:00Z");
    long closes = api().closes("PS-US", "2026-11-02", "100", "2026-11-04", "110");
    assertThat(closes).isPositive();
    assertThat(navs("ps-1", journalEnd(), closes)).containsExactly("10000", "10000", "10200");

    long tuesday = api().closes("PS-US", "2026-11-03", "105");
    assertThat(tuesday).isGreaterThan(closes);
    JsonObject answer = nav("ps-1", 0, tuesday);
    assertThat(navsOf(answer)).containsExactly("10000", "10100", "10200");
    assertThat(answer.getLong("priceSeq")).isGreaterThanOrEqualTo(tuesday);

    // A correction replaces the row and draws a new market_seq: news to the series.
    long corrected = api().closes("PS-US", "2026-11-03", "95");
    assertThat(corrected).isGreaterThan(tuesday);
    assertThat(navs("ps-1", 0, corrected)).containsExactly("10000", "9900", "10200");
    assertThat(TestPool.await(pool.pool().query("SELECT count(*) FROM prices WHERE instrument_id = 'PS-US'")
        .execute()).iterator().next().getLong(0)).isEqualTo(3);
  }

  /**
   * pf-1 (EUR) holds 10 PF-US (USD) bought at 100 USD with 1,000 USD deposited (cash 0): its NAV is
   * 1,000 USD in EUR. USD/EUR 0.9 from Monday: 900 EUR each day; a rate of 0.8 for Tuesday,
   * written after, makes Tuesday 800 EUR in the first read given its marketSeq; Wednesday keeps
   * 0.8 (the latest at or before it).
   */
  @Test
  void anFxRateIsInTheFirstReadGivenItsMarketSeq() throws Exception {
    api().putInstrument("PF-US", new JsonObject().put("currency", "USD").put("sector", "Test"));
    api().createPortfolio(new JsonObject().put("id", "pf-1").put("name", "pf-1").put("baseCurrency", "EUR"));
    Api.Response flow = api().post("/api/v1/portfolios/pf-1/cash-flows", new JsonObject().put("flowId", "d-1")
        .put("type", "DEPOSIT").put("currency", "USD").put("amount", "1000").put("occurredAt", "2026-11-02T09:00:00Z"));
    assertThat(flow.status()).as(flow.body()).isEqualTo(201);
    api().tradeAt("pf-1", "t-1", "PF-US", "BUY", "10", "100", "2026-11-02T10:00:00Z");
    api().closes("PF-US", "2026-11-02", "100");
    long monday = api().postRates(Api.rate("USD", "EUR", "0.9", "2026-11-02T08:00:00Z"));
    assertThat(navs("pf-1", journalEnd(), monday)).containsExactly("900", "900", "900");

    long tuesday = api().postRates(Api.rate("USD", "EUR", "0.8", "2026-11-03T08:00:00Z"));
    assertThat(tuesday).isGreaterThan(monday);
    assertThat(navs("pf-1", 0, tuesday)).containsExactly("900", "800", "800");
  }

  /**
   * The series value a day at its close only (DailyCloses: the last price at or before 23:59:59.999
   * UTC), and the figures are those of every tick. pt-1 (USD): 10,000 deposited and 10 PT-US
   * bought at 100 on Monday 9 November (cash 9,000), NAV = 9,000 + 10 × the day's price:
   * Monday ticks 100, 101 and 102 at 23:59:59.999 (10,020); 150 at 23:59:59.999001 counts for
   * Tuesday, which has no other (10,500); Wednesday 103 (10,030); Thursday 99.5 then 99 a
   * microsecond later (9,990); Friday none (9,990). Thursday 3 December ticks 200, then 210 at
   * 23:59:59.999 (11,100), and 300 at 23:59:59.999001 is Friday's (12,000). A refresh reads the
   * last days of the window by one probe a day and the earlier ones as a range cut to each day's
   * last row: November's days are read the second way, December's the first (today being later
   * than 4 December). The performance read, which reads every tick, answers the same.
   */
  @Test
  void aDayIsValuedAtItsCloseWhateverTheTicksBeforeIt() throws Exception {
    api().putInstrument("PT-US", new JsonObject().put("currency", "USD").put("sector", "Test"));
    api().createPortfolio(new JsonObject().put("id", "pt-1").put("name", "pt-1").put("baseCurrency", "USD"));
    deposit("pt-1", "2026-11-09T09:00:00Z");
    api().tradeAt("pt-1", "t-1", "PT-US", "BUY", "10", "100", "2026-11-09T09:30:00Z");
    long written = api().postPrices(tick("100", "2026-11-09T10:00:00Z"), tick("101", "2026-11-09T15:00:00Z"),
        tick("102", "2026-11-09T23:59:59.999Z"), tick("150", "2026-11-09T23:59:59.999001Z"),
        tick("103", "2026-11-11T09:00:00Z"), tick("99.5", "2026-11-12T12:00:00Z"),
        tick("99", "2026-11-12T12:00:00.000001Z"), tick("200", "2026-12-03T10:00:00Z"),
        tick("210", "2026-12-03T23:59:59.999Z"), tick("300", "2026-12-03T23:59:59.999001Z"));
    String window = "from=2026-11-09&to=2026-11-13";
    String december = "from=2026-12-03&to=2026-12-04";
    assertThat(navsIn("pt-1", window, journalEnd(), written))
        .containsExactly("10020", "10500", "10030", "9990", "9990");
    assertThat(navsIn("pt-1", december, 0, written)).containsExactly("11100", "12000");
    for (String range : List.of(window, december)) {
      List<String> performance = new ArrayList<>();
      for (Object point : api().get("/api/v1/portfolios/pt-1/performance?" + range).json().getJsonArray("series")) {
        performance.add(((JsonObject) point).getString("nav"));
      }
      assertThat(navsIn("pt-1", range, 0, written)).isEqualTo(performance);
    }
  }

  private static JsonObject tick(String price, String at) {
    return new JsonObject().put("instrumentId", "PT-US").put("price", price).put("at", at);
  }

  private static List<String> navsIn(String id, String window, long minSeq, long minPriceSeq) {
    Api.Response answer = api().get("/api/v1/analytics/nav?portfolios=" + id + "&" + window + "&minSeq=" + minSeq
        + "&minPriceSeq=" + minPriceSeq);
    assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    return navsOf(answer.json());
  }

  @Test
  void badValuesAreRefusedAndChangeNothing() throws Exception {
    long drawn = TestPool.await(pool.pool().query(
        "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM market_seq").execute()).iterator().next().getLong(0);
    for (String value : List.of("-1", "ten", "1.5", Long.toString(drawn + 1_000_000))) {
      for (String route : List.of("nav", "correlation")) {
        Api.Response answer = api().get("/api/v1/analytics/" + route + "?" + WINDOW + "&minPriceSeq=" + value);
        assertThat(answer.status()).as(route + " " + value + ": " + answer.body()).isEqualTo(400);
        assertThat(answer.contentType()).startsWith("application/problem+json");
        assertThat(answer.body()).contains("minPriceSeq");
      }
    }
    assertThat(api().get("/api/v1/analytics/nav?" + WINDOW + "&minPriceSeq=" + (drawn + 1_000_000)).body())
        .contains("beyond the highest market_seq drawn");
    long after = TestPool.await(pool.pool().query(
        "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM market_seq").execute()).iterator().next().getLong(0);
    assertThat(after).isEqualTo(drawn);
    // 0 asks for nothing, as minSeq=0 does.
    assertThat(api().get("/api/v1/analytics/nav?" + WINDOW + "&minPriceSeq=0").status()).isEqualTo(200);
  }

  /** One read of the store's NAVs of {@code id} over the window, waiting for both sequences; fails unless 200. */
  private static JsonObject nav(String id, long minSeq, long minPriceSeq) {
    Api.Response answer = api().get("/api/v1/analytics/nav?portfolios=" + id + "&" + WINDOW + "&minSeq=" + minSeq
        + "&minPriceSeq=" + minPriceSeq);
    assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    return answer.json();
  }

  private static List<String> navs(String id, long minSeq, long minPriceSeq) {
    return navsOf(nav(id, minSeq, minPriceSeq));
  }

  private static List<String> navsOf(JsonObject answer) {
    List<String> navs = new ArrayList<>();
    JsonArray portfolios = answer.getJsonArray("portfolios");
    if (!portfolios.isEmpty()) {
      for (Object point : portfolios.getJsonObject(0).getJsonArray("series")) {
        navs.add(((JsonObject) point).getString("nav"));
      }
    }
    return navs;
  }

  private static void deposit(String portfolio, String occurredAt) {
    Api.Response response = api().post("/api/v1/portfolios/" + portfolio + "/cash-flows", new JsonObject()
        .put("flowId", "d-1").put("type", "DEPOSIT").put("currency", "USD").put("amount", "10000")
        .put("occurredAt", occurredAt));
    assertThat(response.status()).as(response.body()).isEqualTo(201);
  }

  private static long journalEnd() throws Exception {
    return pool.journalEnd();
  }
}
