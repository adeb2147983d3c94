package io.portfoliostate.domain.performance;

import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.valuation.GroupBy;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.List;

/**
 * The performance and risk of a portfolio over a window (DOMAIN.md, "Performance and risk";
 * docs/performance.md). Ratios are doubles or null, never NaN.
 *
 * @param twr time-weighted return; null when a sub-period's denominator is 0 or less
 * @param mwr money-weighted annual rate (XIRR); null when none exists
 * @param volatility sample standard deviation of the daily returns × √252; null with fewer than 2
 * @param maxDrawdown the largest fall of the cumulative-return index from its running peak, ≤ 0
 * @param var95 one-day historical VaR at 95 %, in the base currency; null without a return
 * @param sharpe (mean daily return × 252 − riskFree) / volatility; null without a volatility or
 *     with a zero one
 * @param beta against the benchmark's daily price returns on the same days; null without a
 *     benchmark, with fewer than 2 common days, or with a benchmark that never moves
 * @param benchmark the benchmark instrument, or null
 * @param benchmarkReturn the benchmark's price return (split-adjusted) from the first to the last
 *     day, or null
 * @param complete false when some line could not be valued on some day
 * @param unvalued those lines: instrument ids, and {@code cash:<currency>} for a balance without
 *     a rate
 * @param contributions one per instrument, or per group of {@code groupBy}, in key order
 */
public record PerformanceReport(
    LocalDate from,
    LocalDate to,
    CurrencyCode baseCurrency,
    Double twr,
    Double mwr,
    Double volatility,
    Double maxDrawdown,
    BigDecimal var95,
    Double sharpe,
    Double beta,
    InstrumentId benchmark,
    Double benchmarkReturn,
    double riskFree,
    List<DailyPoint> series,
    boolean complete,
    List<String> unvalued,
    GroupBy groupBy,
    List<Contribution> contributions) {

  public PerformanceReport {
    series = List.copyOf(series);
    unvalued = List.copyOf(unvalued);
    contributions = List.copyOf(contributions);
  }
}
