package io.portfoliostate.domain;

import java.util.List;

/** The outcome of {@link PortfolioRules#decide}: the events to record, or why not. */
public sealed interface Decision permits Decision.Accepted, Decision.Rejected {

  /** The command is accepted; these events record it (never empty). */
  record Accepted(List<PortfolioEvent> events) implements Decision {
    public Accepted {
      events = List.copyOf(events);
    }
  }

  /** The command is refused and changes nothing. */
  record Rejected(Rejection rejection) implements Decision {
  }

  static Decision accept(PortfolioEvent event) {
    return new Accepted(List.of(event));
  }

  static Decision reject(Rejection rejection) {
    return new Rejected(rejection);
  }
}
