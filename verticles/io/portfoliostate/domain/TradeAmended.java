package io.portfoliostate.domain;

import java.time.Instant;

/**
 * A trade was amended: from now on it counts as {@code amended}, as if it had always been so. Cash
 * gives back the previous version's effect and takes the new one's; the positions of both versions
 * (one, or two when the strategy changed) are restated. The journal keeps both versions.
 *
 * @param amendment 1 for the trade's first amendment, 2 for the next, ...
 * @param previous the trade as it stood before (the original, or the previous amendment)
 * @param amended the trade as it stands now: its {@code at} is the amendment's time
 * @param key the amendment's idempotency key (its content), see {@link AmendTrade#idempotencyKey}
 */
public record TradeAmended(String tradeId, int amendment, String reason, TradeRecorded previous,
    TradeRecorded amended, Restatement restatement, String key, Instant at) implements PortfolioEvent {

  @Override
  public String idempotencyKey() {
    return key;
  }
}
