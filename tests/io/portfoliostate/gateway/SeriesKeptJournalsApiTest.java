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
 * The daily series keep each journal they folded, parsed, and a refresh reads from the store only
 * the events appended since (analytics.series.journalEvents): through a back-dated trade, a trade
 * and its cancel appended after the kept journal, the store's NAVs stay the performance read's,
 * string for string, and every event of the journal was read from the store exactly once. Real
 * node, DuckDB store and PostgreSQL.
 */
class SeriesKeptJournalsApiTest {

  @RegisterExtension
  static final RunningNode NODE = new RunningNode(new JsonObject().put("analytics", new JsonObject()
      .put("minSeqWaitMs", 15_000).put("series", new JsonObject().put("intervalMs", 20))));

  private static final String WINDOW = "from=2026-11-02&to=2026-11-13";

  /**
   * kj-1 (USD): 10,000 deposited Monday 2 November, 20 KJ-A bought at 100 on Monday, 10 KJ-B at 50
   * on Tuesday (4 events); closes through the window. Then, after the series are computed (the
   * journal kept), 5 KJ-B bought back-dated on Wednesday 4th at 52, 10 KJ-A on Thursday at 106,
   * cancelled (3 events): the series recomputed from the kept journal and the 3 events read after
   * it are the performance read's, and the store's events were read 4 + 3 = 7 times in all.
   */
  @Test
  void aRefreshFoldsTheKeptJournalAndOnlyTheEventsAppendedSince() throws Exception {
    Api api = NODE.api();
    api.putInstrument("KJ-A", new JsonObject().put("currency", "USD").put("sector", "Test"));
    api.putInstrument("KJ-B", new JsonObject().put("currency", "USD").put("sector", "Test"));
    api.createPortfolio(new JsonObject().put("id", "kj-1").put("name", "kj-1").put("baseCurrency", "USD"));
    Api.Response deposit = api.post("/api/v1/portfolios/kj-1/cash-flows", new JsonObject().put("flowId", "d-1")
        .put("type", "DEPOSIT").put("currency", "USD").put("amount", "10000")
        .put("occurredAt", "2026-11-02T09:00:00Z"));
    assertThat(deposit.status()).as(deposit.body()).isEqualTo(201);
    api.tradeAt("kj-1", "t-1", "KJ-A", "BUY", "20", "100", "2026-11-02T10:00:00Z");
    api.tradeAt("kj-1", "t-2", "KJ-B", "BUY", "10", "50", "2026-11-03T10:00:00Z");
    api.closes("KJ-A", "2026-11-02", "100", "2026-11-04", "110", "2026-11-09", "105", "2026-11-12", "111");
    long prices = api.closes("KJ-B", "2026-11-03", "50", "2026-11-05", "55", "2026-11-10", "60");
    List<String> first = sameAsPerformance("kj-1", prices);
    // Monday: 8,000 cash + 20 × 100; Wednesday: 7,500 + 20 × 110 + 10 × 50.
    assertThat(first.get(0)).startsWith("2026-11-02 10000 ");
    assertThat(first.get(2)).startsWith("2026-11-04 10200 ");
    assertThat(journalEvents("store")).isEqualTo(4);

    api.tradeAt("kj-1", "t-3", "KJ-B", "BUY", "5", "52", "2026-11-04T10:00:00Z");
    api.tradeAt("kj-1", "t-4", "KJ-A", "BUY", "10", "106", "2026-11-05T10:00:00Z");
    Api.Response cancel = api.post("/api/v1/portfolios/kj-1/trades/t-4:cancel",
        new JsonObject().put("reason", "wrong book"));
    assertThat(cancel.status()).as(cancel.body()).isEqualTo(200);
    long late = api.closes("KJ-A", "2026-11-05", "107");
    List<String> after = sameAsPerformance("kj-1", late);
    // Wednesday with the back-dated trade: 7,240 + 20 × 110 + 15 × 50; Thursday: 7,240 + 20 × 107 + 15 × 55.
    assertThat(after.get(2)).startsWith("2026-11-04 10190 ");
    assertThat(after.get(3)).startsWith("2026-11-05 10205 ");
    // Each of the 7 events read from the store once; the refreshes after the first began from the kept journal.
    assertThat(journalEvents("store")).isEqualTo(7);
    assertThat(journalEvents("kept")).isGreaterThanOrEqualTo(4);
  }

  private static double journalEvents(String source) {
    return NODE.node().registry().counter("pstate.analytics.series.journal", "source", source).count();
  }

  /**
   * The store's series of {@code id} ("date nav netFlow income dailyReturn" per day) in one read
   * given the journal's end and the last price write's marketSeq, asserted to be the performance
   * read's. No retry.
   */
  private static List<String> sameAsPerformance(String id, long minPriceSeq) throws Exception {
    JsonObject performance = NODE.api().get("/api/v1/portfolios/" + id + "/performance?" + WINDOW).json();
    List<String> expected = days(performance.getJsonArray("series"));
    Api.Response answer = NODE.api().get("/api/v1/analytics/nav?portfolios=" + id + "&" + WINDOW + "&minSeq="
        + NODE.journalEnd() + "&minPriceSeq=" + minPriceSeq);
    assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    List<String> actual = days(answer.json().getJsonArray("portfolios").getJsonObject(0).getJsonArray("series"));
    assertThat(actual).isEqualTo(expected);
    return actual;
  }

  private static List<String> days(JsonArray series) {
    List<String> days = new ArrayList<>();
    for (Object point : series) {
      JsonObject p = (JsonObject) point;
      days.add(p.getString("date") + " " + p.getString("nav") + " " + p.getString("netFlow") + " "
          + p.getString("income") + " " + p.getValue("dailyReturn"));
    }
    return days;
  }
}
