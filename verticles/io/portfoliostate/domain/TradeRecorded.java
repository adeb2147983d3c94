package io.portfoliostate.domain;

import java.math.BigDecimal;
import java.time.Instant;

/** A trade was recorded, with every default resolved (currency, strategy, fees, execution time). */
public record TradeRecorded(
    String tradeId,
    InstrumentId instrumentId,
    String strategy,
    Side side,
    BigDecimal quantity,
    BigDecimal price,
    CurrencyCode currency,
    BigDecimal fees,
    Instant executedAt,
    Instant at) implements PortfolioEvent {

  public PositionKey positionKey() {
    return new PositionKey(instrumentId, strategy);
  }

  /** t of DOMAIN.md: +quantity for a BUY, -quantity for a SELL. */
  public BigDecimal signedQuantity() {
    return side.signed(quantity);
  }

  /** Cash effect in the trade currency: −(t·p + f). */
  public BigDecimal cashEffect() {
    return signedQuantity().multiply(price).add(fees).negate();
  }

  @Override
  public String idempotencyKey() {
    return "trade:" + tradeId;
  }
}
