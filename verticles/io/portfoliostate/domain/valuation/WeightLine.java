package io.portfoliostate.domain.valuation;

import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.Identifiers;

/**
 * One key's weight against its target (API.md, {@code GET /weights}). Ratios are doubles
 * (DOMAIN.md, Numbers); {@code drift} and {@code breached} are decided on the exact quotient
 * before it becomes a double, so a drift of exactly the threshold is not a breach (in doubles,
 * 0.07 − 0.05 is 0.020000000000000004).
 *
 * @param key the instrument id, or {@code cash:<CCY>} for a cash line
 * @param weight the key's share of NAV; null when NAV ≤ 0 or a line of the key is unvalued
 * @param targetWeight the target; 0 for a held instrument without one
 * @param drift weight − targetWeight; null when the weight is
 * @param breached |drift| &gt; the portfolio's drift threshold; null when the weight is
 */
public record WeightLine(String key, Double weight, double targetWeight, Double drift, Boolean breached) {

  /** The prefix of a cash line's key. */
  public static final String CASH_PREFIX = "cash:";

  public WeightLine {
    Identifiers.require(key, "key");
  }

  /** The key of the cash line in {@code currency}: {@code cash:USD}. */
  public static String cashKey(CurrencyCode currency) {
    return CASH_PREFIX + currency.value();
  }
}
