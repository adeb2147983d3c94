package io.portfoliostate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.domain.CashFlowType;
import io.portfoliostate.domain.CostMethod;
import io.portfoliostate.domain.CreatePortfolio;
import io.portfoliostate.domain.Decision;
import io.portfoliostate.domain.Ledgers;
import io.portfoliostate.domain.PortfolioCommand;
import io.portfoliostate.domain.PortfolioState;
import io.portfoliostate.domain.RecordCashFlow;
import io.portfoliostate.domain.RecordTrade;
import io.portfoliostate.domain.ReferenceData;
import io.portfoliostate.domain.Side;
import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.PortfolioCreated;
import io.portfoliostate.domain.PortfolioEvent;
import io.portfoliostate.domain.PortfolioSettings;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.domain.performance.PerformanceCalculator;
import io.portfoliostate.domain.timeline.BusinessTime;
import io.portfoliostate.persistence.PerformanceHistory;
import io.portfoliostate.protocol.EventJson;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The bounds of {@link PerformanceCache} and what a kept window gives a later fold, on its own. */
class PerformanceCacheTest {

  private static final Instant FROM = Instant.parse("2024-01-01T00:00:00Z");

  private final PerformanceCache cache = new PerformanceCache(10);

  @Test
  void journalsAreBoundedByTheirEventsAndANewVersionReplacesTheStates() {
    PortfolioId p = PortfolioId.of("p");
    PerformanceCache.Journal first = cache.keepJournal(p, journal(4, events(4)));
    PerformanceCache.Window week = new PerformanceCache.Window(LocalDate.of(2024, 1, 1), LocalDate.of(2024, 1, 5));
    PortfolioState state = Ledgers.evolve(null, events(1).get(0));
    PerformanceCache.Checkpoint monday = new PerformanceCache.Checkpoint(week.from(), state);
    cache.keepStates(first, week, monday, new PerformanceCache.Checkpoint(week.to(), state));
    assertThat(cache.journal(p).before(LocalDate.of(2024, 1, 3))).isSameAs(monday);
    PerformanceCache.Journal second = cache.keepJournal(p, journal(5, events(5)));
    assertThat(cache.journal(p)).isSameAs(second);
    assertThat(second.before(LocalDate.of(2024, 1, 3))).isNull();
    // 10 events at most: a second portfolio of 6 pushes the first out; one of 11 is not kept.
    cache.keepJournal(PortfolioId.of("q"), journal(6, events(6)));
    assertThat(cache.journal(p)).isNull();
    cache.keepJournal(PortfolioId.of("r"), journal(11, events(11)));
    assertThat(cache.journal(PortfolioId.of("r"))).isNull();
    assertThat(cache.journal(PortfolioId.of("q"))).isNotNull();
  }

  /**
   * A kept window keeps its first and last states, not every day's: a window inside it folds on
   * from its first state, one after it from its last, one starting before it from the journal's
   * start; each such fold, walked one day at a time, gives the states a fold from the start gives.
   */
  @Test
  void aWindowFoldsOnFromTheLatestKeptStateAtOrBeforeItsFirstDay() {
    List<PortfolioEvent> journal = tradedEveryDay();
    PerformanceCache.Journal kept = cache.keepJournal(PortfolioId.of("p"), journal(journal.size(), journal));
    assertThat(kept.toPrepare()).isSameAs(journal);
    kept.prepared(BusinessTime.prepare(kept.toPrepare()));
    // Once prepared, the kept journal no longer holds the parsed events: only its text, flows and fold.
    assertThat(kept.toPrepare()).isNull();
    assertThat(kept.flows).hasSize(1).allMatch(event -> event instanceof io.portfoliostate.domain.CashFlowRecorded);
    assertThat(kept.inception).isEqualTo(LocalDate.of(2024, 1, 1));
    PerformanceCache.Window twoWeeks = new PerformanceCache.Window(LocalDate.of(2024, 1, 1), LocalDate.of(2024, 1, 12));
    List<LocalDate> dates = PerformanceCalculator.weekdays(twoWeeks.from(), twoWeeks.to());
    BusinessTime.Walk walk = PerformanceHandlers.walk(kept.prepared, kept.before(dates.get(0)), dates);
    assertThat(kept.before(dates.get(0))).isNull();
    while (walk.hasNext()) {
      walk.next();
    }
    PerformanceHandlers.keepEnds(cache, kept, twoWeeks, dates, walk);

    // Wednesday 3rd to Tuesday 9th: from Monday's state; Saturday 13th on: from Friday 12th's.
    assertThat(kept.before(LocalDate.of(2024, 1, 3)).date()).isEqualTo(LocalDate.of(2024, 1, 1));
    assertThat(kept.before(LocalDate.of(2024, 1, 12)).date()).isEqualTo(LocalDate.of(2024, 1, 12));
    assertThat(kept.before(LocalDate.of(2024, 1, 15)).state()).isSameAs(walk.last());
    assertThat(kept.before(LocalDate.of(2023, 12, 29))).isNull();

    for (PerformanceCache.Window window : List.of(new PerformanceCache.Window(LocalDate.of(2024, 1, 3),
        LocalDate.of(2024, 1, 9)), new PerformanceCache.Window(LocalDate.of(2024, 1, 12), LocalDate.of(2024, 1, 19)),
        new PerformanceCache.Window(LocalDate.of(2024, 1, 15), LocalDate.of(2024, 1, 19)))) {
      List<LocalDate> days = PerformanceCalculator.weekdays(window.from(), window.to());
      BusinessTime.Series fromStart = BusinessTime.series(journal, days.stream().map(PerformanceCalculator::endOf)
          .toList());
      BusinessTime.Walk resumed = PerformanceHandlers.walk(kept.prepared, kept.before(days.get(0)), days);
      for (int i = 0; i < days.size(); i++) {
        PortfolioState state = resumed.next();
        assertThat(state.positions()).as("%s, day %d", window, i).isEqualTo(fromStart.states().get(i).positions());
        assertThat(state.cash()).isEqualTo(fromStart.states().get(i).cash());
        assertThat(resumed.changed()).as("%s, day %d", window, i)
            .containsExactlyInAnyOrderElementsOf(fromStart.changed().get(i));
      }
      assertThat(resumed.hasNext()).isFalse();
    }
  }

  /** A deposit on 1 January 2024, then a purchase of 1 A at 10 executed every day to the 19th. */
  private static List<PortfolioEvent> tradedEveryDay() {
    PortfolioId fund = PortfolioId.of("p");
    InstrumentId a = InstrumentId.of("A");
    ReferenceData reference = instrument -> java.util.Optional.of(CurrencyCode.USD);
    List<PortfolioCommand> commands = new java.util.ArrayList<>();
    commands.add(new CreatePortfolio(fund, "P", CurrencyCode.USD, null, CostMethod.AVERAGE, null, null));
    commands.add(new RecordCashFlow(fund, "dep", CashFlowType.DEPOSIT, CurrencyCode.USD, new BigDecimal("1000"), null,
        FROM));
    for (int day = 0; day < 19; day++) {
      commands.add(new RecordTrade(fund, "t" + day, a, Side.BUY, BigDecimal.ONE, BigDecimal.TEN, null, null, null,
          FROM.plusSeconds(86_400L * day + 36_000)));
    }
    PortfolioState state = null;
    List<PortfolioEvent> events = new java.util.ArrayList<>();
    Instant now = FROM.plusSeconds(40 * 86_400);
    for (PortfolioCommand command : commands) {
      now = now.plusSeconds(60);
      Decision decision = Ledgers.decide(state, command, now, reference);
      assertThat(decision).as("decision on %s", command).isInstanceOf(Decision.Accepted.class);
      for (PortfolioEvent event : ((Decision.Accepted) decision).events()) {
        state = Ledgers.evolve(state, event);
        events.add(event);
      }
    }
    return events;
  }

  /** {@code events} as the cache keeps them: with their text, as a read finds it. */
  private static PerformanceCache.Journal journal(long version, List<PortfolioEvent> events) {
    PerformanceHistory.JournalText text = PerformanceHistory.JournalText.of(
        events.stream().map(EventJson::type).toList(), events.stream().map(e -> EventJson.toJson(e).encode()).toList(),
        java.util.stream.LongStream.rangeClosed(version - events.size() + 1, version).toArray());
    return new PerformanceCache.Journal(version, text, events);
  }

  private static List<PortfolioEvent> events(int count) {
    PortfolioEvent created = new PortfolioCreated(PortfolioId.of("p"), "P", CurrencyCode.USD, null, CostMethod.AVERAGE,
        new BigDecimal("0.02"), Map.of(), FROM, PortfolioSettings.NONE);
    return java.util.Collections.nCopies(count, created);
  }
}
