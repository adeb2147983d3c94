package io.portfoliostate.persistence;

import static io.portfoliostate.fixtures.Api.trade;
import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.RunningNode;
import io.portfoliostate.fixtures.TestDatabase;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The journal writer under a stuck database (the journal locked by another session): its
 * statement gives up after the lock timeout and frees its slot, the trade gets the "outcome
 * unknown, retry with the same ids" 503 well within the HTTP timeout, readiness reports the
 * stuck writer meanwhile, and once the lock is gone the retry is recorded once and nothing
 * acknowledged before is lost.
 */
class JournalWriterTimeoutTest {

  @RegisterExtension
  static final RunningNode NODE = new RunningNode(new JsonObject()
      .put("database", new JsonObject().put("lockTimeoutMs", 1500))
      .put("writers", new JsonObject().put("stuckAfterMs", 300).put("journalMaxQueuedRows", 1)));

  @Test
  void aLockedJournalFailsTradesWithinTheLockTimeoutAndTheNodeRecovers() throws Exception {
    Api api = NODE.api();
    api.createPortfolio("jl-1");
    Api.Response first = api.post("/api/v1/portfolios/jl-1/trades", trade("t-1", "AAPL", "BUY", "10", "100"));
    assertThat(first.status()).as(first.body()).isEqualTo(201);

    try (Connection lock = TestDatabase.connect(NODE.databaseUri())) {
      lock.setAutoCommit(false);
      try (Statement statement = lock.createStatement()) {
        // Reads go on (the portfolio stays loadable); inserts wait.
        statement.execute("LOCK TABLE portfolio_events IN EXCLUSIVE MODE");
      }
      long start = System.nanoTime();
      CompletableFuture<Api.Response> stuck = api.postAsync("/api/v1/portfolios/jl-1/trades",
          trade("t-2", "AAPL", "BUY", "5", "90"));
      Thread.sleep(800);
      Api.Response ready = api.get("/health/ready");
      assertThat(ready.status()).as("readiness while the journal writer is stuck: " + ready.body()).isEqualTo(503);
      assertThat(ready.json().getString("reason")).contains("journal");

      Api.Response failed = stuck.get(15, TimeUnit.SECONDS);
      long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertThat(failed.status()).as(failed.body()).isEqualTo(503);
      assertThat(failed.contentType()).startsWith("application/problem+json");
      assertThat(failed.header("Retry-After")).isNotNull();
      assertThat(failed.json().getString("detail")).contains("retry with the same ids");
      // Lock timeout 1.5 s; the HTTP timeout (10 s) would have answered otherwise.
      assertThat(tookMs).as("time to answer the trade").isLessThan(5_000);
      lock.rollback();
    }

    MarketWriterBackpressureTest.awaitReady(api);
    Api.Response retried = api.post("/api/v1/portfolios/jl-1/trades", trade("t-2", "AAPL", "BUY", "5", "90"));
    assertThat(retried.status()).as(retried.body()).isIn(200, 201);
    assertThat(retried.json().getLong("version")).isEqualTo(3);
    assertThat(count("SELECT count(*) FROM portfolio_events WHERE portfolio_id = 'jl-1' AND command_id = 'trade:t-1'"))
        .isEqualTo(1);
    assertThat(count("SELECT count(*) FROM portfolio_events WHERE portfolio_id = 'jl-1' AND command_id = 'trade:t-2'"))
        .isEqualTo(1);
    JsonObject state = api.get("/api/v1/portfolios/jl-1").json();
    assertThat(state.getLong("version")).isEqualTo(3);
    assertThat(state.getJsonArray("positions").getJsonObject(0).getString("quantity")).isEqualTo("15");
  }

  @Test
  void beyondItsBoundTheJournalWriterRefusesAtOnce() throws Exception {
    Api api = NODE.api();
    for (int i = 0; i < 4; i++) {
      api.createPortfolio("jq-" + i);
    }
    try (Connection lock = TestDatabase.connect(NODE.databaseUri())) {
      lock.setAutoCommit(false);
      try (Statement statement = lock.createStatement()) {
        statement.execute("LOCK TABLE portfolio_events IN EXCLUSIVE MODE");
      }
      // Two appends take both write slots and wait on the lock; one row may queue (the bound).
      List<CompletableFuture<Api.Response>> waiting = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        waiting.add(api.postAsync("/api/v1/portfolios/jq-" + i + "/trades", trade("q-" + i, "AAPL", "BUY", "1", "10")));
        Thread.sleep(200);
      }
      long start = System.nanoTime();
      Api.Response refused = api.post("/api/v1/portfolios/jq-3/trades", trade("q-3", "AAPL", "BUY", "1", "10"));
      long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertThat(refused.status()).as(refused.body()).isEqualTo(503);
      assertThat(refused.header("Retry-After")).isNotNull();
      assertThat(refused.json().getString("detail")).contains("retry with the same ids");
      // Refused, not waiting for the lock timeout (1.5 s) like the appends ahead of it.
      assertThat(tookMs).as("time to refuse").isLessThan(1_000);
      for (CompletableFuture<Api.Response> response : waiting) {
        assertThat(response.get(15, TimeUnit.SECONDS).status()).isEqualTo(503);
      }
      lock.rollback();
    }
    MarketWriterBackpressureTest.awaitReady(api);
    Api.Response retried = api.post("/api/v1/portfolios/jq-3/trades", trade("q-3", "AAPL", "BUY", "1", "10"));
    assertThat(retried.status()).as(retried.body()).isEqualTo(201);
    assertThat(count("SELECT count(*) FROM portfolio_events WHERE portfolio_id = 'jq-3' AND command_id = 'trade:q-3'"))
        .isEqualTo(1);
  }

  private static long count(String sql) throws Exception {
    try (Connection connection = TestDatabase.connect(NODE.databaseUri());
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery(sql)) {
      rows.next();
      return rows.getLong(1);
    }
  }
}
