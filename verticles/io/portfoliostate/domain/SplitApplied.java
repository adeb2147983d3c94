package io.portfoliostate.domain;

import java.time.Instant;

/**
 * A split was applied: every position in the instrument (all strategies) was restated in
 * post-split terms, and the portfolio remembers the split, so that a trade executed before
 * {@code effectiveAt} that arrives later is converted too. Recorded even when nothing was held:
 * the journal then knows the action was dealt with (idempotency), and a late trade is still
 * converted.
 */
public record SplitApplied(String actionId, InstrumentId instrumentId, long numerator, long denominator,
    Instant effectiveAt, Instant at) implements PortfolioEvent {

  /** The split itself, for its arithmetic. */
  public Split split() {
    return new Split(actionId, instrumentId, numerator, denominator, effectiveAt);
  }

  @Override
  public String idempotencyKey() {
    return "ca:" + actionId;
  }
}
