package io.portfoliostate.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.portfoliostate.config.Settings;
import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.RunningNode;
import io.portfoliostate.fixtures.TestPool;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The journal prefixes' job gives way to the live fan-out (docs/performance.md, "The journal's
 * prefix"): while the node's live fan-out is behind, an extension waits a pause at a time, and at
 * most {@link JournalPrefixVerticle#MOST_WAITS} pauses in a row, so that it never starves.
 */
class JournalPrefixYieldTest {

  /** The node's own job off: the test's job is the only writer. */
  @RegisterExtension
  static final RunningNode NODE = new RunningNode(new JsonObject().put("http", new JsonObject()
      .put("performance", new JsonObject().put("prefixes", new JsonObject().put("intervalMs", 0)))));

  private static final long PAUSE_MS = 20;

  @Test
  void anExtensionWaitsForTheFanOutAtMostAFewPauses() throws Exception {
    Api api = NODE.api();
    String id = api.createPortfolio("yield-1");
    Api.Response deposit = api.post("/api/v1/portfolios/" + id + "/cash-flows", new JsonObject()
        .put("flowId", "yield-d-1").put("type", "DEPOSIT").put("currency", "USD").put("amount", "100"));
    assertThat(deposit.status()).as(deposit.body()).isEqualTo(201);

    AtomicBoolean behind = new AtomicBoolean(true);
    Vertx vertx = Vertx.vertx();
    try (TestPool pool = TestPool.open(NODE.databaseUri(), "prefix-yield-test")) {
      long deployed = System.nanoTime();
      TestPool.await(vertx.deployVerticle(new JournalPrefixVerticle(Database.fromUri(NODE.databaseUri()),
          new Settings.JournalPrefixSettings(50, PAUSE_MS, 1, 1, 10), new SimpleMeterRegistry(), behind::get)));
      // Behind all along: nothing written while the extension may still wait...
      Thread.sleep(PAUSE_MS * JournalPrefixVerticle.MOST_WAITS / 2);
      assertThat(through(pool, id)).isEqualTo(-1);
      // ...and then written all the same, not before it waited its most pauses.
      long deadline = System.nanoTime() + 20_000_000_000L;
      while (through(pool, id) < 0 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      long waitedMs = (System.nanoTime() - deployed) / 1_000_000;
      assertThat(through(pool, id)).isEqualTo(2);
      assertThat(waitedMs).isGreaterThanOrEqualTo(PAUSE_MS * JournalPrefixVerticle.MOST_WAITS);
    } finally {
      TestPool.await(vertx.close());
    }
  }

  /** The prefix's last sequence number; -1 when there is none. */
  private static long through(TestPool pool, String id) throws Exception {
    RowSet<Row> rows = TestPool.await(pool.pool().preparedQuery("SELECT through_seq FROM journal_text_prefix "
        + "WHERE portfolio_id = $1").execute(Tuple.of(id)));
    return rows.size() == 0 ? -1 : rows.iterator().next().getLong(0);
  }
}
