package io.portfoliostate.shard;

import static io.portfoliostate.fixtures.Api.trade;
import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.app.Node;
import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.TestDatabase;
import io.portfoliostate.fixtures.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/**
 * Owners keep only a window of recent command ids in memory (here 3); an id older than that is
 * still recognised, by the journal's unique index and a look-up, whether it comes alone, in a
 * batch with new trades, or after a restart.
 */
class IdempotencyWindowTest {

  private static final JsonObject WINDOW_OF_3 = new JsonObject()
      .put("owners", new JsonObject().put("idempotencyWindow", 3));

  @Test
  void idsOlderThanTheWindowAreStillReplays() throws Exception {
    String database = TestDatabase.freshDatabaseUri();
    JsonObject first;
    try (Node node = TestNode.start(database, WINDOW_OF_3)) {
      Api api = new Api(node.httpPort());
      api.createPortfolio("window-1");
      first = api.post("/api/v1/portfolios/window-1/trades", trade("w-0", "AAPL", "BUY", "10", "100")).json();
      for (int i = 1; i < 10; i++) {
        assertThat(api.post("/api/v1/portfolios/window-1/trades", trade("w-" + i, "AAPL", "BUY", "1", "100"))
            .status()).isEqualTo(201);
      }
      Api.Response replay = api.post("/api/v1/portfolios/window-1/trades", trade("w-0", "AAPL", "BUY", "10", "100"));
      assertThat(replay.status()).isEqualTo(200);
      assertThat(replay.header("Idempotent-Replay")).isEqualTo("true");
      assertThat(replay.json()).isEqualTo(first);
      assertThat(api.post("/api/v1/portfolios/window-1/trades", trade("w-1", "AAPL", "SELL", "1", "100")).status())
          .isEqualTo(409);

      // In a batch: a new trade, an old replay, another new trade, an old id with other content.
      JsonArray trades = new JsonArray()
          .add(trade("w-10", "AAPL", "BUY", "2", "100"))
          .add(trade("w-2", "AAPL", "BUY", "1", "100"))
          .add(trade("w-11", "AAPL", "BUY", "3", "100"))
          .add(trade("w-3", "AAPL", "BUY", "7", "100"));
      JsonArray results = api.post("/api/v1/portfolios/window-1/trades:batch", new JsonObject().put("trades", trades))
          .json().getJsonArray("results");
      assertThat(results.stream().map(r -> ((JsonObject) r).getInteger("status"))).containsExactly(201, 200, 201, 409);
      assertThat(results.getJsonObject(0).getJsonObject("result").getLong("version")).isEqualTo(12);
      assertThat(results.getJsonObject(1).getJsonObject("result").getLong("version")).isEqualTo(4);
      assertThat(results.getJsonObject(2).getJsonObject("result").getLong("version")).isEqualTo(13);
      JsonObject state = api.get("/api/v1/portfolios/window-1").json();
      assertThat(state.getLong("version")).isEqualTo(13);
      assertThat(state.getJsonArray("positions").getJsonObject(0).getString("quantity")).isEqualTo("24");
    }
    try (Node node = TestNode.start(database, WINDOW_OF_3)) {
      Api api = new Api(node.httpPort());
      Api.Response replay = api.post("/api/v1/portfolios/window-1/trades", trade("w-0", "AAPL", "BUY", "10", "100"));
      assertThat(replay.status()).isEqualTo(200);
      assertThat(replay.json()).isEqualTo(first);
      assertThat(api.get("/api/v1/portfolios/window-1").json().getLong("version")).isEqualTo(13);
    }
  }
}
