package io.portfoliostate.actions;

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
 * Late holders across a restart: what a late trade applied is rebuilt the same by the next node
 * (journal and snapshot), a replayed late trade changes nothing, and the next node, which never
 * heard the actions published, knows them from the database: a late trade there is folded before
 * the split and paid too, and no action is applied twice to a portfolio.
 */
class LateHolderRestartTest {

  private static final String BEFORE = "2026-01-01T12:00:00Z";

  @Test
  void whatALateTradeAppliedSurvivesARestartAndTheNextNodeKnowsTheActions() throws Exception {
    String database = TestDatabase.freshDatabaseUri();
    JsonObject lateState;
    try (Node first = TestNode.start(database)) {
      Api api = new Api(first.httpPort());
      api.createPortfolio("early");
      trade(api, "early", "e1", "BUY", "100", "50", 201);
      action(api, new JsonObject().put("actionId", "rr-split").put("type", "SPLIT").put("ratio", "2:1"));
      action(api, new JsonObject().put("actionId", "rr-div").put("type", "CASH_DIVIDEND")
          .put("amountPerShare", "0.25"));
      awaitProgress(api, "rr-split", 1);
      awaitProgress(api, "rr-div", 1);

      api.createPortfolio("late");
      trade(api, "late", "l1", "BUY", "10", "60", 201);
      lateState = api.get("/api/v1/portfolios/late").json();
      // 10 @ 60 → 20 @ 30, and 20 · 0.25 of dividend: −600 + 5.
      assertThat(lateState.getJsonArray("positions").getJsonObject(0).getString("quantity")).isEqualTo("20");
      assertThat(lateState.getJsonArray("cash").getJsonObject(0).getString("balance")).isEqualTo("-595");
    }

    try (Node second = TestNode.start(database)) {
      Api api = new Api(second.httpPort());
      JsonObject reloaded = api.get("/api/v1/portfolios/late").json();
      assertThat(reloaded.getJsonArray("positions")).isEqualTo(lateState.getJsonArray("positions"));
      assertThat(reloaded.getJsonArray("cash")).isEqualTo(lateState.getJsonArray("cash"));
      assertThat(reloaded.getLong("version")).isEqualTo(lateState.getLong("version"));

      // The same trade again: the original answer, nothing applied or paid twice.
      trade(api, "late", "l1", "BUY", "10", "60", 200);
      // Another late trade in the same portfolio: folded before the split, its share paid, no action again.
      trade(api, "late", "l2", "BUY", "2", "40", 201);
      JsonObject after = api.get("/api/v1/portfolios/late").json();
      assertThat(after.getJsonArray("positions").getJsonObject(0).getString("quantity")).isEqualTo("24");
      assertThat(after.getJsonArray("cash").getJsonObject(0).getString("balance")).isEqualTo("-674");
      // A first late trade on this node, which knows the actions only from the database.
      api.createPortfolio("later");
      trade(api, "later", "n1", "SELL", "4", "60", 201);
      JsonObject later = api.get("/api/v1/portfolios/later").json();
      assertThat(later.getJsonArray("positions").getJsonObject(0).getString("quantity")).isEqualTo("-8");
      // +240, and the short pays 8 · 0.25.
      assertThat(later.getJsonArray("cash").getJsonObject(0).getString("balance")).isEqualTo("238");

      awaitProgress(api, "rr-split", 3);
      awaitProgress(api, "rr-div", 3);
    }
    assertThat(actionRows(database, "late")).isEqualTo(2);
    assertThat(actionRows(database, "later")).isEqualTo(2);
  }

  /**
   * A snapshot written before dividends were remembered (no "dividends"): the state does not know
   * the dividend its journal applied, and a late trade must neither apply it again (the journal's
   * unique key would refuse it on every retry) nor miss its share.
   */
  @Test
  void aSnapshotThatDoesNotRememberAPaidDividendStillTakesALateTrade() throws Exception {
    String database = TestDatabase.freshDatabaseUri();
    try (Node first = TestNode.start(database)) {
      Api api = new Api(first.httpPort());
      api.createPortfolio("old-snap");
      trade(api, "old-snap", "o1", "BUY", "100", "50", 201);
      action(api, new JsonObject().put("actionId", "os-div").put("type", "CASH_DIVIDEND")
          .put("amountPerShare", "0.25"));
      awaitProgress(api, "os-div", 1);
    }
    try (Connection connection = TestDatabase.connect(database); Statement statement = connection.createStatement()) {
      assertThat(statement.executeUpdate("UPDATE portfolio_snapshots SET state = state - 'dividends' "
          + "WHERE portfolio_id = 'old-snap' AND state ? 'dividends'")).isPositive();
    }

    try (Node second = TestNode.start(database)) {
      Api api = new Api(second.httpPort());
      trade(api, "old-snap", "o2", "SELL", "40", "55", 201);
      // −5000 + 25, then +2200 and −40 · 0.25 for the share of the dividend the sale undoes.
      JsonObject state = api.get("/api/v1/portfolios/old-snap").json();
      assertThat(state.getJsonArray("cash").getJsonObject(0).getString("balance")).isEqualTo("-2785");
      assertThat(state.getJsonArray("positions").getJsonObject(0).getString("quantity")).isEqualTo("60");
    }
    assertThat(actionRows(database, "old-snap")).isEqualTo(1);
  }

  private static void trade(Api api, String portfolio, String id, String side, String quantity, String price,
      int status) {
    Api.Response response = api.post("/api/v1/portfolios/" + portfolio + "/trades",
        Api.trade(id, "RRL", side, quantity, price).put("currency", "USD").put("executedAt", BEFORE));
    assertThat(response.status()).as(response.body()).isEqualTo(status);
  }

  private static void action(Api api, JsonObject action) {
    Api.Response response = api.post("/api/v1/corporate-actions", action.put("instrumentId", "RRL")
        .put("effectiveAt", "2026-01-02T00:00:00Z"));
    assertThat(response.status()).as(response.body()).isEqualTo(201);
  }

  /** Waits (at most 15 s) until the action is DONE and lists {@code count} portfolios applied. */
  private static void awaitProgress(Api api, String actionId, int count) throws InterruptedException {
    long deadline = System.nanoTime() + 15_000_000_000L;
    JsonObject progress;
    do {
      Thread.sleep(100);
      progress = api.get("/api/v1/corporate-actions/" + actionId).json();
    } while ((!"DONE".equals(progress.getString("status"))
        || progress.getJsonObject("counts").getInteger("APPLIED") < count) && System.nanoTime() < deadline);
    assertThat(progress.getString("status")).as(progress.encode()).isEqualTo("DONE");
    assertThat(progress.getJsonObject("counts").getInteger("APPLIED")).as(progress.encode()).isEqualTo(count);
  }

  /** The journal rows of a portfolio that record an action's own application (key ca:...). */
  private static int actionRows(String database, String portfolio) throws Exception {
    try (Connection connection = TestDatabase.connect(database); Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery("SELECT count(*) AS n FROM portfolio_events WHERE portfolio_id = '"
            + portfolio + "' AND command_id LIKE 'ca:%'")) {
      assertThat(rows.next()).isTrue();
      return rows.getInt("n");
    }
  }
}
