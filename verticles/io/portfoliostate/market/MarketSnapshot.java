package io.portfoliostate.market;

import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.Instrument;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.ReferenceData;
import io.portfoliostate.domain.valuation.FxRate;
import io.portfoliostate.domain.valuation.MarketData;
import io.portfoliostate.domain.valuation.Price;
import java.time.Instant;
import java.util.Collection;
import java.util.Optional;
import org.pcollections.HashTreePMap;
import org.pcollections.PMap;

/**
 * What a node knows of the market at one moment: every instrument's reference data and the
 * latest price and rate of each instrument and pair. Immutable; a change makes a new snapshot
 * that shares what did not change (persistent maps), so a tick costs O(log n), not a copy, and
 * a valuation reading an older snapshot is never disturbed.
 */
public final class MarketSnapshot implements ReferenceData {

  private static final MarketSnapshot EMPTY = new MarketSnapshot(HashTreePMap.empty(), MarketData.empty(), null);

  private final PMap<InstrumentId, Instrument> instruments;
  private final MarketData market;
  private final Instant latestAt;

  private MarketSnapshot(PMap<InstrumentId, Instrument> instruments, MarketData market, Instant latestAt) {
    this.instruments = instruments;
    this.market = market;
    this.latestAt = latestAt;
  }

  /** Nothing known: no instrument, no price, no rate. */
  public static MarketSnapshot empty() {
    return EMPTY;
  }

  /** The latest prices and rates. */
  public MarketData market() {
    return market;
  }

  @Override
  public Optional<CurrencyCode> currencyOf(InstrumentId instrumentId) {
    return instrument(instrumentId).map(Instrument::currency);
  }

  @Override
  public Optional<Instrument> instrument(InstrumentId instrumentId) {
    return Optional.ofNullable(instruments.get(instrumentId));
  }

  /**
   * The observation time of the newest price or rate known, or null when none is: the time the
   * market of this snapshot is as of. Valuations state it (with the state's own last change), so
   * the same state and the same market always read alike, on any node and after a restart.
   */
  public Instant latestAt() {
    return latestAt;
  }

  /** How many instruments are known. */
  public int instrumentCount() {
    return instruments.size();
  }

  /** This snapshot with these instruments replacing any held under the same ids. */
  public MarketSnapshot withInstruments(Collection<Instrument> replaced) {
    PMap<InstrumentId, Instrument> next = instruments;
    for (Instrument instrument : replaced) {
      next = next.plus(instrument.id(), instrument);
    }
    return new MarketSnapshot(next, market, latestAt);
  }

  /** This snapshot with the instruments it does not hold yet (what it holds is as new or newer). */
  public MarketSnapshot withMissingInstruments(Collection<Instrument> loaded) {
    PMap<InstrumentId, Instrument> next = instruments;
    for (Instrument instrument : loaded) {
      if (!next.containsKey(instrument.id())) {
        next = next.plus(instrument.id(), instrument);
      }
    }
    return new MarketSnapshot(next, market, latestAt);
  }

  /**
   * This snapshot with the prices and rates folded in by {@link MarketData#with}: the latest by
   * observation time wins, and of two with the same time the later arrival.
   */
  public MarketSnapshot withQuotes(Collection<Price> prices, Collection<FxRate> rates) {
    MarketData next = market;
    Instant latest = latestAt;
    for (Price price : prices) {
      next = next.with(price);
      latest = later(latest, price.at());
    }
    for (FxRate rate : rates) {
      next = next.with(rate);
      latest = later(latest, rate.at());
    }
    return new MarketSnapshot(instruments, next, latest);
  }

  /**
   * This snapshot with prices and rates loaded from the database, each taken only when nothing
   * as recent is held: what is held came in while loading, and an equal time means the held one
   * is the later correction.
   */
  public MarketSnapshot withLoadedQuotes(Collection<Price> prices, Collection<FxRate> rates) {
    MarketData next = market;
    Instant latest = latestAt;
    for (Price price : prices) {
      Optional<Price> held = next.price(price.instrumentId());
      if (held.isEmpty() || held.get().at().isBefore(price.at())) {
        next = next.with(price);
      }
      latest = later(latest, price.at());
    }
    for (FxRate rate : rates) {
      Optional<FxRate> held = next.rate(rate.base(), rate.quote());
      if (held.isEmpty() || held.get().at().isBefore(rate.at())) {
        next = next.with(rate);
      }
      latest = later(latest, rate.at());
    }
    return new MarketSnapshot(instruments, next, latest);
  }

  private static Instant later(Instant held, Instant seen) {
    return held == null || seen.isAfter(held) ? seen : held;
  }
}
