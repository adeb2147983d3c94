package io.portfoliostate.domain;

import static io.portfoliostate.domain.Fixtures.AAPL;
import static io.portfoliostate.domain.Fixtures.T0;
import static io.portfoliostate.domain.Fixtures.USD;
import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.math.MathContext;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A trade's cost must not grow with the number of open lots (issue 17, item 4): measured by
 * counting, not by a clock, so it cannot flake. Every open lot's quantity and price is a
 * {@link Counted} decimal that counts the calls made on it; a trade that copies, sums or sorts
 * the open lots calls them at least once per lot (the list-based lots of before: 2 per lot for a
 * buy, a sort and a re-sum for a sell), while a trade in O(log n) touches a few dozen.
 *
 * <p>The book is a loaded snapshot (a position built from a list), first reduced by one sell,
 * which may build the closing order's index once (O(n log n), not counted here).
 */
class LotCostTest {

  private static final int LOTS = 20_000;
  /** log2(20,000) ≈ 14.3: an AVL tree is at most 1.44·log2(n) deep, and a step compares a few decimals. */
  private static final long PER_LOT_TOUCHED = 200;

  @ParameterizedTest
  @EnumSource(value = CostMethod.class, names = {"FIFO", "LIFO", "HIFO"})
  void aBuyTouchesAFewLotsNotAll(CostMethod method) {
    Counter counter = new Counter();
    Position loaded = reducedOnce(counter, method);

    counter.calls = 0;
    Position after = loaded.apply(new BigDecimal("3"), new BigDecimal("150.25"), BigDecimal.ZERO, T0.plusSeconds(LOTS),
        LOTS + 10, T0, method);

    assertThat(counter.calls).as("calls on open lots' decimals by one buy").isLessThan(PER_LOT_TOUCHED);
    assertThat(after.lots()).hasSize(LOTS);
    assertThat(after.quantity()).isEqualByComparingTo(BigDecimal.valueOf(LOTS + 2));
  }

  @ParameterizedTest
  @EnumSource(value = CostMethod.class, names = {"FIFO", "LIFO", "HIFO"})
  void aSellClosingOneLotTouchesAFewLotsNotAll(CostMethod method) {
    Counter counter = new Counter();
    Position loaded = reducedOnce(counter, method);

    counter.calls = 0;
    Position after = sell(loaded, "1", method);

    assertThat(counter.calls).as("calls on open lots' decimals by one sell").isLessThan(PER_LOT_TOUCHED);
    assertThat(after.lots()).hasSize(LOTS - 2);
  }

  @ParameterizedTest
  @EnumSource(value = CostMethod.class, names = {"FIFO", "LIFO", "HIFO"})
  void aSellClosingKLotsTouchesInProportionToK(CostMethod method) {
    Counter counter = new Counter();
    Position loaded = reducedOnce(counter, method);
    int k = 50;

    counter.calls = 0;
    // k whole lots and half of one more: a partly closed lot stays in its place
    Position after = sell(loaded, k + ".5", method);

    assertThat(counter.calls).as("calls on open lots' decimals by a sell closing " + k + " lots")
        .isLessThan((k + 1) * PER_LOT_TOUCHED);
    assertThat(after.lots()).hasSize(LOTS - 1 - k);
    assertThat(after.quantity()).isEqualByComparingTo(BigDecimal.valueOf(LOTS - 1 - k).subtract(new BigDecimal("0.5")));
  }

  /** {@link #LOTS} one-unit lots of counted decimals, then one sell under {@code method}. */
  private static Position reducedOnce(Counter counter, CostMethod method) {
    List<Lot> lots = new ArrayList<>(LOTS);
    BigDecimal cost = BigDecimal.ZERO;
    for (int i = 0; i < LOTS; i++) {
      // prices scattered so that HIFO's order is not the age order; ages not in list order either
      BigDecimal price = BigDecimal.valueOf(10_000 + (i * 7_919L) % 10_000, 2);
      Instant openedAt = T0.plusSeconds((i * 31L) % LOTS);
      lots.add(new Lot(new Counted("1", counter), new Counted(price.toPlainString(), counter), openedAt, i + 1));
      cost = cost.add(price);
    }
    BigDecimal quantity = BigDecimal.valueOf(LOTS);
    Position position = new Position(new PositionKey(AAPL, PositionKey.DEFAULT_STRATEGY), USD, quantity,
        cost.divide(quantity, MathContext.DECIMAL128), cost, BigDecimal.ZERO, BigDecimal.ZERO, T0, T0, lots);
    return sell(position, "1", method);
  }

  private static Position sell(Position position, String quantity, CostMethod method) {
    return position.apply(new BigDecimal(quantity).negate(), new BigDecimal("140"), BigDecimal.ZERO,
        T0.plusSeconds(2L * LOTS), 2L * LOTS, T0, method);
  }

  private static final class Counter {
    long calls;
  }

  /**
   * A decimal that counts the calls made on it: whatever sums, copies, sorts or compares the open
   * lots calls their quantities and prices. Results are plain decimals, so only the lots' own
   * values count.
   */
  @SuppressWarnings("serial")
  private static final class Counted extends BigDecimal {
    private final transient Counter counter;

    Counted(String value, Counter counter) {
      super(value);
      this.counter = counter;
    }

    private BigDecimal plain() {
      counter.calls++;
      return new BigDecimal(unscaledValue(), scale());
    }

    @Override
    public BigDecimal abs() {
      return plain().abs();
    }

    @Override
    public BigDecimal negate() {
      return plain().negate();
    }

    @Override
    public BigDecimal add(BigDecimal augend) {
      return plain().add(augend);
    }

    @Override
    public BigDecimal subtract(BigDecimal subtrahend) {
      return plain().subtract(subtrahend);
    }

    @Override
    public BigDecimal multiply(BigDecimal multiplicand) {
      return plain().multiply(multiplicand);
    }

    @Override
    public BigDecimal min(BigDecimal other) {
      return plain().min(other);
    }

    @Override
    public int compareTo(BigDecimal other) {
      return plain().compareTo(other);
    }

    @Override
    public boolean equals(Object other) {
      return plain().equals(other);
    }

    @Override
    public int hashCode() {
      return plain().hashCode();
    }
  }
}
