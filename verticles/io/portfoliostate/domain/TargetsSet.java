package io.portfoliostate.domain;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;

/** Target weights replaced; a null drift threshold was left as it was. */
public record TargetsSet(Map<InstrumentId, BigDecimal> targets, BigDecimal driftThreshold, Instant at)
    implements PortfolioEvent {

  public TargetsSet {
    targets = Map.copyOf(targets);
  }
}
