package io.portfoliostate.shard;

import static io.portfoliostate.fixtures.Api.trade;
import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.TestDatabase;
import io.portfoliostate.fixtures.RunningNode;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Group commit: concurrent commands for one hot portfolio are decided together and land in few
 * transactions, and one transaction carries many portfolios' events. PostgreSQL's {@code xmin}
 * (the id of the transaction that wrote a row) shows which rows were committed together.
 */
class GroupCommitTest {

  @RegisterExtension
  static final RunningNode NODE = new RunningNode();

  @Test
  void fourHundredConcurrentTradesOnOnePortfolioEndExact() throws Exception {
    String id = api().createPortfolio("hot-1");
    List<CompletableFuture<Api.Response>> responses = new ArrayList<>();
    BigDecimal quantity = BigDecimal.ZERO;
    BigDecimal cash = BigDecimal.ZERO;
    for (int i = 0; i < 400; i++) {
      String side = i % 3 == 0 ? "SELL" : "BUY";
      BigDecimal q = new BigDecimal(1 + i % 7);
      BigDecimal p = new BigDecimal("100.25").add(new BigDecimal(i % 11));
      BigDecimal signed = side.equals("BUY") ? q : q.negate();
      quantity = quantity.add(signed);
      cash = cash.subtract(signed.multiply(p)).subtract(new BigDecimal("0.01"));
      responses.add(api().postAsync("/api/v1/portfolios/" + id + "/trades",
          trade("hot-" + i, "AAPL", side, q.toPlainString(), p.toPlainString()).put("fees", "0.01")));
    }
    for (CompletableFuture<Api.Response> response : responses) {
      assertThat(response.get().status()).isEqualTo(201);
    }
    JsonObject state = api().get("/api/v1/portfolios/" + id).json();
    assertThat(state.getLong("version")).isEqualTo(401);
    assertThat(new BigDecimal(state.getJsonArray("positions").getJsonObject(0).getString("quantity")))
        .isEqualByComparingTo(quantity);
    assertThat(new BigDecimal(state.getJsonArray("cash").getJsonObject(0).getString("balance")))
        .isEqualByComparingTo(cash);
    assertThat(state.getJsonArray("positions").getJsonObject(0).getString("fees")).isEqualTo("4");

    try (Connection connection = TestDatabase.connect(NODE.databaseUri()); Statement sql = connection.createStatement()) {
      ResultSet seqs = sql.executeQuery("SELECT count(*), min(seq), max(seq), count(DISTINCT xmin::text) "
          + "FROM portfolio_events WHERE portfolio_id = 'hot-1'");
      seqs.next();
      assertThat(seqs.getLong(1)).isEqualTo(401);
      assertThat(seqs.getLong(2)).isEqualTo(1);
      assertThat(seqs.getLong(3)).isEqualTo(401);
      // Commands that arrived while a write was in flight were decided and written together.
      assertThat(seqs.getLong(4)).isLessThan(400);
    }
  }

  @Test
  void oneTransactionCarriesManyPortfolios() throws Exception {
    int portfolios = 200;
    for (int p = 0; p < portfolios; p++) {
      api().createPortfolio("many-" + p);
    }
    List<CompletableFuture<Api.Response>> responses = new ArrayList<>();
    for (int round = 0; round < 5; round++) {
      for (int p = 0; p < portfolios; p++) {
        responses.add(api().postAsync("/api/v1/portfolios/many-" + p + "/trades",
            trade("m-" + round, "MSFT", "BUY", "2", "10")));
      }
    }
    for (CompletableFuture<Api.Response> response : responses) {
      assertThat(response.get().status()).isEqualTo(201);
    }
    for (int p = 0; p < portfolios; p += 37) {
      JsonObject state = api().get("/api/v1/portfolios/many-" + p).json();
      assertThat(state.getLong("version")).isEqualTo(6);
      assertThat(state.getJsonArray("positions").getJsonObject(0).getString("quantity")).isEqualTo("10");
    }
    try (Connection connection = TestDatabase.connect(NODE.databaseUri()); Statement sql = connection.createStatement()) {
      ResultSet widest = sql.executeQuery("SELECT max(n) FROM (SELECT count(DISTINCT portfolio_id) AS n "
          + "FROM portfolio_events WHERE portfolio_id LIKE 'many-%' AND seq > 1 GROUP BY xmin::text) t");
      widest.next();
      assertThat(widest.getLong(1)).isGreaterThan(1);
    }
    String metrics = api().get("/metrics").body();
    assertThat(metrics).contains("pstate_journal_batch_rows_max");
  }

  private static Api api() {
    return NODE.api();
  }
}
