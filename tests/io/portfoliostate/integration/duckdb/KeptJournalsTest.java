package io.portfoliostate.integration.duckdb;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.domain.PortfolioEvent;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The bound of the journals the daily series keep: counted in events over all portfolios; a
 * journal that does not fit is not kept and the kept ones stay (no eviction that a turn over more
 * portfolios than fit would defeat); a grown journal replaces its shorter self when it fits, and
 * the shorter self stays when it does not.
 */
class KeptJournalsTest {

  @Test
  void journalsAreKeptWhileTheyFitAndTheKeptOnesStay() {
    KeptJournals kept = new KeptJournals(10);
    kept.keep("a", journal(1, 4));
    kept.keep("b", journal(2, 5));
    assertThat(kept.events()).isEqualTo(9);
    // 9 + 3 > 10: c is not kept, a and b stay.
    kept.keep("c", journal(3, 3));
    assertThat(kept.journal("c")).isNull();
    assertThat(kept.journal("a").version()).isEqualTo(1);
    assertThat(kept.events()).isEqualTo(9);
    // b grown to 6 events replaces its 5: 4 + 6 = 10 fits.
    kept.keep("b", journal(4, 6));
    assertThat(kept.journal("b").version()).isEqualTo(4);
    assertThat(kept.events()).isEqualTo(10);
    // a grown to 5 no longer fits (5 + 6 > 10): its kept 4 events stay (still a prefix of its
    // journal, so the next refresh reads only what follows them), and so does b.
    kept.keep("a", journal(5, 5));
    assertThat(kept.journal("a").version()).isEqualTo(1);
    assertThat(kept.journal("b").version()).isEqualTo(4);
    assertThat(kept.events()).isEqualTo(10);
  }

  @Test
  void aBoundOfZeroKeepsNone() {
    KeptJournals kept = new KeptJournals(0);
    kept.keep("a", journal(1, 1));
    assertThat(kept.journal("a")).isNull();
    assertThat(kept.events()).isZero();
  }

  /** A journal of {@code size} events up to {@code version} (the bound counts them, whatever they are). */
  private static KeptJournals.Journal journal(long version, int size) {
    List<PortfolioEvent> events = Collections.nCopies(size, null);
    return new KeptJournals.Journal(version, events, 0);
  }
}
