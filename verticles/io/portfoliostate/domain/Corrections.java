package io.portfoliostate.domain;

import io.portfoliostate.domain.timeline.TimelineFold;
import io.portfoliostate.domain.timeline.TradeLedger;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Cancels and amendments of recorded trades, and the restatements they (and back-dated trades)
 * cause: each touched position is folded again from its surviving trades in execution order, and
 * every dividend already paid whose holding changed is paid again on the difference (an
 * accountant expects the dividend to follow the holding), as its own visible event.
 */
final class Corrections {

  private Corrections() {
  }

  static Decision cancel(PortfolioState state, TradeLedger ledger, CancelTrade cancel, Instant now) {
    Optional<TradeLedger.Entry> found = ledger.trade(cancel.tradeId());
    if (found.isEmpty()) {
      return Decision.reject(notFound(state, cancel.tradeId()));
    }
    TradeLedger.Entry entry = found.get();
    if (entry.cancelled()) {
      return Decision.reject(Rejection.of(Rejection.Reason.TRADE_CANCELLED,
          "trade " + cancel.tradeId() + " is already cancelled"));
    }
    TradeLedger after = ledger.with(
        new TradeLedger.Entry(entry.trade(), entry.seq(), entry.foldAt(), entry.amendments(), true));
    List<PositionKey> keys = List.of(entry.key());
    List<PortfolioEvent> events = new ArrayList<>();
    events.add(new TradeCancelled(cancel.tradeId(), cancel.reason(), entry.trade(),
        restate(state, after, keys, now), now));
    events.addAll(dividendsRestated(state, ledger, after, keys, cancel.tradeId(), now));
    return new Decision.Accepted(events);
  }

  static Decision amend(PortfolioState state, TradeLedger ledger, AmendTrade amend, Instant now,
      ReferenceData reference) {
    Optional<TradeLedger.Entry> found = ledger.trade(amend.tradeId());
    if (found.isEmpty()) {
      return Decision.reject(notFound(state, amend.tradeId()));
    }
    TradeLedger.Entry entry = found.get();
    if (entry.cancelled()) {
      return Decision.reject(Rejection.of(Rejection.Reason.TRADE_CANCELLED,
          "trade " + amend.tradeId() + " is cancelled: a cancelled trade cannot be amended"));
    }
    TradeRecorded previous = entry.trade();
    TradeRecorded amended = amend.applyTo(previous, now);
    if (sameTrade(previous, amended)) {
      return Decision.reject(Rejection.invalid("amendment", "changes nothing: trade " + amend.tradeId()
          + " already has these values"));
    }
    Optional<CurrencyCode> known = reference.currencyOf(amended.instrumentId());
    if (known.isPresent() && !known.get().equals(amended.currency())) {
      return Decision.reject(Rejection.invalid("currency", "instrument " + amended.instrumentId()
          + " trades in " + known.get() + ", not " + amended.currency()));
    }
    TradeLedger after = ledger.with(
        new TradeLedger.Entry(amended, entry.seq(), amended.executedAt(), entry.amendments() + 1, false));
    Set<PositionKey> keys = new LinkedHashSet<>(List.of(previous.positionKey(), amended.positionKey()));
    for (PositionKey key : keys) {
      CurrencyCode mixed = mixedCurrency(after, key);
      if (mixed != null) {
        return Decision.reject(Rejection.invalid("currency", "the position in " + key.instrumentId() + " ("
            + key.strategy() + ") would hold trades in " + mixed + " and " + amended.currency()
            + ": a position is kept in one currency"));
      }
    }
    List<PositionKey> touched = List.copyOf(keys);
    List<PortfolioEvent> events = new ArrayList<>();
    events.add(new TradeAmended(amend.tradeId(), entry.amendments() + 1, amend.reason(), previous, amended,
        restate(state, after, touched, now), amend.idempotencyKey(), now));
    events.addAll(dividendsRestated(state, ledger, after, touched, amend.tradeId(), now));
    return new Decision.Accepted(events);
  }

  /** The positions of {@code keys} folded again from the trades of {@code after}. */
  static Restatement restate(PortfolioState state, TradeLedger after, List<PositionKey> keys, Instant now) {
    List<Position> positions = new ArrayList<>();
    List<PositionKey> removed = new ArrayList<>();
    for (PositionKey key : keys) {
      Position folded = TimelineFold.position(key, after.of(key), state.splitsOf(key.instrumentId()),
          state.costMethod(), null, now);
      if (folded != null) {
        positions.add(folded);
      } else if (state.positions().containsKey(key)) {
        removed.add(key);
      }
    }
    return new Restatement(positions, removed);
  }

  /**
   * The dividends already paid on the instruments of {@code keys} whose holding at their effective
   * time differs between the trades of {@code before} and those of {@code after}: one
   * {@link DividendApplied} per dividend, naming the trade, with the difference per currency.
   */
  static List<DividendApplied> dividendsRestated(PortfolioState state, TradeLedger before, TradeLedger after,
      List<PositionKey> keys, String tradeId, Instant now) {
    Map<InstrumentId, List<PositionKey>> byInstrument = new TreeMap<>(Comparator.comparing(InstrumentId::value));
    for (PositionKey key : keys) {
      byInstrument.computeIfAbsent(key.instrumentId(), i -> new ArrayList<>()).add(key);
    }
    List<DividendApplied> restated = new ArrayList<>();
    for (Map.Entry<InstrumentId, List<PositionKey>> instrument : byInstrument.entrySet()) {
      List<CashDividend> dividends = new ArrayList<>(state.dividendsOf(instrument.getKey()));
      if (dividends.isEmpty()) {
        continue;
      }
      dividends.sort(Comparator.comparing(CashDividend::effectiveAt));
      List<Instant> times = new ArrayList<>();
      dividends.forEach(dividend -> times.add(dividend.effectiveAt()));
      List<Split> splits = state.splitsOf(instrument.getKey());
      List<Map<CurrencyCode, BigDecimal>> changes = new ArrayList<>();
      dividends.forEach(dividend -> changes.add(new TreeMap<>()));
      for (PositionKey key : instrument.getValue()) {
        add(changes, dividends, TimelineFold.quantitiesAt(before.of(key), splits, times),
            currencyOf(before, key), BigDecimal.ONE.negate());
        add(changes, dividends, TimelineFold.quantitiesAt(after.of(key), splits, times),
            currencyOf(after, key), BigDecimal.ONE);
      }
      for (int i = 0; i < dividends.size(); i++) {
        Map<CurrencyCode, BigDecimal> amounts = new TreeMap<>();
        changes.get(i).forEach((currency, amount) -> {
          if (amount.signum() != 0) {
            amounts.put(currency, amount);
          }
        });
        if (!amounts.isEmpty()) {
          CashDividend dividend = dividends.get(i);
          restated.add(new DividendApplied(dividend.actionId(), dividend.instrumentId(), dividend.amountPerShare(),
              dividend.effectiveAt(), amounts, now, tradeId));
        }
      }
    }
    return restated;
  }

  private static void add(List<Map<CurrencyCode, BigDecimal>> changes, List<CashDividend> dividends,
      List<BigDecimal> quantities, CurrencyCode currency, BigDecimal sign) {
    if (currency == null) {
      return;
    }
    for (int i = 0; i < dividends.size(); i++) {
      BigDecimal amount = quantities.get(i).multiply(dividends.get(i).amountPerShare()).multiply(sign);
      changes.get(i).merge(currency, amount, BigDecimal::add);
    }
  }

  private static CurrencyCode currencyOf(TradeLedger ledger, PositionKey key) {
    for (TradeLedger.Entry entry : ledger.of(key)) {
      return entry.trade().currency();
    }
    return null;
  }

  /** A currency of the position's trades other than the first one's, or null when they agree. */
  private static CurrencyCode mixedCurrency(TradeLedger ledger, PositionKey key) {
    CurrencyCode first = currencyOf(ledger, key);
    for (TradeLedger.Entry entry : ledger.of(key)) {
      if (!entry.trade().currency().equals(first)) {
        return first;
      }
    }
    return null;
  }

  private static boolean sameTrade(TradeRecorded a, TradeRecorded b) {
    return a.side() == b.side() && a.quantity().compareTo(b.quantity()) == 0 && a.price().compareTo(b.price()) == 0
        && a.fees().compareTo(b.fees()) == 0 && a.currency().equals(b.currency()) && a.strategy().equals(b.strategy())
        && a.executedAt().equals(b.executedAt());
  }

  private static Rejection notFound(PortfolioState state, String tradeId) {
    return Rejection.of(Rejection.Reason.TRADE_NOT_FOUND, "portfolio " + state.id() + " has no trade " + tradeId);
  }
}
