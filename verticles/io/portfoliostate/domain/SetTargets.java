package io.portfoliostate.domain;

import java.math.BigDecimal;
import java.util.Map;

/** Replaces the portfolio's target weights, and optionally its drift threshold. */
public record SetTargets(
    PortfolioId portfolioId,
    Map<InstrumentId, BigDecimal> targets,
    BigDecimal driftThreshold) implements PortfolioCommand {

  public SetTargets {
    if (targets == null) {
      throw new DomainViolation("targets", "is required");
    }
    targets = Targets.validate(targets);
    if (driftThreshold != null) {
      Targets.requireThreshold(driftThreshold);
    }
  }

  @Override
  public String fingerprint() {
    return String.join("|", "targets", portfolioId.value(), Targets.fingerprint(targets),
        driftThreshold == null ? "" : Decimals.plain(driftThreshold));
  }
}
