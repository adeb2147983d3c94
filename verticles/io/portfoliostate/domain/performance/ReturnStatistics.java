package io.portfoliostate.domain.performance;

import java.util.Arrays;

/**
 * The risk figures of a list of daily returns (docs/performance.md gives each definition and
 * where it comes from). Each answers {@code null} where the figure does not exist, never NaN or
 * an infinity: a division by a zero spread is not a very large Sharpe ratio, it is no ratio.
 */
public final class ReturnStatistics {

  /** Trading days per year: the annualization of daily figures. */
  public static final int DAYS_PER_YEAR = 252;

  private ReturnStatistics() {
  }

  /** The arithmetic mean; null for no value. */
  public static Double mean(double[] values) {
    if (values.length == 0) {
      return null;
    }
    double sum = 0;
    for (double value : values) {
      sum += value;
    }
    return sum / values.length;
  }

  /** The sample standard deviation (n − 1); null with fewer than 2 values. */
  public static Double sampleStandardDeviation(double[] values) {
    if (values.length < 2) {
      return null;
    }
    double mean = mean(values);
    double squares = 0;
    for (double value : values) {
      squares += (value - mean) * (value - mean);
    }
    return Math.sqrt(squares / (values.length - 1));
  }

  /** Sample standard deviation × √252; null with fewer than 2 returns. */
  public static Double volatility(double[] dailyReturns) {
    Double sd = sampleStandardDeviation(dailyReturns);
    return sd == null ? null : sd * Math.sqrt(DAYS_PER_YEAR);
  }

  /**
   * (mean daily return × 252 − riskFree) / volatility; null with fewer than 2 returns or a zero
   * volatility.
   */
  public static Double sharpe(double[] dailyReturns, double riskFree) {
    Double volatility = volatility(dailyReturns);
    if (volatility == null || volatility == 0) {
      return null;
    }
    return finite((mean(dailyReturns) * DAYS_PER_YEAR - riskFree) / volatility);
  }

  /**
   * Sample covariance of the two series / sample variance of the benchmark, over pairs of the
   * same days; null with fewer than 2 pairs or a benchmark that never moves.
   *
   * @param portfolio the portfolio's returns, paired by index with {@code benchmark}
   */
  public static Double beta(double[] portfolio, double[] benchmark) {
    if (portfolio.length != benchmark.length) {
      throw new IllegalArgumentException("beta needs paired returns: " + portfolio.length + " vs " + benchmark.length);
    }
    int n = portfolio.length;
    if (n < 2) {
      return null;
    }
    double meanP = mean(portfolio);
    double meanB = mean(benchmark);
    double covariance = 0;
    double variance = 0;
    for (int i = 0; i < n; i++) {
      covariance += (portfolio[i] - meanP) * (benchmark[i] - meanB);
      variance += (benchmark[i] - meanB) * (benchmark[i] - meanB);
    }
    if (variance == 0) {
      return null;
    }
    // The (n − 1) of both sample figures cancels out.
    return finite(covariance / variance);
  }

  /**
   * The largest fall from a running peak of the cumulative-return index Π(1 + r), as a negative
   * fraction (120 → 90 is −0.25); 0 when the index never falls, and for no return at all. The
   * index starts at 1 before the first return, so a first-day loss is a drawdown.
   */
  public static double maxDrawdown(double[] dailyReturns) {
    double index = 1;
    double peak = 1;
    double worst = 0;
    for (double r : dailyReturns) {
      index *= 1 + r;
      if (index > peak) {
        peak = index;
      }
      double drawdown = index / peak - 1;
      if (drawdown < worst) {
        worst = drawdown;
      }
    }
    return worst;
  }

  /**
   * The {@code p} quantile by linear interpolation between order statistics at position
   * (n − 1) · p of the sorted values: Excel's PERCENTILE.INC, numpy's default. Null for no value.
   */
  public static Double percentileInclusive(double[] values, double p) {
    if (values.length == 0) {
      return null;
    }
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    double position = (sorted.length - 1) * p;
    int below = (int) Math.floor(position);
    if (below + 1 >= sorted.length) {
      return sorted[sorted.length - 1];
    }
    double fraction = position - below;
    return sorted[below] + fraction * (sorted[below + 1] - sorted[below]);
  }

  /**
   * Historical one-day VaR at 95 % as a fraction: minus the 5th percentile of the daily returns
   * (negative when even that is a gain); null for no return. Multiplied by the NAV at the end of
   * the window by the caller, in decimals.
   */
  public static Double valueAtRisk95(double[] dailyReturns) {
    Double fifth = percentileInclusive(dailyReturns, 0.05);
    return fifth == null ? null : -fifth;
  }

  private static Double finite(double value) {
    return Double.isFinite(value) ? value : null;
  }
}
