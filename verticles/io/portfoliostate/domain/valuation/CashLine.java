package io.portfoliostate.domain.valuation;

import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.DomainViolation;
import java.math.BigDecimal;

/**
 * The cash balance in one currency, valued in the base currency (DOMAIN.md, Valuation: cash lines
 * get weights too). A non-zero balance without a rate is unvalued, like an unpriced position.
 *
 * @param fxRate how many base units one unit of {@code currency} is worth; null when no rate is quoted
 * @param weight balanceBase / NAV; null when unvalued or NAV ≤ 0
 */
public record CashLine(CurrencyCode currency, BigDecimal balance, BigDecimal fxRate, Double weight) {

  public CashLine {
    if (currency == null) {
      throw new DomainViolation("currency", "is required");
    }
    if (balance == null) {
      throw new DomainViolation("balance", "is required");
    }
  }

  /** The balance in the base currency; 0 for a zero balance; null when the rate is missing. */
  public BigDecimal balanceBase() {
    return Ratios.toBase(balance, fxRate);
  }

  /** Whether the line counts in NAV. */
  public boolean valued() {
    return balanceBase() != null;
  }

  CashLine weighed(BigDecimal nav) {
    return new CashLine(currency, balance, fxRate, Ratios.of(balanceBase(), nav));
  }
}
