package io.portfoliostate.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.TestCluster;
import io.portfoliostate.fixtures.TestDatabase;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Two clustered nodes: a split posted to one and DONE (no holder yet) is applied by the owners of
 * either node to first trades executed before it that arrive afterwards (the other node learned
 * it from the cluster-wide publication), and both gateways list every late holder once.
 */
class LateHolderClusterTest {

  private static final int LATE = 12;

  @Test
  void lateHoldersOwnedByEitherNodeAreConvertedAndListed() throws Exception {
    String database = TestDatabase.freshDatabaseUri();
    try (TestCluster cluster = TestCluster.start(2, 2, database, new JsonObject())) {
      cluster.awaitSettled();
      List<Api> gateways = cluster.nodes().stream().map(node -> new Api(node.httpPort())).toList();
      assertThat(gateways.get(0).post("/api/v1/corporate-actions", new JsonObject().put("actionId", "cl-late")
          .put("instrumentId", "CLL").put("type", "SPLIT").put("ratio", "2:1")
          .put("effectiveAt", "2026-01-02T00:00:00Z")).status()).isEqualTo(201);
      awaitApplied(gateways.get(1), 0);

      for (int i = 0; i < LATE; i++) {
        Api gateway = gateways.get(i % 2);
        String id = gateway.createPortfolio("cl-late-" + i);
        assertThat(gateway.post("/api/v1/portfolios/" + id + "/trades", Api.trade("cl-l-" + i, "CLL", "BUY", "10", "30")
            .put("currency", "USD").put("executedAt", "2026-01-01T12:00:00Z")).status()).isEqualTo(201);
      }

      for (int i = 0; i < LATE; i++) {
        JsonObject position = gateways.get((i + 1) % 2).get("/api/v1/portfolios/cl-late-" + i).json()
            .getJsonArray("positions").getJsonObject(0);
        assertThat(position.getString("quantity")).as("cl-late-" + i).isEqualTo("20");
        assertThat(position.getString("averageCost")).as("cl-late-" + i).isEqualTo("15");
      }
      JsonObject progress = awaitApplied(gateways.get(1), LATE);
      assertThat(progress.getString("status")).isEqualTo("DONE");
      assertThat(gateways.get(0).get("/api/v1/corporate-actions/cl-late").json()).isEqualTo(progress);
    }
  }

  private static JsonObject awaitApplied(Api api, int count) throws InterruptedException {
    long deadline = System.nanoTime() + 20_000_000_000L;
    JsonObject progress;
    do {
      Thread.sleep(100);
      progress = api.get("/api/v1/corporate-actions/cl-late").json();
    } while ((!"DONE".equals(progress.getString("status"))
        || progress.getJsonObject("counts").getInteger("APPLIED") < count) && System.nanoTime() < deadline);
    assertThat(progress.getString("status")).as(progress.encode()).isEqualTo("DONE");
    assertThat(progress.getJsonObject("counts").getInteger("APPLIED")).as(progress.encode()).isEqualTo(count);
    return progress;
  }
}
