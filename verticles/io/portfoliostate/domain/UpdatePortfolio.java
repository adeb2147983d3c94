package io.portfoliostate.domain;

import java.math.BigDecimal;

/**
 * Changes some of a portfolio's attributes; a null field is left as it is. The cost method may
 * change only while the portfolio holds no open position (lots cannot be invented after the fact).
 */
public record UpdatePortfolio(
    PortfolioId portfolioId,
    String name,
    PortfolioId parentId,
    BigDecimal driftThreshold,
    CostMethod costMethod) implements PortfolioCommand {

  public UpdatePortfolio {
    if (name != null) {
      Names.require(name);
    }
    if (portfolioId.equals(parentId)) {
      throw new DomainViolation("parentId", "must not be the portfolio itself");
    }
    if (driftThreshold != null) {
      Targets.requireThreshold(driftThreshold);
    }
    if (name == null && parentId == null && driftThreshold == null && costMethod == null) {
      throw new DomainViolation("body", "must change at least one of name, parentId, driftThreshold, costMethod");
    }
  }

  @Override
  public String fingerprint() {
    return String.join("|", "update", portfolioId.value(), name == null ? "" : name,
        parentId == null ? "" : parentId.value(), driftThreshold == null ? "" : Decimals.plain(driftThreshold),
        costMethod == null ? "" : costMethod.name());
  }
}
