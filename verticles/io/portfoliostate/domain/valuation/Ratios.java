package io.portfoliostate.domain.valuation;

import io.portfoliostate.domain.Decimals;
import java.math.BigDecimal;

/**
 * The one place an exact amount becomes a ratio of NAV. DOMAIN.md lets ratios be doubles; they
 * are computed as an exact-decimal quotient (34 digits) first and only then turned into a double,
 * so that a weight is the double nearest the true ratio, not the result of double arithmetic.
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
    BigDecimal ratio = exact(amount, nav);
    return ratio == null ? null : ratio.doubleValue();
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
