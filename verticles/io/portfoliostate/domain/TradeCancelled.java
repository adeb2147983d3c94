package io.portfoliostate.domain;

import java.time.Instant;

/**
 * A trade was cancelled: its effect on its position and on cash is undone, and it stays in the
 * journal (and in {@code GET /events}) as it was recorded. Cash gives back the trade's cash effect
 * (an order-free sum); the position is restated as the fold of its other trades.
 *
 * @param cancelled the trade as it stood when cancelled (its latest amendment, if any)
 */
public record TradeCancelled(String tradeId, String reason, TradeRecorded cancelled, Restatement restatement,
    Instant at) implements PortfolioEvent {

  @Override
  public String idempotencyKey() {
    return CancelTrade.keyOf(tradeId);
  }
}
