package io.portfoliostate.domain;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.portfoliostate.domain.timeline.TradeLedger;
import java.time.Instant;

/**
 * Decide and evolve for tests that carry a bare {@link PortfolioState}, as the owner runs them:
 * with the portfolio's {@link TradeLedger} beside the state. Each state made by {@link #evolve}
 * remembers its ledger (by identity, weakly), so a test keeps passing states around as before and
 * a back-dated trade, a cancel or an amendment still finds the trades it folds again.
 */
public final class Ledgers {

  private static final Cache<PortfolioState, TradeLedger> LEDGERS = Caffeine.newBuilder().weakKeys().build();

  private Ledgers() {
  }

  /** {@link PortfolioRules#decide} with the ledger of {@code state} (when it was made here). */
  public static Decision decide(PortfolioState state, PortfolioCommand command, Instant now, ReferenceData reference) {
    return PortfolioRules.decide(state, ledgerOf(state), command, now, reference);
  }

  /** {@link PortfolioRules#evolve}, remembering the ledger of the state it makes. */
  public static PortfolioState evolve(PortfolioState state, PortfolioEvent event) {
    TradeLedger before = ledgerOf(state);
    PortfolioState after = PortfolioRules.evolve(state, event);
    if (before != null) {
      LEDGERS.put(after, before.evolve(event, after.version()));
    }
    return after;
  }

  /** The ledger of a state made by {@link #evolve}: empty before the creation, null when unknown. */
  public static TradeLedger ledgerOf(PortfolioState state) {
    return state == null ? TradeLedger.EMPTY : LEDGERS.getIfPresent(state);
  }
}
