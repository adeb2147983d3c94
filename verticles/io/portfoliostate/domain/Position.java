package io.portfoliostate.domain;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

/**
 * A position in one instrument and strategy, with the accounting rules of DOMAIN.md.
 *
 * <p>Immutable: {@link #apply} returns the position after a trade. Quantity is signed (long
 * positive, short negative); {@code averageCost} is per unit in the position's currency and
 * never negative. A position that goes flat keeps its realized P&amp;L and fees.
 *
 * <p>The cost basis |q|·a is kept exactly beside the average: the average is a quotient (100 / 3)
 * kept to 34 digits, and realizing against the rounded average would leave a residue in realized
 * P&amp;L after a round trip (buy 2 @ 30 and 1 @ 40, sell 3 @ 40: 20, not 20.00…01). A reduction
 * realizes against its share of the exact cost, and closing the rest takes exactly what is left.
 *
 * @param costBasis |q|·a, exact: the cost of the open quantity (always ≥ 0, for shorts too)
 * @param lots the open lots, in opening order, under a lot cost method; empty under AVERAGE. Held
 *     as a {@link LotBook} (any list given is copied into one): a persistent structure, so that a
 *     trade costs O(log n) in the number of open lots and shares the rest with the position before
 * @param lastExecutedAt the latest execution time among the trades folded into the position, or
 *     null when not known (a position read from a snapshot written before it was kept): the owner
 *     compares a new trade with it to tell an in-order trade (applied on top) from a back-dated one
 *     (the position is folded again in execution order), and treats "not known" as back-dated
 */
public record Position(
    PositionKey key,
    CurrencyCode currency,
    BigDecimal quantity,
    BigDecimal averageCost,
    BigDecimal costBasis,
    BigDecimal realizedPnl,
    BigDecimal fees,
    Instant openedAt,
    Instant updatedAt,
    List<Lot> lots,
    Instant lastExecutedAt) {

  /** A position whose latest execution time is not known (see {@code lastExecutedAt}). */
  public Position(PositionKey key, CurrencyCode currency, BigDecimal quantity, BigDecimal averageCost,
      BigDecimal costBasis, BigDecimal realizedPnl, BigDecimal fees, Instant openedAt, Instant updatedAt,
      List<Lot> lots) {
    this(key, currency, quantity, averageCost, costBasis, realizedPnl, fees, openedAt, updatedAt, lots, null);
  }

  public Position {
    // Copies a plain list once (a snapshot load, a split); a book from a trade is kept as it is.
    lots = LotBook.of(lots);
  }

  /** A position that holds nothing yet. */
  public static Position empty(PositionKey key, CurrencyCode currency) {
    return new Position(key, currency, BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO,
        BigDecimal.ZERO, null, null, LotBook.empty(), null);
  }

  /** This position with {@code updatedAt} replaced: a restatement is an update of its own. */
  public Position updatedAt(Instant at) {
    return new Position(key, currency, quantity, averageCost, costBasis, realizedPnl, fees, openedAt, at, lots,
        lastExecutedAt);
  }

  /**
   * Whether a trade executed at {@code executedAt} comes after every trade already folded in (ties
   * count as after: they are folded in recording order), so that applying it on top gives what a
   * fold in execution order gives. Not known for a position that was traded before its latest
   * execution time was kept.
   */
  public boolean precedes(Instant executedAt) {
    return updatedAt == null || lastExecutedAt != null && !executedAt.isBefore(lastExecutedAt);
  }

  /** The latest execution time once a trade executed at {@code executedAt} is folded in. */
  private Instant latest(Instant executedAt) {
    if (lastExecutedAt == null && updatedAt != null) {
      return null;
    }
    return lastExecutedAt == null || executedAt.isAfter(lastExecutedAt) ? executedAt : lastExecutedAt;
  }

  public boolean isFlat() {
    return quantity.signum() == 0;
  }

  /**
   * The position after a fill.
   *
   * @param signedQuantity t: +quantity for a BUY, -quantity for a SELL
   * @param price p &gt; 0
   * @param fees f &ge; 0, kept apart from cost and realized P&amp;L
   * @param executedAt when the trade was executed: the time of a lot it opens
   * @param seq the journal sequence of the trade: orders lots opened at the same instant
   * @param recordedAt when the trade was recorded: the position's {@code updatedAt}
   */
  public Position apply(BigDecimal signedQuantity, BigDecimal price, BigDecimal fees,
      Instant executedAt, long seq, Instant recordedAt, CostMethod method) {
    BigDecimal q = quantity;
    BigDecimal t = signedQuantity;
    BigDecimal newFees = this.fees.add(fees);
    boolean opening = q.signum() == 0 || q.signum() == t.signum();
    if (opening) {
      BigDecimal q2 = q.add(t);
      Instant opened = q.signum() == 0 ? executedAt : openedAt;
      if (method.usesLots()) {
        LotBook open = book().plus(new Lot(t, price, executedAt, seq));
        return new Position(key, currency, q2, open.meanPrice(), open.cost(), realizedPnl, newFees, opened,
            recordedAt, open, latest(executedAt));
      }
      BigDecimal cost2 = costBasis.add(t.abs().multiply(price));
      BigDecimal a2 = cost2.divide(q2.abs(), Decimals.QUOTIENT);
      return new Position(key, currency, q2, a2, cost2, realizedPnl, newFees, opened, recordedAt,
          List.of(), latest(executedAt));
    }
    BigDecimal sign = BigDecimal.valueOf(q.signum());
    boolean flip = t.abs().compareTo(q.abs()) > 0;
    BigDecimal q2 = flip ? BigDecimal.valueOf(t.signum()).multiply(t.abs().subtract(q.abs()))
        : q.add(t);
    if (!method.usesLots()) {
      BigDecimal closed = t.abs().min(q.abs());
      boolean closesAll = closed.compareTo(q.abs()) == 0;
      BigDecimal closedCost = closesAll ? costBasis
          : costBasis.multiply(closed).divide(q.abs(), Decimals.QUOTIENT);
      BigDecimal realized = realizedPnl.add(closed.multiply(price).subtract(closedCost).multiply(sign));
      if (flip) {
        return new Position(key, currency, q2, price, q2.abs().multiply(price), realized, newFees, executedAt,
            recordedAt, List.of(), latest(executedAt));
      }
      BigDecimal a2 = q2.signum() == 0 ? BigDecimal.ZERO : averageCost;
      Instant opened = q2.signum() == 0 ? null : openedAt;
      return new Position(key, currency, q2, a2, costBasis.subtract(closedCost), realized, newFees, opened,
          recordedAt, List.of(), latest(executedAt));
    }
    if (flip) {
      BigDecimal realized = realizedPnl;
      for (Lot lot : lots) {
        realized = realized.add(price.subtract(lot.price()).multiply(lot.quantity().abs()).multiply(sign));
      }
      LotBook open = LotBook.empty().plus(new Lot(q2, price, executedAt, seq));
      return new Position(key, currency, q2, price, open.cost(), realized, newFees, executedAt, recordedAt,
          open, latest(executedAt));
    }
    return reduceLots(t.abs(), price, sign, q2, newFees, executedAt, recordedAt, method);
  }

  /** Closes {@code toClose} units of the open lots in the method's order. O(k log n) for k lots touched. */
  private Position reduceLots(BigDecimal toClose, BigDecimal price, BigDecimal sign, BigDecimal q2,
      BigDecimal newFees, Instant executedAt, Instant recordedAt, CostMethod method) {
    LotBook.Reduction reduction = book().reduce(toClose, price, sign, realizedPnl, method);
    LotBook open = reduction.remaining();
    Instant opened = q2.signum() == 0 ? null : openedAt;
    return new Position(key, currency, q2, open.meanPrice(), open.cost(), reduction.realized(), newFees, opened,
        recordedAt, open, latest(executedAt));
  }

  /** The open lots as the book the compact constructor made of them. */
  private LotBook book() {
    return (LotBook) lots;
  }
}
