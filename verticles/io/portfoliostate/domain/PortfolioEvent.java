package io.portfoliostate.domain;

import java.time.Instant;

/**
 * A fact about a portfolio, in the past tense, as stored in the journal. An event's sequence
 * number is not part of it: it is the position of the event in the portfolio's journal, and
 * {@link PortfolioRules#evolve} derives it as the version before plus one.
 */
public sealed interface PortfolioEvent
    permits PortfolioCreated, PortfolioUpdated, TargetsSet, TradeRecorded, CashFlowRecorded, FxConverted,
    SplitApplied, DividendApplied, TradeCancelled, TradeAmended {

  /** When the event was recorded. */
  Instant at();

  /** The idempotency key of the command that produced it, or null when that command had none. */
  default String idempotencyKey() {
    return null;
  }
}
