package io.portfoliostate.observability;

import java.util.concurrent.TimeUnit;

/**
 * What readiness needs to know of one writer (the journal's or the market data's): since when its
 * oldest write has been running, since when its writes have all failed, and whether its queue is
 * full. A write held by a lock fails at the lock timeout and the next one starts, so a writer
 * blocked for good shows as failing rather than as one long write. The writer updates it on its
 * event loop; readiness reads it from another, hence the volatile fields.
 */
public final class WriterHealth {

  private final String name;
  private final long stuckAfterNanos;
  /** {@link System#nanoTime()} when the oldest running write started; meaningful only while {@link #writing}. */
  private volatile long oldestStart;
  private volatile boolean writing;
  private volatile boolean full;
  /** {@link System#nanoTime()} of the first failure since the last success; 0: the last write succeeded. */
  private volatile long failingSince;
  /** {@link System#nanoTime()} of the last failure. */
  private volatile long lastFailure;

  /**
   * @param name the writer, as the readiness answer names it
   * @param stuckAfterMs how long one write may run before the writer counts as stuck
   */
  public WriterHealth(String name, long stuckAfterMs) {
    this.name = name;
    this.stuckAfterNanos = TimeUnit.MILLISECONDS.toNanos(stuckAfterMs);
  }

  /** The writer's state now: the start of its oldest running write (none: {@code writing} false), and a full queue. */
  public void update(boolean writing, long oldestStart, boolean full) {
    this.oldestStart = oldestStart;
    this.writing = writing;
    this.full = full;
  }

  /** A write committed: the database takes writes. */
  public void succeeded() {
    failingSince = 0;
  }

  /** A write failed for want of the database (not for its content). */
  public void failed() {
    long now = System.nanoTime();
    if (failingSince == 0) {
      failingSince = now;
    }
    lastFailure = now;
  }

  /** Why the writer cannot take work now, or null when it can. */
  public String problem() {
    if (full) {
      return name + " writer's queue is full";
    }
    if (writing) {
      long running = System.nanoTime() - oldestStart;
      if (running > stuckAfterNanos) {
        return name + " writer stuck: a write has been running for " + TimeUnit.NANOSECONDS.toMillis(running) + " ms";
      }
    }
    // Failing only while it keeps failing: a writer left idle after failures (its traffic gone
    // with its readiness) must become ready again, or no write would ever prove it healthy.
    long since = failingSince;
    long now = System.nanoTime();
    if (since != 0 && now - since > stuckAfterNanos && now - lastFailure < stuckAfterNanos) {
      return name + " writer failing: no write has succeeded for "
          + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since) + " ms";
    }
    return null;
  }
}
