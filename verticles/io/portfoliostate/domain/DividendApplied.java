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
 *
 * <p>With a {@code tradeId} it is the dividend on one late trade (executed before
 * {@code effectiveAt}, recorded after the dividend was applied to the portfolio): q · amountPerShare
 * on that trade's signed quantity, so that the portfolio ends with the dividend on what it really
 * held then. It is recorded with the trade, in the same command, and is idempotent through the
 * trade's id; the action's own key stays with the first application.
 *
 * @param tradeId the late trade this is the dividend of, or null for the action's application
 */
public record DividendApplied(String actionId, InstrumentId instrumentId, BigDecimal amountPerShare,
    Instant effectiveAt, Map<CurrencyCode, BigDecimal> amounts, Instant at, String tradeId)
    implements PortfolioEvent {

  public DividendApplied {
    amounts = java.util.Collections.unmodifiableMap(new TreeMap<>(amounts));
  }

  /** The application of the dividend to the portfolio (not a late trade's share of it). */
  public DividendApplied(String actionId, InstrumentId instrumentId, BigDecimal amountPerShare,
      Instant effectiveAt, Map<CurrencyCode, BigDecimal> amounts, Instant at) {
    this(actionId, instrumentId, amountPerShare, effectiveAt, amounts, at, null);
  }

  /** The dividend itself, for its terms. */
  public CashDividend dividend() {
    return new CashDividend(actionId, instrumentId, amountPerShare, effectiveAt);
  }

  @Override
  public String idempotencyKey() {
    return tradeId == null ? "ca:" + actionId : null;
  }
}
