package io.portfoliostate.domain.timeline;

import io.portfoliostate.domain.PortfolioEvent;
import io.portfoliostate.domain.PositionKey;
import io.portfoliostate.domain.SplitApplied;
import io.portfoliostate.domain.TradeAmended;
import io.portfoliostate.domain.TradeCancelled;
import io.portfoliostate.domain.TradeRecorded;
import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.pcollections.HashTreePMap;
import org.pcollections.PMap;
import org.pcollections.PSortedSet;
import org.pcollections.TreePSet;

/**
 * The trades of one portfolio as they now stand: every trade by id (cancelled ones too, so that a
 * cancel or an amendment can be refused clearly), and the surviving ones of each position in
 * execution order. This is what a back-dated trade, a cancel or an amendment folds again, and what
 * a state does not carry (it would make every snapshot as long as the trade history).
 *
 * <p>Immutable and persistent (structure-sharing): an owner advances it with every event it
 * decides, on the batch's copy, exactly like the state, and keeps the old one when a write fails.
 * Built from the journal when first needed ({@link #of}).
 */
public final class TradeLedger {

  /**
   * One trade as it now stands.
   *
   * @param trade its current version (the original, or its latest amendment), as a plain fact
   * @param seq the journal sequence of the trade's recording: ties of execution time are folded
   *     in recording order, and an amendment keeps the trade's place
   * @param foldAt where the trade sits on its position's timeline: its execution time, except
   *     for a trade recorded converted by splits (before the timeline), which sits right after the
   *     last of them, in whose terms it is
   * @param amendments how many times it was amended
   */
  public record Entry(TradeRecorded trade, long seq, Instant foldAt, int amendments, boolean cancelled) {

    public PositionKey key() {
      return trade.positionKey();
    }
  }

  /** Execution order, ties in recording order. */
  static final Comparator<Entry> ORDER = Comparator.comparing(Entry::foldAt).thenComparingLong(Entry::seq);

  public static final TradeLedger EMPTY = new TradeLedger(HashTreePMap.empty(), HashTreePMap.empty(),
      HashTreePMap.empty());

  private final PMap<String, Entry> trades;
  private final PMap<PositionKey, PSortedSet<Entry>> positions;
  /** The effective time of every split applied, by action id: it places a trade recorded converted. */
  private final PMap<String, Instant> splits;

  private TradeLedger(PMap<String, Entry> trades, PMap<PositionKey, PSortedSet<Entry>> positions,
      PMap<String, Instant> splits) {
    this.trades = trades;
    this.positions = positions;
    this.splits = splits;
  }

  /** The ledger of a portfolio's journal (its events in order, from the creation). */
  public static TradeLedger of(List<PortfolioEvent> journal) {
    TradeLedger ledger = EMPTY;
    long seq = 0;
    for (PortfolioEvent event : journal) {
      ledger = ledger.evolve(event, ++seq);
    }
    return ledger;
  }

  /** The trade recorded under {@code tradeId}, cancelled or not. */
  public Optional<Entry> trade(String tradeId) {
    return Optional.ofNullable(trades.get(tradeId));
  }

  /** The surviving trades of one position, in execution order; empty when none. */
  public Collection<Entry> of(PositionKey key) {
    PSortedSet<Entry> entries = positions.get(key);
    return entries == null ? List.of() : entries;
  }

  /** The positions with at least one surviving trade. */
  public Set<PositionKey> positions() {
    return positions.keySet();
  }

  /** How many trades it knows (cancelled ones included). */
  public int size() {
    return trades.size();
  }

  /**
   * The ledger after one more event (any event: those that are not about trades leave it as it is).
   *
   * @param seq the event's journal sequence
   */
  public TradeLedger evolve(PortfolioEvent event, long seq) {
    if (event instanceof TradeRecorded) {
      TradeRecorded trade = (TradeRecorded) event;
      Entry entry = new Entry(trade.asVersion(), seq, foldAt(trade), 0, false);
      return new TradeLedger(trades.plus(trade.tradeId(), entry), withEntry(positions, entry), splits);
    }
    if (event instanceof SplitApplied) {
      SplitApplied split = (SplitApplied) event;
      return new TradeLedger(trades, positions, splits.plus(split.actionId(), split.effectiveAt()));
    }
    if (event instanceof TradeCancelled) {
      Entry entry = trades.get(((TradeCancelled) event).tradeId());
      if (entry == null) {
        return this;
      }
      Entry cancelled = new Entry(entry.trade(), entry.seq(), entry.foldAt(), entry.amendments(), true);
      return new TradeLedger(trades.plus(entry.trade().tradeId(), cancelled), withoutEntry(positions, entry), splits);
    }
    if (event instanceof TradeAmended) {
      TradeAmended amended = (TradeAmended) event;
      Entry entry = trades.get(amended.tradeId());
      if (entry == null) {
        return this;
      }
      TradeRecorded version = amended.amended().asVersion();
      Entry now = new Entry(version, entry.seq(), version.executedAt(), amended.amendment(), false);
      return new TradeLedger(trades.plus(version.tradeId(), now), withEntry(withoutEntry(positions, entry), now),
          splits);
    }
    return this;
  }

  /** The ledger with one trade replaced by {@code entry} (or added): for deciding on a what-if. */
  public TradeLedger with(Entry entry) {
    Entry old = trades.get(entry.trade().tradeId());
    PMap<PositionKey, PSortedSet<Entry>> without = old == null || old.cancelled() ? positions
        : withoutEntry(positions, old);
    return new TradeLedger(trades.plus(entry.trade().tradeId(), entry),
        entry.cancelled() ? without : withEntry(without, entry), splits);
  }

  private Instant foldAt(TradeRecorded trade) {
    return foldAt(trade, splits);
  }

  /**
   * When a trade takes effect in the fold: its execution, or, for a trade restated by splits,
   * the latest of those splits' effective times after it ({@code splits}: action id → effective).
   */
  static Instant foldAt(TradeRecorded trade, java.util.Map<String, Instant> splits) {
    Instant at = trade.executedAt();
    if (trade.convertedBySplits()) {
      for (String actionId : trade.adjustedBy()) {
        Instant effective = splits.get(actionId);
        if (effective != null && effective.isAfter(at)) {
          at = effective;
        }
      }
    }
    return at;
  }

  private static PMap<PositionKey, PSortedSet<Entry>> withEntry(PMap<PositionKey, PSortedSet<Entry>> positions,
      Entry entry) {
    PSortedSet<Entry> entries = positions.get(entry.key());
    return positions.plus(entry.key(), (entries == null ? TreePSet.<Entry>empty(ORDER) : entries).plus(entry));
  }

  private static PMap<PositionKey, PSortedSet<Entry>> withoutEntry(PMap<PositionKey, PSortedSet<Entry>> positions,
      Entry entry) {
    PSortedSet<Entry> entries = positions.get(entry.key());
    if (entries == null) {
      return positions;
    }
    PSortedSet<Entry> rest = entries.minus(entry);
    return rest.isEmpty() ? positions.minus(entry.key()) : positions.plus(entry.key(), rest);
  }
}
