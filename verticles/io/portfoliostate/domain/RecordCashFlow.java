package io.portfoliostate.domain;

import java.math.BigDecimal;
import java.time.Instant;

/** Records a cash flow; {@code amount} is positive and the type gives the sign. */
public record RecordCashFlow(
    PortfolioId portfolioId,
    String flowId,
    CashFlowType type,
    CurrencyCode currency,
    BigDecimal amount,
    InstrumentId instrumentId,
    Instant occurredAt) implements IdempotentCommand {

  public RecordCashFlow {
    Identifiers.require(flowId, "flowId");
    if (type == null) {
      throw new DomainViolation("type", "is required");
    }
    if (currency == null) {
      throw new DomainViolation("currency", "is required");
    }
    Decimals.requirePositive(amount, "amount");
  }

  @Override
  public String idempotencyKey() {
    return "flow:" + flowId;
  }

  @Override
  public String fingerprint() {
    return String.join("|", type.name(), currency.value(), Decimals.plain(amount),
        instrumentId == null ? "" : instrumentId.value(), occurredAt == null ? "" : occurredAt.toString());
  }
}
