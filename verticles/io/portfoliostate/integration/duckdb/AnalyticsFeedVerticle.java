package io.portfoliostate.integration.duckdb;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.portfoliostate.config.Settings.AnalyticsSettings;
import io.portfoliostate.domain.CashFlowType;
import io.portfoliostate.domain.Instrument;
import io.portfoliostate.domain.valuation.FxRate;
import io.portfoliostate.domain.valuation.Price;
import io.portfoliostate.market.MarketSnapshot;
import io.portfoliostate.market.MarketView;
import io.portfoliostate.persistence.ChangeStreamStore;
import io.portfoliostate.persistence.ChangeStreamStore.Change;
import io.portfoliostate.persistence.ChangeStreamStore.Position;
import io.portfoliostate.persistence.MarketRecords;
import io.portfoliostate.persistence.PerformanceHistory;
import io.portfoliostate.protocol.Addresses;
import io.portfoliostate.protocol.InstantText;
import io.portfoliostate.protocol.MarketUpdate;
import io.vertx.core.Future;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.VerticleBase;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds the node's {@link AnalyticsStore} from the journal, which is the outbox here as for the
 * Pulsar publisher: committed changes in {@code (tx, global_seq)} order over finished
 * transactions ({@link ChangeStreamStore}), so that no late commit slips behind the cursor. Each
 * batch goes in through DuckDB appenders, with the cursor, in one DuckDB transaction: after a
 * crash the store resumes exactly where its last batch ended, never twice and never with a gap.
 *
 * <p>Every node runs its own feed into its own store (there is no leader): each store holds the
 * whole journal, so any node answers any analytics request. The market view's instruments,
 * latest prices and FX rates are copied in whenever the view changed.
 *
 * <p>DuckDB work runs on a one-thread worker pool of its own: the appenders of one connection
 * must not be used by two threads at once, and the event loop never waits on DuckDB.
 */
public final class AnalyticsFeedVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(AnalyticsFeedVerticle.class);
  /**
   * One DEBUG line per piece of the store's work (a feed round's journal read and append, each
   * step of a refresh of the series), with its start on the JVM's monotonic clock: what lines the
   * store's work up with the live tail, GC pauses and per-thread CPU on one clock (LiveBench's
   * timeline). Off (WARN) unless asked for: {@code work} below costs nothing then.
   */
  static final Logger WORK = LoggerFactory.getLogger("io.portfoliostate.analytics.work");
  private static final int SCALE = 18;
  /** The longest wait after a small batch, in polls ({@code analytics.pollMs} each). */
  private static final int SMALL_BATCH_POLLS = 5;

  private final AnalyticsStore store;
  private final ChangeStreamStore journal;
  private final MarketView market;
  private final AnalyticsSettings settings;
  private final MeterRegistry registry;
  private WorkerExecutor executor;
  private Counter read;
  private Counter failures;
  private Timer batches;
  private MarketSnapshot copiedMarket;
  private long timer = -1;
  private boolean stopped;
  private final DailySeries series;
  private final Clock clock;
  private WorkerExecutor seriesExecutor;
  private MessageConsumer<MarketUpdate> marketUpdates;
  private long seriesTimer = -1;
  private Timer refreshes;
  /** One portfolio folded and valued: the piece of a refresh between two looks at the live fan-out. */
  private Timer computes;
  /** Instruments and currencies whose history moved, by first date moved; taken by the next refresh. */
  private final Map<String, LocalDate> movedInstruments = new HashMap<>();
  private final Map<String, LocalDate> movedCurrencies = new HashMap<>();
  private final MarketRecords recorded;
  /** Whether the node's live fan-out is behind (its hub's hand-offs waiting): refreshes wait meanwhile. */
  private final java.util.function.BooleanSupplier liveBehind;
  /** How long the refresh in progress (or about to start) has waited for the live fan-out; its context only. */
  private long deferredNanos;
  /** The part of it spent inside the refresh (before its write step): not the refresh's own time. */
  private long deferredInsideNanos;
  private Timer deferrals;
  /**
   * How far back from the last refresh's moment the catch-up at start looks: a price another
   * node recorded just before it may have reached this node's bus after it, and the nodes'
   * clocks (which write {@code recorded_at}) may differ by this much. Marking twice costs only a
   * recomputation.
   */
  static final java.time.Duration CATCH_UP_MARGIN = java.time.Duration.ofMinutes(1);

  /** A feed without daily series (the store's tables and views only). */
  public AnalyticsFeedVerticle(AnalyticsStore store, ChangeStreamStore journal, MarketView market,
      AnalyticsSettings settings, MeterRegistry registry) {
    this(store, journal, market, settings, registry, null, Clock.systemUTC());
  }

  /**
   * A feed that also keeps the daily series up to date, without the catch-up of prices recorded
   * while the node was down.
   *
   * @param history the price and FX history (the performance read's), or null for no series
   * @param clock what today is: the last day of the series
   */
  public AnalyticsFeedVerticle(AnalyticsStore store, ChangeStreamStore journal, MarketView market,
      AnalyticsSettings settings, MeterRegistry registry, PerformanceHistory history, Clock clock) {
    this(store, journal, market, settings, registry, history, clock, null);
  }

  /**
   * A feed that keeps the daily series up to date, and at start marks the portfolios that deal
   * in an instrument or currency whose price or rate was recorded while the node was down.
   *
   * @param history the price and FX history (the performance read's), or null for no series
   * @param clock what today is: the last day of the series
   * @param recorded the prices and rates recorded since a moment, or null for no catch-up
   */
  public AnalyticsFeedVerticle(AnalyticsStore store, ChangeStreamStore journal, MarketView market,
      AnalyticsSettings settings, MeterRegistry registry, PerformanceHistory history, Clock clock,
      MarketRecords recorded) {
    this(store, journal, market, settings, registry, history, clock, recorded, () -> false);
  }

  /**
   * As above, with refreshes of the series that wait (at most {@code analytics.series.deferMaxMs}
   * each) while {@code liveBehind} says the node's live fan-out is behind.
   */
  public AnalyticsFeedVerticle(AnalyticsStore store, ChangeStreamStore journal, MarketView market,
      AnalyticsSettings settings, MeterRegistry registry, PerformanceHistory history, Clock clock,
      MarketRecords recorded, java.util.function.BooleanSupplier liveBehind) {
    this.liveBehind = liveBehind;
    this.recorded = recorded;
    this.store = store;
    this.journal = journal;
    this.market = market;
    this.settings = settings;
    this.registry = registry;
    this.series = history == null ? null : new DailySeries(store, history, market, settings.series().days(),
        settings.series().journalEvents());
    this.clock = clock;
  }

  @Override
  public Future<?> start() {
    // Short names: Linux keeps 15 characters of a thread's name, and a CPU report per thread
    // should tell the feed ("pstate-feed-0"), the series ("pstate-series-0") and DuckDB's own
    // threads ("pstate-duckdb", named after the thread that opened the store) apart.
    executor = vertx.createSharedWorkerExecutor("pstate-feed", 1);
    read = Counter.builder("pstate.analytics.changes").description("journal changes read into the analytics store")
        .register(registry);
    failures = Counter.builder("pstate.analytics.failures")
        .description("feed rounds of the analytics store that failed (retried)").register(registry);
    batches = Timer.builder("pstate.analytics.batch").description("time to append one batch to the analytics store")
        .register(registry);
    Gauge.builder("pstate.analytics.seq", store, AnalyticsStore::analyticsSeq)
        .description("the highest global_seq the analytics store has read").register(registry);
    Gauge.builder("pstate.analytics.waiting", store, AnalyticsStore::waiting)
        .description("requests waiting (minSeq) for a change the analytics store has not read").register(registry);
    round();
    if (series == null) {
      return Future.succeededFuture();
    }
    seriesExecutor = vertx.createSharedWorkerExecutor("pstate-series", 1);
    refreshes = Timer.builder("pstate.analytics.series.refresh")
        .description("time to recompute one batch of pending portfolios' daily series").register(registry);
    computes = Timer.builder("pstate.analytics.series.compute")
        .description("time to fold and value one portfolio's days in a refresh of the daily series "
            + "(the refresh looks at the live fan-out between two)").register(registry);
    deferrals = Timer.builder("pstate.analytics.series.deferred")
        .description("time a refresh of the daily series waited (before it started, or before a piece of it) "
            + "while the node's live fan-out was behind").register(registry);
    Gauge.builder("pstate.analytics.series.pending", this, feed -> feed.pendingSeen)
        .description("portfolios whose daily series waited for a refresh at the last one").register(registry);
    series.register(registry);
    // A price or rate, even back-dated, changes the days from its observation on of every
    // portfolio that deals in it. Every node's feed sees every node's publications.
    marketUpdates = vertx.eventBus().consumer(Addresses.MARKET_UPDATES, message -> {
      MarketUpdate update = message.body();
      for (Price price : update.prices()) {
        movedInstruments.merge(price.instrumentId().value(), day(price.at()), DailySeries::earlier);
      }
      for (FxRate rate : update.rates()) {
        movedCurrencies.merge(rate.base().value(), day(rate.at()), DailySeries::earlier);
        movedCurrencies.merge(rate.quote().value(), day(rate.at()), DailySeries::earlier);
      }
    });
    catchUp().onComplete(done -> refresh());
    return marketUpdates.completion();
  }

  /**
   * Marks, before the first refresh, the instruments and currencies whose prices or rates were
   * recorded after the store's last refresh (less {@link #CATCH_UP_MARGIN}), each from its
   * earliest observation: what the cluster published while this node was down (a back-dated
   * price included) reaches the series without waiting for the portfolio's next change. A new
   * store has no cursor and marks nothing this way (every portfolio is computed whole). A
   * failure is logged and leaves the documented limit (the next change of a portfolio, or the
   * next day, recomputes it).
   */
  private Future<Void> catchUp() {
    if (recorded == null) {
      return Future.succeededFuture();
    }
    return seriesExecutor.executeBlocking(() -> java.util.Optional.ofNullable(
            DailySeries.recordedThrough(store.reader())), false)
        .compose(through -> through.isEmpty() ? Future.succeededFuture()
            : recorded.since(through.get().minus(CATCH_UP_MARGIN)).map(since -> {
              since.instruments().forEach((id, at) -> movedInstruments.merge(id, day(at), DailySeries::earlier));
              since.currencies().forEach((code, at) -> movedCurrencies.merge(code, day(at), DailySeries::earlier));
              if (!since.isEmpty()) {
                LOG.info("Analytics daily series: {} instruments and {} currencies recorded since {} marked",
                    since.instruments().size(), since.currencies().size(), through.get().minus(CATCH_UP_MARGIN));
              }
              return null;
            }))
        .<Void>mapEmpty()
        .recover(e -> {
          failures.increment();
          LOG.warn("Analytics daily series: the prices recorded while the node was down could not be read: {}",
              e.toString());
          return Future.succeededFuture();
        });
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    vertx.cancelTimer(timer);
    vertx.cancelTimer(seriesTimer);
    Future<Void> consumer = marketUpdates == null ? Future.succeededFuture() : marketUpdates.unregister();
    return consumer.compose(v -> seriesExecutor == null ? Future.succeededFuture() : seriesExecutor.close())
        .compose(v -> executor.close());
  }

  private volatile int pendingSeen;
  /** When the feed last read a change (System.nanoTime); used on the verticle's context only. */
  private long changesReadAt = System.nanoTime() - QUIET_NANOS;
  /** How long the journal must have been still for the series to take up to half a core. */
  private static final long QUIET_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(1);

  /**
   * One refresh of the daily series: up to {@code analytics.series.batch} pending portfolios
   * folded, valued and written; the next after {@code analytics.series.intervalMs}, or, if that
   * is longer, as long as keeps the refreshes within {@code analytics.series.share} of a core
   * while the journal moves (within half a core once it has been still for a second).
   */
  private void refresh() {
    liveCaughtUp("start").onSuccess(v -> refreshNow());
  }

  private void refreshNow() {
    if (stopped) {
      return;
    }
    Map<String, LocalDate> instruments = new HashMap<>(movedInstruments);
    Map<String, LocalDate> currencies = new HashMap<>(movedCurrencies);
    movedInstruments.clear();
    movedCurrencies.clear();
    LocalDate today = LocalDate.now(clock.withZone(ZoneOffset.UTC));
    // Every price and rate published before now is in the maps just taken: the mark records it.
    Instant taken = Instant.now();
    long began = System.nanoTime();
    // The prices and rates stored since the last refresh, read from PostgreSQL in their order
    // (the bus above only hurries them): saved with the marks below.
    Future<DailySeries.MarketMoves> stored = recorded == null ? Future.succeededFuture(null)
        : series.readMarket(recorded, seriesExecutor);
    // Each step's time (pstate.analytics.series.step): what a refresh's time is made of. Each step
    // below is a blocking call of its own (a few DuckDB statements, 10–400 ms of wall time on a
    // full node), with a look at the live fan-out before it: computeEach says why.
    stored.andThen(read -> step("market", began))
        .compose(market -> liveCaughtUp("mark").compose(v -> seriesExecutor.executeBlocking(() -> {
          LowPriority.lower(settings.nice());
          long marking = System.nanoTime();
          series.mark(store.seriesWriter(), instruments, currencies, today, taken, market);
          step("mark", marking);
          return null;
        }, false)))
        .compose(v -> liveCaughtUp("pending")).compose(v -> seriesExecutor.executeBlocking(() -> {
          long choosing = System.nanoTime();
          // The sets of requests waiting for the series (minPriceSeq, or minSeq on a series read) first.
          List<DailySeries.Job> jobs = series.pending(store.reader(), settings.series().batch(),
              store.setsAwaited(WAITED_SETS));
          pendingSeen = jobs.size();
          step("pending", choosing);
          return jobs;
        }, false))
        .compose(jobs -> liveCaughtUp("prepare").compose(v -> seriesExecutor.executeBlocking(() -> {
          long preparing = System.nanoTime();
          List<DailySeries.Prepared> prepared = series.prepare(store.reader(), jobs, today);
          step("prepare", preparing);
          return prepared;
        }, false))).compose(prepared -> {
      long loading = System.nanoTime();
      List<Future<DailySeries.Loaded>> loads = new ArrayList<>();
      for (DailySeries.Prepared one : prepared) {
        loads.add(series.load(one));
      }
      return Future.all(loads).andThen(all -> step("load", loading))
          .compose(all -> computeEach(all.list(), 0, new ArrayList<>(), 0))
          .compose(computed -> liveCaughtUp("write").compose(v -> seriesExecutor.executeBlocking(() -> {
            long writing = System.nanoTime();
            series.writeComputed(store.seriesWriter(), computed);
            step("write", writing);
            return computed.size();
          }, false)));
    }).onComplete(result -> {
      long waitedInside = deferredInsideNanos;
      deferredNanos = 0;
      deferredInsideNanos = 0;
      if (stopped) {
        return;
      }
      if (result.failed()) {
        failures.increment();
        // What was taken is marked again: the next refresh covers it.
        instruments.forEach((id, date) -> movedInstruments.merge(id, date, DailySeries::earlier));
        currencies.forEach((code, date) -> movedCurrencies.merge(code, date, DailySeries::earlier));
        LOG.warn("Analytics daily series refresh failed, retrying: {}", result.cause().toString());
        seriesTimer = vertx.setTimer(settings.series().intervalMs(), id -> refresh());
      } else if (result.result() > 0) {
        long ended = System.nanoTime();
        // Its own time, for the pacing: a wait for the live fan-out is not the series' CPU.
        long took = ended - began - waitedInside;
        refreshes.record(took, java.util.concurrent.TimeUnit.NANOSECONDS);
        work("series.refresh", began, ended, result.result());
        // Paced: while the journal moves, at most analytics.series.share of one core on the
        // series however fast trades come (on a 2-core node the rest belongs to the write path:
        // at a steady 2,000 trades/s a fifth of a core in bursts was the commit's tail,
        // BENCHMARKS.md); pending portfolios wait meanwhile, and a portfolio changed many times
        // in a pause is recomputed once. While it is quiet (nothing read for a second), up to
        // half a core: the series of a node that was just loaded or restarted fill sooner.
        boolean moving = System.nanoTime() - changesReadAt < QUIET_NANOS;
        long tookMs = took / 1_000_000;
        long pause = moving ? settings.series().pauseAfter(tookMs)
            : Math.max(settings.series().intervalMs(), tookMs);
        nextRefresh(pause, tookMs);
      } else {
        nextRefresh(settings.series().intervalMs(), 0);
      }
    });
  }

  /**
   * Folds and values the loaded portfolios one at a time, each in a blocking call of its own on
   * the series worker, looking between two whether the live fan-out is behind and waiting while
   * it is ({@link #liveCaughtUp}, within the refresh's {@code deferMaxMs}). Why one at a time:
   * the fold and valuation of ten portfolios was one call of 100–600 ms, and the backlog it made
   * once started was what the late copies of the live updates coincided with; a check before it
   * could not see that (BENCHMARKS.md, h/deflate15). One portfolio's piece grows with its
   * journal (the fold) and its days (an in-order trade: two). Nothing is written meanwhile: the write
   * step replaces every portfolio of the refresh in one transaction, so a reader sees the series
   * as before this refresh or after it, and {@code minSeq}/{@code minPriceSeq} waits end as
   * they did. {@code computeNanos}: the blocking calls' time so far (the step's own time,
   * without the waits).
   */
  private Future<List<DailySeries.Computed>> computeEach(List<DailySeries.Loaded> loaded, int next,
      List<DailySeries.Computed> computed, long computeNanos) {
    if (next == loaded.size()) {
      registry.timer("pstate.analytics.series.step", "step", "compute").record(computeNanos,
          java.util.concurrent.TimeUnit.NANOSECONDS);
      return Future.succeededFuture(computed);
    }
    return liveCaughtUp("compute").compose(v -> seriesExecutor.executeBlocking(() -> {
      long began = System.nanoTime();
      computed.add(series.compute(loaded.get(next)));
      long ended = System.nanoTime();
      computes.record(ended - began, java.util.concurrent.TimeUnit.NANOSECONDS);
      work("series.compute", began, ended, 1);
      return ended - began;
    }, false)).compose(took -> computeEach(loaded, next + 1, computed, computeNanos + took));
  }

  /** Records a refresh step that began at {@code began} (nanoTime); returns now, the next step's start. */
  private long step(String name, long began) {
    long now = System.nanoTime();
    registry.timer("pstate.analytics.series.step", "step", name).record(now - began,
        java.util.concurrent.TimeUnit.NANOSECONDS);
    work("series." + name, began, now, -1);
    return now;
  }

  /**
   * Logs (DEBUG, {@link #WORK}) one piece of work: {@code kind began=<System.nanoTime()>
   * took=<µs> rows=<n>} ({@code rows} -1 where it does not apply).
   */
  static void work(String kind, long began, long ended, long rows) {
    if (WORK.isDebugEnabled()) {
      WORK.debug("{} began={} took={} rows={}", kind, began, (ended - began) / 1000, rows);
    }
  }

  // --- readers waiting for the series shorten the pause ------------------------------------

  /** At most this many waited sets go first in a refresh (each is a subquery of its statement). */
  private static final int WAITED_SETS = 16;

  /**
   * The next refresh after {@code pauseMs}, or sooner while a request waits for the series (with
   * {@code minPriceSeq}, or {@code minSeq} on a route that reads them): then once the pause has lasted as long as the last refresh took (at
   * least {@code analytics.pollMs}), so the series take at most half a core, and only while
   * someone waits. As a {@code minSeq} waiter wakes the feed: the pacing keeps the series from
   * the write path when no one asks, and a reader who asks is not made to wait out a pause
   * meant for that (with a refresh every 20 s, {@code minPriceSeq} always ran out of time).
   * Such a refresh takes the waited sets' members first ({@link DailySeries#pending}), so it is
   * short when the set is.
   */
  private void nextRefresh(long pauseMs, long tookMs) {
    long now = System.nanoTime();
    long due = now + pauseMs * 1_000_000;
    long early = now + Math.max(settings.pollMs(), tookMs) * 1_000_000;
    awaitRefresh(due, early);
  }

  private void awaitRefresh(long due, long early) {
    if (stopped) {
      return;
    }
    long now = System.nanoTime();
    if (now >= due || (now >= early && store.seriesAwaited())) {
      refresh();
      return;
    }
    long step = Math.max(1, Math.min(settings.pollMs(), (due - now) / 1_000_000));
    seriesTimer = vertx.setTimer(step, id -> awaitRefresh(due, early));
  }

  // --- the live fan-out goes first -----------------------------------------------------------

  /** How often a deferred refresh looks again whether the live fan-out caught up. */
  private static final long DEFER_STEP_MS = 10;

  /**
   * Completes once the node's live fan-out is not behind, or at once when this refresh has
   * already waited {@code analytics.series.deferMaxMs} (never starved longer), or when a request
   * waits for the series ({@code minPriceSeq}, {@code minSeq}: a person waits for that one). A
   * refresh's fold and write take 0.15–0.4 of a core in bursts; on a node whose cores are full,
   * such a burst was what queued the fan-out behind it (BENCHMARKS.md, the live tail attributed).
   * The wait is counted in {@code pstate.analytics.series.deferred}. Asked before each piece of
   * a refresh ({@code before}: {@code start}, {@code mark}, {@code pending}, {@code prepare},
   * each {@code compute}, {@code write}), so a backlog the refresh itself started is seen at the
   * next piece; the budget is the whole refresh's.
   */
  private Future<Void> liveCaughtUp(String before) {
    long maxNanos = settings.series().deferMaxMs() * 1_000_000;
    if (maxNanos == 0 || !liveBehind.getAsBoolean() || store.seriesAwaited() || deferredNanos >= maxNanos) {
      return Future.succeededFuture();
    }
    io.vertx.core.Promise<Void> caughtUp = io.vertx.core.Promise.promise();
    long began = System.nanoTime();
    long budgetLeft = maxNanos - deferredNanos;
    seriesTimer = vertx.setTimer(DEFER_STEP_MS, id -> waitForLive(caughtUp, began, budgetLeft, before));
    return caughtUp.future();
  }

  private void waitForLive(io.vertx.core.Promise<Void> caughtUp, long began, long budgetNanos, String before) {
    if (stopped) {
      return;
    }
    long now = System.nanoTime();
    if (now - began < budgetNanos && liveBehind.getAsBoolean() && !store.seriesAwaited()) {
      seriesTimer = vertx.setTimer(DEFER_STEP_MS, id -> waitForLive(caughtUp, began, budgetNanos, before));
      return;
    }
    deferredNanos += now - began;
    if (!before.equals("start")) {
      deferredInsideNanos += now - began;
    }
    deferrals.record(now - began, java.util.concurrent.TimeUnit.NANOSECONDS);
    work("series.deferred." + before, began, now, -1);
    caughtUp.complete();
  }

  private static LocalDate day(Instant at) {
    return at.atZone(ZoneOffset.UTC).toLocalDate();
  }

  /** One round: market copy if it changed, then the next batch; again at once while batches come full. */
  private void round() {
    if (stopped) {
      return;
    }
    MarketSnapshot snapshot = market.snapshot();
    long reading = System.nanoTime();
    journal.next(store.position(), settings.batchRows())
        .compose(batch -> executor.executeBlocking(() -> {
          LowPriority.lower(settings.nice());
          long started = System.nanoTime();
          // The journal's read: the query's time in PostgreSQL and on the pool, as the feed waits for it.
          work("feed.read", reading, started, batch.size());
          if (snapshot != copiedMarket) {
            copyMarket(snapshot);
            copiedMarket = snapshot;
          }
          if (!batch.isEmpty()) {
            append(batch);
            long appended = System.nanoTime();
            batches.record(appended - started, java.util.concurrent.TimeUnit.NANOSECONDS);
            work("feed.append", started, appended, batch.size());
            read.increment(batch.size());
          }
          return batch.size();
        }, true))
        .onComplete(result -> {
          if (stopped) {
            return;
          }
          if (result.failed()) {
            failures.increment();
            LOG.warn("Analytics feed round failed, retrying: {}", result.cause().toString());
            timer = vertx.setTimer(settings.pollMs() * 10, id -> round());
            return;
          }
          if (result.result() > 0) {
            changesReadAt = System.nanoTime();
          }
          if (result.result() == settings.batchRows()) {
            vertx.runOnContext(v -> round());
          } else if (result.result() >= settings.gatherRows()) {
            timer = vertx.setTimer(settings.pollMs(), id -> round());
          } else {
            timer = vertx.setTimer(settings.pollMs(), id -> pause(1));
          }
        });
  }

  /**
   * After a batch smaller than {@code analytics.gatherRows}, the next round waits up to
   * {@value #SMALL_BATCH_POLLS} polls for more changes to gather, unless a request waits for the
   * store ({@link AnalyticsStore#awaited}, a {@code minSeq} waiter): a batch's cost is a fixed
   * part (its commit, the appenders' flushes, the cursor: about 4 ms of the feeding thread under
   * load, FeedBench) plus a part per change, so fewer, larger batches cost the node less CPU per
   * trade, at a few hundred trades a second as at 10,000 (BENCHMARKS.md). A reader that does not
   * wait sees a change up to that much later; a {@code minSeq} request is served at the next poll.
   */
  private void pause(int polls) {
    if (stopped) {
      return;
    }
    if (polls >= SMALL_BATCH_POLLS || store.awaited()) {
      round();
    } else {
      timer = vertx.setTimer(settings.pollMs(), id -> pause(polls + 1));
    }
  }

  /**
   * One batch and the cursor after it, in one DuckDB transaction.
   *
   * <p>The cursor's update runs first, and that matters: DuckDB's JDBC connection begins a
   * transaction only when a statement runs, and an appender flushed before that commits its rows
   * on its own (checked against duckdb_jdbc 2.0.0.1: rows flushed that way survived a rollback).
   * With the transaction begun, the kept appenders' flushes join it and a failed batch leaves
   * nothing behind. The appenders are kept from batch to batch (making one costs a few hundred
   * microseconds of the feeding thread, and a batch used nine); after a failure they are dropped
   * with their unflushed rows ({@link AnalyticsStore#discardFeedAppenders}).
   */
  void append(List<Change> batch) throws SQLException {
    DuckDBConnection connection = store.writer();
    long maxSeq = 0;
    for (Change change : batch) {
      maxSeq = Math.max(maxSeq, change.globalSeq());
    }
    Position last = new Position(batch.get(batch.size() - 1).tx(), batch.get(batch.size() - 1).globalSeq(), 0, 0);
    long total = store.changes() + batch.size();
    long highest = Math.max(store.analyticsSeq(), maxSeq);
    // Each portfolio the batch changed, from the first business date it changed (daily series).
    Map<String, LocalDate> changed = series == null ? null : new HashMap<>();
    connection.setAutoCommit(false);
    try {
      store.saveCursor(last, total, highest);
      FeedAppenders tables = store.feedAppenders();
      DuckDBAppender events = tables.get("events");
      DuckDBAppender trades = tables.get("trades");
      DuckDBAppender movements = tables.get("cash_movements");
      for (Change change : batch) {
        events.beginRow().append(change.globalSeq()).append(change.portfolioId()).append(change.version())
            .append(change.type());
        Columns.instant(events, change.recordedAt());
        events.append(change.payload());
        nullable(events, change.origin());
        events.endRow();
        LocalDate flatDate = flat(change, tables, trades, movements);
        if (flatDate != null) {
          if (changed != null) {
            changed.merge(change.portfolioId(), flatDate, DailySeries::earlier);
          }
          continue;
        }
        OffsetDateTime recorded = time(change.recordedAt());
        JsonObject payload = new JsonObject(change.payload());
        if (changed != null) {
          LocalDate date = businessDate(change.type(), payload, recorded);
          if (date != null) {
            changed.merge(change.portfolioId(), date, DailySeries::earlier);
          }
        }
        switch (change.type()) {
          case "TradeRecorded" -> {
            JsonObject restated = payload.getJsonObject("restated");
            trades.beginRow().append(change.globalSeq()).append(change.portfolioId()).append(change.version())
                .append(payload.getString("tradeId")).append(payload.getString("instrumentId"))
                .append(payload.getString("strategy")).append(payload.getString("side"))
                .append(exact(decimal(payload, "quantity"))).append(exact(signed(payload)))
                .append(exact(decimal(payload, "price"))).append(payload.getString("currency"))
                .append(exact(decimal(payload, "fees")));
            nullableTime(trades, payload.getString("executedAt"));
            trades.append(recorded).append(restated != null).endRow();
            movement(movements, change, payload.getString("currency"), cashEffect(payload), "trade");
            marks(tables.get("position_marks"), change, restated);
          }
          case "TradeCancelled" -> {
            JsonObject cancelled = payload.getJsonObject("cancelled");
            correction(tables.get("trade_corrections"), change, payload, "CANCEL", cancelled, recorded);
            movement(movements, change, cancelled.getString("currency"), cashEffect(cancelled).negate(), "cancel");
            marks(tables.get("position_marks"), change, payload.getJsonObject("restated"));
          }
          case "TradeAmended" -> {
            JsonObject previous = payload.getJsonObject("previous");
            JsonObject amended = payload.getJsonObject("amended");
            correction(tables.get("trade_corrections"), change, payload, "AMEND", amended, recorded);
            movement(movements, change, previous.getString("currency"), cashEffect(previous).negate(), "amend");
            movement(movements, change, amended.getString("currency"), cashEffect(amended), "amend");
            marks(tables.get("position_marks"), change, payload.getJsonObject("restated"));
          }
          case "CashFlowRecorded" -> {
            BigDecimal amount = new BigDecimal(payload.getString("amount"));
            BigDecimal signed = amount.multiply(BigDecimal.valueOf(
                CashFlowType.valueOf(payload.getString("type")).sign()));
            DuckDBAppender flows = tables.get("cash_flows");
            flows.beginRow().append(change.globalSeq()).append(change.portfolioId()).append(change.version())
                .append(payload.getString("flowId")).append(payload.getString("type"))
                .append(payload.getString("currency")).append(exact(amount)).append(exact(signed));
            nullable(flows, payload.getString("instrumentId"));
            nullableTime(flows, payload.getString("occurredAt"));
            flows.append(recorded).endRow();
            movement(movements, change, payload.getString("currency"), signed, "cash-flow");
          }
          case "FxConverted" -> {
            movement(movements, change, payload.getString("fromCurrency"),
                new BigDecimal(payload.getString("fromAmount")).negate(), "fx");
            movement(movements, change, payload.getString("toCurrency"),
                new BigDecimal(payload.getString("toAmount")), "fx");
          }
          case "DividendApplied" -> {
            for (Map.Entry<String, Object> amount : payload.getJsonObject("amounts")) {
              movement(movements, change, amount.getKey(), new BigDecimal((String) amount.getValue()), "dividend");
            }
          }
          case "SplitApplied" -> {
            DuckDBAppender splits = tables.get("splits");
            splits.beginRow().append(change.globalSeq()).append(change.portfolioId()).append(change.version())
                .append(payload.getString("actionId")).append(payload.getString("instrumentId"))
                .append(payload.getLong("numerator")).append(payload.getLong("denominator"));
            nullableTime(splits, payload.getString("effectiveAt"));
            splits.endRow();
          }
          case "PortfolioCreated" -> {
            DuckDBAppender portfolios = tables.get("portfolio_changes");
            portfolios.beginRow().append(change.globalSeq()).append(change.portfolioId()).append(change.version())
                .append(payload.getString("name")).append(payload.getString("baseCurrency"));
            nullable(portfolios, payload.getString("parentId"));
            portfolios.append(true).append(recorded).endRow();
          }
          case "PortfolioUpdated" -> {
            boolean parentSet = payload.getString("parentId") != null || payload.getBoolean("parentCleared", false);
            String name = payload.getString("name");
            if (name != null || parentSet) {
              DuckDBAppender portfolios = tables.get("portfolio_changes");
              portfolios.beginRow().append(change.globalSeq()).append(change.portfolioId())
                  .append(change.version());
              nullable(portfolios, name);
              portfolios.appendNull();
              nullable(portfolios, payload.getString("parentId"));
              portfolios.append(parentSet).append(recorded).endRow();
            }
          }
          default -> {
            // TargetsSet changes nothing the store folds; its event row is kept above.
          }
        }
      }
      if (changed != null && !changed.isEmpty()) {
        DailySeries.markChanged(tables.get("daily_pending"), changed, total);
      }
      tables.flush();
      connection.commit();
      long[] seqs = new long[batch.size()];
      for (int i = 0; i < seqs.length; i++) {
        seqs[i] = batch.get(i).globalSeq();
      }
      store.advanced(last, batch.size(), maxSeq, seqs);
    } catch (SQLException | RuntimeException e) {
      connection.rollback();
      try {
        store.discardFeedAppenders();
      } catch (SQLException dropping) {
        e.addSuppressed(dropping);
      }
      throw e;
    } finally {
      connection.setAutoCommit(true);
    }
  }

  /** Replaces the store's copy of the reference data and latest market data with {@code snapshot}'s. */
  void copyMarket(MarketSnapshot snapshot) throws SQLException {
    DuckDBConnection connection = store.writer();
    connection.setAutoCommit(false);
    try {
      try (Statement statement = connection.createStatement()) {
        statement.execute("DELETE FROM instruments");
        statement.execute("DELETE FROM instrument_factors");
        statement.execute("DELETE FROM prices");
        statement.execute("DELETE FROM fx_rates");
      }
      try (DuckDBAppender instruments = connection.createAppender("main", "instruments");
          DuckDBAppender factors = connection.createAppender("main", "instrument_factors");
          DuckDBAppender prices = connection.createAppender("main", "prices");
          DuckDBAppender rates = connection.createAppender("main", "fx_rates")) {
        for (Instrument instrument : snapshot.instruments()) {
          instruments.beginRow().append(instrument.id().value()).append(instrument.currency().value());
          nullable(instruments, instrument.assetClass());
          nullable(instruments, instrument.sector());
          nullable(instruments, instrument.country());
          instruments.endRow();
          for (Map.Entry<String, BigDecimal> factor : instrument.factors().entrySet()) {
            factors.beginRow().append(instrument.id().value()).append(factor.getKey())
                .append(exact(factor.getValue())).endRow();
          }
        }
        for (Price price : snapshot.market().prices()) {
          prices.beginRow().append(price.instrumentId().value()).append(exact(price.price()))
              .append(price.currency().value()).append(time(price.at())).endRow();
        }
        for (FxRate rate : snapshot.market().rates()) {
          rates.beginRow().append(rate.base().value()).append(rate.quote().value()).append(exact(rate.rate()))
              .append(time(rate.at())).endRow();
        }
      }
      connection.commit();
    } catch (SQLException | RuntimeException e) {
      connection.rollback();
      throw e;
    } finally {
      connection.setAutoCommit(true);
    }
  }

  private static final String[] TRADE_FIELDS =
      {"tradeId", "instrumentId", "strategy", "side", "quantity", "price", "currency", "fees", "executedAt"};
  private static final String[] FLOW_FIELDS = {"flowId", "type", "currency", "amount", "instrumentId", "occurredAt"};

  /**
   * The hot path: an in-order trade or a cash flow (flat payloads) read with the streaming
   * parser, each decimal parsed once. False when the change is of another type or not flat (a
   * back-dated trade carries its restatement): the caller reads it whole.
   */
  private static LocalDate flat(Change change, FeedAppenders tables, DuckDBAppender trades,
      DuckDBAppender movements) throws SQLException {
    if ("TradeRecorded".equals(change.type())) {
      FlatPayload trade = FlatPayload.scan(change.payload(), TRADE_FIELDS);
      if (trade == null) {
        return null;
      }
      BigDecimal quantity = new BigDecimal(trade.get(4));
      BigDecimal signed = "SELL".equals(trade.get(3)) ? quantity.negate() : quantity;
      BigDecimal price = new BigDecimal(trade.get(5));
      BigDecimal fees = new BigDecimal(trade.get(7));
      trades.beginRow().append(change.globalSeq()).append(change.portfolioId()).append(change.version())
          .append(trade.get(0)).append(trade.get(1)).append(trade.get(2)).append(trade.get(3));
      Columns.decimal(trades, quantity);
      Columns.decimal(trades, signed);
      Columns.decimal(trades, price);
      trades.append(trade.get(6));
      Columns.decimal(trades, fees);
      Instant executed = trade.get(8) == null ? null : InstantText.parse(trade.get(8));
      Columns.instantOrNull(trades, executed);
      Columns.instant(trades, change.recordedAt());
      trades.append(false).endRow();
      // DOMAIN.md: a trade's cash effect is −(t·p + f) in its currency.
      movement(movements, change, trade.get(6), signed.multiply(price).add(fees).negate(), "trade");
      return LocalDate.ofInstant(executed == null ? change.recordedAt() : executed, ZoneOffset.UTC);
    }
    if ("CashFlowRecorded".equals(change.type())) {
      FlatPayload flow = FlatPayload.scan(change.payload(), FLOW_FIELDS);
      if (flow == null) {
        return null;
      }
      BigDecimal amount = new BigDecimal(flow.get(3));
      BigDecimal signed = amount.multiply(BigDecimal.valueOf(CashFlowType.valueOf(flow.get(1)).sign()));
      DuckDBAppender flows = tables.get("cash_flows");
      flows.beginRow().append(change.globalSeq()).append(change.portfolioId()).append(change.version())
          .append(flow.get(0)).append(flow.get(1)).append(flow.get(2));
      Columns.decimal(flows, amount);
      Columns.decimal(flows, signed);
      nullable(flows, flow.get(4));
      Instant occurred = flow.get(5) == null ? null : InstantText.parse(flow.get(5));
      Columns.instantOrNull(flows, occurred);
      Columns.instant(flows, change.recordedAt());
      flows.endRow();
      movement(movements, change, flow.get(2), signed, "cash-flow");
      return LocalDate.ofInstant(occurred == null ? change.recordedAt() : occurred, ZoneOffset.UTC);
    }
    return null;
  }

  /**
   * The first business date a change can alter in its portfolio's daily series (UTC): a trade's
   * execution, the earlier trade of a correction, a flow's date, an action's effective date; a
   * creation alters all of it; null for what changes no figure (a rename, a move, targets).
   */
  private static LocalDate businessDate(String type, JsonObject payload, OffsetDateTime recorded) {
    return switch (type) {
      case "PortfolioCreated" -> LocalDate.of(1970, 1, 1);
      case "PortfolioUpdated", "TargetsSet" -> null;
      case "TradeRecorded" -> date(payload.getString("executedAt"), recorded);
      case "TradeCancelled" -> date(payload.getJsonObject("cancelled").getString("executedAt"), recorded);
      case "TradeAmended" -> DailySeries.earlier(
          date(payload.getJsonObject("previous").getString("executedAt"), recorded),
          date(payload.getJsonObject("amended").getString("executedAt"), recorded));
      case "CashFlowRecorded" -> date(payload.getString("occurredAt"), recorded);
      default -> DailySeries.earlier(date(payload.getString("effectiveAt"), recorded),
          date(payload.getString("at"), recorded));
    };
  }

  private static LocalDate date(String instant, OffsetDateTime otherwise) {
    return (instant == null ? otherwise : FlatPayload.time(instant)).toLocalDate();
  }

  private static void nullable(DuckDBAppender appender, OffsetDateTime value) throws SQLException {
    if (value == null) {
      appender.appendNull();
    } else {
      appender.append(value);
    }
  }

  private static BigDecimal decimal(JsonObject json, String field) {
    return new BigDecimal(json.getString(field));
  }

  /** t of DOMAIN.md: +quantity for a BUY, −quantity for a SELL. */
  private static BigDecimal signed(JsonObject trade) {
    BigDecimal quantity = decimal(trade, "quantity");
    return "SELL".equals(trade.getString("side")) ? quantity.negate() : quantity;
  }

  /** DOMAIN.md: a trade's cash effect is −(t·p + f) in its currency. */
  private static BigDecimal cashEffect(JsonObject trade) {
    return signed(trade).multiply(decimal(trade, "price")).add(decimal(trade, "fees")).negate();
  }

  /** The whole quantity of each position a restatement names (0 for one it removed), at the change's version. */
  private static void marks(DuckDBAppender marks, Change change, JsonObject restated) throws SQLException {
    if (restated == null) {
      return;
    }
    for (Object item : restated.getJsonArray("positions")) {
      JsonObject position = (JsonObject) item;
      marks.beginRow().append(change.globalSeq()).append(change.portfolioId()).append(change.version())
          .append(position.getString("instrumentId")).append(position.getString("strategy"))
          .append(position.getString("currency")).append(exact(decimal(position, "quantity"))).endRow();
    }
    for (Object item : restated.getJsonArray("removed")) {
      JsonObject key = (JsonObject) item;
      marks.beginRow().append(change.globalSeq()).append(change.portfolioId()).append(change.version())
          .append(key.getString("instrumentId")).append(key.getString("strategy")).appendNull()
          .append(exact(BigDecimal.ZERO)).endRow();
    }
  }

  private static void correction(DuckDBAppender corrections, Change change, JsonObject payload, String kind,
      JsonObject trade, OffsetDateTime recorded) throws SQLException {
    corrections.beginRow().append(change.globalSeq()).append(change.portfolioId()).append(change.version())
        .append(payload.getString("tradeId")).append(kind);
    nullable(corrections, payload.getString("reason"));
    corrections.append(exact(decimal(trade, "quantity"))).append(exact(decimal(trade, "price")))
        .append(exact(decimal(trade, "fees")));
    nullableTime(corrections, trade.getString("executedAt"));
    corrections.append(recorded).endRow();
  }

  private static void movement(DuckDBAppender movements, Change change, String currency, BigDecimal amount,
      String cause) throws SQLException {
    movements.beginRow().append(change.globalSeq()).append(change.portfolioId()).append(change.version())
        .append(currency);
    Columns.decimal(movements, amount);
    movements.append(cause).endRow();
  }

  /**
   * The store's decimal scale. Input has at most 18 places (Decimals.MAX_SCALE); a product such
   * as a trade's cash effect can have more and is rounded half-even at the 18th place.
   */
  private static BigDecimal exact(BigDecimal value) {
    return value.setScale(SCALE, RoundingMode.HALF_EVEN);
  }

  private static OffsetDateTime time(Instant instant) {
    return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
  }

  private static void nullable(DuckDBAppender appender, String value) throws SQLException {
    if (value == null) {
      appender.appendNull();
    } else {
      appender.append(value);
    }
  }

  private static void nullableTime(DuckDBAppender appender, String value) throws SQLException {
    if (value == null) {
      appender.appendNull();
    } else {
      appender.append(FlatPayload.time(value));
    }
  }
}
