package io.portfoliostate.domain.performance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/**
 * The risk figures on series small enough to check by hand, and on the fixtures of empyrical
 * (quantopian/empyrical, empyrical/tests/test_stats.py), whose expected values are reproduced to
 * 1e-9. Where empyrical's definition differs from ours it is said at the case.
 */
class ReturnStatisticsTest {

  private static final double EXACT = 1e-9;

  /** empyrical's mixed_returns without its leading NaN (it drops NaN; our series has no such day). */
  static final double[] MIXED = {0.01, 0.10, -0.04, 0.02, 0.03, 0.02, 0.01, -0.10};
  static final double[] POSITIVE = {0.01, 0.02, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01};
  static final double[] NEGATIVE = {0.0, -0.06, -0.07, -0.01, -0.09, -0.02, -0.06, -0.08, -0.05};

  @Test
  void volatilityIsTheSampleStandardDeviationTimesRoot252() {
    // 1%, 3%: mean 2%, deviations ±1%, sample variance 2e-4 / 1.
    assertThat(ReturnStatistics.volatility(new double[] {0.01, 0.03})).isCloseTo(Math.sqrt(2e-4) * Math.sqrt(252),
        within(EXACT));
    // empyrical annual_volatility(mixed_returns, DAILY): also ddof = 1 and √252.
    assertThat(ReturnStatistics.volatility(MIXED)).isCloseTo(0.9136465399704637, within(EXACT));
    assertThat(ReturnStatistics.volatility(new double[] {0.01})).isNull();
    assertThat(ReturnStatistics.volatility(new double[0])).isNull();
  }

  @Test
  void sharpeMatchesEmpyricalWithAZeroRiskFreeRate() {
    // empyrical: mean(r − rf_daily) / sd × √252; with rf = 0 that is ours, (mean × 252 − 0) / (sd × √252).
    assertThat(ReturnStatistics.sharpe(MIXED, 0)).isCloseTo(1.7238613961706866, within(EXACT));
    assertThat(ReturnStatistics.sharpe(POSITIVE, 0)).isCloseTo(52.915026221291804, within(EXACT));
    assertThat(ReturnStatistics.sharpe(NEGATIVE, 0)).isCloseTo(-24.406808633910085, within(EXACT));
  }

  @Test
  void anAnnualRiskFreeRateIsTakenFromTheAnnualizedMean() {
    // empyrical subtracts a daily rate from every return; an annual rate of 252 × that daily rate is the same.
    double daily = 0.001;
    double[] excess = MIXED.clone();
    for (int i = 0; i < excess.length; i++) {
      excess[i] -= daily;
    }
    assertThat(ReturnStatistics.sharpe(MIXED, daily * 252)).isCloseTo(ReturnStatistics.sharpe(excess, 0),
        within(EXACT));
  }

  @Test
  void sharpeIsNullWithoutASpread() {
    assertThat(ReturnStatistics.sharpe(new double[] {0.01, 0.01, 0.01}, 0)).isNull();
    assertThat(ReturnStatistics.sharpe(new double[] {0.01}, 0)).isNull();
  }

  @Test
  void maxDrawdownMatchesEmpyrical() {
    assertThat(ReturnStatistics.maxDrawdown(MIXED)).isCloseTo(-0.1, within(EXACT));
    assertThat(ReturnStatistics.maxDrawdown(NEGATIVE)).isCloseTo(-0.36590730349873601, within(EXACT));
    assertThat(ReturnStatistics.maxDrawdown(new double[] {0.10, -0.10, 0.10})).isCloseTo(-0.10, within(EXACT));
    assertThat(ReturnStatistics.maxDrawdown(POSITIVE)).isEqualTo(0.0);
    // 120 → 90 from a start of 100: 1.2 then 0.9, a fall of a quarter from the peak.
    assertThat(ReturnStatistics.maxDrawdown(new double[] {0.2, -0.25})).isCloseTo(-0.25, within(EXACT));
    assertThat(ReturnStatistics.maxDrawdown(new double[0])).isEqualTo(0.0);
  }

  @Test
  void betaMatchesEmpyricalAlphaBeta() {
    // empyrical alpha_beta(mixed_returns, negative_returns[1:]): the same eight days.
    double[] benchmark = {-0.06, -0.07, -0.01, -0.09, -0.02, -0.06, -0.08, -0.05};
    assertThat(ReturnStatistics.beta(MIXED, benchmark)).isCloseTo(-0.71296296296296313, within(EXACT));
    assertThat(ReturnStatistics.beta(MIXED, MIXED)).isCloseTo(1.0, within(EXACT));
    double[] negated = MIXED.clone();
    for (int i = 0; i < negated.length; i++) {
      negated[i] = -negated[i];
    }
    assertThat(ReturnStatistics.beta(MIXED, negated)).isCloseTo(-1.0, within(EXACT));
    assertThat(ReturnStatistics.beta(new double[] {0.01}, new double[] {0.02})).isNull();
    assertThat(ReturnStatistics.beta(MIXED, new double[] {0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01})).isNull();
  }

  @Test
  void thePercentileInterpolatesLikeExcelPercentileInc() {
    // Excel's documentation of PERCENTILE.INC: {1, 3, 2, 4} at 0.3 is 1.9 (position 0.9 between 1 and 2).
    assertThat(ReturnStatistics.percentileInclusive(new double[] {1, 3, 2, 4}, 0.3)).isCloseTo(1.9, within(EXACT));
    // numpy.percentile(range(1, 11), 5) = 1.45: position 9 × 0.05 = 0.45.
    double[] oneToTen = {10, 9, 8, 7, 6, 5, 4, 3, 2, 1};
    assertThat(ReturnStatistics.percentileInclusive(oneToTen, 0.05)).isCloseTo(1.45, within(EXACT));
    assertThat(ReturnStatistics.percentileInclusive(new double[] {7}, 0.05)).isEqualTo(7.0);
    assertThat(ReturnStatistics.percentileInclusive(new double[0], 0.05)).isNull();
  }

  @Test
  void valueAtRiskIsTheNegatedFifthPercentile() {
    // Sorted: −0.10, −0.04, 0.01, 0.01, 0.02, 0.02, 0.03, 0.10; position 7 × 0.05 = 0.35:
    // −0.10 + 0.35 × 0.06 = −0.079.
    assertThat(ReturnStatistics.valueAtRisk95(MIXED)).isCloseTo(0.079, within(EXACT));
    // Only gains: negative, reported as computed.
    assertThat(ReturnStatistics.valueAtRisk95(POSITIVE)).isCloseTo(-0.01, within(EXACT));
  }
}
