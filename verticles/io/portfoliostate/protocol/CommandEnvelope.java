package io.portfoliostate.protocol;

import io.portfoliostate.domain.PortfolioCommand;

/**
 * A command with its delivery context: the version the caller expects the portfolio to be at
 * ({@code If-Match} or {@code expectedVersion}), or null when the caller does not care.
 */
public record CommandEnvelope(PortfolioCommand command, Long expectedVersion) {

  public static CommandEnvelope of(PortfolioCommand command) {
    return new CommandEnvelope(command, null);
  }
}
