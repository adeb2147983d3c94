package io.portfoliostate.domain.performance;

import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * The money-weighted return of DOMAIN.md: the annual rate r that makes the net present value of
 * dated amounts zero, with time in days / 365 from the first amount's date (Excel's XIRR).
 *
 * <p>Newton's method, Excel's own, can step out of (−1, ∞) or cycle; this one brackets a sign
 * change of the NPV first and then bisects it, which always converges when the bracket holds a
 * root. The candidates are scanned outward from 0 (a return near 0 is the usual one, and when
 * the NPV has several roots, the one nearest 0 is the one a reader means); no sign change
 * anywhere from −0.999999999 to 10^9 means no rate: null.
 */
public final class Xirr {

  /** One dated amount: negative money paid in by the investor, positive money received. */
  public record Flow(LocalDate date, double amount) {
  }

  /** Rates probed for a sign change, in increasing order. */
  private static final double[] GRID = grid();

  private Xirr() {
  }

  /** The rate, or null when none exists (all amounts of one sign, or no sign change). */
  public static Double rate(List<Flow> flows) {
    if (flows.isEmpty()) {
      return null;
    }
    boolean positive = false;
    boolean negative = false;
    LocalDate first = flows.get(0).date();
    for (Flow flow : flows) {
      positive |= flow.amount() > 0;
      negative |= flow.amount() < 0;
      if (flow.date().isBefore(first)) {
        first = flow.date();
      }
    }
    if (!positive || !negative) {
      return null;
    }
    double[] years = new double[flows.size()];
    double[] amounts = new double[flows.size()];
    for (int i = 0; i < years.length; i++) {
      years[i] = ChronoUnit.DAYS.between(first, flows.get(i).date()) / 365.0;
      amounts[i] = flows.get(i).amount();
    }
    int zero = 0;
    while (GRID[zero] < 0) {
      zero++;
    }
    // Brackets [GRID[k], GRID[k + 1]], nearest 0 first, alternating above and below it.
    int up = zero;
    int down = zero - 1;
    while (up + 1 < GRID.length || down >= 0) {
      if (up + 1 < GRID.length) {
        Double root = bisect(years, amounts, GRID[up], GRID[up + 1]);
        if (root != null) {
          return root;
        }
        up++;
      }
      if (down >= 0) {
        Double root = bisect(years, amounts, GRID[down], GRID[down + 1]);
        if (root != null) {
          return root;
        }
        down--;
      }
    }
    return null;
  }

  /** NPV at rate r: Σ amount / (1 + r)^years. */
  static double npv(double[] years, double[] amounts, double r) {
    double sum = 0;
    double base = Math.log1p(r);
    for (int i = 0; i < years.length; i++) {
      sum += amounts[i] * Math.exp(-years[i] * base);
    }
    return sum;
  }

  /** The root in [lo, hi] when the NPV changes sign there, else null. */
  private static Double bisect(double[] years, double[] amounts, double lo, double hi) {
    double fLo = npv(years, amounts, lo);
    double fHi = npv(years, amounts, hi);
    if (!Double.isFinite(fLo) || !Double.isFinite(fHi)) {
      return null;
    }
    if (fLo == 0) {
      return lo;
    }
    if (fHi == 0) {
      return hi;
    }
    if (Math.signum(fLo) == Math.signum(fHi)) {
      return null;
    }
    // Until the bracket is as narrow as doubles allow: at most ~1,100 halvings, ~60 in practice.
    for (int i = 0; i < 2_000; i++) {
      double mid = lo + (hi - lo) / 2;
      if (mid <= lo || mid >= hi) {
        break;
      }
      double fMid = npv(years, amounts, mid);
      if (fMid == 0) {
        return mid;
      }
      if (Math.signum(fMid) == Math.signum(fLo)) {
        lo = mid;
        fLo = fMid;
      } else {
        hi = mid;
      }
    }
    return lo + (hi - lo) / 2;
  }

  private static double[] grid() {
    double[] below = {-0.999999999, -0.99999, -0.999, -0.99, -0.95, -0.9, -0.75, -0.5, -0.25, -0.1};
    double[] above = {0, 0.1, 0.25, 0.5, 1, 2, 5, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e9};
    double[] all = new double[below.length + above.length];
    System.arraycopy(below, 0, all, 0, below.length);
    System.arraycopy(above, 0, all, below.length, above.length);
    return all;
  }
}
