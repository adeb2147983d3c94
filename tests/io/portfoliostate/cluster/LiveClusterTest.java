package io.portfoliostate.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.BridgeClient;
import io.portfoliostate.fixtures.TestCluster;
import io.portfoliostate.fixtures.TestDatabase;
import io.portfoliostate.fixtures.TestKeys;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Live updates across a 2-node cluster: a client on one node follows a portfolio owned by the
 * other and gets every change in order; when the owning node stops, the portfolio moves to the
 * client's node and the client goes on without a gap or a duplicate, and without reconnecting.
 */
class LiveClusterTest {

  private static final Duration WAIT = Duration.ofSeconds(20);
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

  @Test
  void aClientOnOneNodeFollowsAPortfolioOwnedByTheOtherThroughItsMove() throws Exception {
    Api first = new Api(cluster.node(0).httpPort());
    String id = cluster.idOwnedBy(1, "lc-");
    first.createPortfolio(id);
    String address = "portfolio.updates." + id;
    try (BridgeClient client = BridgeClient.connect(cluster.node(0).httpPort(), TestKeys.ADMIN)) {
      client.register(address);
      JsonObject snapshot = client.body(address, WAIT);
      assertThat(snapshot.getString("kind")).isEqualTo("snapshot");
      assertThat(snapshot.getLong("version")).isEqualTo(1);

      deposits(first, id, "a", 500);
      long at = expectChain(client, address, 1, 501);

      // The owner stops: the portfolio moves to the client's node, whose hub renews its interest
      // with the new owner; commits go on meanwhile, through the remaining node.
      cluster.stopAndSettle(1);
      deposits(first, id, "b", 300);
      expectChain(client, address, at, 801);
      assertThat(client.quiet(Duration.ofMillis(1500))).isTrue();
    }
  }

  private static void deposits(Api api, String id, String prefix, int count) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Future<Api.Response>> sent = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int n = i;
      sent.add(pool.submit(() -> api.post("/api/v1/portfolios/" + id + "/cash-flows", new JsonObject()
          .put("flowId", prefix + n).put("type", "DEPOSIT").put("currency", "USD").put("amount", "1"))));
    }
    for (Future<Api.Response> response : sent) {
      assertThat(response.get().status()).isEqualTo(201);
    }
    pool.shutdown();
  }

  /** Reads changes from {@code at} to {@code through}: each starts where the last ended; the balance counts them. */
  private static long expectChain(BridgeClient client, String address, long at, long through) throws Exception {
    while (at < through) {
      JsonObject change = client.body(address, WAIT);
      assertThat(change.getString("kind")).isEqualTo("change");
      assertThat(change.getLong("fromVersion")).as("the change after %d", at).isEqualTo(at);
      at = change.getLong("version");
      assertThat(change.getJsonObject("summary").getJsonArray("cash").getJsonObject(0).getString("balance"))
          .isEqualTo(String.valueOf(at - 1));
    }
    assertThat(at).isEqualTo(through);
    return at;
  }
}
