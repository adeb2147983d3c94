package io.portfoliostate.gateway;

import io.portfoliostate.domain.PortfolioEvent;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.domain.PortfolioState;
import io.portfoliostate.domain.performance.MarketNeeds;
import io.portfoliostate.domain.timeline.BusinessTime;
import io.vertx.core.shareddata.Shareable;
import java.time.LocalDate;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * What the node keeps between performance reads (docs/performance.md, Caching): per portfolio
 * its parsed journal at a version, the window-independent part of its business-time fold, and
 * the first and last states of the last few windows asked at that version (to fold on from). Bounded by events, least recently
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

  /**
   * A state a fold gave at the end of {@code date} (a weekday of a window read at the journal's
   * version): a later fold resumes from it instead of from the journal's start.
   */
  record Checkpoint(LocalDate date, PortfolioState state) {
  }

  /**
   * A portfolio's journal parsed up to {@code version} (its last sequence number), and the first
   * and last states of the windows read at that version.
   */
  static final class Journal {
    final long version;
    final List<PortfolioEvent> events;
    /** The window-independent part of the fold, once a read has made it (immutable once made). */
    volatile BusinessTime.Prepared prepared;
    /** What the journal needs from the market, once a read has asked (immutable once made). */
    volatile MarketNeeds needs;
    // Two states per window, not every day's: the days' states between them (each holding the
    // positions its trades made) would outlive the read in the old generation and be copied by
    // the young collection that promotes them (BENCHMARKS.md, "seventh pass").
    private final LinkedHashMap<Window, Checkpoint[]> windows = new LinkedHashMap<>(8, 0.75f, true);

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
     * The kept state latest at or before the end of {@code firstDay} (a window's first weekday),
     * to fold that window on from; null when none. A window inside a kept one resumes from the
     * kept one's first state, a later one from its last.
     */
    synchronized Checkpoint before(LocalDate firstDay) {
      Checkpoint best = null;
      for (Checkpoint[] kept : windows.values()) {
        for (Checkpoint one : kept) {
          if (!one.date().isAfter(firstDay) && (best == null || one.date().isAfter(best.date()))) {
            best = one;
          }
        }
      }
      return best;
    }
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

  /**
   * Keeps the first and last states of {@code window} (at the end of its first and last
   * weekdays) with the journal they were folded from.
   */
  void keepStates(Journal journal, Window window, Checkpoint first, Checkpoint last) {
    synchronized (journal) {
      journal.windows.put(window, new Checkpoint[] {first, last});
      for (Iterator<Window> it = journal.windows.keySet().iterator();
          journal.windows.size() > WINDOWS_PER_PORTFOLIO && it.hasNext(); ) {
        it.next();
        it.remove();
      }
    }
  }
}
