package io.portfoliostate.domain;

import java.math.BigDecimal;
import java.time.Instant;

import java.util.List;

/**
 * A trade was recorded, with every default resolved (currency, strategy, fees, execution time).
 *
 * @param adjustedBy the splits (action ids) that converted the trade into post-split terms
 *     because it was executed before their effective time and arrived after they were applied;
 *     empty for a trade recorded as sent (and for every trade journaled before splits existed)
 */
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
    Instant at,
    List<String> adjustedBy) implements PortfolioEvent {

  public TradeRecorded {
    adjustedBy = adjustedBy == null ? List.of() : List.copyOf(adjustedBy);
  }

  /** A trade recorded as sent, adjusted by no split. */
  public TradeRecorded(String tradeId, InstrumentId instrumentId, String strategy, Side side, BigDecimal quantity,
      BigDecimal price, CurrencyCode currency, BigDecimal fees, Instant executedAt, Instant at) {
    this(tradeId, instrumentId, strategy, side, quantity, price, currency, fees, executedAt, at, List.of());
  }

  /** Whether a split converted the trade (DOMAIN.md: flagged as adjusted). */
  public boolean adjusted() {
    return !adjustedBy.isEmpty();
  }

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
