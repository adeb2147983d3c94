package io.portfoliostate.market;

import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.Instrument;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.ReferenceData;
import io.portfoliostate.domain.valuation.FxRate;
import io.portfoliostate.domain.valuation.MarketData;
import io.portfoliostate.domain.valuation.Price;
import java.time.Instant;
import io.portfoliostate.domain.CorporateAction;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.pcollections.HashTreePMap;
import org.pcollections.PMap;

/**
 * What a node knows of the market at one moment: every instrument's reference data and the
 * latest price and rate of each instrument and pair, and the corporate actions of each instrument. Immutable; a change makes a new snapshot
 * that shares what did not change (persistent maps), so a tick costs O(log n), not a copy, and
 * a valuation reading an older snapshot is never disturbed.
 */
public final class MarketSnapshot implements ReferenceData {

  private static final MarketSnapshot EMPTY = new MarketSnapshot(HashTreePMap.empty(), MarketData.empty(), null,
      HashTreePMap.empty());

  private final PMap<InstrumentId, Instrument> instruments;
  private final MarketData market;
  private final Instant latestAt;
  /** Every corporate action known, per instrument, the earliest effective first. */
  private final PMap<InstrumentId, List<CorporateAction>> actions;

  private MarketSnapshot(PMap<InstrumentId, Instrument> instruments, MarketData market, Instant latestAt,
      PMap<InstrumentId, List<CorporateAction>> actions) {
    this.instruments = instruments;
    this.market = market;
    this.latestAt = latestAt;
    this.actions = actions;
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

  /** Every instrument known (for the analytics store's copy of the reference data). */
  public java.util.Collection<Instrument> instruments() {
    return instruments.values();
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

  @Override
  public List<CorporateAction> actionsOf(InstrumentId instrumentId) {
    return actions.getOrDefault(instrumentId, List.of());
  }

  /**
   * This snapshot with these corporate actions known too. An action's content never changes under
   * its id (a post with other content is refused), so one already known is kept as it is.
   */
  public MarketSnapshot withActions(Collection<CorporateAction> added) {
    PMap<InstrumentId, List<CorporateAction>> next = actions;
    for (CorporateAction action : added) {
      List<CorporateAction> ofInstrument = next.getOrDefault(action.instrumentId(), List.of());
      if (ofInstrument.stream().noneMatch(known -> known.actionId().equals(action.actionId()))) {
        List<CorporateAction> more = new ArrayList<>(ofInstrument);
        more.add(action);
        // Effective time, then id: the order a late trade meets them in, the same on every node.
        more.sort(Comparator.comparing(CorporateAction::effectiveAt).thenComparing(CorporateAction::actionId));
        next = next.plus(action.instrumentId(), List.copyOf(more));
      }
    }
    return next == actions ? this : new MarketSnapshot(instruments, market, latestAt, next);
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
    return new MarketSnapshot(next, market, latestAt, actions);
  }

  /** This snapshot with the instruments it does not hold yet (what it holds is as new or newer). */
  public MarketSnapshot withMissingInstruments(Collection<Instrument> loaded) {
    PMap<InstrumentId, Instrument> next = instruments;
    for (Instrument instrument : loaded) {
      if (!next.containsKey(instrument.id())) {
        next = next.plus(instrument.id(), instrument);
      }
    }
    return new MarketSnapshot(next, market, latestAt, actions);
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
    return new MarketSnapshot(instruments, next, latest, actions);
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
    return new MarketSnapshot(instruments, next, latest, actions);
  }

  private static Instant later(Instant held, Instant seen) {
    return held == null || seen.isAfter(held) ? seen : held;
  }
}
