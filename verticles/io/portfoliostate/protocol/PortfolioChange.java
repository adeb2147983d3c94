package io.portfoliostate.protocol;

import io.portfoliostate.domain.PortfolioEvent;
import io.portfoliostate.domain.PortfolioState;
import java.util.List;

/**
 * One committed change of a portfolio, published on {@link Addresses#updates} after COMMIT:
 * the events of one journal write and the state they produced.
 */
public record PortfolioChange(PortfolioState state, long fromVersion, List<PortfolioEvent> events) {
  public PortfolioChange {
    events = List.copyOf(events);
  }
}
