package io.portfoliostate.domain.valuation;

import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.Decimals;
import io.portfoliostate.domain.DomainViolation;
import io.portfoliostate.domain.InstrumentId;
import java.math.BigDecimal;
import java.time.Instant;

/**
 * A price of one unit of an instrument, in a currency, observed at a time. An exact decimal
 * like every amount (DOMAIN.md, Numbers); validated at birth so a zero or negative price can
 * never value a position.
 *
 * @param price per unit, &gt; 0
 * @param currency the currency of {@code price}; normally the instrument's
 * @param at when the price was observed: the later of two prices for an instrument wins
 */
public record Price(InstrumentId instrumentId, BigDecimal price, CurrencyCode currency, Instant at) {

  public Price {
    if (instrumentId == null) {
      throw new DomainViolation("instrumentId", "is required");
    }
    Decimals.requirePositive(price, "price");
    if (currency == null) {
      throw new DomainViolation("currency", "is required");
    }
    if (at == null) {
      throw new DomainViolation("at", "is required");
    }
  }
}
