package io.portfoliostate.domain.performance;

import java.math.BigDecimal;
import java.time.LocalDate;

/**
 * One weekday of a performance series: the NAV at the end of the day (23:59:59.999 UTC) in the
 * base currency, what moved in or out during the day's sub-period, and the returns to date.
 *
 * @param netFlow external flows (deposits, withdrawals, transfers) of the sub-period, signed from
 *     the portfolio's side (in positive); for the first point, those of its own day, which its
 *     NAV already holds
 * @param income dividends and interest of the sub-period (negative for a dividend a short pays)
 * @param dailyReturn nav / (previous nav + netFlow) − 1; null for the first point and when the
 *     denominator is 0 or less
 * @param cumulativeReturn Π(1 + dailyReturn) − 1 up to this point; 0 at the first point, null from
 *     the first day without a return on
 */
public record DailyPoint(LocalDate date, BigDecimal nav, BigDecimal netFlow, BigDecimal income, Double dailyReturn,
    Double cumulativeReturn) {
}
