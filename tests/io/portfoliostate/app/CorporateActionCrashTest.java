package io.portfoliostate.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.ServiceProcess;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The service (and its PostgreSQL) killed with SIGKILL in the middle of a dividend's fan-out:
 * after a restart the new node takes the action up when the dead node's lease runs out, and
 * every holder ends with the dividend exactly once — those reached before the kill (recorded or
 * not) answer the action again as a replay.
 */
class CorporateActionCrashTest {

  private static final int HOLDERS = 40;

  @Test
  void aFanOutKilledHalfWayEndsWithTheActionAppliedOnceToEveryHolder() throws Exception {
    Path dataDir = ServiceProcess.freshDataDir("ca-crash");
    String[] env = {"PSTATE_CA_MAX_IN_FLIGHT", "1", "PSTATE_CA_LEASE_SECONDS", "2"};
    ServiceProcess service = ServiceProcess.start(dataDir, env);
    int reached;
    try {
      Api api = service.api();
      for (int i = 0; i < HOLDERS; i++) {
        String id = api.createPortfolio("crash-holder-" + i);
        assertThat(api.post("/api/v1/portfolios/" + id + "/trades", Api.trade("c-" + i, "CRS",
            i % 4 == 0 ? "SELL" : "BUY", Integer.toString(i + 1), "2").put("currency", "USD")).status())
            .isEqualTo(201);
      }
      assertThat(api.post("/api/v1/corporate-actions", new JsonObject().put("actionId", "crash-div")
          .put("instrumentId", "CRS").put("type", "CASH_DIVIDEND").put("amountPerShare", "0.25")
          .put("effectiveAt", "2026-01-01T00:00:00Z")).status()).isEqualTo(201);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      JsonObject progress;
      do {
        progress = api.get("/api/v1/corporate-actions/crash-div").json();
      } while (progress.getJsonArray("portfolios").size() < 5 && System.nanoTime() < deadline);
      reached = progress.getJsonArray("portfolios").size();
      ProcessHandle postgres = service.postgres().orElseThrow();
      service.kill();
      postgres.destroyForcibly();
      postgres.onExit().get(30, TimeUnit.SECONDS);
    } finally {
      service.kill();
    }
    assertThat(reached).isBetween(5, HOLDERS - 1);

    ServiceProcess restarted = ServiceProcess.start(dataDir, env);
    try {
      Api api = restarted.api();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      JsonObject progress;
      do {
        Thread.sleep(100);
        progress = api.get("/api/v1/corporate-actions/crash-div").json();
      } while (!"DONE".equals(progress.getString("status")) && System.nanoTime() < deadline);

      assertThat(progress.getString("status")).isEqualTo("DONE");
      assertThat(progress.getJsonObject("counts").getInteger("APPLIED")).isEqualTo(HOLDERS);
      for (int i = 0; i < HOLDERS; i++) {
        String id = "crash-holder-" + i;
        long q = i % 4 == 0 ? -(i + 1) : i + 1;
        // −2q for the trade, then 0.25 · q once (paid when short).
        String expected = new java.math.BigDecimal(-2 * q).add(new java.math.BigDecimal("0.25")
            .multiply(java.math.BigDecimal.valueOf(q))).stripTrailingZeros().toPlainString();
        JsonObject state = api.get("/api/v1/portfolios/" + id).json();
        assertThat(state.getJsonArray("cash").getJsonObject(0).getString("balance")).as(id).isEqualTo(expected);
        JsonArray events = api.get("/api/v1/portfolios/" + id + "/events?afterVersion=2").json()
            .getJsonArray("events");
        assertThat(events).as(id).hasSize(1);
        assertThat(events.getJsonObject(0).getString("type")).isEqualTo("DividendApplied");
      }
    } finally {
      restarted.terminate();
    }
  }
}
