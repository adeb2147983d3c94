package io.portfoliostate.domain.valuation;

import java.math.BigDecimal;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * Exposures as fractions of NAV (DOMAIN.md, Valuation; API.md, {@code GET /exposures}): long =
 * Σ positive market values, short = Σ negative ones (a negative number), gross = long + |short|,
 * net = long + short, and the net exposure per sector, country, currency and asset class.
 * Positions only: cash is not an exposure.
 *
 * <p>The fractions are computed from exact base amounts, each divided once, so gross is
 * long − short to the double's precision rather than the sum of two rounded doubles.
 *
 * <p>With NAV ≤ 0 a fraction of NAV means nothing: the four figures are null and the maps empty.
 * Unvalued positions are left out, and {@code complete} says so.
 *
 * @param longExposure {@code long} on the wire (a Java keyword here); null when NAV ≤ 0
 * @param shortExposure {@code short} on the wire, ≤ 0; null when NAV ≤ 0
 * @param bySector net exposure per sector ({@value GroupBy#UNCLASSIFIED} when unknown), sorted by key
 * @param complete whether every position was valued
 */
public record Exposures(
    Double longExposure,
    Double shortExposure,
    Double gross,
    Double net,
    Map<String, Double> bySector,
    Map<String, Double> byCountry,
    Map<String, Double> byCurrency,
    Map<String, Double> byAssetClass,
    boolean complete) {

  public Exposures {
    bySector = sorted(bySector);
    byCountry = sorted(byCountry);
    byCurrency = sorted(byCurrency);
    byAssetClass = sorted(byAssetClass);
  }

  /**
   * The exposures of {@code valuation}. A key appears in a map when some valued position with a
   * non-zero quantity has it; a long and a short in one sector net out within it.
   */
  public static Exposures of(PortfolioValuation valuation) {
    BigDecimal nav = valuation.nav();
    BigDecimal longs = BigDecimal.ZERO;
    BigDecimal shorts = BigDecimal.ZERO;
    Map<String, BigDecimal> sector = new TreeMap<>();
    Map<String, BigDecimal> country = new TreeMap<>();
    Map<String, BigDecimal> currency = new TreeMap<>();
    Map<String, BigDecimal> assetClass = new TreeMap<>();
    boolean complete = true;
    for (PositionLine line : valuation.positions()) {
      complete &= line.valued();
      if (!line.valued() || line.position().isFlat()) {
        continue;
      }
      BigDecimal value = line.marketValueBase();
      if (value.signum() > 0) {
        longs = longs.add(value);
      } else {
        shorts = shorts.add(value);
      }
      sector.merge(GroupBy.SECTOR.keyOf(line), value, BigDecimal::add);
      country.merge(GroupBy.COUNTRY.keyOf(line), value, BigDecimal::add);
      currency.merge(GroupBy.CURRENCY.keyOf(line), value, BigDecimal::add);
      assetClass.merge(GroupBy.ASSET_CLASS.keyOf(line), value, BigDecimal::add);
    }
    if (!valuation.hasRatios()) {
      return new Exposures(null, null, null, null, Map.of(), Map.of(), Map.of(), Map.of(), complete);
    }
    return new Exposures(Ratios.of(longs, nav), Ratios.of(shorts, nav), Ratios.of(longs.subtract(shorts), nav),
        Ratios.of(longs.add(shorts), nav), ratios(sector, nav), ratios(country, nav), ratios(currency, nav),
        ratios(assetClass, nav), complete);
  }

  private static Map<String, Double> ratios(Map<String, BigDecimal> amounts, BigDecimal nav) {
    Map<String, Double> ratios = new TreeMap<>();
    amounts.forEach((key, amount) -> ratios.put(key, Ratios.of(amount, nav)));
    return ratios;
  }

  private static Map<String, Double> sorted(Map<String, Double> map) {
    return Collections.unmodifiableMap(new TreeMap<>(map));
  }
}
