package io.portfoliostate.domain.analytics;

/**
 * Pearson correlation of daily returns between every two series of a set, each pair on the days
 * both have a return ("pairwise complete"): r = Σ(x − x̄)(y − ȳ) / √(Σ(x − x̄)² · Σ(y − ȳ)²), the
 * means taken over those common days. Undefined (NaN) where the pair has fewer than two common
 * days or either series does not vary over them.
 *
 * <p>Two passes (means first, then the sums of products of deviations) keep the figure exact to
 * about 1e-15 where the one-pass Σxy − n·x̄·ȳ loses digits to cancellation. A series with a
 * return every day of the window is centred and scaled once, so a pair of two such series costs
 * one dot product: 1,000 series of 252 days are half a million dot products.
 */
public final class Correlation {

  private Correlation() {
  }

  /**
   * The matrix of {@code returns} (one row per series, one column per day, NaN where a series
   * has no return that day): symmetric, NaN where undefined, 1 on the diagonal of a series that
   * varies.
   */
  public static double[][] matrix(double[][] returns) {
    int n = returns.length;
    double[][] r = new double[n][n];
    // Series without a gap: centred and scaled to unit norm once.
    double[][] unit = new double[n][];
    for (int i = 0; i < n; i++) {
      unit[i] = unitIfComplete(returns[i]);
    }
    for (int i = 0; i < n; i++) {
      r[i][i] = selfCorrelation(returns[i]);
      for (int j = i + 1; j < n; j++) {
        double value;
        if (unit[i] != null && unit[j] != null) {
          value = clamp(dot(unit[i], unit[j]));
        } else {
          value = pairwise(returns[i], returns[j]);
        }
        r[i][j] = value;
        r[j][i] = value;
      }
    }
    return r;
  }

  /** The correlation of two series on their common days; NaN where undefined. */
  public static double pairwise(double[] x, double[] y) {
    int days = Math.min(x.length, y.length);
    int common = 0;
    double sx = 0;
    double sy = 0;
    for (int k = 0; k < days; k++) {
      if (!Double.isNaN(x[k]) && !Double.isNaN(y[k])) {
        common++;
        sx += x[k];
        sy += y[k];
      }
    }
    if (common < 2) {
      return Double.NaN;
    }
    double mx = sx / common;
    double my = sy / common;
    double sxy = 0;
    double sxx = 0;
    double syy = 0;
    for (int k = 0; k < days; k++) {
      if (!Double.isNaN(x[k]) && !Double.isNaN(y[k])) {
        double dx = x[k] - mx;
        double dy = y[k] - my;
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
      }
    }
    if (sxx == 0 || syy == 0) {
      return Double.NaN;
    }
    return clamp(sxy / Math.sqrt(sxx * syy));
  }

  private static double selfCorrelation(double[] x) {
    return Double.isNaN(pairwise(x, x)) ? Double.NaN : 1.0;
  }

  /** (x − x̄) / ‖x − x̄‖ when x has no gap, at least two days and some variance; else null. */
  private static double[] unitIfComplete(double[] x) {
    if (x.length < 2) {
      return null;
    }
    double sum = 0;
    for (double value : x) {
      if (Double.isNaN(value)) {
        return null;
      }
      sum += value;
    }
    double mean = sum / x.length;
    double[] centred = new double[x.length];
    double norm = 0;
    for (int k = 0; k < x.length; k++) {
      centred[k] = x[k] - mean;
      norm += centred[k] * centred[k];
    }
    if (norm == 0) {
      return null;
    }
    double scale = 1 / Math.sqrt(norm);
    for (int k = 0; k < x.length; k++) {
      centred[k] *= scale;
    }
    return centred;
  }

  private static double dot(double[] a, double[] b) {
    double sum = 0;
    for (int k = 0; k < a.length; k++) {
      sum += a[k] * b[k];
    }
    return sum;
  }

  /** Rounding can put a perfect correlation a hair outside [−1, 1]. */
  private static double clamp(double r) {
    return Math.max(-1.0, Math.min(1.0, r));
  }
}
