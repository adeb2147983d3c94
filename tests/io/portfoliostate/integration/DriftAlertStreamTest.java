package io.portfoliostate.integration;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.app.Node;
import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.ChangeTopic;
import io.portfoliostate.fixtures.TestDatabase;
import io.portfoliostate.fixtures.TestNode;
import io.portfoliostate.fixtures.TestPulsar;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.pulsar.client.api.PulsarClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Drift alerts reach the {@code portfolio-alerts} topic too, once each: in the order they were
 * stored, numbered by their own producer, and a publisher that lost its cursor repeats none (the
 * broker's record of the drift producer's last sequence id). After a restart a portfolio with
 * targets is watched for drift though nothing has loaded it.
 */
class DriftAlertStreamTest {

  private static PulsarClient client;

  @BeforeAll
  static void connect() throws Exception {
    client = PulsarClient.builder().serviceUrl(TestPulsar.shared().serviceUrl()).build();
  }

  @AfterAll
  static void disconnect() throws Exception {
    if (client != null) {
      client.close();
    }
  }

  private static JsonObject settings(String run) {
    return new JsonObject()
        .put("live", new JsonObject().put("valuationsPerSecond", 50).put("driftScanMs", 500))
        .put("pulsar", TestPulsar.shared().settingsFor(run));
  }

  @Test
  void driftAlertsArePublishedOnceInTheOrderStoredEvenAfterTheCursorIsLost() throws Exception {
    String run = UUID.randomUUID().toString().substring(0, 8);
    String database = TestDatabase.freshDatabaseUri();
    String fund = "ds-" + run;
    String instrument = "DS-" + run;
    try (ChangeTopic alerts = new ChangeTopic(client, "alerts-" + run)) {
      Node node = TestNode.start(database, settings(run));
      try {
        Api api = new Api(node.httpPort());
        api.createPortfolio(fund);
        api.putInstrument(instrument, new JsonObject().put("currency", "USD"));
        api.deposit(fund, "USD", "10000");
        api.postPrices(price(instrument, "100"));
        assertThat(api.post("/api/v1/portfolios/" + fund + "/trades", Api.trade("ds-1", instrument, "BUY", "50", "100"))
            .status()).isEqualTo(201);
        assertThat(api.put("/api/v1/portfolios/" + fund + "/targets", new JsonObject().put("targets",
            new JsonObject().put(instrument, "0.5"))).status()).isEqualTo(200);
        // Weight = 50p / (5000 + 50p), threshold 0.02: 109 breaches, 106 recovers (within 0.016).
        for (String p : new String[] {"109", "107.5", "109.5", "106"}) {
          api.postPrices(price(instrument, p));
          Thread.sleep(150); // slower than the monitor's 50 per second: each tick is evaluated
        }
        List<JsonObject> published = alerts.readUntil(4, ChangeTopic.catchUp());
        assertThat(published).extracting(a -> a.getString("alertId")).containsExactly(
            fund + "/drift/" + instrument + "/1", fund + "/drift/cash:USD/1",
            fund + "/drift/" + instrument + "/2", fund + "/drift/cash:USD/2");
        // Each message is the alert exactly as stored.
        assertThat(published).isEqualTo(stored(database, fund));
        assertThat(published.get(0).getString("type")).isEqualTo("DRIFT_BREACHED");
        assertThat(published.get(3).getString("type")).isEqualTo("DRIFT_RECOVERED");
        assertThat(node.registry().get("pstate.alerts.drift.published").counter().count()).isEqualTo(4);
      } finally {
        node.close();
      }
      // A graceful stop saved the drift cursor; as if the node had died before saving it:
      try (Connection connection = TestDatabase.connect(database); Statement sql = connection.createStatement()) {
        assertThat(sql.executeUpdate("DELETE FROM stream_cursors WHERE stream = 'alerts-" + run + "#drift'"))
            .isEqualTo(1);
      }
      node = TestNode.start(database, settings(run));
      try {
        Api api = new Api(node.httpPort());
        // Nothing reads or writes the portfolio after the restart: the drift monitor's scan finds
        // that it has targets, has its owner load it, and watches it.
        api.postPrices(price(instrument, "100"));
        api.postPrices(price(instrument, "110"));
        // The four are in the topic already (the broker says so); only the new breach's two follow.
        List<JsonObject> published = alerts.readUntil(6, ChangeTopic.catchUp());
        assertThat(alerts.drain(Duration.ofMillis(500))).hasSize(6);
        assertThat(published.subList(4, 6)).extracting(a -> a.getString("alertId")).containsExactly(
            fund + "/drift/" + instrument + "/3", fund + "/drift/cash:USD/3");
        assertThat(published).isEqualTo(stored(database, fund));
        assertThat(node.registry().get("pstate.alerts.drift.published").counter().count()).isEqualTo(2);
      } finally {
        node.close();
      }
    }
  }

  private static JsonObject price(String instrument, String price) {
    return new JsonObject().put("instrumentId", instrument).put("price", price);
  }

  private static List<JsonObject> stored(String database, String fund) throws Exception {
    List<JsonObject> stored = new ArrayList<>();
    try (Connection connection = TestDatabase.connect(database); Statement sql = connection.createStatement();
        ResultSet rows = sql.executeQuery("SELECT alert::text FROM drift_alerts WHERE portfolio_id = '" + fund
            + "' ORDER BY seq")) {
      while (rows.next()) {
        stored.add(new JsonObject(rows.getString(1)));
      }
    }
    return stored;
  }
}
