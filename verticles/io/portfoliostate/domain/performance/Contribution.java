package io.portfoliostate.domain.performance;

/**
 * What one line (an instrument, or a group of instruments) did over the window.
 *
 * @param key the instrument id, or the group's key ({@code UNCLASSIFIED} without reference data)
 * @param contribution Σ over days of the line's weight at the previous day's end × the line's
 *     return of the day
 * @param lineReturn the line's own time-weighted return, Π(1 + its daily return) − 1 over the days
 *     it has one; null when it has none
 */
public record Contribution(String key, double contribution, Double lineReturn) {
}
