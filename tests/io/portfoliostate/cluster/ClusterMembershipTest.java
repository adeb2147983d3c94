package io.portfoliostate.cluster;

import static io.portfoliostate.fixtures.Api.trade;
import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.app.Node;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.TestCluster;
import io.portfoliostate.fixtures.TestDatabase;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Nodes come and go under a steady write load: a node added takes over partitions (the old
 * owners release what moved, the new one loads it lazily), and a node stopped gracefully hands
 * its portfolios over with no failed request. Afterwards every acknowledged trade is in the
 * state exactly once.
 */
class ClusterMembershipTest {

  private static final int PORTFOLIOS = 40;
  private static final int WRITERS = 4;

  @Test
  void nodesJoinAndLeaveUnderLoadWithoutAFailedRequest() throws Exception {
    try (TestCluster cluster = TestCluster.start(2, 3, TestDatabase.freshDatabaseUri(), new JsonObject())) {
      Api first = new Api(cluster.node(0).httpPort());
      List<String> ids = new ArrayList<>();
      for (int p = 0; p < PORTFOLIOS; p++) {
        ids.add(first.createPortfolio("member-" + p));
      }
      List<Api> targets = new CopyOnWriteArrayList<>(List.of(first, new Api(cluster.node(1).httpPort())));
      Load load = new Load(ids, targets);
      load.start();
      Thread.sleep(1000);

      Node added = cluster.addNode();
      targets.add(new Api(added.httpPort()));
      Thread.sleep(1500);
      assertThat(released(cluster.node(0)) + released(cluster.node(1))).isPositive();
      assertThat(ids.stream().filter(id -> added.shards().isLocal(PortfolioId.of(id))).count()).isPositive();
      assertThat(loaded(added)).isPositive();

      // Stop the second node gracefully; its gateway first leaves the load balancer's list.
      targets.remove(1);
      Thread.sleep(200);
      cluster.stopAndSettle(1);
      Thread.sleep(1500);
      load.stop();

      assertThat(load.failures).isEmpty();
      assertThat(load.acknowledged.get()).isGreaterThan(200);
      Api reader = new Api(added.httpPort());
      for (String id : ids) {
        JsonObject state = reader.get("/api/v1/portfolios/" + id).json();
        int trades = load.perPortfolio.getOrDefault(id, new AtomicInteger()).get();
        assertThat(state.getLong("version")).as(id).isEqualTo(1 + trades);
        BigDecimal quantity = state.getJsonArray("positions").isEmpty() ? BigDecimal.ZERO
            : new BigDecimal(state.getJsonArray("positions").getJsonObject(0).getString("quantity"));
        assertThat(quantity).as(id).isEqualByComparingTo(BigDecimal.valueOf(trades));
      }
    }
  }

  private static double released(Node node) {
    return node.registry().find("pstate.owner.released").counters().stream().mapToDouble(c -> c.count()).sum();
  }

  private static double loaded(Node node) {
    return node.registry().find("pstate.owner.portfolios.loaded").gauges().stream().mapToDouble(g -> g.value()).sum();
  }

  /** Writers posting one trade at a time to random portfolios through the gateways in the list. */
  private static final class Load {
    private final List<String> ids;
    private final List<Api> targets;
    private final ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicInteger sequence = new AtomicInteger();
    final AtomicInteger acknowledged = new AtomicInteger();
    final Map<String, AtomicInteger> perPortfolio = new ConcurrentHashMap<>();
    final List<String> failures = new CopyOnWriteArrayList<>();

    Load(List<String> ids, List<Api> targets) {
      this.ids = ids;
      this.targets = targets;
    }

    void start() {
      for (int w = 0; w < WRITERS; w++) {
        pool.submit(() -> {
          while (running.get()) {
            int n = sequence.getAndIncrement();
            String id = ids.get(Math.floorMod(n * 7919, ids.size()));
            Api gateway = targets.get(n % targets.size());
            Api.Response answer = gateway.post("/api/v1/portfolios/" + id + "/trades",
                trade("t-" + n, "AAPL", "BUY", "1", "10"));
            if (answer.status() == 201) {
              acknowledged.incrementAndGet();
              perPortfolio.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
            } else {
              failures.add(id + " t-" + n + ": " + answer.status() + " " + answer.body());
            }
          }
          return null;
        });
      }
    }

    void stop() throws InterruptedException {
      running.set(false);
      pool.shutdown();
      assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    }
  }
}
