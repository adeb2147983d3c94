package io.portfoliostate.shard;

import static io.portfoliostate.fixtures.Api.trade;
import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.app.Node;
import io.portfoliostate.domain.ApplyBatch;
import io.portfoliostate.domain.BatchDecision;
import io.portfoliostate.domain.IdempotentCommand;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.domain.RecordTrade;
import io.portfoliostate.domain.Rejection;
import io.portfoliostate.domain.Side;
import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.TestDatabase;
import io.portfoliostate.fixtures.TestNode;
import io.portfoliostate.protocol.CommandEnvelope;
import io.portfoliostate.protocol.CommandOutcome;
import io.portfoliostate.protocol.CommandOutcomes;
import io.portfoliostate.protocol.OwnerRequest;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@link ApplyBatch} at a real owner and journal, with a window of 3 recent ids in memory: replays
 * inside a batch (an id recorded long ago, found through the journal's unique index; an id twice
 * in the batch), an id reused with other content refusing the whole batch, the same batch skipping
 * it, and a batch sent twice. The rows of a batch are written by one transaction (one {@code xmin}).
 */
class BatchCommandTest {

  private static final PortfolioId ID = PortfolioId.of("batch-1");

  private static RecordTrade buy(String tradeId, String quantity) {
    return new RecordTrade(ID, tradeId, InstrumentId.of("AAPL"), Side.BUY, new BigDecimal(quantity),
        new BigDecimal("100"), null, null, null, null);
  }

  private static CommandOutcome send(Node node, boolean skipRefused, IdempotentCommand... items) throws Exception {
    CommandOutcomes outcomes = node.owners().<CommandOutcomes>request(new OwnerRequest.Execute(ID,
        List.of(CommandEnvelope.of(new ApplyBatch(ID, List.of(items), skipRefused))))).toCompletionStage()
        .toCompletableFuture().get(30, TimeUnit.SECONDS);
    return outcomes.outcomes().get(0);
  }

  @Test
  void replaysInsideABatchAndAnIdReusedWithOtherContent() throws Exception {
    String database = TestDatabase.freshDatabaseUri();
    try (Node node = TestNode.start(database, new JsonObject().put("owners",
        new JsonObject().put("idempotencyWindow", 3)))) {
      Api api = new Api(node.httpPort());
      api.createPortfolio(ID.value());
      for (int i = 0; i < 6; i++) {
        assertThat(api.post("/api/v1/portfolios/batch-1/trades", trade("o-" + i, "AAPL", "BUY", "10", "100"))
            .status()).isEqualTo(201);
      }

      // o-0 is older than the window: the journal's index catches it, the owner looks it up and
      // decides the batch again, now with o-0 a replay; n-1 twice is one trade.
      CommandOutcome.Recorded first = (CommandOutcome.Recorded) send(node, false, buy("o-0", "10"), buy("n-1", "1"),
          buy("n-1", "1"), buy("n-2", "2"));
      assertThat(first.replay()).isFalse();
      assertThat(first.replayedItems()).containsExactly(0, 2);
      assertThat(first.skippedItems()).isEmpty();
      assertThat(first.result().version()).isEqualTo(9L);
      assertThat(first.result().cash()).containsEntry(io.portfoliostate.domain.CurrencyCode.of("USD"),
          new BigDecimal("-6300"));

      // o-1 (also older than the window) with another quantity: the whole batch is refused.
      CommandOutcome.Refused refused = (CommandOutcome.Refused) send(node, false, buy("n-3", "3"), buy("o-1", "11"));
      assertThat(refused.rejection().reason()).isEqualTo(Rejection.Reason.ID_REUSED);
      assertThat(refused.items()).extracting(BatchDecision.Refusal::index).containsExactly(1);
      assertThat(refused.items().get(0).rejection().detail()).isEqualTo("o-1 was already recorded with other content");
      assertThat(api.get("/api/v1/portfolios/batch-1").json().getLong("version")).isEqualTo(9L);

      // Skipping refused items: n-3 alone is recorded (its second line has other content).
      CommandOutcome.Recorded skipping = (CommandOutcome.Recorded) send(node, true, buy("n-3", "3"),
          buy("o-1", "11"), buy("n-3", "4"));
      assertThat(skipping.skippedItems()).extracting(BatchDecision.Refusal::index).containsExactly(1, 2);
      assertThat(skipping.result().version()).isEqualTo(10L);

      // The first batch again: every item a replay, nothing recorded.
      CommandOutcome.Recorded again = (CommandOutcome.Recorded) send(node, false, buy("o-0", "10"), buy("n-1", "1"),
          buy("n-1", "1"), buy("n-2", "2"));
      assertThat(again.replay()).isTrue();
      assertThat(again.replayedItems()).containsExactly(0, 1, 2, 3);
      assertThat(again.result().version()).isEqualTo(10L);
      JsonObject state = api.get("/api/v1/portfolios/batch-1").json();
      assertThat(state.getLong("version")).isEqualTo(10L);
      assertThat(state.getJsonArray("positions").getJsonObject(0).getString("quantity")).isEqualTo("66");

      // A batch past PortfolioOwnerVerticle.OFF_LOOP_BATCH_ITEMS is decided on a worker: the same outcome.
      IdempotentCommand[] large = new IdempotentCommand[PortfolioOwnerVerticle.OFF_LOOP_BATCH_ITEMS + 200];
      for (int i = 0; i < large.length; i++) {
        large[i] = buy(i == 7 ? "n-1" : "l-" + i, "1");
      }
      CommandOutcome.Recorded bulk = (CommandOutcome.Recorded) send(node, false, large);
      assertThat(bulk.replayedItems()).containsExactly(7);
      assertThat(bulk.result().version()).isEqualTo(10L + large.length - 1);
      assertThat(api.get("/api/v1/portfolios/batch-1").json().getJsonArray("positions").getJsonObject(0)
          .getString("quantity")).isEqualTo(String.valueOf(66 + large.length - 1));
    }
    try (Connection connection = TestDatabase.connect(database); Statement sql = connection.createStatement()) {
      ResultSet rows = sql.executeQuery("SELECT count(*), count(DISTINCT xmin::text) FROM portfolio_events "
          + "WHERE portfolio_id = 'batch-1' AND command_id IN ('trade:n-1', 'trade:n-2')");
      rows.next();
      assertThat(rows.getLong(1)).isEqualTo(2L);
      assertThat(rows.getLong(2)).isEqualTo(1L);
    }
  }
}
