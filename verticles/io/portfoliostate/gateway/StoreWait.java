package io.portfoliostate.gateway;

import io.portfoliostate.integration.duckdb.AnalyticsQueries;
import io.portfoliostate.integration.duckdb.AnalyticsQueries.PortfolioSet;
import io.portfoliostate.integration.duckdb.AnalyticsStore;
import io.portfoliostate.integration.duckdb.PriceCoverage;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How an analytics request with {@code minSeq} waits for the store: for the change itself, a
 * waiter the feed completes when it commits the batch that holds it
 * ({@link AnalyticsStore#whenRead}, no polling); for anything more ({@code alsoReady}, the daily
 * series' recomputation; {@code minPriceSeq}'s prices, {@link #prices}), a check on a reader
 * thread (DuckDB work stays off the event loop) every {@value #POLL_MS} ms until it holds or the
 * deadline passes.
 */
final class StoreWait {

  private static final long POLL_MS = 10;

  private StoreWait() {
  }

  /**
   * True once the store has read the change {@code globalSeq}, false if {@code deadline} (epoch
   * ms) passes first. Completes on the caller's context.
   */
  static Future<Boolean> read(Vertx vertx, WorkerExecutor readers, AnalyticsStore store, long globalSeq,
      long deadline) {
    Context context = vertx.getOrCreateContext();
    Promise<Boolean> done = Promise.promise();
    AnalyticsStore.Waiter waiter = store.whenRead(globalSeq, () -> context.runOnContext(v -> done.tryComplete(true)));
    long timer = vertx.setTimer(Math.max(1, deadline - System.currentTimeMillis()), id -> {
      store.cancel(waiter);
      done.tryComplete(false);
    });
    if (waiter.lookUp()) {
      // At or below the store's high-water mark: it may have been read before the waiter was
      // added (AnalyticsStore.whenRead); one look-up in the store says.
      readers.executeBlocking(() -> store.holds(globalSeq), false).onComplete(held -> {
        if (held.succeeded() && held.result()) {
          done.tryComplete(true);
        } else if (held.failed()) {
          done.tryFail(held.cause());
        }
      });
    }
    return done.future().andThen(result -> {
      vertx.cancelTimer(timer);
      store.cancel(waiter);
    });
  }

  /**
   * True once the daily series have read every price and rate of a transaction below
   * {@code xmax} ({@link PriceCoverage#coveredXmin}) and no member of {@code set} waits any more
   * for a recomputation that the refresh which got there (or an earlier one) marked; false if
   * {@code deadline} (epoch ms) passes first. The refresh's number is taken when the store is
   * first seen past {@code xmax}: marks of later refreshes are not waited for, so a steady flow
   * of prices cannot keep the request waiting.
   */
  static Future<Boolean> prices(Vertx vertx, WorkerExecutor readers, AnalyticsStore store, long xmax,
      PortfolioSet set, long deadline) {
    AtomicLong refresh = new AtomicLong(-1);
    // Told to the store while it waits: the series' next refresh comes sooner and takes the
    // set's members first.
    Object waiting = store.seriesAwaited(set);
    return until(vertx, readers, deadline, () -> {
      PriceCoverage covered = store.priceCoverage();
      if (covered.coveredXmin() < xmax) {
        return false;
      }
      refresh.compareAndSet(-1, covered.refresh());
      return AnalyticsQueries.pricesPending(store.reader(), set, refresh.get()) == 0;
    }).andThen(done -> store.seriesServed(waiting));
  }

  /** True once {@code ready} holds, false if {@code deadline} (epoch ms) passes first. */
  static Future<Boolean> until(Vertx vertx, WorkerExecutor readers, long deadline, Callable<Boolean> ready) {
    return readers.executeBlocking(ready, false).compose(held -> {
      if (held) {
        return Future.succeededFuture(true);
      }
      if (System.currentTimeMillis() >= deadline) {
        return Future.succeededFuture(false);
      }
      Promise<Boolean> later = Promise.promise();
      vertx.setTimer(POLL_MS, id -> until(vertx, readers, deadline, ready).onComplete(later));
      return later.future();
    });
  }
}
