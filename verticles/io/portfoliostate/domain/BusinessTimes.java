package io.portfoliostate.domain;

import java.time.Duration;
import java.time.Instant;

/**
 * The range a business time (a trade's execution, a flow's occurrence) may take. A fact dated in
 * the future is a mistake or a clock gone wrong, beyond a small skew between the sender's clock
 * and ours; one dated before 1900 is a typo (a year 26 for 2026), and would sit at the start of
 * every position's timeline, restating everything after it.
 */
public final class BusinessTimes {

  /** How far ahead of our clock a business time may be. */
  public static final Duration FUTURE_SKEW = Duration.ofMinutes(5);
  /** The earliest business time accepted. */
  public static final Instant EARLIEST = Instant.parse("1900-01-01T00:00:00Z");

  private BusinessTimes() {
  }

  /** Null when {@code time} (null: now) is in range, else why not, about {@code field}. */
  static Rejection check(String field, Instant time, Instant now) {
    if (time == null) {
      return null;
    }
    if (time.isAfter(now.plus(FUTURE_SKEW))) {
      return Rejection.invalid(field, "is in the future (" + time + "; it is " + now + "): at most "
          + FUTURE_SKEW.toMinutes() + " minutes ahead is accepted");
    }
    if (time.isBefore(EARLIEST)) {
      return Rejection.invalid(field, "is before " + EARLIEST + " (" + time + ")");
    }
    return null;
  }
}
