package io.portfoliostate.domain;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A split with ratio n:d (DOMAIN.md, Corporate actions): 2:1 doubles the shares and halves every
 * price, 1:10 is a reverse split. Quantities become q · n / d and prices p · d / n, so that the
 * value of a holding, its cost basis, its realized P&amp;L and the cash are unchanged.
 *
 * <p>Fractions of a share are kept (no cash in lieu). A quantity or price whose adjusted value
 * terminates (15 × 3/2 = 22.5, 180 × 2/3 = 120) is exact; one that does not (100 × 2/3) is kept
 * to 34 significant digits, like the average cost. The cost basis is not recomputed from the
 * rounded figures: it is carried over exactly, so realizing the whole position later still
 * realizes exactly proceeds less cost.
 *
 * @param numerator n ≥ 1: shares after, per {@code denominator} shares before
 * @param denominator d ≥ 1, d ≠ n
 */
public record Split(String actionId, InstrumentId instrumentId, long numerator, long denominator,
    Instant effectiveAt) implements CorporateAction {

  /** Largest n or d accepted: a larger ratio is a typo, not a corporate action. */
  public static final long MAX_TERM = 1_000_000;

  private static final Pattern RATIO = Pattern.compile("(\\d{1,7}):(\\d{1,7})");

  public Split {
    Identifiers.require(actionId, "actionId");
    if (instrumentId == null) {
      throw new DomainViolation("instrumentId", "is required");
    }
    if (effectiveAt == null) {
      throw new DomainViolation("effectiveAt", "is required");
    }
    if (numerator < 1 || denominator < 1 || numerator > MAX_TERM || denominator > MAX_TERM) {
      throw new DomainViolation("ratio", "must be n:d with whole numbers from 1 to " + MAX_TERM);
    }
    if (numerator == denominator) {
      // 1:1 changes nothing; the request is far more likely a mistake than an intent.
      throw new DomainViolation("ratio", "must change the number of shares (n differs from d)");
    }
  }

  /**
   * A split with the ratio as API.md writes it, {@code "n:d"} ("2:1", "1:10", "3:2").
   *
   * @throws DomainViolation on anything but two positive whole numbers around a colon
   */
  public static Split of(String actionId, InstrumentId instrumentId, String ratio, Instant effectiveAt) {
    Matcher matcher = ratio == null ? null : RATIO.matcher(ratio);
    if (matcher == null || !matcher.matches()) {
      throw new DomainViolation("ratio", "must be n:d with whole numbers, e.g. \"2:1\" or \"1:10\"");
    }
    return new Split(actionId, instrumentId, Long.parseLong(matcher.group(1)), Long.parseLong(matcher.group(2)),
        effectiveAt);
  }

  /** The ratio as API.md writes it: {@code "3:2"}. */
  public String ratio() {
    return numerator + ":" + denominator;
  }

  /** A quantity in post-split terms: q · n / d. */
  public BigDecimal adjustQuantity(BigDecimal quantity) {
    return scale(quantity, numerator, denominator);
  }

  /** A price in post-split terms: p · d / n. Also how earlier prices are restated for returns. */
  public BigDecimal adjustPrice(BigDecimal price) {
    return scale(price, denominator, numerator);
  }

  /**
   * The position after the split: quantity, every lot quantity × n/d; average cost, every lot
   * price × d/n; cost basis, realized P&amp;L, fees and opening time unchanged. Under a lot method
   * the quantity is the sum of the adjusted lots, so the lots still add up to it exactly.
   *
   * <p>A flat position holds nothing to split and is returned as it is.
   *
   * @param appliedAt when the split was applied: the position's {@code updatedAt}
   * @throws IllegalArgumentException for a position in another instrument (a caller's bug)
   */
  public Position applyTo(Position position, Instant appliedAt) {
    if (!position.key().instrumentId().equals(instrumentId)) {
      throw new IllegalArgumentException("split " + actionId + " of " + instrumentId + " cannot apply to "
          + position.key());
    }
    if (position.isFlat()) {
      return position;
    }
    List<Lot> lots = new ArrayList<>(position.lots().size());
    BigDecimal lotQuantity = BigDecimal.ZERO;
    for (Lot lot : position.lots()) {
      Lot adjusted = new Lot(adjustQuantity(lot.quantity()), adjustPrice(lot.price()), lot.openedAt(),
          lot.openedSeq());
      lots.add(adjusted);
      lotQuantity = lotQuantity.add(adjusted.quantity());
    }
    BigDecimal quantity = lots.isEmpty() ? adjustQuantity(position.quantity()) : lotQuantity;
    return new Position(position.key(), position.currency(), quantity, adjustPrice(position.averageCost()),
        position.costBasis(), position.realizedPnl(), position.fees(), position.openedAt(), appliedAt, lots,
        position.lastExecutedAt());
  }

  /**
   * Whether {@code trade} must be restated in post-split terms: it is in this instrument and was
   * executed before the effective time (DOMAIN.md: a trade that arrives after the split was
   * applied but was executed before it). A trade without an execution time is executed when it
   * is recorded, which is after.
   */
  public boolean adjusts(RecordTrade trade) {
    return trade.instrumentId().equals(instrumentId) && trade.executedAt() != null
        && trade.executedAt().isBefore(effectiveAt);
  }

  /**
   * {@code trade} in post-split terms when {@link #adjusts} says so (quantity × n/d, price × d/n,
   * fees and everything else unchanged), else {@code trade} itself.
   */
  public RecordTrade adjust(RecordTrade trade) {
    if (!adjusts(trade)) {
      return trade;
    }
    return new RecordTrade(trade.portfolioId(), trade.tradeId(), trade.instrumentId(), trade.side(),
        adjustQuantity(trade.quantity()), adjustPrice(trade.price()), trade.currency(), trade.fees(),
        trade.strategy(), trade.executedAt());
  }

  /** value · times / per: exact when the quotient terminates, else to 34 digits. */
  private static BigDecimal scale(BigDecimal value, long times, long per) {
    BigDecimal product = value.multiply(BigDecimal.valueOf(times));
    BigDecimal divisor = BigDecimal.valueOf(per);
    try {
      return product.divide(divisor);
    } catch (ArithmeticException nonTerminating) {
      return product.divide(divisor, Decimals.QUOTIENT);
    }
  }
}
