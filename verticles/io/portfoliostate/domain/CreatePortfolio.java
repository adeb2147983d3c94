package io.portfoliostate.domain;

import java.math.BigDecimal;
import java.util.Map;

/** Creates a portfolio. {@code parentId}, {@code costMethod}, {@code driftThreshold} and {@code targets} are optional. */
public record CreatePortfolio(
    PortfolioId portfolioId,
    String name,
    CurrencyCode baseCurrency,
    PortfolioId parentId,
    CostMethod costMethod,
    BigDecimal driftThreshold,
    Map<InstrumentId, BigDecimal> targets) implements PortfolioCommand {

  /** DOMAIN.md: the default drift threshold is 2 %. */
  public static final BigDecimal DEFAULT_DRIFT_THRESHOLD = new BigDecimal("0.02");

  public CreatePortfolio {
    Names.require(name);
    if (baseCurrency == null) {
      throw new DomainViolation("baseCurrency", "is required");
    }
    if (portfolioId.equals(parentId)) {
      throw new DomainViolation("parentId", "must not be the portfolio itself");
    }
    costMethod = costMethod == null ? CostMethod.AVERAGE : costMethod;
    driftThreshold = driftThreshold == null ? DEFAULT_DRIFT_THRESHOLD : Targets.requireThreshold(driftThreshold);
    targets = Targets.validate(targets == null ? Map.of() : targets);
  }

  @Override
  public String fingerprint() {
    return String.join("|", "create", portfolioId.value(), name, baseCurrency.value(),
        parentId == null ? "" : parentId.value(), costMethod.name(), Decimals.plain(driftThreshold),
        Targets.fingerprint(targets));
  }
}
