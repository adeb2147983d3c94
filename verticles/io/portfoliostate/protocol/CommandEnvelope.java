package io.portfoliostate.protocol;

import io.portfoliostate.domain.PortfolioCommand;

/**
 * A command with its delivery context: the version the caller expects the portfolio to be at
 * ({@code If-Match} or {@code expectedVersion}), or null when the caller does not care; and the
 * caller's idempotency key ({@code Idempotency-Key}), or null. The key gives a command that has
 * no id of its own (create, update, targets) the replay semantics of a trade id: it is journaled
 * with the command's event, and the same key with the same content answers the original result.
 */
public record CommandEnvelope(PortfolioCommand command, Long expectedVersion, String idempotencyKey) {

  /** The prefix of a request key in the journal's command ids: it never collides with a tradeId or flowId. */
  public static final String KEY_PREFIX = "request:";

  public CommandEnvelope(PortfolioCommand command, Long expectedVersion) {
    this(command, expectedVersion, null);
  }

  public static CommandEnvelope of(PortfolioCommand command) {
    return new CommandEnvelope(command, null, null);
  }

  /** The same command under the caller's idempotency key (null for none). */
  public CommandEnvelope withIdempotencyKey(String key) {
    return new CommandEnvelope(command, expectedVersion, key);
  }
}
