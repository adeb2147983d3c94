package io.portfoliostate.domain;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/**
 * A cash dividend was applied: the balances changed by {@code amounts}, Σ q · amountPerShare
 * over the portfolio's positions in the instrument, per position currency; negative for a short
 * (the short pays it). The amounts are decided once and recorded, so a replay never recomputes
 * them. Its own event, not a {@link CashFlowRecorded}: a cash flow's amount is positive and its
 * type gives the sign, which cannot say "a dividend paid". Empty amounts: nothing was held.
 */
public record DividendApplied(String actionId, InstrumentId instrumentId, BigDecimal amountPerShare,
    Instant effectiveAt, Map<CurrencyCode, BigDecimal> amounts, Instant at) implements PortfolioEvent {

  public DividendApplied {
    amounts = java.util.Collections.unmodifiableMap(new TreeMap<>(amounts));
  }

  @Override
  public String idempotencyKey() {
    return "ca:" + actionId;
  }
}
