package io.portfoliostate.domain;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;

/** The first event of every portfolio. */
public record PortfolioCreated(
    PortfolioId portfolioId,
    String name,
    CurrencyCode baseCurrency,
    PortfolioId parentId,
    CostMethod costMethod,
    BigDecimal driftThreshold,
    Map<InstrumentId, BigDecimal> targets,
    Instant at) implements PortfolioEvent {

  public PortfolioCreated {
    targets = Map.copyOf(targets);
  }
}
