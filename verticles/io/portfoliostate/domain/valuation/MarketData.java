package io.portfoliostate.domain.valuation;

import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.Decimals;
import io.portfoliostate.domain.InstrumentId;
import java.math.BigDecimal;
import java.util.Collection;
import java.util.Collections;
import java.util.Optional;
import org.pcollections.HashTreePMap;
import org.pcollections.PMap;

/**
 * An immutable view of the market: the latest price per instrument and the latest rate per
 * currency pair. {@link #with} returns a new view that shares everything it did not change, so
 * a price feed can publish a fresh snapshot per tick while valuations read older ones safely.
 *
 * <p>"Latest" is by observation time, not arrival: a price older than the one held is ignored
 * (feeds deliver out of order), and of two with the same time the later arrival wins (a
 * correction).
 */
public final class MarketData {

  private static final MarketData EMPTY = new MarketData(HashTreePMap.empty(), HashTreePMap.empty());

  private final PMap<InstrumentId, Price> prices;
  private final PMap<Pair, FxRate> rates;

  private MarketData(PMap<InstrumentId, Price> prices, PMap<Pair, FxRate> rates) {
    this.prices = prices;
    this.rates = rates;
  }

  /** A market with no price and no rate: every position line is unvalued. */
  public static MarketData empty() {
    return EMPTY;
  }

  /** The market these prices and rates make, each folded in with {@link #with}. */
  public static MarketData of(Collection<Price> prices, Collection<FxRate> rates) {
    MarketData market = EMPTY;
    for (Price price : prices) {
      market = market.with(price);
    }
    for (FxRate rate : rates) {
      market = market.with(rate);
    }
    return market;
  }

  /** This market with {@code price}, unless it holds a later price for the instrument. */
  public MarketData with(Price price) {
    Price held = prices.get(price.instrumentId());
    if (held != null && held.at().isAfter(price.at())) {
      return this;
    }
    return new MarketData(prices.plus(price.instrumentId(), price), rates);
  }

  /** This market with {@code rate}, unless it holds a later rate for the same pair. */
  public MarketData with(FxRate rate) {
    Pair pair = new Pair(rate.base(), rate.quote());
    FxRate held = rates.get(pair);
    if (held != null && held.at().isAfter(rate.at())) {
      return this;
    }
    return new MarketData(prices, rates.plus(pair, rate));
  }

  /** The latest price of {@code instrumentId}, if any was seen. */
  public Optional<Price> price(InstrumentId instrumentId) {
    return Optional.ofNullable(prices.get(instrumentId));
  }

  /** The latest rate quoted for exactly {@code base/quote} (not its inverse), if any. */
  public Optional<FxRate> rate(CurrencyCode base, CurrencyCode quote) {
    return Optional.ofNullable(rates.get(new Pair(base, quote)));
  }

  /** Every latest price, one per instrument. */
  public Collection<Price> prices() {
    return Collections.unmodifiableCollection(prices.values());
  }

  /** Every latest rate, one per quoted pair. */
  public Collection<FxRate> rates() {
    return Collections.unmodifiableCollection(rates.values());
  }

  /**
   * How many {@code to} one {@code from} is worth, by DOMAIN.md's order: 1 for the same
   * currency; else the rate from/to; else 1 / (to/from); else a cross through USD, each leg
   * direct or inverted. Empty when none of these is quoted: the caller reports the line as
   * unvalued rather than failing.
   *
   * <p>An inverted rate is a quotient and is kept to 34 significant digits
   * ({@link Decimals#QUOTIENT}); so is a cross product, which is exact whenever the exact product
   * fits in 34 digits (1.25 × 150 = 187.5).
   */
  public Optional<BigDecimal> fx(CurrencyCode from, CurrencyCode to) {
    if (from.equals(to)) {
      return Optional.of(BigDecimal.ONE);
    }
    BigDecimal direct = directOrInverse(from, to);
    if (direct != null) {
      return Optional.of(direct);
    }
    if (from.equals(CurrencyCode.USD) || to.equals(CurrencyCode.USD)) {
      return Optional.empty();
    }
    BigDecimal toUsd = directOrInverse(from, CurrencyCode.USD);
    BigDecimal fromUsd = directOrInverse(CurrencyCode.USD, to);
    if (toUsd == null || fromUsd == null) {
      return Optional.empty();
    }
    return Optional.of(toUsd.multiply(fromUsd, Decimals.QUOTIENT));
  }

  /** from/to as quoted, else 1 / (to/from), else null. */
  private BigDecimal directOrInverse(CurrencyCode from, CurrencyCode to) {
    FxRate direct = rates.get(new Pair(from, to));
    if (direct != null) {
      return direct.rate();
    }
    FxRate inverse = rates.get(new Pair(to, from));
    return inverse == null ? null : BigDecimal.ONE.divide(inverse.rate(), Decimals.QUOTIENT);
  }

  /** A quoted pair: the map key of a rate. */
  private record Pair(CurrencyCode base, CurrencyCode quote) {
  }
}
