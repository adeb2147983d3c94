package io.portfoliostate.domain;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * Records an executed trade. {@code currency} and {@code executedAt} may be null (defaulted
 * when decided); {@code fees} defaults to 0 and {@code strategy} to "default".
 */
public record RecordTrade(
    PortfolioId portfolioId,
    String tradeId,
    InstrumentId instrumentId,
    Side side,
    BigDecimal quantity,
    BigDecimal price,
    CurrencyCode currency,
    BigDecimal fees,
    String strategy,
    Instant executedAt) implements IdempotentCommand {

  public RecordTrade {
    Identifiers.require(tradeId, "tradeId");
    if (instrumentId == null) {
      throw new DomainViolation("instrumentId", "is required");
    }
    if (side == null) {
      throw new DomainViolation("side", "is required (BUY or SELL)");
    }
    Decimals.requirePositive(quantity, "quantity");
    Decimals.requirePositive(price, "price");
    fees = fees == null ? BigDecimal.ZERO : Decimals.requireNonNegative(fees, "fees");
    strategy = strategy == null ? PositionKey.DEFAULT_STRATEGY : Identifiers.require(strategy, "strategy");
  }

  public PositionKey positionKey() {
    return new PositionKey(instrumentId, strategy);
  }

  @Override
  public String idempotencyKey() {
    return "trade:" + tradeId;
  }

  @Override
  public String fingerprint() {
    return String.join("|", instrumentId.value(), side.name(), Decimals.plain(quantity),
        Decimals.plain(price), currency == null ? "" : currency.value(), Decimals.plain(fees),
        strategy, executedAt == null ? "" : executedAt.toString());
  }
}
