package io.portfoliostate.shard;

import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.domain.PortfolioState;
import io.portfoliostate.domain.Position;
import io.portfoliostate.domain.timeline.TradeLedger;
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
  /**
   * The portfolio's trades as they stand, loaded from the journal the first time a cancel, an
   * amendment or a back-dated trade needs them, then kept up to date with every commit; null
   * until then (most portfolios never need them).
   */
  TradeLedger ledger;
  /** The ledger is being read from the journal: deciding waits for it. */
  boolean loadingLedger;
  long snapshotVersion;
  boolean writing;
  long lastUsedNanos = System.nanoTime();
  /**
   * When a strong read last asked for it (System.nanoTime; 0: never). Only read portfolios have
   * their leases renewed: a write needs no lease (the journal fences it by epoch), and renewing
   * every written portfolio cost a fifth of the journal's throughput.
   */
  long lastReadNanos;
  /** The estimate this entity last counted for in its owner's memory budget. */
  long countedBytes;
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

  /** What the estimate puts on a portfolio beyond its parts: the entity, its record, maps, names. */
  static final long BASE_BYTES = 2_048;
  /** A position: a key, five BigDecimals, two instants, its map entry. */
  static final long POSITION_BYTES = 640;
  /** A lot: a few BigDecimals and an instant, in a list. */
  static final long LOT_BYTES = 220;
  /** A recent command id: a string, hash and version boxed in a linked map entry (1.46 MB for 10,000). */
  static final long COMMAND_ID_BYTES = 150;
  /** A trade in the ledger: a recorded trade (ids, five decimals, two instants) in two persistent maps. */
  static final long LEDGER_TRADE_BYTES = 400;
  /** A cash balance, a target, or a split: a small map entry with a BigDecimal. */
  static final long ENTRY_BYTES = 120;

  /**
   * A rough estimate of the heap this portfolio takes, from its positions, lots and recent
   * command ids: enough to bound residency by memory, not a measurement.
   */
  long estimateBytes() {
    long bytes = BASE_BYTES;
    if (index != null) {
      bytes += COMMAND_ID_BYTES * index.size();
    }
    if (ledger != null) {
      bytes += LEDGER_TRADE_BYTES * ledger.size();
    }
    if (state != null) {
      for (Position position : state.positions().values()) {
        bytes += POSITION_BYTES + LOT_BYTES * position.lots().size();
      }
      bytes += ENTRY_BYTES * (state.cash().size() + state.targets().size() + state.splits().size());
    }
    return bytes;
  }
}
