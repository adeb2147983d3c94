package io.portfoliostate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.RunningNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A finished performance answer is kept and answered again as it was, and never once something
 * it was made of changed: a new trade, a back-dated trade, a new price in the window, a price
 * recorded back, an FX rate, an instrument's reference data — while what cannot change it (a
 * price after the window's end, a rate between other currencies) leaves it kept. Through the
 * REST API of a real node and PostgreSQL; the figures are worked out in each comment.
 */
class PerformanceAnswersApiTest {

  @RegisterExtension
  static final RunningNode NODE = new RunningNode();

  private static final String WEEK = "?from=2024-01-01&to=2024-01-05";

  /**
   * 1,000 deposited on Monday 1st, 10 PA-1 bought at 100; closes 100 (Mon) and 110 (Wed): NAVs
   * 1,000, 1,000, 1,100, 1,100, 1,100, answered twice from one computation. A close of 90 on
   * Monday 8th (after the window): the same answer, still kept. A close of 120 on Thursday:
   * 1,000, 1,000, 1,100, 1,200, 1,200. A close of 105 recorded back for Tuesday: 1,000, 1,050,
   * 1,100, 1,200, 1,200. A new trade on Friday (1,200 deposited, 10 more bought at 120): Friday
   * 20 × 120 = 2,400. A sale of 5 at 100 back-dated to Tuesday: cash 500 from Tuesday and 5
   * fewer units: 1,000, 1,025, 1,050, 1,100, then 500 + 15 × 120 = 2,300.
   */
  @Test
  void aKeptAnswerIsAnsweredUntilAPriceOrATradeChangesIt() {
    api().putInstrument("PA-1", new JsonObject().put("currency", "USD"));
    String id = api().createPortfolio("pa-prices");
    flow(id, "d-1", "USD", "1000", "2024-01-01T09:00:00Z");
    api().tradeAt(id, "t-1", "PA-1", "BUY", "10", "100", "2024-01-01T10:00:00Z");
    api().closes("PA-1", "2024-01-01", "100", "2024-01-03", "110");

    String first = body(id, WEEK);
    double hits = answers("hit");
    String again = body(id, WEEK);
    assertThat(again).isEqualTo(first);
    assertThat(answers("hit")).isEqualTo(hits + 1);
    assertThat(navs(again)).containsExactly("1000", "1000", "1100", "1100", "1100");

    api().closes("PA-1", "2024-01-08", "90");
    assertThat(body(id, WEEK)).isEqualTo(first);
    assertThat(answers("hit")).isEqualTo(hits + 2);

    api().closes("PA-1", "2024-01-04", "120");
    assertThat(navs(body(id, WEEK))).containsExactly("1000", "1000", "1100", "1200", "1200");
    assertThat(answers("hit")).isEqualTo(hits + 2);

    api().closes("PA-1", "2024-01-02", "105");
    assertThat(navs(body(id, WEEK))).containsExactly("1000", "1050", "1100", "1200", "1200");

    flow(id, "d-2", "USD", "1200", "2024-01-05T09:00:00Z");
    api().tradeAt(id, "t-2", "PA-1", "BUY", "10", "120", "2024-01-05T10:00:00Z");
    assertThat(navs(body(id, WEEK))).containsExactly("1000", "1050", "1100", "1200", "2400");

    api().tradeAt(id, "t-3", "PA-1", "SELL", "5", "100", "2024-01-02T11:00:00Z");
    assertThat(navs(body(id, WEEK))).containsExactly("1000", "1025", "1050", "1100", "2300");
    assertThat(answers("hit")).isEqualTo(hits + 2);
    // Kept again at the new version.
    assertThat(navs(body(id, WEEK))).containsExactly("1000", "1025", "1050", "1100", "2300");
    assertThat(answers("hit")).isEqualTo(hits + 3);
  }

  /**
   * Base USD; 1,000 EUR deposited on Monday, 5 PA-E (quoted in EUR) bought at 100 EUR, closed at
   * 100; EUR/USD 1.10 on Monday: every NAV (500 + 500) × 1.10 = 1,100. A GBP/JPY rate changes
   * nothing (the answer stays kept); EUR/USD 1.20 on Wednesday: 1,200 from Wednesday; 1.15
   * recorded back for Tuesday: 1,100, 1,150, 1,200, 1,200, 1,200.
   */
  @Test
  void anFxRateBetweenTheAnswersCurrenciesChangesIt() {
    api().putInstrument("PA-E", new JsonObject().put("currency", "EUR"));
    String id = api().createPortfolio("pa-fx");
    api().postRates(Api.rate("EUR", "USD", "1.10", "2024-01-01T17:00:00Z"));
    flow(id, "d-1", "EUR", "1000", "2024-01-01T09:00:00Z");
    api().tradeAt(id, "t-1", "PA-E", "BUY", "5", "100", "2024-01-01T10:00:00Z");
    api().closes("PA-E", "2024-01-01", "100");
    assertThat(navs(body(id, WEEK))).containsExactly("1100", "1100", "1100", "1100", "1100");

    double hits = answers("hit");
    api().postRates(Api.rate("GBP", "JPY", "190", "2024-01-03T17:00:00Z"));
    assertThat(navs(body(id, WEEK))).containsExactly("1100", "1100", "1100", "1100", "1100");
    assertThat(answers("hit")).isEqualTo(hits + 1);

    api().postRates(Api.rate("EUR", "USD", "1.20", "2024-01-03T17:00:00Z"));
    assertThat(navs(body(id, WEEK))).containsExactly("1100", "1100", "1200", "1200", "1200");
    api().postRates(Api.rate("EUR", "USD", "1.15", "2024-01-02T17:00:00Z"));
    assertThat(navs(body(id, WEEK))).containsExactly("1100", "1150", "1200", "1200", "1200");
    assertThat(answers("hit")).isEqualTo(hits + 1);
  }

  /**
   * Contributions by sector: PA-S in "Energy", then its reference data moved to "Utilities": the
   * next answer groups it there. Another risk-free rate or grouping is another answer (a miss),
   * each kept on its own.
   */
  @Test
  void referenceDataAndEveryParameterAreOfTheAnswer() {
    api().putInstrument("PA-S", new JsonObject().put("currency", "USD").put("sector", "Energy"));
    String id = api().createPortfolio("pa-groups");
    flow(id, "d-1", "USD", "1000", "2024-01-01T09:00:00Z");
    api().tradeAt(id, "t-1", "PA-S", "BUY", "10", "100", "2024-01-01T10:00:00Z");
    api().closes("PA-S", "2024-01-01", "100", "2024-01-03", "110");
    String bySector = WEEK + "&groupBy=sector";
    assertThat(keys(body(id, bySector))).containsExactly("Energy");
    double hits = answers("hit");
    double misses = answers("miss");
    assertThat(keys(body(id, bySector))).containsExactly("Energy");
    assertThat(keys(body(id, WEEK))).containsExactly("PA-S");
    assertThat(new JsonObject(body(id, WEEK + "&riskFree=0.05")).getDouble("riskFree")).isEqualTo(0.05);
    assertThat(new JsonObject(body(id, WEEK)).getDouble("riskFree")).isEqualTo(0.0);
    assertThat(answers("hit")).isEqualTo(hits + 2);
    assertThat(answers("miss")).isEqualTo(misses + 2);

    api().putInstrument("PA-S", new JsonObject().put("currency", "USD").put("sector", "Utilities"));
    assertThat(keys(body(id, bySector))).containsExactly("Utilities");
    assertThat(answers("hit")).isEqualTo(hits + 2);
  }

  private static String body(String id, String query) {
    Api.Response response = api().get("/api/v1/portfolios/" + id + "/performance" + query);
    assertThat(response.status()).as(response.body()).isEqualTo(200);
    return response.body();
  }

  private static List<String> navs(String body) {
    List<String> navs = new ArrayList<>();
    new JsonObject(body).getJsonArray("series").forEach(point -> navs.add(((JsonObject) point).getString("nav")));
    return navs;
  }

  private static List<String> keys(String body) {
    List<String> keys = new ArrayList<>();
    JsonArray contributions = new JsonObject(body).getJsonArray("contributions");
    contributions.forEach(line -> keys.add(((JsonObject) line).getString("key")));
    return keys;
  }

  private static void flow(String portfolio, String flowId, String currency, String amount, String occurredAt) {
    Api.Response response = api().post("/api/v1/portfolios/" + portfolio + "/cash-flows", new JsonObject()
        .put("flowId", flowId).put("type", "DEPOSIT").put("currency", currency).put("amount", amount)
        .put("occurredAt", occurredAt));
    assertThat(response.status()).as(response.body()).isEqualTo(201);
  }

  private static double answers(String result) {
    return NODE.node().registry().counter("pstate.performance.cache", "kind", "answer", "result", result).count();
  }

  private static Api api() {
    return NODE.api();
  }
}
