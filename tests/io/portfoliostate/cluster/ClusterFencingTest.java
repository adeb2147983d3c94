package io.portfoliostate.cluster;

import static io.portfoliostate.fixtures.Api.trade;
import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.app.Node;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.TestCluster;
import io.portfoliostate.fixtures.TestDatabase;
import io.portfoliostate.protocol.Addresses;
import io.portfoliostate.shard.ClusterMember;
import io.portfoliostate.shard.ShardMap;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two clustered nodes, the second with a corrupted view of ownership: for ids starting with
 * {@code split-} it believes it owns them (as a node would that has not seen a partition move,
 * or one on the wrong side of a network split); for ids starting with {@code lost-} it sends
 * to itself but knows it is not the owner (a route that never reaches a real owner).
 */
class ClusterFencingTest {

  private static final int OWNER_INSTANCES = 2;

  private static String databaseUri;
  private static TestCluster cluster;
  private static Api real;
  private static Api confused;

  @BeforeAll
  static void start() throws Exception {
    databaseUri = TestDatabase.freshDatabaseUri();
    JsonObject settings = new JsonObject().put("owners", new JsonObject().put("instances", OWNER_INSTANCES))
        .put("routing", new JsonObject().put("notOwnerRetryMs", 800));
    cluster = TestCluster.start(1, 2, databaseUri, settings);
    cluster.addNode(Confused::new);
    real = new Api(cluster.node(0).httpPort());
    confused = new Api(cluster.node(1).httpPort());
  }

  @AfterAll
  static void stop() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  /**
   * Both nodes hold the portfolio and write it. The stale one can never commit over the other:
   * its write at a taken sequence number is refused by the journal's primary key, it drops the
   * portfolio and answers "not owner", and its gateway retries, which reloads the committed
   * state and decides again. Every trade is recorded once, in one gapless sequence.
   */
  @Test
  void aStaleOwnerCannotCommitAndTheRetryLandsOnCommittedState() throws Exception {
    String id = idOwnedBy(cluster.node(0), "split-");
    real.createPortfolio(id);
    List<Api> order = List.of(real, real, confused, real, confused, confused, real, real, confused, real);
    for (int t = 0; t < order.size(); t++) {
      Api.Response answer = order.get(t).post("/api/v1/portfolios/" + id + "/trades",
          trade("t-" + t, "AAPL", "BUY", "1." + t, "100"));
      assertThat(answer.status()).as("trade %d", t).isEqualTo(201);
      assertThat(answer.json().getLong("version")).isEqualTo(t + 2);
    }
    // 1.0 + 1.1 + ... + 1.9 = 14.5, in either node's view after a fresh read.
    assertThat(real.get("/api/v1/portfolios/" + id).json().getJsonArray("positions").getJsonObject(0)
        .getString("quantity")).isEqualTo("14.5");
    assertThat(counter(cluster.node(0), "pstate.owner.fenced") + counter(cluster.node(1), "pstate.owner.fenced"))
        .isGreaterThanOrEqualTo(3);

    try (Connection db = TestDatabase.connect(databaseUri);
        ResultSet rows = db.createStatement().executeQuery(
            "SELECT seq, command_id FROM portfolio_events WHERE portfolio_id = '" + id + "' ORDER BY seq")) {
      List<Long> seqs = new ArrayList<>();
      List<String> commands = new ArrayList<>();
      while (rows.next()) {
        seqs.add(rows.getLong(1));
        commands.add(rows.getString(2));
      }
      assertThat(seqs).containsExactlyElementsOf(IntStream.rangeClosed(1, 11).mapToObj(Long::valueOf).toList());
      assertThat(commands.subList(1, 11)).containsExactlyInAnyOrderElementsOf(
          IntStream.range(0, 10).mapToObj(t -> "trade:t-" + t).toList());
    }
  }

  /** A gateway that only ever reaches "not owner" retries for a bounded time, then says 503. */
  @Test
  void aGatewayThatFindsNoOwnerGivesUpWith503AndRetryAfter() {
    String id = idOwnedBy(cluster.node(0), "lost-");
    real.createPortfolio(id);
    long started = System.nanoTime();
    Api.Response answer = confused.post("/api/v1/portfolios/" + id + "/trades", trade("t-1", "AAPL", "BUY", "1", "100"));
    long elapsedMs = (System.nanoTime() - started) / 1_000_000;
    assertThat(answer.status()).as(answer.body()).isEqualTo(503);
    assertThat(answer.header("Retry-After")).isEqualTo("1");
    assertThat(answer.contentType()).isEqualTo("application/problem+json");
    assertThat(elapsedMs).isBetween(700L, 5000L);
    assertThat(real.get("/api/v1/portfolios/" + id).json().getLong("version")).isEqualTo(1);
    assertThat(counter(cluster.node(1), "pstate.owner.refused.not_owner")).isGreaterThan(2);
  }

  private static String idOwnedBy(Node node, String prefix) {
    for (int i = 0; ; i++) {
      String id = prefix + i;
      if (node.shards().isLocal(PortfolioId.of(id))) {
        return id;
      }
    }
  }

  private static double counter(Node node, String name) {
    return node.registry().find(name).counters().stream().mapToDouble(c -> c.count()).sum();
  }

  /** The second node's wrong view of ownership. */
  private static final class Confused implements ShardMap {
    private final ShardMap real;

    Confused(ShardMap real) {
      this.real = real;
    }

    private String self() {
      return real.members().stream().filter(ClusterMember::local).findFirst().orElseThrow().nodeId();
    }

    @Override
    public String ownerAddress(PortfolioId id) {
      return id.value().startsWith("split-") || id.value().startsWith("lost-")
          ? Addresses.owner(self(), ShardMap.instanceOf(id, OWNER_INSTANCES))
          : real.ownerAddress(id);
    }

    @Override
    public boolean isLocal(PortfolioId id) {
      return id.value().startsWith("split-") || real.isLocal(id);
    }

    @Override
    public long epoch() {
      return real.epoch();
    }

    @Override
    public void onMemberLeft(java.util.function.Consumer<String> listener) {
      real.onMemberLeft(listener);
    }

    @Override
    public boolean settled() {
      return real.settled();
    }

    @Override
    public List<ClusterMember> members() {
      return real.members();
    }
  }
}
