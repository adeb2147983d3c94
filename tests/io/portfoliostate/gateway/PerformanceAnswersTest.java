package io.portfoliostate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.domain.Split;
import io.portfoliostate.domain.valuation.FxRate;
import io.portfoliostate.domain.valuation.GroupBy;
import io.portfoliostate.domain.valuation.Price;
import io.portfoliostate.protocol.MarketUpdate;
import io.vertx.core.buffer.Buffer;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The node's finished performance answers on their own: kept and found by their key, dropped by
 * an update that could change them and by nothing else, not kept when such an update arrived
 * during their computation, replaced by a newer journal version, bounded in bytes, trusted for
 * the time to live, and made with the splits the read knows.
 */
class PerformanceAnswersTest {

  private static final PortfolioId P = PortfolioId.of("p");
  private static final InstrumentId A = InstrumentId.of("A");
  private static final InstrumentId B = InstrumentId.of("B");
  private static final CurrencyCode EUR = CurrencyCode.of("EUR");
  private static final CurrencyCode GBP = CurrencyCode.of("GBP");
  /** The window's end: Friday 5 January 2024, 23:59:59.999 UTC. */
  private static final Instant END = Instant.parse("2024-01-05T23:59:59.999Z");
  private static final Split SPLIT = new Split("s-1", A, 2, 1, Instant.parse("2024-01-03T00:00:00Z"));

  private final AtomicLong now = new AtomicLong();
  private final PerformanceAnswers answers = new PerformanceAnswers(100, 60, now::get);

  @Test
  void anAnswerIsFoundByItsWholeKey() {
    answers.keep(key(7, "2024-01-05"), needs(), body(10), answers.begin());
    assertThat(answers.find(key(7, "2024-01-05"), List.of())).isEqualTo(body(10));
    assertThat(answers.find(key(7, "2024-01-04"), List.of())).isNull();
    assertThat(answers.find(new PerformanceAnswers.Key(P, 7, LocalDate.parse("2024-01-01"),
        LocalDate.parse("2024-01-05"), null, 0.03, GroupBy.INSTRUMENT), List.of())).isNull();
    assertThat(answers.find(new PerformanceAnswers.Key(P, 7, LocalDate.parse("2024-01-01"),
        LocalDate.parse("2024-01-05"), null, 0.0, GroupBy.SECTOR), List.of())).isNull();
  }

  @Test
  void onlyAnUpdateThatCouldChangeAnAnswerDropsIt() {
    answers.keep(key(7, "2024-01-05"), needs(), body(10), answers.begin());
    // B is not the portfolio's; A's price after the window's end; a rate between GBP and USD (GBP is not its).
    answers.onMarketUpdate(prices(new Price(B, BigDecimal.ONE, CurrencyCode.USD, END.minusSeconds(60))));
    answers.onMarketUpdate(prices(new Price(A, BigDecimal.ONE, CurrencyCode.USD, END.plusMillis(1))));
    answers.onMarketUpdate(rates(new FxRate(GBP, CurrencyCode.USD, BigDecimal.ONE, END.minusSeconds(60))));
    assertThat(answers.find(key(7, "2024-01-05"), List.of())).isEqualTo(body(10));

    answers.onMarketUpdate(prices(new Price(A, BigDecimal.ONE, CurrencyCode.USD, END)));
    assertThat(answers.find(key(7, "2024-01-05"), List.of())).isNull();
    assertThat(answers.keptBytes()).isZero();

    answers.keep(key(7, "2024-01-05"), needs(), body(10), answers.begin());
    answers.onMarketUpdate(rates(new FxRate(EUR, CurrencyCode.USD, BigDecimal.ONE, Instant.parse("2023-06-01T00:00:00Z"))));
    assertThat(answers.find(key(7, "2024-01-05"), List.of())).isNull();

    answers.keep(key(7, "2024-01-05"), needs(), body(10), answers.begin());
    answers.onMarketUpdate(new MarketUpdate("node", List.of(io.portfoliostate.domain.Instrument.of(A,
        CurrencyCode.USD)), List.of(), List.of()));
    assertThat(answers.find(key(7, "2024-01-05"), List.of())).isNull();
  }

  @Test
  void anAnswerComputedWhileAnUpdateChangedItIsNotKept() {
    long[] began = answers.begin();
    answers.onMarketUpdate(prices(new Price(B, BigDecimal.ONE, CurrencyCode.USD, END)));
    answers.keep(key(7, "2024-01-05"), needs(), body(10), began);
    assertThat(answers.find(key(7, "2024-01-05"), List.of())).isEqualTo(body(10));

    long[] later = answers.begin();
    answers.onMarketUpdate(prices(new Price(A, BigDecimal.ONE, CurrencyCode.USD, END.minusSeconds(1))));
    answers.keep(key(7, "2024-01-04"), needs(), body(10), later);
    assertThat(answers.find(key(7, "2024-01-04"), List.of())).isNull();
  }

  @Test
  void aNewerVersionReplacesTheOlderAndTheBytesAreBounded() {
    answers.keep(key(7, "2024-01-05"), needs(), body(40), answers.begin());
    answers.keep(key(7, "2024-01-04"), needs(), body(40), answers.begin());
    answers.keep(key(8, "2024-01-05"), needs(), body(30), answers.begin());
    assertThat(answers.keptAnswers()).isEqualTo(1);
    assertThat(answers.keptBytes()).isEqualTo(30);

    answers.keep(key(8, "2024-01-04"), needs(), body(40), answers.begin());
    answers.find(key(8, "2024-01-05"), List.of());
    // 30 + 40 + 40 > 100: the least recently used (the 4th's) goes.
    answers.keep(key(8, "2024-01-03"), needs(), body(40), answers.begin());
    assertThat(answers.find(key(8, "2024-01-04"), List.of())).isNull();
    assertThat(answers.keptBytes()).isEqualTo(70);
    // Larger than the bound: never kept.
    answers.keep(key(8, "2024-01-02"), needs(), body(101), answers.begin());
    assertThat(answers.find(key(8, "2024-01-02"), List.of())).isNull();
  }

  @Test
  void anAnswerIsTrustedForItsTimeToLiveAndWithItsSplits() {
    answers.keep(key(7, "2024-01-05"), needs(), body(10), answers.begin());
    assertThat(answers.find(key(7, "2024-01-05"), List.of(SPLIT))).isNull();

    answers.keep(key(7, "2024-01-05"), needs(), body(10), answers.begin());
    now.addAndGet(60_000_000_000L);
    assertThat(answers.find(key(7, "2024-01-05"), List.of())).isEqualTo(body(10));
    now.addAndGet(1);
    assertThat(answers.find(key(7, "2024-01-05"), List.of())).isNull();
    assertThat(answers.keptAnswers()).isZero();
  }

  @Test
  void aBoundOfZeroKeepsNothing() {
    PerformanceAnswers none = new PerformanceAnswers(0, 60, now::get);
    none.keep(key(7, "2024-01-05"), needs(), body(1), none.begin());
    assertThat(none.find(key(7, "2024-01-05"), List.of())).isNull();
  }

  private static PerformanceAnswers.Key key(long version, String to) {
    return new PerformanceAnswers.Key(P, version, LocalDate.parse("2024-01-01"), LocalDate.parse(to), null, 0.0,
        GroupBy.INSTRUMENT);
  }

  /** A portfolio of A in USD and EUR cash, without splits, up to Friday's end. */
  private static PerformanceAnswers.Needs needs() {
    return new PerformanceAnswers.Needs(Set.of(A), Set.of(CurrencyCode.USD, EUR), PerformancePrices.micros(END),
        List.of());
  }

  private static Buffer body(int bytes) {
    return Buffer.buffer(new byte[bytes]);
  }

  private static MarketUpdate prices(Price price) {
    return new MarketUpdate("node", List.of(), List.of(price), List.of());
  }

  private static MarketUpdate rates(FxRate rate) {
    return new MarketUpdate("node", List.of(), List.of(), List.of(rate));
  }
}
