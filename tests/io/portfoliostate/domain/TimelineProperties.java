package io.portfoliostate.domain;

import static io.portfoliostate.domain.Fixtures.AAPL;
import static io.portfoliostate.domain.Fixtures.FUND;
import static io.portfoliostate.domain.Fixtures.T0;
import static io.portfoliostate.domain.Fixtures.USD;
import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.domain.timeline.BusinessTime;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;

/**
 * The timeline's property (DOMAIN.md, Time): any interleaving of arrivals, back-dated trades,
 * cancels and amendments gives the state a fresh replay of the surviving trades (as they now
 * stand) in execution order gives — positions, lots and cash — under every cost method; and the
 * state as of a business time is the fresh replay of the surviving trades executed by then.
 */
class TimelineProperties {

  private static final int TRIES = 300;

  /** One step of a run: a trade arrives, or an arrived trade (by arrival index) is cancelled or amended. */
  sealed interface Step permits Arrive, Cancel, Amend {
  }

  record Arrive(Side side, BigDecimal quantity, BigDecimal price, BigDecimal fees, String strategy, int day)
      implements Step {
  }

  record Cancel(int target) implements Step {
  }

  record Amend(int target, Side side, BigDecimal quantity, BigDecimal price, String strategy, Integer day)
      implements Step {
  }

  private static Instant day(int n) {
    return T0.minus(Duration.ofDays(60)).plus(Duration.ofDays(n));
  }

  /** A trade as it now stands, with the order it arrived in. */
  private record Standing(RecordTrade trade, int arrival, boolean cancelled) {
  }

  @Property(tries = TRIES)
  void anyInterleavingGivesTheFreshReplayInExecutionOrder(@ForAll("steps") List<Step> steps,
      @ForAll @IntRange(min = 0, max = 22) int asOfDay) {
    for (CostMethod method : CostMethod.values()) {
      Fixtures.Book book = Fixtures.Book.of(Fixtures.create(method));
      Map<String, Standing> standing = new LinkedHashMap<>();
      List<String> arrived = new ArrayList<>();
      for (Step step : steps) {
        apply(book, step, standing, arrived);
      }
      List<RecordTrade> surviving = surviving(standing, null);
      Fixtures.Book fresh = Fixtures.Book.of(Fixtures.create(method));
      surviving.forEach(fresh::record);

      assertSameHoldings(book.state(), fresh.state(), method + " after " + steps);
      // The journal, folded as of a business time, is the replay of what was executed by then.
      Fixtures.Book then = Fixtures.Book.of(Fixtures.create(method));
      surviving(standing, day(asOfDay)).forEach(then::record);
      assertSameHoldings(BusinessTime.asOf(book.events(), day(asOfDay)), then.state(),
          method + " as of day " + asOfDay + " after " + steps);
    }
  }

  private static void apply(Fixtures.Book book, Step step, Map<String, Standing> standing, List<String> arrived) {
    if (step instanceof Arrive) {
      Arrive a = (Arrive) step;
      String id = "t" + arrived.size();
      RecordTrade trade = new RecordTrade(FUND, id, AAPL, a.side(), a.quantity(), a.price(), null, a.fees(),
          a.strategy(), day(a.day()));
      book.record(trade);
      standing.put(id, new Standing(trade, arrived.size(), false));
      arrived.add(id);
      return;
    }
    if (arrived.isEmpty()) {
      return;
    }
    if (step instanceof Cancel) {
      String id = arrived.get(((Cancel) step).target() % arrived.size());
      Standing before = standing.get(id);
      if (before.cancelled()) {
        assertThat(book.reject(new CancelTrade(FUND, id, null)).reason()).isEqualTo(Rejection.Reason.TRADE_CANCELLED);
        return;
      }
      book.record(new CancelTrade(FUND, id, null));
      standing.put(id, new Standing(before.trade(), before.arrival(), true));
      return;
    }
    Amend m = (Amend) step;
    if (m.side() == null && m.quantity() == null && m.price() == null && m.strategy() == null && m.day() == null) {
      return; // an amendment that names no field is refused at birth (AmendTrade)
    }
    String id = arrived.get(m.target() % arrived.size());
    Standing before = standing.get(id);
    AmendTrade amend = new AmendTrade(FUND, id, m.side(), m.quantity(), m.price(), null, null, m.strategy(),
        m.day() == null ? null : day(m.day()), null);
    RecordTrade was = before.trade();
    RecordTrade now = new RecordTrade(FUND, id, AAPL, m.side() != null ? m.side() : was.side(),
        m.quantity() != null ? m.quantity() : was.quantity(), m.price() != null ? m.price() : was.price(), null,
        was.fees(), m.strategy() != null ? m.strategy() : was.strategy(),
        m.day() != null ? day(m.day()) : was.executedAt());
    if (before.cancelled()) {
      assertThat(book.reject(amend).reason()).isEqualTo(Rejection.Reason.TRADE_CANCELLED);
    } else if (now.fingerprint().equals(was.fingerprint())) {
      assertThat(book.reject(amend).field()).isEqualTo("amendment");
    } else {
      book.record(amend);
      standing.put(id, new Standing(now, before.arrival(), false));
    }
  }

  /** The surviving trades executed by {@code until} (null: all), in execution order, ties in arrival order. */
  private static List<RecordTrade> surviving(Map<String, Standing> standing, Instant until) {
    return standing.values().stream()
        .filter(s -> !s.cancelled() && (until == null || !s.trade().executedAt().isAfter(until)))
        .sorted(Comparator.comparing((Standing s) -> s.trade().executedAt()).thenComparingInt(Standing::arrival))
        .map(Standing::trade)
        .toList();
  }

  private static void assertSameHoldings(PortfolioState actual, PortfolioState expected, String what) {
    assertThat(actual.positions().keySet()).as(what).isEqualTo(expected.positions().keySet());
    Map<PositionKey, List<Object>> figures = new HashMap<>();
    expected.positions().forEach((key, p) -> figures.put(key, TimelineRulesTest.Timelines.figures(p)));
    actual.positions().forEach((key, p) ->
        assertThat(TimelineRulesTest.Timelines.figures(p)).as("%s: %s", key, what).isEqualTo(figures.get(key)));
    assertThat(actual.balance(USD)).as(what).isEqualByComparingTo(expected.balance(USD));
  }

  @Provide
  Arbitrary<List<Step>> steps() {
    Arbitrary<Side> sides = Arbitraries.of(Side.class);
    Arbitrary<BigDecimal> quantities = Arbitraries.of("1", "5", "10", "25", "0.5", "7.25").map(BigDecimal::new);
    Arbitrary<BigDecimal> prices = Arbitraries.of("10", "12.5", "9.75", "100", "0.37", "15").map(BigDecimal::new);
    Arbitrary<BigDecimal> fees = Arbitraries.of("0", "1", "0.25").map(BigDecimal::new);
    Arbitrary<String> strategies = Arbitraries.of("default", "default", "hedge");
    // Few days: ties in execution time are frequent, and most arrivals are back-dated.
    Arbitrary<Integer> days = Arbitraries.integers().between(0, 20);
    Arbitrary<Step> arrive = Combinators.combine(sides, quantities, prices, fees, strategies, days)
        .as((side, quantity, price, fee, strategy, day) -> new Arrive(side, quantity, price, fee, strategy, day));
    Arbitrary<Integer> targets = Arbitraries.integers().between(0, 1_000);
    Arbitrary<Step> cancel = targets.map(Cancel::new);
    Arbitrary<Step> amend = Combinators.combine(targets, sides.injectNull(0.6), quantities.injectNull(0.6),
        prices.injectNull(0.6), strategies.injectNull(0.8), days.injectNull(0.5))
        .as((target, side, quantity, price, strategy, day) -> new Amend(target, side, quantity, price, strategy, day));
    return Arbitraries.frequencyOf(Tuple.of(6, arrive), Tuple.of(1, cancel), Tuple.of(2, amend))
        .list().ofMinSize(1).ofMaxSize(30);
  }
}
