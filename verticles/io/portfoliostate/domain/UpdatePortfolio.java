package io.portfoliostate.domain;

import java.math.BigDecimal;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Changes some of a portfolio's attributes; a null field is left as it is. The cost method may
 * change only while the portfolio holds no open position (lots cannot be invented after the fact).
 *
 * <p>Two kinds of change cannot be said with a null, so they are explicit: {@code clearParent}
 * makes the portfolio a root, and {@code clearedSettings} removes own settings (the portfolio
 * then inherits them again).
 *
 * @param settings own settings to set (the others are left as they are)
 * @param clearedSettings own settings to remove
 */
public record UpdatePortfolio(
    PortfolioId portfolioId,
    String name,
    PortfolioId parentId,
    BigDecimal driftThreshold,
    CostMethod costMethod,
    boolean clearParent,
    PortfolioSettings settings,
    Set<Setting> clearedSettings) implements PortfolioCommand {

  public UpdatePortfolio {
    if (name != null) {
      Names.require(name);
    }
    if (portfolioId.equals(parentId)) {
      throw new DomainViolation("parentId", "must not be the portfolio itself");
    }
    if (clearParent && parentId != null) {
      throw new DomainViolation("parentId", "cannot be both set and cleared");
    }
    if (driftThreshold != null) {
      Targets.requireThreshold(driftThreshold);
    }
    settings = settings == null ? PortfolioSettings.NONE : settings;
    clearedSettings = clearedSettings == null || clearedSettings.isEmpty() ? Set.of()
        : Set.copyOf(EnumSet.copyOf(clearedSettings));
    for (Setting setting : clearedSettings) {
      if (settings.get(setting) != null) {
        throw new DomainViolation(setting.path(), "cannot be both set and cleared");
      }
    }
    if (name == null && parentId == null && driftThreshold == null && costMethod == null && !clearParent
        && settings.isEmpty() && clearedSettings.isEmpty()) {
      throw new DomainViolation("body", "must change at least one of name, parentId, driftThreshold, costMethod,"
          + " benchmarkInstrumentId, riskFreeRate, alertThresholds");
    }
  }

  /** A change of the plain attributes only (name, parent, drift threshold, cost method). */
  public UpdatePortfolio(PortfolioId portfolioId, String name, PortfolioId parentId, BigDecimal driftThreshold,
      CostMethod costMethod) {
    this(portfolioId, name, parentId, driftThreshold, costMethod, false, PortfolioSettings.NONE, Set.of());
  }

  @Override
  public String fingerprint() {
    String fingerprint = String.join("|", "update", portfolioId.value(), name == null ? "" : name,
        parentId == null ? "" : parentId.value(), driftThreshold == null ? "" : Decimals.plain(driftThreshold),
        costMethod == null ? "" : costMethod.name());
    // Appended only when present, so that the fingerprints of changes recorded before these
    // existed are unchanged (an Idempotency-Key replay compares them).
    if (clearParent) {
      fingerprint += "|parent=null";
    }
    if (!settings.isEmpty()) {
      fingerprint += "|settings=" + settings.fingerprint();
    }
    if (!clearedSettings.isEmpty()) {
      fingerprint += "|cleared=" + clearedSettings.stream().sorted().map(Setting::path)
          .collect(Collectors.joining(","));
    }
    return fingerprint;
  }
}
