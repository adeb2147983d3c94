package io.portfoliostate.shard;

import io.portfoliostate.domain.PortfolioEvent;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.domain.PortfolioState;
import io.portfoliostate.domain.Position;
import io.portfoliostate.domain.PositionKey;
import io.portfoliostate.domain.TradeRecorded;
import io.portfoliostate.domain.timeline.TradeLedger;
import io.portfoliostate.persistence.IdempotencyIndex;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;

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
  /** The state {@link #positionBytes} was estimated for (by reference; null: none yet). */
  private PortfolioState estimatedState;
  /** The estimate of {@link #estimatedState}'s positions and their lots. */
  private long positionBytes;
  /** The ownership epoch this owner claimed the portfolio at; its appends carry it. */
  long epoch;
  /** Until when (System.nanoTime) strong reads may be answered from memory without asking again. */
  long leaseUntilNanos;
  /** Not before then may a write be decided: the previous owner's read lease runs until then. */
  long writableAtNanos;
  /** A timer will drain the queue once the previous owner's lease has run out. */
  boolean waitingForLease;
  /**
   * The nodes whose live hubs follow this portfolio, with when (System.nanoTime) their interest
   * runs out unless renewed; null (the common case) when no node follows it, so that a commit
   * nobody watches costs one null check.
   */
  java.util.Map<String, Long> watchers;

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
  /** A trade in the ledger: a recorded trade (ids, five decimals, two instants) in two persistent maps. */
  static final long LEDGER_TRADE_BYTES = 400;
  /** A cash balance, a target, or a split: a small map entry with a BigDecimal. */
  static final long ENTRY_BYTES = 120;

  /**
   * A rough estimate of the heap this portfolio takes, from its positions, lots and recent
   * command ids: enough to bound residency by memory, not a measurement. Walks every position.
   */
  long estimateBytes() {
    positionBytes = state == null ? 0 : positionBytes(state);
    estimatedState = state;
    return bytesAround(positionBytes);
  }

  /**
   * The same estimate after a commit from {@code before} by {@code events}, without walking the
   * book: positions are persistent maps, so a commit that left them as they were (cash, targets,
   * settings) changes nothing there, and one made of trades changes only the positions they name.
   * Anything else (a corporate action, a cancel, an amendment), or a state this entity did not
   * last estimate, is walked whole as {@link #estimateBytes()} does. Walking every position on
   * every commit was 8 % of a busy node's CPU.
   */
  long estimateBytes(PortfolioState before, List<PortfolioEvent> events) {
    if (state == null || before == null || before != estimatedState) {
      return estimateBytes();
    }
    Map<PositionKey, Position> was = before.positions();
    Map<PositionKey, Position> now = state.positions();
    if (was != now) {
      for (PortfolioEvent event : events) {
        if (!(event instanceof TradeRecorded)) {
          return estimateBytes();
        }
      }
      for (int i = 0; i < events.size(); i++) {
        PositionKey key = ((TradeRecorded) events.get(i)).positionKey();
        if (!namedEarlier(events, i, key)) {
          positionBytes += bytesOf(now.get(key)) - bytesOf(was.get(key));
        }
      }
    }
    estimatedState = state;
    return bytesAround(positionBytes);
  }

  /** Whether an event before {@code index} names {@code key} too (counted once per commit). */
  private static boolean namedEarlier(List<PortfolioEvent> events, int index, PositionKey key) {
    for (int i = 0; i < index; i++) {
      if (((TradeRecorded) events.get(i)).positionKey().equals(key)) {
        return true;
      }
    }
    return false;
  }

  private long bytesAround(long positions) {
    long bytes = BASE_BYTES + positions;
    if (index != null) {
      // Its arrays as they are: about 38 B per id in a full window, up to twice that while it grows.
      bytes += index.retainedBytes();
    }
    if (ledger != null) {
      bytes += LEDGER_TRADE_BYTES * ledger.size();
    }
    if (state != null) {
      bytes += ENTRY_BYTES * (state.cash().size() + state.targets().size() + state.splits().size());
    }
    return bytes;
  }

  private static long positionBytes(PortfolioState state) {
    long bytes = 0;
    for (Position position : state.positions().values()) {
      bytes += bytesOf(position);
    }
    return bytes;
  }

  private static long bytesOf(Position position) {
    return position == null ? 0 : POSITION_BYTES + LOT_BYTES * position.lots().size();
  }
}
