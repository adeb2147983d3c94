package io.portfoliostate.gateway;

import io.portfoliostate.domain.PortfolioEvent;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.domain.PortfolioState;
import io.portfoliostate.domain.PositionKey;
import io.portfoliostate.domain.performance.MarketNeeds;
import io.portfoliostate.domain.performance.PerformanceCalculator;
import io.portfoliostate.domain.timeline.BusinessTime;
import io.vertx.core.shareddata.Shareable;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the node keeps between performance reads (docs/performance.md, Caching): per portfolio
 * its parsed journal at a version, the window-independent part of its business-time fold, and
 * the states of the last few windows asked at that version. Bounded by events, least recently
 * used first out. One per node, shared by its gateway instances (a caller's next request may
 * reach another instance's event loop), so it locks: briefly, around map updates, never around
 * a parse or a fold. The prices are kept node-wide by {@link PerformancePrices}.
 *
 * <p>Why it stays right in a cluster: the journal is append-only (a cancel, an amendment, a
 * back-dated trade are appended events), and every read asks PostgreSQL for the events after the
 * kept version: the database, not a message, says whether the journal moved. States are kept per
 * version, so any appended event makes them unused.
 */
final class PerformanceCache implements Shareable {

  /** A window of the series: its first and last day. */
  record Window(LocalDate from, LocalDate to) {
  }

  /** A portfolio's journal parsed up to {@code version} (its last sequence number), and states per window. */
  static final class Journal {
    final long version;
    final List<PortfolioEvent> events;
    /** The window-independent part of the fold, once a read has made it (immutable once made). */
    volatile BusinessTime.Prepared prepared;
    /** What the journal needs from the market, once a read has asked (immutable once made). */
    volatile MarketNeeds needs;
    private final LinkedHashMap<Window, BusinessTime.Series> states = new LinkedHashMap<>(8, 0.75f, true);

    Journal(long version, List<PortfolioEvent> events) {
      this.version = version;
      this.events = List.copyOf(events);
    }

    /** What the journal needs from the market: read off it once per version (a pass over every event). */
    MarketNeeds needs() {
      MarketNeeds made = needs;
      if (made == null) {
        made = MarketNeeds.of(events);
        needs = made;
      }
      return made;
    }

    /**
     * The states of {@code window} at this version: those kept for it, or the slice of a kept
     * window that holds it (its weekdays are a run of the kept one's); null when neither.
     */
    synchronized BusinessTime.Series states(Window window) {
      BusinessTime.Series exact = states.get(window);
      if (exact != null) {
        return exact;
      }
      for (Map.Entry<Window, BusinessTime.Series> kept : states.entrySet()) {
        Window holder = kept.getKey();
        if (!holder.from().isAfter(window.from()) && !holder.to().isBefore(window.to())) {
          return slice(holder, kept.getValue(), window.from(),
              PerformanceCalculator.weekdays(window.from(), window.to()).size());
        }
      }
      return null;
    }

    /**
     * The kept window starting at or before {@code window} that reaches furthest, to fold on from
     * its last state rather than from the journal's start; null when none.
     */
    synchronized Map.Entry<Window, BusinessTime.Series> before(Window window) {
      Map.Entry<Window, BusinessTime.Series> best = null;
      for (Map.Entry<Window, BusinessTime.Series> kept : states.entrySet()) {
        Window holder = kept.getKey();
        if (!holder.from().isAfter(window.from()) && !kept.getValue().states().isEmpty()
            && (best == null || holder.to().isAfter(best.getKey().to()))) {
          best = kept;
        }
      }
      return best == null ? null : Map.entry(best.getKey(), best.getValue());
    }
  }

  /**
   * {@code count} states of {@code series} (kept for {@code kept}) from the first weekday at or
   * after {@code from}; the first slice's changed positions are all of its positions.
   */
  static BusinessTime.Series slice(Window kept, BusinessTime.Series series, LocalDate from, int count) {
    int offset = from.isAfter(kept.from()) ? PerformanceCalculator.weekdays(kept.from(), from.minusDays(1)).size() : 0;
    if (count == 0) {
      return new BusinessTime.Series(List.of(), List.of());
    }
    List<PortfolioState> states = series.states().subList(offset, offset + count);
    List<List<PositionKey>> changed = new ArrayList<>(count);
    changed.add(List.copyOf(states.get(0).positions().keySet()));
    changed.addAll(series.changed().subList(offset + 1, offset + count));
    return new BusinessTime.Series(states, changed);
  }

  /** The states of a few windows per portfolio: a dashboard asks MTD, YTD, 1Y, ITD. */
  private static final int WINDOWS_PER_PORTFOLIO = 4;

  private final int maxEvents;
  private final LinkedHashMap<PortfolioId, Journal> journals = new LinkedHashMap<>(16, 0.75f, true);
  private long keptEvents;

  /** @param maxEvents how many journal events (over all portfolios) are kept parsed; 0 keeps none */
  PerformanceCache(int maxEvents) {
    this.maxEvents = maxEvents;
  }

  /** The kept journal of {@code id}, or null. */
  synchronized Journal journal(PortfolioId id) {
    return journals.get(id);
  }

  /**
   * Keeps {@code events} as the journal of {@code id} at {@code version} (replacing an older
   * one, and with it its states); returns what is now kept, or an unkept entry when the journal
   * alone is larger than the bound.
   */
  synchronized Journal keepJournal(PortfolioId id, long version, List<PortfolioEvent> events) {
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
    synchronized (journal) {
      journal.states.put(window, states);
      for (Iterator<Window> it = journal.states.keySet().iterator();
          journal.states.size() > WINDOWS_PER_PORTFOLIO && it.hasNext(); ) {
        it.next();
        it.remove();
      }
    }
  }
}
