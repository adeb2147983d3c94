package io.portfoliostate.integration;

import static io.portfoliostate.fixtures.Api.trade;
import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.app.Node;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.TestCluster;
import io.portfoliostate.fixtures.TestDatabase;
import io.portfoliostate.fixtures.TestNode;
import io.portfoliostate.fixtures.TestRedis;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shared read cache against a real Redis server: owners write every committed state, any
 * read with {@code consistency=cached} is served from it with its version and age, {@code
 * minVersion} makes a client read its own writes, and Redis going away harms neither writes
 * nor strong reads — cached reads then come from the owner, and a metric shows it.
 */
class RedisCacheTest {

  private static TestRedis redis;
  private static Node node;
  private static Api api;

  @BeforeAll
  static void start() throws Exception {
    redis = TestRedis.start();
    node = TestNode.start(TestDatabase.freshDatabaseUri(), withCache());
    api = new Api(node.httpPort());
  }

  @AfterAll
  static void stop() throws Exception {
    if (node != null) {
      node.close();
    }
    if (redis != null) {
      redis.close();
    }
  }

  private static JsonObject withCache() {
    return new JsonObject().put("cache", new JsonObject().put("redisUrl", redis.url()).put("readTimeoutMs", 200));
  }

  @Test
  void aCachedReadIsTheCommittedStateWithItsVersionAndAge() throws Exception {
    String id = api.createPortfolio("cached-1");
    api.post(path(id) + "/trades", trade("t-1", "AAPL", "BUY", "100", "151.75").put("fees", "2"));
    api.post(path(id) + "/trades", trade("t-2", "AAPL", "SELL", "115", "180").put("fees", "2"));
    Api.Response strong = api.get(path(id));
    Api.Response cached = awaitCached(path(id) + "?consistency=cached", 3);

    assertThat(cached.body()).isEqualTo(strong.body());
    assertThat(cached.header("ETag")).isEqualTo("\"3\"");
    assertThat(Long.parseLong(cached.header("X-Cache-Age-Ms"))).isBetween(0L, 10_000L);
    assertThat(cached.header("Age")).isNotNull();
    assertThat(strong.header("X-Served-From")).isEqualTo("owner");
    JsonObject position = cached.json().getJsonArray("positions").getJsonObject(0);
    assertThat(position.getString("quantity")).isEqualTo("-15");
    assertThat(position.getString("realizedPnl")).isEqualTo("2825");
    // Positions and cash can be read from the cache too.
    assertThat(api.get(path(id) + "/cash?consistency=cached").header("X-Served-From")).isEqualTo("cache");
  }

  @Test
  void minVersionReadsYourOwnWrites() {
    String id = api.createPortfolio("cached-2");
    for (int t = 1; t <= 20; t++) {
      Api.Response written = api.post(path(id) + "/trades", trade("t-" + t, "MSFT", "BUY", "1", "10"));
      long version = written.json().getLong("version");
      Api.Response read = api.get(path(id) + "?consistency=cached&minVersion=" + version);
      assertThat(read.status()).isEqualTo(200);
      assertThat(read.json().getLong("version")).isGreaterThanOrEqualTo(version);
      assertThat(read.json().getJsonArray("positions").getJsonObject(0).getString("quantity"))
          .isEqualTo(Long.toString(read.json().getLong("version") - 1));
    }
    Api.Response future = api.get(path(id) + "?consistency=cached&minVersion=99");
    assertThat(future.status()).isEqualTo(404);
    assertThat(future.contentType()).isEqualTo("application/problem+json");
  }

  @Test
  void redisDownHarmsNeitherWritesNorReads() throws Exception {
    String id = api.createPortfolio("cached-3");
    api.post(path(id) + "/trades", trade("t-1", "AAPL", "BUY", "10", "100"));
    awaitCached(path(id) + "?consistency=cached", 2);
    double errorsBefore = cacheReads("error");

    redis.down();
    try {
      for (int t = 2; t <= 6; t++) {
        long started = System.nanoTime();
        Api.Response written = api.post(path(id) + "/trades", trade("t-" + t, "AAPL", "BUY", "10", "100"));
        assertThat(written.status()).isEqualTo(201);
        assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(2_000);
      }
      assertThat(api.get(path(id)).json().getLong("version")).isEqualTo(7);
      Api.Response cached = api.get(path(id) + "?consistency=cached");
      assertThat(cached.status()).isEqualTo(200);
      assertThat(cached.header("X-Served-From")).isEqualTo("owner");
      assertThat(cached.json().getLong("version")).isEqualTo(7);
      assertThat(cacheReads("error")).isGreaterThan(errorsBefore);
    } finally {
      redis.up();
    }
    // Back: the state kept while Redis was away is written, later changes too.
    api.post(path(id) + "/trades", trade("t-7", "AAPL", "BUY", "10", "100"));
    Api.Response cached = awaitCached(path(id) + "?consistency=cached", 8);
    assertThat(cached.json().getJsonArray("positions").getJsonObject(0).getString("quantity")).isEqualTo("70");
  }

  @Test
  void theLatestPricesAreCachedAndALateTickDoesNotReplaceANewerOne() throws Exception {
    JsonObject newer = new JsonObject().put("instrumentId", "CACHED-PX").put("price", "101.50").put("currency", "USD")
        .put("at", "2026-11-24T12:00:01Z");
    JsonObject older = new JsonObject().put("instrumentId", "CACHED-PX").put("price", "99").put("currency", "USD")
        .put("at", "2026-11-24T12:00:00Z");
    assertThat(api.post("/api/v1/prices", new io.vertx.core.json.JsonArray().add(newer)).status()).isEqualTo(200);
    assertThat(api.post("/api/v1/prices", new io.vertx.core.json.JsonArray().add(older)).status()).isEqualTo(200);
    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    try {
      io.vertx.redis.client.Redis client = io.vertx.redis.client.Redis.createClient(vertx, redis.url());
      JsonObject cached = null;
      long deadline = System.nanoTime() + 5_000_000_000L;
      while (System.nanoTime() < deadline) {
        io.vertx.redis.client.Response value = client.send(io.vertx.redis.client.Request.cmd(
            io.vertx.redis.client.Command.HGET).arg("pstate:prices").arg("CACHED-PX")).await();
        if (value != null) {
          cached = new JsonObject(value.toString());
          break;
        }
        Thread.sleep(20);
      }
      Thread.sleep(200); // the older tick, if it were to win, would have been written by now
      JsonObject last = new JsonObject(client.send(io.vertx.redis.client.Request.cmd(
          io.vertx.redis.client.Command.HGET).arg("pstate:prices").arg("CACHED-PX")).await().toString());
      assertThat(cached).isNotNull();
      assertThat(last).isEqualTo(new JsonObject().put("price", "101.5").put("currency", "USD")
          .put("at", "2026-11-24T12:00:01Z"));
    } finally {
      vertx.close().await();
    }
  }

  @Test
  void refusesUnknownConsistencyAndCachedHistory() {
    String id = api.createPortfolio("cached-4");
    Api.Response unknown = api.get(path(id) + "?consistency=eventual");
    assertThat(unknown.status()).isEqualTo(400);
    assertThat(unknown.json().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("consistency");
    assertThat(api.get(path(id) + "?consistency=cached&version=1").status()).isEqualTo(400);
    assertThat(api.get(path(id) + "?consistency=cached&minVersion=0").status()).isEqualTo(400);
  }

  @Test
  void anyNodeOfAClusterServesCachedReads() throws Exception {
    try (TestCluster cluster = TestCluster.start(2, 2, TestDatabase.freshDatabaseUri(), withCache())) {
      Node owner = cluster.node(0);
      Node other = cluster.node(1);
      String id = null;
      for (int i = 0; id == null; i++) {
        if (owner.shards().isLocal(PortfolioId.of("spread-" + i))) {
          id = "spread-" + i;
        }
      }
      Api ownerApi = new Api(owner.httpPort());
      Api otherApi = new Api(other.httpPort());
      ownerApi.createPortfolio(id);
      ownerApi.post(path(id) + "/trades", trade("t-1", "AAPL", "BUY", "5", "100"));
      Api.Response cached = awaitCachedAt(otherApi, path(id) + "?consistency=cached", 2);
      assertThat(cached.body()).isEqualTo(ownerApi.get(path(id)).body());
    }
  }

  private static Api.Response awaitCached(String path, long version) throws InterruptedException {
    return awaitCachedAt(api, path, version);
  }

  /** Reads until the cache serves {@code version} (the write to Redis follows the commit). */
  private static Api.Response awaitCachedAt(Api at, String path, long version) throws InterruptedException {
    long deadline = System.nanoTime() + 5_000_000_000L;
    Api.Response last = null;
    while (System.nanoTime() < deadline) {
      last = at.get(path);
      if ("cache".equals(last.header("X-Served-From")) && last.json().getLong("version") == version) {
        return last;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("version " + version + " not cached in 5 s; last answer " + last.headers() + last.body());
  }

  private static double cacheReads(String result) {
    return node.registry().find("pstate.cache.reads").tag("result", result).counters().stream()
        .mapToDouble(c -> c.count()).sum();
  }

  private static String path(String id) {
    return "/api/v1/portfolios/" + id;
  }
}
