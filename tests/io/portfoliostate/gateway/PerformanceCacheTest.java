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
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The bounds of {@link PerformanceCache} and what a kept window gives another, on its own. */
class PerformanceCacheTest {

  private static final Instant FROM = Instant.parse("2024-01-01T00:00:00Z");

  private final PerformanceCache cache = new PerformanceCache(10);

  @Test
  void journalsAreBoundedByTheirEventsAndANewVersionReplacesTheStates() {
    PortfolioId p = PortfolioId.of("p");
    PerformanceCache.Journal first = cache.keepJournal(p, 4, events(4));
    PerformanceCache.Window week = new PerformanceCache.Window(java.time.LocalDate.of(2024, 1, 1),
        java.time.LocalDate.of(2024, 1, 5));
    BusinessTime.Series states = new BusinessTime.Series(List.of(), List.of());
    cache.keepStates(first, week, states);
    assertThat(cache.journal(p).states(week)).isSameAs(states);
    PerformanceCache.Journal second = cache.keepJournal(p, 5, events(5));
    assertThat(cache.journal(p)).isSameAs(second);
    assertThat(second.states(week)).isNull();
    // 10 events at most: a second portfolio of 6 pushes the first out; one of 11 is not kept.
    cache.keepJournal(PortfolioId.of("q"), 6, events(6));
    assertThat(cache.journal(p)).isNull();
    cache.keepJournal(PortfolioId.of("r"), 11, events(11));
    assertThat(cache.journal(PortfolioId.of("r"))).isNull();
    assertThat(cache.journal(PortfolioId.of("q"))).isNotNull();
  }

  /**
   * A window inside a kept one is a slice of its states (its first day's changed positions are
   * all of them); one reaching past it is not, but the kept window is the one to fold on from.
   */
  @Test
  void aWindowInsideAKeptOneIsASliceOfItsStates() {
    List<PortfolioEvent> journal = tradedEveryDay();
    PerformanceCache.Journal kept = cache.keepJournal(PortfolioId.of("p"), 3, journal);
    PerformanceCache.Window twoWeeks = new PerformanceCache.Window(LocalDate.of(2024, 1, 1), LocalDate.of(2024, 1, 12));
    List<LocalDate> dates = PerformanceCalculator.weekdays(twoWeeks.from(), twoWeeks.to());
    BusinessTime.Series states = BusinessTime.series(journal, dates.stream().map(PerformanceCalculator::endOf).toList());
    cache.keepStates(kept, twoWeeks, states);

    // Wednesday 3rd (a Saturday start counts from Monday) to Tuesday 9th: weekdays 3 to 7 of the kept ten.
    BusinessTime.Series inside = kept.states(new PerformanceCache.Window(LocalDate.of(2024, 1, 3), LocalDate.of(2024, 1, 9)));
    assertThat(inside.states()).containsExactlyElementsOf(states.states().subList(2, 7));
    assertThat(inside.changed().get(0)).containsExactlyInAnyOrderElementsOf(states.states().get(2).positions().keySet());
    assertThat(inside.changed().subList(1, 5)).isEqualTo(states.changed().subList(3, 7));
    BusinessTime.Series fromSaturday = kept.states(new PerformanceCache.Window(LocalDate.of(2024, 1, 6),
        LocalDate.of(2024, 1, 12)));
    assertThat(fromSaturday.states()).containsExactlyElementsOf(states.states().subList(5, 10));

    PerformanceCache.Window beyond = new PerformanceCache.Window(LocalDate.of(2024, 1, 3), LocalDate.of(2024, 1, 19));
    assertThat(kept.states(beyond)).isNull();
    assertThat(kept.before(beyond).getKey()).isEqualTo(twoWeeks);
    assertThat(kept.before(new PerformanceCache.Window(LocalDate.of(2023, 12, 29), LocalDate.of(2024, 1, 5)))).isNull();
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

  private static List<PortfolioEvent> events(int count) {
    PortfolioEvent created = new PortfolioCreated(PortfolioId.of("p"), "P", CurrencyCode.USD, null, CostMethod.AVERAGE,
        new BigDecimal("0.02"), Map.of(), FROM, PortfolioSettings.NONE);
    return java.util.Collections.nCopies(count, created);
  }
}
