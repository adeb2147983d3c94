package io.portfoliostate.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.TestCluster;
import io.portfoliostate.fixtures.TestDatabase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The answer to {@code POST .../trades:batch} sent to a node that does not own the portfolio
 * crosses the cluster with each later result's lots as runs of the result before it
 * (protocol/MessageJson): it must still be, item by item, lots included, the answer the owner's
 * node gives. Two nodes in one JVM; a FIFO position of 300 lots; a batch of 120 trades into it and
 * a second position, buys opening lots and sells closing one whole lot and part of the next. The
 * owner's own answer for the same trades is the same batch sent again to the owner's node: every
 * item a replay, its result rebuilt from the journal at its version, answered without crossing.
 */
class TradeBatchClusterTest {

  private static TestCluster cluster;

  @BeforeAll
  static void start() throws Exception {
    cluster = TestCluster.start(2, 2, TestDatabase.freshDatabaseUri(), new JsonObject());
  }

  @AfterAll
  static void stop() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }


  private static JsonObject trade(String id, String instrument, String side, String quantity, int minute) {
    return new JsonObject().put("tradeId", id).put("instrumentId", instrument).put("side", side)
        .put("quantity", quantity).put("price", String.valueOf(100 + minute % 7) + ".25")
        .put("executedAt", String.format("2026-11-02T%02d:%02d:00Z", 8 + minute / 60, minute % 60));
  }

  @Test
  void aBatchAnsweredAcrossNodesIsTheOwnersAnswer() {
    Api gateway = new Api(cluster.node(0).httpPort());
    Api owner = new Api(cluster.node(1).httpPort());
    String id = cluster.idOwnedBy(1, "tb-");
    gateway.createPortfolio(new JsonObject().put("id", id).put("name", id).put("baseCurrency", "USD")
        .put("costMethod", "FIFO"));
    JsonArray opening = new JsonArray();
    for (int i = 0; i < 300; i++) {
      opening.add(trade("o-" + i, "TBA", "BUY", "10", i));
    }
    assertThat(gateway.post("/api/v1/portfolios/" + id + "/trades:batch", new JsonObject().put("trades", opening))
        .status()).isEqualTo(200);

    JsonArray trades = new JsonArray();
    for (int i = 0; i < 120; i++) {
      int minute = 300 + i;
      trades.add(switch (i % 3) {
        case 0 -> trade("b-" + i, "TBA", "BUY", "10", minute);
        case 1 -> trade("b-" + i, "TBA", "SELL", "15", minute);
        default -> trade("b-" + i, i % 2 == 0 ? "TBB" : "TBA", "BUY", "4", minute);
      });
    }
    JsonObject batch = new JsonObject().put("trades", trades);
    Api.Response across = gateway.post("/api/v1/portfolios/" + id + "/trades:batch", batch);
    assertThat(across.status()).as(across.body()).isEqualTo(200);
    Api.Response atOwner = owner.post("/api/v1/portfolios/" + id + "/trades:batch", batch);
    assertThat(atOwner.status()).as(atOwner.body()).isEqualTo(200);

    JsonArray crossed = across.json().getJsonArray("results");
    JsonArray local = atOwner.json().getJsonArray("results");
    assertThat(crossed).hasSize(120);
    for (int i = 0; i < 120; i++) {
      JsonObject first = crossed.getJsonObject(i);
      JsonObject replayed = local.getJsonObject(i);
      assertThat(first.getInteger("status")).as("item %d recorded", i).isEqualTo(201);
      assertThat(replayed.getInteger("status")).as("item %d replayed", i).isEqualTo(200);
      assertThat(first.getJsonObject("result")).as("item %d", i).isEqualTo(replayed.getJsonObject("result"));
    }
    // The figures after the last trade (item 119, a buy of 4 TBA): 3,000 opened, 40 buys of 10,
    // 20 buys of 4 and 40 sells of 15 (600 units: the 60 oldest lots of 10, whole) leave 2,880
    // in 300 + 40 + 20 − 60 = 300 lots, the first of them the 61st lot opened, whole.
    JsonObject last = crossed.getJsonObject(119).getJsonObject("result").getJsonObject("position");
    assertThat(last.getString("instrumentId")).isEqualTo("TBA");
    assertThat(last.getString("quantity")).isEqualTo("2880");
    assertThat(last.getJsonArray("lots")).hasSize(300);
    assertThat(last.getJsonArray("lots").getJsonObject(0).getString("quantity")).isEqualTo("10");
    assertThat(last.getJsonArray("lots").getJsonObject(0).getString("openedAt")).isEqualTo("2026-11-02T09:00:00Z");
    // After item 1 (the first sell of 15): the first lot closed, 5 of the second left.
    JsonObject afterFirstSell = crossed.getJsonObject(1).getJsonObject("result").getJsonObject("position");
    assertThat(afterFirstSell.getJsonArray("lots")).hasSize(300);
    assertThat(afterFirstSell.getJsonArray("lots").getJsonObject(0).getString("quantity")).isEqualTo("5");
    // The position as the portfolio now reads it: the last trade's result, lot for lot.
    JsonObject read = gateway.get("/api/v1/portfolios/" + id).json();
    JsonObject tba = read.getJsonArray("positions").stream().map(JsonObject.class::cast)
        .filter(p -> p.getString("instrumentId").equals("TBA")).findFirst().orElseThrow();
    assertThat(tba.getJsonArray("lots")).isEqualTo(last.getJsonArray("lots"));
  }
}
