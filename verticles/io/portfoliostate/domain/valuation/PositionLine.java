package io.portfoliostate.domain.valuation;

import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.DomainViolation;
import io.portfoliostate.domain.Instrument;
import io.portfoliostate.domain.Position;
import io.portfoliostate.domain.PositionKey;
import java.math.BigDecimal;

/**
 * One position valued at a price and an FX rate (DOMAIN.md, Valuation). A line whose figures
 * cannot be computed is not an error: the missing figures are null and the line is
 * {@linkplain #valued() unvalued}, which makes the valuation incomplete.
 *
 * <p>Every figure derives from the position, the price and the rate, so the line can never
 * disagree with itself. Local figures are in the position's currency (the instrument's);
 * base figures are local ones × {@code fxRate}. A zero amount is zero in any currency, so a
 * flat position is valued at 0 even without a price or a rate.
 *
 * <p>Cost is signed like the quantity: {@code sign(q) · costBasis}, the exact cost of the open
 * quantity that Position keeps beside its 34-digit average. Then
 * {@code unrealizedPnl = marketValue − cost}, which is DOMAIN.md's {@code q · (price − a)}
 * exactly whenever the average is exact, and free of the average's rounding when it is not.
 *
 * @param instrument the instrument's reference data; null when it has none
 * @param price the latest price per unit in the position's currency; null when there is none
 * @param fxRate how many base units one unit of the position's currency is worth; null when no
 *     rate is quoted
 * @param weight marketValueBase / NAV; null when the line is unvalued or NAV ≤ 0
 */
public record PositionLine(Position position, Instrument instrument, BigDecimal price, BigDecimal fxRate,
    Double weight) {

  public PositionLine {
    if (position == null) {
      throw new DomainViolation("position", "is required");
    }
  }

  public PositionKey key() {
    return position.key();
  }

  public BigDecimal quantity() {
    return position.quantity();
  }

  /** The position's currency: the one of its prices, cost and local figures. */
  public CurrencyCode currency() {
    return position.currency();
  }

  /** q · price; 0 for a flat position; null when an open position has no price. */
  public BigDecimal marketValue() {
    if (position.isFlat()) {
      return BigDecimal.ZERO;
    }
    return price == null ? null : position.quantity().multiply(price);
  }

  /** The market value in the base currency; null when the price or the rate is missing. */
  public BigDecimal marketValueBase() {
    return Ratios.toBase(marketValue(), fxRate);
  }

  /** sign(q) · |q|·a, exact: negative for a short (what it would cost to buy back at cost). */
  public BigDecimal cost() {
    return position.quantity().signum() < 0 ? position.costBasis().negate() : position.costBasis();
  }

  public BigDecimal costBase() {
    return Ratios.toBase(cost(), fxRate);
  }

  /** marketValue − cost, that is q · (price − a); null without a price. */
  public BigDecimal unrealizedPnl() {
    BigDecimal marketValue = marketValue();
    return marketValue == null ? null : marketValue.subtract(cost());
  }

  public BigDecimal unrealizedPnlBase() {
    return Ratios.toBase(unrealizedPnl(), fxRate);
  }

  /**
   * The position's realized P&amp;L translated at today's rate: positions do not keep the rate
   * of each realization, so this is a translation, not a historical-rate figure.
   */
  public BigDecimal realizedPnlBase() {
    return Ratios.toBase(position.realizedPnl(), fxRate);
  }

  /** Whether the line counts in NAV: its base market value is known. */
  public boolean valued() {
    return marketValueBase() != null;
  }

  /** This line with its weight of {@code nav}. */
  PositionLine weighed(BigDecimal nav) {
    return new PositionLine(position, instrument, price, fxRate, Ratios.of(marketValueBase(), nav));
  }
}
