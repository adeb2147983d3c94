package io.portfoliostate.integration.duckdb;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.portfoliostate.config.Settings;
import io.portfoliostate.config.SettingsLoader;
import io.portfoliostate.fixtures.TestPool;
import io.portfoliostate.live.FanOutBacklog;
import io.portfoliostate.market.MarketView;
import io.portfoliostate.persistence.ChangeStreamStore;
import io.portfoliostate.persistence.ChangeStreamStore.Change;
import io.portfoliostate.persistence.MarketDataStore;
import io.portfoliostate.persistence.PerformanceHistory;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A refresh of the daily series waits while the node's live fan-out is behind, and runs once it
 * caught up, or once it has waited {@code analytics.series.deferMaxMs}, whichever comes first.
 * Real: the analytics store (DuckDB), the feed deployed on a Vert.x of its own with its journal
 * in PostgreSQL, and a {@link FanOutBacklog} whose hand-off waits on an event loop that is busy
 * (a task that sleeps, as a loop writing a burst of copies would be), handed off as the hub
 * hands off.
 */
class SeriesDeferTest {

  private static final Instant AT = Instant.parse("2026-12-01T10:00:00Z");

  @TempDir
  Path folder;

  private TestPool pool;
  private Vertx feedVertx;
  /** The "subscribers'" event loop, of a Vert.x of its own, so that blocking it never holds the feed. */
  private Vertx socketsVertx;
  private Context socketLoop;
  private Thread socketThread;
  private AnalyticsStore store;
  private AnalyticsFeedVerticle feed;
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  @BeforeEach
  void start() throws Exception {
    pool = TestPool.migrated("series_defer");
    feedVertx = Vertx.vertx();
    socketsVertx = Vertx.vertx();
    socketLoop = socketsVertx.getOrCreateContext();
    CompletableFuture<Thread> thread = new CompletableFuture<>();
    socketLoop.runOnContext(v -> thread.complete(Thread.currentThread()));
    socketThread = thread.get(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    TestPool.await(feedVertx.close());
    TestPool.await(socketsVertx.close());
    if (store != null) {
      store.close();
    }
    pool.close();
  }

  private long seq;

  private Change change(String portfolio, long version, String type, JsonObject payload) {
    seq += 1;
    return new Change(100 + seq, seq, portfolio, version, type, payload.encode(), AT, null, null);
  }

  /** Two portfolios with a deposit each: two pending daily series. */
  private List<Change> twoPortfolios() {
    List<Change> changes = new ArrayList<>();
    for (String id : List.of("defer-a", "defer-b")) {
      changes.add(change(id, 1, "PortfolioCreated", new JsonObject().put("portfolioId", id).put("name", id)
          .put("baseCurrency", "USD").put("costMethod", "AVERAGE").put("driftThreshold", "0.02")
          .put("targets", new JsonObject()).put("at", AT.toString())));
      changes.add(change(id, 2, "CashFlowRecorded", new JsonObject().put("flowId", "d1").put("type", "DEPOSIT")
          .put("currency", "USD").put("amount", "100").put("occurredAt", AT.toString()).put("at", AT.toString())));
    }
    return changes;
  }

  /**
   * Blocks the sockets' event loop for {@code millis} and hands it a task meanwhile, as the hub
   * hands a change to a loop; returns when the task ran (System.nanoTime), completed later.
   */
  private AtomicLong busyLoop(FanOutBacklog backlog, long millis) throws Exception {
    CompletableFuture<Void> blocked = new CompletableFuture<>();
    socketLoop.runOnContext(v -> {
      blocked.complete(null);
      try {
        Thread.sleep(millis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    blocked.get(10, TimeUnit.SECONDS);
    AtomicLong ran = new AtomicLong();
    backlog.handOff(socketThread, socketLoop, () -> ran.set(System.nanoTime()));
    return ran;
  }

  private static void waitUntil(java.util.function.BooleanSupplier condition, long millis) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertThat(condition.getAsBoolean()).as("within " + millis + " ms").isTrue();
  }

  /**
   * The feed with two portfolios pending, not deployed yet (the store opened: that takes a
   * while); its refreshes wait while {@code backlog} is behind.
   */
  private void feed(FanOutBacklog backlog, long deferMaxMs) throws Exception {
    feed(backlog::behind, deferMaxMs);
  }

  /** {@link #feed(FanOutBacklog, long)} asking {@code behind} whether the fan-out is behind. */
  private void feed(java.util.function.BooleanSupplier behind, long deferMaxMs) throws Exception {
    Settings.AnalyticsSettings settings = Settings.from(SettingsLoader.loadJson(Map.of(
        "PSTATE_ANALYTICS_SERIES_DEFER_MAX_MS", Long.toString(deferMaxMs)))).analytics();
    assertThat(settings.series().deferMaxMs()).isEqualTo(deferMaxMs);
    store = AnalyticsStore.open(folder, settings);
    feed = new AnalyticsFeedVerticle(store, new ChangeStreamStore(pool.pool()),
        new MarketView(), settings, registry, PerformanceHistory.sharing(new MarketDataStore(pool.pool())),
        Clock.systemUTC(), null, behind);
    // Appended as a feed batch would be, before the feed runs: the first refresh has two portfolios to compute.
    feed.append(twoPortfolios());
  }

  private static long count(SimpleMeterRegistry registry, String name) {
    Timer timer = registry.find(name).timer();
    return timer == null ? 0 : timer.count();
  }

  @Test
  void aRefreshWaitsWhileTheFanOutIsBehindAndRunsOnceItCaughtUp() throws Exception {
    FanOutBacklog backlog = new FanOutBacklog(20);
    feed(backlog, 10_000);
    assertThat(backlog.behind()).isFalse();
    long blockedAt = System.nanoTime();
    AtomicLong ran = busyLoop(backlog, 2_000);
    waitUntil(backlog::behind, 1_000);

    TestPool.await(feedVertx.deployVerticle(feed));
    // The first refresh would start at once; it waits while the hand-off does.
    Thread.sleep(700);
    assertThat(backlog.behind()).isTrue();
    assertThat(count(registry, "pstate.analytics.series.refresh")).isZero();
    assertThat(count(registry, "pstate.analytics.series.deferred")).isZero();

    waitUntil(() -> count(registry, "pstate.analytics.series.refresh") == 1, 10_000);
    assertThat(ran.get()).as("the hand-off ran").isNotZero();
    assertThat(backlog.behind()).isFalse();
    // One wait, from before the loop freed itself until after: at least the 0.7 s seen above.
    Timer deferred = registry.find("pstate.analytics.series.deferred").timer();
    assertThat(deferred.count()).isEqualTo(1);
    assertThat(deferred.totalTime(TimeUnit.MILLISECONDS)).isBetween(700.0,
        (double) TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - blockedAt));
  }

  @Test
  void aRefreshIsNeverHeldLongerThanDeferMaxMs() throws Exception {
    FanOutBacklog backlog = new FanOutBacklog(20);
    feed(backlog, 300);
    busyLoop(backlog, 4_000);
    waitUntil(backlog::behind, 1_000);

    long deployed = System.nanoTime();
    TestPool.await(feedVertx.deployVerticle(feed));
    waitUntil(() -> count(registry, "pstate.analytics.series.refresh") == 1, 3_000);
    // Still behind, and the refresh ran all the same, after waiting its 300 ms.
    assertThat(backlog.behind()).isTrue();
    Timer deferred = registry.find("pstate.analytics.series.deferred").timer();
    assertThat(deferred.count()).isEqualTo(1);
    assertThat(deferred.totalTime(TimeUnit.MILLISECONDS)).isBetween(300.0, 1_000.0);
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - deployed)).isLessThan(3_000);
  }

  /** Days of {@code portfolio} in the store's {@code daily_nav}, as any reader of the store sees them. */
  private long navDays(String portfolio) throws Exception {
    try (java.sql.PreparedStatement statement = store.reader().prepareStatement(
        "SELECT count(*) FROM daily_nav WHERE portfolio_id = ?")) {
      statement.setString(1, portfolio);
      try (java.sql.ResultSet rows = statement.executeQuery()) {
        rows.next();
        return rows.getLong(1);
      }
    }
  }

  /**
   * The fan-out falls behind while a refresh is under way, after its first portfolio was folded
   * and valued (its sockets' loop made busy then, as a refresh's own burst would): the refresh
   * stops before the second portfolio, writes nothing meanwhile (a reader sees neither
   * portfolio's days), and finishes once the loop ran its hand-off.
   */
  @Test
  void aRefreshInProgressStopsBetweenPortfoliosWhileTheFanOutIsBehind() throws Exception {
    FanOutBacklog backlog = new FanOutBacklog(20);
    java.util.concurrent.atomic.AtomicReference<AtomicLong> handOff = new java.util.concurrent.atomic.AtomicReference<>();
    AtomicLong blockedAt = new AtomicLong();
    // The real backlog decides; the first time the refresh asks after one portfolio was computed,
    // the sockets' loop is made busy for 1.5 s and asked once its hand-off has waited 30 ms.
    java.util.function.BooleanSupplier behind = () -> {
      if (blockedAt.get() == 0 && count(registry, "pstate.analytics.series.compute") == 1) {
        try {
          blockedAt.set(System.nanoTime());
          handOff.set(busyLoop(backlog, 1_500));
          Thread.sleep(30);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }
      return backlog.behind();
    };
    feed(behind, 10_000);
    TestPool.await(feedVertx.deployVerticle(feed));

    waitUntil(() -> blockedAt.get() != 0, 10_000);
    Thread.sleep(700);
    assertThat(backlog.behind()).isTrue();
    // Stopped between the two portfolios: one folded, nothing written.
    assertThat(count(registry, "pstate.analytics.series.compute")).isEqualTo(1);
    assertThat(count(registry, "pstate.analytics.series.refresh")).isZero();
    assertThat(navDays("defer-a")).isZero();
    assertThat(navDays("defer-b")).isZero();

    waitUntil(() -> count(registry, "pstate.analytics.series.refresh") == 1, 10_000);
    long ranAt = handOff.get().get();
    assertThat(ranAt).as("the hand-off ran").isNotZero();
    assertThat(count(registry, "pstate.analytics.series.compute")).isEqualTo(2);
    // One wait, inside the refresh: from just after the loop was made busy (30 ms and the
    // hand-off's setting up) until after the loop ran the hand-off, about 1.5 s later.
    Timer deferred = registry.find("pstate.analytics.series.deferred").timer();
    assertThat(deferred.count()).isEqualTo(1);
    assertThat(deferred.totalTime(TimeUnit.MILLISECONDS)).isBetween(
        TimeUnit.NANOSECONDS.toMillis(ranAt - blockedAt.get()) - 100.0,
        (double) TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - blockedAt.get()));
    // Both portfolios' days written together (today's, and the days since the deposit).
    assertThat(navDays("defer-a")).isPositive().isEqualTo(navDays("defer-b"));
  }
}
