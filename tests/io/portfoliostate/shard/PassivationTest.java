package io.portfoliostate.shard;

import static io.portfoliostate.fixtures.Api.trade;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Gauge;
import io.portfoliostate.app.Node;
import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.TestDatabase;
import io.portfoliostate.fixtures.TestNode;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Idle portfolios leave memory (snapshotted first) and come back from the database on next use. */
class PassivationTest {

  @Test
  void anIdlePortfolioIsSnapshottedDroppedAndReloaded() throws Exception {
    String database = TestDatabase.freshDatabaseUri();
    JsonObject overrides = new JsonObject().put("owners", new JsonObject().put("passivateAfterSeconds", 1));
    try (Node node = TestNode.start(database, overrides)) {
      Api api = new Api(node.httpPort());
      api.createPortfolio("idle-1");
      api.post("/api/v1/portfolios/idle-1/trades", trade("t-1", "AAPL", "BUY", "3", "42"));
      JsonObject before = api.get("/api/v1/portfolios/idle-1").json();
      assertThat(loaded(node)).isEqualTo(1);

      long deadline = System.nanoTime() + 15_000_000_000L;
      while (loaded(node) > 0 && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      assertThat(loaded(node)).isZero();
      try (Connection connection = TestDatabase.connect(database); Statement sql = connection.createStatement()) {
        ResultSet snapshot = sql.executeQuery("SELECT max(seq) FROM portfolio_snapshots WHERE portfolio_id = 'idle-1'");
        snapshot.next();
        assertThat(snapshot.getLong(1)).isEqualTo(2);
      }
      assertThat(api.get("/api/v1/portfolios/idle-1").json()).isEqualTo(before);
      assertThat(loaded(node)).isEqualTo(1);
      Api.Response replay = api.post("/api/v1/portfolios/idle-1/trades", trade("t-1", "AAPL", "BUY", "3", "42"));
      assertThat(replay.status()).isEqualTo(200);
    }
  }

  @Test
  void passivationThinsTheSnapshotsItWrites() throws Exception {
    String database = TestDatabase.freshDatabaseUri();
    JsonObject overrides = new JsonObject().put("owners", new JsonObject().put("passivateAfterSeconds", 1));
    try (Node node = TestNode.start(database, overrides)) {
      Api api = new Api(node.httpPort());
      api.createPortfolio("thinned-1");
      // Changed a little before each passivation: without thinning, a snapshot per passivation for good.
      for (int i = 1; i <= 6; i++) {
        assertThat(api.post("/api/v1/portfolios/thinned-1/trades", trade("t-" + i, "AAPL", "BUY", "1", "10")).status())
            .isEqualTo(201);
        long deadline = System.nanoTime() + 15_000_000_000L;
        while ((loaded(node) > 0 || maxSnapshot(database) < i + 1) && System.nanoTime() < deadline) {
          Thread.sleep(100);
        }
        assertThat(maxSnapshot(database)).isEqualTo(i + 1);
      }
      // Every 1,000 versions by default: the newest 3, and version 2, the lowest of versions 0-999.
      assertThat(snapshotVersions(database)).containsExactly(2L, 5L, 6L, 7L);
      assertThat(api.get("/api/v1/portfolios/thinned-1?version=3").json().getLong("version")).isEqualTo(3);
    }
  }

  private static long maxSnapshot(String database) throws Exception {
    List<Long> versions = snapshotVersions(database);
    return versions.isEmpty() ? 0 : versions.get(versions.size() - 1);
  }

  private static List<Long> snapshotVersions(String database) throws Exception {
    try (Connection connection = TestDatabase.connect(database); Statement sql = connection.createStatement()) {
      ResultSet rows = sql.executeQuery("SELECT seq FROM portfolio_snapshots WHERE portfolio_id = 'thinned-1' ORDER BY seq");
      List<Long> versions = new ArrayList<>();
      while (rows.next()) {
        versions.add(rows.getLong(1));
      }
      return versions;
    }
  }

  private static double loaded(Node node) {
    return node.registry().find("pstate.owner.portfolios.loaded").gauges().stream().mapToDouble(Gauge::value).sum();
  }
}
