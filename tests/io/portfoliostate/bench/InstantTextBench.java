package io.portfoliostate.bench;

import io.portfoliostate.protocol.InstantText;
import java.time.Instant;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;

/**
 * What reading the journal's instants costs: {@link InstantText#parse} against {@link
 * Instant#parse} on the same {@code count} texts as {@code Instant.toString} writes them (a third
 * each with 0, 3 and 6 fraction digits), {@code rounds} rounds of each taken in turn after
 * {@code warmup} rounds; the median nanoseconds per text of each, and their ratio.
 *
 * <p>{@code mvn -q -B -Pbench test-compile exec:exec -Dbench.class=InstantTextBench -Dbench.args="count=200000 rounds=15 warmup=10"}
 */
public final class InstantTextBench {

  private InstantTextBench() {
  }

  public static void main(String[] args) {
    BenchSupport.Options options = new BenchSupport.Options(args);
    int count = options.integer("count", 200_000);
    int rounds = options.integer("rounds", 15);
    int warmup = options.integer("warmup", 10);
    BenchSupport.printMachine("InstantTextBench", options);
    String[] texts = new String[count];
    ThreadLocalRandom random = ThreadLocalRandom.current();
    for (int i = 0; i < count; i++) {
      long second = 1_600_000_000L + random.nextLong(300_000_000L);
      int nanos = switch (i % 3) {
        case 0 -> 0;
        case 1 -> random.nextInt(1000) * 1_000_000;
        default -> random.nextInt(1_000_000) * 1_000;
      };
      texts[i] = Instant.ofEpochSecond(second, nanos).toString();
    }
    double[] ours = new double[rounds];
    double[] jdk = new double[rounds];
    long sink = 0;
    for (int round = -warmup; round < rounds; round++) {
      long start = System.nanoTime();
      for (String text : texts) {
        sink += InstantText.parse(text).getNano();
      }
      long middle = System.nanoTime();
      for (String text : texts) {
        sink += Instant.parse(text).getNano();
      }
      long end = System.nanoTime();
      if (round >= 0) {
        ours[round] = (middle - start) / (double) count;
        jdk[round] = (end - middle) / (double) count;
      }
    }
    double oursMedian = median(ours);
    double jdkMedian = median(jdk);
    System.out.printf("InstantText.parse: %.1f ns per text (median of %d rounds of %,d)%n", oursMedian, rounds, count);
    System.out.printf("Instant.parse:     %.1f ns per text; ratio %.1f (checksum %d)%n", jdkMedian,
        jdkMedian / oursMedian, sink);
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }
}
