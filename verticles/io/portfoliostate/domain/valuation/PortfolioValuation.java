package io.portfoliostate.domain.valuation;

import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.PortfolioId;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

/**
 * A portfolio state valued in its base currency at one time: one line per position (flat ones
 * included) and per cash currency, and the NAV (DOMAIN.md, Valuation). What {@link Valuation}
 * returns and what weights, groupings and exposures are derived from.
 *
 * <p>An incomplete valuation is still a valuation: NAV is the sum of the lines that could be
 * valued, their weights are of that NAV, and {@code complete} tells the reader that something
 * is missing (which lines: those not {@code valued()}).
 *
 * @param version the version of the state valued
 * @param asOf the time the figures are for, as the caller stated it
 * @param positions ordered by instrument, then strategy
 * @param cash ordered by currency
 * @param nav Σ marketValueBase + Σ balanceBase over the valued lines
 * @param complete whether every line is valued
 */
public record PortfolioValuation(
    PortfolioId portfolioId,
    long version,
    CurrencyCode baseCurrency,
    Instant asOf,
    List<PositionLine> positions,
    List<CashLine> cash,
    BigDecimal nav,
    boolean complete) {

  public PortfolioValuation {
    positions = List.copyOf(positions);
    cash = List.copyOf(cash);
  }

  /** Whether ratios of NAV exist: DOMAIN.md gives no weights when NAV ≤ 0. */
  public boolean hasRatios() {
    return nav.signum() > 0;
  }

  /** Σ balanceBase over the valued cash lines. */
  public BigDecimal cashBase() {
    BigDecimal sum = BigDecimal.ZERO;
    for (CashLine line : cash) {
      if (line.valued()) {
        sum = sum.add(line.balanceBase());
      }
    }
    return sum;
  }
}
