package io.portfoliostate.domain;

import java.math.BigDecimal;
import java.time.Instant;

import java.util.List;

/**
 * A trade was recorded, with every default resolved (currency, strategy, fees, execution time).
 *
 * @param adjustedBy the splits (action ids) effective after the trade's execution that had been
 *     applied before it arrived. Without a {@code restated}, the trade was recorded converted into
 *     post-split terms (how late trades were recorded before the timeline); with one, it is
 *     recorded as sent and the restated position carries it through the splits. Empty for a trade
 *     that crossed no split
 * @param restated null for a trade folded on top of its position (executed at or after every
 *     trade already in it: the common case); for a back-dated trade, its position folded again in
 *     execution order with the trade in its place
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
    List<String> adjustedBy,
    Restatement restated) implements PortfolioEvent {

  public TradeRecorded {
    adjustedBy = adjustedBy == null ? List.of() : List.copyOf(adjustedBy);
  }

  /** A trade folded on top of its position. */
  public TradeRecorded(String tradeId, InstrumentId instrumentId, String strategy, Side side, BigDecimal quantity,
      BigDecimal price, CurrencyCode currency, BigDecimal fees, Instant executedAt, Instant at,
      List<String> adjustedBy) {
    this(tradeId, instrumentId, strategy, side, quantity, price, currency, fees, executedAt, at, adjustedBy, null);
  }

  /** Whether the trade was recorded in post-split terms (before the timeline; see {@code adjustedBy}). */
  public boolean convertedBySplits() {
    return restated == null && !adjustedBy.isEmpty();
  }

  /** The same trade as a plain fact: no restatement, no split flag (a version kept by an amendment). */
  public TradeRecorded asVersion() {
    return restated == null && adjustedBy.isEmpty() ? this
        : new TradeRecorded(tradeId, instrumentId, strategy, side, quantity, price, currency, fees, executedAt, at,
            convertedBySplits() ? adjustedBy : List.of(), null);
  }

  /** A trade recorded as sent, adjusted by no split. */
  public TradeRecorded(String tradeId, InstrumentId instrumentId, String strategy, Side side, BigDecimal quantity,
      BigDecimal price, CurrencyCode currency, BigDecimal fees, Instant executedAt, Instant at) {
    this(tradeId, instrumentId, strategy, side, quantity, price, currency, fees, executedAt, at, List.of(), null);
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
