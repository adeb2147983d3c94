package io.portfoliostate.domain;

import static io.portfoliostate.domain.Fixtures.AAPL;
import static io.portfoliostate.domain.Fixtures.EUR;
import static io.portfoliostate.domain.Fixtures.FUND;
import static io.portfoliostate.domain.Fixtures.SAP;
import static io.portfoliostate.domain.Fixtures.T0;
import static io.portfoliostate.domain.Fixtures.USD;
import static io.portfoliostate.domain.Fixtures.d;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portfoliostate.domain.timeline.BusinessTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A portfolio as of a business time: the trades executed, flows occurred and actions effective by
 * then, as the journal knows them (cancels and amendments applied). Hand-computed states.
 */
class BusinessTimeTest {

  private static Instant day(int n) {
    return T0.minus(Duration.ofDays(40)).plus(Duration.ofDays(n));
  }

  private static RecordTrade buy(String id, String quantity, String price, Instant executedAt) {
    return new RecordTrade(FUND, id, AAPL, Side.BUY, d(quantity), d(price), null, null, null, executedAt);
  }

  private static RecordTrade sell(String id, String quantity, String price, Instant executedAt) {
    return new RecordTrade(FUND, id, AAPL, Side.SELL, d(quantity), d(price), null, null, null, executedAt);
  }

  /**
   * Recorded in this order: a sale of day 4, a deposit that occurred on day 2, a purchase of day
   * 1, an EUR purchase of day 3 and a purchase of day 5 that is then cancelled, and the day-1
   * purchase amended to 100 @ 10.
   */
  private static List<PortfolioEvent> journal() {
    return Fixtures.Book.of(Fixtures.create(CostMethod.FIFO)).record(
        sell("s4", "30", "12", day(4)),
        new RecordCashFlow(FUND, "dep", CashFlowType.DEPOSIT, USD, d("5000"), null, day(2)),
        buy("b1", "80", "10", day(1)),
        new RecordTrade(FUND, "sap", SAP, Side.BUY, d("5"), d("100"), null, null, null, day(3)),
        buy("b5", "10", "15", day(5)),
        new CancelTrade(FUND, "b5", "duplicate"),
        new AmendTrade(FUND, "b1", null, d("100"), null, null, null, null, null, "quantity was 100")).events();
  }

  @Test
  void beforeAnythingWasExecutedThePortfolioHoldsNothing() {
    PortfolioState state = BusinessTime.asOf(journal(), day(0));

    assertThat(state.positions()).isEmpty();
    assertThat(state.cash()).isEmpty();
    assertThat(state.version()).isEqualTo(8); // as known now: every event
    assertThat(state.name()).isEqualTo("Fund A");
  }

  @Test
  void asOfEachDayTheHoldingsAreWhatWasExecutedByThenAsKnownNow() {
    List<PortfolioState> days = BusinessTime.at(journal(), List.of(day(1), day(2), day(3), day(4), day(6)));

    // Day 1: b1 as amended, 100 @ 10.
    assertThat(days.get(0).positions().get(PositionKey.of(AAPL, "default")).quantity()).isEqualByComparingTo("100");
    assertThat(days.get(0).balance(USD)).isEqualByComparingTo("-1000");
    // Day 2: the deposit.
    assertThat(days.get(1).balance(USD)).isEqualByComparingTo("4000");
    // Day 3: 5 SAP bought in EUR.
    assertThat(days.get(2).balance(EUR)).isEqualByComparingTo("-500");
    assertThat(days.get(2).positions()).hasSize(2);
    // Day 4: sold 30 of the 100 (FIFO, one lot): 30 · (12 − 10) = 60 realized.
    Position day4 = days.get(3).positions().get(PositionKey.of(AAPL, "default"));
    assertThat(day4.quantity()).isEqualByComparingTo("70");
    assertThat(day4.realizedPnl()).isEqualByComparingTo("60");
    assertThat(days.get(3).balance(USD)).isEqualByComparingTo("4360");
    // Day 6: the day-5 purchase was cancelled: nothing changes.
    assertThat(days.get(4).positions()).isEqualTo(days.get(3).positions());
    assertThat(days.get(4).cash()).isEqualTo(days.get(3).cash());
  }

  @Test
  void farAheadItIsTheCurrentStatesHoldings() {
    List<PortfolioEvent> events = journal();
    PortfolioState current = Fixtures.replay(null, events);

    PortfolioState ahead = BusinessTime.asOf(events, day(1000));

    assertThat(ahead.positions().keySet()).isEqualTo(current.positions().keySet());
    current.positions().forEach((key, position) -> assertThat(TimelineRulesTest.Timelines.figures(ahead.positions()
        .get(key))).isEqualTo(TimelineRulesTest.Timelines.figures(position)));
    current.cash().forEach((currency, balance) -> assertThat(ahead.balance(currency)).isEqualByComparingTo(balance));
  }

  @Test
  void asKnownAtAnEarlierVersionTheLaterFactsAreNotThere() {
    // As known after the first three events (before b1 was recorded): the sale and the deposit.
    PortfolioState known = BusinessTime.asOf(journal().subList(0, 3), day(4));

    Position position = known.positions().get(PositionKey.of(AAPL, "default"));
    assertThat(position.quantity()).isEqualByComparingTo("-30");
    assertThat(known.balance(USD)).isEqualByComparingTo("5360");
    assertThat(known.version()).isEqualTo(3);
  }

  @Test
  void timesMustAscend() {
    assertThatThrownBy(() -> BusinessTime.at(journal(), List.of(day(2), day(1))))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /**
   * Folding on from a state of day 2 gives, for days 3, 4 and 6, the very states a fold from the
   * journal's start gives (the day-2 snapshot holds the deposit and the amended b1; after it come
   * the SAP purchase, the sale and nothing for the cancelled b5), and a time before the snapshot
   * is refused.
   */
  @Test
  void foldingOnFromAKeptStateGivesTheStatesOfAFoldFromTheStart() {
    BusinessTime.Prepared prepared = BusinessTime.prepare(journal());
    List<Instant> later = List.of(day(3), day(4), day(6));
    PortfolioState snapshot = prepared.series(List.of(day(1), day(2))).states().get(1);

    BusinessTime.Series resumed = prepared.seriesFrom(snapshot, day(2), later);
    BusinessTime.Series fresh = prepared.series(later);

    for (int i = 0; i < later.size(); i++) {
      assertThat(resumed.states().get(i).positions()).isEqualTo(fresh.states().get(i).positions());
      assertThat(resumed.states().get(i).cash()).isEqualTo(fresh.states().get(i).cash());
    }
    assertThat(resumed.states().get(1).positions().get(PositionKey.of(AAPL, "default")).quantity())
        .isEqualByComparingTo("70");
    assertThat(resumed.states().get(1).balance(USD)).isEqualByComparingTo("4360");
    assertThat(resumed.changed().get(0)).hasSize(2);
    assertThat(resumed.changed().get(1)).containsExactly(PositionKey.of(AAPL, "default"));
    assertThat(resumed.changed().get(2)).isEmpty();
    assertThatThrownBy(() -> prepared.seriesFrom(snapshot, day(2), List.of(day(1))))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
