package io.portfoliostate.gateway;

import io.portfoliostate.domain.CashFlowRecorded;
import io.portfoliostate.domain.DividendApplied;
import io.portfoliostate.domain.PortfolioEvent;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.domain.PortfolioState;
import io.portfoliostate.domain.performance.MarketNeeds;
import io.portfoliostate.domain.performance.PerformanceCalculator;
import io.portfoliostate.domain.timeline.BusinessTime;
import io.portfoliostate.persistence.PerformanceHistory;
import io.vertx.core.shareddata.Shareable;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * What the node keeps between performance reads (docs/performance.md, Caching): per portfolio
 * its journal at a version (as read, and the window-independent part of its business-time fold), and
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
   * A portfolio's journal up to {@code version} (its last sequence number), what reads take from
   * it, and the first and last states of the windows read at that version.
   *
   * <p>Not its parsed events: a year of 5,000 was some 50,000 small objects (trades, their
   * decimals, instants and ids) per kept portfolio, which the young collection after a first read
   * copied (BENCHMARKS.md, "eighth pass"). What is kept instead is the journal's text as read
   * without the trades' restated positions (each an empty object, which reads as the same event:
   * half the text, "ninth pass"; one array, parsed again only when events are appended), the window-independent part of
   * the fold as columns ({@link BusinessTime.Prepared}), what the journal needs from the market,
   * and its few flows and dividends (what the valuation reads of it).
   */
  static final class Journal {
    final long version;
    /**
     * The journal as read, its restated positions cut: parsed again, with what is appended, when the
     * journal moves. Null for one read from a stored prefix: read again from it when it moves.
     */
    final PerformanceHistory.JournalText text;
    /** How many events it has: what the cache's bound counts. */
    final int size;
    /** Its cash flows and dividends in journal order: all the valuation reads of the events. */
    final List<PortfolioEvent> flows;
    /** The business date of its earliest fact: where an ITD window starts. */
    final LocalDate inception;
    /** What the journal needs from the market. */
    final MarketNeeds needs;
    /** The window-independent part of the fold, once a read has made it (immutable once made). */
    volatile BusinessTime.Prepared prepared;
    /** The parsed events until the fold's part is made from them; then null, for the collector. */
    private volatile List<PortfolioEvent> parsed;
    // Two states per window, not every day's: the days' states between them (each holding the
    // positions its trades made) would outlive the read in the old generation and be copied by
    // the young collection that promotes them (BENCHMARKS.md, "seventh pass").
    private final LinkedHashMap<Window, Checkpoint[]> windows = new LinkedHashMap<>(8, 0.75f, true);

    /** @param events {@code text} parsed */
    Journal(long version, PerformanceHistory.JournalText text, List<PortfolioEvent> events) {
      this.version = version;
      this.text = text;
      this.size = events.size();
      List<PortfolioEvent> kept = new ArrayList<>();
      for (PortfolioEvent event : events) {
        if (event instanceof CashFlowRecorded || event instanceof DividendApplied) {
          kept.add(event);
        }
      }
      this.flows = List.copyOf(kept);
      this.inception = PerformanceCalculator.inception(events);
      this.needs = MarketNeeds.of(events);
      this.parsed = events;
    }

    /**
     * The parsed events to make {@link #prepared} from; null once it is made (read it then). A
     * read that finds neither (another read made it between its two looks) finds it made.
     */
    List<PortfolioEvent> toPrepare() {
      return prepared != null ? null : parsed;
    }

    /** Keeps the fold's part made from the events, and lets the events go. */
    void prepared(BusinessTime.Prepared made) {
      prepared = made;
      parsed = null;
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
   * Keeps {@code journal} as the journal of {@code id} (replacing an older version, and with it
   * its states), unless it alone is larger than the bound; returns it.
   */
  synchronized Journal keepJournal(PortfolioId id, Journal journal) {
    Journal old = journals.remove(id);
    if (old != null) {
      keptEvents -= old.size;
    }
    if (journal.size <= maxEvents) {
      journals.put(id, journal);
      keptEvents += journal.size;
      for (Iterator<Journal> it = journals.values().iterator(); keptEvents > maxEvents && it.hasNext(); ) {
        keptEvents -= it.next().size;
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
