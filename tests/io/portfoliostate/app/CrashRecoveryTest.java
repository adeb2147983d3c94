package io.portfoliostate.app;

import static io.portfoliostate.fixtures.Api.trade;
import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.config.Settings;
import io.portfoliostate.config.SettingsLoader;
import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.ServiceProcess;
import io.portfoliostate.persistence.EmbeddedDatabase;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Acknowledged means durable, proven by killing things: the service (and its PostgreSQL) is
 * killed with SIGKILL in the middle of a burst of writes; after a restart every acknowledged
 * trade is in the journal exactly once and every state equals the replay of its journal. A
 * SIGTERM instead drains: every acknowledged write is kept and the portfolios are snapshotted.
 */
class CrashRecoveryTest {

  private static final int PORTFOLIOS = 12;
  private static final int WRITERS = 16;

  @Test
  void everyAcknowledgedTradeSurvivesAKill() throws Exception {
    Path dataDir = ServiceProcess.freshDataDir("crash");
    Map<String, Set<String>> acknowledged = new ConcurrentHashMap<>();
    ServiceProcess service = ServiceProcess.start(dataDir);
    try {
      createPortfolios(service.api());
      burst(service.api(), acknowledged, 2_000);
      ProcessHandle postgres = service.postgres().orElseThrow();
      // Kill in the middle of the burst: the writers are still sending.
      AtomicBoolean stop = new AtomicBoolean();
      ExecutorService writers = startWriters(service.api(), acknowledged, stop);
      Thread.sleep(700);
      service.kill();
      postgres.destroyForcibly();
      postgres.onExit().get(30, TimeUnit.SECONDS);
      stop.set(true);
      writers.shutdown();
      assertThat(writers.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
    } finally {
      service.kill();
    }
    int total = acknowledged.values().stream().mapToInt(Set::size).sum();
    assertThat(total).isGreaterThan(100);

    ServiceProcess restarted = ServiceProcess.start(dataDir);
    try {
      Api api = restarted.api();
      for (int p = 0; p < PORTFOLIOS; p++) {
        String id = "crash-" + p;
        List<JsonObject> events = api.journal(id);
        Map<String, Integer> seen = new HashMap<>();
        BigDecimal quantity = BigDecimal.ZERO;
        for (JsonObject event : events) {
          if (event.getString("type").equals("TradeRecorded")) {
            JsonObject data = event.getJsonObject("data");
            seen.merge(data.getString("tradeId"), 1, Integer::sum);
            BigDecimal q = new BigDecimal(data.getString("quantity"));
            quantity = quantity.add(data.getString("side").equals("BUY") ? q : q.negate());
          }
        }
        for (String tradeId : acknowledged.getOrDefault(id, Set.of())) {
          assertThat(seen.get(tradeId)).as("acknowledged trade %s of %s", tradeId, id).isEqualTo(1);
        }
        assertThat(seen.values()).allMatch(count -> count == 1);
        JsonObject state = api.get("/api/v1/portfolios/" + id).json();
        assertThat(state.getLong("version")).isEqualTo(events.size());
        BigDecimal held = state.getJsonArray("positions").isEmpty() ? BigDecimal.ZERO
            : new BigDecimal(state.getJsonArray("positions").getJsonObject(0).getString("quantity"));
        assertThat(held).isEqualByComparingTo(quantity);
      }
      // An acknowledged trade sent again is a replay, not a second trade.
      String someTrade = acknowledged.get("crash-0").iterator().next();
      Api.Response replay = api.post("/api/v1/portfolios/crash-0/trades", tradeBody(someTrade));
      assertThat(replay.status()).isEqualTo(200);
      assertThat(replay.header("Idempotent-Replay")).isEqualTo("true");
      // And the service takes new writes.
      assertThat(api.post("/api/v1/portfolios/crash-0/trades", tradeBody("after-restart")).status()).isEqualTo(201);
    } finally {
      restarted.terminate();
    }
  }

  @Test
  void aTermSignalDrainsAndSnapshots() throws Exception {
    Path dataDir = ServiceProcess.freshDataDir("term");
    Map<String, Set<String>> acknowledged = new ConcurrentHashMap<>();
    ServiceProcess service = ServiceProcess.start(dataDir);
    AtomicBoolean stop = new AtomicBoolean();
    ExecutorService writers;
    try {
      createPortfolios(service.api());
      writers = startWriters(service.api(), acknowledged, stop);
      Thread.sleep(1_500);
      service.terminate();
    } finally {
      stop.set(true);
    }
    writers.shutdown();
    assertThat(writers.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
    assertThat(service.logText()).contains("Stopped");

    Settings settings = Settings.from(SettingsLoader.loadJson(Map.of()));
    try (EmbeddedDatabase database = EmbeddedDatabase.start(dataDir.resolve("pg"), settings.database().embedded());
        Connection connection = DriverManager.getConnection(
            "jdbc:postgresql://127.0.0.1:" + database.port() + "/postgres", "postgres", "");
        Statement sql = connection.createStatement()) {
      for (Map.Entry<String, Set<String>> entry : acknowledged.entrySet()) {
        for (String tradeId : entry.getValue()) {
          ResultSet found = sql.executeQuery("SELECT count(*) FROM portfolio_events WHERE portfolio_id = '"
              + entry.getKey() + "' AND command_id = 'trade:" + tradeId + "'");
          found.next();
          assertThat(found.getLong(1)).isEqualTo(1);
        }
      }
      // Each portfolio was snapshotted at its last version on the way out.
      ResultSet unsnapshotted = sql.executeQuery("SELECT count(*) FROM (SELECT portfolio_id, max(seq) AS v "
          + "FROM portfolio_events GROUP BY portfolio_id) e WHERE NOT EXISTS (SELECT 1 FROM portfolio_snapshots s "
          + "WHERE s.portfolio_id = e.portfolio_id AND s.seq = e.v)");
      unsnapshotted.next();
      assertThat(unsnapshotted.getLong(1)).isZero();
    }
  }

  private static void createPortfolios(Api api) {
    for (int p = 0; p < PORTFOLIOS; p++) {
      api.createPortfolio("crash-" + p);
    }
  }

  private static JsonObject tradeBody(String tradeId) {
    int n = Math.abs(tradeId.hashCode());
    return trade(tradeId, "AAPL", n % 3 == 0 ? "SELL" : "BUY", Integer.toString(1 + n % 5), "100");
  }

  /** Sends {@code count} trades from several threads, remembering the acknowledged ones. */
  private static void burst(Api api, Map<String, Set<String>> acknowledged, int count) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
    List<Future<?>> sent = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int n = i;
      sent.add(pool.submit(() -> send(api, acknowledged, "crash-" + (n % PORTFOLIOS), "b-" + n)));
    }
    for (Future<?> future : sent) {
      future.get();
    }
    pool.shutdown();
  }

  private static ExecutorService startWriters(Api api, Map<String, Set<String>> acknowledged, AtomicBoolean stop) {
    ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
    for (int w = 0; w < WRITERS; w++) {
      int writer = w;
      pool.submit(() -> {
        for (int i = 0; !stop.get() && i < 100_000; i++) {
          if (!send(api, acknowledged, "crash-" + ((writer + i) % PORTFOLIOS), "w" + writer + "-" + i)) {
            return;
          }
        }
      });
    }
    return pool;
  }

  /** Sends one trade; false once the service is gone. */
  private static boolean send(Api api, Map<String, Set<String>> acknowledged, String portfolio, String tradeId) {
    try {
      Api.Response response = api.post("/api/v1/portfolios/" + portfolio + "/trades", tradeBody(tradeId));
      if (response.status() == 201 || response.status() == 200) {
        acknowledged.computeIfAbsent(portfolio, k -> ConcurrentHashMap.newKeySet()).add(tradeId);
      }
      return true;
    } catch (RuntimeException connectionLost) {
      return false;
    }
  }
}
