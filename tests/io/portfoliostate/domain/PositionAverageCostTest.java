package io.portfoliostate.domain;

import static io.portfoliostate.domain.Fixtures.minute;
import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.domain.Fixtures.Fills;
import java.math.BigDecimal;
import java.math.MathContext;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The average cost method of DOMAIN.md, figure by figure. */
class PositionAverageCostTest {

  /**
   * The AAPL position of the API.md example: quantity -15, averageCost 180, realizedPnl 2825,
   * fees 4. One sequence of trades that yields it, worked by hand:
   *
   * <pre>
   *   trade                 q     a     closed × (p − a) × sign(q)     realized  fees
   *   BUY  100 @ 150 fee 1  100   150                                     0      1
   *   BUY  100 @ 160 fee 1  200   (100·150 + 100·160) / 200 = 155          0      2
   *   SELL 145 @ 165 fee 1   55   155   145 × (165 − 155) × 1 = 1450    1450      3
   *   SELL  65 @ 180 fee 1  -10   180   55 × (180 − 155) × 1  = 1375    2825      4   (flip: a' = p)
   *   SELL   5 @ 180 fee 0  -15   (10·180 + 5·180) / 15 = 180          2825      4
   * </pre>
   *
   * Cash agrees with the example too (105521 after a 100000 deposit, version 7 = creation,
   * deposit, five trades): −Σ t·p = −15000 − 16000 + 23925 + 11700 + 900 = 5525, which is
   * realized − q·a = 2825 + 15·180; 100000 + 5525 − 4 = 105521. See PortfolioRulesTest.
   */
  @Test
  void apiExampleAaplEndsShortFifteenAtOneHundredEighty() {
    Position aapl = Fills.average()
        .buy("100", "150", "1")
        .buy("100", "160", "1")
        .sell("145", "165", "1")
        .sell("65", "180", "1")
        .sell("5", "180")
        .position();

    assertThat(aapl.quantity()).isEqualByComparingTo("-15");
    assertThat(aapl.averageCost()).isEqualByComparingTo("180");
    assertThat(aapl.realizedPnl()).isEqualByComparingTo("2825");
    assertThat(aapl.fees()).isEqualByComparingTo("4");
    assertThat(aapl.lots()).isEmpty();
    // unrealized at the example's price of 170: q · (price − a) = −15 · (170 − 180) = 150
    assertThat(aapl.quantity().multiply(new BigDecimal("170").subtract(aapl.averageCost())))
        .isEqualByComparingTo("150");
  }

  @Nested
  class Opening {

    @Test
    void aLongPositionOpensAtTheTradePrice() {
      Fills fills = Fills.average().buy("10", "100", "1.5");
      Position position = fills.position();

      assertThat(position.quantity()).isEqualByComparingTo("10");
      assertThat(position.averageCost()).isEqualByComparingTo("100");
      assertThat(position.realizedPnl()).isEqualByComparingTo("0");
      assertThat(position.fees()).isEqualByComparingTo("1.5");
      assertThat(position.openedAt()).isEqualTo(minute(1));
      assertThat(position.updatedAt()).isEqualTo(minute(1).plusSeconds(1));
      assertThat(position.costBasis()).isEqualByComparingTo("1000");
    }

    @Test
    void aShortPositionOpensAtTheTradePriceWithANegativeQuantity() {
      Position position = Fills.average().sell("10", "100").position();

      assertThat(position.quantity()).isEqualByComparingTo("-10");
      assertThat(position.averageCost()).isEqualByComparingTo("100");
      assertThat(position.realizedPnl()).isEqualByComparingTo("0");
      assertThat(position.costBasis()).isEqualByComparingTo("1000");
    }
  }

  @Nested
  class Adding {

    @Test
    void addingToALongWeightsTheAverageByQuantity() {
      // (10·100 + 30·120) / 40 = 4600 / 40 = 115
      Position position = Fills.average().buy("10", "100").buy("30", "120").position();

      assertThat(position.quantity()).isEqualByComparingTo("40");
      assertThat(position.averageCost()).isEqualByComparingTo("115");
      assertThat(position.realizedPnl()).isEqualByComparingTo("0");
      assertThat(position.openedAt()).as("adding keeps the opening time").isEqualTo(minute(1));
      assertThat(position.updatedAt()).isEqualTo(minute(2).plusSeconds(1));
    }

    @Test
    void addingToAShortWeightsTheAverageByAbsoluteQuantity() {
      // (10·100 + 30·120) / 40 = 115, on the short side
      Position position = Fills.average().sell("10", "100").sell("30", "120").position();

      assertThat(position.quantity()).isEqualByComparingTo("-40");
      assertThat(position.averageCost()).isEqualByComparingTo("115");
      assertThat(position.realizedPnl()).isEqualByComparingTo("0");
    }

    @Test
    void aNonTerminatingAverageIsKeptToThirtyFourSignificantDigits() {
      // (2·30 + 1·40) / 3 = 100 / 3
      Position position = Fills.average().buy("2", "30").buy("1", "40").position();

      BigDecimal expected = new BigDecimal("33.33333333333333333333333333333333");
      assertThat(expected.precision()).isEqualTo(34);
      assertThat(Decimals.QUOTIENT).isEqualTo(MathContext.DECIMAL128);
      assertThat(position.averageCost()).isEqualTo(expected);
      assertThat(position.averageCost())
          .isEqualTo(new BigDecimal("100").divide(new BigDecimal("3"), Decimals.QUOTIENT));
    }

    @Test
    void aRoundTripRealizesExactlyProceedsLessCost() {
      // The average is 33.33…33 (34 digits), but the cost basis 100 is exact: selling 3 @ 40
      // realizes 120 − 100 = 20, not 3 × (40 − 33.33…33) = 20.00…01.
      Position position = Fills.average().buy("2", "30").buy("1", "40").sell("3", "40").position();

      assertThat(position.realizedPnl()).isEqualByComparingTo("20");
      assertThat(position.costBasis()).isEqualByComparingTo("0");
      assertThat(position.quantity()).isEqualByComparingTo("0");
      assertThat(position.averageCost()).isEqualByComparingTo("0");
    }

    @Test
    void partialReductionsThatDoNotDivideEvenlyAddUpExactly() {
      // Cost 100 for 3 units. Selling 1 @ 40 takes a third of the cost (33.33…33, 34 digits),
      // leaving 66.66…67 exactly; selling the last 2 @ 40 takes exactly that. Total: 120 − 100.
      Position position = Fills.average().buy("2", "30").buy("1", "40").sell("1", "40").position();
      assertThat(position.costBasis()).isEqualTo(new BigDecimal("66.66666666666666666666666666666667"));
      assertThat(position.averageCost()).isEqualTo(new BigDecimal("33.33333333333333333333333333333333"));
      Position closed = Fills.average().buy("2", "30").buy("1", "40").sell("1", "40").sell("2", "40").position();
      assertThat(closed.realizedPnl()).isEqualByComparingTo("20");
    }

    @Test
    void aShortRoundTripIsExactToo() {
      Position position = Fills.average().sell("2", "30").sell("1", "40").buy("3", "30").position();
      // Proceeds 100, cost to cover 90: +10.
      assertThat(position.realizedPnl()).isEqualByComparingTo("10");
    }
  }

  @Nested
  class Reducing {

    @Test
    void aPartialSaleRealizesTheClosedQuantityAtPriceMinusAverage() {
      // closed 4, realized = 4 · (110 − 100) · (+1) = 40
      Position position = Fills.average().buy("10", "100").sell("4", "110").position();

      assertThat(position.quantity()).isEqualByComparingTo("6");
      assertThat(position.averageCost()).as("a reduction keeps the average").isEqualByComparingTo("100");
      assertThat(position.realizedPnl()).isEqualByComparingTo("40");
      assertThat(position.openedAt()).isEqualTo(minute(1));
    }

    @Test
    void aPartialSaleBelowCostRealizesALoss() {
      // 4 · (90 − 100) · (+1) = −40
      Position position = Fills.average().buy("10", "100").sell("4", "90").position();

      assertThat(position.quantity()).isEqualByComparingTo("6");
      assertThat(position.realizedPnl()).isEqualByComparingTo("-40");
    }

    @Test
    void coveringAShortBelowItsAverageRealizesAGain() {
      // 4 · (90 − 100) · (−1) = +40
      Position position = Fills.average().sell("10", "100").buy("4", "90").position();

      assertThat(position.quantity()).isEqualByComparingTo("-6");
      assertThat(position.averageCost()).isEqualByComparingTo("100");
      assertThat(position.realizedPnl()).isEqualByComparingTo("40");
    }

    @Test
    void coveringAShortAboveItsAverageRealizesALoss() {
      // 4 · (110 − 100) · (−1) = −40
      Position position = Fills.average().sell("10", "100").buy("4", "110").position();

      assertThat(position.quantity()).isEqualByComparingTo("-6");
      assertThat(position.realizedPnl()).isEqualByComparingTo("-40");
    }

    @Test
    void successiveReductionsAccumulateRealizedPnl() {
      // (a = 115 after the two buys) 10 · (130 − 115) + 20 · (100 − 115) = 150 − 300 = −150
      Position position = Fills.average().buy("10", "100").buy("30", "120")
          .sell("10", "130").sell("20", "100").position();

      assertThat(position.quantity()).isEqualByComparingTo("10");
      assertThat(position.averageCost()).isEqualByComparingTo("115");
      assertThat(position.realizedPnl()).isEqualByComparingTo("-150");
    }

    @Test
    void goingFlatResetsTheAverageAndKeepsRealizedPnlAndFees() {
      // 10 · (120 − 100) = 200
      Position position = Fills.average().buy("10", "100", "1").sell("10", "120", "2").position();

      assertThat(position.isFlat()).isTrue();
      assertThat(position.quantity()).isEqualByComparingTo("0");
      assertThat(position.averageCost()).isEqualByComparingTo("0");
      assertThat(position.realizedPnl()).isEqualByComparingTo("200");
      assertThat(position.fees()).isEqualByComparingTo("3");
      assertThat(position.costBasis()).isEqualByComparingTo("0");
      assertThat(position.openedAt()).as("a flat position is not open").isNull();
      assertThat(position.updatedAt()).isEqualTo(minute(2).plusSeconds(1));
    }

    @Test
    void aTradeAfterGoingFlatContinuesThePosition() {
      Position position = Fills.average().buy("10", "100", "1").sell("10", "120", "2")
          .buy("5", "50", "0.5").position();

      assertThat(position.quantity()).isEqualByComparingTo("5");
      assertThat(position.averageCost()).as("reopened at the new price").isEqualByComparingTo("50");
      assertThat(position.realizedPnl()).isEqualByComparingTo("200");
      assertThat(position.fees()).isEqualByComparingTo("3.5");
      assertThat(position.openedAt()).isEqualTo(minute(3));
    }

    @Test
    void quantitiesAreExactSoThreeTenthsSoldAfterThreeTenthsBoughtIsFlat() {
      Position flat = Fills.average().buy("0.1", "10").buy("0.1", "10").buy("0.1", "10")
          .sell("0.3", "10").position();
      assertThat(flat.isFlat()).isTrue();

      Position remainder = Fills.average().buy("1", "10").sell("0.999999999999999999", "10").position();
      assertThat(remainder.isFlat()).as("no rounding of small remainders").isFalse();
      assertThat(remainder.quantity()).isEqualByComparingTo("0.000000000000000001");
      assertThat(remainder.averageCost()).isEqualByComparingTo("10");
    }
  }

  @Nested
  class Flipping {

    @Test
    void aSaleBeyondALongFlipsItShortAtTheTradePrice() {
      // closed min(25, 10) = 10 at (120 − 100): 200; q' = −(25 − 10) = −15; a' = p = 120
      Position position = Fills.average().buy("10", "100").sell("25", "120").position();

      assertThat(position.quantity()).isEqualByComparingTo("-15");
      assertThat(position.averageCost()).isEqualByComparingTo("120");
      assertThat(position.realizedPnl()).isEqualByComparingTo("200");
      assertThat(position.openedAt()).as("the new short opens at the flip").isEqualTo(minute(2));
    }

    @Test
    void aPurchaseBeyondAShortFlipsItLongAtTheTradePrice() {
      // closed 10 at (80 − 100) · (−1): +200; q' = +(25 − 10) = 15; a' = 80
      Position position = Fills.average().sell("10", "100").buy("25", "80").position();

      assertThat(position.quantity()).isEqualByComparingTo("15");
      assertThat(position.averageCost()).isEqualByComparingTo("80");
      assertThat(position.realizedPnl()).isEqualByComparingTo("200");
      assertThat(position.openedAt()).isEqualTo(minute(2));
    }

    @Test
    void aLosingFlipRealizesOnlyTheClosedPart() {
      // long 10 @ 100 (a = 100); SELL 30 @ 90: closed 10 · (90 − 100) = −100; the 20 opened short
      // realize nothing.
      Position position = Fills.average().buy("10", "100").sell("30", "90").position();

      assertThat(position.quantity()).isEqualByComparingTo("-20");
      assertThat(position.averageCost()).isEqualByComparingTo("90");
      assertThat(position.realizedPnl()).isEqualByComparingTo("-100");
    }

    @Test
    void addingAfterAFlipAveragesFromTheFlipPrice() {
      // flip to −15 @ 120, then SELL 5 @ 100: (15·120 + 5·100) / 20 = 2300 / 20 = 115
      Position position = Fills.average().buy("10", "100").sell("25", "120").sell("5", "100").position();

      assertThat(position.quantity()).isEqualByComparingTo("-20");
      assertThat(position.averageCost()).isEqualByComparingTo("115");
      assertThat(position.realizedPnl()).isEqualByComparingTo("200");
    }
  }

  @Nested
  class Fees {

    @Test
    void feesAreNeitherCostNorRealizedPnl() {
      Position opened = Fills.average().buy("10", "100", "7").position();
      assertThat(opened.averageCost()).isEqualByComparingTo("100");
      assertThat(opened.realizedPnl()).isEqualByComparingTo("0");
      assertThat(opened.fees()).isEqualByComparingTo("7");

      Position closed = Fills.average().buy("10", "100", "7").sell("10", "100", "3").position();
      assertThat(closed.realizedPnl()).as("a round trip at one price realizes nothing, fees aside")
          .isEqualByComparingTo("0");
      assertThat(closed.fees()).isEqualByComparingTo("10");
    }

    @Test
    void feesAccumulateAcrossFlips() {
      Position position = Fills.average().buy("10", "100", "0.25").sell("25", "120", "0.75")
          .buy("15", "110", "1").position();

      assertThat(position.fees()).isEqualByComparingTo("2");
      // flip: 10 · 20 = 200; cover the short of 15 @ 120 at 110: 15 · (110 − 120) · (−1) = 150
      assertThat(position.realizedPnl()).isEqualByComparingTo("350");
      assertThat(position.isFlat()).isTrue();
    }
  }
}
