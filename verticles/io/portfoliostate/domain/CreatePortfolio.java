package io.portfoliostate.domain;

import java.math.BigDecimal;
import java.util.Map;

/**
 * Creates a portfolio. {@code parentId}, {@code costMethod}, {@code driftThreshold},
 * {@code targets} and {@code settings} are optional.
 *
 * <p>The cost method is fixed in the portfolio's own journal, so that its lots follow from that
 * journal alone: a portfolio created without one takes its parent's method as it is at creation
 * ({@code parentCostMethod}, looked up by the gateway), or {@code AVERAGE} without a parent. A
 * later change of the parent's method does not change the child's.
 *
 * @param costMethod the method asked for, or null to take the parent's (or the default)
 * @param settings the portfolio's own inheritable settings (the others it inherits)
 * @param parentCostMethod the parent's cost method when the request was received; null without
 *     a parent. Not part of the fingerprint: a retry is the same request whatever the parent did
 */
public record CreatePortfolio(
    PortfolioId portfolioId,
    String name,
    CurrencyCode baseCurrency,
    PortfolioId parentId,
    CostMethod costMethod,
    BigDecimal driftThreshold,
    Map<InstrumentId, BigDecimal> targets,
    PortfolioSettings settings,
    CostMethod parentCostMethod) implements PortfolioCommand {

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
    driftThreshold = driftThreshold == null ? DEFAULT_DRIFT_THRESHOLD : Targets.requireThreshold(driftThreshold);
    targets = Targets.validate(targets == null ? Map.of() : targets);
    settings = settings == null ? PortfolioSettings.NONE : settings;
    parentCostMethod = parentId == null ? null : parentCostMethod;
  }

  /** A portfolio without own settings, created with the method asked for (AVERAGE when none). */
  public CreatePortfolio(PortfolioId portfolioId, String name, CurrencyCode baseCurrency, PortfolioId parentId,
      CostMethod costMethod, BigDecimal driftThreshold, Map<InstrumentId, BigDecimal> targets) {
    this(portfolioId, name, baseCurrency, parentId, costMethod, driftThreshold, targets, PortfolioSettings.NONE,
        null);
  }

  /** The same command with the parent's cost method, as the gateway found it. */
  public CreatePortfolio withParentCostMethod(CostMethod method) {
    return new CreatePortfolio(portfolioId, name, baseCurrency, parentId, costMethod, driftThreshold, targets,
        settings, method);
  }

  /** The method the portfolio is created with: the one asked for, else the parent's, else AVERAGE. */
  public CostMethod effectiveCostMethod() {
    if (costMethod != null) {
      return costMethod;
    }
    return parentCostMethod != null ? parentCostMethod : CostMethod.AVERAGE;
  }

  @Override
  public String fingerprint() {
    // A root without a method means AVERAGE, exactly as before methods were inherited, so keys
    // recorded then still match; a child without one means "the parent's", whatever it is.
    String method = costMethod != null ? costMethod.name() : parentId == null ? CostMethod.AVERAGE.name() : "inherit";
    String fingerprint = String.join("|", "create", portfolioId.value(), name, baseCurrency.value(),
        parentId == null ? "" : parentId.value(), method, Decimals.plain(driftThreshold),
        Targets.fingerprint(targets));
    return settings.isEmpty() ? fingerprint : fingerprint + "|settings=" + settings.fingerprint();
  }
}
