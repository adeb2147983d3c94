package io.portfoliostate.shard;

import io.portfoliostate.domain.IdempotentCommand;
import io.portfoliostate.domain.Rejection;
import io.portfoliostate.persistence.IdempotencyIndex;
import io.portfoliostate.protocol.CommandEnvelope;

/** A command waiting in its portfolio's queue, with the reply slot its outcome goes to. */
final class PendingCommand {

  final PendingReply reply;
  final int slot;
  final CommandEnvelope envelope;
  /** Hash of the command's content when it carries an id or an idempotency key, else 0. */
  final long contentHash;
  /**
   * Set when the journal refused the command's write for a reason found only there (a parent
   * change that would close a cycle): deciding it again refuses it with this.
   */
  Rejection refusal;
  /** When the command was queued, for the queue-wait metric. */
  final long queuedNanos = System.nanoTime();

  PendingCommand(PendingReply reply, int slot, CommandEnvelope envelope) {
    this.reply = reply;
    this.slot = slot;
    this.envelope = envelope;
    this.contentHash = envelope.command() instanceof IdempotentCommand || envelope.idempotencyKey() != null
        ? IdempotencyIndex.hash(envelope.command().fingerprint())
        : 0L;
  }
}
