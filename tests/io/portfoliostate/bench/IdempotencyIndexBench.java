package io.portfoliostate.bench;

import io.portfoliostate.persistence.IdempotencyIndex;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * What a portfolio's idempotency window costs in memory and per command, with only the public
 * API of {@link IdempotencyIndex}, so that the same class measures any version of it (copy it
 * into an older tree to measure that one):
 *
 * <ul>
 *   <li>the heap {@code windows} full windows of {@code window} ids keep (heap used after a full
 *       collection, before and after filling them; the ids are made as the owner makes them,
 *       {@code "trade:" + tradeId}, and kept only if the index keeps them);
 *   <li>the bytes allocated while filling one window, from ids made beforehand;
 *   <li>with one full window, {@code rounds} rounds (after {@code warmup}) of {@code commands}
 *       new ids: a new command's check and record ({@code get}, a miss, then {@code put}, which
 *       pushes the oldest id out), a {@code put} alone, and a {@code get} of an id in the window
 *       (a retry); the median nanoseconds and bytes allocated per operation, from
 *       {@code com.sun.management.ThreadMXBean.getCurrentThreadAllocatedBytes}.
 * </ul>
 *
 * <p>{@code mvn -q -B -Pbench test-compile exec:exec -Dbench.class=IdempotencyIndexBench -Dbench.args="window=10000 windows=50 commands=1000000 rounds=9 warmup=5"}
 */
public final class IdempotencyIndexBench {

  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  private IdempotencyIndexBench() {
  }

  public static void main(String[] args) {
    BenchSupport.Options options = new BenchSupport.Options(args);
    int window = options.integer("window", 10_000);
    int windows = options.integer("windows", 50);
    int commands = options.integer("commands", 1_000_000);
    int rounds = options.integer("rounds", 9);
    int warmup = options.integer("warmup", 5);
    BenchSupport.printMachine("IdempotencyIndexBench", options);

    retained(window, windows);
    fillAllocation(window);

    // Ids used in turn: one put more than `window` ago has left the window, so each put is new.
    String[] ids = new String[Math.max(commands, 2 * window)];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = "trade:live-" + i;
    }
    IdempotencyIndex index = new IdempotencyIndex(window);
    long version = 0;
    for (int i = 0; i < window; i++) {
      index.put(ids[i], i, ++version);
    }
    int next = window;
    List<Double> checkNs = new ArrayList<>();
    List<Double> checkBytes = new ArrayList<>();
    List<Double> putNs = new ArrayList<>();
    List<Double> putBytes = new ArrayList<>();
    List<Double> hitNs = new ArrayList<>();
    List<Double> hitBytes = new ArrayList<>();
    long sink = 0;
    for (int round = -warmup; round < rounds; round++) {
      long allocated = THREADS.getCurrentThreadAllocatedBytes();
      long start = System.nanoTime();
      for (int i = 0; i < commands; i++) {
        String id = ids[next];
        next = next + 1 == ids.length ? 0 : next + 1;
        if (index.get(id) != null) {
          sink++;
        }
        index.put(id, version, ++version);
      }
      long checked = System.nanoTime();
      long checkedAllocated = THREADS.getCurrentThreadAllocatedBytes();
      for (int i = 0; i < commands; i++) {
        String id = ids[next];
        next = next + 1 == ids.length ? 0 : next + 1;
        index.put(id, version, ++version);
      }
      long put = System.nanoTime();
      long putAllocated = THREADS.getCurrentThreadAllocatedBytes();
      // The ids in the window now: the last `window` put.
      int newest = next;
      for (int i = 0; i < commands; i++) {
        int at = newest - 1 - i % window;
        IdempotencyIndex.Entry entry = index.get(ids[at < 0 ? at + ids.length : at]);
        sink += entry.version();
      }
      long hit = System.nanoTime();
      long hitAllocated = THREADS.getCurrentThreadAllocatedBytes();
      if (round >= 0) {
        checkNs.add((checked - start) / (double) commands);
        checkBytes.add((checkedAllocated - allocated) / (double) commands);
        putNs.add((put - checked) / (double) commands);
        putBytes.add((putAllocated - checkedAllocated) / (double) commands);
        hitNs.add((hit - put) / (double) commands);
        hitBytes.add((hitAllocated - putAllocated) / (double) commands);
      }
    }
    String rounding = String.format("median of %d rounds of %,d, window %,d", rounds, commands, window);
    System.out.printf("new command (get, a miss, then put): %.1f ns, %.1f bytes allocated per command (%s)%n",
        BenchSupport.median(checkNs), BenchSupport.median(checkBytes), rounding);
    System.out.printf("put of a new id alone:               %.1f ns, %.1f bytes allocated per put%n",
        BenchSupport.median(putNs), BenchSupport.median(putBytes));
    System.out.printf("get of an id in the window (retry):  %.1f ns, %.1f bytes allocated per get (checksum %d)%n",
        BenchSupport.median(hitNs), BenchSupport.median(hitBytes), sink);
  }

  /** Heap kept by full windows whose ids nothing else holds. */
  private static void retained(int window, int windows) {
    long before = usedAfterFullCollection();
    IdempotencyIndex[] full = new IdempotencyIndex[windows];
    for (int w = 0; w < windows; w++) {
      full[w] = new IdempotencyIndex(window);
      for (int i = 0; i < window; i++) {
        full[w].put("trade:live-" + w + "-" + i, 31L * i, i + 1);
      }
    }
    long after = usedAfterFullCollection();
    long perWindow = (after - before) / windows;
    System.out.printf("retained: %,d bytes per full window of %,d ids (%.1f bytes per id; %d windows, heap used "
        + "after a full collection %,d -> %,d)%n", perWindow, window, perWindow / (double) window, windows, before, after);
    // Keeps the windows alive until the second measurement.
    if (full[windows - 1].size() != window) {
      throw new IllegalStateException("a window holds " + full[windows - 1].size() + " ids");
    }
  }

  /** Bytes allocated while one window fills from ids made beforehand: its arrays as they grow. */
  private static void fillAllocation(int window) {
    String[] ids = new String[window];
    for (int i = 0; i < window; i++) {
      ids[i] = "trade:fill-" + i;
    }
    List<Double> perId = new ArrayList<>();
    for (int round = 0; round < 5; round++) {
      long allocated = THREADS.getCurrentThreadAllocatedBytes();
      IdempotencyIndex index = new IdempotencyIndex(window);
      for (int i = 0; i < window; i++) {
        index.put(ids[i], i, i + 1);
      }
      perId.add((THREADS.getCurrentThreadAllocatedBytes() - allocated) / (double) window);
      if (index.size() != window) {
        throw new IllegalStateException("the window holds " + index.size() + " ids");
      }
    }
    System.out.printf("filling one window of %,d ids from ids made beforehand: %.1f bytes allocated per id "
        + "(median of 5)%n", window, BenchSupport.median(perId));
  }

  private static long usedAfterFullCollection() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
