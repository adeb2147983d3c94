package io.portfoliostate.domain;

import java.time.Instant;

/**
 * A corporate action on one instrument (DOMAIN.md, Corporate actions): a {@link Split} or a
 * {@link CashDividend}. Sealed, so that whoever applies actions to portfolios is told by the
 * compiler about every kind there is.
 *
 * <p>These types hold the arithmetic only. Applying an action to every holder once, and
 * journaling it, is the owner's job ({@link ApplyCorporateAction}, and a late trade through
 * {@link PortfolioRules#decide}).
 */
public sealed interface CorporateAction permits Split, CashDividend {

  /** Identifies the action: it applies once per action id and portfolio. */
  String actionId();

  InstrumentId instrumentId();

  /** When the action takes effect: positions held then are the ones it applies to. */
  Instant effectiveAt();

  /**
   * Whether the action applies at {@code now}: DOMAIN.md applies an action whose effective time
   * is not in the future at once, and lets a future one wait for its time.
   */
  default boolean isEffectiveAt(Instant now) {
    return !effectiveAt().isAfter(now);
  }
}
