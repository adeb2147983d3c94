package io.portfoliostate.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Two processes of this machine read one {@link System#nanoTime} clock (Linux: CLOCK_MONOTONIC),
 * which is what lets a node time a change's trip from another node of the same machine: a second
 * JVM's reading falls between two readings of this one taken around it, and it names the same
 * {@link MachineClock#ID}.
 */
class MachineClockTest {

  /** The second JVM: prints its clock's id and its {@code nanoTime}, then ends. */
  public static void main(String[] args) {
    System.out.println(MachineClock.ID + " " + System.nanoTime());
  }

  @Test
  void anotherProcessReadsTheSameMonotonicClock() throws Exception {
    long before = System.nanoTime();
    Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), MachineClockTest.class.getName())
        .redirectErrorStream(true).start();
    String line;
    try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
        StandardCharsets.UTF_8))) {
      line = out.readLine();
    }
    long after = System.nanoTime();
    assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(line).as("the second JVM's output").matches("-?\\d+ -?\\d+");
    String[] fields = line.split(" ");
    long childClock = Long.parseLong(fields[0]);
    long childNanos = Long.parseLong(fields[1]);
    assertThat(childClock).isEqualTo(MachineClock.ID);
    // Read after this JVM started it and before this JVM read its answer: on one clock, in between.
    assertThat(childNanos).isBetween(before, after);
  }
}
