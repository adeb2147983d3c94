package io.portfoliostate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.performance.PriceHistory;
import io.portfoliostate.domain.valuation.Price;
import io.portfoliostate.protocol.MarketUpdate;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * What the node keeps of each instrument's price history for performance reads, on its own: a
 * window is the slice the price statement would read, new prices are appended, a back-dated one
 * drops the instrument, a load in flight while its instrument was priced is not kept, and the
 * bound and the time to live hold.
 */
class PerformancePricesTest {

  /** Monday 1 January 2024; closes at 16:00 on days 0, 1, 2, ... */
  private static final Instant DAY0 = Instant.parse("2024-01-01T00:00:00Z");
  private static final InstrumentId A = InstrumentId.of("A");
  private static final InstrumentId B = InstrumentId.of("B");

  private final AtomicLong now = new AtomicLong();
  private final PerformancePrices prices = new PerformancePrices(10, 60, now::get);

  @Test
  void aWindowIsTheLastPriceAtOrBeforeItsStartThenEveryPriceUpToItsEnd() {
    // Kept from day 2: the close of day 1 (the last before) and those of days 2 to 4.
    prices.keep(List.of(A), List.of(series(A, 1, 2, 3, 4)), day(2), prices.epoch());

    assertThat(closes(prices.find(A, day(2), endOf(3)))).containsExactly(1L, 2L, 3L);
    assertThat(closes(prices.find(A, day(3), endOf(3)))).containsExactly(2L, 3L);
    // From day 5 on: only the last close, day 4's.
    assertThat(closes(prices.find(A, day(5), endOf(6)))).containsExactly(4L);
    // A window starting before what is kept is not kept: its opening price may be older.
    assertThat(prices.find(A, day(1), endOf(3)).kept()).isFalse();
    assertThat(prices.find(B, day(2), endOf(3)).kept()).isFalse();
  }

  @Test
  void anInstrumentWithoutPricesIsKeptEmptyAndItsFirstPriceIsAppended() {
    prices.keep(List.of(A, B), List.of(series(A, 1)), day(0), prices.epoch());
    PerformancePrices.Found none = prices.find(B, day(0), endOf(3));
    assertThat(none.kept()).isTrue();
    assertThat(none.series()).isNull();

    prices.onMarketUpdate(update(price(B, 5, "7")));

    PriceHistory.Series appended = prices.find(B, day(0), endOf(6)).series();
    assertThat(closes(appended)).containsExactly(5L);
    assertThat(appended.decimal(0)).isEqualByComparingTo("7");
    assertThat(prices.find(B, day(0), endOf(4)).series()).isNull();
  }

  @Test
  void aNewerPriceIsAppendedAndABackDatedOrCorrectedOneDropsTheInstrument() {
    prices.keep(List.of(A, B), List.of(series(A, 1, 2), series(B, 1, 2)), day(1), prices.epoch());
    // Windows already handed out are copies: an append does not change them.
    PriceHistory.Series before = prices.find(A, day(1), endOf(9)).series();

    prices.onMarketUpdate(update(price(A, 3, "30")));
    assertThat(closes(prices.find(A, day(1), endOf(9)))).containsExactly(1L, 2L, 3L);
    assertThat(closes(before)).containsExactly(1L, 2L);
    assertThat(prices.keptPrices()).isEqualTo(5);

    // A correction of day 2's close: A must be read again; B is untouched.
    prices.onMarketUpdate(update(price(A, 2, "21")));
    assertThat(prices.find(A, day(1), endOf(9)).kept()).isFalse();
    assertThat(prices.find(B, day(1), endOf(9)).kept()).isTrue();
    // A price recorded back before the kept start may be the new opening price: dropped too.
    prices.onMarketUpdate(update(price(B, 0, "5")));
    assertThat(prices.find(B, day(1), endOf(9)).kept()).isFalse();
    assertThat(prices.keptPrices()).isZero();
  }

  @Test
  void aLoadInFlightWhileItsInstrumentWasPricedIsUsedButNotKept() {
    long began = prices.epoch();
    prices.onMarketUpdate(update(price(B, 3, "9")));

    // A was not priced meanwhile: kept. B was: the load may or may not hold the new price.
    prices.keep(List.of(A, B), List.of(series(A, 1, 2), series(B, 1, 2)), day(1), began);

    assertThat(prices.find(A, day(1), endOf(9)).kept()).isTrue();
    assertThat(prices.find(B, day(1), endOf(9)).kept()).isFalse();
  }

  @Test
  void aLoadOlderThanTheRememberedUpdatesIsNotKept() {
    long began = prices.epoch();
    for (int i = 0; i < 1025; i++) {
      prices.onMarketUpdate(update(price(B, i, "9")));
    }

    prices.keep(List.of(A), List.of(series(A, 1, 2)), day(1), began);

    assertThat(prices.find(A, day(1), endOf(9)).kept()).isFalse();
  }

  @Test
  void entriesExpireAfterTheirTimeToLiveAndTheLeastRecentlyUsedGoFirst() {
    prices.keep(List.of(A), List.of(series(A, 1, 2, 3)), day(0), prices.epoch());
    now.addAndGet(30_000_000_000L);
    prices.keep(List.of(B), List.of(series(B, 1, 2)), day(0), prices.epoch());
    now.addAndGet(30_000_000_001L);
    assertThat(prices.find(A, day(0), endOf(9)).kept()).isFalse();
    assertThat(prices.find(B, day(0), endOf(9)).kept()).isTrue();

    // 10 prices at most: B (2) used last, C (7) fits, D (2) pushes out the least recently used.
    InstrumentId c = InstrumentId.of("C");
    prices.keep(List.of(c), List.of(series(c, 1, 2, 3, 4, 5, 6, 7)), day(0), prices.epoch());
    assertThat(prices.find(B, day(0), endOf(9)).kept()).isTrue();
    InstrumentId d = InstrumentId.of("D");
    prices.keep(List.of(d), List.of(series(d, 1, 2)), day(0), prices.epoch());
    assertThat(prices.find(c, day(0), endOf(9)).kept()).isFalse();
    assertThat(prices.find(B, day(0), endOf(9)).kept()).isTrue();
    assertThat(prices.keptPrices()).isEqualTo(4);
    // Appends count against the bound as well: 7 more prices of B push D out.
    for (int day = 3; day < 10; day++) {
      prices.onMarketUpdate(update(price(B, day, "9")));
    }
    assertThat(prices.find(d, day(0), endOf(9)).kept()).isFalse();
    assertThat(prices.keptInstruments()).isEqualTo(1);
  }

  /** The days of the closes in a window (null: no price in it). */
  private static List<Long> closes(PerformancePrices.Found found) {
    assertThat(found.kept()).isTrue();
    return closes(found.series());
  }

  private static List<Long> closes(PriceHistory.Series series) {
    List<Long> days = new ArrayList<>();
    for (int i = 0; series != null && i < series.size(); i++) {
      days.add((series.micros(i) / 1_000_000L - DAY0.getEpochSecond()) / 86_400L);
    }
    return days;
  }

  private static Instant day(int n) {
    return DAY0.plusSeconds(86_400L * n);
  }

  private static Instant close(int n) {
    return day(n).plusSeconds(16 * 3_600);
  }

  private static Instant endOf(int n) {
    return day(n + 1).minusMillis(1);
  }

  private static PriceHistory.Series series(InstrumentId instrument, int... days) {
    long[] micros = new long[days.length];
    BigDecimal[] values = new BigDecimal[days.length];
    CurrencyCode[] currencies = new CurrencyCode[days.length];
    for (int i = 0; i < days.length; i++) {
      micros[i] = PerformancePrices.micros(close(days[i]));
      values[i] = BigDecimal.valueOf(10L * days[i]);
      currencies[i] = CurrencyCode.USD;
    }
    return new PriceHistory.Series(instrument, micros, values, currencies);
  }

  private static Price price(InstrumentId instrument, int day, String value) {
    return new Price(instrument, new BigDecimal(value), CurrencyCode.USD, close(day));
  }

  private static MarketUpdate update(Price price) {
    return new MarketUpdate("node", List.of(), List.of(price), List.of());
  }
}
