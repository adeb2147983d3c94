package io.portfoliostate.shard;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.app.Node;
import io.portfoliostate.domain.ApplyBatch;
import io.portfoliostate.domain.IdempotentCommand;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.domain.PortfolioRules;
import io.portfoliostate.domain.PortfolioState;
import io.portfoliostate.domain.RecordTrade;
import io.portfoliostate.domain.Side;
import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.TestDatabase;
import io.portfoliostate.fixtures.TestNode;
import io.portfoliostate.protocol.CommandEnvelope;
import io.portfoliostate.protocol.CommandOutcome;
import io.portfoliostate.protocol.CommandOutcomes;
import io.portfoliostate.protocol.EventJson;
import io.portfoliostate.protocol.OwnerRequest;
import io.portfoliostate.protocol.StateJson;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A batch of at least {@code owners.snapshotEvery} events (an imported file) commits the
 * snapshot of its portfolio's state in its own journal transaction: once its answer is there, the
 * snapshot is in PostgreSQL at the batch's version, written by the same transaction as the events
 * (one {@code xmin}), so no kill after the COMMIT can leave the batch to be replayed at the next
 * load. The snapshot is exactly the state a full replay of the journal gives. A smaller batch
 * writes none in its transaction. Both paths: a batch decided on the owner's loop and one large
 * enough to be decided on a worker ({@link PortfolioOwnerVerticle#OFF_LOOP_BATCH_ITEMS}).
 */
class BatchSnapshotTest {

  private static final PortfolioId ID = PortfolioId.of("snap-1");
  private static final int SNAPSHOT_EVERY = 100;

  /**
   * Trade {@code n} of a file: per instrument (n mod 3) alternately a buy of 10 at 100 + k and a
   * sell of 4 at 110 + k, so that FIFO lots open, close in part and close whole.
   */
  private static RecordTrade trade(String prefix, int n) {
    int k = n % 3;
    boolean buy = (n / 3) % 2 == 0;
    return new RecordTrade(ID, prefix + n, InstrumentId.of("SN" + k), buy ? Side.BUY : Side.SELL,
        new BigDecimal(buy ? "10" : "4"), BigDecimal.valueOf(buy ? 100 + k : 110 + k), null, new BigDecimal("1.5"),
        null, null);
  }

  private static CommandOutcome.Recorded send(Node node, String prefix, int count) throws Exception {
    List<IdempotentCommand> items = new ArrayList<>();
    for (int n = 0; n < count; n++) {
      items.add(trade(prefix, n));
    }
    CommandOutcomes outcomes = node.owners().<CommandOutcomes>request(new OwnerRequest.Execute(ID,
        List.of(CommandEnvelope.of(new ApplyBatch(ID, items, false))))).toCompletionStage().toCompletableFuture()
        .get(60, TimeUnit.SECONDS);
    return (CommandOutcome.Recorded) outcomes.outcomes().get(0);
  }

  @Test
  void aLargeBatchCommitsItsSnapshotWithItsEvents() throws Exception {
    String database = TestDatabase.freshDatabaseUri();
    try (Node node = TestNode.start(database, new JsonObject().put("owners",
        new JsonObject().put("snapshotEvery", SNAPSHOT_EVERY)))) {
      Api api = new Api(node.httpPort());
      api.createPortfolio(new JsonObject().put("id", ID.value()).put("name", "snap").put("baseCurrency", "USD")
          .put("costMethod", "FIFO"));

      // 250 events, decided on the owner's loop: the snapshot at 251 is written by their transaction.
      assertThat(send(node, "a-", 250).result().version()).isEqualTo(251L);
      assertThat(snapshots(database)).containsOnlyKeys(251L);
      assertThat(snapshots(database).get(251L)).as("snapshot and events in one transaction")
          .isEqualTo(eventsXmin(database, 251));

      // 1,100 events, decided on a worker: the same, at 1,351.
      int large = PortfolioOwnerVerticle.OFF_LOOP_BATCH_ITEMS + 100;
      assertThat(send(node, "b-", large).result().version()).isEqualTo(251L + large);
      assertThat(snapshots(database)).containsOnlyKeys(251L, 1351L);
      assertThat(snapshots(database).get(1351L)).isEqualTo(eventsXmin(database, 1351));

      // A batch under snapshotEvery writes no snapshot in its transaction (nor later: 5 < 100).
      assertThat(send(node, "c-", 5).result().version()).isEqualTo(1356L);
      assertThat(snapshots(database)).containsOnlyKeys(251L, 1351L);

      // Each snapshot is exactly the state a replay of the whole journal up to its version gives.
      for (long version : List.of(251L, 1351L)) {
        PortfolioState fromSnapshot = snapshotAt(database, version);
        PortfolioState replayed = replayTo(database, version);
        assertThat(fromSnapshot.version()).isEqualTo(version);
        // Compared in the snapshot's own form: a decimal is written without trailing zeros (126.0
        // reads back as 126), as in every snapshot; the form is the state, figure for figure.
        assertThat(StateJson.toJson(fromSnapshot).encode()).isEqualTo(StateJson.toJson(replayed).encode());
      }
      // The quantities, worked out from the files: instrument k trades on the lines n = 3m + k, a
      // buy of 10 for m even and a sell of 4 for m odd. SN0: 42 buys and 42 sells of 250, 184 and
      // 183 of 1,100, 1 and 1 of 5: 10 × 227 − 4 × 226 = 1,366. SN1: 42/41, 184/183, 1/1: 1,370.
      // SN2: 42/41, 183/183, 1/0: 1,364.
      JsonObject state = api.get("/api/v1/portfolios/" + ID.value()).json();
      assertThat(state.getLong("version")).isEqualTo(1356L);
      assertThat(quantities(state)).isEqualTo(Map.of("SN0", "1366", "SN1", "1370", "SN2", "1364"));
    }
  }

  private static Map<String, String> quantities(JsonObject state) {
    Map<String, String> quantities = new TreeMap<>();
    state.getJsonArray("positions").forEach(item -> quantities.put(((JsonObject) item).getString("instrumentId"),
        ((JsonObject) item).getString("quantity")));
    return quantities;
  }

  /** The portfolio's snapshots: version → the transaction id that wrote it. */
  private static Map<Long, String> snapshots(String database) throws Exception {
    Map<Long, String> found = new TreeMap<>();
    try (Connection connection = TestDatabase.connect(database); Statement sql = connection.createStatement();
        ResultSet rows = sql.executeQuery("SELECT seq, xmin::text FROM portfolio_snapshots WHERE portfolio_id = '"
            + ID.value() + "'")) {
      while (rows.next()) {
        found.put(rows.getLong(1), rows.getString(2));
      }
    }
    return found;
  }

  private static String eventsXmin(String database, long version) throws Exception {
    try (Connection connection = TestDatabase.connect(database); Statement sql = connection.createStatement();
        ResultSet rows = sql.executeQuery("SELECT xmin::text FROM portfolio_events WHERE portfolio_id = '"
            + ID.value() + "' AND seq = " + version)) {
      rows.next();
      return rows.getString(1);
    }
  }

  private static PortfolioState snapshotAt(String database, long version) throws Exception {
    try (Connection connection = TestDatabase.connect(database); Statement sql = connection.createStatement();
        ResultSet rows = sql.executeQuery("SELECT state::text FROM portfolio_snapshots WHERE portfolio_id = '"
            + ID.value() + "' AND seq = " + version)) {
      rows.next();
      return StateJson.fromJson(new JsonObject(rows.getString(1)));
    }
  }

  /** The state folded from the journal's first event, no snapshot used. */
  private static PortfolioState replayTo(String database, long version) throws Exception {
    PortfolioState state = null;
    try (Connection connection = TestDatabase.connect(database); Statement sql = connection.createStatement();
        ResultSet rows = sql.executeQuery("SELECT type, payload::text FROM portfolio_events WHERE portfolio_id = '"
            + ID.value() + "' AND seq <= " + version + " ORDER BY seq")) {
      while (rows.next()) {
        state = PortfolioRules.evolve(state, EventJson.fromJson(rows.getString(1), new JsonObject(rows.getString(2))));
      }
    }
    return state;
  }
}
