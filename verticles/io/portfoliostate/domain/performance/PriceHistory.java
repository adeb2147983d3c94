package io.portfoliostate.domain.performance;

import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.Decimals;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.Split;
import io.portfoliostate.domain.valuation.FxRate;
import io.portfoliostate.domain.valuation.MarketData;
import io.portfoliostate.domain.valuation.Price;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The prices, FX rates and splits of a window, walked forward in time by a {@link Cursor}: at
 * each time, the price of an instrument is the one observed last at or before it, restated in
 * the terms of that time when a split became effective after the observation (DOMAIN.md: prices
 * before a split's effective time are adjusted, so a split is never a gain or a loss).
 *
 * <p>Each instrument's prices are kept as sorted arrays and the cursor moves an index per
 * instrument, so a series of D days over N instruments with P prices costs O(P + D·N), not a
 * search per day. Rates are few; the cursor folds them into a {@link MarketData} and converts by
 * its rules (direct, inverse, cross through USD).
 */
public final class PriceHistory {

  private final Map<InstrumentId, Series> prices = new HashMap<>();
  private final List<FxRate> rates;
  private final Map<InstrumentId, List<Split>> splits = new HashMap<>();

  /**
   * @param prices in any order; of two with the same instrument and time the later in the list wins
   * @param rates in any order
   * @param splits of the instruments concerned; the same action id given twice counts once
   */
  public PriceHistory(Collection<Price> prices, Collection<FxRate> rates, Collection<Split> splits) {
    Map<InstrumentId, List<Price>> byInstrument = new HashMap<>();
    for (Price price : prices) {
      byInstrument.computeIfAbsent(price.instrumentId(), id -> new ArrayList<>()).add(price);
    }
    byInstrument.forEach((id, list) -> this.prices.put(id, new Series(list)));
    List<FxRate> sortedRates = new ArrayList<>(rates);
    sortedRates.sort(Comparator.comparing(FxRate::at));
    this.rates = sortedRates;
    Map<String, Split> distinct = new HashMap<>();
    for (Split split : splits) {
      distinct.putIfAbsent(split.actionId(), split);
    }
    for (Split split : distinct.values()) {
      this.splits.computeIfAbsent(split.instrumentId(), id -> new ArrayList<>()).add(split);
    }
    this.splits.values().forEach(list -> list.sort(Comparator.comparing(Split::effectiveAt)));
  }

  /** A cursor before the first time. */
  public Cursor cursor() {
    return new Cursor();
  }

  /**
   * {@code price}, observed at {@code observedAt}, in the terms of {@code at}: × d / n for every
   * split of the instrument effective after the observation and at or before {@code at}.
   */
  public BigDecimal adjusted(InstrumentId instrumentId, BigDecimal price, Instant observedAt, Instant at) {
    BigDecimal adjusted = price;
    for (Split split : splits.getOrDefault(instrumentId, List.of())) {
      if (split.effectiveAt().isAfter(observedAt) && !split.effectiveAt().isAfter(at)) {
        adjusted = split.adjustPrice(adjusted);
      }
    }
    return adjusted;
  }

  /** The market at successive, non-decreasing times. */
  public final class Cursor {

    private final Map<InstrumentId, Track> tracks = new HashMap<>();
    /**
     * The conversions asked for at the current time: a few pairs, asked once per position per
     * day, so a short list scanned beats a map.
     */
    private final List<Conversion> converted = new ArrayList<>();
    private MarketData market = MarketData.empty();
    private int nextRate;
    private Instant at = Instant.MIN;

    private Cursor() {
    }

    /** Moves to {@code time}: what was observed at or before it is now the latest. */
    public void moveTo(Instant time) {
      if (time.isBefore(at)) {
        throw new IllegalArgumentException("the cursor moves forward only: " + time + " is before " + at);
      }
      at = time;
      converted.clear();
      while (nextRate < rates.size() && !rates.get(nextRate).at().isAfter(time)) {
        market = market.with(rates.get(nextRate++));
      }
    }

    /**
     * The prices of one instrument as this cursor moves: a caller that asks every day keeps the
     * track and saves the map lookup.
     */
    public Track track(InstrumentId instrumentId) {
      return tracks.computeIfAbsent(instrumentId, id -> new Track(id, prices.get(id)));
    }

    /** The price observed last at or before the cursor's time, as observed; null when none. */
    public Price observed(InstrumentId instrumentId) {
      return track(instrumentId).observed();
    }

    /**
     * The price per unit in {@code currency}, split-adjusted to the cursor's time; converted at
     * the cursor's rate (34 digits) when quoted in another currency; null when no price or rate.
     */
    public BigDecimal price(InstrumentId instrumentId, CurrencyCode currency) {
      return track(instrumentId).price(currency);
    }

    /** How many {@code to} one {@code from} is worth at the cursor's time; null when not quoted. */
    public BigDecimal fx(CurrencyCode from, CurrencyCode to) {
      if (from.equals(to)) {
        return BigDecimal.ONE;
      }
      for (Conversion conversion : converted) {
        if (conversion.from().equals(from) && conversion.to().equals(to)) {
          return conversion.rate();
        }
      }
      BigDecimal rate = market.fx(from, to).orElse(null);
      converted.add(new Conversion(from, to, rate));
      return rate;
    }

    /** One instrument's prices, read forward with the cursor. */
    public final class Track {
      private final InstrumentId instrumentId;
      private final Series series;
      private final boolean splits;
      private int index = -1;

      private Track(InstrumentId instrumentId, Series series) {
        this.instrumentId = instrumentId;
        this.series = series;
        this.splits = PriceHistory.this.splits.containsKey(instrumentId);
      }

      /** The price observed last at or before the cursor's time, as observed; null when none. */
      public Price observed() {
        if (series == null) {
          return null;
        }
        while (index + 1 < series.at.length && !series.at[index + 1].isAfter(at)) {
          index++;
        }
        return index < 0 ? null : series.prices[index];
      }

      /** As {@link Cursor#price}. */
      public BigDecimal price(CurrencyCode currency) {
        Price observed = observed();
        if (observed == null) {
          return null;
        }
        BigDecimal price = splits ? adjusted(instrumentId, observed.price(), observed.at(), at) : observed.price();
        if (observed.currency().equals(currency)) {
          return price;
        }
        BigDecimal rate = fx(observed.currency(), currency);
        return rate == null ? null : price.multiply(rate, Decimals.QUOTIENT);
      }
    }
  }

  /** A rate looked up at the cursor's time; null when none is quoted. */
  private record Conversion(CurrencyCode from, CurrencyCode to, BigDecimal rate) {
  }

  /** One instrument's prices sorted by observation time, the last of equal times kept. */
  private static final class Series {
    final Instant[] at;
    final Price[] prices;

    Series(List<Price> list) {
      List<Price> sorted = list;
      // The history arrives sorted by (instrument, time) from the database: checked, not re-sorted.
      for (int i = 1; i < list.size(); i++) {
        if (list.get(i).at().isBefore(list.get(i - 1).at())) {
          sorted = new ArrayList<>(list);
          sorted.sort(Comparator.comparing(Price::at));
          break;
        }
      }
      List<Price> distinct = new ArrayList<>(sorted.size());
      for (Price price : sorted) {
        if (!distinct.isEmpty() && distinct.get(distinct.size() - 1).at().equals(price.at())) {
          distinct.set(distinct.size() - 1, price);
        } else {
          distinct.add(price);
        }
      }
      at = new Instant[distinct.size()];
      prices = distinct.toArray(new Price[0]);
      for (int i = 0; i < at.length; i++) {
        at[i] = prices[i].at();
      }
    }
  }
}
