package io.portfoliostate.domain.valuation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Drift alert transitions with hysteresis: breach above the threshold, recover within 0.8 of it. */
class DriftRulesTest {

  private static WeightLine line(String key, double weight, double target, double threshold) {
    double drift = weight - target;
    return new WeightLine(key, weight, target, drift, Math.abs(drift) > threshold);
  }

  @Test
  void aLineBreachesAboveTheThresholdAndRecoversOnlyWithinTheBand() {
    // Not breached: 0.021 above the target breaches, 0.0199 does not.
    assertThat(DriftRules.transitions(List.of(line("A", 0.521, 0.5, 0.02)), Set.of(), 0.02, 0.8))
        .containsExactly(new DriftRules.Transition(line("A", 0.521, 0.5, 0.02), true));
    assertThat(DriftRules.transitions(List.of(line("A", 0.5199, 0.5, 0.02)), Set.of(), 0.02, 0.8)).isEmpty();
    // Breached: back inside the threshold but outside 0.016 stays breached; within 0.016 recovers.
    assertThat(DriftRules.transitions(List.of(line("A", 0.518, 0.5, 0.02)), Set.of("A"), 0.02, 0.8)).isEmpty();
    assertThat(DriftRules.transitions(List.of(line("A", 0.525, 0.5, 0.02)), Set.of("A"), 0.02, 0.8)).isEmpty();
    assertThat(DriftRules.transitions(List.of(line("A", 0.4845, 0.5, 0.02)), Set.of("A"), 0.02, 0.8))
        .extracting(DriftRules.Transition::breached).containsExactly(false);
  }

  @Test
  void anUnvaluedLineChangesNothingAndAVanishedBreachedLineRecovers() {
    WeightLine unvalued = new WeightLine("A", null, 0.5, null, null);
    assertThat(DriftRules.transitions(List.of(unvalued), Set.of("A"), 0.02, 0.8)).isEmpty();
    List<DriftRules.Transition> gone = DriftRules.transitions(List.of(line("B", 0.5, 0.5, 0.02)), Set.of("A"),
        0.02, 0.8);
    assertThat(gone).containsExactly(new DriftRules.Transition(new WeightLine("A", 0.0, 0.0, 0.0, false), false));
  }
}
