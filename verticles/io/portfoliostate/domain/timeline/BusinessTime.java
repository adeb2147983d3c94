package io.portfoliostate.domain.timeline;

import io.portfoliostate.domain.CashFlowRecorded;
import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.DividendApplied;
import io.portfoliostate.domain.FxConverted;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.PortfolioEvent;
import io.portfoliostate.domain.PortfolioRules;
import io.portfoliostate.domain.PortfolioState;
import io.portfoliostate.domain.Position;
import io.portfoliostate.domain.PositionKey;
import io.portfoliostate.domain.Split;
import io.portfoliostate.domain.TradeAmended;
import io.portfoliostate.domain.TradeCancelled;
import io.portfoliostate.domain.TradeRecorded;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.pcollections.HashTreePMap;
import org.pcollections.PMap;

/**
 * A portfolio as of a business time (DOMAIN.md, Time): every trade executed, flow occurred and
 * action effective at or before it, as the journal given knows them — cancels and amendments
 * applied, positions folded in execution order, cash summed. The journal given is what the system
 * knew: all of it for "as known now", or the events recorded by some time for "as we knew it then".
 *
 * <p>What is not a holding is taken as the journal knows it at its end, whatever the business
 * time: the name, parent, cost method, targets, drift threshold and settings, and the version (the
 * state answers "as of T, as known at version N"). A business time before the portfolio's creation
 * gives the holdings of the trades executed before it (a portfolio created to load its history).
 *
 * <p>Business times: a trade's {@code executedAt}, a flow's {@code occurredAt}, a corporate
 * action's {@code effectiveAt}, and for an FX conversion (which carries no time of its own) its
 * recording time. At one instant a split comes before a dividend and both before trades and flows.
 */
public final class BusinessTime {

  private BusinessTime() {
  }

  /** The state as of business time {@code t}, from a portfolio's journal (its events in order). */
  public static PortfolioState asOf(List<PortfolioEvent> journal, Instant t) {
    return at(journal, List.of(t)).get(0);
  }

  /**
   * The states as of each of {@code times} (ascending), in one pass over the journal: what a daily
   * series needs. O(events · log + times · positions touched).
   *
   * @throws IllegalArgumentException when the journal is empty or the times are not ascending
   */
  public static List<PortfolioState> at(List<PortfolioEvent> journal, List<Instant> times) {
    return series(journal, times).states();
  }

  /**
   * States at successive times, and which positions each one changed.
   *
   * @param states the state as of each time
   * @param changed per time, the keys of the positions that are not the same object as at the
   *     time before (all of them at the first time): a trade folded, a split applied. Positions
   *     are never removed, so a reader that values every day need only look these up.
   */
  public record Series(List<PortfolioState> states, List<List<PositionKey>> changed) {
  }

  /** As {@link #at}, with the positions each time changed. */
  public static Series series(List<PortfolioEvent> journal, List<Instant> times) {
    return prepare(journal).series(times);
  }

  /**
   * The part of the fold that does not depend on the times asked: the journal as known at its
   * end, each position's trades as they stand (cancels and amendments applied) in execution
   * order, the cash facts and splits sorted by business time. A reader that asks several windows
   * of one journal version prepares once.
   *
   * @throws IllegalArgumentException when the journal is empty
   */
  public static Prepared prepare(List<PortfolioEvent> journal) {
    if (journal.isEmpty()) {
      throw new IllegalArgumentException("a portfolio's journal starts with its creation");
    }
    Trades ledger = new Trades(journal.size());
    PortfolioState known = null;
    List<CashFact> cash = new ArrayList<>();
    long seq = 0;
    long lastTradeSeq = 0;
    Instant lastTradeAt = null;
    for (PortfolioEvent event : journal) {
      seq++;
      ledger.evolve(event, seq);
      if (known != null && (event instanceof TradeRecorded || event instanceof TradeCancelled
          || event instanceof TradeAmended)) {
        // Only the version and its time change: made into a state once, when another event needs it.
        lastTradeSeq = seq;
        lastTradeAt = event.at();
      } else {
        if (lastTradeAt != null) {
          known = versionOnly(known, lastTradeSeq, lastTradeAt);
          lastTradeAt = null;
        }
        known = PortfolioRules.evolve(known, event);
      }
      collectCash(event, seq, cash);
    }
    if (lastTradeAt != null) {
      known = versionOnly(known, lastTradeSeq, lastTradeAt);
    }
    // Trades' cash is taken from their versions as they stand: a cancelled trade has none.
    List<TradeLedger.Entry> entries = ledger.standing();
    for (TradeLedger.Entry entry : entries) {
      TradeRecorded trade = entry.trade();
      cash.add(new CashFact(entry.foldAt(), 3, entry.seq(), trade.currency(), trade.cashEffect()));
    }
    cash.sort(Comparator.comparing(CashFact::at).thenComparingInt(CashFact::rank).thenComparingLong(CashFact::seq));
    List<Split> splits = new ArrayList<>();
    known.splits().values().forEach(splits::addAll);
    splits.sort(Comparator.comparing(Split::effectiveAt));
    return new Prepared(known, entries, cash, List.copyOf(splits));
  }

  /**
   * {@code known} at the next version, its holdings left as they are. The states' positions and
   * balances come from the walk (the ledger's trades, the cash facts), never from the known
   * state, so folding each trade into it as well (lots, restatements) was half of the fold's
   * work for nothing: of a trade the known state needs only the version and its time.
   */
  private static PortfolioState versionOnly(PortfolioState known, long seq, Instant at) {
    return new PortfolioState(known.id(), known.name(), known.baseCurrency(), known.parentId(), known.costMethod(),
        known.driftThreshold(), known.targets(), seq, known.createdAt(), at, known.positions(), known.cash(),
        known.splits(), known.dividends(), known.settings());
  }

  /**
   * {@link TradeLedger#evolve}'s rules for one pass over a journal, in mutable tables: the
   * persistent ledger an owner advances event by event copies a path of its trees for every trade,
   * which a fold that only wants the trades as they finally stand does not need (it was a good
   * part of what a first performance read allocated). The same entries, in the same order.
   */
  private static final class Trades {
    /** Every trade by id as it now stands (cancelled ones too). */
    private final Map<String, TradeLedger.Entry> byId;
    /** Every entry ever standing, in the order made; those replaced or cancelled are in {@link #gone}. */
    private final List<TradeLedger.Entry> made;
    private final java.util.Set<TradeLedger.Entry> gone =
        java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    /** The effective time of every split applied, by action id: it places a trade recorded converted. */
    private final Map<String, Instant> splits = new HashMap<>();

    Trades(int events) {
      byId = new HashMap<>(events * 4 / 3 + 1);
      made = new ArrayList<>(events);
    }

    void evolve(PortfolioEvent event, long seq) {
      if (event instanceof TradeRecorded trade) {
        TradeLedger.Entry entry = new TradeLedger.Entry(trade.asVersion(), seq, foldAt(trade), 0, false);
        // The persistent ledger keeps an earlier entry of the same id in its position's set: so do we.
        byId.put(trade.tradeId(), entry);
        made.add(entry);
      } else if (event instanceof io.portfoliostate.domain.SplitApplied split) {
        splits.put(split.actionId(), split.effectiveAt());
      } else if (event instanceof TradeCancelled cancel) {
        TradeLedger.Entry entry = byId.get(cancel.tradeId());
        if (entry != null) {
          byId.put(entry.trade().tradeId(), new TradeLedger.Entry(entry.trade(), entry.seq(), entry.foldAt(),
              entry.amendments(), true));
          gone.add(entry);
        }
      } else if (event instanceof TradeAmended amended) {
        TradeLedger.Entry entry = byId.get(amended.tradeId());
        if (entry != null) {
          TradeRecorded version = amended.amended().asVersion();
          TradeLedger.Entry now = new TradeLedger.Entry(version, entry.seq(), version.executedAt(),
              amended.amendment(), false);
          gone.add(entry);
          byId.put(version.tradeId(), now);
          made.add(now);
        }
      }
    }

    /** The surviving trades of every position, in execution order (ties in recording order). */
    List<TradeLedger.Entry> standing() {
      List<TradeLedger.Entry> entries = new ArrayList<>(made.size() - gone.size());
      for (TradeLedger.Entry entry : made) {
        if (!gone.contains(entry)) {
          entries.add(entry);
        }
      }
      entries.sort(TradeLedger.ORDER);
      return entries;
    }

    private Instant foldAt(TradeRecorded trade) {
      return TradeLedger.foldAt(trade, splits);
    }
  }

  /**
   * A journal prepared for {@link #series}: immutable, so it may be kept and shared.
   *
   * <p>Kept as columns ({@link Columns}), not as entries and cash facts: a reader keeps it between
   * reads, and as objects a year of 5,000 trades was some 60,000 of them per portfolio for the
   * next young collection to copy (BENCHMARKS.md, "eighth pass"). The walk makes each trade's
   * decimals and instants back when it folds it: equal values, the same scales.
   */
  public static final class Prepared {
    private final PortfolioState known;
    private final List<Split> splits;
    /** The standing trades in execution order (ties in recording order), as columns. */
    private final int trades;
    private final PositionKey[] keyTable;
    private final int[] keys;
    private final CurrencyCode[] currencyTable;
    private final int[] tradeCurrencies;
    private final long[] seqs;
    private final Columns.Instants foldAt;
    private final Columns.Instants executedAt;
    private final Columns.Instants recordedAt;
    private final Columns.Decimals signedQuantities;
    private final Columns.Decimals prices;
    private final Columns.Decimals fees;
    /** The cash facts by business time (ties by rank, then journal order), as columns. */
    private final int cashFacts;
    private final Columns.Instants cashAt;
    private final int[] cashCurrencies;
    private final Columns.Decimals amounts;

    private Prepared(PortfolioState known, List<TradeLedger.Entry> entries, List<CashFact> cash, List<Split> splits) {
      this.known = known;
      this.splits = splits;
      Map<PositionKey, Integer> keyIndex = new HashMap<>();
      Map<CurrencyCode, Integer> currencyIndex = new HashMap<>();
      trades = entries.size();
      keys = new int[trades];
      tradeCurrencies = new int[trades];
      seqs = new long[trades];
      foldAt = new Columns.Instants(trades);
      executedAt = new Columns.Instants(trades);
      recordedAt = new Columns.Instants(trades);
      signedQuantities = new Columns.Decimals(trades);
      prices = new Columns.Decimals(trades);
      fees = new Columns.Decimals(trades);
      for (int i = 0; i < trades; i++) {
        TradeLedger.Entry entry = entries.get(i);
        TradeRecorded trade = entry.trade();
        keys[i] = keyIndex.computeIfAbsent(entry.key(), key -> keyIndex.size());
        tradeCurrencies[i] = currencyIndex.computeIfAbsent(trade.currency(), currency -> currencyIndex.size());
        seqs[i] = entry.seq();
        foldAt.set(i, entry.foldAt());
        executedAt.set(i, trade.executedAt());
        recordedAt.set(i, trade.at());
        signedQuantities.set(i, trade.signedQuantity());
        prices.set(i, trade.price());
        fees.set(i, trade.fees());
      }
      cashFacts = cash.size();
      cashAt = new Columns.Instants(cashFacts);
      cashCurrencies = new int[cashFacts];
      amounts = new Columns.Decimals(cashFacts);
      for (int i = 0; i < cashFacts; i++) {
        CashFact fact = cash.get(i);
        cashAt.set(i, fact.at());
        cashCurrencies[i] = currencyIndex.computeIfAbsent(fact.currency(), currency -> currencyIndex.size());
        amounts.set(i, fact.amount());
      }
      keyTable = new PositionKey[keyIndex.size()];
      keyIndex.forEach((key, index) -> keyTable[index] = key);
      currencyTable = new CurrencyCode[currencyIndex.size()];
      currencyIndex.forEach((currency, index) -> currencyTable[index] = currency);
    }

    /**
     * The states as of each of {@code times} (ascending) and the positions each changed.
     *
     * @throws IllegalArgumentException when the times are not ascending
     */
    public Series series(List<Instant> times) {
      return BusinessTime.walk(walk(times));
    }

    /**
     * As {@link #series}, folded on from {@code snapshot}, a state this journal version gave as of
     * {@code snapshotAt} (a kept window's state): only the facts after it are folded, not the
     * journal from its start. The first state's changed positions are all of them.
     *
     * @throws IllegalArgumentException when the times are not ascending or begin before {@code snapshotAt}
     */
    public Series seriesFrom(PortfolioState snapshot, Instant snapshotAt, List<Instant> times) {
      return BusinessTime.walk(walkFrom(snapshot, snapshotAt, times));
    }

    /**
     * As {@link #series}, one time at a time ({@link Walk}): for a reader that values each state
     * and then lets it go.
     *
     * @throws IllegalArgumentException when the times are not ascending
     */
    public Walk walk(List<Instant> times) {
      ascending(times);
      return new Walk(this, times, null, null);
    }

    /**
     * As {@link #seriesFrom}, one time at a time.
     *
     * @throws IllegalArgumentException when the times are not ascending or begin before {@code snapshotAt}
     */
    public Walk walkFrom(PortfolioState snapshot, Instant snapshotAt, List<Instant> times) {
      ascending(times);
      if (!times.isEmpty() && times.get(0).isBefore(snapshotAt)) {
        throw new IllegalArgumentException("the times must not begin before the snapshot");
      }
      return new Walk(this, times, snapshot, snapshotAt);
    }

    private static void ascending(List<Instant> times) {
      for (int i = 1; i < times.size(); i++) {
        if (times.get(i).isBefore(times.get(i - 1))) {
          throw new IllegalArgumentException("times must be ascending");
        }
      }
    }
  }

  /** How many of {@code sorted} (ascending by {@code time}) are at or before {@code at}. */
  private static <T> int countUpTo(List<T> sorted, java.util.function.Function<T, Instant> time, Instant at) {
    int low = 0;
    int high = sorted.size();
    while (low < high) {
      int mid = (low + high) >>> 1;
      if (time.apply(sorted.get(mid)).isAfter(at)) {
        high = mid;
      } else {
        low = mid + 1;
      }
    }
    return low;
  }

  private static Series walk(Walk walk) {
    List<PortfolioState> states = new ArrayList<>(walk.times.size());
    List<List<PositionKey>> changed = new ArrayList<>(walk.times.size());
    while (walk.hasNext()) {
      states.add(walk.next());
      changed.add(walk.changed());
    }
    return new Series(states, changed);
  }

  /**
   * The fold of {@link Prepared#series} one time at a time: each state is made when asked and
   * not kept here, so a reader that is done with a day's state (the performance read values it
   * and keeps only figures) leaves it to the young generation instead of holding every day of
   * the window until the end. The same states, in the same order, as {@link Series}.
   */
  public static final class Walk {
    private final Prepared ready;
    private final PortfolioState known;
    private final List<Split> splits;
    private final List<Instant> times;
    private PMap<PositionKey, Position> positions = HashTreePMap.empty();
    private PMap<CurrencyCode, BigDecimal> balances = HashTreePMap.empty();
    private int nextEntry;
    private int nextSplit;
    private int nextCash;
    private int nextTime;
    private PortfolioState first;
    private PortfolioState last;
    private List<PositionKey> changed;

    private Walk(Prepared ready, List<Instant> times, PortfolioState snapshot, Instant snapshotAt) {
      this.ready = ready;
      this.known = ready.known;
      this.splits = ready.splits;
      this.times = times;
      if (snapshot != null) {
        // The snapshot is the fold of every fact at or before its time (the walk below stops at
        // exactly those): the same lists, sorted by time, resume after them.
        positions = (PMap<PositionKey, Position>) snapshot.positions();
        balances = (PMap<CurrencyCode, BigDecimal>) snapshot.cash();
        nextEntry = ready.foldAt.countUpTo(ready.trades, snapshotAt);
        nextSplit = countUpTo(splits, Split::effectiveAt, snapshotAt);
        nextCash = ready.cashAt.countUpTo(ready.cashFacts, snapshotAt);
      }
    }

    /** Whether a time is left. */
    public boolean hasNext() {
      return nextTime < times.size();
    }

    /**
     * The state as of the next time.
     *
     * @throws java.util.NoSuchElementException when every time was walked
     */
    public PortfolioState next() {
      if (!hasNext()) {
        throw new java.util.NoSuchElementException("every time was walked");
      }
      Instant t = times.get(nextTime);
      List<PositionKey> touched = new ArrayList<>();
      Prepared p = ready;
      while (true) {
        boolean entryDue = nextEntry < p.trades && !p.foldAt.isAfter(nextEntry, t);
        boolean splitDue = nextSplit < splits.size() && !splits.get(nextSplit).effectiveAt().isAfter(t);
        // At one instant a split comes before the trades (its effective time at or before the trade's).
        if (splitDue && (!entryDue || !p.foldAt.isBefore(nextEntry, splits.get(nextSplit).effectiveAt()))) {
          positions = split(positions, splits.get(nextSplit++), touched);
        } else if (entryDue) {
          int i = nextEntry++;
          PositionKey key = p.keyTable[p.keys[i]];
          Position before = positions.get(key);
          if (before == null) {
            before = Position.empty(key, p.currencyTable[p.tradeCurrencies[i]]);
          }
          positions = positions.plus(key, before.apply(p.signedQuantities.get(i), p.prices.get(i), p.fees.get(i),
              p.executedAt.get(i), p.seqs[i], p.recordedAt.get(i), known.costMethod()));
          touched.add(key);
        } else {
          break;
        }
      }
      for (; nextCash < p.cashFacts && !p.cashAt.isAfter(nextCash, t); nextCash++) {
        CurrencyCode currency = p.currencyTable[p.cashCurrencies[nextCash]];
        balances = balances.plus(currency, balances.getOrDefault(currency, BigDecimal.ZERO).add(p.amounts.get(nextCash)));
      }
      PortfolioState state = new PortfolioState(known.id(), known.name(), known.baseCurrency(), known.parentId(),
          known.costMethod(), known.driftThreshold(), known.targets(), known.version(), known.createdAt(),
          known.updatedAt(), positions, balances, effective(known.splits(), t), effective(known.dividends(), t),
          known.settings());
      changed = nextTime == 0 ? List.copyOf(positions.keySet()) : touched;
      nextTime++;
      if (first == null) {
        first = state;
      }
      last = state;
      return state;
    }

    /**
     * The keys of the positions the last {@link #next} changed: not the same object as at the
     * time before (all of them at the first time).
     */
    public List<PositionKey> changed() {
      return changed;
    }

    /** The state of the first time walked, or null before one. */
    public PortfolioState first() {
      return first;
    }

    /** The state of the last time walked, or null before one. */
    public PortfolioState last() {
      return last;
    }
  }

  private static PMap<PositionKey, Position> split(PMap<PositionKey, Position> positions, Split split,
      List<PositionKey> touched) {
    PMap<PositionKey, Position> after = positions;
    for (Position position : positions.values()) {
      if (position.key().instrumentId().equals(split.instrumentId()) && !position.isFlat()) {
        after = after.plus(position.key(), split.applyTo(position, position.updatedAt()));
        touched.add(position.key());
      }
    }
    return after;
  }

  private static <A extends io.portfoliostate.domain.CorporateAction> Map<InstrumentId, List<A>> effective(
      Map<InstrumentId, List<A>> actions, Instant t) {
    if (actions.isEmpty()) {
      return Map.of();
    }
    Map<InstrumentId, List<A>> effective = new HashMap<>();
    actions.forEach((instrument, list) -> {
      List<A> by = new ArrayList<>();
      for (A action : list) {
        if (!action.effectiveAt().isAfter(t)) {
          by.add(action);
        }
      }
      if (!by.isEmpty()) {
        effective.put(instrument, List.copyOf(by));
      }
    });
    return effective;
  }

  /**
   * A change of one balance at a business time. {@code rank} orders one instant: dividends (1)
   * before flows and conversions (2) and trades (3), as on a position's timeline.
   */
  private record CashFact(Instant at, int rank, long seq, CurrencyCode currency, BigDecimal amount) {
  }

  private static void collectCash(PortfolioEvent event, long seq, List<CashFact> cash) {
    if (event instanceof CashFlowRecorded) {
      CashFlowRecorded flow = (CashFlowRecorded) event;
      cash.add(new CashFact(flow.occurredAt(), 2, seq, flow.currency(), flow.cashEffect()));
    } else if (event instanceof FxConverted) {
      FxConverted fx = (FxConverted) event;
      cash.add(new CashFact(fx.at(), 2, seq, fx.fromCurrency(), fx.fromAmount().negate()));
      cash.add(new CashFact(fx.at(), 2, seq, fx.toCurrency(), fx.toAmount()));
    } else if (event instanceof DividendApplied) {
      DividendApplied dividend = (DividendApplied) event;
      dividend.amounts().forEach((currency, amount) ->
          cash.add(new CashFact(dividend.effectiveAt(), 1, seq, currency, amount)));
    }
  }
}
