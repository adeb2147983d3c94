package io.portfoliostate.shard;

import static io.portfoliostate.fixtures.Api.trade;
import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.app.Node;
import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.TestDatabase;
import io.portfoliostate.fixtures.TestNode;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/**
 * Single writer, fenced by the journal's primary key: two nodes on one database that both believe
 * they own a portfolio cannot both commit the same version. The stale one inserts nothing, drops
 * the portfolio, and the retry (after a fresh load) decides against the committed state.
 */
class FencingTest {

  @Test
  void aStaleOwnerCannotCommit() throws Exception {
    String database = TestDatabase.freshDatabaseUri();
    try (Node first = TestNode.start(database); Node second = TestNode.start(database)) {
      Api a = new Api(first.httpPort());
      Api b = new Api(second.httpPort());
      a.createPortfolio("shared-1");
      // Both nodes load the portfolio at version 1 and believe they own it.
      assertThat(a.get("/api/v1/portfolios/shared-1").json().getLong("version")).isEqualTo(1);
      assertThat(b.get("/api/v1/portfolios/shared-1").json().getLong("version")).isEqualTo(1);

      Api.Response byA = a.post("/api/v1/portfolios/shared-1/trades", trade("a-1", "AAPL", "BUY", "10", "100"));
      assertThat(byA.json().getLong("version")).isEqualTo(2);
      // B still holds version 1: it decides version 2 too, which the journal refuses; B drops
      // its stale copy, reloads, and records the trade as version 3 on top of A's.
      Api.Response byB = b.post("/api/v1/portfolios/shared-1/trades", trade("b-1", "AAPL", "BUY", "5", "90"));
      assertThat(byB.status()).isEqualTo(201);
      assertThat(byB.json().getLong("version")).isEqualTo(3);
      assertThat(byB.json().getJsonObject("position").getString("quantity")).isEqualTo("15");

      // A is now stale in turn; the same fence brings it up to date.
      Api.Response againByA = a.post("/api/v1/portfolios/shared-1/trades", trade("a-2", "AAPL", "SELL", "1", "95"));
      assertThat(againByA.json().getLong("version")).isEqualTo(4);
      JsonObject fromA = a.get("/api/v1/portfolios/shared-1").json();
      try (Node third = TestNode.start(database)) {
        JsonObject fromJournal = new Api(third.httpPort()).get("/api/v1/portfolios/shared-1").json();
        assertThat(fromA).isEqualTo(fromJournal);
      }
      assertThat(fromA.getJsonArray("positions").getJsonObject(0).getString("quantity")).isEqualTo("14");
      // avg (10×100 + 5×90) / 15 = 96.666…; realized on 1 @ 95 = 95 − 96.666… (34 significant digits)
      assertThat(fromA.getJsonArray("positions").getJsonObject(0).getString("realizedPnl"))
          .isEqualTo("-1.66666666666666666666666666666667");

      // A replayed id is recognised by the other node too: the check is the journal's.
      Api.Response replayOnB = b.post("/api/v1/portfolios/shared-1/trades", trade("a-1", "AAPL", "BUY", "10", "100"));
      assertThat(replayOnB.status()).isEqualTo(200);
      assertThat(replayOnB.json()).isEqualTo(byA.json());
    }
    try (Connection connection = TestDatabase.connect(database); Statement sql = connection.createStatement()) {
      ResultSet journal = sql.executeQuery(
          "SELECT count(*), max(seq) FROM portfolio_events WHERE portfolio_id = 'shared-1'");
      journal.next();
      assertThat(journal.getLong(1)).isEqualTo(4);
      assertThat(journal.getLong(2)).isEqualTo(4);
    }
  }
}
