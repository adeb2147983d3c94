package io.portfoliostate.observability;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * When a writer counts as stuck: a write running too long, a full queue, or writes failing for
 * too long (a lock timeout ends each write, so a writer blocked for good never has a long one).
 */
class WriterHealthTest {

  @Test
  void aLongWriteAFullQueueOrLastingFailuresMakeAWriterStuck() throws Exception {
    WriterHealth health = new WriterHealth("journal", 500);
    assertThat(health.problem()).isNull();

    health.update(true, System.nanoTime(), false);
    assertThat(health.problem()).isNull();
    Thread.sleep(700);
    assertThat(health.problem()).startsWith("journal writer stuck");
    health.update(false, 0, false);
    assertThat(health.problem()).isNull();

    health.update(false, 0, true);
    assertThat(health.problem()).isEqualTo("journal writer's queue is full");
    health.update(false, 0, false);

    // Short writes that all fail: stuck once the failures have lasted past the threshold.
    health.failed();
    assertThat(health.problem()).isNull();
    Thread.sleep(700);
    health.failed();
    assertThat(health.problem()).startsWith("journal writer failing");
    // Left idle after the failures (no traffic while not ready): ready again, or nothing would
    // ever write to prove it healthy.
    Thread.sleep(700);
    assertThat(health.problem()).isNull();
    health.failed();
    health.succeeded();
    assertThat(health.problem()).isNull();
  }
}
