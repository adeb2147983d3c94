package io.portfoliostate.persistence;

import static io.portfoliostate.fixtures.Api.trade;
import static org.assertj.core.api.Assertions.assertThat;

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

/**
 * A snapshot that cannot be read back costs a longer replay, never the portfolio: the load falls
 * back to an older snapshot, or to the journal from its start, and gives the exact state; so do
 * reads of earlier versions. The bad snapshot is counted, and replaced at the next snapshot of
 * that version.
 */
class UnreadableSnapshotTest {

  private static final String ID = "unreadable-1";
  private static final int TRADES = 22;

  @Test
  void aLoadFallsBackPastUnreadableSnapshotsToTheExactState() throws Exception {
    String database = TestDatabase.freshDatabaseUri();
    JsonObject overrides = new JsonObject().put("owners", new JsonObject().put("snapshotEvery", 5));
    JsonObject current;
    List<JsonObject> versions;
    try (Node node = TestNode.start(database, overrides)) {
      Api api = new Api(node.httpPort());
      api.createPortfolio(ID);
      for (int i = 1; i <= TRADES; i++) {
        assertThat(api.post("/api/v1/portfolios/" + ID + "/trades",
            trade("t-" + i, i % 3 == 0 ? "MSFT" : "AAPL", i % 4 == 0 ? "SELL" : "BUY", i % 4 == 0 ? "1" : Integer.toString(i), "1" + i))
            .status()).isEqualTo(201);
      }
      current = api.get("/api/v1/portfolios/" + ID).json();
      versions = versions(api);
    }
    assertThat(current.getLong("version")).isEqualTo(TRADES + 1);
    List<Long> written = snapshotVersions(database);
    assertThat(written).hasSizeGreaterThanOrEqualTo(4).contains((long) TRADES + 1);

    // The newest is a JSON string, the next a JSON object that is no portfolio state.
    long newest = written.get(written.size() - 1);
    long second = written.get(written.size() - 2);
    sql(database, "UPDATE portfolio_snapshots SET state = '\"garbage\"' WHERE portfolio_id = '" + ID + "' AND seq = "
        + newest);
    sql(database, "UPDATE portfolio_snapshots SET state = '{\"id\": \"" + ID + "\", \"version\": " + second
        + "}' WHERE portfolio_id = '" + ID + "' AND seq = " + second);
    try (Node node = TestNode.start(database)) {
      Api api = new Api(node.httpPort());
      Api.Response loaded = api.get("/api/v1/portfolios/" + ID);
      assertThat(loaded.status()).as(loaded.body()).isEqualTo(200);
      assertThat(loaded.json()).isEqualTo(current);
      assertThat(versions(api)).isEqualTo(versions);
      assertThat(unreadable(node)).isGreaterThanOrEqualTo(2);
    }
    // Passivated at shutdown from the older snapshot, the portfolio wrote a good newest one over the bad one.
    try (Connection connection = TestDatabase.connect(database); Statement sql = connection.createStatement()) {
      ResultSet row = sql.executeQuery("SELECT jsonb_typeof(state) FROM portfolio_snapshots WHERE portfolio_id = '"
          + ID + "' AND seq = " + newest);
      assertThat(row.next()).isTrue();
      assertThat(row.getString(1)).isEqualTo("object");
    }

    // With every snapshot bad, the journal alone gives the state.
    sql(database, "UPDATE portfolio_snapshots SET state = '[1, 2]' WHERE portfolio_id = '" + ID + "'");
    try (Node node = TestNode.start(database)) {
      Api api = new Api(node.httpPort());
      assertThat(api.get("/api/v1/portfolios/" + ID).json()).isEqualTo(current);
      assertThat(versions(api)).isEqualTo(versions);
      assertThat(unreadable(node)).isGreaterThanOrEqualTo(written.size());
      Api.Response next = api.post("/api/v1/portfolios/" + ID + "/trades", trade("t-next", "AAPL", "BUY", "1", "10"));
      assertThat(next.status()).isEqualTo(201);
      assertThat(next.json().getLong("version")).isEqualTo(TRADES + 2);
    }
  }

  private static List<JsonObject> versions(Api api) {
    List<JsonObject> states = new ArrayList<>();
    for (int version = 1; version <= TRADES + 1; version++) {
      Api.Response response = api.get("/api/v1/portfolios/" + ID + "?version=" + version);
      assertThat(response.status()).as("version %d: %s", version, response.body()).isEqualTo(200);
      states.add(response.json());
    }
    return states;
  }

  private static double unreadable(Node node) {
    return node.registry().find("pstate.snapshots.unreadable").counters().stream()
        .mapToDouble(counter -> counter.count()).sum();
  }

  private static List<Long> snapshotVersions(String database) throws Exception {
    try (Connection connection = TestDatabase.connect(database); Statement sql = connection.createStatement()) {
      ResultSet rows = sql.executeQuery("SELECT seq FROM portfolio_snapshots WHERE portfolio_id = '" + ID
          + "' ORDER BY seq");
      List<Long> versions = new ArrayList<>();
      while (rows.next()) {
        versions.add(rows.getLong(1));
      }
      return versions;
    }
  }

  private static void sql(String database, String statement) throws Exception {
    try (Connection connection = TestDatabase.connect(database); Statement sql = connection.createStatement()) {
      sql.execute(statement);
    }
  }
}
