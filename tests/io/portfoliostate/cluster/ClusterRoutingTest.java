package io.portfoliostate.cluster;

import static io.portfoliostate.fixtures.Api.trade;
import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.app.Node;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.TestCluster;
import io.portfoliostate.fixtures.TestDatabase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Three clustered nodes in one JVM, each with its own Vert.x and Hazelcast member on loopback,
 * one database: commands sent to every gateway end in the exact state, and every node answers
 * reads exactly as the owner does.
 */
class ClusterRoutingTest {

  private static final int PORTFOLIOS = 24;
  private static final int TRADES_PER_PORTFOLIO = 30;

  private static TestCluster cluster;
  private static List<Api> gateways;

  @BeforeAll
  static void start() throws Exception {
    cluster = TestCluster.start(3, 3, TestDatabase.freshDatabaseUri(), new JsonObject());
    gateways = cluster.nodes().stream().map(node -> new Api(node.httpPort())).toList();
  }

  @AfterAll
  static void stop() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void everyNodeSeesTheSamePartitionTable() {
    for (Api gateway : gateways) {
      JsonObject view = gateway.get("/api/v1/cluster").json();
      assertThat(view.getBoolean("clustered")).isTrue();
      assertThat(view.getString("clusterName")).isEqualTo(cluster.name());
      assertThat(view.getInteger("partitionCount")).isEqualTo(271);
      JsonArray members = view.getJsonArray("members");
      assertThat(members).hasSize(3);
      Set<Integer> httpPorts = new HashSet<>();
      for (int i = 0; i < members.size(); i++) {
        JsonObject member = members.getJsonObject(i);
        assertThat(member.getBoolean("reachable")).isTrue();
        assertThat(member.getInteger("partitions")).isGreaterThan(0);
        httpPorts.add(member.getInteger("httpPort"));
      }
      assertThat(httpPorts).containsExactlyInAnyOrderElementsOf(
          cluster.nodes().stream().map(Node::httpPort).toList());
      assertThat(members.stream().filter(m -> ((JsonObject) m).getBoolean("local")).count()).isEqualTo(1);
    }
  }

  /**
   * Trades for 24 portfolios, sent concurrently and spread over the three gateways, so most
   * commands travel to an owner on another node: every portfolio ends with the exact quantity
   * and cash, the version counts every trade once, and the portfolios are owned on all nodes.
   */
  @Test
  void commandsThroughEveryGatewayEndInTheExactState() {
    List<String> ids = new ArrayList<>();
    for (int p = 0; p < PORTFOLIOS; p++) {
      ids.add(gateways.get(p % 3).createPortfolio("spread-" + p));
    }
    List<CompletableFuture<Api.Response>> answers = new ArrayList<>();
    for (int t = 0; t < TRADES_PER_PORTFOLIO; t++) {
      for (int p = 0; p < PORTFOLIOS; p++) {
        Api gateway = gateways.get((t + p) % 3);
        answers.add(gateway.postAsync("/api/v1/portfolios/" + ids.get(p) + "/trades",
            trade("t-" + t, "INST-" + (t % 3), "BUY", "2", "10.5").put("fees", "0.25")));
      }
    }
    answers.forEach(answer -> assertThat(answer.join().status()).isEqualTo(201));
    // One owner decided each portfolio's commands one after the other: the 30 trades got the
    // versions 2..31, each exactly once, whichever gateway they came through.
    for (int p = 0; p < PORTFOLIOS; p++) {
      List<Long> versions = new ArrayList<>();
      for (int t = 0; t < TRADES_PER_PORTFOLIO; t++) {
        versions.add(answers.get(t * PORTFOLIOS + p).join().json().getLong("version"));
      }
      assertThat(versions).containsExactlyInAnyOrderElementsOf(
          java.util.stream.LongStream.rangeClosed(2, 1 + TRADES_PER_PORTFOLIO).boxed().toList());
    }

    Set<String> owners = new HashSet<>();
    for (String id : ids) {
      owners.add(cluster.node(0).shards().ownerAddress(PortfolioId.of(id)).split("\\.")[2]);
      JsonObject state = gateways.get(0).get("/api/v1/portfolios/" + id).json();
      assertThat(state.getLong("version")).isEqualTo(1 + TRADES_PER_PORTFOLIO);
      JsonArray positions = state.getJsonArray("positions");
      assertThat(positions).hasSize(3);
      for (int i = 0; i < 3; i++) {
        assertThat(positions.getJsonObject(i).getString("quantity")).isEqualTo("20");
      }
      // 30 trades × (2 × 10.5 + 0.25) = 637.5
      assertThat(state.getJsonArray("cash").getJsonObject(0).getString("balance")).isEqualTo("-637.5");
    }
    assertThat(owners).hasSize(3);
  }

  @Test
  void everyNodeAnswersReadsAsTheOwnerDoes() {
    String id = gateways.get(1).createPortfolio("same-answer");
    assertThat(gateways.get(2).post("/api/v1/portfolios/" + id + "/trades",
        trade("t-1", "AAPL", "BUY", "100", "151.75").put("fees", "2")).status()).isEqualTo(201);
    assertThat(gateways.get(0).post("/api/v1/portfolios/" + id + "/trades",
        trade("t-2", "AAPL", "SELL", "115", "180").put("fees", "2")).status()).isEqualTo(201);

    for (String path : List.of("", "/positions", "/cash", "/events", "?version=2")) {
      String first = gateways.get(0).get("/api/v1/portfolios/" + id + path).body();
      assertThat(gateways.get(1).get("/api/v1/portfolios/" + id + path).body()).isEqualTo(first);
      assertThat(gateways.get(2).get("/api/v1/portfolios/" + id + path).body()).isEqualTo(first);
    }
    JsonObject position = gateways.get(2).get("/api/v1/portfolios/" + id).json()
        .getJsonArray("positions").getJsonObject(0);
    assertThat(position.getString("quantity")).isEqualTo("-15");
    assertThat(position.getString("realizedPnl")).isEqualTo("2825");
  }

  @Test
  void aReplayThroughAnotherGatewayReturnsTheOriginalResult() {
    String id = gateways.get(0).createPortfolio("replay-across");
    JsonObject trade = trade("t-1", "MSFT", "BUY", "10", "300");
    Api.Response first = gateways.get(1).post("/api/v1/portfolios/" + id + "/trades", trade);
    Api.Response again = gateways.get(2).post("/api/v1/portfolios/" + id + "/trades", trade);
    assertThat(first.status()).isEqualTo(201);
    assertThat(again.status()).isEqualTo(200);
    assertThat(again.header("Idempotent-Replay")).isEqualTo("true");
    assertThat(again.json()).isEqualTo(first.json());
    Api.Response conflict = gateways.get(0).post("/api/v1/portfolios/" + id + "/trades",
        trade("t-1", "MSFT", "BUY", "11", "300"));
    assertThat(conflict.status()).isEqualTo(409);
  }
}
