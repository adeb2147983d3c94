package io.portfoliostate.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.TestCluster;
import io.portfoliostate.fixtures.TestDatabase;
import io.portfoliostate.fixtures.TestKeys;
import io.portfoliostate.protocol.Addresses;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Two clustered nodes (issue 12, audit): a command sent to the gateway of one node and decided by
 * an owner on the other is journaled with the origin the first gateway gave it (it crosses the
 * event bus with the command, JSON-encoded); a split posted to one node is applied on the way of
 * a late trade by an owner on the other with the poster's origin, which that node learnt from
 * the cluster-wide publication of the action.
 */
class OriginClusterTest {

  private static final int PORTFOLIOS = 8;

  @Test
  void originsSurviveForwardingToAnOwnerOnTheOtherNode() throws Exception {
    try (TestCluster cluster = TestCluster.start(2, 2, TestDatabase.freshDatabaseUri(), new JsonObject())) {
      cluster.awaitSettled();
      List<Api> gateways = cluster.nodes().stream().map(node -> new Api(node.httpPort())).toList();
      assertThat(gateways.get(0).send("POST", "/api/v1/corporate-actions", "application/json", new JsonObject()
          .put("actionId", "oc-split").put("instrumentId", "OCS").put("type", "SPLIT").put("ratio", "3:1")
          .put("effectiveAt", "2026-01-02T00:00:00Z").encode(), "X-Request-Id", "req-oc-split").status())
          .isEqualTo(201);
      awaitDone(gateways.get(1), "oc-split");

      for (int i = 0; i < PORTFOLIOS; i++) {
        String id = "oc-" + i;
        int owner = ownerIndex(cluster, id);
        // Everything goes through the gateway of the node that does not own the portfolio.
        Api gateway = gateways.get(1 - owner);
        assertThat(gateway.send("POST", "/api/v1/portfolios", "application/json", new JsonObject().put("id", id)
            .put("name", id).put("baseCurrency", "USD").encode(), "X-Request-Id", "req-create-" + i).status())
            .isEqualTo(201);
        assertThat(gateway.send("POST", "/api/v1/portfolios/" + id + "/trades", "application/json",
            Api.trade("oc-t-" + i, "OCS", "BUY", "10", "30").put("currency", "USD")
                .put("executedAt", "2026-01-01T12:00:00Z").encode(), "X-Request-Id", "req-trade-" + i).status())
            .isEqualTo(201);

        // Read through the owner's own gateway: what its journal holds.
        JsonArray events = gateways.get(owner).get("/api/v1/portfolios/" + id + "/events").json()
            .getJsonArray("events");
        assertThat(events).hasSize(3);
        assertThat(events.getJsonObject(0).getJsonObject("origin")).isEqualTo(new JsonObject()
            .put("principal", "key:" + TestKeys.ADMIN_KEY_ID).put("channel", "REST").put("requestId", "req-create-" + i));
        assertThat(events.getJsonObject(1).getString("type")).isEqualTo("SplitApplied");
        assertThat(events.getJsonObject(1).getJsonObject("origin")).isEqualTo(new JsonObject()
            .put("principal", "key:" + TestKeys.ADMIN_KEY_ID).put("channel", "CORPORATE_ACTION").put("requestId", "req-oc-split")
            .put("actionId", "oc-split"));
        assertThat(events.getJsonObject(2).getJsonObject("origin")).isEqualTo(new JsonObject()
            .put("principal", "key:" + TestKeys.ADMIN_KEY_ID).put("channel", "REST").put("requestId", "req-trade-" + i));
        // 10 @ 30 before a 3:1 split, recorded as sent: its restated position holds 30 @ 10.
        assertThat(events.getJsonObject(2).getJsonObject("data").getString("quantity")).isEqualTo("10");
        assertThat(events.getJsonObject(2).getJsonObject("data").getJsonObject("restated").getJsonArray("positions")
            .getJsonObject(0).getString("quantity")).isEqualTo("30");
      }
      // Both nodes owned some: the split's origin was learnt by the node that did not receive the POST.
      assertThat(java.util.stream.IntStream.range(0, PORTFOLIOS).map(i -> ownerIndex(cluster, "oc-" + i))
          .distinct().count()).isEqualTo(2);
    }
  }

  private static int ownerIndex(TestCluster cluster, String id) {
    String node = Addresses.ownerNode(cluster.node(0).shards().ownerAddress(PortfolioId.of(id)));
    return node.equals(cluster.node(0).nodeId()) ? 0 : 1;
  }

  private static void awaitDone(Api api, String actionId) throws InterruptedException {
    long deadline = System.nanoTime() + 20_000_000_000L;
    JsonObject action;
    do {
      Thread.sleep(100);
      action = api.get("/api/v1/corporate-actions/" + actionId).json();
    } while (!"DONE".equals(action.getString("status")) && System.nanoTime() < deadline);
    assertThat(action.getString("status")).as(action.encode()).isEqualTo("DONE");
  }
}
