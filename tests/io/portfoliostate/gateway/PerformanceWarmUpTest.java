package io.portfoliostate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The node's synthetic warm-up read runs whole, in memory, and gives the same answer every round. */
class PerformanceWarmUpTest {

  @Test
  void aRoundComputesTheSameSyntheticYearEveryTime() {
    PerformanceWarmUp warmUp = new PerformanceWarmUp();

    int first = warmUp.round();

    // Two answers of JSON: the year's 261 points and the later window's, tens of kilobytes.
    assertThat(first).isGreaterThan(40_000);
    assertThat(warmUp.round()).isEqualTo(first);
  }
}
