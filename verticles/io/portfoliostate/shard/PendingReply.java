package io.portfoliostate.shard;

import io.portfoliostate.protocol.CommandOutcome;
import io.portfoliostate.protocol.CommandOutcomes;
import io.portfoliostate.protocol.OwnerWire;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.impl.MessageImpl;
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
      CommandOutcomes reply = new CommandOutcomes(Arrays.asList(outcomes));
      if (askedInJson(message)) {
        message.reply(reply, IN_JSON);
      } else {
        message.reply(reply);
      }
    }
  }

  /** The reply in the JSON form of the version before: all a gateway of that version reads. */
  private static final DeliveryOptions IN_JSON = new DeliveryOptions().setCodecName(OwnerWire.LEGACY_OUTCOMES.name());

  /**
   * Whether the request came from a node of the version before, in JSON (a rolling upgrade): it
   * would drop a binary reply it has no codec for, and its caller would be told "outcome unknown"
   * of a command that was recorded. The codec a message came with is only on Vert.x's own message
   * class; a header would do the same at the cost of one on every request.
   */
  private static boolean askedInJson(Message<?> message) {
    return message instanceof MessageImpl<?, ?> received && received.codec() == OwnerWire.LEGACY_EXECUTE;
  }

  /** Fails the whole request (no outcome is sent for any of its commands). */
  void fail(int code, String reason) {
    if (!sent) {
      sent = true;
      message.fail(code, reason);
    }
  }
}
