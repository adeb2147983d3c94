package io.portfoliostate.persistence;

import static io.portfoliostate.fixtures.Api.trade;
import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.app.Node;
import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.TestDatabase;
import io.portfoliostate.fixtures.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What survives a restart: the state (rebuilt from the latest snapshot and the journal tail),
 * the idempotency of every recorded id, and the history. Graceful stops snapshot what changed.
 */
class RestartRecoveryTest {

  private static final JsonObject SNAPSHOT_EVERY_10 = new JsonObject()
      .put("owners", new JsonObject().put("snapshotEvery", 10));

  @Test
  void idempotencyHoldsAcrossRestarts() throws Exception {
    String database = TestDatabase.freshDatabaseUri();
    JsonObject original;
    try (Node node = TestNode.start(database)) {
      Api api = new Api(node.httpPort());
      api.createPortfolio("idem-r");
      original = api.post("/api/v1/portfolios/idem-r/trades", trade("t-1", "AAPL", "BUY", "10", "100")).json();
      api.post("/api/v1/portfolios/idem-r/trades", trade("t-2", "AAPL", "BUY", "10", "200"));
      api.post("/api/v1/portfolios/idem-r/cash-flows", new JsonObject().put("flowId", "f-1").put("type", "DEPOSIT")
          .put("currency", "USD").put("amount", "5000"));
    }
    try (Node node = TestNode.start(database)) {
      Api api = new Api(node.httpPort());
      Api.Response replay = api.post("/api/v1/portfolios/idem-r/trades", trade("t-1", "AAPL", "BUY", "10", "100"));
      assertThat(replay.status()).isEqualTo(200);
      assertThat(replay.header("Idempotent-Replay")).isEqualTo("true");
      assertThat(replay.json()).isEqualTo(original);
      assertThat(api.post("/api/v1/portfolios/idem-r/trades", trade("t-2", "AAPL", "SELL", "10", "200")).status())
          .isEqualTo(409);
      Api.Response flowReplay = api.post("/api/v1/portfolios/idem-r/cash-flows", new JsonObject().put("flowId", "f-1")
          .put("type", "DEPOSIT").put("currency", "USD").put("amount", "5000.00"));
      assertThat(flowReplay.status()).isEqualTo(200);
      JsonObject state = api.get("/api/v1/portfolios/idem-r").json();
      assertThat(state.getLong("version")).isEqualTo(4);
      assertThat(state.getJsonArray("cash").getJsonObject(0).getString("balance")).isEqualTo("2000");
    }
  }

  /**
   * Portfolios that reach the snapshot threshold together (trades in round robin) have their
   * snapshots written one at a time: none is lost, none moves, and a graceful stop right after the
   * last trade waits for those still waiting before its own.
   */
  @Test
  void portfoliosReachingTheThresholdTogetherAreEachSnapshottedAtTheirPoints() throws Exception {
    String database = TestDatabase.freshDatabaseUri();
    int portfolios = 40;
    try (Node node = TestNode.start(database, new JsonObject().put("owners", new JsonObject().put("snapshotEvery", 5)))) {
      Api api = new Api(node.httpPort());
      for (int p = 0; p < portfolios; p++) {
        api.createPortfolio("together-" + p);
      }
      for (int i = 0; i < 10; i++) {
        for (int p = 0; p < portfolios; p++) {
          assertThat(api.post("/api/v1/portfolios/together-" + p + "/trades",
              trade("t-" + i, "AAPL", "BUY", "1", "100")).status()).isEqualTo(201);
        }
      }
    }
    try (Connection connection = TestDatabase.connect(database); Statement sql = connection.createStatement()) {
      ResultSet rows = sql.executeQuery("SELECT portfolio_id, string_agg(seq::text, ',' ORDER BY seq) FROM "
          + "portfolio_snapshots WHERE portfolio_id LIKE 'together-%' GROUP BY portfolio_id");
      int seen = 0;
      while (rows.next()) {
        seen++;
        // Created at version 1, ten trades: snapshots at 5 and 10, and the graceful stop's at 11.
        assertThat(rows.getString(2)).as(rows.getString(1)).isEqualTo("5,10,11");
      }
      assertThat(seen).isEqualTo(portfolios);
    }
  }

  @Test
  void recoversFromTheLatestSnapshotAndTheJournalTail() throws Exception {
    String database = TestDatabase.freshDatabaseUri();
    JsonObject before;
    JsonObject atVersion7;
    try (Node node = TestNode.start(database, SNAPSHOT_EVERY_10)) {
      Api api = new Api(node.httpPort());
      api.createPortfolio(new JsonObject().put("id", "snap-1").put("name", "Snap").put("baseCurrency", "USD")
          .put("costMethod", "HIFO"));
      JsonArray trades = new JsonArray();
      for (int i = 0; i < 24; i++) {
        trades.add(trade("s-" + i, i % 2 == 0 ? "AAPL" : "MSFT", i % 5 == 4 ? "SELL" : "BUY",
            Integer.toString(3 + i % 4), Double.toString(100 + i * 1.25)));
      }
      // One by one, so that the owner crosses the snapshot threshold at versions 10 and 20.
      for (Object trade : trades) {
        assertThat(api.post("/api/v1/portfolios/snap-1/trades", trade).status()).isEqualTo(201);
      }
      before = api.get("/api/v1/portfolios/snap-1").json();
      atVersion7 = api.get("/api/v1/portfolios/snap-1?version=7").json();
      assertThat(before.getLong("version")).isEqualTo(25);
    }
    List<Long> snapshots = new ArrayList<>();
    try (Connection connection = TestDatabase.connect(database); Statement sql = connection.createStatement()) {
      ResultSet rows = sql.executeQuery("SELECT seq FROM portfolio_snapshots WHERE portfolio_id = 'snap-1' ORDER BY seq");
      while (rows.next()) {
        snapshots.add(rows.getLong(1));
      }
      // Every 10 events, and the graceful stop's snapshot of the final version.
      assertThat(snapshots).containsExactly(10L, 20L, 25L);
      // Stored as JSON objects (a text bound to jsonb would be stored as one JSON string).
      ResultSet types = sql.executeQuery("SELECT (SELECT count(*) FROM portfolio_snapshots WHERE jsonb_typeof(state) <> 'object'), "
          + "(SELECT count(*) FROM portfolio_events WHERE json_typeof(payload) <> 'object')");
      types.next();
      assertThat(types.getLong(1)).isZero();
      assertThat(types.getLong(2)).isZero();
      // Spoil an event the snapshots cover: a load that replayed the whole journal would show it.
      sql.execute("UPDATE portfolio_events SET payload = jsonb_set(payload::jsonb, '{quantity}', '\"1000\"')::json "
          + "WHERE portfolio_id = 'snap-1' AND seq = 3");
    }
    try (Node node = TestNode.start(database, SNAPSHOT_EVERY_10)) {
      Api api = new Api(node.httpPort());
      assertThat(api.get("/api/v1/portfolios/snap-1").json()).isEqualTo(before);
      Api.Response next = api.post("/api/v1/portfolios/snap-1/trades", trade("s-99", "AAPL", "SELL", "1", "150"));
      assertThat(next.json().getLong("version")).isEqualTo(26);
      // An old version replays the journal from the start: it does see the spoiled event.
      assertThat(api.get("/api/v1/portfolios/snap-1?version=7").json()).isNotEqualTo(atVersion7);
    }
  }

  @Test
  void snapshotsRebuildExactlyWhatTheJournalReplayBuilds() throws Exception {
    String database = TestDatabase.freshDatabaseUri();
    JsonObject replayed;
    try (Node node = TestNode.start(database, SNAPSHOT_EVERY_10)) {
      Api api = new Api(node.httpPort());
      api.createPortfolio(new JsonObject().put("id", "snap-2").put("name", "Snap").put("baseCurrency", "EUR")
          .put("costMethod", "FIFO"));
      for (int i = 0; i < 30; i++) {
        api.post("/api/v1/portfolios/snap-2/trades", trade("x-" + i, "SAP", i % 3 == 2 ? "SELL" : "BUY",
            Integer.toString(1 + i % 9), "1" + i + ".0" + i).put("fees", "0.3" + i));
      }
      api.post("/api/v1/portfolios/snap-2/fx-conversions", new JsonObject().put("conversionId", "c").put(
          "fromCurrency", "EUR").put("toCurrency", "USD").put("fromAmount", "12.34").put("rate", "1.1"));
      replayed = api.get("/api/v1/portfolios/snap-2").json();
    }
    try (Connection connection = TestDatabase.connect(database); Statement sql = connection.createStatement()) {
      // Without snapshots the load replays all 32 events.
      sql.execute("DELETE FROM portfolio_snapshots");
    }
    try (Node node = TestNode.start(database)) {
      assertThat(new Api(node.httpPort()).get("/api/v1/portfolios/snap-2").json()).isEqualTo(replayed);
    }
  }

  @Test
  void replaysALongJournalWithoutSnapshotsOffTheEventLoop() throws Exception {
    String database = TestDatabase.freshDatabaseUri();
    JsonObject noSnapshots = new JsonObject().put("owners", new JsonObject().put("snapshotEvery", 1_000_000));
    JsonObject before;
    JsonObject atVersion2201;
    try (Node node = TestNode.start(database, noSnapshots)) {
      Api api = new Api(node.httpPort());
      api.createPortfolio("long-1");
      for (int b = 0; b < 3; b++) {
        JsonArray trades = new JsonArray();
        for (int i = 0; i < 1000; i++) {
          trades.add(trade("l-" + b + "-" + i, "AAPL", i % 4 == 3 ? "SELL" : "BUY", "2", "1" + (i % 50) + ".5"));
        }
        assertThat(api.post("/api/v1/portfolios/long-1/trades:batch", new JsonObject().put("trades", trades))
            .status()).isEqualTo(200);
      }
      before = api.get("/api/v1/portfolios/long-1").json();
      atVersion2201 = api.get("/api/v1/portfolios/long-1?version=2201").json();
      assertThat(before.getLong("version")).isEqualTo(3001);
    }
    try (Connection connection = TestDatabase.connect(database); Statement sql = connection.createStatement()) {
      sql.execute("DELETE FROM portfolio_snapshots");
    }
    try (Node node = TestNode.start(database, noSnapshots)) {
      Api api = new Api(node.httpPort());
      // 3,001 and 2,201 events to replay: more than the inline limit, so on a worker thread.
      // At version 2,201 (two batches of 750 buys and 250 sells of 2, then 150 and 50): 2,200 held.
      assertThat(api.get("/api/v1/portfolios/long-1").json()).isEqualTo(before);
      assertThat(api.get("/api/v1/portfolios/long-1?version=2201").json()).isEqualTo(atVersion2201);
      assertThat(atVersion2201.getJsonArray("positions").getJsonObject(0).getString("quantity")).isEqualTo("2200");
    }
  }
}
