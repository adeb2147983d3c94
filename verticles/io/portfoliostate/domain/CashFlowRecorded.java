package io.portfoliostate.domain;

import java.math.BigDecimal;
import java.time.Instant;

/** A cash flow was recorded; {@code amount} is positive and the type gives the sign. */
public record CashFlowRecorded(
    String flowId,
    CashFlowType type,
    CurrencyCode currency,
    BigDecimal amount,
    InstrumentId instrumentId,
    Instant occurredAt,
    Instant at) implements PortfolioEvent {

  /** The signed change of the balance. */
  public BigDecimal cashEffect() {
    return type.sign() > 0 ? amount : amount.negate();
  }

  @Override
  public String idempotencyKey() {
    return "flow:" + flowId;
  }
}
