package io.portfoliostate.domain.valuation;

import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.Decimals;
import io.portfoliostate.domain.DomainViolation;
import java.math.BigDecimal;
import java.time.Instant;

/**
 * An FX rate {@code base/quote = rate}: 1 {@code base} buys {@code rate} {@code quote}
 * (DOMAIN.md, Prices and FX). EUR/USD = 1.08 means 1 EUR = 1.08 USD.
 *
 * @param rate &gt; 0, exact as quoted
 * @param at when the rate was observed: the later of two rates for a pair wins
 */
public record FxRate(CurrencyCode base, CurrencyCode quote, BigDecimal rate, Instant at) {

  public FxRate {
    if (base == null) {
      throw new DomainViolation("base", "is required");
    }
    if (quote == null) {
      throw new DomainViolation("quote", "is required");
    }
    if (base.equals(quote)) {
      // A currency's rate to itself is 1 by definition; a quote of it is a mistake upstream.
      throw new DomainViolation("quote", "must differ from base");
    }
    Decimals.requirePositive(rate, "rate");
    if (at == null) {
      throw new DomainViolation("at", "is required");
    }
  }
}
