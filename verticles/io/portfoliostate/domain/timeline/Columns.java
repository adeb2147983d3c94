package io.portfoliostate.domain.timeline;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * Decimals and instants kept as primitive arrays, one element per row, made back into objects
 * when read: equal values with the same scale, so nothing computed from them changes.
 *
 * <p>Why: a prepared fold is kept between reads (the performance read's cache), and a year of
 * trades kept as objects — a trade, its three decimals and two instants, an entry and a cash fact
 * each — is tens of thousands of small objects per portfolio, which the young collection after a
 * first read copies one by one. As a few arrays of numbers it copies a few blocks and follows no
 * reference in them (BENCHMARKS.md, "eighth pass").
 */
final class Columns {

  private Columns() {
  }

  /**
   * Decimals as their unscaled value and scale when the digits fit a {@code long} (18 digits or
   * fewer), else (or null) as the object itself.
   */
  static final class Decimals {
    /** The scale that sends a row to {@link #wide}: no real decimal of a journal has it. */
    private static final int WIDE = Integer.MIN_VALUE;

    private final long[] unscaled;
    private final int[] scales;
    /** The rows that did not fit, by row; made when the first one comes. */
    private BigDecimal[] wide;

    Decimals(int size) {
      unscaled = new long[size];
      scales = new int[size];
    }

    void set(int row, BigDecimal value) {
      if (value == null || value.precision() > 18 || value.scale() == WIDE) {
        if (wide == null) {
          wide = new BigDecimal[scales.length];
        }
        wide[row] = value;
        scales[row] = WIDE;
      } else {
        unscaled[row] = value.unscaledValue().longValue();
        scales[row] = value.scale();
      }
    }

    /** The decimal of {@code row}: equal to the one set, with the same scale. */
    BigDecimal get(int row) {
      int scale = scales[row];
      return scale == WIDE ? wide[row] : BigDecimal.valueOf(unscaled[row], scale);
    }
  }

  /** Instants as their epoch seconds and nanoseconds (null as nanoseconds of -1). */
  static final class Instants {
    private final long[] seconds;
    private final int[] nanos;

    Instants(int size) {
      seconds = new long[size];
      nanos = new int[size];
    }

    void set(int row, Instant value) {
      if (value == null) {
        nanos[row] = -1;
      } else {
        seconds[row] = value.getEpochSecond();
        nanos[row] = value.getNano();
      }
    }

    Instant get(int row) {
      return nanos[row] < 0 ? null : Instant.ofEpochSecond(seconds[row], nanos[row]);
    }

    /** Whether {@code row} (not null) is after {@code t}, without making its instant. */
    boolean isAfter(int row, Instant t) {
      long s = seconds[row];
      return s > t.getEpochSecond() || (s == t.getEpochSecond() && nanos[row] > t.getNano());
    }

    /** Whether {@code row} (not null) is before {@code t}, without making its instant. */
    boolean isBefore(int row, Instant t) {
      long s = seconds[row];
      return s < t.getEpochSecond() || (s == t.getEpochSecond() && nanos[row] < t.getNano());
    }

    /** How many of the first {@code size} rows (ascending) are at or before {@code t}. */
    int countUpTo(int size, Instant t) {
      int low = 0;
      int high = size;
      while (low < high) {
        int mid = (low + high) >>> 1;
        if (isAfter(mid, t)) {
          high = mid;
        } else {
          low = mid + 1;
        }
      }
      return low;
    }
  }
}
