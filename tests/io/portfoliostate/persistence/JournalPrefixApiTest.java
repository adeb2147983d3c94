package io.portfoliostate.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.portfoliostate.config.Settings;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.RunningNode;
import io.portfoliostate.fixtures.TestPool;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A performance read from a journal's stored prefix and the events after it answers as one from
 * the journal alone (docs/performance.md, "The journal's prefix"): through the REST API of a real
 * node that keeps no journal between reads (every read is a first read) and whose own job is off;
 * the prefixes are written here, step by step, by the job's own extension on the same database.
 * The figures are worked out in each comment, as in the performance API tests.
 */
class JournalPrefixApiTest {

  @RegisterExtension
  static final RunningNode NODE = new RunningNode(new JsonObject().put("http", new JsonObject()
      .put("performance", new JsonObject().put("journalEvents", 0).put("answerBytes", 0)
          .put("prefixes", new JsonObject().put("intervalMs", 0)))));

  private static final String WEEK = "?from=2024-01-01&to=2024-01-05";

  private static TestPool pool;
  private static Vertx vertx;
  private static JournalPrefixVerticle job;

  @BeforeAll
  static void deployTheJob() throws Exception {
    pool = TestPool.open(NODE.databaseUri(), "prefix-test");
    // Off (intervalMs 0): it only extends when told, here.
    job = new JournalPrefixVerticle(Database.fromUri(NODE.databaseUri()),
        new Settings.JournalPrefixSettings(0, 0, 1, 1, 10), new SimpleMeterRegistry());
    vertx = Vertx.vertx();
    TestPool.await(vertx.deployVerticle(job));
  }

  @AfterAll
  static void closePool() throws Exception {
    TestPool.await(vertx.close());
    pool.close();
  }

  /**
   * 10 PX-1 bought at 100 on Monday with the 1,000 deposited; closes 100 (Mon), 110 (Wed): NAVs
   * 1,000, 1,000, 1,100, 1,100, 1,100, from the journal alone, then from its prefix (3 events).
   * Then, each read first with the prefix stopping before it, then with the prefix extended over
   * it: a deposit of 1,000 and a buy of 10 more at 100 on Monday, executed before the first buy
   * and recorded late (a back-dated trade, with restated positions): 2,000, 2,000, 2,200, 2,200,
   * 2,200; its amendment to 5 (cash 500 stays, 15 units): 2,150 from Wednesday; its cancel (cash
   * 1,000, 10 units): 2,100 from Wednesday.
   */
  @Test
  void aReadFromThePrefixAndTheEventsAfterItAnswersAsTheJournal() throws Exception {
    api().putInstrument("PX-1", new JsonObject().put("currency", "USD"));
    String id = api().createPortfolio("px-week");
    flow(id, "d-1", "1000", "2024-01-01T09:00:00Z");
    api().tradeAt(id, "t-1", "PX-1", "BUY", "10", "100", "2024-01-01T10:00:00Z");
    api().closes("PX-1", "2024-01-01", "100", "2024-01-03", "110");

    double fromPrefix = prefixReads("hit");
    assertThat(navs(id)).containsExactly("1000", "1000", "1100", "1100", "1100");
    assertThat(prefixReads("hit")).isEqualTo(fromPrefix);

    extend(id);
    assertThat(prefixThrough(id)).isEqualTo(3);
    assertThat(navs(id)).containsExactly("1000", "1000", "1100", "1100", "1100");
    assertThat(prefixReads("hit")).isEqualTo(fromPrefix + 1);

    flow(id, "d-2", "1000", "2024-01-01T09:15:00Z");
    api().tradeAt(id, "t-0", "PX-1", "BUY", "10", "100", "2024-01-01T09:30:00Z");
    assertThat(navs(id)).containsExactly("2000", "2000", "2200", "2200", "2200");
    extend(id);
    assertThat(prefixThrough(id)).isEqualTo(5);
    assertThat(navs(id)).containsExactly("2000", "2000", "2200", "2200", "2200");
    // The kept form: the back-dated trade's restated positions are an empty object in the prefix.
    String text = prefixText(id);
    assertThat(text).contains("\"restated\":{}").doesNotContain("\"restated\":{\"");
    assertThat(text.split("\n")).hasSize(5);

    Api.Response amended = api().post("/api/v1/portfolios/" + id + "/trades/t-0:amend",
        new JsonObject().put("quantity", "5").put("reason", "half of it"));
    assertThat(amended.status()).as(amended.body()).isEqualTo(200);
    assertThat(navs(id)).containsExactly("2000", "2000", "2150", "2150", "2150");
    extend(id);
    assertThat(prefixThrough(id)).isEqualTo(6);
    assertThat(navs(id)).containsExactly("2000", "2000", "2150", "2150", "2150");

    Api.Response cancelled = api().post("/api/v1/portfolios/" + id + "/trades/t-0:cancel",
        new JsonObject().put("reason", "booked in error"));
    assertThat(cancelled.status()).as(cancelled.body()).isEqualTo(200);
    assertThat(navs(id)).containsExactly("2000", "2000", "2100", "2100", "2100");
    extend(id);
    assertThat(prefixThrough(id)).isEqualTo(7);
    assertThat(navs(id)).containsExactly("2000", "2000", "2100", "2100", "2100");
    assertThat(prefixReads("hit")).isEqualTo(fromPrefix + 7);
  }

  /**
   * A prefix of another (older) form is not read — here one whose text is not even a journal — and
   * the next extension replaces it; a shorter prefix never replaces a longer one (two nodes
   * extending at once leave the longer). 10 PX-2 at 50 with the 500 deposited, closes 50 (Mon)
   * and 60 (Thu): 500, 500, 500, 600, 600.
   */
  @Test
  void aPrefixOfAnotherFormIsIgnoredAndAShorterOneNeverWins() throws Exception {
    api().putInstrument("PX-2", new JsonObject().put("currency", "USD"));
    String id = api().createPortfolio("px-forms");
    flow(id, "d-1", "500", "2024-01-01T09:00:00Z");
    api().tradeAt(id, "t-1", "PX-2", "BUY", "10", "50", "2024-01-01T10:00:00Z");
    api().closes("PX-2", "2024-01-01", "50", "2024-01-04", "60");
    TestPool.await(pool.pool().preparedQuery("INSERT INTO journal_text_prefix (portfolio_id, form, through_seq, "
        + "event_count, text) VALUES ($1, 0, 2, 2, $2)").execute(Tuple.of(id, Buffer.buffer("not a journal"))));

    double missed = prefixReads("miss");
    assertThat(navs(id)).containsExactly("500", "500", "500", "600", "600");
    assertThat(prefixReads("miss")).isEqualTo(missed + 1);

    extend(id);
    Row row = prefixRow(id);
    assertThat(row.getInteger("form")).isEqualTo(PerformanceHistory.PREFIX_FORM);
    assertThat(row.getLong("through_seq")).isEqualTo(3);
    assertThat(navs(id)).containsExactly("500", "500", "500", "600", "600");

    int written = TestPool.await(pool.pool().preparedQuery(JournalPrefixVerticle.UPSERT).execute(Tuple.of(id,
        PerformanceHistory.PREFIX_FORM, 2L, Buffer.buffer("shorter")))).rowCount();
    assertThat(written).isZero();
    assertThat(prefixRow(id).getLong("through_seq")).isEqualTo(3);
    assertThat(prefixText(id).split("\n")).hasSize(3);
  }

  private static void extend(String id) throws Exception {
    TestPool.await(job.extend(PortfolioId.of(id)));
  }

  private static Row prefixRow(String id) throws Exception {
    return TestPool.await(pool.pool().preparedQuery("SELECT form, through_seq, event_count, text FROM journal_text_prefix "
        + "WHERE portfolio_id = $1").execute(Tuple.of(id))).iterator().next();
  }

  private static long prefixThrough(String id) throws Exception {
    Row row = prefixRow(id);
    assertThat(row.getLong("event_count")).isEqualTo(row.getLong("through_seq"));
    return row.getLong("through_seq");
  }

  private static String prefixText(String id) throws Exception {
    return prefixRow(id).getBuffer("text").toString(StandardCharsets.UTF_8);
  }

  private static List<String> navs(String id) {
    Api.Response response = api().get("/api/v1/portfolios/" + id + "/performance" + WEEK);
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

  private static double prefixReads(String result) {
    return NODE.node().registry().counter("pstate.performance.cache", "kind", "prefix", "result", result).count();
  }

  private static Api api() {
    return NODE.api();
  }
}
