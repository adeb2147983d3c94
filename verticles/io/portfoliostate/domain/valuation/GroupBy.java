package io.portfoliostate.domain.valuation;

import io.portfoliostate.domain.DomainViolation;
import io.portfoliostate.domain.Instrument;
import java.util.function.Function;

/**
 * The keys a portfolio's positions can be grouped by (DOMAIN.md, Valuation; API.md,
 * {@code ?groupBy=}). Sector, asset class and country come from the instrument's reference data;
 * a line without that label is {@value #UNCLASSIFIED}, so every position lands in some group and
 * the groups always add up to the whole.
 */
public enum GroupBy {
  INSTRUMENT("instrument", line -> line.key().instrumentId().value()),
  STRATEGY("strategy", line -> line.key().strategy()),
  SECTOR("sector", line -> label(line, Instrument::sector)),
  ASSET_CLASS("assetClass", line -> label(line, Instrument::assetClass)),
  COUNTRY("country", line -> label(line, Instrument::country)),
  CURRENCY("currency", line -> line.currency().value());

  /** The key of a line whose instrument has no such label, or no reference data at all. */
  public static final String UNCLASSIFIED = "UNCLASSIFIED";

  private final String apiName;
  private final Function<PositionLine, String> key;

  GroupBy(String apiName, Function<PositionLine, String> key) {
    this.apiName = apiName;
    this.key = key;
  }

  /** The name API.md spells it with: {@code assetClass}, not {@code ASSET_CLASS}. */
  public String apiName() {
    return apiName;
  }

  /** The group {@code line} belongs to. */
  public String keyOf(PositionLine line) {
    return key.apply(line);
  }

  /**
   * The grouping API.md names {@code name}.
   *
   * @throws DomainViolation for any other name, listing the accepted ones
   */
  public static GroupBy parse(String name) {
    for (GroupBy groupBy : values()) {
      if (groupBy.apiName.equals(name)) {
        return groupBy;
      }
    }
    throw new DomainViolation("groupBy", "must be one of instrument, strategy, sector, assetClass, country, currency");
  }

  private static String label(PositionLine line, Function<Instrument, String> attribute) {
    String label = line.instrument() == null ? null : attribute.apply(line.instrument());
    return label == null ? UNCLASSIFIED : label;
  }
}
