package io.portfoliostate.domain;

import static io.portfoliostate.domain.Fixtures.AAPL;
import static io.portfoliostate.domain.Fixtures.FUND;
import static io.portfoliostate.domain.Fixtures.REFERENCE;
import static io.portfoliostate.domain.Fixtures.T0;
import static io.portfoliostate.domain.Fixtures.USD;
import static io.portfoliostate.domain.Fixtures.d;
import static io.portfoliostate.domain.Fixtures.minute;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Late holders (issue 17, item 2) through decide and evolve: the actions of an instrument come
 * from the reference data every owner has, so a trade executed before an effective action the
 * portfolio never dealt with is decided as if it had arrived before the fan-out, and a trade
 * executed before a dividend already paid receives (or pays) it on its own quantity. Exact
 * figures throughout.
 */
class LateCorporateActionRulesTest {

  private static final Instant SPLIT_AT = minute(30);
  private static final Instant DIVIDEND_AT = minute(60);
  private static final Instant NOW = minute(61);
  private static final Split SPLIT = Split.of("split-1", AAPL, "2:1", SPLIT_AT);
  private static final CashDividend DIVIDEND = new CashDividend("div-1", AAPL, d("0.5"), DIVIDEND_AT);

  /** Reference data that knows {@code actions} (as every node's market view does). */
  private static ReferenceData knowing(CorporateAction... actions) {
    return new ReferenceData() {
      @Override
      public Optional<CurrencyCode> currencyOf(InstrumentId instrumentId) {
        return REFERENCE.currencyOf(instrumentId);
      }

      @Override
      public List<CorporateAction> actionsOf(InstrumentId instrumentId) {
        return Stream.of(actions).filter(action -> action.instrumentId().equals(instrumentId)).toList();
      }
    };
  }

  private static RecordTrade trade(String id, Side side, String quantity, String price, Instant executedAt) {
    return new RecordTrade(FUND, id, AAPL, side, d(quantity), d(price), null, null, null, executedAt);
  }

  private static PortfolioState created() {
    return Fixtures.replay(null, ((Decision.Accepted) Ledgers.decide(null, Fixtures.create(CostMethod.AVERAGE),
        T0, REFERENCE)).events());
  }

  private static List<PortfolioEvent> decide(PortfolioState state, PortfolioCommand command, Instant now,
      ReferenceData reference) {
    Decision decision = Ledgers.decide(state, command, now, reference);
    assertThat(decision).as(command.toString()).isInstanceOf(Decision.Accepted.class);
    return ((Decision.Accepted) decision).events();
  }

  private static PortfolioState apply(PortfolioState state, PortfolioCommand command, ReferenceData reference) {
    return Fixtures.replay(state, decide(state, command, NOW, reference));
  }

  @Test
  void aFirstTradeBeforeAnEffectiveSplitAppliesTheSplitThenIsFoldedBeforeItAndFlagged() {
    List<PortfolioEvent> events = decide(created(), trade("t1", Side.BUY, "10", "60", minute(1)), NOW,
        knowing(SPLIT));

    assertThat(events).hasSize(2);
    assertThat(events.get(0)).isEqualTo(new SplitApplied("split-1", AAPL, 2, 1, SPLIT_AT, NOW));
    // Recorded as sent, flagged, and placed before the split on the position's timeline: the
    // position restated through the split holds 20 @ 30.
    TradeRecorded recorded = (TradeRecorded) events.get(1);
    assertThat(recorded.quantity()).isEqualByComparingTo("10");
    assertThat(recorded.price()).isEqualByComparingTo("60");
    assertThat(recorded.adjustedBy()).containsExactly("split-1");
    assertThat(recorded.restated().positions()).singleElement().satisfies(position -> {
      assertThat(position.quantity()).isEqualByComparingTo("20");
      assertThat(position.averageCost()).isEqualByComparingTo("30");
    });
    PortfolioState after = Fixtures.replay(created(), events);
    assertThat(after.hasApplied(SPLIT)).isTrue();
    assertThat(after.positions().get(PositionKey.of(AAPL, "default")).quantity()).isEqualByComparingTo("20");

    // A second late trade: the split is not applied again; the position is folded again with it.
    List<PortfolioEvent> second = decide(after, trade("t2", Side.BUY, "4", "50", minute(2)), NOW, knowing(SPLIT));
    assertThat(second).hasSize(1);
    assertThat(((TradeRecorded) second.get(0)).quantity()).isEqualByComparingTo("4");
    Position restated = Fixtures.replay(after, second).positions().get(PositionKey.of(AAPL, "default"));
    assertThat(restated.quantity()).isEqualByComparingTo("28");
    assertThat(restated.costBasis()).isEqualByComparingTo("800"); // 10 · 60 + 4 · 50, through the split
  }

  @Test
  void aTradeAfterAnActionOrBeforeItsTimeInAPortfolioWithoutThePositionIsNotTouchedByIt() {
    // executed after the split, before the dividend: only the dividend concerns it
    List<PortfolioEvent> between = decide(created(), trade("t1", Side.BUY, "10", "31", minute(40)), NOW,
        knowing(SPLIT, DIVIDEND));
    assertThat(between).extracting(event -> event.getClass().getSimpleName())
        .containsExactly("DividendApplied", "TradeRecorded", "DividendApplied");
    assertThat(((TradeRecorded) between.get(1)).quantity()).isEqualByComparingTo("10");
    // executed after the split and the dividend: as sent, nothing applied
    List<PortfolioEvent> after = decide(created(), trade("t2", Side.BUY, "10", "31", minute(70)), minute(71),
        knowing(SPLIT, DIVIDEND));
    assertThat(after).singleElement().isInstanceOf(TradeRecorded.class);
    // the actions are not effective yet when the trade is decided: as sent
    List<PortfolioEvent> early = decide(created(), trade("t3", Side.BUY, "10", "60", minute(1)), minute(10),
        knowing(SPLIT, DIVIDEND));
    assertThat(early).singleElement().isInstanceOf(TradeRecorded.class);
    assertThat(((TradeRecorded) early.get(0)).quantity()).isEqualByComparingTo("10");
  }

  @Test
  void aFirstTradeBeforeAnEffectiveDividendReceivesItOnItsQuantityInPostSplitTerms() {
    List<PortfolioEvent> events = decide(created(), trade("t1", Side.BUY, "10", "60", minute(1)), NOW,
        knowing(SPLIT, DIVIDEND));

    // The split, the dividend on nothing held yet, the trade (20 @ 30), its dividend: 20 · 0.5.
    assertThat(events).extracting(event -> event.getClass().getSimpleName())
        .containsExactly("SplitApplied", "DividendApplied", "TradeRecorded", "DividendApplied");
    assertThat(((DividendApplied) events.get(1)).amounts()).isEmpty();
    assertThat(events.get(1).idempotencyKey()).isEqualTo("ca:div-1");
    DividendApplied share = (DividendApplied) events.get(3);
    assertThat(share.tradeId()).isEqualTo("t1");
    assertThat(share.idempotencyKey()).isNull();
    assertThat(share.amounts().get(USD)).isEqualByComparingTo("10");
    assertThat(Fixtures.replay(created(), events).balance(USD)).isEqualByComparingTo("-590");
  }

  @Test
  void lateTradesChangeWhatWasHeldAtAPaidDividendExactlyLongAndShort() {
    PortfolioState holder = apply(created(), trade("t1", Side.BUY, "100", "10", minute(1)), REFERENCE);
    holder = apply(holder, new ApplyCorporateAction(FUND, SPLIT), REFERENCE);
    holder = apply(holder, new ApplyCorporateAction(FUND, DIVIDEND), REFERENCE);
    assertThat(holder.balance(USD)).isEqualByComparingTo("-900"); // −1000 + 200 · 0.5

    // Sold 30 before the split (60 after it): owed the dividend on 140, not 200.
    List<PortfolioEvent> sold = decide(holder, trade("t2", Side.SELL, "30", "11", minute(2)), NOW,
        knowing(SPLIT, DIVIDEND));
    assertThat(sold).hasSize(2);
    assertThat(((DividendApplied) sold.get(1)).amounts().get(USD)).isEqualByComparingTo("-30");
    holder = Fixtures.replay(holder, sold);
    assertThat(holder.balance(USD)).isEqualByComparingTo("-600"); // −900 + 330 − 30
    // Bought 10 between the split and the dividend: not converted, 10 · 0.5 received.
    List<PortfolioEvent> bought = decide(holder, trade("t3", Side.BUY, "10", "6", minute(45)), NOW,
        knowing(SPLIT, DIVIDEND));
    assertThat(((TradeRecorded) bought.get(0)).adjustedBy()).isEmpty();
    assertThat(((DividendApplied) bought.get(1)).amounts().get(USD)).isEqualByComparingTo("5");
    holder = Fixtures.replay(holder, bought);
    assertThat(holder.positions().get(PositionKey.of(AAPL, "default")).quantity()).isEqualByComparingTo("150");
    assertThat(holder.balance(USD)).isEqualByComparingTo("-655");

    // A first short before the dividend pays it: −5 · 0.5.
    List<PortfolioEvent> shorted = decide(created(), trade("s1", Side.SELL, "5", "10", minute(50)), NOW,
        knowing(DIVIDEND));
    assertThat(((DividendApplied) shorted.get(2)).amounts().get(USD)).isEqualByComparingTo("-2.5");
  }

  @Test
  void aHolderNotReachedByTheFanOutYetGetsTheActionOnWhatItHeldBeforeATradeAfterIt() {
    PortfolioState holder = apply(created(), trade("t1", Side.BUY, "100", "10", minute(1)), REFERENCE);

    List<PortfolioEvent> events = decide(holder, trade("t2", Side.BUY, "10", "6", minute(70)), minute(71),
        knowing(SPLIT, DIVIDEND));

    // 100 → 200 by the split, 200 · 0.5 of dividend, then the trade as sent.
    assertThat(events).extracting(event -> event.getClass().getSimpleName())
        .containsExactly("SplitApplied", "DividendApplied", "TradeRecorded");
    assertThat(((DividendApplied) events.get(1)).amounts().get(USD)).isEqualByComparingTo("100");
    PortfolioState after = Fixtures.replay(holder, events);
    assertThat(after.positions().get(PositionKey.of(AAPL, "default")).quantity()).isEqualByComparingTo("210");
  }

  @Test
  void anActionAppliedOnTheWayIsRecognizedByItsKeyAndContent() {
    DividendApplied share = new DividendApplied("div-1", AAPL, d("0.5"), DIVIDEND_AT, java.util.Map.of(), NOW, "t1");
    assertThat(ApplyCorporateAction.appliedBy(share)).isNull();
    assertThat(ApplyCorporateAction.appliedBy(new SplitApplied("split-1", AAPL, 2, 1, SPLIT_AT, NOW))).isEqualTo(SPLIT);
    assertThat(ApplyCorporateAction.appliedBy(new DividendApplied("div-1", AAPL, d("0.5"), DIVIDEND_AT,
        java.util.Map.of(), NOW))).isEqualTo(DIVIDEND);
  }
}
