package io.portfoliostate.shard;

import io.portfoliostate.protocol.CommandOutcome;
import io.portfoliostate.protocol.CommandOutcomes;
import io.vertx.core.eventbus.Message;
import java.util.Arrays;

/**
 * The reply to one {@code Execute} request, filled one outcome at a time (commands of one
 * request may complete in different journal batches, and replays complete on their own) and
 * sent once, when the last outcome is in.
 */
final class PendingReply {

  private final Message<?> message;
  private final CommandOutcome[] outcomes;
  private final long receivedNanos;
  private int missing;
  private boolean sent;

  PendingReply(Message<?> message, int size) {
    this.message = message;
    this.outcomes = new CommandOutcome[size];
    this.missing = size;
    this.receivedNanos = System.nanoTime();
  }

  long receivedNanos() {
    return receivedNanos;
  }

  void complete(int slot, CommandOutcome outcome) {
    if (sent || outcomes[slot] != null) {
      return;
    }
    outcomes[slot] = outcome;
    if (--missing == 0) {
      sent = true;
      message.reply(new CommandOutcomes(Arrays.asList(outcomes)));
    }
  }

  /** Fails the whole request (no outcome is sent for any of its commands). */
  void fail(int code, String reason) {
    if (!sent) {
      sent = true;
      message.fail(code, reason);
    }
  }
}
