package io.portfoliostate.domain;

import java.math.BigDecimal;
import java.time.Instant;

/** Attributes changed; a null field was left as it was. */
public record PortfolioUpdated(
    String name,
    PortfolioId parentId,
    BigDecimal driftThreshold,
    CostMethod costMethod,
    Instant at) implements PortfolioEvent {
}
