package io.portfoliostate.domain;

import static io.portfoliostate.domain.Fixtures.AAPL;
import static io.portfoliostate.domain.Fixtures.FUND;
import static io.portfoliostate.domain.Fixtures.REFERENCE;
import static io.portfoliostate.domain.Fixtures.SAP;
import static io.portfoliostate.domain.Fixtures.T0;
import static io.portfoliostate.domain.Fixtures.USD;
import static io.portfoliostate.domain.Fixtures.EUR;
import static io.portfoliostate.domain.Fixtures.d;
import static io.portfoliostate.domain.Fixtures.minute;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Corporate actions through decide and evolve (DOMAIN.md, Corporate actions): a split restates
 * every position in the instrument, whatever the strategy, and nothing else; a dividend moves
 * cash by q · amountPerShare per position; a trade executed before an applied split is
 * folded before it (its position restated through the split) and flagged. Exact figures throughout.
 */
class CorporateActionRulesTest {

  private static final Instant EFFECTIVE = minute(60);
  private static final Instant NOW = minute(61);

  private static PortfolioState run(CostMethod method, PortfolioCommand... commands) {
    Instant now = T0;
    PortfolioState state = apply(null, Fixtures.create(method), now);
    for (PortfolioCommand command : commands) {
      now = now.plusSeconds(1);
      state = apply(state, command, now);
    }
    return state;
  }

  private static PortfolioState apply(PortfolioState state, PortfolioCommand command, Instant now) {
    Decision decision = Ledgers.decide(state, command, now, REFERENCE);
    assertThat(decision).as(command.toString()).isInstanceOf(Decision.Accepted.class);
    return Fixtures.replay(state, ((Decision.Accepted) decision).events());
  }

  private static List<PortfolioEvent> decide(PortfolioState state, PortfolioCommand command) {
    return ((Decision.Accepted) Ledgers.decide(state, command, NOW, REFERENCE)).events();
  }

  private static ApplyCorporateAction split(String ratio) {
    return new ApplyCorporateAction(FUND, Split.of("split-1", AAPL, ratio, EFFECTIVE));
  }

  private static ApplyCorporateAction dividend(String amount) {
    return new ApplyCorporateAction(FUND, new CashDividend("div-1", AAPL, d(amount), EFFECTIVE));
  }

  private static RecordTrade trade(Side side, String quantity, String price, String strategy, Instant executedAt) {
    return new RecordTrade(FUND, "t-" + side + quantity + price + strategy + executedAt, AAPL, side, d(quantity),
        d(price), null, d("1"), strategy, executedAt);
  }

  private static Position position(PortfolioState state, String strategy) {
    return state.positions().get(PositionKey.of(AAPL, strategy));
  }

  @Nested
  class Splits {

    @Test
    void twoForOneRestatesALongAndAShortInEveryStrategyAndNothingElse() {
      PortfolioState before = run(CostMethod.AVERAGE, Fixtures.deposit(USD, "10000"),
          trade(Side.BUY, "100", "150", null, minute(1)), trade(Side.BUY, "50", "180", null, minute(2)),
          trade(Side.SELL, "30", "200", "hedge", minute(3)), Fixtures.buy(SAP, "10", "120"));
      Position longBefore = position(before, "default");
      Position shortBefore = position(before, "hedge");

      PortfolioState after = apply(before, split("2:1"), NOW);

      Position longAfter = position(after, "default");
      assertThat(longAfter.quantity()).isEqualByComparingTo("300");
      assertThat(longAfter.averageCost()).isEqualByComparingTo(longBefore.averageCost().divide(d("2")));
      assertThat(longAfter.costBasis()).isEqualTo(longBefore.costBasis());
      assertThat(longAfter.realizedPnl()).isEqualTo(longBefore.realizedPnl());
      Position shortAfter = position(after, "hedge");
      assertThat(shortAfter.quantity()).isEqualByComparingTo("-60");
      assertThat(shortAfter.averageCost()).isEqualByComparingTo("100");
      assertThat(shortAfter.costBasis()).isEqualTo(shortBefore.costBasis());
      assertThat(after.positions().get(PositionKey.of(SAP, null))).isEqualTo(before.positions().get(PositionKey.of(SAP, null)));
      assertThat(after.cash()).isEqualTo(before.cash());
      assertThat(after.version()).isEqualTo(before.version() + 1);
      assertThat(after.splitsOf(AAPL)).containsExactly(Split.of("split-1", AAPL, "2:1", EFFECTIVE));
    }

    @Test
    void oneForTenOnFifoLotsKeepsTheRealizedPnlAndRestatesEveryLot() {
      PortfolioState before = run(CostMethod.FIFO, trade(Side.BUY, "100", "15", null, minute(1)),
          trade(Side.BUY, "50", "18", null, minute(2)), trade(Side.SELL, "40", "20", null, minute(3)));
      // FIFO: sold 40 of the lot at 15: realized 40·(20 − 15) − 1 (the sale's fee) − the buy fee share.
      Position was = position(before, "default");

      Position after = position(apply(before, split("1:10"), NOW), "default");

      assertThat(after.quantity()).isEqualByComparingTo("11");
      assertThat(after.lots()).extracting(Lot::quantity).usingElementComparator(java.math.BigDecimal::compareTo)
          .containsExactly(d("6"), d("5"));
      assertThat(after.lots()).extracting(Lot::price).usingElementComparator(java.math.BigDecimal::compareTo)
          .containsExactly(was.lots().get(0).price().multiply(d("10")), was.lots().get(1).price().multiply(d("10")));
      assertThat(after.lots().get(0).price()).isEqualByComparingTo("150");
      assertThat(after.lots().get(1).price()).isEqualByComparingTo("180");
      assertThat(after.realizedPnl()).isEqualTo(was.realizedPnl());
      assertThat(after.costBasis()).isEqualTo(was.costBasis());
      assertThat(after.averageCost()).isEqualByComparingTo(was.averageCost().multiply(d("10")));
    }

    @Test
    void aPortfolioNotHoldingTheInstrumentRecordsTheSplitAndChangesNoPosition() {
      PortfolioState before = run(CostMethod.AVERAGE, Fixtures.buy(SAP, "10", "120"));

      List<PortfolioEvent> events = decide(before, split("2:1"));
      PortfolioState after = Fixtures.replay(before, events);

      assertThat(events).containsExactly(new SplitApplied("split-1", AAPL, 2, 1, EFFECTIVE, NOW));
      assertThat(after.positions()).isEqualTo(before.positions());
      assertThat(after.cash()).isEqualTo(before.cash());
    }

    @Test
    void aLateTradeExecutedBeforeTheSplitIsFoldedBeforeItAndFlaggedOneExecutedAfterIsNot() {
      PortfolioState split = apply(run(CostMethod.AVERAGE, trade(Side.BUY, "100", "150", null, minute(1))),
          split("2:1"), NOW);

      TradeRecorded late = (TradeRecorded) decide(split, trade(Side.BUY, "10", "160", null, minute(30))).get(0);
      TradeRecorded after = (TradeRecorded) decide(split, trade(Side.BUY, "10", "80", null, minute(62))).get(0);

      // Recorded as sent; the restated position carries it through the split (20 @ 80).
      assertThat(late.quantity()).isEqualByComparingTo("10");
      assertThat(late.price()).isEqualByComparingTo("160");
      assertThat(late.fees()).isEqualByComparingTo("1");
      assertThat(late.adjustedBy()).containsExactly("split-1");
      assertThat(late.adjusted()).isTrue();
      assertThat(after.quantity()).isEqualByComparingTo("10");
      assertThat(after.adjusted()).isFalse();
      Position position = position(Fixtures.replay(split, List.of(late)), "default");
      assertThat(position.quantity()).isEqualByComparingTo("220");
      // The cost basis (fees apart) carries over the split: 100 · 150, then 20 · 80.
      assertThat(position.costBasis()).isEqualByComparingTo("16600");
    }
  }

  @Nested
  class Dividends {

    @Test
    void aLongReceivesAndAShortPaysQuantityTimesAmountPerShareInThePositionCurrency() {
      PortfolioState before = run(CostMethod.AVERAGE, Fixtures.deposit(USD, "1000"),
          trade(Side.BUY, "150", "100", null, minute(1)), trade(Side.SELL, "40", "100", "hedge", minute(2)));
      java.math.BigDecimal usd = before.balance(USD);

      List<PortfolioEvent> events = decide(before, dividend("0.24"));
      PortfolioState after = Fixtures.replay(before, events);

      // 150 · 0.24 = 36 received, −40 · 0.24 = −9.6 paid: +26.4 net.
      assertThat(events).hasSize(1);
      DividendApplied applied = (DividendApplied) events.get(0);
      assertThat(applied.amounts()).containsOnlyKeys(USD);
      assertThat(applied.amounts().get(USD)).isEqualByComparingTo("26.4");
      assertThat(after.balance(USD)).isEqualByComparingTo(usd.add(d("26.4")));
      assertThat(after.positions()).isEqualTo(before.positions());
    }

    @Test
    void aShortAlonePaysIt() {
      PortfolioState before = run(CostMethod.AVERAGE, trade(Side.SELL, "40", "100", null, minute(1)));
      java.math.BigDecimal usd = before.balance(USD);

      PortfolioState after = apply(before, dividend("0.125"), NOW);

      assertThat(after.balance(USD).subtract(usd)).isEqualByComparingTo("-5");
    }

    @Test
    void aPortfolioWithoutAnOpenPositionRecordsNoCashChange() {
      PortfolioState before = run(CostMethod.AVERAGE, trade(Side.BUY, "10", "100", null, minute(1)),
          trade(Side.SELL, "10", "110", null, minute(2)), Fixtures.deposit(EUR, "5"));

      List<PortfolioEvent> events = decide(before, dividend("0.5"));

      assertThat(events).containsExactly(new DividendApplied("div-1", AAPL, d("0.5"), EFFECTIVE,
          java.util.Map.of(), NOW));
      assertThat(Fixtures.replay(before, events).cash()).isEqualTo(before.cash());
    }
  }

  @Test
  void theResultCarriesTheWholeStateSoTheFanOutTellsAppliedFromSkipped() {
    PortfolioState after = apply(run(CostMethod.AVERAGE, trade(Side.BUY, "10", "100", null, minute(1))),
        dividend("1"), NOW);

    assertThat(CommandResult.of(dividend("1"), after)).isEqualTo(new CommandResult(FUND, 3L, null,
        java.util.Map.of(), after));
  }

  @Test
  void theCommandIsKeyedByActionIdAndFingerprintedByItsContent() {
    assertThat(split("2:1").idempotencyKey()).isEqualTo("ca:split-1");
    assertThat(split("2:1").fingerprint()).isEqualTo("SPLIT|AAPL|2:1|2026-01-05T10:00:00Z");
    assertThat(dividend("0.50").fingerprint()).isEqualTo(dividend("0.5").fingerprint())
        .isEqualTo("CASH_DIVIDEND|AAPL|0.5|2026-01-05T10:00:00Z");
    assertThat(new SplitApplied("split-1", AAPL, 2, 1, EFFECTIVE, NOW).idempotencyKey()).isEqualTo("ca:split-1");
  }
}
