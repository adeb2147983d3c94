package io.portfoliostate.shard;

import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.domain.PortfolioState;
import io.portfoliostate.persistence.IdempotencyIndex;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayDeque;

/**
 * One portfolio held by an owner: its committed state, its idempotency index, and the
 * commands waiting for the journal write in progress. Touched only by its owner's event loop.
 */
final class PortfolioEntity {

  final PortfolioId id;
  final Promise<Void> loaded = Promise.promise();
  final ArrayDeque<PendingCommand> queue = new ArrayDeque<>();

  /** The committed state; null when the portfolio does not exist. */
  PortfolioState state;
  IdempotencyIndex index;
  long snapshotVersion;
  boolean writing;
  long lastUsedNanos = System.nanoTime();
  /** The ownership epoch this owner claimed the portfolio at; its appends carry it. */
  long epoch;
  /** Until when (System.nanoTime) strong reads may be answered from memory without asking again. */
  long leaseUntilNanos;
  /** Not before then may a write be decided: the previous owner's read lease runs until then. */
  long writableAtNanos;
  /** A timer will drain the queue once the previous owner's lease has run out. */
  boolean waitingForLease;

  PortfolioEntity(PortfolioId id) {
    this.id = id;
  }

  Future<Void> whenLoaded() {
    return loaded.future();
  }

  boolean isReady() {
    return loaded.future().succeeded();
  }

  boolean isIdle() {
    return !writing && queue.isEmpty() && loaded.future().isComplete();
  }

  long version() {
    return state == null ? 0 : state.version();
  }
}
