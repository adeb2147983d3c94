package io.portfoliostate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.RunningNode;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What the gateway keeps between performance reads never outlives what it was made of: a read
 * after a price recorded back in the window, a back-dated trade, a cancel or an amendment answers
 * as a node that never kept anything would (through the REST API of a real node and
 * PostgreSQL; the figures are worked out in each comment, as in {@link PerformanceApiTest}).
 */
class PerformanceCacheApiTest {

  @RegisterExtension
  static final RunningNode NODE = new RunningNode();

  private static final String WEEK = "?from=2024-01-01&to=2024-01-05";

  /**
   * 10 PC-1 bought at 100 on Monday with the 1,000 deposited; closes 100 (Mon), 110 (Wed): NAVs
   * 1,000, 1,000, 1,100, 1,100, 1,100. Then, each after a read that kept the week's series:
   * a price recorded for Tuesday (105: Tuesday 1,050); Wednesday's close corrected to 120
   * (1,200 from Wednesday); a price after the window's end (Monday 8th), which changes nothing
   * in the week but is seen by the window that holds it.
   */
  @Test
  void aPriceRecordedBackInTheWindowChangesTheNextAnswer() {
    api().putInstrument("PC-1", new JsonObject().put("currency", "USD"));
    String id = api().createPortfolio("pc-prices");
    flow(id, "d-1", "1000", "2024-01-01T09:00:00Z");
    api().tradeAt(id, "t-1", "PC-1", "BUY", "10", "100", "2024-01-01T10:00:00Z");
    api().closes("PC-1", "2024-01-01", "100", "2024-01-03", "110");
    assertThat(navs(id, WEEK)).containsExactly("1000", "1000", "1100", "1100", "1100");
    double statesKept = cacheCount("states", "hit");
    double pricesKept = cacheCount("prices", "hit");
    double answersKept = cacheCount("answer", "hit");
    assertThat(navs(id, WEEK)).containsExactly("1000", "1000", "1100", "1100", "1100");
    // The second read of the week is the kept answer: neither the fold nor the prices are asked.
    assertThat(cacheCount("answer", "hit")).isEqualTo(answersKept + 1);
    assertThat(cacheCount("states", "hit")).isEqualTo(statesKept);
    // Another risk-free rate is another answer: made from the kept fold and the kept series of PC-1.
    assertThat(navs(id, WEEK + "&riskFree=0.01")).containsExactly("1000", "1000", "1100", "1100", "1100");
    assertThat(cacheCount("states", "hit")).isEqualTo(statesKept + 1);
    assertThat(cacheCount("prices", "hit")).isEqualTo(pricesKept + 1);

    api().closes("PC-1", "2024-01-02", "105");
    assertThat(navs(id, WEEK)).containsExactly("1000", "1050", "1100", "1100", "1100");

    api().closes("PC-1", "2024-01-03", "120");
    assertThat(navs(id, WEEK)).containsExactly("1000", "1050", "1200", "1200", "1200");

    assertThat(navs(id, "?from=2024-01-01&to=2024-01-08")).containsExactly("1000", "1050", "1200", "1200", "1200",
        "1200");
    api().closes("PC-1", "2024-01-08", "90");
    assertThat(navs(id, WEEK)).containsExactly("1000", "1050", "1200", "1200", "1200");
    assertThat(navs(id, "?from=2024-01-01&to=2024-01-08")).containsExactly("1000", "1050", "1200", "1200", "1200",
        "900");
  }

  /**
   * Two windows read and kept (the week, and Wednesday to Friday); then a buy of 10 more at 100
   * executed on Tuesday, recorded late with a deposit of 1,000 on Tuesday: both windows restate
   * (week 1,000, 2,000, 2,200, 2,200, 2,200; Wed–Fri 2,200 each). Its amendment to 5 at 100
   * (cash 500 stays): 1,000, 2,000, 2,150 from Wednesday. Its cancel: 2,000 then 2,100.
   */
  @Test
  void aBackDatedTradeItsAmendmentAndItsCancelRestateEveryKeptWindow() {
    api().putInstrument("PC-2", new JsonObject().put("currency", "USD"));
    String id = api().createPortfolio("pc-trades");
    flow(id, "d-1", "1000", "2024-01-01T09:00:00Z");
    api().tradeAt(id, "t-1", "PC-2", "BUY", "10", "100", "2024-01-01T10:00:00Z");
    api().closes("PC-2", "2024-01-01", "100", "2024-01-03", "110");
    String midweek = "?from=2024-01-03&to=2024-01-05";
    assertThat(navs(id, WEEK)).containsExactly("1000", "1000", "1100", "1100", "1100");
    assertThat(navs(id, midweek)).containsExactly("1100", "1100", "1100");

    flow(id, "d-2", "1000", "2024-01-02T09:00:00Z");
    api().tradeAt(id, "t-2", "PC-2", "BUY", "10", "100", "2024-01-02T10:00:00Z");
    assertThat(navs(id, WEEK)).containsExactly("1000", "2000", "2200", "2200", "2200");
    assertThat(navs(id, midweek)).containsExactly("2200", "2200", "2200");

    Api.Response amended = api().post("/api/v1/portfolios/" + id + "/trades/t-2:amend",
        new JsonObject().put("quantity", "5").put("reason", "half of it"));
    assertThat(amended.status()).as(amended.body()).isEqualTo(200);
    assertThat(navs(id, WEEK)).containsExactly("1000", "2000", "2150", "2150", "2150");
    assertThat(navs(id, midweek)).containsExactly("2150", "2150", "2150");

    Api.Response cancelled = api().post("/api/v1/portfolios/" + id + "/trades/t-2:cancel",
        new JsonObject().put("reason", "booked in error"));
    assertThat(cancelled.status()).as(cancelled.body()).isEqualTo(200);
    assertThat(navs(id, WEEK)).containsExactly("1000", "2000", "2100", "2100", "2100");
    assertThat(navs(id, midweek)).containsExactly("2100", "2100", "2100");
  }

  /**
   * The node keeps PC-3's prices from the first window's start on; later windows are slices of
   * them and fold on from the week kept. 10 PC-3 bought at 100 on Monday 1st with the 1,000
   * deposited; closes 100 (1st) and 110 (3rd). Then, each after reads that kept what they used:
   * a close of 120 on Tuesday 9th, after everything kept (appended): the 8th–12th is 1,100 then
   * 1,200; a close of 105 recorded back for Friday 5th: the 3rd–9th is 1,100, 1,100, 1,050, 1,050,
   * 1,200; PC-4 bought (5 at 20 on the 8th, with 100 deposited) before any price of it: the
   * 8th–12th leaves it out (1,050, then 1,200) and is incomplete; then its closes of 20 (8th) and
   * 30 (10th): 1,150, 1,300, 1,350, 1,350, 1,350.
   */
  @Test
  void laterWindowsAreSlicesOfTheKeptHistoryAndSeeEveryPriceRecordedSince() {
    api().putInstrument("PC-3", new JsonObject().put("currency", "USD"));
    api().putInstrument("PC-4", new JsonObject().put("currency", "USD"));
    String id = api().createPortfolio("pc-history");
    flow(id, "d-1", "1000", "2024-01-01T09:00:00Z");
    api().tradeAt(id, "t-1", "PC-3", "BUY", "10", "100", "2024-01-01T10:00:00Z");
    api().closes("PC-3", "2024-01-01", "100", "2024-01-03", "110");
    assertThat(navs(id, WEEK)).containsExactly("1000", "1000", "1100", "1100", "1100");

    api().closes("PC-3", "2024-01-09", "120");
    double missed = cacheCount("prices", "miss");
    assertThat(navs(id, "?from=2024-01-08&to=2024-01-12")).containsExactly("1100", "1200", "1200", "1200", "1200");
    // Served from the history kept since the 1st, with the appended close: no read of prices.
    assertThat(cacheCount("prices", "miss")).isEqualTo(missed);

    api().closes("PC-3", "2024-01-05", "105");
    assertThat(navs(id, "?from=2024-01-03&to=2024-01-09")).containsExactly("1100", "1100", "1050", "1050", "1200");

    flow(id, "d-2", "100", "2024-01-08T09:00:00Z");
    api().tradeAt(id, "t-2", "PC-4", "BUY", "5", "20", "2024-01-08T10:00:00Z");
    Api.Response unpriced = api().get("/api/v1/portfolios/" + id + "/performance?from=2024-01-08&to=2024-01-12");
    assertThat(unpriced.json().getBoolean("complete")).isFalse();
    assertThat(unpriced.json().getJsonArray("unvalued").getList()).containsExactly("PC-4");
    assertThat(navs(id, "?from=2024-01-08&to=2024-01-12")).containsExactly("1050", "1200", "1200", "1200", "1200");

    api().closes("PC-4", "2024-01-08", "20", "2024-01-10", "30");
    Api.Response priced = api().get("/api/v1/portfolios/" + id + "/performance?from=2024-01-08&to=2024-01-12");
    assertThat(priced.json().getBoolean("complete")).isTrue();
    assertThat(navs(id, "?from=2024-01-08&to=2024-01-12")).containsExactly("1150", "1300", "1350", "1350", "1350");
  }

  /**
   * A journal long enough to be read in two halves at once on its first read (2,102 events: the
   * creation, a deposit of 100,000 on Monday, 2,100 buys of 1 PC-4 at 10 that Monday, one of
   * them back-dated — executed before the others, recorded last: a trade with restated
   * positions, which the kept text holds as an empty object). Cash 79,000, 2,100 units: closes
   * 10 (Mon) and 11 (Wed) give 100,000, 100,000, 102,100, 102,100, 102,100. Then a buy of 100
   * more at 10 on Monday, back-dated too, read with the kept text: cash 78,000, 2,200 units,
   * 100,000 then 102,200.
   */
  @Test
  void aLongJournalReadInTwoHalvesAnswersAsAWholeOne() {
    api().putInstrument("PC-4", new JsonObject().put("currency", "USD"));
    String id = api().createPortfolio("pc-halves");
    flow(id, "d-1", "100000", "2024-01-01T09:00:00Z");
    for (int batch = 0; batch < 5; batch++) {
      io.vertx.core.json.JsonArray trades = new io.vertx.core.json.JsonArray();
      for (int i = 0; i < (batch < 4 ? 500 : 99); i++) {
        int n = batch * 500 + i;
        trades.add(Api.trade("h-" + n, "PC-4", "BUY", "1", "10").put("executedAt",
            java.time.Instant.parse("2024-01-01T11:00:00Z").plusSeconds(n).toString()));
      }
      assertThat(api().post("/api/v1/portfolios/" + id + "/trades:batch", new JsonObject().put("trades", trades))
          .status()).isEqualTo(200);
    }
    api().tradeAt(id, "h-late", "PC-4", "BUY", "1", "10", "2024-01-01T10:00:00Z");
    api().closes("PC-4", "2024-01-01", "10", "2024-01-03", "11");
    // 2,102 events: the first read asks for them in two halves.
    long events = api().get("/api/v1/portfolios/" + id).json().getLong("version");
    assertThat(events).isEqualTo(2_102).isGreaterThanOrEqualTo(PerformanceHandlers.SPLIT_READ_EVENTS);
    double misses = cacheCount("journal", "miss");

    assertThat(navs(id, WEEK)).containsExactly("100000", "100000", "102100", "102100", "102100");
    assertThat(cacheCount("journal", "miss")).isEqualTo(misses + 1);

    api().tradeAt(id, "h-later", "PC-4", "BUY", "100", "10", "2024-01-01T10:30:00Z");
    assertThat(navs(id, WEEK)).containsExactly("100000", "100000", "102200", "102200", "102200");
    assertThat(cacheCount("journal", "miss")).isEqualTo(misses + 2);
    assertThat(navs(id, WEEK + "&riskFree=0.01")).containsExactly("100000", "100000", "102200", "102200", "102200");
    assertThat(cacheCount("journal", "hit")).isPositive();
  }

  private static List<String> navs(String id, String query) {
    Api.Response response = api().get("/api/v1/portfolios/" + id + "/performance" + query);
    assertThat(response.status()).as(response.body()).isEqualTo(200);
    List<String> navs = new ArrayList<>();
    response.json().getJsonArray("series").forEach(point -> navs.add(((JsonObject) point).getString("nav")));
    return navs;
  }

  private static void flow(String portfolio, String flowId, String amount, String occurredAt) {
    Api.Response response = api().post("/api/v1/portfolios/" + portfolio + "/cash-flows", new JsonObject()
        .put("flowId", flowId).put("type", "DEPOSIT").put("currency", "USD").put("amount", amount)
        .put("occurredAt", occurredAt));
    assertThat(response.status()).as(response.body()).isEqualTo(201);
  }

  private static double cacheCount(String kind, String result) {
    return NODE.node().registry().counter("pstate.performance.cache", "kind", kind, "result", result).count();
  }

  private static Api api() {
    return NODE.api();
  }
}
