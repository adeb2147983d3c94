package io.portfoliostate.domain;

import static io.portfoliostate.domain.Fixtures.AAPL;
import static io.portfoliostate.domain.Fixtures.FUND;
import static io.portfoliostate.domain.Fixtures.T0;
import static io.portfoliostate.domain.Fixtures.USD;
import static io.portfoliostate.domain.Fixtures.d;
import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * DOMAIN.md, Time: a position is the fold of its trades in execution order, whatever order they
 * arrived in; a back-dated trade, a cancel or an amendment restates it from that point, exactly as
 * a fresh replay in execution order would. Figures by hand.
 */
class TimelineRulesTest {

  /** Day n of the month before the tests' clock: every execution here is in the past. */
  private static Instant day(int n) {
    return T0.minus(Duration.ofDays(40)).plus(Duration.ofDays(n));
  }

  private static RecordTrade trade(String id, Side side, String quantity, String price, Instant executedAt) {
    return new RecordTrade(FUND, id, AAPL, side, d(quantity), d(price), null, null, null, executedAt);
  }

  private static Position position(Fixtures.Book book) {
    return book.position(AAPL);
  }

  /** The figures of a position, and its open lots as (quantity, price). */
  private static void assertPosition(Position position, String quantity, String averageCost, String realized,
      String... lots) {
    assertThat(position.quantity()).isEqualByComparingTo(quantity);
    assertThat(position.averageCost()).isEqualByComparingTo(averageCost);
    assertThat(position.realizedPnl()).isEqualByComparingTo(realized);
    assertThat(position.lots()).extracting(lot -> lot.quantity().stripTrailingZeros().toPlainString() + "@"
        + lot.price().stripTrailingZeros().toPlainString()).containsExactly(lots);
  }

  @Nested
  class BackDatedTrades {

    /**
     * Bought 10 @ 100 (day 1) and 10 @ 120 (day 2), sold 10 @ 130 (day 4); then a trade executed
     * on day 3 (or day 0) arrives. Refolded, the sale closes other lots than it did on arrival.
     */
    private Fixtures.Book base(CostMethod method) {
      return Fixtures.Book.of(Fixtures.create(method)).record(
          trade("b1", Side.BUY, "10", "100", day(1)),
          trade("b2", Side.BUY, "10", "120", day(2)),
          trade("s1", Side.SELL, "10", "130", day(4)));
    }

    @Test
    void underFifoASaleClosesTheBackDatedOldestLot() {
      Fixtures.Book book = base(CostMethod.FIFO);
      assertPosition(position(book), "10", "120", "300", "10@120");

      book.record(trade("x", Side.BUY, "10", "80", day(0)));

      // The sale now closes x (80): 10 · (130 − 80) = 500; b1 and b2 stay open.
      assertPosition(position(book), "20", "110", "500", "10@100", "10@120");
    }

    @Test
    void underLifoASaleClosesTheBackDatedNewestLot() {
      Fixtures.Book book = base(CostMethod.LIFO);
      assertPosition(position(book), "10", "100", "100", "10@100");

      book.record(trade("x", Side.BUY, "10", "80", day(3)));

      // The newest lot before the sale is now x (80): 10 · (130 − 80) = 500.
      assertPosition(position(book), "20", "110", "500", "10@100", "10@120");
    }

    @Test
    void underHifoASaleClosesTheBackDatedHighestLot() {
      Fixtures.Book book = base(CostMethod.HIFO);
      assertPosition(position(book), "10", "100", "100", "10@100");

      book.record(trade("x", Side.BUY, "10", "140", day(3)));

      // The highest lot before the sale is now x (140): 10 · (130 − 140) = −100.
      assertPosition(position(book), "20", "110", "-100", "10@100", "10@120");
    }

    @Test
    void underAverageTheSaleRealizesAgainstTheAverageThatIncludesTheBackDatedTrade() {
      Fixtures.Book book = base(CostMethod.AVERAGE);
      assertPosition(position(book), "10", "110", "200");

      book.record(trade("x", Side.BUY, "10", "80", day(3)));

      // Before the sale: 30 @ (1000 + 1200 + 800) / 30 = 100; it realizes 10 · 30 = 300.
      // Folded on arrival instead, it would hold 20 @ 95 with 200 realized.
      assertPosition(position(book), "20", "100", "300");
      assertThat(position(book).costBasis()).isEqualByComparingTo("2000");
    }

    @ParameterizedTest
    @EnumSource(CostMethod.class)
    void theRestatedPositionIsWhatAFreshReplayInExecutionOrderGives(CostMethod method) {
      Fixtures.Book arrived = base(method).record(trade("x", Side.BUY, "10", "80", day(3)),
          trade("y", Side.SELL, "25", "90", day(0)));
      Fixtures.Book fresh = Fixtures.Book.of(Fixtures.create(method)).record(
          trade("y", Side.SELL, "25", "90", day(0)),
          trade("b1", Side.BUY, "10", "100", day(1)),
          trade("b2", Side.BUY, "10", "120", day(2)),
          trade("x", Side.BUY, "10", "80", day(3)),
          trade("s1", Side.SELL, "10", "130", day(4)));

      assertThat(Timelines.figures(position(arrived))).isEqualTo(Timelines.figures(position(fresh)));
      assertThat(arrived.cash(USD)).isEqualByComparingTo(fresh.cash(USD));
    }

    @Test
    void anInOrderTradeIsFoldedOnTopAndCarriesNoRestatement() {
      Fixtures.Book book = base(CostMethod.FIFO).record(trade("late-but-latest", Side.BUY, "1", "1", day(5)));

      assertThat(((TradeRecorded) book.lastEvent()).restated()).isNull();
      assertThat(position(book).lastExecutedAt()).isEqualTo(day(5));
    }
  }

  @Nested
  class Cancels {

    @Test
    void cancellingTheTradeThatOpenedAPositionThatLaterFlippedShortRestatesIt() {
      Fixtures.Book book = Fixtures.Book.of(Fixtures.create(CostMethod.AVERAGE)).record(
          trade("b1", Side.BUY, "10", "100", day(1)),
          trade("s1", Side.SELL, "15", "110", day(2)),
          trade("b2", Side.BUY, "5", "105", day(3)));
      // Flip: 10 · (110 − 100) = 100, short 5 @ 110; the cover: 5 · (105 − 110) · −1 = 25. Flat.
      assertPosition(position(book), "0", "0", "125");
      assertThat(book.cash(USD)).isEqualByComparingTo("125"); // −1000 + 1650 − 525

      book.record(new CancelTrade(FUND, "b1", "booked on the wrong fund"));

      // Without b1: short 15 @ 110, 5 covered at 105: realized 25, short 10 @ 110.
      assertPosition(position(book), "-10", "110", "25");
      assertThat(book.cash(USD)).isEqualByComparingTo("1125"); // the 1000 paid for b1 comes back
      TradeCancelled cancelled = (TradeCancelled) book.lastEvent();
      assertThat(cancelled.cancelled().tradeId()).isEqualTo("b1");
      assertThat(cancelled.reason()).isEqualTo("booked on the wrong fund");
      assertThat(cancelled.restatement().positions()).singleElement()
          .satisfies(p -> assertThat(p.quantity()).isEqualByComparingTo("-10"));
    }

    @Test
    void cancellingThePositionsOnlyTradeRemovesThePosition() {
      Fixtures.Book book = Fixtures.Book.of(Fixtures.create(CostMethod.FIFO))
          .record(trade("b1", Side.BUY, "10", "100", day(1)))
          .record(new CancelTrade(FUND, "b1", null));

      assertThat(book.state().positions()).isEmpty();
      assertThat(book.cash(USD)).isEqualByComparingTo("0");
      assertThat(((TradeCancelled) book.lastEvent()).restatement().removed())
          .containsExactly(PositionKey.of(AAPL, "default"));
    }

    @Test
    void aCancelOfAnUnknownOrCancelledTradeIsRefused() {
      Fixtures.Book book = Fixtures.Book.of(Fixtures.create()).record(trade("b1", Side.BUY, "10", "100", day(1)),
          new CancelTrade(FUND, "b1", null));

      assertThat(book.reject(new CancelTrade(FUND, "nope", null)).reason()).isEqualTo(Rejection.Reason.TRADE_NOT_FOUND);
      assertThat(book.reject(new CancelTrade(FUND, "b1", "again")).reason())
          .isEqualTo(Rejection.Reason.TRADE_CANCELLED);
      assertThat(book.reject(amendPrice("b1", "101")).reason()).isEqualTo(Rejection.Reason.TRADE_CANCELLED);
      assertThat(book.reject(amendPrice("nope", "101")).reason()).isEqualTo(Rejection.Reason.TRADE_NOT_FOUND);
    }
  }

  private static AmendTrade amendPrice(String tradeId, String price) {
    return new AmendTrade(FUND, tradeId, null, null, d(price), null, null, null, null, null);
  }

  @Nested
  class Amendments {

    @Test
    void amendingThePriceOfATradeBeforeASplitRestatesThePositionThroughTheSplit() {
      Fixtures.Book book = Fixtures.Book.of(Fixtures.create(CostMethod.FIFO)).record(
          trade("b1", Side.BUY, "100", "50", day(1)),
          new ApplyCorporateAction(FUND, Split.of("split-1", AAPL, "2:1", day(2))),
          trade("b2", Side.BUY, "20", "30", day(3)));
      assertPosition(position(book), "220", "25.45454545454545454545454545454545", "0", "200@25", "20@30");

      book.record(amendPrice("b1", "60"));

      // 100 @ 60, split 2:1 → 200 @ 30, then 20 @ 30: 220 @ 30, cost 6600.
      assertPosition(position(book), "220", "30", "0", "200@30", "20@30");
      assertThat(position(book).costBasis()).isEqualByComparingTo("6600");
      assertThat(book.cash(USD)).isEqualByComparingTo("-6600"); // −6000 − 600
      TradeAmended amended = (TradeAmended) book.lastEvent();
      assertThat(amended.amendment()).isEqualTo(1);
      assertThat(amended.previous().price()).isEqualByComparingTo("50");
      assertThat(amended.amended().price()).isEqualByComparingTo("60");
    }

    @Test
    void amendingTheStrategyMovesTheTradeBetweenPositions() {
      Fixtures.Book book = Fixtures.Book.of(Fixtures.create(CostMethod.AVERAGE)).record(
          trade("b1", Side.BUY, "10", "100", day(1)), trade("b2", Side.BUY, "10", "110", day(2)));

      book.record(new AmendTrade(FUND, "b2", null, null, null, null, null, "momentum", null, "wrong book"));

      assertPosition(book.state().positions().get(PositionKey.of(AAPL, "default")), "10", "100", "0");
      assertPosition(book.state().positions().get(PositionKey.of(AAPL, "momentum")), "10", "110", "0");
      assertThat(book.cash(USD)).isEqualByComparingTo("-2100");
    }

    @Test
    void amendingSideQuantityFeesAndTimeRefoldsAsIfItHadAlwaysBeenSo() {
      Fixtures.Book book = Fixtures.Book.of(Fixtures.create(CostMethod.FIFO)).record(
          trade("b1", Side.BUY, "10", "100", day(1)), trade("b2", Side.BUY, "10", "120", day(2)),
          trade("s1", Side.SELL, "5", "130", day(3)));

      // s1 was a sale of 15 executed before b2, with a fee of 2.
      book.record(new AmendTrade(FUND, "s1", null, d("15"), null, d("2"), null, null, day(1).plusSeconds(60), null));

      // 10 @ 100, sell 15 @ 130: realize 300, flip short 5 @ 130; buy 10 @ 120: cover 5 (+50), long 5 @ 120.
      assertPosition(position(book), "5", "120", "350", "5@120");
      assertThat(position(book).fees()).isEqualByComparingTo("2");
      assertThat(book.cash(USD)).isEqualByComparingTo("-252"); // −1000 + 1950 − 2 − 1200
    }

    @Test
    void anAmendmentThatChangesNothingOrContradictsTheInstrumentsCurrencyIsRefused() {
      Fixtures.Book book = Fixtures.Book.of(Fixtures.create()).record(trade("b1", Side.BUY, "10", "100", day(1)));

      assertThat(book.reject(amendPrice("b1", "100.00")).field()).isEqualTo("amendment");
      assertThat(book.reject(new AmendTrade(FUND, "b1", null, null, null, null, CurrencyCode.of("EUR"), null, null,
          null)).field()).isEqualTo("currency");
    }
  }

  @Nested
  class Dividends {

    @Test
    void aDividendFollowsTheHoldingWhenTheTradeBeforeItIsCancelledOrAmended() {
      CashDividend dividend = new CashDividend("div-1", AAPL, d("0.5"), day(2));
      Fixtures.Book book = Fixtures.Book.of(Fixtures.create(CostMethod.AVERAGE)).record(
          trade("b1", Side.BUY, "100", "10", day(1)), new ApplyCorporateAction(FUND, dividend));
      assertThat(book.cash(USD)).isEqualByComparingTo("-950");

      book.record(new AmendTrade(FUND, "b1", null, d("60"), null, null, null, null, null, null));
      DividendApplied restated = (DividendApplied) book.lastEvent();
      assertThat(restated.tradeId()).isEqualTo("b1");
      assertThat(restated.amounts()).isEqualTo(Map.of(USD, new BigDecimal("-20.0")));
      assertThat(book.cash(USD)).isEqualByComparingTo("-570"); // −600 + 30

      book.record(new CancelTrade(FUND, "b1", null));
      assertThat(((DividendApplied) book.lastEvent()).amounts().get(USD)).isEqualByComparingTo("-30");
      assertThat(book.cash(USD)).isEqualByComparingTo("0");
    }

    @Test
    void aBackDatedTradeIntoAHeldPositionIsPaidTheDividendsItWasHeldFor() {
      Fixtures.Book book = Fixtures.Book.of(Fixtures.create(CostMethod.FIFO)).record(
          trade("b1", Side.BUY, "100", "10", day(1)),
          new ApplyCorporateAction(FUND, new CashDividend("div-1", AAPL, d("0.5"), day(3))),
          trade("b2", Side.BUY, "10", "11", day(4)));

      book.record(trade("s0", Side.SELL, "40", "12", day(2)));

      // Held 60, not 100, on day 3: the dividend is restated by −40 · 0.5.
      assertThat(book.events()).extracting(e -> e.getClass().getSimpleName()).endsWith("TradeRecorded",
          "DividendApplied");
      assertThat(((DividendApplied) book.lastEvent()).amounts().get(USD)).isEqualByComparingTo("-20");
      assertPosition(position(book), "70", "10.14285714285714285714285714285714", "80", "60@10", "10@11");
    }
  }

  @Nested
  class BusinessTimes {

    @Test
    void aTradeDatedInTheFutureBeyondTheSkewOrBefore1900IsRefused() {
      Fixtures.Book book = Fixtures.Book.of(Fixtures.create());
      Instant now = book.now().plus(Duration.ofMinutes(1));

      assertThat(book.reject(trade("f", Side.BUY, "1", "1", now.plus(Duration.ofMinutes(6)))).field())
          .isEqualTo("executedAt");
      assertThat(book.reject(trade("old", Side.BUY, "1", "1", Instant.parse("-0001-06-01T00:00:00Z"))).field())
          .isEqualTo("executedAt");
      book.record(trade("skew", Side.BUY, "1", "1", book.now().plus(Duration.ofMinutes(4))));
      assertThat(book.reject(new RecordCashFlow(FUND, "f1", CashFlowType.DEPOSIT, USD, d("1"), null,
          Instant.parse("1899-12-31T23:59:59Z"))).field()).isEqualTo("occurredAt");
    }
  }

  /** Positions compared as a fresh replay would make them: figures and lots, not recording times. */
  static final class Timelines {

    private Timelines() {
    }

    static List<Object> figures(Position p) {
      return List.of(p.key(), p.currency(), p.quantity().stripTrailingZeros(), p.averageCost().stripTrailingZeros(),
          p.costBasis().stripTrailingZeros(), p.realizedPnl().stripTrailingZeros(), p.fees().stripTrailingZeros(),
          String.valueOf(p.openedAt()), p.lots().stream().map(lot -> lot.quantity().stripTrailingZeros() + "@"
              + lot.price().stripTrailingZeros() + "@" + lot.openedAt()).toList());
    }
  }
}
