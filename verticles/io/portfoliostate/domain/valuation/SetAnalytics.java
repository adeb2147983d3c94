package io.portfoliostate.domain.valuation;

import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.Decimals;
import io.portfoliostate.domain.Instrument;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.ReferenceData;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Analytics over a set of portfolios (issue 16), valued like one portfolio's read (DOMAIN.md,
 * Valuation): a holding's market value is quantity × its latest price, converted into one report
 * currency by the same FX rule ({@link MarketData#fx}); cash converts likewise; the set's NAV is
 * the sum of both. Weights are fractions of the NAV of the set (or of one portfolio, for
 * overlap), each computed from exact amounts and divided once. A holding without a price or a
 * rate is left out and {@code complete} says so, as on single reads.
 *
 * <p>Factor exposure is Σ weight × loading over the set's holdings, per factor the instruments
 * carry (an instrument without the factor contributes nothing to it).
 */
public final class SetAnalytics {

  /** One holding: the quantity a portfolio holds of an instrument (its strategies summed). */
  public record Holding(String portfolioId, InstrumentId instrumentId, BigDecimal quantity) {
  }

  /** One cash balance of a portfolio. */
  public record Balance(String portfolioId, CurrencyCode currency, BigDecimal balance) {
  }

  /** A holding valued in the report currency. */
  public record Valued(String portfolioId, Instrument instrument, BigDecimal quantity, BigDecimal marketValue) {
  }

  private final CurrencyCode currency;
  private final List<Valued> valued = new ArrayList<>();
  private final Map<String, BigDecimal> navByPortfolio = new TreeMap<>();
  private final Set<String> portfolios = new TreeSet<>();
  private BigDecimal nav = BigDecimal.ZERO;
  private boolean complete = true;

  private SetAnalytics(CurrencyCode currency) {
    this.currency = currency;
  }

  /**
   * Values {@code holdings} and {@code cash} in {@code currency} with {@code market}'s latest
   * prices and rates and {@code reference}'s classification of instruments.
   */
  public static SetAnalytics of(Collection<String> portfolioIds, Collection<Holding> holdings,
      Collection<Balance> cash, ReferenceData reference, MarketData market, CurrencyCode currency) {
    SetAnalytics set = new SetAnalytics(currency);
    set.portfolios.addAll(portfolioIds);
    for (String id : portfolioIds) {
      set.navByPortfolio.put(id, BigDecimal.ZERO);
    }
    for (Holding holding : holdings) {
      if (holding.quantity().signum() == 0) {
        continue;
      }
      Optional<Price> price = market.price(holding.instrumentId());
      Optional<BigDecimal> rate = price.flatMap(p -> market.fx(p.currency(), currency));
      if (rate.isEmpty()) {
        set.complete = false;
        continue;
      }
      BigDecimal value = holding.quantity().multiply(price.get().price()).multiply(rate.get(), Decimals.QUOTIENT);
      Instrument instrument = reference.instrument(holding.instrumentId())
          .orElse(Instrument.of(holding.instrumentId(), price.get().currency()));
      set.valued.add(new Valued(holding.portfolioId(), instrument, holding.quantity(), value));
      set.add(holding.portfolioId(), value);
    }
    for (Balance balance : cash) {
      if (balance.balance().signum() == 0) {
        continue;
      }
      Optional<BigDecimal> rate = market.fx(balance.currency(), currency);
      if (rate.isEmpty()) {
        set.complete = false;
        continue;
      }
      set.add(balance.portfolioId(), balance.balance().multiply(rate.get(), Decimals.QUOTIENT));
    }
    return set;
  }

  private void add(String portfolioId, BigDecimal value) {
    nav = nav.add(value);
    navByPortfolio.merge(portfolioId, value, BigDecimal::add);
  }

  /** The report currency. */
  public CurrencyCode currency() {
    return currency;
  }

  /** The set's NAV in the report currency: valued holdings plus cash. */
  public BigDecimal nav() {
    return nav;
  }

  /** Whether every holding and balance could be valued. */
  public boolean complete() {
    return complete;
  }

  /** The portfolios of the set, sorted. */
  public Set<String> portfolios() {
    return portfolios;
  }

  /** One portfolio's NAV in the report currency (zero when it holds nothing). */
  public BigDecimal navOf(String portfolioId) {
    return navByPortfolio.getOrDefault(portfolioId, BigDecimal.ZERO);
  }

  /**
   * Exposures as fractions of the set's NAV: long, short (≤ 0), gross, net, and the net
   * exposure per sector, country, currency and asset class ({@link GroupBy#UNCLASSIFIED} when
   * unknown) and per factor. Null ratios and empty maps when NAV ≤ 0.
   */
  public Exposure exposures() {
    BigDecimal longs = BigDecimal.ZERO;
    BigDecimal shorts = BigDecimal.ZERO;
    Map<String, BigDecimal> sector = new TreeMap<>();
    Map<String, BigDecimal> country = new TreeMap<>();
    Map<String, BigDecimal> byCurrency = new TreeMap<>();
    Map<String, BigDecimal> assetClass = new TreeMap<>();
    Map<String, BigDecimal> factors = new TreeMap<>();
    for (Valued line : valued) {
      BigDecimal value = line.marketValue();
      if (value.signum() > 0) {
        longs = longs.add(value);
      } else {
        shorts = shorts.add(value);
      }
      Instrument instrument = line.instrument();
      sector.merge(label(instrument.sector()), value, BigDecimal::add);
      country.merge(label(instrument.country()), value, BigDecimal::add);
      byCurrency.merge(instrument.currency().value(), value, BigDecimal::add);
      assetClass.merge(label(instrument.assetClass()), value, BigDecimal::add);
      // Σ weight × loading = (Σ value × loading) / NAV: summed exactly, divided once.
      instrument.factors().forEach((factor, loading) ->
          factors.merge(factor, value.multiply(loading), BigDecimal::add));
    }
    if (nav.signum() <= 0) {
      return new Exposure(null, null, null, null, Map.of(), Map.of(), Map.of(), Map.of(), Map.of());
    }
    return new Exposure(Ratios.of(longs, nav), Ratios.of(shorts, nav), Ratios.of(longs.subtract(shorts), nav),
        Ratios.of(longs.add(shorts), nav), ratios(sector), ratios(country), ratios(byCurrency), ratios(assetClass),
        ratios(factors));
  }

  /**
   * The set's exposures.
   *
   * @param byFactor Σ weight × loading per factor
   */
  public record Exposure(Double longExposure, Double shortExposure, Double gross, Double net,
      Map<String, Double> bySector, Map<String, Double> byCountry, Map<String, Double> byCurrency,
      Map<String, Double> byAssetClass, Map<String, Double> byFactor) {
  }

  /** One instrument across the set: its summed quantity and value, its weight, and how many portfolios hold it. */
  public record Concentration(InstrumentId instrumentId, BigDecimal quantity, BigDecimal marketValue, Double weight,
      int portfolios) {
  }

  /**
   * The {@code top} largest holdings across the set by absolute market value (ties by
   * instrument id), with their weight in the set's NAV.
   */
  public List<Concentration> concentration(int top) {
    Map<InstrumentId, BigDecimal[]> sums = new LinkedHashMap<>();
    Map<InstrumentId, Set<String>> holders = new TreeMap<>(Comparator.comparing(InstrumentId::value));
    for (Valued line : valued) {
      BigDecimal[] sum = sums.computeIfAbsent(line.instrument().id(), id -> new BigDecimal[] {
          BigDecimal.ZERO, BigDecimal.ZERO});
      sum[0] = sum[0].add(line.quantity());
      sum[1] = sum[1].add(line.marketValue());
      holders.computeIfAbsent(line.instrument().id(), id -> new TreeSet<>()).add(line.portfolioId());
    }
    List<Concentration> all = new ArrayList<>();
    sums.forEach((id, sum) -> all.add(new Concentration(id, sum[0], sum[1], Ratios.of(sum[1], nav),
        holders.get(id).size())));
    all.sort(Comparator.comparing((Concentration c) -> c.marketValue().abs()).reversed()
        .thenComparing(c -> c.instrumentId().value()));
    return all.subList(0, Math.min(top, all.size()));
  }

  /** An instrument two portfolios both hold, with its weight in each (of that portfolio's NAV). */
  public record Shared(InstrumentId instrumentId, BigDecimal quantityA, BigDecimal quantityB, Double weightA,
      Double weightB) {
  }

  /** The instruments both {@code a} and {@code b} hold (non-zero quantities), sorted by id. */
  public List<Shared> overlap(String a, String b) {
    Map<InstrumentId, BigDecimal[]> inA = perInstrument(a);
    Map<InstrumentId, BigDecimal[]> inB = perInstrument(b);
    List<Shared> shared = new ArrayList<>();
    inA.forEach((id, lineA) -> {
      BigDecimal[] lineB = inB.get(id);
      if (lineB != null) {
        shared.add(new Shared(id, lineA[0], lineB[0], Ratios.of(lineA[1], navOf(a)), Ratios.of(lineB[1], navOf(b))));
      }
    });
    return shared;
  }

  private Map<InstrumentId, BigDecimal[]> perInstrument(String portfolioId) {
    Map<InstrumentId, BigDecimal[]> lines = new TreeMap<>(Comparator.comparing(InstrumentId::value));
    for (Valued line : valued) {
      if (line.portfolioId().equals(portfolioId)) {
        BigDecimal[] sum = lines.computeIfAbsent(line.instrument().id(), id -> new BigDecimal[] {
            BigDecimal.ZERO, BigDecimal.ZERO});
        sum[0] = sum[0].add(line.quantity());
        sum[1] = sum[1].add(line.marketValue());
      }
    }
    return lines;
  }

  private Map<String, Double> ratios(Map<String, BigDecimal> amounts) {
    Map<String, Double> ratios = new TreeMap<>();
    amounts.forEach((key, amount) -> ratios.put(key, Ratios.of(amount, nav)));
    return ratios;
  }

  private static String label(String label) {
    return label == null ? GroupBy.UNCLASSIFIED : label;
  }
}
