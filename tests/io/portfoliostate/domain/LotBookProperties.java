package io.portfoliostate.domain;

import static io.portfoliostate.domain.Fixtures.AAPL;
import static io.portfoliostate.domain.Fixtures.T0;
import static io.portfoliostate.domain.Fixtures.USD;
import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * The persistent lot book gives exactly the figures of the list-based lots it replaced: the
 * same lots in the same order, the same realized P&amp;L, cost basis and average, down to the
 * scale of every decimal. The oracle below is the list code of before, kept verbatim: it copies,
 * sorts and re-sums every lot per trade, which is slow but plainly right.
 */
class LotBookProperties {

  private static final PositionKey KEY = new PositionKey(AAPL, PositionKey.DEFAULT_STRATEGY);

  /** One fill: signed quantity, price, execution minute (often back-dated or simultaneous). */
  record Fill(BigDecimal quantity, BigDecimal price, int minute) {
  }

  @Property(tries = 300)
  void tradesGiveTheFiguresOfTheListBasedLots(@ForAll("lotMethods") CostMethod method,
      @ForAll("fills") List<Fill> fills) {
    Position position = Position.empty(KEY, USD);
    Position expected = Position.empty(KEY, USD);
    long seq = 0;
    for (Fill fill : fills) {
      seq++;
      Instant executedAt = T0.plus(Duration.ofMinutes(fill.minute()));
      Instant recordedAt = T0.plus(Duration.ofMinutes(seq));
      position = position.apply(fill.quantity(), fill.price(), BigDecimal.ZERO, executedAt, seq, recordedAt, method);
      expected = ListLots.apply(expected, fill.quantity(), fill.price(), executedAt, seq, recordedAt, method);

      assertThat(withoutLastExecution(position)).isEqualTo(expected);
      assertThat(new ArrayList<>(position.lots())).isEqualTo(expected.lots());
      assertThat(position.averageCost().scale()).isEqualTo(expected.averageCost().scale());
      assertThat(position.costBasis().scale()).isEqualTo(expected.costBasis().scale());
    }
  }

  @Example
  void closingTheLotWithTheFinestScaleGivesTheScaleOfAFreshSum() {
    // 10.0 + 5 = 15.0, less 10.0, is 5.0 kept running, but 5 summed afresh: the average must be
    // 500 / 5 = 100 as before, not 500 / 5.0 = 1E+2.
    for (CostMethod method : List.of(CostMethod.FIFO, CostMethod.HIFO)) {
      Position position = Position.empty(KEY, USD);
      Position expected = Position.empty(KEY, USD);
      List<Fill> fills = List.of(new Fill(new BigDecimal("10.0"), new BigDecimal("120"), 1),
          new Fill(new BigDecimal("5"), new BigDecimal("100"), 2), new Fill(new BigDecimal("-10"), new BigDecimal("130"), 3));
      long seq = 0;
      for (Fill fill : fills) {
        seq++;
        Instant at = T0.plus(Duration.ofMinutes(fill.minute()));
        position = position.apply(fill.quantity(), fill.price(), BigDecimal.ZERO, at, seq, at, method);
        expected = ListLots.apply(expected, fill.quantity(), fill.price(), at, seq, at, method);
      }

      assertThat(withoutLastExecution(position)).isEqualTo(expected);
      assertThat(position.averageCost()).hasToString("100");
      assertThat(position.costBasis()).hasToString("500");
    }
  }

  @Property(tries = 100)
  void aBookRebuiltFromItsListClosesAsTheBookItCameFrom(@ForAll("lotMethods") CostMethod method,
      @ForAll("fills") List<Fill> fills, @ForAll("closes") BigDecimal close) {
    // A snapshot load builds the book from the list: same order, same next closes.
    Position position = Position.empty(KEY, USD);
    long seq = 0;
    for (Fill fill : fills) {
      seq++;
      position = position.apply(fill.quantity(), fill.price(), BigDecimal.ZERO, T0.plus(Duration.ofMinutes(fill.minute())),
          seq, T0, method);
    }
    Position reloaded = new Position(position.key(), position.currency(), position.quantity(), position.averageCost(),
        position.costBasis(), position.realizedPnl(), position.fees(), position.openedAt(), position.updatedAt(),
        new ArrayList<>(position.lots()), position.lastExecutedAt());
    BigDecimal t = position.quantity().signum() >= 0 ? close.negate() : close;

    assertThat(reloaded).isEqualTo(position);
    assertThat(reloaded.apply(t, BigDecimal.TEN, BigDecimal.ZERO, T0, seq + 1, T0, method))
        .isEqualTo(position.apply(t, BigDecimal.TEN, BigDecimal.ZERO, T0, seq + 1, T0, method));
  }

  @Provide
  Arbitrary<CostMethod> lotMethods() {
    return Arbitraries.of(CostMethod.FIFO, CostMethod.LIFO, CostMethod.HIFO);
  }

  @Provide
  Arbitrary<BigDecimal> closes() {
    return Arbitraries.bigDecimals().between(new BigDecimal("0.01"), new BigDecimal("300")).ofScale(2);
  }

  @Provide
  Arbitrary<List<Fill>> fills() {
    // round quantities make flats and flips frequent; scales 0 to 4 test that sums keep the scale
    // a fresh sum would have; repeated prices test HIFO's ties
    Arbitrary<BigDecimal> sizes = Arbitraries.frequencyOf(
        Tuple.of(3, Arbitraries.of("1", "5", "10", "25", "10.0", "5.00").map(BigDecimal::new)),
        Tuple.of(2, Arbitraries.bigDecimals().between(new BigDecimal("0.001"), new BigDecimal("50")).ofScale(3)));
    Arbitrary<Boolean> buys = Arbitraries.frequency(Tuple.of(3, true), Tuple.of(2, false));
    Arbitrary<BigDecimal> prices = Arbitraries.frequencyOf(
        Tuple.of(2, Arbitraries.of("100", "110", "120", "100.00", "99.5").map(BigDecimal::new)),
        Tuple.of(2, Arbitraries.bigDecimals().between(new BigDecimal("0.01"), new BigDecimal("500")).ofScale(2)),
        Tuple.of(1, Arbitraries.bigDecimals().between(new BigDecimal("0.0001"), new BigDecimal("5")).ofScale(4)));
    Arbitrary<Integer> minutes = Arbitraries.integers().between(0, 15);
    return Combinators.combine(sizes, buys, prices, minutes)
        .as((size, buy, price, minute) -> new Fill(buy ? size : size.negate(), price, minute))
        .list().ofMinSize(1).ofMaxSize(60);
  }

  /** The lot rules as they were written before the lot book, on plain lists: the oracle. */
  static final class ListLots {

    private ListLots() {
    }

    static Position apply(Position p, BigDecimal t, BigDecimal price, Instant executedAt, long seq,
        Instant recordedAt, CostMethod method) {
      BigDecimal q = p.quantity();
      List<Lot> lots = p.lots();
      boolean opening = q.signum() == 0 || q.signum() == t.signum();
      if (opening) {
        BigDecimal q2 = q.add(t);
        Instant opened = q.signum() == 0 ? executedAt : p.openedAt();
        List<Lot> open = new ArrayList<>(lots);
        open.add(new Lot(t, price, executedAt, seq));
        return new Position(p.key(), p.currency(), q2, meanPrice(open), costOf(open), p.realizedPnl(), p.fees(),
            opened, recordedAt, open);
      }
      BigDecimal sign = BigDecimal.valueOf(q.signum());
      boolean flip = t.abs().compareTo(q.abs()) > 0;
      BigDecimal q2 = flip ? BigDecimal.valueOf(t.signum()).multiply(t.abs().subtract(q.abs())) : q.add(t);
      if (flip) {
        BigDecimal realized = p.realizedPnl();
        for (Lot lot : lots) {
          realized = realized.add(price.subtract(lot.price()).multiply(lot.quantity().abs()).multiply(sign));
        }
        List<Lot> open = List.of(new Lot(q2, price, executedAt, seq));
        return new Position(p.key(), p.currency(), q2, price, costOf(open), realized, p.fees(), executedAt,
            recordedAt, open);
      }
      List<Lot> order = new ArrayList<>(lots);
      order.sort(closingOrder(method, sign.signum() > 0));
      List<Lot> closedFully = new ArrayList<>();
      Lot partlyClosed = null;
      Lot partRemaining = null;
      BigDecimal realized = p.realizedPnl();
      BigDecimal left = t.abs();
      for (Lot lot : order) {
        if (left.signum() == 0) {
          break;
        }
        BigDecimal available = lot.quantity().abs();
        BigDecimal closed = available.min(left);
        realized = realized.add(price.subtract(lot.price()).multiply(closed).multiply(sign));
        left = left.subtract(closed);
        if (closed.compareTo(available) == 0) {
          closedFully.add(lot);
        } else {
          partlyClosed = lot;
          partRemaining = new Lot(lot.quantity().subtract(closed.multiply(sign)), lot.price(), lot.openedAt(),
              lot.openedSeq());
        }
      }
      List<Lot> open = new ArrayList<>(lots.size());
      for (Lot lot : lots) {
        if (lot == partlyClosed) {
          open.add(partRemaining);
        } else if (!closedFully.contains(lot)) {
          open.add(lot);
        }
      }
      Instant opened = q2.signum() == 0 ? null : p.openedAt();
      return new Position(p.key(), p.currency(), q2, meanPrice(open), costOf(open), realized, p.fees(), opened,
          recordedAt, open);
    }

    private static Comparator<Lot> closingOrder(CostMethod method, boolean longPosition) {
      Comparator<Lot> byAge = Comparator.comparing(Lot::openedAt).thenComparingLong(Lot::openedSeq);
      switch (method) {
        case FIFO:
          return byAge;
        case LIFO:
          return byAge.reversed();
        case HIFO:
          Comparator<Lot> byPrice = Comparator.comparing(Lot::price);
          return (longPosition ? byPrice.reversed() : byPrice).thenComparing(byAge);
        default:
          throw new IllegalStateException("no lots under " + method);
      }
    }

    private static BigDecimal costOf(List<Lot> open) {
      BigDecimal cost = BigDecimal.ZERO;
      for (Lot lot : open) {
        cost = cost.add(lot.quantity().abs().multiply(lot.price()));
      }
      return cost;
    }

    private static BigDecimal meanPrice(List<Lot> open) {
      BigDecimal units = BigDecimal.ZERO;
      BigDecimal cost = BigDecimal.ZERO;
      for (Lot lot : open) {
        units = units.add(lot.quantity().abs());
        cost = cost.add(lot.quantity().abs().multiply(lot.price()));
      }
      return units.signum() == 0 ? BigDecimal.ZERO : cost.divide(units, Decimals.QUOTIENT);
    }
  }

  /** The reference model below does not keep the latest execution time: compared without it. */
  private static Position withoutLastExecution(Position p) {
    return new Position(p.key(), p.currency(), p.quantity(), p.averageCost(), p.costBasis(), p.realizedPnl(), p.fees(),
        p.openedAt(), p.updatedAt(), p.lots());
  }
}
