package io.portfoliostate.domain.performance;

import java.math.BigDecimal;

/**
 * An exact sum of decimals given as an unscaled long and a scale (value = unscaled × 10^-scale),
 * kept in a long while it fits and spilled into a {@link BigDecimal} when it does not. Adding it
 * to a decimal gives the same decimal, value and scale, as adding each term one by one: the sum
 * is exact either way, and a decimal sum's scale is the largest of its terms'. The valuation of a
 * day adds hundreds of market values; as longs that costs no object per term.
 */
final class ExactSum {

  /** What {@link #unscaled} and {@link #multiply} answer for a value that is not a long (never a real one). */
  static final long NOT_LONG = Long.MIN_VALUE;
  /** The largest scale kept as a long: 10^18 is the largest power of ten that is one. */
  static final int MAX_SCALE = 18;

  /** 3,037,000,499² is below 2^63: two factors below it multiply without leaving a long. */
  private static final long SMALL = 3_037_000_499L;
  private static final long[] TEN = new long[MAX_SCALE + 1];
  /** 10^0 … 10^22: the powers of ten a double holds exactly. */
  private static final double[] TEN_DOUBLE = new double[23];

  static {
    TEN[0] = 1;
    for (int i = 1; i < TEN.length; i++) {
      TEN[i] = TEN[i - 1] * 10;
    }
    TEN_DOUBLE[0] = 1;
    for (int i = 1; i < TEN_DOUBLE.length; i++) {
      TEN_DOUBLE[i] = TEN_DOUBLE[i - 1] * 10;
    }
  }

  private long sum;
  private int scale;
  private BigDecimal spilled;

  /** Empty again, for the next day. */
  ExactSum reset() {
    sum = 0;
    scale = 0;
    spilled = null;
    return this;
  }

  /** Adds unscaled × 10^-termScale ({@code termScale} 0 … {@link #MAX_SCALE}). */
  void add(long unscaled, int termScale) {
    if (termScale > scale) {
      long up = times(sum, termScale - scale);
      if (up == NOT_LONG) {
        spill(BigDecimal.valueOf(sum, scale));
        up = 0;
      }
      sum = up;
      scale = termScale;
    }
    long term = termScale < scale ? times(unscaled, scale - termScale) : unscaled;
    long result = sum + term;
    if (term == NOT_LONG || ((sum ^ result) & (term ^ result)) < 0) {
      spill(BigDecimal.valueOf(unscaled, termScale));
      return;
    }
    sum = result;
  }

  /** {@code value} plus this sum, as {@code value} plus each term would be. */
  BigDecimal addTo(BigDecimal value) {
    BigDecimal total = spilled == null ? value : value.add(spilled);
    // An empty sum adds nothing, not even its scale 0 (a value's scale may be negative).
    return sum == 0 && scale == 0 ? total : total.add(BigDecimal.valueOf(sum, scale));
  }

  private void spill(BigDecimal term) {
    spilled = spilled == null ? term : spilled.add(term);
  }

  /** The unscaled value of {@code value} when it is a long and its scale 0 … {@link #MAX_SCALE}, else {@link #NOT_LONG}. */
  static long unscaled(BigDecimal value) {
    if (value.scale() < 0 || value.scale() > MAX_SCALE || value.precision() > 18) {
      return NOT_LONG;
    }
    return value.unscaledValue().longValue();
  }

  /** a × b, or {@link #NOT_LONG} when the product does not fit a long. */
  static long multiply(long a, long b) {
    // Both below √2^63 in magnitude (a quantity times a price, almost always): the product fits.
    if (a < SMALL && a > -SMALL && b < SMALL && b > -SMALL) {
      return a * b;
    }
    long high = Math.multiplyHigh(a, b);
    long low = a * b;
    return (high == 0 && low >= 0) || (high == -1 && low < 0) ? low : NOT_LONG;
  }

  private static long times(long value, int powerOfTen) {
    return value == NOT_LONG || powerOfTen > MAX_SCALE ? NOT_LONG : multiply(value, TEN[powerOfTen]);
  }

  /**
   * unscaled × 10^-scale as the nearest double, what {@link BigDecimal#doubleValue} gives: both
   * operands of the division are exact doubles (|unscaled| below 2^53, a power of ten up to
   * 10^22), so IEEE division rounds the exact quotient once, correctly.
   */
  static double toDouble(long unscaled, int scale) {
    if (scale == 0 && Math.abs(unscaled) < (1L << 53)) {
      return unscaled;
    }
    if (Math.abs(unscaled) < (1L << 53) && scale > 0 && scale < TEN_DOUBLE.length) {
      return unscaled / TEN_DOUBLE[scale];
    }
    return BigDecimal.valueOf(unscaled, scale).doubleValue();
  }
}
