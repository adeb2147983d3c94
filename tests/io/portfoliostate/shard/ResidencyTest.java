package io.portfoliostate.shard;

import static io.portfoliostate.fixtures.Api.trade;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
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
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/**
 * Residency is bounded: a scan of unknown ids leaves nothing in memory and costs one query per
 * id, and more real portfolios than the bound are evicted least recently used first, each
 * reloading to the same state and version. (The full 100,000-id scan is ResidencyBench.)
 */
class ResidencyTest {

  private static final int LIMIT = 300;
  private static final int PORTFOLIOS = 2_000;
  private static final int UNKNOWN = 10_000;
  private static final int CONCURRENCY = 32;

  @Test
  void aScanOfUnknownIdsAndMorePortfoliosThanTheLimitStayWithinIt() throws Exception {
    String database = TestDatabase.freshDatabaseUri();
    JsonObject overrides = new JsonObject().put("owners", new JsonObject()
        .put("instances", 2).put("maxResident", LIMIT));
    try (Node node = TestNode.start(database, overrides)) {
      Api api = new Api(node.httpPort());
      AtomicBoolean sampling = new AtomicBoolean(true);
      double[] peak = new double[1];
      Thread sampler = new Thread(() -> {
        while (sampling.get()) {
          peak[0] = Math.max(peak[0], loaded(node));
          try {
            Thread.sleep(2);
          } catch (InterruptedException e) {
            return;
          }
        }
      });
      sampler.start();

      concurrently(PORTFOLIOS, i -> api.postAsync("/api/v1/portfolios", new JsonObject().put("id", "r-" + i)
          .put("name", "Resident " + i).put("baseCurrency", "USD")), 201);
      concurrently(PORTFOLIOS, i -> api.postAsync("/api/v1/portfolios/r-" + i + "/trades",
          trade("t-" + i, "AAPL", "BUY", Integer.toString(1 + i % 50), "10")), 201);
      Map<Integer, JsonObject> before = new ConcurrentHashMap<>();
      concurrently(PORTFOLIOS, i -> api.sendAsync("GET", "/api/v1/portfolios/r-" + i, null, null)
          .thenApply(response -> {
            before.put(i, response.json());
            return response;
          }), 200);

      long queriesBefore = transactions(database);
      concurrently(UNKNOWN, i -> api.sendAsync("GET", "/api/v1/portfolios/nobody-" + i, null, null), 404);
      double queriesPerMiss = (transactions(database) - queriesBefore) / (double) UNKNOWN;

      Map<Integer, JsonObject> after = new ConcurrentHashMap<>();
      concurrently(PORTFOLIOS, i -> api.sendAsync("GET", "/api/v1/portfolios/r-" + i, null, null)
          .thenApply(response -> {
            after.put(i, response.json());
            return response;
          }), 200);
      sampling.set(false);
      sampler.join();

      assertThat(peak[0]).as("loaded portfolios at the peak").isLessThanOrEqualTo(LIMIT);
      assertThat(loaded(node)).isLessThanOrEqualTo(LIMIT);
      assertThat(evicted(node)).isGreaterThanOrEqualTo(PORTFOLIOS - LIMIT);
      assertThat(queriesPerMiss).as("queries per unknown id").isLessThan(1.5);
      assertThat(after).isEqualTo(before);
      assertThat(before.get(7).getLong("version")).isEqualTo(2);
      // An evicted portfolio keeps its idempotency: the same trade again is a replay.
      Api.Response replay = api.post("/api/v1/portfolios/r-7/trades", trade("t-7", "AAPL", "BUY", "8", "10"));
      assertThat(replay.status()).isEqualTo(200);
      assertThat(replay.json().getLong("version")).isEqualTo(2);
    }
  }

  /** Runs {@code count} requests, {@code CONCURRENCY} at a time, each expected to answer {@code status}. */
  private static void concurrently(int count, IntFunction<CompletableFuture<Api.Response>> request, int status)
      throws Exception {
    Semaphore permits = new Semaphore(CONCURRENCY);
    List<CompletableFuture<Api.Response>> all = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      permits.acquire();
      int n = i;
      all.add(request.apply(i).whenComplete((response, failure) -> permits.release())
          .thenApply(response -> {
            assertThat(response.status()).as("request %d: %s", n, response.body()).isEqualTo(status);
            return response;
          }));
    }
    CompletableFuture.allOf(all.toArray(new CompletableFuture[0])).get(5, TimeUnit.MINUTES);
  }

  /** Transactions the test database committed: a statement outside a transaction is one. */
  private static long transactions(String database) throws Exception {
    try (Connection connection = TestDatabase.connect(database); Statement sql = connection.createStatement()) {
      // A server process reports its statistics at most once a second, and 10 s after it went idle.
      Thread.sleep(11_000);
      ResultSet row = sql.executeQuery("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()");
      row.next();
      return row.getLong(1);
    }
  }

  private static double loaded(Node node) {
    return node.registry().find("pstate.owner.portfolios.loaded").gauges().stream().mapToDouble(Gauge::value).sum();
  }

  private static double evicted(Node node) {
    return node.registry().find("pstate.owner.evicted").counters().stream().mapToDouble(Counter::count).sum();
  }
}
