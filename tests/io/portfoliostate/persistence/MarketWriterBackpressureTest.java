package io.portfoliostate.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.RunningNode;
import io.portfoliostate.fixtures.TestDatabase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The market-data writer under a stuck database (the {@code prices} table locked by another
 * session): its queue is bounded, so posts beyond the bound are refused at once with 503 and
 * Retry-After instead of piling up; readiness reports the stuck writer; writes whose callers gave
 * up are never written after the lock is released; and the node recovers once it is.
 */
class MarketWriterBackpressureTest {

  private static final int QUEUE = 20;

  // The HTTP timeout (4 s) ends the callers' wait while the lock (held until every post is
  // answered) still holds the writer; the lock timeout (30 s) is longer, so that the statement
  // waits for the release.
  @RegisterExtension
  static final RunningNode NODE = new RunningNode(new JsonObject()
      .put("http", new JsonObject().put("requestTimeoutMs", 4000))
      .put("database", new JsonObject().put("lockTimeoutMs", 30_000))
      .put("writers", new JsonObject().put("marketMaxQueuedRows", QUEUE).put("stuckAfterMs", 500)));

  @Test
  void aLockedPricesTableIsRefusedFastReportedAndForgottenOnceItsCallersGaveUp() throws Exception {
    Api api = NODE.api();
    warmUp(api);
    assertThat(api.get("/health/ready").status()).isEqualTo(200);

    List<CompletableFuture<Api.Response>> posts = new ArrayList<>();
    List<Long> tookMs = new ArrayList<>();
    try (Connection lock = TestDatabase.connect(NODE.databaseUri())) {
      lock.setAutoCommit(false);
      try (Statement statement = lock.createStatement()) {
        statement.execute("LOCK TABLE prices IN ACCESS EXCLUSIVE MODE");
      }
      // The first post is taken by the writer and waits on the lock: the rest queue behind it.
      posts.add(api.postAsync("/api/v1/prices", price(0)));
      tookMs.add(0L);
      Thread.sleep(500);
      for (int i = 1; i < 150; i++) {
        long sent = System.nanoTime();
        posts.add(api.postAsync("/api/v1/prices", price(i)));
        tookMs.add(sent);
      }
      Thread.sleep(1000);
      Api.Response ready = api.get("/health/ready");
      assertThat(ready.status()).as("readiness while the writer is stuck: " + ready.body()).isEqualTo(503);
      assertThat(ready.json().getString("reason")).contains("market");

      // Every post beyond the bound is refused at once, with Retry-After, as a problem; the
      // callers of the queued ones give up (HTTP timeout) before the lock is released.
      for (int i = 1; i < posts.size(); i++) {
        Api.Response response = posts.get(i).get(30, TimeUnit.SECONDS);
        tookMs.set(i, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - tookMs.get(i)));
        assertThat(response.status()).as(response.body()).isEqualTo(503);
      }
      int refused = 0;
      for (int i = 1; i < posts.size(); i++) {
        Api.Response response = posts.get(i).join();
        if (response.json().getString("detail").contains("queue is full")) {
          assertThat(response.header("Retry-After")).isNotNull();
          assertThat(response.contentType()).startsWith("application/problem+json");
          refused++;
        }
      }
      // All but the queue's 20 (a few more on a loaded machine, when the gateway's own timeout
      // ends a post before it reaches the writer).
      assertThat(refused).as("posts refused by the writer, of 149 behind a queue of " + QUEUE)
          .isBetween(149 - QUEUE - 10, 149 - QUEUE);
      assertThat(posts.get(0).get(30, TimeUnit.SECONDS).status()).isEqualTo(503);
      lock.rollback();
    }

    // Recovers: ready again, and a new post is stored.
    awaitReady(api);
    Api.Response after = api.post("/api/v1/prices", price(1000));
    assertThat(after.status()).as(after.body()).isEqualTo(200);
    // Of the 150 posts that all got 503, at most the one the database was already running may
    // have been committed; those queued behind it were dropped, their callers having given up.
    assertThat(count("SELECT count(*) FROM prices WHERE instrument_id = 'LK-1' AND price < 1000"))
        .isLessThanOrEqualTo(1);
    assertThat(count("SELECT count(*) FROM prices WHERE instrument_id = 'LK-1' AND price = 1001")).isEqualTo(1);
  }

  /** The first requests of a cold node on a loaded machine can outlast the short HTTP timeout. */
  private static void warmUp(Api api) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    boolean done = false;
    while (!done && System.nanoTime() < deadline) {
      done = api.put("/api/v1/instruments/LK-1", new JsonObject().put("currency", "USD")).status() / 100 == 2
          && api.post("/api/v1/prices", new JsonArray().add(new JsonObject().put("instrumentId", "LK-1")
              .put("price", "5000").put("at", "2026-11-01T00:00:00Z"))).status() == 200;
      if (!done) {
        Thread.sleep(200);
      }
    }
    assertThat(done).as("warm-up").isTrue();
  }

  private static JsonArray price(int i) {
    return new JsonArray().add(new JsonObject().put("instrumentId", "LK-1").put("price", String.valueOf(i + 1))
        .put("at", Instant.parse("2026-12-01T00:00:00Z").plusSeconds(i).toString()));
  }

  static void awaitReady(Api api) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    Api.Response ready = api.get("/health/ready");
    while (ready.status() != 200 && System.nanoTime() < deadline) {
      Thread.sleep(100);
      ready = api.get("/health/ready");
    }
    assertThat(ready.status()).as(ready.body()).isEqualTo(200);
  }

  private static long count(String sql) throws Exception {
    try (Connection connection = TestDatabase.connect(NODE.databaseUri());
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery(sql)) {
      rows.next();
      return rows.getLong(1);
    }
  }
}
