package io.portfoliostate.domain;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.pcollections.HashTreePMap;
import org.pcollections.PMap;

/**
 * The committed state of one portfolio at one version. Immutable: {@link PortfolioRules#evolve}
 * returns a new state, so a reader holding a state never sees a half-applied change.
 *
 * <p>Positions and cash are persistent maps: the state after a trade shares every untouched
 * position with the state before, so an event costs O(log n), not a copy of the portfolio.
 *
 * @param version the sequence number of the last event applied
 * @param positions every position ever opened, flat ones included
 * @param cash the balance per currency; a currency appears once any flow or trade touched it
 * @param splits the splits applied, per instrument, in the order applied: a trade executed
 *     before one of them that arrives later is converted by it
 * @param dividends the cash dividends applied, per instrument, in the order applied: a trade
 *     executed before one of them that arrives later receives (or pays) it on its quantity
 * @param settings the portfolio's own inheritable settings (what it inherits only the catalog
 *     knows: the owner of a portfolio does not know its ancestors)
 */
public record PortfolioState(
    PortfolioId id,
    String name,
    CurrencyCode baseCurrency,
    PortfolioId parentId,
    CostMethod costMethod,
    BigDecimal driftThreshold,
    Map<InstrumentId, BigDecimal> targets,
    long version,
    Instant createdAt,
    Instant updatedAt,
    Map<PositionKey, Position> positions,
    Map<CurrencyCode, BigDecimal> cash,
    Map<InstrumentId, List<Split>> splits,
    Map<InstrumentId, List<CashDividend>> dividends,
    PortfolioSettings settings) {

  public PortfolioState {
    targets = Map.copyOf(targets);
    settings = settings == null ? PortfolioSettings.NONE : settings;
    positions = persistent(positions);
    cash = persistent(cash);
    splits = splits == null ? Map.of() : Map.copyOf(splits);
    dividends = dividends == null ? Map.of() : Map.copyOf(dividends);
  }

  /** A state without own settings. */
  public PortfolioState(PortfolioId id, String name, CurrencyCode baseCurrency, PortfolioId parentId,
      CostMethod costMethod, BigDecimal driftThreshold, Map<InstrumentId, BigDecimal> targets, long version,
      Instant createdAt, Instant updatedAt, Map<PositionKey, Position> positions,
      Map<CurrencyCode, BigDecimal> cash, Map<InstrumentId, List<Split>> splits,
      Map<InstrumentId, List<CashDividend>> dividends) {
    this(id, name, baseCurrency, parentId, costMethod, driftThreshold, targets, version, createdAt, updatedAt,
        positions, cash, splits, dividends, PortfolioSettings.NONE);
  }

  /** A state to which no cash dividend was ever applied. */
  public PortfolioState(PortfolioId id, String name, CurrencyCode baseCurrency, PortfolioId parentId,
      CostMethod costMethod, BigDecimal driftThreshold, Map<InstrumentId, BigDecimal> targets, long version,
      Instant createdAt, Instant updatedAt, Map<PositionKey, Position> positions,
      Map<CurrencyCode, BigDecimal> cash, Map<InstrumentId, List<Split>> splits) {
    this(id, name, baseCurrency, parentId, costMethod, driftThreshold, targets, version, createdAt, updatedAt,
        positions, cash, splits, Map.of());
  }

  /** A state to which no split was ever applied. */
  public PortfolioState(PortfolioId id, String name, CurrencyCode baseCurrency, PortfolioId parentId,
      CostMethod costMethod, BigDecimal driftThreshold, Map<InstrumentId, BigDecimal> targets, long version,
      Instant createdAt, Instant updatedAt, Map<PositionKey, Position> positions,
      Map<CurrencyCode, BigDecimal> cash) {
    this(id, name, baseCurrency, parentId, costMethod, driftThreshold, targets, version, createdAt, updatedAt,
        positions, cash, Map.of(), Map.of());
  }

  /** The splits applied to one instrument, in the order applied; empty when none. */
  public List<Split> splitsOf(InstrumentId instrumentId) {
    return splits.getOrDefault(instrumentId, List.of());
  }

  /** This state's splits with one more, applied last. */
  Map<InstrumentId, List<Split>> splitsWith(Split split) {
    Map<InstrumentId, List<Split>> all = new java.util.HashMap<>(splits);
    List<Split> ofInstrument = new ArrayList<>(splitsOf(split.instrumentId()));
    ofInstrument.add(split);
    all.put(split.instrumentId(), List.copyOf(ofInstrument));
    return all;
  }

  /** The cash dividends applied to one instrument, in the order applied; empty when none. */
  public List<CashDividend> dividendsOf(InstrumentId instrumentId) {
    return dividends.getOrDefault(instrumentId, List.of());
  }

  /** This state's dividends with one more, applied last. */
  Map<InstrumentId, List<CashDividend>> dividendsWith(CashDividend dividend) {
    Map<InstrumentId, List<CashDividend>> all = new java.util.HashMap<>(dividends);
    List<CashDividend> ofInstrument = new ArrayList<>(dividendsOf(dividend.instrumentId()));
    ofInstrument.add(dividend);
    all.put(dividend.instrumentId(), List.copyOf(ofInstrument));
    return all;
  }

  /** Whether the portfolio has dealt with {@code action} (its SplitApplied or DividendApplied). */
  public boolean hasApplied(CorporateAction action) {
    List<? extends CorporateAction> applied = action instanceof Split ? splitsOf(action.instrumentId())
        : dividendsOf(action.instrumentId());
    for (CorporateAction one : applied) {
      if (one.actionId().equals(action.actionId())) {
        return true;
      }
    }
    return false;
  }

  /**
   * This state remembering {@code action} as applied, positions and cash unchanged: for an owner
   * whose state was read from a snapshot written before dividends were remembered, when the
   * journal says the action was applied (its key is recorded) but the state does not know it.
   */
  public PortfolioState remembering(CorporateAction action) {
    if (hasApplied(action)) {
      return this;
    }
    return action instanceof Split
        ? new PortfolioState(id, name, baseCurrency, parentId, costMethod, driftThreshold, targets, version,
            createdAt, updatedAt, positions, cash, splitsWith((Split) action), dividends, settings)
        : new PortfolioState(id, name, baseCurrency, parentId, costMethod, driftThreshold, targets, version,
            createdAt, updatedAt, positions, cash, splits, dividendsWith((CashDividend) action), settings);
  }

  private static <K, V> PMap<K, V> persistent(Map<K, V> map) {
    return map instanceof PMap ? (PMap<K, V>) map : HashTreePMap.from(map);
  }

  /** This state's positions with one replaced or added. */
  PMap<PositionKey, Position> positionsWith(Position position) {
    return ((PMap<PositionKey, Position>) positions).plus(position.key(), position);
  }

  /** This state's balances with {@code change} added to one currency. */
  PMap<CurrencyCode, BigDecimal> cashWith(CurrencyCode currency, BigDecimal change) {
    return ((PMap<CurrencyCode, BigDecimal>) cash).plus(currency, balance(currency).add(change));
  }

  /** The balance of one currency; 0 when it was never touched. */
  public BigDecimal balance(CurrencyCode currency) {
    return cash.getOrDefault(currency, BigDecimal.ZERO);
  }

  /** Whether any position is open (non-zero quantity). */
  public boolean holdsOpenPositions() {
    for (Position position : positions.values()) {
      if (!position.isFlat()) {
        return true;
      }
    }
    return false;
  }
}
