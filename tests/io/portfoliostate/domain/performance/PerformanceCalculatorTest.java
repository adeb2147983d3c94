package io.portfoliostate.domain.performance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.portfoliostate.domain.CashFlowRecorded;
import io.portfoliostate.domain.CashFlowType;
import io.portfoliostate.domain.CostMethod;
import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.DividendApplied;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.PortfolioCreated;
import io.portfoliostate.domain.PortfolioEvent;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.domain.PortfolioSettings;
import io.portfoliostate.domain.ReferenceData;
import io.portfoliostate.domain.Side;
import io.portfoliostate.domain.TradeRecorded;
import io.portfoliostate.domain.timeline.BusinessTime;
import io.portfoliostate.domain.valuation.GroupBy;
import io.portfoliostate.domain.valuation.Price;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The calculator on a book built in memory: two instruments bought on Monday 1 January 2024 with
 * 2,000 of cash, 10 each at 100; A closes 110 on Tuesday and B 90. NAV stays 2,000, the day's
 * return is 0, and the two lines cancel out: A contributes 0.5 × 0.1, B 0.5 × −0.1. A sale of
 * half of A on Wednesday at 121 (its close) is taken at the end of the day: A's return is 0.1
 * again, not distorted by the proceeds.
 */
class PerformanceCalculatorTest {

  private static final double EXACT = 1e-12;
  private static final InstrumentId A = InstrumentId.of("A");
  private static final InstrumentId B = InstrumentId.of("B");
  private static final CurrencyCode USD = CurrencyCode.USD;
  private static final LocalDate MONDAY = LocalDate.of(2024, 1, 1);

  @Test
  void linesContributeByYesterdaysWeightAndASaleIsTakenAtTheEndOfItsDay() {
    List<PortfolioEvent> journal = List.of(
        new PortfolioCreated(PortfolioId.of("calc"), "Calc", USD, null, CostMethod.AVERAGE, new BigDecimal("0.02"),
            Map.of(), at("2024-01-01T08:00:00Z"), PortfolioSettings.NONE),
        new CashFlowRecorded("d-1", CashFlowType.DEPOSIT, USD, new BigDecimal("2000"), null,
            at("2024-01-01T09:00:00Z"), at("2024-01-01T09:00:00Z")),
        trade("t-1", A, Side.BUY, "10", "100", "2024-01-01T10:00:00Z"),
        trade("t-2", B, Side.BUY, "10", "100", "2024-01-01T10:00:00Z"),
        trade("t-3", A, Side.SELL, "5", "121", "2024-01-03T15:00:00Z"));
    List<Price> prices = List.of(price(A, "100", "2024-01-01"), price(B, "100", "2024-01-01"),
        price(A, "110", "2024-01-02"), price(B, "90", "2024-01-02"), price(A, "121", "2024-01-03"));

    PerformanceReport report = compute(journal, prices, LocalDate.of(2024, 1, 3), null);

    assertThat(report.series()).extracting(point -> point.nav().toPlainString())
        .containsExactly("2000", "2000", "2110");
    // Wednesday: 5 A × 121 + 10 B × 90 (Tuesday's close, the latest) + cash 605 = 2,110.
    assertThat(report.series().get(2).dailyReturn()).isCloseTo(0.055, within(EXACT));
    Contribution a = report.contributions().get(0);
    Contribution b = report.contributions().get(1);
    assertThat(a.key()).isEqualTo("A");
    // Tuesday 0.5 × 0.1; Wednesday A's weight 1,100 / 2,000 × its return 0.1.
    assertThat(a.contribution()).isCloseTo(0.05 + 0.55 * 0.1, within(EXACT));
    assertThat(a.lineReturn()).isCloseTo(1.1 * 1.1 - 1, within(EXACT));
    assertThat(b.key()).isEqualTo("B");
    assertThat(b.contribution()).isCloseTo(-0.05, within(EXACT));
    assertThat(b.lineReturn()).isCloseTo(-0.1, within(EXACT));
    assertThat(report.twr()).isCloseTo(0.055, within(EXACT));
    assertThat(report.complete()).isTrue();
  }

  @Test
  void aGroupIsOneLineOfItsMembers() {
    List<PortfolioEvent> journal = List.of(
        new PortfolioCreated(PortfolioId.of("calc"), "Calc", USD, null, CostMethod.AVERAGE, new BigDecimal("0.02"),
            Map.of(), at("2024-01-01T08:00:00Z"), PortfolioSettings.NONE),
        new CashFlowRecorded("d-1", CashFlowType.DEPOSIT, USD, new BigDecimal("2000"), null,
            at("2024-01-01T09:00:00Z"), at("2024-01-01T09:00:00Z")),
        trade("t-1", A, Side.BUY, "10", "100", "2024-01-01T10:00:00Z"),
        trade("t-2", B, Side.BUY, "10", "100", "2024-01-01T10:00:00Z"));
    List<Price> prices = List.of(price(A, "100", "2024-01-01"), price(B, "100", "2024-01-01"),
        price(A, "110", "2024-01-02"), price(B, "90", "2024-01-02"));

    PerformanceReport report = compute(journal, prices, LocalDate.of(2024, 1, 2), GroupBy.CURRENCY);

    assertThat(report.contributions()).hasSize(1);
    assertThat(report.contributions().get(0).key()).isEqualTo("USD");
    assertThat(report.contributions().get(0).contribution()).isCloseTo(0.0, within(EXACT));
    assertThat(report.contributions().get(0).lineReturn()).isCloseTo(0.0, within(EXACT));
  }

  /**
   * A dividend is each position's own, q · amountPerShare (DOMAIN.md): strategy "long" holds 100
   * X and strategy "short" is short 100 X, both at 10 on Monday, a flat price; on Tuesday X pays
   * 1 a share. The portfolio receives 100 − 100 = 0, NAV stays 2,000 — but "long" received 100
   * (return 100 / 1,000 = 0.1, weight 0.5) and "short" paid 100 (return (−1,000 − 100 + 1,000) /
   * −1,000 = 0.1, the instrument's, weight −0.5). Sharing the portfolio's total by quantity would
   * have given both 0.
   */
  @Test
  void aDividendIsEachStrategysOwnQuantityTimesTheAmountPerShare() {
    InstrumentId x = InstrumentId.of("X");
    List<PortfolioEvent> journal = List.of(
        new PortfolioCreated(PortfolioId.of("calc"), "Calc", USD, null, CostMethod.AVERAGE, new BigDecimal("0.02"),
            Map.of(), at("2024-01-01T08:00:00Z"), PortfolioSettings.NONE),
        new CashFlowRecorded("d-1", CashFlowType.DEPOSIT, USD, new BigDecimal("2000"), null,
            at("2024-01-01T09:00:00Z"), at("2024-01-01T09:00:00Z")),
        new TradeRecorded("t-1", x, "long", Side.BUY, new BigDecimal("100"), BigDecimal.TEN, USD, BigDecimal.ZERO,
            at("2024-01-01T10:00:00Z"), at("2024-01-01T10:00:00Z")),
        new TradeRecorded("t-2", x, "short", Side.SELL, new BigDecimal("100"), BigDecimal.TEN, USD, BigDecimal.ZERO,
            at("2024-01-01T10:00:00Z"), at("2024-01-01T10:00:00Z")),
        new DividendApplied("div-x", x, BigDecimal.ONE, at("2024-01-02T12:00:00Z"), Map.of(USD, BigDecimal.ZERO),
            at("2024-01-02T12:00:00Z")));
    List<Price> prices = List.of(price(x, "10", "2024-01-01"), price(x, "10", "2024-01-02"));

    PerformanceReport report = compute(journal, prices, LocalDate.of(2024, 1, 2), GroupBy.STRATEGY);

    assertThat(report.series()).extracting(point -> point.nav().toPlainString()).containsExactly("2000", "2000");
    assertThat(report.series().get(1).income()).isEqualByComparingTo("0");
    Contribution longs = report.contributions().get(0);
    Contribution shorts = report.contributions().get(1);
    assertThat(longs.key()).isEqualTo("long");
    assertThat(longs.lineReturn()).isCloseTo(0.1, within(EXACT));
    assertThat(longs.contribution()).isCloseTo(0.05, within(EXACT));
    assertThat(shorts.key()).isEqualTo("short");
    assertThat(shorts.lineReturn()).isCloseTo(0.1, within(EXACT));
    assertThat(shorts.contribution()).isCloseTo(-0.05, within(EXACT));
  }

  @Test
  void aWindowWithoutMoneyHasNoRatiosAtAll() {
    List<PortfolioEvent> journal = List.of(new PortfolioCreated(PortfolioId.of("calc"), "Calc", USD, null,
        CostMethod.AVERAGE, new BigDecimal("0.02"), Map.of(), at("2024-01-01T08:00:00Z"), PortfolioSettings.NONE));

    PerformanceReport report = compute(journal, List.of(), LocalDate.of(2024, 1, 5), null);

    assertThat(report.series()).hasSize(5);
    assertThat(report.twr()).isNull();
    assertThat(report.mwr()).isNull();
    assertThat(report.volatility()).isNull();
    assertThat(report.sharpe()).isNull();
    assertThat(report.var95()).isNull();
    assertThat(report.maxDrawdown()).isEqualTo(0.0);
    assertThat(report.series().get(1).cumulativeReturn()).isNull();
  }

  private static PerformanceReport compute(List<PortfolioEvent> journal, List<Price> prices, LocalDate to,
      GroupBy groupBy) {
    List<LocalDate> dates = PerformanceCalculator.weekdays(MONDAY, to);
    List<Instant> ends = dates.stream().map(PerformanceCalculator::endOf).toList();
    ReferenceData reference = id -> id.equals(A) || id.equals(B) ? java.util.Optional.of(USD)
        : java.util.Optional.empty();
    BusinessTime.Series states = BusinessTime.series(journal, ends);
    PerformanceCalculator.Inputs inputs = new PerformanceCalculator.Inputs(MONDAY, to, USD, dates, states.states(),
        journal, new PriceHistory(prices, List.of(), List.of()), reference, null, 0, groupBy);
    PerformanceReport walked = PerformanceCalculator.compute(inputs);
    // Told the changed positions, the valuation looks only those up: the same report.
    assertThat(PerformanceCalculator.compute(inputs, states.changed())).isEqualTo(walked);
    return walked;
  }

  private static TradeRecorded trade(String id, InstrumentId instrument, Side side, String quantity, String price,
      String executedAt) {
    return new TradeRecorded(id, instrument, "default", side, new BigDecimal(quantity), new BigDecimal(price), USD,
        BigDecimal.ZERO, at(executedAt), at(executedAt));
  }

  private static Price price(InstrumentId instrument, String price, String day) {
    return new Price(instrument, new BigDecimal(price), USD, at(day + "T16:00:00Z"));
  }

  private static Instant at(String text) {
    return Instant.parse(text);
  }
}
