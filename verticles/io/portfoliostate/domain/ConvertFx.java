package io.portfoliostate.domain;

import java.math.BigDecimal;

/**
 * Converts {@code fromAmount} of one currency into another at {@code rate} (1 from = rate to),
 * atomically: one event debits the one and credits the other.
 */
public record ConvertFx(
    PortfolioId portfolioId,
    String conversionId,
    CurrencyCode fromCurrency,
    CurrencyCode toCurrency,
    BigDecimal fromAmount,
    BigDecimal rate) implements IdempotentCommand {

  public ConvertFx {
    Identifiers.require(conversionId, "conversionId");
    if (fromCurrency == null) {
      throw new DomainViolation("fromCurrency", "is required");
    }
    if (toCurrency == null) {
      throw new DomainViolation("toCurrency", "is required");
    }
    if (fromCurrency.equals(toCurrency)) {
      throw new DomainViolation("toCurrency", "must differ from fromCurrency");
    }
    Decimals.requirePositive(fromAmount, "fromAmount");
    Decimals.requirePositive(rate, "rate");
  }

  /** The amount credited: fromAmount × rate, exact. */
  public BigDecimal toAmount() {
    return fromAmount.multiply(rate);
  }

  @Override
  public String idempotencyKey() {
    return "fx:" + conversionId;
  }

  @Override
  public String fingerprint() {
    return String.join("|", fromCurrency.value(), toCurrency.value(), Decimals.plain(fromAmount),
        Decimals.plain(rate));
  }
}
