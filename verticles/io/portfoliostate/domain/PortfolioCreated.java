package io.portfoliostate.domain;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;

/**
 * The first event of every portfolio. {@code costMethod} is the method it was created with (asked
 * for, or its parent's at the time); {@code settings} are its own inheritable settings.
 */
public record PortfolioCreated(
    PortfolioId portfolioId,
    String name,
    CurrencyCode baseCurrency,
    PortfolioId parentId,
    CostMethod costMethod,
    BigDecimal driftThreshold,
    Map<InstrumentId, BigDecimal> targets,
    Instant at,
    PortfolioSettings settings) implements PortfolioEvent {

  public PortfolioCreated {
    targets = Map.copyOf(targets);
    settings = settings == null ? PortfolioSettings.NONE : settings;
  }

  /** A creation without own settings. */
  public PortfolioCreated(PortfolioId portfolioId, String name, CurrencyCode baseCurrency, PortfolioId parentId,
      CostMethod costMethod, BigDecimal driftThreshold, Map<InstrumentId, BigDecimal> targets, Instant at) {
    this(portfolioId, name, baseCurrency, parentId, costMethod, driftThreshold, targets, at, PortfolioSettings.NONE);
  }
}
