package io.portfoliostate.domain;

import java.math.BigDecimal;
import java.util.Map;

/** Rules for target weights: each in [0, 1], their sum at most 1 (the rest is cash). */
final class Targets {

  private Targets() {
  }

  /** Target weights in a canonical text: instruments in id order, weights without trailing zeros. */
  static String fingerprint(Map<InstrumentId, BigDecimal> targets) {
    StringBuilder text = new StringBuilder("{");
    targets.entrySet().stream().sorted(Map.Entry.comparingByKey(java.util.Comparator.comparing(InstrumentId::value)))
        .forEach(target -> text.append(target.getKey().value()).append('=')
            .append(Decimals.plain(target.getValue())).append(','));
    return text.append('}').toString();
  }

  static Map<InstrumentId, BigDecimal> validate(Map<InstrumentId, BigDecimal> targets) {
    BigDecimal sum = BigDecimal.ZERO;
    for (Map.Entry<InstrumentId, BigDecimal> target : targets.entrySet()) {
      BigDecimal weight = target.getValue();
      if (weight == null || weight.signum() < 0 || weight.compareTo(BigDecimal.ONE) > 0) {
        throw new DomainViolation("targets." + target.getKey(), "must be a weight between 0 and 1");
      }
      sum = sum.add(weight);
    }
    if (sum.compareTo(BigDecimal.ONE) > 0) {
      throw new DomainViolation("targets", "must sum to at most 1, got " + Decimals.plain(sum));
    }
    return Map.copyOf(targets);
  }

  static BigDecimal requireThreshold(BigDecimal threshold) {
    if (threshold.signum() < 0 || threshold.compareTo(BigDecimal.ONE) > 0) {
      throw new DomainViolation("driftThreshold", "must be between 0 and 1");
    }
    return threshold;
  }
}
