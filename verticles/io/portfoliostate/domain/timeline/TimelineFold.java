package io.portfoliostate.domain.timeline;

import io.portfoliostate.domain.CostMethod;
import io.portfoliostate.domain.Position;
import io.portfoliostate.domain.PositionKey;
import io.portfoliostate.domain.Split;
import io.portfoliostate.domain.TradeRecorded;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;

/**
 * One position folded on its timeline (DOMAIN.md, Time): its surviving trades in execution order
 * (ties in recording order) and its instrument's splits at their effective times. A split at the
 * same instant as a trade comes first: a trade executed exactly at the effective time is in
 * post-split terms (see {@link Split#adjusts}).
 */
public final class TimelineFold {

  private TimelineFold() {
  }

  /**
   * The position folded from {@code entries} (in {@link TradeLedger#ORDER}) and {@code splits}
   * (the instrument's applied splits, any order), up to {@code until} inclusive (null: all).
   *
   * @param restatedAt the position's {@code updatedAt}
   * @return the position, or null when no trade is folded in (a fresh replay would not have it)
   */
  public static Position position(PositionKey key, Iterable<TradeLedger.Entry> entries, List<Split> splits,
      CostMethod method, Instant until, Instant restatedAt) {
    List<Split> ordered = inOrder(splits);
    int nextSplit = 0;
    Position position = null;
    for (TradeLedger.Entry entry : entries) {
      if (until != null && entry.foldAt().isAfter(until)) {
        break;
      }
      while (nextSplit < ordered.size() && !ordered.get(nextSplit).effectiveAt().isAfter(entry.foldAt())) {
        position = position == null ? null : ordered.get(nextSplit).applyTo(position, position.updatedAt());
        nextSplit++;
      }
      TradeRecorded trade = entry.trade();
      Position before = position == null ? Position.empty(key, trade.currency()) : position;
      position = before.apply(trade.signedQuantity(), trade.price(), trade.fees(), trade.executedAt(), entry.seq(),
          trade.at(), method);
    }
    if (position == null) {
      return null;
    }
    for (; nextSplit < ordered.size(); nextSplit++) {
      Split split = ordered.get(nextSplit);
      if (until != null && split.effectiveAt().isAfter(until)) {
        break;
      }
      position = split.applyTo(position, position.updatedAt());
    }
    return restatedAt == null ? position : position.updatedAt(restatedAt);
  }

  /**
   * The signed quantity held just before each of {@code times} (ascending): trades executed
   * strictly before, in the terms of the splits effective at or before — the holding a dividend
   * effective then is paid on (see DividendApplied).
   */
  public static List<BigDecimal> quantitiesAt(Iterable<TradeLedger.Entry> entries, List<Split> splits,
      List<Instant> times) {
    List<Split> ordered = inOrder(splits);
    List<BigDecimal> quantities = new ArrayList<>(times.size());
    Iterator<TradeLedger.Entry> trades = entries.iterator();
    TradeLedger.Entry next = trades.hasNext() ? trades.next() : null;
    int nextSplit = 0;
    BigDecimal quantity = BigDecimal.ZERO;
    for (Instant time : times) {
      while (true) {
        boolean tradeDue = next != null && next.foldAt().isBefore(time);
        boolean splitDue = nextSplit < ordered.size() && !ordered.get(nextSplit).effectiveAt().isAfter(time);
        if (splitDue && (!tradeDue || !ordered.get(nextSplit).effectiveAt().isAfter(next.foldAt()))) {
          quantity = ordered.get(nextSplit++).adjustQuantity(quantity);
        } else if (tradeDue) {
          quantity = quantity.add(next.trade().signedQuantity());
          next = trades.hasNext() ? trades.next() : null;
        } else {
          break;
        }
      }
      quantities.add(quantity);
    }
    return quantities;
  }

  private static List<Split> inOrder(List<Split> splits) {
    if (splits.size() < 2) {
      return splits;
    }
    List<Split> ordered = new ArrayList<>(splits);
    ordered.sort(Comparator.comparing(Split::effectiveAt));
    return ordered;
  }
}
