package io.portfoliostate.gateway;

import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.PortfolioEvent;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.domain.timeline.BusinessTime;
import io.portfoliostate.domain.performance.PriceHistory;
import io.portfoliostate.domain.valuation.Price;
import io.portfoliostate.protocol.MarketUpdate;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * What one gateway keeps between performance reads (docs/performance.md, Caching): per portfolio
 * its parsed journal at a version, the window-independent part of its business-time fold, and
 * the states of the last few windows asked at that version; per (instrument, window) the window's price series. Both bounded, least recently
 * used first out, and touched only on the gateway's event loop (no locks).
 *
 * <p>Why each stays right in a cluster:
 * <ul>
 *   <li>the journal is append-only (a cancel, an amendment, a back-dated trade are appended
 *       events), and every read asks PostgreSQL for the events after the kept version: the
 *       database, not a message, says whether the journal moved. States are kept per version, so
 *       any appended event makes them unused;
 *   <li>a price series is dropped when a price of its instrument observed at or before the
 *       window's end is committed anywhere: every market-data writer publishes what it committed
 *       on the cluster's market-update address, the writing node included. A read that was in
 *       flight while a price arrived is used once but not kept. Publications are not durable
 *       (a node cut off from the cluster misses them), so a series also expires after a time to
 *       live: that bounds how stale a cut-off node can be.
 * </ul>
 */
final class PerformanceCache {

  /** A window of the series: its first and last day. */
  record Window(LocalDate from, LocalDate to) {
  }

  /** A portfolio's journal parsed up to {@code version} (its last sequence number), and states per window. */
  static final class Journal {
    final long version;
    final List<PortfolioEvent> events;
    /** The window-independent part of the fold, once a read has made it (set on the event loop). */
    BusinessTime.Prepared prepared;
    private final LinkedHashMap<Window, BusinessTime.Series> states = new LinkedHashMap<>(8, 0.75f, true);

    Journal(long version, List<PortfolioEvent> events) {
      this.version = version;
      this.events = List.copyOf(events);
    }

    /** The states of {@code window} at this version, null when not kept. */
    BusinessTime.Series states(Window window) {
      return states.get(window);
    }
  }

  /** A price series of one instrument for one window, with when it was read. */
  private record PriceKey(InstrumentId instrument, long fromMicros, long toMicros) {
  }

  private record Kept(PriceHistory.Series series, long readAtNanos) {
  }

  /** The states of a few windows per portfolio: a dashboard asks MTD, YTD, 1Y, ITD. */
  private static final int WINDOWS_PER_PORTFOLIO = 4;

  private final int maxEvents;
  private final int maxPrices;
  private final long ttlNanos;
  private final LongSupplier nanos;
  private final LinkedHashMap<PortfolioId, Journal> journals = new LinkedHashMap<>(16, 0.75f, true);
  private final LinkedHashMap<PriceKey, Kept> prices = new LinkedHashMap<>(256, 0.75f, true);
  private long keptEvents;
  private long keptPrices;
  /** Bumped by every market update that carries prices: a read begun before it is not kept. */
  private long priceEpoch;

  /**
   * @param maxEvents how many journal events (over all portfolios) are kept parsed; 0 keeps none
   * @param maxPrices how many prices (over all series) are kept; 0 keeps none
   * @param ttlSeconds how long a price series is trusted without a publication to drop it
   */
  PerformanceCache(int maxEvents, int maxPrices, long ttlSeconds, LongSupplier nanos) {
    this.maxEvents = maxEvents;
    this.maxPrices = maxPrices;
    this.ttlNanos = ttlSeconds * 1_000_000_000L;
    this.nanos = nanos;
  }

  /** The kept journal of {@code id}, or null. */
  Journal journal(PortfolioId id) {
    return journals.get(id);
  }

  /**
   * Keeps {@code events} as the journal of {@code id} at {@code version} (replacing an older
   * one, and with it its states); returns what is now kept, or an unkept entry when the journal
   * alone is larger than the bound.
   */
  Journal keepJournal(PortfolioId id, long version, List<PortfolioEvent> events) {
    Journal journal = new Journal(version, events);
    Journal old = journals.remove(id);
    if (old != null) {
      keptEvents -= old.events.size();
    }
    if (events.size() <= maxEvents) {
      journals.put(id, journal);
      keptEvents += events.size();
      for (Iterator<Journal> it = journals.values().iterator(); keptEvents > maxEvents && it.hasNext(); ) {
        keptEvents -= it.next().events.size();
        it.remove();
      }
    }
    return journal;
  }

  /** Keeps the states of {@code window} with the journal they were folded from. */
  void keepStates(Journal journal, Window window, BusinessTime.Series states) {
    journal.states.put(window, states);
    for (Iterator<Window> it = journal.states.keySet().iterator();
        journal.states.size() > WINDOWS_PER_PORTFOLIO && it.hasNext(); ) {
      it.next();
      it.remove();
    }
  }

  /** The epoch to hand back with a read's result to {@link #keepPrices}. */
  long priceEpoch() {
    return priceEpoch;
  }

  /** The kept series of {@code instrument} for the window [{@code from}, {@code to}], or null. */
  PriceHistory.Series prices(InstrumentId instrument, Instant from, Instant to) {
    PriceKey key = new PriceKey(instrument, micros(from), micros(to));
    Kept kept = prices.get(key);
    if (kept == null) {
      return null;
    }
    if (nanos.getAsLong() - kept.readAtNanos() > ttlNanos) {
      prices.remove(key);
      keptPrices -= kept.series().size();
      return null;
    }
    return kept.series();
  }

  /** Keeps series read for a window, unless a price was committed since the read began ({@code epoch}). */
  void keepPrices(List<PriceHistory.Series> read, Instant from, Instant to, long epoch) {
    if (epoch != priceEpoch) {
      return;
    }
    long now = nanos.getAsLong();
    for (PriceHistory.Series series : read) {
      if (series.size() > maxPrices) {
        continue;
      }
      Kept old = prices.put(new PriceKey(series.instrumentId(), micros(from), micros(to)), new Kept(series, now));
      keptPrices += series.size() - (old == null ? 0 : old.series().size());
    }
    for (Iterator<Kept> it = prices.values().iterator(); keptPrices > maxPrices && it.hasNext(); ) {
      keptPrices -= it.next().series().size();
      it.remove();
    }
  }

  /**
   * Drops every series of an instrument priced by {@code update} whose window ends at or after
   * one of the update's observations (a price after a window's end changes nothing in it).
   */
  void onMarketUpdate(MarketUpdate update) {
    if (update.prices().isEmpty()) {
      return;
    }
    priceEpoch++;
    Map<InstrumentId, Long> earliest = new HashMap<>();
    for (Price price : update.prices()) {
      earliest.merge(price.instrumentId(), micros(price.at()), Math::min);
    }
    List<PriceKey> dropped = new ArrayList<>();
    for (Map.Entry<PriceKey, Kept> entry : prices.entrySet()) {
      Long at = earliest.get(entry.getKey().instrument());
      if (at != null && at <= entry.getKey().toMicros()) {
        dropped.add(entry.getKey());
      }
    }
    for (PriceKey key : dropped) {
      keptPrices -= prices.remove(key).series().size();
    }
  }

  /** How many series are kept (for tests and the gauge). */
  int keptSeries() {
    return prices.size();
  }

  private static long micros(Instant time) {
    return Math.multiplyExact(time.getEpochSecond(), 1_000_000L) + time.getNano() / 1_000;
  }
}
