package io.portfoliostate.persistence;

import static io.portfoliostate.fixtures.Api.trade;
import static io.portfoliostate.fixtures.TestPool.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.app.Node;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.domain.PortfolioState;
import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.TestDatabase;
import io.portfoliostate.fixtures.TestNode;
import io.portfoliostate.fixtures.TestPool;
import io.vertx.core.Vertx;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Thinning keeps a portfolio's newest snapshots and one per stretch of {@code snapshotEvery}
 * versions below them, and every earlier version still reads back exactly.
 */
class SnapshotThinningTest {

  private static final int VERSIONS = 61;

  @Test
  void thinningKeepsTheNewestAndOnePerStretchAndEveryVersionReadsTheSame() throws Exception {
    String database = TestDatabase.freshDatabaseUri();
    try (Node node = TestNode.start(database)) {
      Api api = new Api(node.httpPort());
      api.createPortfolio("thin-1");
      api.createPortfolio("thin-2");
      for (int i = 2; i <= VERSIONS; i++) {
        api.post("/api/v1/portfolios/thin-1/trades", trade("t-" + i, i % 2 == 0 ? "AAPL" : "MSFT", "BUY",
            Integer.toString(i), "10"));
      }
    }
    PortfolioId id = PortfolioId.of("thin-1");
    Vertx vertx = Vertx.vertx();
    try (TestPool pool = TestPool.open(database, "thinning")) {
      JournalReader reader = new JournalReader(vertx, pool.pool(), 100);
      SnapshotStore snapshots = new SnapshotStore(pool.pool());
      // A snapshot at every version: a portfolio that changed once before each of its passivations.
      List<PortfolioState> states = new ArrayList<>();
      for (long version = 1; version <= VERSIONS; version++) {
        states.add(await(reader.stateAt(id, version)).state());
      }
      await(snapshots.saveAll(states));
      await(snapshots.saveAll(List.of(await(reader.stateAt(PortfolioId.of("thin-2"), 1)).state())));
      assertThat(snapshotVersions(database, "thin-1")).hasSize(VERSIONS);

      int deleted = await(snapshots.thin(List.of("thin-1", "thin-2"), 10, 3));

      assertThat(snapshotVersions(database, "thin-1")).containsExactly(1L, 10L, 20L, 30L, 40L, 50L, 59L, 60L, 61L);
      assertThat(snapshotVersions(database, "thin-2")).containsExactly(1L);
      assertThat(deleted).isEqualTo(VERSIONS - 9);
      for (long version = 1; version <= VERSIONS; version++) {
        JournalReader.Replayed replayed = await(reader.stateAt(id, version));
        assertThat(replayed.state()).as("version %d", version).isEqualTo(states.get((int) version - 1));
        // The nearest snapshot moved down by less than the stretch.
        assertThat(version - replayed.snapshotVersion()).isBetween(0L, 19L);
      }
      assertThat(await(reader.load(id)).state()).isEqualTo(states.get(VERSIONS - 1));
      assertThat(await(snapshots.thin(List.of("thin-1"), 10, 3))).isZero();
    } finally {
      await(vertx.close());
    }
  }

  private static List<Long> snapshotVersions(String database, String portfolio) throws Exception {
    try (Connection connection = TestDatabase.connect(database); Statement sql = connection.createStatement()) {
      ResultSet rows = sql.executeQuery("SELECT seq FROM portfolio_snapshots WHERE portfolio_id = '" + portfolio
          + "' ORDER BY seq");
      List<Long> versions = new ArrayList<>();
      while (rows.next()) {
        versions.add(rows.getLong(1));
      }
      return versions;
    }
  }
}
