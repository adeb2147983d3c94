package io.portfoliostate.protocol;

import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The committed changes one owner sends to one other node's live hub in one turn of its event
 * loop, as that hub receives them: one clustered message for all the changes an owner's group of
 * COMMITs produced for that node, instead of one each.
 *
 * <p>Each change crosses in the binary form of {@link ChangeBatchCodec}, encoded once on the owner
 * however many nodes follow the portfolio ({@link Outgoing}). The times are the sender's {@link
 * System#nanoTime}: the receiver compares them with its own only when both read the same clock
 * ({@link #sameClock}: two nodes on one machine), to time the trip between nodes.
 *
 * @param changes the changes, in the order the owner committed them
 * @param committedNanos for each change, when the owner handed it on after COMMIT (sender's clock)
 * @param sentNanos when the batch left the owner (sender's clock)
 * @param clock the sender's {@link MachineClock#ID}
 */
public record ChangeBatch(List<PortfolioChange> changes, long[] committedNanos, long sentNanos, long clock) {

  public ChangeBatch {
    changes = List.copyOf(changes);
    if (committedNanos.length != changes.size()) {
      throw new IllegalArgumentException(committedNanos.length + " commit times for " + changes.size() + " changes");
    }
  }

  /** Whether the batch's times are on this process's clock, so that they may be compared with it. */
  public boolean sameClock() {
    return clock == MachineClock.ID;
  }

  /**
   * A batch an owner gathers for one node during a turn of its event loop: changes already in
   * their wire form ({@link ChangeBatchCodec#encode}), so that a change followed on several nodes
   * is encoded once. Used on the owner's event loop only; sent once, at the end of the turn.
   */
  public static final class Outgoing {

    final List<Buffer> encoded = new ArrayList<>();
    long sentNanos;

    /** Adds a change in its wire form. */
    public void add(Buffer change) {
      encoded.add(change);
    }

    /** The batch as it leaves, at {@code nanos} on this process's clock. */
    public Outgoing sentAt(long nanos) {
      sentNanos = nanos;
      return this;
    }

    /** How many changes it holds. */
    public int size() {
      return encoded.size();
    }
  }
}
