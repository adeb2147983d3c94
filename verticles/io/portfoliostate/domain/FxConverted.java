package io.portfoliostate.domain;

import java.math.BigDecimal;
import java.time.Instant;

/** Cash moved between two currencies: −fromAmount in one, +toAmount in the other. */
public record FxConverted(
    String conversionId,
    CurrencyCode fromCurrency,
    CurrencyCode toCurrency,
    BigDecimal fromAmount,
    BigDecimal rate,
    BigDecimal toAmount,
    Instant at) implements PortfolioEvent {

  @Override
  public String idempotencyKey() {
    return "fx:" + conversionId;
  }
}
