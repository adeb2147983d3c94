package io.portfoliostate.domain.performance;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The valuation's long sum gives the same decimal as adding each market value to the NAV:
 * equal digits and equal scale (a NAV's string is its scale's), also when terms or the sum leave
 * a long; and its doubles are {@link BigDecimal#doubleValue}'s.
 */
class ExactSumTest {

  /** The decimal sum, term by term, as the valuation made it before. */
  private static BigDecimal chained(BigDecimal start, long[] unscaled, int[] scales) {
    BigDecimal total = start;
    for (int k = 0; k < unscaled.length; k++) {
      total = total.add(BigDecimal.valueOf(unscaled[k], scales[k]));
    }
    return total;
  }

  private static BigDecimal summed(BigDecimal start, long[] unscaled, int[] scales) {
    ExactSum sum = new ExactSum().reset();
    for (int k = 0; k < unscaled.length; k++) {
      sum.add(unscaled[k], scales[k]);
    }
    return sum.addTo(start);
  }

  @Test
  void sameDigitsAndScaleAsAddingEachTerm() {
    Random random = new Random(7);
    for (int round = 0; round < 2_000; round++) {
      int n = 1 + random.nextInt(600);
      long[] unscaled = new long[n];
      int[] scales = new int[n];
      for (int k = 0; k < n; k++) {
        // Market values like the valuation's: quantity × price (× a rate), signed, scales 0 … 12.
        unscaled[k] = (random.nextBoolean() ? 1 : -1) * (long) (random.nextDouble() * Math.pow(10, random.nextInt(16)));
        scales[k] = random.nextInt(13);
      }
      BigDecimal start = round % 3 == 0 ? BigDecimal.ZERO : new BigDecimal("12.5");
      BigDecimal expected = chained(start, unscaled, scales);
      BigDecimal actual = summed(start, unscaled, scales);
      assertThat(actual.toString()).isEqualTo(expected.toString());
      assertThat(actual.scale()).isEqualTo(expected.scale());
    }
  }

  @Test
  void termsAndSumsBeyondALongSpillExactly() {
    long[] unscaled = {Long.MAX_VALUE - 5, Long.MAX_VALUE - 7, 3, -Long.MAX_VALUE, 999_999_999_999_999_999L, 1};
    int[] scales = {0, 0, 18, 2, 18, 17};
    BigDecimal expected = chained(BigDecimal.ZERO, unscaled, scales);
    assertThat(summed(BigDecimal.ZERO, unscaled, scales)).isEqualTo(expected);
    assertThat(expected.scale()).isEqualTo(18);
  }

  @Test
  void anEmptySumAddsNothing() {
    BigDecimal value = new BigDecimal("1E+3");
    assertThat(new ExactSum().reset().addTo(value)).isSameAs(value);
    // A zero sum of scaled terms still carries their scale, as 0.00 + x does.
    assertThat(summed(new BigDecimal("5"), new long[] {100, -100}, new int[] {2, 2}).toString()).isEqualTo("5.00");
  }

  @Test
  void productsThatLeaveALongAreRefused() {
    assertThat(ExactSum.multiply(3_037_000_500L, 3_037_000_500L)).isEqualTo(ExactSum.NOT_LONG);
    assertThat(ExactSum.multiply(-4_000_000_000L, 2_000_000_000L)).isEqualTo(-8_000_000_000_000_000_000L);
    assertThat(ExactSum.unscaled(new BigDecimal("1234567890.123456789"))).isEqualTo(ExactSum.NOT_LONG);
    assertThat(ExactSum.unscaled(new BigDecimal("1E+2"))).isEqualTo(ExactSum.NOT_LONG);
    assertThat(ExactSum.unscaled(new BigDecimal("-123.4500"))).isEqualTo(-1_234_500L);
  }

  @Test
  void doublesAreBigDecimalsDoubleValue() {
    Random random = new Random(11);
    for (int k = 0; k < 200_000; k++) {
      long unscaled = (random.nextBoolean() ? 1 : -1) * (random.nextLong() >>> random.nextInt(64));
      int scale = random.nextInt(MAX_SCALE_TRIED);
      assertThat(ExactSum.toDouble(unscaled, scale)).isEqualTo(BigDecimal.valueOf(unscaled, scale).doubleValue());
    }
  }

  private static final int MAX_SCALE_TRIED = 25;
}
