package io.portfoliostate.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.TestCluster;
import io.portfoliostate.fixtures.TestDatabase;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Two clustered nodes: an action posted to one is driven by one node, reaches the holders owned
 * by either (through the owner client), and reads the same from both gateways; each holder's
 * journal has the split once.
 */
class CorporateActionClusterTest {

  private static final int HOLDERS = 16;

  @Test
  void anActionPostedToOneNodeReachesTheHoldersOfEveryNodeOnce() throws Exception {
    String database = TestDatabase.freshDatabaseUri();
    try (TestCluster cluster = TestCluster.start(2, 2, database, new JsonObject())) {
      cluster.awaitSettled();
      List<Api> gateways = cluster.nodes().stream().map(node -> new Api(node.httpPort())).toList();
      for (int i = 0; i < HOLDERS; i++) {
        Api gateway = gateways.get(i % 2);
        String id = gateway.createPortfolio("cl-holder-" + i);
        assertThat(gateway.post("/api/v1/portfolios/" + id + "/trades",
            Api.trade("cl-t-" + i, "CLU", "BUY", "10", "30").put("currency", "USD")).status()).isEqualTo(201);
      }

      assertThat(gateways.get(0).post("/api/v1/corporate-actions", new JsonObject().put("actionId", "cl-split")
          .put("instrumentId", "CLU").put("type", "SPLIT").put("ratio", "3:1")
          .put("effectiveAt", "2026-01-01T00:00:00Z")).status()).isEqualTo(201);
      long deadline = System.nanoTime() + 20_000_000_000L;
      JsonObject progress;
      do {
        Thread.sleep(50);
        progress = gateways.get(1).get("/api/v1/corporate-actions/cl-split").json();
      } while (!"DONE".equals(progress.getString("status")) && System.nanoTime() < deadline);

      assertThat(progress.getString("status")).isEqualTo("DONE");
      assertThat(progress.getJsonObject("counts").getInteger("APPLIED")).isEqualTo(HOLDERS);
      assertThat(gateways.get(0).get("/api/v1/corporate-actions/cl-split").json()).isEqualTo(progress);
      for (int i = 0; i < HOLDERS; i++) {
        JsonObject position = gateways.get((i + 1) % 2).get("/api/v1/portfolios/cl-holder-" + i).json()
            .getJsonArray("positions").getJsonObject(0);
        assertThat(position.getString("quantity")).isEqualTo("30");
        assertThat(position.getString("averageCost")).isEqualTo("10");
      }
      try (Connection connection = TestDatabase.connect(database); Statement statement = connection.createStatement();
          ResultSet rows = statement.executeQuery("SELECT count(*), count(DISTINCT portfolio_id) FROM portfolio_events "
              + "WHERE type = 'SplitApplied'")) {
        assertThat(rows.next()).isTrue();
        assertThat(rows.getInt(1)).isEqualTo(HOLDERS);
        assertThat(rows.getInt(2)).isEqualTo(HOLDERS);
      }
    }
  }
}
