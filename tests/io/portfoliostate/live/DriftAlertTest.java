package io.portfoliostate.live;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.BridgeClient;
import io.portfoliostate.fixtures.RunningNode;
import io.portfoliostate.fixtures.TestKeys;
import io.portfoliostate.fixtures.TestPool;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Drift alerts move with prices: over a price path that crosses the threshold several times,
 * each line breaches once and recovers once (hysteresis: back within 0.8 × the threshold), the
 * alerts are stored once, and each reaches a subscriber of {@code portfolio.alerts.<id>} once.
 */
class DriftAlertTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final String ALERTS = "portfolio.alerts.dr-fund";

  @RegisterExtension
  static final RunningNode NODE = new RunningNode(new JsonObject().put("live", new JsonObject()
      .put("valuationsPerSecond", 50)));

  @Test
  void aPriceHoveringAtTheThresholdBreachesOnceAndRecoversOnce() throws Exception {
    Api api = NODE.api();
    api.createPortfolio("dr-fund");
    api.putInstrument("DR-EQ", new JsonObject().put("currency", "USD"));
    api.deposit("dr-fund", "USD", "10000");
    api.postPrices(price("100"));
    assertThat(api.post("/api/v1/portfolios/dr-fund/trades", Api.trade("dr-1", "DR-EQ", "BUY", "50", "100"))
        .status()).isEqualTo(201);
    // On target: half in DR-EQ, half in cash; the threshold is the default 0.02.
    assertThat(api.put("/api/v1/portfolios/dr-fund/targets", new JsonObject().put("targets",
        new JsonObject().put("DR-EQ", "0.5"))).status()).isEqualTo(200);

    try (BridgeClient client = BridgeClient.connect(NODE.node().httpPort(), TestKeys.ADMIN)) {
      client.register(ALERTS);
      client.register("portfolio.updates.dr-fund");
      client.body("portfolio.updates.dr-fund", WAIT); // the snapshot: the registrations are in place
      // Weight of DR-EQ = 50p / (5000 + 50p); drift = weight − 0.5.
      String[] path = {
          "109",    // 0.52153: breached
          "108.5",  // 0.52038: still breached
          "107.5",  // 0.51807: inside the threshold, outside the recovery band: still breached
          "109.5",  // 0.52267: still breached, no second breach
          "106",    // 0.51456: within 0.016: recovered
          "107.9",  // 0.51900: inside the threshold: nothing
          "106.5",  // nothing
          "107.95"  // 0.51902: nothing
      };
      for (String p : path) {
        api.postPrices(price(p));
        Thread.sleep(150); // slower than the monitor's 50 per second: each tick is evaluated
      }
      List<JsonObject> alerts = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        alerts.add(client.body(ALERTS, WAIT));
      }
      assertThat(client.quiet(Duration.ofSeconds(1))).isTrue();
      // Each transition of DR-EQ has its mirror on the cash line (its drift is the opposite).
      assertThat(alerts).extracting(a -> a.getString("alertId")).containsExactly(
          "dr-fund/drift/DR-EQ/1", "dr-fund/drift/cash:USD/1", "dr-fund/drift/DR-EQ/2", "dr-fund/drift/cash:USD/2");
      assertThat(alerts).extracting(a -> a.getString("type")).containsExactly(
          "DRIFT_BREACHED", "DRIFT_BREACHED", "DRIFT_RECOVERED", "DRIFT_RECOVERED");
      JsonObject breach = alerts.get(0);
      assertThat(breach.getString("kind")).isEqualTo("alert");
      assertThat(breach.getString("severity")).isEqualTo("WARNING");
      assertThat(breach.getDouble("weight")).isCloseTo(5450.0 / 10450, org.assertj.core.data.Offset.offset(1e-12));
      assertThat(breach.getDouble("targetWeight")).isEqualTo(0.5);
      assertThat(breach.getDouble("threshold")).isEqualTo(0.02);
      assertThat(breach.getString("message")).isEqualTo("DR-EQ drifted to 0.5215 against its target 0.5 (threshold 0.02)");
      assertThat(alerts.get(2).getDouble("drift")).isCloseTo(5300.0 / 10300 - 0.5,
          org.assertj.core.data.Offset.offset(1e-12));
    }
    // Stored once each, in the order raised.
    try (TestPool pool = TestPool.open(NODE.databaseUri(), "drift")) {
      List<String> stored = new ArrayList<>();
      for (Row row : TestPool.await(pool.pool().query(
          "SELECT line_key, n, type FROM drift_alerts WHERE portfolio_id = 'dr-fund' ORDER BY seq").execute())) {
        stored.add(row.getString(0) + "/" + row.getInteger(1) + "/" + row.getString(2));
      }
      assertThat(stored).containsExactly("DR-EQ/1/DRIFT_BREACHED", "cash:USD/1/DRIFT_BREACHED",
          "DR-EQ/2/DRIFT_RECOVERED", "cash:USD/2/DRIFT_RECOVERED");
    }
  }

  private static JsonObject price(String price) {
    return new JsonObject().put("instrumentId", "DR-EQ").put("price", price);
  }
}
