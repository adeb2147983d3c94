package io.portfoliostate.protocol;

import io.portfoliostate.domain.PortfolioId;
import java.time.Instant;
import java.util.List;

/** What a gateway asks of a portfolio's owner. Every request names one portfolio. */
public sealed interface OwnerRequest {

  PortfolioId portfolioId();

  /**
   * Decide and record these commands in order; the reply is a {@link CommandOutcomes} with one
   * outcome per command, sent after the journal COMMIT.
   */
  record Execute(PortfolioId portfolioId, List<CommandEnvelope> commands) implements OwnerRequest {
    public Execute {
      commands = List.copyOf(commands);
    }
  }

  /**
   * Read the committed state: the current one, the one at a version, or the one as of a business
   * time {@code asOf} and/or as known at a system time {@code knownAt}. The reply is a
   * {@link io.portfoliostate.domain.PortfolioState}.
   */
  record Read(PortfolioId portfolioId, Long version, Instant asOf, Instant knownAt) implements OwnerRequest {
    public static Read current(PortfolioId id) {
      return new Read(id, null, null, null);
    }
  }

  /** Read a page of the change history; the reply is a {@link EventPage}. */
  record ReadEvents(PortfolioId portfolioId, long afterVersion, int limit) implements OwnerRequest {
  }
}
