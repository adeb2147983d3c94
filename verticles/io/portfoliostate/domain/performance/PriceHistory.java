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
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The prices, FX rates and splits of a window, walked forward in time by a {@link Cursor}: at
 * each time, the price of an instrument is the one observed last at or before it, restated in
 * the terms of that time when a split became effective after the observation (DOMAIN.md: prices
 * before a split's effective time are adjusted, so a split is never a gain or a loss).
 *
 * <p>Each instrument's prices are kept as a {@link Series}: parallel arrays of observation times
 * (epoch microseconds, PostgreSQL's precision) and decimals, not one {@link Price} object each (a
 * year of 500 instruments is 130,500 prices: objects and {@link Instant}s were most of what a read
 * allocated). The cursor moves an index per instrument, so a series of D days over N instruments
 * with P prices costs O(P + D·N), not a search per day. Rates are few; the cursor folds them into
 * a {@link MarketData} and converts by its rules (direct, inverse, cross through USD).
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
    this(rates, splits);
    Map<InstrumentId, List<Price>> byInstrument = new HashMap<>();
    for (Price price : prices) {
      byInstrument.computeIfAbsent(price.instrumentId(), id -> new ArrayList<>()).add(price);
    }
    byInstrument.forEach((id, list) -> this.prices.put(id, Series.of(id, list)));
  }

  /**
   * The history of prices already in series (one per instrument; of two for one instrument the
   * later in the collection wins), rates in any order and splits as for the constructor.
   */
  public static PriceHistory ofSeries(Collection<Series> series, Collection<FxRate> rates,
      Collection<Split> splits) {
    PriceHistory history = new PriceHistory(rates, splits);
    for (Series one : series) {
      history.prices.put(one.instrumentId(), one);
    }
    return history;
  }

  private PriceHistory(Collection<FxRate> rates, Collection<Split> splits) {
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
    /** Incremented whenever a rate is applied: a track's last conversion is valid while it stays. */
    private int rateChanges;
    private Instant at = Instant.MIN;
    private long atMicros = Long.MIN_VALUE;

    private Cursor() {
    }

    /** Moves to {@code time}: what was observed at or before it is now the latest. */
    public void moveTo(Instant time) {
      if (time.isBefore(at)) {
        throw new IllegalArgumentException("the cursor moves forward only: " + time + " is before " + at);
      }
      at = time;
      atMicros = floorMicros(time);
      converted.clear();
      while (nextRate < rates.size() && !rates.get(nextRate).at().isAfter(time)) {
        market = market.with(rates.get(nextRate++));
        rateChanges++;
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
      /** The last answer of {@link #priceIn} and what it depended on: most days ask again unchanged. */
      private int pricedIndex = -2;
      private int pricedRates = -1;
      private CurrencyCode pricedIn;
      /** That answer as a decimal (null: not made yet, or no price), and as digits and a scale. */
      private BigDecimal priced;
      private boolean hasPrice;
      private long pricedUnscaled;
      private int pricedScale;

      private Track(InstrumentId instrumentId, Series series) {
        this.instrumentId = instrumentId;
        this.series = series;
        this.splits = PriceHistory.this.splits.containsKey(instrumentId);
      }

      private int advance() {
        if (series != null) {
          long[] times = series.micros;
          while (index + 1 < times.length && times[index + 1] <= atMicros) {
            index++;
          }
        }
        return index;
      }

      /** The price observed last at or before the cursor's time, as observed; null when none. */
      public Price observed() {
        int i = advance();
        return i < 0 ? null : series.price(i);
      }

      /** As {@link Cursor#price}. */
      public BigDecimal price(CurrencyCode currency) {
        return priceIn(currency) ? decimal() : null;
      }

      /**
       * Prices the instrument in {@code currency} at the cursor's time, as {@link Cursor#price}:
       * false when there is no price or no rate. The price is then {@link #unscaled} × 10^-{@link
       * #scale}, or {@link #decimal}: a price used as observed (no split after it, quoted in
       * {@code currency}: almost every one) is read off the series' digits, no decimal made.
       */
      public boolean priceIn(CurrencyCode currency) {
        int i = advance();
        if (i < 0) {
          return false;
        }
        // Without a split the answer depends only on the observation, the currency and the rates.
        if (!splits && i == pricedIndex && currency.equals(pricedIn) && rateChanges == pricedRates) {
          return hasPrice;
        }
        pricedIndex = i;
        pricedIn = currency;
        pricedRates = rateChanges;
        CurrencyCode quotedIn = series.currencies[i];
        boolean asObserved = quotedIn == currency || quotedIn.equals(currency);
        if (asObserved && !splits && series.unscaled[i] != ExactSum.NOT_LONG) {
          hasPrice = true;
          priced = null;
          pricedUnscaled = series.unscaled[i];
          pricedScale = series.scales[i];
          return true;
        }
        BigDecimal observed = series.decimal(i);
        BigDecimal price = splits ? adjusted(instrumentId, observed, series.at(i), at) : observed;
        if (!asObserved) {
          BigDecimal rate = fx(quotedIn, currency);
          price = rate == null ? null : price.multiply(rate, Decimals.QUOTIENT);
        }
        hasPrice = price != null;
        priced = price;
        pricedUnscaled = price == null ? ExactSum.NOT_LONG : ExactSum.unscaled(price);
        pricedScale = price == null ? 0 : price.scale();
        return hasPrice;
      }

      /** The digits of the last price {@link #priceIn} found; {@link ExactSum#NOT_LONG} when they are not a long. */
      long unscaled() {
        return pricedUnscaled;
      }

      /** The scale of the last price {@link #priceIn} found. */
      int scale() {
        return pricedScale;
      }

      /** The last price {@link #priceIn} found, as a decimal (the observation's value and scale). */
      public BigDecimal decimal() {
        if (priced == null && hasPrice) {
          priced = BigDecimal.valueOf(pricedUnscaled, pricedScale);
        }
        return priced;
      }
    }
  }

  /** A rate looked up at the cursor's time; null when none is quoted. */
  private record Conversion(CurrencyCode from, CurrencyCode to, BigDecimal rate) {
  }

  /** Whole microseconds at or before {@code time}. */
  static long floorMicros(Instant time) {
    return Math.multiplyExact(time.getEpochSecond(), 1_000_000L) + time.getNano() / 1_000;
  }

  /**
   * One instrument's prices sorted by observation time, distinct times, as parallel arrays: the
   * times in epoch microseconds (PostgreSQL's precision; a time finer than that is rounded up, so
   * an observation never counts before it happened), each decimal as its unscaled digits and scale
   * (a {@code long} and a {@code byte}: no object per price, and the valuation multiplies the
   * digits as they are), the currency of each (almost always one object shared by all). A price
   * whose digits do not fit a long (more than 18, or a scale outside 0 … 18) is kept as a decimal
   * beside them; values and scales are exactly the decimals given.
   */
  public static final class Series {
    private final InstrumentId instrumentId;
    private final long[] micros;
    /** Each price's unscaled digits, {@link ExactSum#NOT_LONG} for one kept in {@link #wide}. */
    private final long[] unscaled;
    private final byte[] scales;
    /** The prices that are not a long (null elsewhere); null when every one is. */
    private final BigDecimal[] wide;
    private final CurrencyCode[] currencies;

    /**
     * Takes the arrays as they are (not copied: the caller gives them up).
     *
     * @param micros strictly ascending observation times, epoch microseconds
     * @param prices the price observed at each time, &gt; 0
     * @param currencies the currency of each price
     * @throws IllegalArgumentException when the lengths differ or the times do not ascend strictly
     */
    public Series(InstrumentId instrumentId, long[] micros, BigDecimal[] prices, CurrencyCode[] currencies) {
      this(instrumentId, micros, digits(prices), scales(prices), wide(prices), currencies);
    }

    /**
     * Takes the arrays as they are (not copied: the caller gives them up).
     *
     * @param micros strictly ascending observation times, epoch microseconds
     * @param unscaled the digits of the price observed at each time ({@link #unscaled(BigDecimal)}),
     *     {@link Long#MIN_VALUE} for a price given in {@code wide}
     * @param scales the scale of each price (0 … 18 where {@code unscaled} holds it)
     * @param wide null, or the prices whose digits are not a long (null elsewhere)
     * @param currencies the currency of each price
     * @throws IllegalArgumentException when the lengths differ, the times do not ascend strictly
     *     or a price is missing
     */
    public Series(InstrumentId instrumentId, long[] micros, long[] unscaled, byte[] scales, BigDecimal[] wide,
        CurrencyCode[] currencies) {
      if (micros.length != unscaled.length || micros.length != scales.length || micros.length != currencies.length
          || (wide != null && wide.length != micros.length)) {
        throw new IllegalArgumentException("a series needs as many prices and currencies as times");
      }
      for (int i = 0; i < micros.length; i++) {
        if (i > 0 && micros[i] <= micros[i - 1]) {
          throw new IllegalArgumentException("the times of a series ascend strictly");
        }
        if (unscaled[i] == ExactSum.NOT_LONG && (wide == null || wide[i] == null)) {
          throw new IllegalArgumentException("a price of a series is missing");
        }
      }
      this.instrumentId = instrumentId;
      this.micros = micros;
      this.unscaled = unscaled;
      this.scales = scales;
      this.wide = wide;
      this.currencies = currencies;
    }

    /**
     * The digits of {@code price} as a series keeps them: its unscaled value when it is a long and
     * its scale 0 … 18, else {@link Long#MIN_VALUE} (the price is then kept as a decimal).
     */
    public static long unscaled(BigDecimal price) {
      return ExactSum.unscaled(price);
    }

    private static long[] digits(BigDecimal[] prices) {
      long[] digits = new long[prices.length];
      for (int i = 0; i < prices.length; i++) {
        digits[i] = ExactSum.unscaled(prices[i]);
      }
      return digits;
    }

    private static byte[] scales(BigDecimal[] prices) {
      byte[] scales = new byte[prices.length];
      for (int i = 0; i < prices.length; i++) {
        scales[i] = ExactSum.unscaled(prices[i]) == ExactSum.NOT_LONG ? 0 : (byte) prices[i].scale();
      }
      return scales;
    }

    private static BigDecimal[] wide(BigDecimal[] prices) {
      BigDecimal[] wide = null;
      for (int i = 0; i < prices.length; i++) {
        if (ExactSum.unscaled(prices[i]) == ExactSum.NOT_LONG) {
          wide = wide == null ? new BigDecimal[prices.length] : wide;
          wide[i] = prices[i];
        }
      }
      return wide;
    }

    /** The series of {@code list} (one instrument's prices in any order; of equal times the later in the list). */
    public static Series of(InstrumentId instrumentId, List<Price> list) {
      List<Price> sorted = list;
      // The history arrives sorted by (instrument, time) from the database: checked, not re-sorted.
      for (int i = 1; i < list.size(); i++) {
        if (list.get(i).at().isBefore(list.get(i - 1).at())) {
          sorted = new ArrayList<>(list);
          sorted.sort(Comparator.comparing(Price::at));
          break;
        }
      }
      long[] micros = new long[sorted.size()];
      BigDecimal[] prices = new BigDecimal[sorted.size()];
      CurrencyCode[] currencies = new CurrencyCode[sorted.size()];
      int n = 0;
      for (Price price : sorted) {
        long time = ceilMicros(price.at());
        if (n > 0 && micros[n - 1] == time) {
          n--;
        }
        micros[n] = time;
        prices[n] = price.price();
        currencies[n] = price.currency();
        n++;
      }
      return new Series(instrumentId, Arrays.copyOf(micros, n), Arrays.copyOf(prices, n),
          Arrays.copyOf(currencies, n));
    }

    private static long ceilMicros(Instant time) {
      return Math.multiplyExact(time.getEpochSecond(), 1_000_000L) + (time.getNano() + 999) / 1_000;
    }

    public InstrumentId instrumentId() {
      return instrumentId;
    }

    /** How many prices it holds. */
    public int size() {
      return micros.length;
    }

    /** The observation time of the {@code i}-th price. */
    public Instant at(int i) {
      return Instant.ofEpochSecond(Math.floorDiv(micros[i], 1_000_000L), Math.floorMod(micros[i], 1_000_000L) * 1_000L);
    }

    /** The currencies its prices are quoted in (one, almost always). */
    public Set<CurrencyCode> currencies() {
      Set<CurrencyCode> distinct = new HashSet<>();
      CurrencyCode last = null;
      for (CurrencyCode currency : currencies) {
        if (currency != last) {
          distinct.add(currency);
          last = currency;
        }
      }
      return distinct;
    }

    /** The observation time of the {@code i}-th price, epoch microseconds. */
    public long micros(int i) {
      return micros[i];
    }

    /** The {@code i}-th price as observed (the same value and scale as given). */
    public BigDecimal decimal(int i) {
      return unscaled[i] == ExactSum.NOT_LONG ? wide[i] : BigDecimal.valueOf(unscaled[i], scales[i]);
    }

    /** The digits of the {@code i}-th price, {@link Long#MIN_VALUE} when it is kept as a decimal. */
    public long unscaled(int i) {
      return unscaled[i];
    }

    /** The scale of the {@code i}-th price (0 when it is kept as a decimal). */
    public byte scale(int i) {
      return scales[i];
    }

    /** The {@code i}-th price when it is kept as a decimal (its digits are not a long), else null. */
    public BigDecimal wide(int i) {
      return wide == null ? null : wide[i];
    }

    /** The currency of the {@code i}-th price. */
    public CurrencyCode currency(int i) {
      return currencies[i];
    }

    /**
     * This series without the prices observed after {@code micros} (epoch microseconds); itself
     * when there are none; null when every price is after it.
     */
    public Series upTo(long micros) {
      int found = Arrays.binarySearch(this.micros, micros);
      int n = found >= 0 ? found + 1 : -found - 1;
      if (n == this.micros.length) {
        return this;
      }
      return n == 0 ? null : new Series(instrumentId, Arrays.copyOf(this.micros, n), Arrays.copyOf(unscaled, n),
          Arrays.copyOf(scales, n), wide == null ? null : Arrays.copyOf(wide, n), Arrays.copyOf(currencies, n));
    }

    /** The {@code i}-th price as a {@link Price}. */
    public Price price(int i) {
      return new Price(instrumentId, decimal(i), currencies[i], at(i));
    }
  }
}
