package io.portfoliostate.exports;

import java.time.Instant;
import java.time.LocalDate;

/**
 * The time an export is taken at: {@code asOf} (business time; null: now) for the datasets of a
 * moment (positions, lots, cash, valuations, trades, events), or the window of days of the
 * {@code performance} dataset, exactly as {@code GET .../performance} takes it: {@code period}
 * (MTD, QTD, YTD, 1Y, 3Y, ITD) or {@code from}, and {@code to} (null: today), each null when not
 * given.
 */
public record ExportWindow(Instant asOf, String period, LocalDate from, LocalDate to) {

  /** The periods {@code GET .../performance} knows. */
  public static final java.util.List<String> PERIODS = java.util.List.of("MTD", "QTD", "YTD", "1Y", "3Y", "ITD");

  /** An export as of {@code asOf} (null: now). */
  public static ExportWindow asOf(Instant asOf) {
    return new ExportWindow(asOf, null, null, null);
  }
}
