package io.portfoliostate.protocol;

import io.portfoliostate.domain.PortfolioCommand;

/**
 * A command with its delivery context: the version the caller expects the portfolio to be at
 * ({@code If-Match} or {@code expectedVersion}), or null when the caller does not care; the
 * caller's idempotency key ({@code Idempotency-Key}), or null; and who sent it, through which
 * channel ({@link Origin}). The key gives a command that has no id of its own (create, update,
 * targets) the replay semantics of a trade id: it is journaled with the command's event, and the
 * same key with the same content answers the original result.
 *
 * @param origin who caused the command: journaled with each of its events. Null only for tools
 *     and tests outside the service's own paths; the journal then records {@link Origin#UNKNOWN}.
 *     It is not part of the command's content: a replay by someone else is still a replay (and
 *     the journal keeps the first origin).
 */
public record CommandEnvelope(PortfolioCommand command, Long expectedVersion, String idempotencyKey, Origin origin) {

  /** The prefix of a request key in the journal's command ids: it never collides with a tradeId or flowId. */
  public static final String KEY_PREFIX = "request:";

  public CommandEnvelope(PortfolioCommand command, Long expectedVersion, String idempotencyKey) {
    this(command, expectedVersion, idempotencyKey, null);
  }

  public CommandEnvelope(PortfolioCommand command, Long expectedVersion) {
    this(command, expectedVersion, null, null);
  }

  public static CommandEnvelope of(PortfolioCommand command) {
    return new CommandEnvelope(command, null, null, null);
  }

  /** The same command under the caller's idempotency key (null for none). */
  public CommandEnvelope withIdempotencyKey(String key) {
    return new CommandEnvelope(command, expectedVersion, key, origin);
  }

  /** The same command sent by {@code origin}. */
  public CommandEnvelope withOrigin(Origin origin) {
    return new CommandEnvelope(command, expectedVersion, idempotencyKey, origin);
  }

  /** The origin to journal: {@link Origin#UNKNOWN} when none was set. */
  public Origin originOrUnknown() {
    return origin == null ? Origin.UNKNOWN : origin;
  }
}
