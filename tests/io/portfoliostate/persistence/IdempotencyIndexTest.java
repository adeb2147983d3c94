package io.portfoliostate.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The window of recent command ids: exact answers, eviction of the oldest in insertion order,
 * growth by doubling, a re-put keeping its place, and the same answers as a map in insertion
 * order over long random runs with small windows (many evictions, runs of cells that wrap
 * around small tables).
 */
class IdempotencyIndexTest {

  @Test
  void answersWhatWasPutAndNothingElse() {
    IdempotencyIndex index = new IdempotencyIndex(10);
    assertThat(index.get("trade:t-1")).isNull();
    index.put("trade:t-1", 0x1234_5678_9ABC_DEF0L, 7);
    index.put("flow:f-1", -1L, 8);

    assertThat(index.get("trade:t-1")).isEqualTo(new IdempotencyIndex.Entry(0x1234_5678_9ABC_DEF0L, 7));
    assertThat(index.get("flow:f-1")).isEqualTo(new IdempotencyIndex.Entry(-1L, 8));
    assertThat(index.get("trade:t-2")).isNull();
    assertThat(index.get("trade:t-1 ")).isNull();
    assertThat(index.get("")).isNull();
    assertThat(index.size()).isEqualTo(2);
  }

  @Test
  void aFullWindowForgetsItsOldestIdsFirst() {
    IdempotencyIndex index = new IdempotencyIndex(3);
    for (int i = 0; i < 5; i++) {
      index.put("trade:t-" + i, 100 + i, i + 1);
    }

    assertThat(index.size()).isEqualTo(3);
    assertThat(index.get("trade:t-0")).isNull();
    assertThat(index.get("trade:t-1")).isNull();
    assertThat(index.get("trade:t-2")).isEqualTo(new IdempotencyIndex.Entry(102, 3));
    assertThat(index.get("trade:t-3")).isEqualTo(new IdempotencyIndex.Entry(103, 4));
    assertThat(index.get("trade:t-4")).isEqualTo(new IdempotencyIndex.Entry(104, 5));
  }

  @Test
  void growsByDoublingUpToTheCapacityAndKeepsEveryIdOnTheWay() {
    IdempotencyIndex index = new IdempotencyIndex(10_000);
    assertThat(index.retainedBytes()).isZero();
    index.put("trade:t-0", 0, 1);
    // 16 slots of 32 bytes and a table of 32 cells of 4.
    assertThat(index.retainedBytes()).isEqualTo(16 * 32 + 32 * 4);
    for (int i = 1; i < 10_000; i++) {
      index.put("trade:t-" + i, 31L * i, i + 1);
      if (i == 16) {
        assertThat(index.retainedBytes()).isEqualTo(32 * 32 + 64 * 4);
      }
      if (i == 8_192) {
        // The last doubling stops at the capacity: 10,000 slots, 16,384 cells (61 % full).
        assertThat(index.retainedBytes()).isEqualTo(10_000 * 32 + 16_384 * 4);
      }
    }
    assertThat(index.size()).isEqualTo(10_000);
    for (int i = 0; i < 10_000; i++) {
      assertThat(index.get("trade:t-" + i)).isEqualTo(new IdempotencyIndex.Entry(31L * i, i + 1));
    }

    index.put("trade:t-10000", 5, 10_001);
    assertThat(index.size()).isEqualTo(10_000);
    assertThat(index.get("trade:t-0")).isNull();
    assertThat(index.get("trade:t-1")).isEqualTo(new IdempotencyIndex.Entry(31, 2));
    assertThat(index.get("trade:t-10000")).isEqualTo(new IdempotencyIndex.Entry(5, 10_001));
    assertThat(index.retainedBytes()).isEqualTo(10_000 * 32 + 16_384 * 4);
  }

  @Test
  void aSmallCapacityStopsTheRingThere() {
    IdempotencyIndex index = new IdempotencyIndex(3);
    index.put("a", 1, 1);
    // 3 slots and 8 cells (the smallest power of two of at least 4.5 cells).
    assertThat(index.retainedBytes()).isEqualTo(3 * 32 + 8 * 4);
  }

  @Test
  void putOfAnIdInTheWindowReplacesItsEntryAndKeepsItsPlace() {
    IdempotencyIndex index = new IdempotencyIndex(3);
    index.put("a", 1, 1);
    index.put("b", 2, 2);
    index.put("c", 3, 3);
    index.put("a", 10, 10);

    assertThat(index.size()).isEqualTo(3);
    assertThat(index.get("a")).isEqualTo(new IdempotencyIndex.Entry(10, 10));
    // "a" is still the oldest: the next id pushes it out, not "b".
    index.put("d", 4, 4);
    assertThat(index.get("a")).isNull();
    assertThat(index.get("b")).isEqualTo(new IdempotencyIndex.Entry(2, 2));
    assertThat(index.get("c")).isEqualTo(new IdempotencyIndex.Entry(3, 3));
    assertThat(index.get("d")).isEqualTo(new IdempotencyIndex.Entry(4, 4));
  }

  @Test
  void aWindowOfNothingKeepsNothing() {
    IdempotencyIndex index = new IdempotencyIndex(0);
    index.put("a", 1, 1);
    assertThat(index.size()).isZero();
    assertThat(index.get("a")).isNull();
    assertThat(index.retainedBytes()).isZero();
  }

  @Test
  void idsThatDifferOnlyInCharactersOutsideAsciiStayApart() {
    IdempotencyIndex index = new IdempotencyIndex(10);
    // String.getBytes(UTF_8) turns each lone surrogate into '?': these four would be one id.
    String[] ids = {"trade:t-?", "trade:t-\uD800", "trade:t-\uDC00", "trade:t-\uDBFF", "trade:t-é", "trade:t-€",
        "trade:t-\uD83D\uDE00"};
    for (int i = 0; i < ids.length; i++) {
      index.put(ids[i], i, i + 1);
    }
    assertThat(index.size()).isEqualTo(ids.length);
    for (int i = 0; i < ids.length; i++) {
      assertThat(index.get(ids[i])).isEqualTo(new IdempotencyIndex.Entry(i, i + 1));
    }
  }

  @Test
  void givesTheAnswersOfAMapInInsertionOrderOverLongRandomRuns() {
    long operations = 0;
    for (int capacity : new int[] {1, 2, 3, 5, 8, 13, 16, 17, 31, 64, 100}) {
      Random random = new Random(capacity * 7919L);
      IdempotencyIndex index = new IdempotencyIndex(capacity);
      Map<String, IdempotencyIndex.Entry> model = model(capacity);
      // Ids drawn from three windows' worth: many evictions, many re-puts of ids in the window.
      int ids = 3 * capacity + 2;
      for (int i = 0; i < 60_000; i++) {
        String id = "trade:r-" + random.nextInt(ids);
        if (random.nextInt(3) == 0) {
          long hash = random.nextLong();
          long version = i;
          index.put(id, hash, version);
          model.put(id, new IdempotencyIndex.Entry(hash, version));
        } else {
          assertThat(index.get(id)).as("get %s, capacity %d, operation %d", id, capacity, i).isEqualTo(model.get(id));
        }
        assertThat(index.size()).isEqualTo(model.size());
        operations++;
        if (i % 997 == 0) {
          for (int k = 0; k < ids; k++) {
            assertThat(index.get("trade:r-" + k)).isEqualTo(model.get("trade:r-" + k));
          }
        }
      }
    }
    assertThat(operations).isEqualTo(660_000);
  }

  @Test
  void aWindowOfNewIdsOnlyMatchesTheMapToo() {
    // The owner's usual traffic: every id new, so every put past the capacity evicts.
    for (int capacity : new int[] {7, 1_000}) {
      IdempotencyIndex index = new IdempotencyIndex(capacity);
      Map<String, IdempotencyIndex.Entry> model = model(capacity);
      Random random = new Random(capacity);
      for (int i = 0; i < 100_000; i++) {
        index.put("trade:n-" + i, i * 3L, i);
        model.put("trade:n-" + i, new IdempotencyIndex.Entry(i * 3L, i));
        String probe = "trade:n-" + (i - random.nextInt(2 * capacity + 1));
        assertThat(index.get(probe)).as("get %s", probe).isEqualTo(model.get(probe));
      }
      assertThat(index.size()).isEqualTo(capacity);
    }
  }

  @Test
  void aPutIntoAGrownWindowAllocatesNothing() {
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    IdempotencyIndex index = new IdempotencyIndex(1_000);
    String[] ids = new String[50_000];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = "trade:a-" + i;
    }
    for (int i = 0; i < 2_000; i++) {
      index.put(ids[i], i, i);
      index.get(ids[i]);
    }

    long before = threads.getCurrentThreadAllocatedBytes();
    for (int i = 2_000; i < ids.length; i++) {
      index.put(ids[i], i, i);
    }
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;

    // A LinkedHashMap entry, an Entry and nothing else would be 48,000 puts × 56 bytes and more.
    assertThat(allocated).isLessThan(4_096);
    assertThat(index.get(ids[ids.length - 1])).isEqualTo(new IdempotencyIndex.Entry(ids.length - 1, ids.length - 1));
  }

  private static Map<String, IdempotencyIndex.Entry> model(int capacity) {
    return new LinkedHashMap<>(16, 0.75f, false) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, IdempotencyIndex.Entry> eldest) {
        return size() > capacity;
      }
    };
  }
}
