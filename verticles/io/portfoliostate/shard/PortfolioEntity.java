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
