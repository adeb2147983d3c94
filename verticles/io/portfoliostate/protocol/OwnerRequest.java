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

  /**
   * A node's live hub follows the portfolio: the owner sends every change it commits in the
   * next {@code leaseMs} to {@link Addresses#live} of {@code nodeId}, and renews the lease on
   * each Watch. The reply is the current {@link io.portfoliostate.domain.PortfolioState}, taken
   * on the owner's thread together with recording the interest: every change after it is sent.
   * With {@code stateWanted} false (a renewal) the reply is the state's version only, a {@link
   * Long}: the state holds every open lot, and a renewal crosses the cluster every second.
   */
  record Watch(PortfolioId portfolioId, String nodeId, long leaseMs, boolean stateWanted) implements OwnerRequest {

    /** A Watch answered with the current state. */
    public Watch(PortfolioId portfolioId, String nodeId, long leaseMs) {
      this(portfolioId, nodeId, leaseMs, true);
    }
  }
}
