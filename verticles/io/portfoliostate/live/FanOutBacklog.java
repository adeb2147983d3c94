package io.portfoliostate.live;

import java.util.concurrent.TimeUnit;

/**
 * Whether the node's live fan-out is behind: a hand-off of the hub (a change or other frames for
 * the sockets of one event loop) has waited longer than {@code live.behindMs} for its event loop,
 * or a change waited that long to reach the hub. Work that can wait (a refresh of the analytics
 * store's daily series) asks {@link #behind()} and waits while it is so: on a node whose cores
 * are full, a burst of other work is what queues the fan-out (BENCHMARKS.md, the live tail).
 *
 * <p>Cheap for every side: the hub, the only thread that hands off, writes the hand-off's time in
 * a ring of its event loop and counts it; the event loop counts each hand-off it runs; a reader
 * looks at the oldest hand-off not run yet on each loop. No lock, nothing allocated per change.
 */
public final class FanOutBacklog {

  /** Hand-offs remembered per event loop; more waiting than that counts as behind. */
  static final int RING = 1024;

  private final long behindNanos;
  /** The event loops the hub hands off to, in the order it first met them (the hub's thread adds). */
  private volatile Loop[] loops = new Loop[0];
  /** When (System.nanoTime) a change last reached the hub later than {@code behindNanos} after COMMIT; 0 never. */
  private volatile long lateAtHubNanos;

  /** @param behindMs how long a hand-off may wait before the fan-out counts as behind */
  public FanOutBacklog(long behindMs) {
    if (behindMs < 1) {
      throw new IllegalArgumentException("live.behindMs must be positive, not " + behindMs);
    }
    this.behindNanos = TimeUnit.MILLISECONDS.toNanos(behindMs);
  }

  /** One event loop's hand-offs: handed by the hub, run by the loop, each counted by one thread. */
  static final class Loop {
    final Thread thread;
    private final long[] handedNanos = new long[RING];
    private volatile long handed;
    private volatile long ran;

    Loop(Thread thread) {
      this.thread = thread;
    }

    /** On the hub's thread, as it hands a task to this loop. */
    void handing(long now) {
      long n = handed;
      handedNanos[(int) (n % RING)] = now;
      handed = n + 1; // publishes the time written above
    }

    /** On the loop's thread, as the task starts. */
    void running() {
      ran = ran + 1;
    }

    /** How long the oldest hand-off not run yet has waited; 0 for none, Long.MAX_VALUE when more than a ring wait. */
    long oldestWaitNanos(long now) {
      long run = ran;
      long n = handed;
      if (n <= run) {
        return 0;
      }
      long at = handedNanos[(int) (run % RING)];
      // The hub may have written that slot again if a whole ring was handed meanwhile.
      if (handed - run >= RING) {
        return Long.MAX_VALUE;
      }
      return Math.max(0, now - at);
    }
  }

  /**
   * Hands {@code task} to {@code context}, on the event loop {@code loop}, counted: the hub's
   * hand-offs, from the hub's thread only (one thread hands off, so each loop's ring has one
   * writer).
   */
  public void handOff(Thread loop, io.vertx.core.Context context, Runnable task) {
    Loop counted = loop(loop);
    counted.handing(System.nanoTime());
    context.runOnContext(v -> {
      counted.running();
      task.run();
    });
  }

  /** The hub's record of its hand-offs to {@code thread}'s event loop (on the hub's thread). */
  private Loop loop(Thread thread) {
    Loop[] known = loops;
    for (Loop loop : known) {
      if (loop.thread == thread) {
        return loop;
      }
    }
    Loop added = new Loop(thread);
    Loop[] more = java.util.Arrays.copyOf(known, known.length + 1);
    more[known.length] = added;
    loops = more;
    return added;
  }

  /** The hub got a change {@code waitedNanos} after its COMMIT (on the hub's thread). */
  void reachedHub(long waitedNanos, long now) {
    if (waitedNanos > behindNanos) {
      lateAtHubNanos = now;
    }
  }

  /**
   * Whether the fan-out is behind now: a hand-off has waited longer than {@code live.behindMs},
   * or within the last {@code live.behindMs} a change reached the hub that much after its COMMIT.
   * Any thread.
   */
  public boolean behind() {
    long now = System.nanoTime();
    long late = lateAtHubNanos;
    if (late != 0 && now - late < behindNanos) {
      return true;
    }
    for (Loop loop : loops) {
      if (loop.oldestWaitNanos(now) > behindNanos) {
        return true;
      }
    }
    return false;
  }

  /** The longest wait of a hand-off not run yet, in nanoseconds (tests, diagnostics). */
  long oldestWaitNanos() {
    long now = System.nanoTime();
    long oldest = 0;
    for (Loop loop : loops) {
      oldest = Math.max(oldest, loop.oldestWaitNanos(now));
    }
    return oldest;
  }
}
