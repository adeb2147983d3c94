package io.portfoliostate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.domain.CostMethod;
import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.PortfolioCreated;
import io.portfoliostate.domain.PortfolioEvent;
import io.portfoliostate.domain.PortfolioSettings;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.domain.performance.PriceHistory;
import io.portfoliostate.domain.timeline.BusinessTime;
import io.portfoliostate.domain.valuation.Price;
import io.portfoliostate.protocol.MarketUpdate;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The bounds, the time to live and the invalidation rules of {@link PerformanceCache}, on its own. */
class PerformanceCacheTest {

  private static final Instant FROM = Instant.parse("2024-01-01T00:00:00Z");
  private static final Instant TO = Instant.parse("2024-01-05T23:59:59.999Z");
  private static final InstrumentId A = InstrumentId.of("A");
  private static final InstrumentId B = InstrumentId.of("B");

  private final AtomicLong now = new AtomicLong();
  private final PerformanceCache cache = new PerformanceCache(10, 5, 60, now::get);

  @Test
  void aPriceAtOrBeforeTheWindowsEndDropsOnlyItsInstrumentsSeries() {
    cache.keepPrices(List.of(series(A, 3), series(B, 2)), FROM, TO, cache.priceEpoch());
    cache.onMarketUpdate(update(price(A, TO.plusMillis(1))));
    assertThat(cache.prices(A, FROM, TO)).isNotNull();
    cache.onMarketUpdate(update(price(A, TO)));
    assertThat(cache.prices(A, FROM, TO)).isNull();
    assertThat(cache.prices(B, FROM, TO)).isNotNull();
    // Before the window counts too: it may be the window's opening price.
    cache.onMarketUpdate(update(price(B, FROM.minusSeconds(86_400))));
    assertThat(cache.prices(B, FROM, TO)).isNull();
    assertThat(cache.keptSeries()).isZero();
  }

  @Test
  void aReadBegunBeforeAPriceArrivedIsUsedButNotKept() {
    long epoch = cache.priceEpoch();
    cache.onMarketUpdate(update(price(B, FROM)));
    cache.keepPrices(List.of(series(A, 3)), FROM, TO, epoch);
    assertThat(cache.prices(A, FROM, TO)).isNull();
    cache.keepPrices(List.of(series(A, 3)), FROM, TO, cache.priceEpoch());
    assertThat(cache.prices(A, FROM, TO)).isNotNull();
  }

  @Test
  void seriesExpireAfterTheirTimeToLiveAndTheLeastRecentlyUsedGoFirst() {
    cache.keepPrices(List.of(series(A, 3)), FROM, TO, cache.priceEpoch());
    now.addAndGet(30_000_000_000L);
    cache.keepPrices(List.of(series(B, 2)), FROM, TO, cache.priceEpoch());
    now.addAndGet(30_000_000_001L);
    assertThat(cache.prices(A, FROM, TO)).isNull();
    assertThat(cache.prices(B, FROM, TO)).isNotNull();

    // 5 prices at most: B (2) used last, C (3) fits, D (1) pushes out the least recently used.
    cache.keepPrices(List.of(series(InstrumentId.of("C"), 3)), FROM, TO, cache.priceEpoch());
    assertThat(cache.prices(B, FROM, TO)).isNotNull();
    cache.keepPrices(List.of(series(InstrumentId.of("D"), 1)), FROM, TO, cache.priceEpoch());
    assertThat(cache.prices(InstrumentId.of("C"), FROM, TO)).isNull();
    assertThat(cache.prices(B, FROM, TO)).isNotNull();
    // Another window of the same instrument is another entry.
    assertThat(cache.prices(B, FROM.plusSeconds(1), TO)).isNull();
  }

  @Test
  void journalsAreBoundedByTheirEventsAndANewVersionReplacesTheStates() {
    PortfolioId p = PortfolioId.of("p");
    PerformanceCache.Journal first = cache.keepJournal(p, 4, events(4));
    PerformanceCache.Window week = new PerformanceCache.Window(java.time.LocalDate.of(2024, 1, 1),
        java.time.LocalDate.of(2024, 1, 5));
    BusinessTime.Series states = new BusinessTime.Series(List.of(), List.of());
    cache.keepStates(first, week, states);
    assertThat(cache.journal(p).states(week)).isSameAs(states);
    PerformanceCache.Journal second = cache.keepJournal(p, 5, events(5));
    assertThat(cache.journal(p)).isSameAs(second);
    assertThat(second.states(week)).isNull();
    // 10 events at most: a second portfolio of 6 pushes the first out; one of 11 is not kept.
    cache.keepJournal(PortfolioId.of("q"), 6, events(6));
    assertThat(cache.journal(p)).isNull();
    cache.keepJournal(PortfolioId.of("r"), 11, events(11));
    assertThat(cache.journal(PortfolioId.of("r"))).isNull();
    assertThat(cache.journal(PortfolioId.of("q"))).isNotNull();
  }

  private static List<PortfolioEvent> events(int count) {
    PortfolioEvent created = new PortfolioCreated(PortfolioId.of("p"), "P", CurrencyCode.USD, null, CostMethod.AVERAGE,
        new BigDecimal("0.02"), Map.of(), FROM, PortfolioSettings.NONE);
    return java.util.Collections.nCopies(count, created);
  }

  private static PriceHistory.Series series(InstrumentId instrument, int size) {
    long[] micros = new long[size];
    BigDecimal[] prices = new BigDecimal[size];
    CurrencyCode[] currencies = new CurrencyCode[size];
    for (int i = 0; i < size; i++) {
      micros[i] = FROM.getEpochSecond() * 1_000_000L + i * 86_400_000_000L;
      prices[i] = BigDecimal.TEN;
      currencies[i] = CurrencyCode.USD;
    }
    return new PriceHistory.Series(instrument, micros, prices, currencies);
  }

  private static Price price(InstrumentId instrument, Instant at) {
    return new Price(instrument, BigDecimal.ONE, CurrencyCode.USD, at);
  }

  private static MarketUpdate update(Price price) {
    return new MarketUpdate("node", List.of(), List.of(price), List.of());
  }
}
