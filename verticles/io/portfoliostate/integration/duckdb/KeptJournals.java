package io.portfoliostate.integration.duckdb;

import io.portfoliostate.domain.PortfolioEvent;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The journals the daily series folded, kept parsed between refreshes (up to
 * {@code analytics.series.journalEvents} events over all portfolios), so that a refresh reads from
 * the store only the events appended since ({@link DailySeries#prepare}).
 *
 * <p>Why: a refresh recomputes a portfolio from its whole journal, and parsing that journal from
 * {@code events.payload} again each time was the largest step of a refresh, and much of its
 * garbage, for portfolios of thousands of events (BENCHMARKS.md, h/store13). The journal is append-only (a cancel, an
 * amendment, a back-dated trade are appended events), so what was read stays true.
 *
 * <p>When the bound is reached a journal that does not fit is not kept, and the kept ones stay
 * (a kept one that grew past the room left stays at its kept length): the refreshes take the
 * pending portfolios in turn, and with a least-recently-used eviction a turn over more portfolios
 * than fit would evict each one just before it is needed again (no journal would ever be found).
 * One refresh at a time uses it (the series worker).
 */
final class KeptJournals {

  /**
   * A portfolio's journal, its events in order up to {@code version}; every later event of the
   * portfolio is at a {@code rowid} of {@code events} at or above {@code rowsAfter} (the table's
   * rows when it was read), so the next read scans only the rows appended since
   * ({@link DailySeries#prepare}).
   */
  record Journal(long version, List<PortfolioEvent> events, long rowsAfter) {
  }

  private final int maxEvents;
  private final Map<String, Journal> journals = new HashMap<>();
  private long keptEvents;

  /** @param maxEvents how many events (over all portfolios) are kept parsed; 0 keeps none */
  KeptJournals(int maxEvents) {
    this.maxEvents = maxEvents;
  }

  /** The kept journal of {@code portfolioId}, or null. */
  synchronized Journal journal(String portfolioId) {
    return journals.get(portfolioId);
  }

  /**
   * Keeps {@code journal} as the one of {@code portfolioId} (in place of a shorter one) if it fits
   * within the bound with the others. If it does not, a shorter one kept before stays: it is still
   * a true prefix of the journal (which is append-only), so the next refresh reads from the store
   * only what came after it. Letting it go instead made every kept journal drop out as it grew
   * once the bound was reached (at 2,000 commits a second, about 100 s after a start), and each
   * of their refreshes read and parsed the whole journal again (BENCHMARKS.md, "the JIT and the
   * kept journals in the measured phase").
   */
  synchronized void keep(String portfolioId, Journal journal) {
    Journal before = journals.get(portfolioId);
    long others = keptEvents - (before == null ? 0 : before.events().size());
    if (others + journal.events().size() <= maxEvents) {
      journals.put(portfolioId, journal);
      keptEvents = others + journal.events().size();
    }
  }

  /** How many events are kept, over all portfolios. */
  synchronized long events() {
    return keptEvents;
  }
}
