package io.portfoliostate.domain.valuation;

import io.portfoliostate.domain.Decimals;
import java.math.BigDecimal;

/**
 * The one place an exact amount becomes a ratio of NAV. DOMAIN.md lets ratios be doubles.
 * Weights for display ({@link #of}) are a double division of the two amounts: within an ulp or
 * two of the true ratio, and exactly the nearest double when both amounts are doubles already.
 * A 34-digit decimal quotient for each of a portfolio's lines cost about 5 µs a line (a
 * BigInteger long division), 2.5 ms for 500 positions, most of a valued read. Decisions that
 * must not depend on rounding (drift against a threshold) use {@link #exact}.
 */
final class Ratios {

  private Ratios() {
  }

  /** {@code amount / nav} as an exact quotient; null when the amount is unknown or NAV ≤ 0. */
  static BigDecimal exact(BigDecimal amount, BigDecimal nav) {
    if (amount == null || nav.signum() <= 0) {
      return null;
    }
    return amount.divide(nav, Decimals.QUOTIENT);
  }

  /** {@code amount / nav} as a double; null when the amount is unknown or NAV ≤ 0. */
  static Double of(BigDecimal amount, BigDecimal nav) {
    if (amount == null || nav.signum() <= 0) {
      return null;
    }
    return amount.doubleValue() / nav.doubleValue();
  }

  /** {@code amount × rate} into the base currency: null when the rate is unknown, except that 0 is 0 anywhere. */
  static BigDecimal toBase(BigDecimal amount, BigDecimal rate) {
    if (amount == null) {
      return null;
    }
    if (amount.signum() == 0) {
      return BigDecimal.ZERO;
    }
    return rate == null ? null : amount.multiply(rate, Decimals.QUOTIENT);
  }
}
