package io.portfoliostate.domain;

import static io.portfoliostate.domain.Fixtures.minute;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.portfoliostate.domain.Fixtures.Fills;
import java.math.BigDecimal;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The lot methods of DOMAIN.md. The same book is closed under each method so the figures can be
 * compared side by side:
 *
 * <pre>
 *   long book:  BUY 10 @ 100, BUY 10 @ 120, BUY 20 @ 110   (q = 40, mean (1000 + 1200 + 2200) / 40 = 110)
 *   then SELL 15 @ 130
 *   FIFO  closes 10 @ 100 (+300), 5 @ 120 (+50)   realized 350   left 5 @ 120, 20 @ 110   a = 2800 / 25 = 112
 *   LIFO  closes 15 @ 110 (+300)                   realized 300   left 10 @ 100, 10 @ 120, 5 @ 110   a = 110
 *   HIFO  closes 10 @ 120 (+100), 5 @ 110 (+100)   realized 200   left 10 @ 100, 15 @ 110   a = 2650 / 25 = 106
 * </pre>
 *
 * The short book mirrors it (SELL the same lots, then BUY 15 @ 90); HIFO then closes the lowest
 * price first, the lot that costs a short seller the most.
 */
class PositionLotsTest {

  private static Fills longBook(CostMethod method) {
    return Fills.under(method).buy("10", "100").buy("10", "120").buy("20", "110");
  }

  private static Fills shortBook(CostMethod method) {
    return Fills.under(method).sell("10", "100").sell("10", "120").sell("20", "110");
  }

  /** Σ|lot q|·price / Σ|lot q|, computed here independently of the code under test. */
  private static BigDecimal weightedMean(Position position) {
    BigDecimal units = BigDecimal.ZERO;
    BigDecimal cost = BigDecimal.ZERO;
    for (Lot lot : position.lots()) {
      units = units.add(lot.quantity().abs());
      cost = cost.add(lot.quantity().abs().multiply(lot.price()));
    }
    return cost.divide(units, Decimals.QUOTIENT);
  }

  @ParameterizedTest
  @EnumSource(value = CostMethod.class, names = {"FIFO", "LIFO", "HIFO"})
  void everyOpeningTradeOpensALotAtItsPriceAndTime(CostMethod method) {
    Position position = longBook(method).position();

    assertThat(position.lots())
        .extracting(Lot::quantity, Lot::price, Lot::openedAt, Lot::openedSeq)
        .containsExactly(
            tuple(new BigDecimal("10"), new BigDecimal("100"), minute(1), 1L),
            tuple(new BigDecimal("10"), new BigDecimal("120"), minute(2), 2L),
            tuple(new BigDecimal("20"), new BigDecimal("110"), minute(3), 3L));
    assertThat(position.quantity()).isEqualByComparingTo("40");
    assertThat(position.averageCost()).isEqualByComparingTo("110");
    assertThat(position.openedAt()).isEqualTo(minute(1));
  }

  @Test
  void averageCostKeepsNoLots() {
    assertThat(longBook(CostMethod.AVERAGE).sell("15", "130").position().lots()).isEmpty();
  }

  @Nested
  class ClosingALong {

    @Test
    void fifoClosesTheOldestLotsFirst() {
      Position position = longBook(CostMethod.FIFO).sell("15", "130").position();

      assertThat(position.realizedPnl()).isEqualByComparingTo("350");
      assertThat(position.quantity()).isEqualByComparingTo("25");
      assertThat(position.lots()).extracting(Lot::openedSeq).containsExactly(2L, 3L);
      assertThat(position.lots().get(0).quantity()).isEqualByComparingTo("5");
      assertThat(position.lots().get(1).quantity()).isEqualByComparingTo("20");
      assertThat(position.averageCost()).isEqualByComparingTo("112");
    }

    @Test
    void lifoClosesTheNewestLotsFirst() {
      Position position = longBook(CostMethod.LIFO).sell("15", "130").position();

      assertThat(position.realizedPnl()).isEqualByComparingTo("300");
      assertThat(position.lots()).extracting(Lot::openedSeq).containsExactly(1L, 2L, 3L);
      assertThat(position.lots().get(2).quantity()).isEqualByComparingTo("5");
      assertThat(position.lots().get(2).price()).isEqualByComparingTo("110");
      assertThat(position.averageCost()).isEqualByComparingTo("110");
    }

    @Test
    void hifoClosesTheHighestPricedLotsFirst() {
      Position position = longBook(CostMethod.HIFO).sell("15", "130").position();

      assertThat(position.realizedPnl()).isEqualByComparingTo("200");
      assertThat(position.lots()).extracting(Lot::openedSeq).containsExactly(1L, 3L);
      assertThat(position.lots().get(0).quantity()).isEqualByComparingTo("10");
      assertThat(position.lots().get(1).quantity()).isEqualByComparingTo("15");
      assertThat(position.averageCost()).isEqualByComparingTo("106");
    }

    @Test
    void aPartlyClosedLotKeepsItsPriceTimeAndSequence() {
      Position position = longBook(CostMethod.FIFO).sell("15", "130").position();

      Lot partlyClosed = position.lots().get(0);
      assertThat(partlyClosed.price()).isEqualByComparingTo("120");
      assertThat(partlyClosed.openedAt()).isEqualTo(minute(2));
      assertThat(partlyClosed.openedSeq()).isEqualTo(2L);
      assertThat(position.openedAt()).as("the position is still the one opened first")
          .isEqualTo(minute(1));
    }

    @Test
    void successiveSalesWorkThroughTheLots() {
      // FIFO: SELL 15 @ 130 (350), then SELL 12 @ 100: 5 @ 120 → −100, 7 @ 110 → −70
      Position position = longBook(CostMethod.FIFO).sell("15", "130").sell("12", "100").position();

      assertThat(position.realizedPnl()).isEqualByComparingTo("180");
      assertThat(position.quantity()).isEqualByComparingTo("13");
      assertThat(position.lots()).singleElement().satisfies(lot -> {
        assertThat(lot.quantity()).isEqualByComparingTo("13");
        assertThat(lot.price()).isEqualByComparingTo("110");
      });
      assertThat(position.averageCost()).isEqualByComparingTo("110");
    }
  }

  @Nested
  class CoveringAShort {

    @Test
    void fifoCoversTheOldestLotsFirst() {
      // 10 @ 100: (90 − 100)·10·(−1) = 100; 5 @ 120: (90 − 120)·5·(−1) = 150
      Position position = shortBook(CostMethod.FIFO).buy("15", "90").position();

      assertThat(position.realizedPnl()).isEqualByComparingTo("250");
      assertThat(position.quantity()).isEqualByComparingTo("-25");
      assertThat(position.lots()).extracting(Lot::openedSeq).containsExactly(2L, 3L);
      assertThat(position.lots().get(0).quantity()).isEqualByComparingTo("-5");
      assertThat(position.lots().get(1).quantity()).isEqualByComparingTo("-20");
      assertThat(position.averageCost()).isEqualByComparingTo("112");
    }

    @Test
    void lifoCoversTheNewestLotsFirst() {
      // 15 @ 110: (90 − 110)·15·(−1) = 300
      Position position = shortBook(CostMethod.LIFO).buy("15", "90").position();

      assertThat(position.realizedPnl()).isEqualByComparingTo("300");
      assertThat(position.lots().get(2).quantity()).isEqualByComparingTo("-5");
      assertThat(position.averageCost()).isEqualByComparingTo("110");
    }

    @Test
    void hifoCoversTheLowestPricedLotsFirst() {
      // 10 @ 100: +100; 5 @ 110: +100; left −10 @ 120, −15 @ 110: a = 2850 / 25 = 114
      Position position = shortBook(CostMethod.HIFO).buy("15", "90").position();

      assertThat(position.realizedPnl()).isEqualByComparingTo("200");
      assertThat(position.lots()).extracting(Lot::openedSeq).containsExactly(2L, 3L);
      assertThat(position.lots().get(0).quantity()).isEqualByComparingTo("-10");
      assertThat(position.lots().get(1).quantity()).isEqualByComparingTo("-15");
      assertThat(position.averageCost()).isEqualByComparingTo("114");
    }

    @ParameterizedTest
    @EnumSource(value = CostMethod.class, names = {"FIFO", "LIFO", "HIFO"})
    void shortLotsAreNegative(CostMethod method) {
      Position position = shortBook(method).buy("15", "90").position();

      assertThat(position.lots()).isNotEmpty().allSatisfy(lot -> assertThat(lot.quantity()).isNegative());
      assertThat(position.lots().stream().map(Lot::quantity).reduce(BigDecimal.ZERO, BigDecimal::add))
          .isEqualByComparingTo(position.quantity());
    }
  }

  @Nested
  class Flipping {

    @ParameterizedTest
    @EnumSource(value = CostMethod.class, names = {"FIFO", "LIFO", "HIFO"})
    void aFlipClosesEveryLotAndOpensOneAtThePrice(CostMethod method) {
      // BUY 10 @ 100, BUY 10 @ 120, SELL 30 @ 130: closes 10·30 + 10·10 = 400 whatever the order
      Position position = Fills.under(method).buy("10", "100").buy("10", "120").sell("30", "130").position();

      assertThat(position.realizedPnl()).isEqualByComparingTo("400");
      assertThat(position.quantity()).isEqualByComparingTo("-10");
      assertThat(position.averageCost()).isEqualByComparingTo("130");
      assertThat(position.lots()).singleElement().satisfies(lot -> {
        assertThat(lot.quantity()).isEqualByComparingTo("-10");
        assertThat(lot.price()).isEqualByComparingTo("130");
        assertThat(lot.openedAt()).isEqualTo(minute(3));
        assertThat(lot.openedSeq()).isEqualTo(3L);
      });
      assertThat(position.openedAt()).isEqualTo(minute(3));
    }

    @ParameterizedTest
    @EnumSource(value = CostMethod.class, names = {"FIFO", "LIFO", "HIFO"})
    void aShortFlipsLongTheSameWay(CostMethod method) {
      // SELL 10 @ 100, SELL 10 @ 120, BUY 25 @ 105: (105 − 100)·10·(−1) + (105 − 120)·10·(−1) = −50 + 150
      Position position = Fills.under(method).sell("10", "100").sell("10", "120").buy("25", "105").position();

      assertThat(position.realizedPnl()).isEqualByComparingTo("100");
      assertThat(position.quantity()).isEqualByComparingTo("5");
      assertThat(position.averageCost()).isEqualByComparingTo("105");
      assertThat(position.lots()).singleElement().satisfies(lot -> {
        assertThat(lot.quantity()).isEqualByComparingTo("5");
        assertThat(lot.price()).isEqualByComparingTo("105");
      });
    }

    @Test
    void lotsOpenedAfterAFlipAreClosedInTheMethodsOrder() {
      // flip to −10 @ 130 (lot seq 3), SELL 10 @ 140 (seq 4), BUY 15 @ 120 under FIFO:
      // 10 @ 130: (120 − 130)·10·(−1) = 100; 5 @ 140: (120 − 140)·5·(−1) = 100
      Position position = Fills.under(CostMethod.FIFO).buy("10", "100").buy("10", "120")
          .sell("30", "130").sell("10", "140").buy("15", "120").position();

      assertThat(position.realizedPnl()).isEqualByComparingTo("600");
      assertThat(position.lots()).singleElement().satisfies(lot -> {
        assertThat(lot.quantity()).isEqualByComparingTo("-5");
        assertThat(lot.price()).isEqualByComparingTo("140");
        assertThat(lot.openedSeq()).isEqualTo(4L);
      });
    }
  }

  @Nested
  class GoingFlat {

    @ParameterizedTest
    @EnumSource(value = CostMethod.class, names = {"FIFO", "LIFO", "HIFO"})
    void closingEveryLotLeavesAFlatPositionWithItsRealizedPnlAndFees(CostMethod method) {
      // 10·(115 − 100) + 10·(115 − 120) = 150 − 50 = 100 in any order
      Position position = Fills.under(method).buy("10", "100", "1").buy("10", "120", "1")
          .sell("20", "115", "2").position();

      assertThat(position.isFlat()).isTrue();
      assertThat(position.lots()).isEmpty();
      assertThat(position.averageCost()).isEqualByComparingTo("0");
      assertThat(position.realizedPnl()).isEqualByComparingTo("100");
      assertThat(position.fees()).isEqualByComparingTo("4");
      assertThat(position.openedAt()).isNull();
    }

    @Test
    void feesStayOutOfLotPrices() {
      Position position = Fills.under(CostMethod.FIFO).buy("10", "100", "9").position();

      assertThat(position.lots()).singleElement()
          .satisfies(lot -> assertThat(lot.price()).isEqualByComparingTo("100"));
      assertThat(position.averageCost()).isEqualByComparingTo("100");
      assertThat(position.fees()).isEqualByComparingTo("9");
    }
  }

  @Nested
  class Ties {

    @Test
    void hifoBreaksPriceTiesByOpeningOrder() {
      // two lots at 120 (seq 1 and 3): SELL 15 @ 130 closes all of seq 1, then 5 of seq 3
      Position position = Fills.under(CostMethod.HIFO).buy("10", "120").buy("10", "100").buy("10", "120")
          .sell("15", "130").position();

      assertThat(position.realizedPnl()).isEqualByComparingTo("150");
      assertThat(position.lots()).extracting(Lot::openedSeq).containsExactly(2L, 3L);
      assertThat(position.lots().get(1).quantity()).isEqualByComparingTo("5");
    }

    @Test
    void hifoBreaksPriceTiesByExecutionTimeBeforeJournalSequence() {
      // two lots at 120: seq 1 executed at minute 10, seq 2 (reported late) at minute 0, so
      // seq 2 is the older lot and closes first: 10 @ 120 (+100), then 5 of seq 1 (+50)
      Position position = Fills.under(CostMethod.HIFO).at(minute(10)).buy("10", "120")
          .at(minute(0)).buy("10", "120").sell("15", "130").position();

      assertThat(position.realizedPnl()).isEqualByComparingTo("150");
      assertThat(position.lots()).singleElement().satisfies(lot -> {
        assertThat(lot.openedSeq()).isEqualTo(1L);
        assertThat(lot.quantity()).isEqualByComparingTo("5");
      });
    }

    @Test
    void lotsOpenedAtTheSameInstantAreOrderedByJournalSequence() {
      // both buys execute at T0; FIFO closes seq 1 (@ 100: +300), LIFO seq 2 (@ 120: +100)
      Position fifo = Fills.under(CostMethod.FIFO).at(Fixtures.T0).buy("10", "100")
          .at(Fixtures.T0).buy("10", "120").sell("10", "130").position();
      Position lifo = Fills.under(CostMethod.LIFO).at(Fixtures.T0).buy("10", "100")
          .at(Fixtures.T0).buy("10", "120").sell("10", "130").position();

      assertThat(fifo.realizedPnl()).isEqualByComparingTo("300");
      assertThat(fifo.lots()).singleElement().extracting(Lot::openedSeq).isEqualTo(2L);
      assertThat(lifo.realizedPnl()).isEqualByComparingTo("100");
      assertThat(lifo.lots()).singleElement().extracting(Lot::openedSeq).isEqualTo(1L);
    }

    @Test
    void fifoAgeIsTheExecutionTimeNotTheRecordingOrder() {
      // A late-reported trade executed before the first one is the oldest lot: FIFO closes it
      // first. seq 2 (@ 120) executed at minute 0, before seq 1 (@ 100) at minute 10.
      Position position = Fills.under(CostMethod.FIFO).at(minute(10)).buy("10", "100")
          .at(minute(0)).buy("10", "120").sell("10", "130").position();

      assertThat(position.realizedPnl()).isEqualByComparingTo("100");
      assertThat(position.lots()).singleElement().satisfies(lot -> {
        assertThat(lot.openedSeq()).isEqualTo(1L);
        assertThat(lot.price()).isEqualByComparingTo("100");
      });
    }
  }

  @ParameterizedTest
  @EnumSource(value = CostMethod.class, names = {"FIFO", "LIFO", "HIFO"})
  void averageCostIsTheQuantityWeightedMeanOfTheOpenLots(CostMethod method) {
    Fills fills = Fills.under(method).buy("3", "10").buy("7", "11.5").buy("2", "9");
    // (30 + 80.5 + 18) / 12 = 128.5 / 12: non-terminating, kept to 34 digits
    assertThat(fills.position().averageCost()).isEqualTo(weightedMean(fills.position()));
    assertThat(fills.position().averageCost())
        .isEqualTo(new BigDecimal("128.5").divide(new BigDecimal("12"), Decimals.QUOTIENT));

    Position reduced = fills.sell("4", "12").position();
    assertThat(reduced.averageCost()).isEqualTo(weightedMean(reduced));
    assertThat(reduced.lots().stream().map(Lot::quantity).reduce(BigDecimal.ZERO, BigDecimal::add))
        .isEqualByComparingTo(reduced.quantity()).isEqualByComparingTo("8");
  }
}
