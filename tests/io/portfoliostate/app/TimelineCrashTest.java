package io.portfoliostate.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.ServiceProcess;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Corrections are durable like trades (issue 13), proven by killing things: the service and its
 * PostgreSQL are killed with SIGKILL in the middle of a burst of amendments, cancels and
 * back-dated trades on long positions; after a restart every acknowledged correction is in the
 * journal exactly once, and every portfolio's state — restated incrementally, read back from
 * snapshots and the journal — equals the fold of its whole journal in execution order
 * ({@code ?asOf=} far ahead), figure for figure.
 */
class TimelineCrashTest {

  private static final int PORTFOLIOS = 4;
  private static final int TRADES = 200;
  private static final int WRITERS = 8;
  private static final Instant START = Instant.parse("2026-01-05T09:00:00Z");

  @Test
  void everyAcknowledgedCorrectionSurvivesAKill() throws Exception {
    Path dataDir = ServiceProcess.freshDataDir("timeline-crash");
    // portfolio -> the acknowledged corrections, as "amend:<trade>:<price>", "cancel:<trade>", "late:<trade>"
    Map<String, Set<String>> acknowledged = new ConcurrentHashMap<>();
    ServiceProcess service = ServiceProcess.start(dataDir);
    try {
      Api api = service.api();
      for (int p = 0; p < PORTFOLIOS; p++) {
        api.createPortfolio(new JsonObject().put("id", "tc-" + p).put("name", "TC").put("baseCurrency", "USD")
            .put("costMethod", "FIFO"));
        JsonArray trades = new JsonArray();
        for (int i = 0; i < TRADES; i++) {
          trades.add(trade("t" + i, i % 2 == 0 ? "BUY" : "SELL", i % 2 == 0 ? "10" : "5", "100",
              START.plusSeconds(60L * i)));
        }
        assertThat(api.post("/api/v1/portfolios/tc-" + p + "/trades:batch", new JsonObject().put("trades", trades))
            .status()).isEqualTo(200);
      }
      ProcessHandle postgres = service.postgres().orElseThrow();
      AtomicBoolean stop = new AtomicBoolean();
      AtomicInteger sequence = new AtomicInteger();
      ExecutorService writers = Executors.newFixedThreadPool(WRITERS);
      for (int w = 0; w < WRITERS; w++) {
        writers.submit(() -> {
          while (!stop.get() && correct(api, acknowledged, sequence.incrementAndGet())) {
            // until the service is gone
          }
        });
      }
      // Kill in the middle of the burst, the writers still sending: once enough corrections were
      // acknowledged to make the check mean something (a count, not a fixed sleep, so that a
      // loaded machine does not leave too few), or after 30 s.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (acknowledgedCount(acknowledged) < 40 && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      service.kill();
      postgres.destroyForcibly();
      postgres.onExit().get(30, TimeUnit.SECONDS);
      stop.set(true);
      writers.shutdown();
      assertThat(writers.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
    } finally {
      service.kill();
    }
    assertThat(acknowledgedCount(acknowledged)).isGreaterThan(20);

    ServiceProcess restarted = ServiceProcess.start(dataDir);
    try {
      Api api = restarted.api();
      for (int p = 0; p < PORTFOLIOS; p++) {
        String id = "tc-" + p;
        Map<String, Integer> journaled = new HashMap<>();
        for (JsonObject event : api.journal(id)) {
          JsonObject data = event.getJsonObject("data");
          switch (event.getString("type")) {
            case "TradeAmended" -> journaled.merge("amend:" + data.getString("tradeId") + ":"
                + data.getJsonObject("amended").getString("price"), 1, Integer::sum);
            case "TradeCancelled" -> journaled.merge("cancel:" + data.getString("tradeId"), 1, Integer::sum);
            case "TradeRecorded" -> journaled.merge("late:" + data.getString("tradeId"), 1, Integer::sum);
            default -> { }
          }
        }
        for (String correction : acknowledged.getOrDefault(id, Set.of())) {
          assertThat(journaled.get(correction)).as("acknowledged %s of %s", correction, id).isEqualTo(1);
        }
        JsonObject state = api.get("/api/v1/portfolios/" + id).json();
        JsonObject folded = api.get("/api/v1/portfolios/" + id + "?asOf=2099-01-01T00:00:00Z").json();
        assertThat(folded.getLong("version")).isEqualTo(state.getLong("version"));
        assertThat(figures(folded)).as("%s restated incrementally vs folded from its journal", id)
            .isEqualTo(figures(state));
      }
    } finally {
      restarted.terminate();
    }
  }

  private static int acknowledgedCount(Map<String, Set<String>> acknowledged) {
    return acknowledged.values().stream().mapToInt(Set::size).sum();
  }

  /** One correction: mostly amendments of an early trade, some cancels and back-dated trades. */
  private static boolean correct(Api api, Map<String, Set<String>> acknowledged, int n) {
    String portfolio = "tc-" + (n % PORTFOLIOS);
    String base = "/api/v1/portfolios/" + portfolio + "/trades";
    try {
      String done;
      Api.Response response;
      if (n % 10 == 0) {
        String tradeId = "t" + (2 * ((n / 10) % (TRADES / 2)));
        response = api.post(base + "/" + tradeId + ":cancel", new JsonObject().put("reason", "crash test"));
        done = "cancel:" + tradeId;
      } else if (n % 10 == 1) {
        response = api.post(base, trade("late-" + n, "BUY", "3", "90", START.minusSeconds(n)));
        done = "late:late-" + n;
      } else {
        String tradeId = "t" + (n % 20);
        String price = "100." + String.format("%06d", n);
        response = api.post(base + "/" + tradeId + ":amend", new JsonObject().put("price", price));
        done = "amend:" + tradeId + ":" + price;
      }
      if (response.status() == 200 || response.status() == 201) {
        acknowledged.computeIfAbsent(portfolio, k -> ConcurrentHashMap.newKeySet()).add(done);
      }
      return true;
    } catch (RuntimeException connectionLost) {
      return false;
    }
  }

  private static JsonObject trade(String id, String side, String quantity, String price, Instant executedAt) {
    return new JsonObject().put("tradeId", id).put("instrumentId", "AAPL").put("side", side).put("quantity", quantity)
        .put("price", price).put("executedAt", executedAt.toString());
  }

  /** The holdings of a state as read: positions without recording times, and cash. */
  private static List<Object> figures(JsonObject state) {
    List<Object> figures = new ArrayList<>();
    for (Object item : state.getJsonArray("positions")) {
      JsonObject position = ((JsonObject) item).copy();
      position.remove("updatedAt");
      JsonArray lots = new JsonArray();
      position.getJsonArray("lots").forEach(lot -> lots.add(((JsonObject) lot).copy()));
      position.put("lots", lots);
      figures.add(position.encode());
    }
    state.getJsonArray("cash").forEach(line -> figures.add(((JsonObject) line).getString("currency") + " "
        + ((JsonObject) line).getString("balance")));
    return figures;
  }
}
