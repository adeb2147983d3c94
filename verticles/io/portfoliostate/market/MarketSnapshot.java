package io.portfoliostate.market;

import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.Instrument;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.ReferenceData;
import io.portfoliostate.domain.valuation.FxRate;
import io.portfoliostate.domain.valuation.MarketData;
import io.portfoliostate.domain.valuation.Price;
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

  private static final MarketSnapshot EMPTY = new MarketSnapshot(HashTreePMap.empty(), MarketData.empty());

  private final PMap<InstrumentId, Instrument> instruments;
  private final MarketData market;

  private MarketSnapshot(PMap<InstrumentId, Instrument> instruments, MarketData market) {
    this.instruments = instruments;
    this.market = market;
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
    return new MarketSnapshot(next, market);
  }

  /** This snapshot with the instruments it does not hold yet (what it holds is as new or newer). */
  public MarketSnapshot withMissingInstruments(Collection<Instrument> loaded) {
    PMap<InstrumentId, Instrument> next = instruments;
    for (Instrument instrument : loaded) {
      if (!next.containsKey(instrument.id())) {
        next = next.plus(instrument.id(), instrument);
      }
    }
    return new MarketSnapshot(next, market);
  }

  /**
   * This snapshot with the prices and rates folded in by {@link MarketData#with}: the latest by
   * observation time wins, and of two with the same time the later arrival.
   */
  public MarketSnapshot withQuotes(Collection<Price> prices, Collection<FxRate> rates) {
    MarketData next = market;
    for (Price price : prices) {
      next = next.with(price);
    }
    for (FxRate rate : rates) {
      next = next.with(rate);
    }
    return new MarketSnapshot(instruments, next);
  }

  /**
   * This snapshot with prices and rates loaded from the database, each taken only when nothing
   * as recent is held: what is held came in while loading, and an equal time means the held one
   * is the later correction.
   */
  public MarketSnapshot withLoadedQuotes(Collection<Price> prices, Collection<FxRate> rates) {
    MarketData next = market;
    for (Price price : prices) {
      Optional<Price> held = next.price(price.instrumentId());
      if (held.isEmpty() || held.get().at().isBefore(price.at())) {
        next = next.with(price);
      }
    }
    for (FxRate rate : rates) {
      Optional<FxRate> held = next.rate(rate.base(), rate.quote());
      if (held.isEmpty() || held.get().at().isBefore(rate.at())) {
        next = next.with(rate);
      }
    }
    return new MarketSnapshot(instruments, next);
  }
}
