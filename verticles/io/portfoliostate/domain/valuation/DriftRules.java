package io.portfoliostate.domain.valuation;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * When a weight line's drift alert changes state, with hysteresis: a line breaches when its
 * |drift| goes above the threshold (as {@link WeightLine#breached()} decides, on the exact
 * quotient), and recovers only once |drift| is back within {@code threshold × recoverFraction}.
 * A price hovering at the threshold then raises one breach, not one per tick.
 *
 * <p>Pure: the breached set is the caller's (it is stored, so that a restart or another node
 * continues from it); a line that cannot be valued (no price, NAV ≤ 0) changes nothing.
 */
public final class DriftRules {

  /** A line's alert state changed: it breached, or it recovered. */
  public record Transition(WeightLine line, boolean breached) {
  }

  private DriftRules() {
  }

  /**
   * The transitions of {@code lines}, in their order.
   *
   * @param breached the keys whose last alert was a breach
   * @param threshold the portfolio's drift threshold
   * @param recoverFraction in (0, 1]: recovered at |drift| ≤ threshold × recoverFraction
   */
  public static List<Transition> transitions(List<WeightLine> lines, Set<String> breached, double threshold,
      double recoverFraction) {
    List<Transition> transitions = new ArrayList<>(0);
    Set<String> seen = new java.util.HashSet<>();
    for (WeightLine line : lines) {
      seen.add(line.key());
      if (line.drift() == null || line.breached() == null) {
        continue;
      }
      boolean was = breached.contains(line.key());
      if (!was && line.breached()) {
        transitions.add(new Transition(line, true));
      } else if (was && Math.abs(line.drift()) <= threshold * recoverFraction) {
        transitions.add(new Transition(line, false));
      }
    }
    // A breached line that is gone (sold out, target removed) weighs nothing and aims at nothing.
    for (String key : new java.util.TreeSet<>(breached)) {
      if (!seen.contains(key)) {
        transitions.add(new Transition(new WeightLine(key, 0.0, 0.0, 0.0, false), false));
      }
    }
    return transitions;
  }
}
