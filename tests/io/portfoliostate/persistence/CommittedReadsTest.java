package io.portfoliostate.persistence;

import static io.portfoliostate.fixtures.Api.trade;
import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.TestDatabase;
import io.portfoliostate.fixtures.RunningNode;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.Statement;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Reads show committed state only, and nothing is acknowledged before COMMIT: while the
 * journal's INSERT is held up by a table lock the trade is neither answered nor visible; when
 * the journal refuses a write, the client gets a 503 and the state never shows it.
 */
class CommittedReadsTest {

  @RegisterExtension
  static final RunningNode NODE = new RunningNode();

  @Test
  void aWriteInFlightIsNeitherAcknowledgedNorVisible() throws Exception {
    String id = api().createPortfolio("dirty-1");
    CompletableFuture<Api.Response> pending;
    try (Connection lock = TestDatabase.connect(NODE.databaseUri()); Statement sql = lock.createStatement()) {
      lock.setAutoCommit(false);
      // Blocks INSERTs into the journal, not SELECTs.
      sql.execute("LOCK TABLE portfolio_events IN SHARE ROW EXCLUSIVE MODE");
      pending = api().postAsync("/api/v1/portfolios/" + id + "/trades", trade("d-1", "AAPL", "BUY", "10", "100"));
      Thread.sleep(300);
      assertThat(pending).isNotDone();
      JsonObject during = api().get("/api/v1/portfolios/" + id).json();
      assertThat(during.getLong("version")).isEqualTo(1);
      assertThat(during.getJsonArray("positions")).isEmpty();
      assertThat(api().get("/api/v1/portfolios/" + id + "/events").json().getJsonArray("events")).hasSize(1);
      lock.commit();
    }
    assertThat(pending.get(10, TimeUnit.SECONDS).status()).isEqualTo(201);
    JsonObject after = api().get("/api/v1/portfolios/" + id).json();
    assertThat(after.getLong("version")).isEqualTo(2);
    assertThat(after.getJsonArray("positions").getJsonObject(0).getString("quantity")).isEqualTo("10");
  }

  @Test
  void aRefusedWriteIsNotAcknowledgedAndLeavesNoTrace() throws Exception {
    String id = api().createPortfolio("refused-1");
    assertThat(api().post("/api/v1/portfolios/" + id + "/trades", trade("ok-1", "AAPL", "BUY", "1", "10")).status())
        .isEqualTo(201);
    try (Connection connection = TestDatabase.connect(NODE.databaseUri()); Statement sql = connection.createStatement()) {
      sql.execute("CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
          + "IF NEW.command_id = 'trade:poison' THEN RAISE EXCEPTION 'disk on fire'; END IF; RETURN NEW; END $$");
      sql.execute("CREATE TRIGGER refuse_poison BEFORE INSERT ON portfolio_events FOR EACH ROW "
          + "EXECUTE FUNCTION refuse_poison()");
    }
    try {
      Api.Response refused = api().post("/api/v1/portfolios/" + id + "/trades",
          trade("poison", "AAPL", "BUY", "5", "10"));
      assertThat(refused.status()).isEqualTo(503);
      assertThat(refused.contentType()).isEqualTo("application/problem+json");
      assertThat(refused.header("Retry-After")).isEqualTo("1");
      assertThat(refused.body()).doesNotContain("disk on fire", "Exception", "at io.");
      JsonObject state = api().get("/api/v1/portfolios/" + id).json();
      assertThat(state.getLong("version")).isEqualTo(2);
      assertThat(state.getJsonArray("positions").getJsonObject(0).getString("quantity")).isEqualTo("1");
      // The portfolio goes on after the failure, from what is committed.
      Api.Response next = api().post("/api/v1/portfolios/" + id + "/trades", trade("ok-2", "AAPL", "BUY", "2", "10"));
      assertThat(next.status()).isEqualTo(201);
      assertThat(next.json().getLong("version")).isEqualTo(3);
      assertThat(next.json().getJsonObject("position").getString("quantity")).isEqualTo("3");
    } finally {
      try (Connection connection = TestDatabase.connect(NODE.databaseUri()); Statement sql = connection.createStatement()) {
        sql.execute("DROP TRIGGER refuse_poison ON portfolio_events");
      }
    }
  }

  private static Api api() {
    return NODE.api();
  }
}
