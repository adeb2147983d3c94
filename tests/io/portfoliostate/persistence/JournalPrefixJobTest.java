package io.portfoliostate.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.RunningNode;
import io.portfoliostate.fixtures.TestPool;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The node's own background job writes and extends the journal prefixes (docs/performance.md,
 * "The journal's prefix"): for journals of at least {@code minEvents} (4 here: with 3 the job
 * could write a prefix of 3 between the test's third and fourth events, and 4 is less than a step
 * past it), once {@code stepEvents} (2) events are past the prefix, paced (a look or an extension
 * every 10 ms, every 100 ms when nothing is to do).
 */
class JournalPrefixJobTest {

  @RegisterExtension
  static final RunningNode NODE = new RunningNode(new JsonObject().put("http", new JsonObject()
      .put("performance", new JsonObject().put("prefixes", new JsonObject().put("intervalMs", 100)
          .put("pauseMs", 10).put("minEvents", 4).put("stepEvents", 2).put("scanPortfolios", 1)))));

  /**
   * "pj-a" has 2 events (creation, a deposit): below minEvents, no prefix. "pj-b" has 4: a prefix of
   * 4. One more event (5, a deposit after the week read): less than a step past it, still 4;
   * another (6, the same): extended to 6. Its
   * performance then reads the prefix: 1,000 + 500 deposited on Monday, 10 PJ-1 bought at 100
   * and closes of 100 (Mon) and 120 (Wed): 1,500, 1,500, 1,700, 1,700, 1,700.
   */
  @Test
  void longJournalsGetAPrefixExtendedStepByStep() throws Exception {
    Api api = NODE.api();
    api.putInstrument("PJ-1", new JsonObject().put("currency", "USD"));
    String small = api.createPortfolio("pj-a");
    flow(api, small, "a-1", "100");
    String id = api.createPortfolio("pj-b");
    flow(api, id, "d-1", "1000");
    flow(api, id, "d-2", "500");
    api.tradeAt(id, "t-1", "PJ-1", "BUY", "10", "100", "2024-01-01T10:00:00Z");
    try (TestPool pool = TestPool.open(NODE.databaseUri(), "prefix-job-test")) {
      assertThat(awaitThrough(pool, id, 4)).isEqualTo(4);

      api.closes("PJ-1", "2024-01-01", "100", "2024-01-03", "120");
      flow(api, id, "d-3", "0.5", "2024-02-01T09:00:00Z");
      // A full pass over both portfolios (one per look, 10 ms apart) and a sleep: still 4.
      Thread.sleep(500);
      assertThat(through(pool, id)).isEqualTo(4);
      assertThat(through(pool, small)).isEqualTo(-1);

      flow(api, id, "d-4", "0.5", "2024-02-02T09:00:00Z");
      assertThat(api.get("/api/v1/portfolios/" + id).json().getLong("version")).isEqualTo(6);
      assertThat(awaitThrough(pool, id, 6)).isEqualTo(6);
    }
    Api.Response week = api.get("/api/v1/portfolios/" + id + "/performance?from=2024-01-01&to=2024-01-05");
    assertThat(week.status()).as(week.body()).isEqualTo(200);
    assertThat(week.json().getJsonArray("series").stream().map(p -> ((JsonObject) p).getString("nav")))
        .containsExactly("1500", "1500", "1700", "1700", "1700");
    assertThat(prefixHits()).isEqualTo(1);

    // Kept without its text (read from the prefix); a buy of 5 more at 100 on Tuesday moves the
    // journal: read again from the prefix and the event after it. Cash 0, 15 units: 1,500, 1,500,
    // then 1,800 from Wednesday.
    api.tradeAt(id, "t-2", "PJ-1", "BUY", "5", "100", "2024-01-02T10:00:00Z");
    Api.Response moved = api.get("/api/v1/portfolios/" + id + "/performance?from=2024-01-01&to=2024-01-05");
    assertThat(moved.status()).as(moved.body()).isEqualTo(200);
    assertThat(moved.json().getJsonArray("series").stream().map(p -> ((JsonObject) p).getString("nav")))
        .containsExactly("1500", "1500", "1800", "1800", "1800");
    assertThat(prefixHits()).isEqualTo(2);
  }

  private static double prefixHits() {
    return NODE.node().registry().counter("pstate.performance.cache", "kind", "prefix", "result", "hit").count();
  }

  private static long awaitThrough(TestPool pool, String id, long through) throws Exception {
    long deadline = System.nanoTime() + 10_000_000_000L;
    long seen = through(pool, id);
    while (seen < through && System.nanoTime() < deadline) {
      Thread.sleep(20);
      seen = through(pool, id);
    }
    return seen;
  }

  /** The prefix's last sequence number; -1 when there is none. */
  private static long through(TestPool pool, String id) throws Exception {
    RowSet<Row> rows = TestPool.await(pool.pool().preparedQuery("SELECT through_seq FROM journal_text_prefix "
        + "WHERE portfolio_id = $1").execute(Tuple.of(id)));
    return rows.size() == 0 ? -1 : rows.iterator().next().getLong(0);
  }

  private static void flow(Api api, String portfolio, String flowId, String amount) {
    flow(api, portfolio, flowId, amount, "2024-01-01T09:00:00Z");
  }

  private static void flow(Api api, String portfolio, String flowId, String amount, String occurredAt) {
    Api.Response response = api.post("/api/v1/portfolios/" + portfolio + "/cash-flows", new JsonObject()
        .put("flowId", flowId).put("type", "DEPOSIT").put("currency", "USD").put("amount", amount)
        .put("occurredAt", occurredAt));
    assertThat(response.status()).as(response.body()).isEqualTo(201);
  }
}
