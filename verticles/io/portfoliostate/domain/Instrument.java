package io.portfoliostate.domain;

import java.math.BigDecimal;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reference data of one instrument: the currency it trades and is priced in, how it is
 * classified, and its factor loadings. Immutable and validated at birth, so a valuation or a
 * grouping never meets a half-described instrument.
 *
 * <p>The classification labels are free text ("Information Technology", "Equity", "US") rather
 * than a fixed vocabulary: firms use their own schemes, and the service only groups by them. An
 * absent label is {@code null}; groupings show it as {@code "UNCLASSIFIED"}.
 *
 * @param currency the currency the instrument trades in: its trades default to it, its prices are
 *     in it, and a trade in another currency is refused (DOMAIN.md, Positions)
 * @param assetClass e.g. "Equity"; null when unknown
 * @param sector e.g. "Technology"; null when unknown
 * @param country e.g. "US"; null when unknown
 * @param factors factor name → loading (exact decimals, any sign); sorted by name so that two
 *     equal instruments print alike
 */
public record Instrument(
    InstrumentId id,
    CurrencyCode currency,
    String assetClass,
    String sector,
    String country,
    Map<String, BigDecimal> factors) {

  /** Longest classification label accepted: a label, not a description. */
  public static final int MAX_LABEL_LENGTH = 64;

  public Instrument {
    if (id == null) {
      throw new DomainViolation("instrumentId", "is required");
    }
    if (currency == null) {
      throw new DomainViolation("currency", "is required");
    }
    requireLabel(assetClass, "assetClass");
    requireLabel(sector, "sector");
    requireLabel(country, "country");
    factors = sortedFactors(factors);
  }

  /** An instrument known only by its currency: unclassified, no factors. */
  public static Instrument of(InstrumentId id, CurrencyCode currency) {
    return new Instrument(id, currency, null, null, null, Map.of());
  }

  private static void requireLabel(String label, String field) {
    if (label == null) {
      return;
    }
    if (label.isBlank() || label.length() > MAX_LABEL_LENGTH) {
      throw new DomainViolation(field, "must be 1-" + MAX_LABEL_LENGTH + " characters, not blank");
    }
    if (!label.strip().equals(label) || label.chars().anyMatch(Character::isISOControl)) {
      throw new DomainViolation(field, "must not start or end with spaces or hold control characters");
    }
  }

  private static Map<String, BigDecimal> sortedFactors(Map<String, BigDecimal> factors) {
    if (factors == null || factors.isEmpty()) {
      return Map.of();
    }
    TreeMap<String, BigDecimal> sorted = new TreeMap<>();
    for (Map.Entry<String, BigDecimal> factor : factors.entrySet()) {
      String name = Identifiers.require(factor.getKey(), "factors");
      if (factor.getValue() == null) {
        throw new DomainViolation("factors." + name, "is required");
      }
      sorted.put(name, factor.getValue());
    }
    return Collections.unmodifiableMap(sorted);
  }
}
