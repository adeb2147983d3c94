package io.portfoliostate.domain;

import static io.portfoliostate.domain.Fixtures.AAPL;
import static io.portfoliostate.domain.Fixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.domain.Fixtures.Fills;
import java.math.BigDecimal;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * What a split never changes, over random positions (long and short, flips and partial closes,
 * under every cost method) and random ratios n:d with n, d ≤ 12.
 */
class SplitProperties {

  private static final int TRIES = 300;

  /** A signed fill: positive buys, negative sells. */
  record Fill(BigDecimal quantity, BigDecimal price) {
  }

  private static Position position(CostMethod method, List<Fill> fills) {
    Fills book = Fills.under(method);
    for (Fill fill : fills) {
      if (fill.quantity.signum() > 0) {
        book.buy(fill.quantity.toPlainString(), fill.price.toPlainString(), "0.5");
      } else {
        book.sell(fill.quantity.negate().toPlainString(), fill.price.toPlainString(), "0.5");
      }
    }
    return book.position();
  }

  /** Whether x / y terminates for every decimal x: y has no prime factor but 2 and 5. */
  private static boolean onlyTwosAndFives(long y) {
    while (y % 2 == 0) {
      y /= 2;
    }
    while (y % 5 == 0) {
      y /= 5;
    }
    return y == 1;
  }

  @Property(tries = TRIES)
  void aSplitNeverChangesCostBasisRealizedPnlOrFees(@ForAll CostMethod method, @ForAll("fills") List<Fill> fills,
      @ForAll @IntRange(min = 1, max = 12) int n, @ForAll @IntRange(min = 1, max = 12) int d) {
    Assume.that(n != d);
    Position before = position(method, fills);

    Position after = new Split("s", AAPL, n, d, T0).applyTo(before, T0);

    assertThat(after.costBasis()).isEqualTo(before.costBasis());
    assertThat(after.realizedPnl()).isEqualTo(before.realizedPnl());
    assertThat(after.fees()).isEqualTo(before.fees());
    assertThat(after.quantity().signum()).isEqualTo(before.quantity().signum());
    assertThat(after.lots().stream().map(Lot::quantity).reduce(BigDecimal.ZERO, BigDecimal::add))
        .isEqualByComparingTo(method.usesLots() ? after.quantity() : BigDecimal.ZERO);
  }

  @Property(tries = TRIES)
  void aSplitNeverChangesMarketValueAtTheAdjustedPrice(@ForAll CostMethod method, @ForAll("fills") List<Fill> fills,
      @ForAll @IntRange(min = 1, max = 12) int n, @ForAll @IntRange(min = 1, max = 12) int d,
      @ForAll("prices") BigDecimal price) {
    Assume.that(n != d);
    Split split = new Split("s", AAPL, n, d, T0);
    Position before = position(method, fills);

    Position after = split.applyTo(before, T0);

    BigDecimal valueBefore = before.quantity().multiply(price);
    BigDecimal valueAfter = after.quantity().multiply(split.adjustPrice(price));
    if (onlyTwosAndFives(n) && onlyTwosAndFives(d)) {
      // Both quotients terminate: nothing is rounded, the value is the same to the last digit.
      assertThat(valueAfter).isEqualByComparingTo(valueBefore);
    } else {
      // A quotient kept to 34 digits: the value moves by less than 1E-30 of itself.
      BigDecimal tolerance = valueBefore.abs().max(BigDecimal.ONE).multiply(new BigDecimal("1E-30"));
      assertThat(valueAfter.subtract(valueBefore).abs()).isLessThanOrEqualTo(tolerance);
    }
  }

  @Property(tries = TRIES)
  void aSplitAndItsReverseRestoreAnAverageCostPositionWhenNothingIsRounded(@ForAll("fills") List<Fill> fills,
      @ForAll("terminatingTerms") int n, @ForAll("terminatingTerms") int d) {
    Assume.that(n != d);
    Position before = position(CostMethod.AVERAGE, fills);

    Position back = new Split("r", AAPL, d, n, T0).applyTo(new Split("s", AAPL, n, d, T0).applyTo(before, T0), T0);

    assertThat(back.quantity()).isEqualByComparingTo(before.quantity());
    assertThat(back.averageCost()).isEqualByComparingTo(before.averageCost());
    assertThat(back.costBasis()).isEqualTo(before.costBasis());
  }

  @Provide
  Arbitrary<List<Fill>> fills() {
    Arbitrary<BigDecimal> quantities = Arbitraries.bigDecimals()
        .between(new BigDecimal("-500"), new BigDecimal("500")).ofScale(2)
        .filter(q -> q.signum() != 0);
    Arbitrary<BigDecimal> prices = prices();
    return Combinators.combine(quantities, prices).as(Fill::new).list().ofMinSize(1).ofMaxSize(8);
  }

  @Provide
  Arbitrary<BigDecimal> prices() {
    return Arbitraries.bigDecimals().between(new BigDecimal("0.01"), new BigDecimal("1000")).ofScale(2);
  }

  @Provide
  Arbitrary<Integer> terminatingTerms() {
    return Arbitraries.of(1, 2, 4, 5, 8, 10);
  }
}
