package io.portfoliostate.domain;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Set;

/**
 * Attributes changed; a null field was left as it was. {@code parentCleared}: the portfolio
 * became a root (distinct from a parent left unchanged, which a null parentId says).
 *
 * @param settings own settings set by the change
 * @param clearedSettings own settings removed by the change (inherited again from then on)
 */
public record PortfolioUpdated(
    String name,
    PortfolioId parentId,
    BigDecimal driftThreshold,
    CostMethod costMethod,
    Instant at,
    boolean parentCleared,
    PortfolioSettings settings,
    Set<Setting> clearedSettings) implements PortfolioEvent {

  public PortfolioUpdated {
    settings = settings == null ? PortfolioSettings.NONE : settings;
    clearedSettings = clearedSettings == null || clearedSettings.isEmpty() ? Set.of()
        : Set.copyOf(EnumSet.copyOf(clearedSettings));
  }

  /** A change of the plain attributes only. */
  public PortfolioUpdated(String name, PortfolioId parentId, BigDecimal driftThreshold, CostMethod costMethod,
      Instant at) {
    this(name, parentId, driftThreshold, costMethod, at, false, PortfolioSettings.NONE, Set.of());
  }
}
