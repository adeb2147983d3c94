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
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A node stopped half-way through a fan-out leaves the action unfinished, and the next node on
 * the database finishes it: every holder ends with the dividend applied exactly once (its cash,
 * and one DividendApplied row in its journal), the holders reached before the stop included.
 */
class CorporateActionRestartTest {

  private static final int HOLDERS = 60;

  @Test
  void aFanOutStoppedHalfWayIsResumedByTheNextNodeAndAppliesOnceToEveryHolder() throws Exception {
    String database = TestDatabase.freshDatabaseUri();
    int reachedBeforeStop;
    // One command in flight: the fan-out is slow enough to be stopped in the middle.
    try (Node first = TestNode.start(database, new JsonObject().put("corporateActions",
        new JsonObject().put("maxInFlight", 1)))) {
      Api api = new Api(first.httpPort());
      for (int i = 0; i < HOLDERS; i++) {
        String id = api.createPortfolio(String.format("holder-%02d", i));
        Api.Response trade = api.post("/api/v1/portfolios/" + id + "/trades",
            Api.trade("t-" + i, "RST", i % 3 == 0 ? "SELL" : "BUY", Integer.toString(i + 1), "10")
                .put("currency", "USD"));
        assertThat(trade.status()).isEqualTo(201);
      }
      assertThat(api.post("/api/v1/corporate-actions", new JsonObject().put("actionId", "rst-div")
          .put("instrumentId", "RST").put("type", "CASH_DIVIDEND").put("amountPerShare", "0.5")
          .put("effectiveAt", "2026-01-01T00:00:00Z")).status()).isEqualTo(201);
      long deadline = System.nanoTime() + 10_000_000_000L;
      JsonObject progress;
      do {
        progress = api.get("/api/v1/corporate-actions/rst-div").json();
      } while (progress.getJsonArray("portfolios").size() < 5 && System.nanoTime() < deadline);
      reachedBeforeStop = progress.getJsonArray("portfolios").size();
    }
    JsonObject stopped = actionRow(database);
    assertThat(stopped.getString("status")).isEqualTo("APPLYING");
    assertThat(stopped.getInteger("recorded")).isBetween(reachedBeforeStop, HOLDERS - 1);

    try (Node second = TestNode.start(database)) {
      Api api = new Api(second.httpPort());
      long deadline = System.nanoTime() + 15_000_000_000L;
      JsonObject progress;
      do {
        Thread.sleep(50);
        progress = api.get("/api/v1/corporate-actions/rst-div").json();
      } while (!"DONE".equals(progress.getString("status")) && System.nanoTime() < deadline);

      assertThat(progress.getString("status")).isEqualTo("DONE");
      assertThat(progress.getJsonObject("counts")).isEqualTo(new JsonObject().put("portfolios", HOLDERS)
          .put("APPLIED", HOLDERS).put("SKIPPED", 0).put("FAILED", 0));
      for (int i = 0; i < HOLDERS; i++) {
        String id = String.format("holder-%02d", i);
        JsonObject state = api.get("/api/v1/portfolios/" + id).json();
        // −q·10 for the trade (+ for a sale), then q · 0.5 once, negative when short.
        int q = i % 3 == 0 ? -(i + 1) : i + 1;
        String expected = new java.math.BigDecimal(-10 * q).add(new java.math.BigDecimal("0.5")
            .multiply(java.math.BigDecimal.valueOf(q))).stripTrailingZeros().toPlainString();
        assertThat(state.getJsonArray("cash").getJsonObject(0).getString("balance")).as(id).isEqualTo(expected);
        assertThat(state.getLong("version")).as(id).isEqualTo(3L);
      }
    }
    assertThat(dividendRowsPerPortfolio(database)).hasSize(HOLDERS).allSatisfy((id, rows) ->
        assertThat(rows).as(id).isEqualTo(1));
  }

  private static JsonObject actionRow(String database) throws Exception {
    try (Connection connection = TestDatabase.connect(database); Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery("SELECT status, (SELECT count(*) FROM corporate_action_portfolios "
            + "WHERE action_id = 'rst-div') AS recorded FROM corporate_actions WHERE action_id = 'rst-div'")) {
      assertThat(rows.next()).isTrue();
      return new JsonObject().put("status", rows.getString("status")).put("recorded", rows.getInt("recorded"));
    }
  }

  private static Map<String, Integer> dividendRowsPerPortfolio(String database) throws Exception {
    Map<String, Integer> counts = new HashMap<>();
    try (Connection connection = TestDatabase.connect(database); Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery("SELECT portfolio_id, count(*) AS n FROM portfolio_events "
            + "WHERE type = 'DividendApplied' GROUP BY portfolio_id")) {
      while (rows.next()) {
        counts.put(rows.getString("portfolio_id"), rows.getInt("n"));
      }
    }
    return counts;
  }
}
