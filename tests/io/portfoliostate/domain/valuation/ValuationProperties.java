package io.portfoliostate.domain.valuation;

import static io.portfoliostate.domain.valuation.MarketFixtures.AAPL;
import static io.portfoliostate.domain.valuation.MarketFixtures.EUR;
import static io.portfoliostate.domain.valuation.MarketFixtures.GBP;
import static io.portfoliostate.domain.valuation.MarketFixtures.GILT;
import static io.portfoliostate.domain.valuation.MarketFixtures.JPY;
import static io.portfoliostate.domain.valuation.MarketFixtures.SAP;
import static io.portfoliostate.domain.valuation.MarketFixtures.T0;
import static io.portfoliostate.domain.valuation.MarketFixtures.USD;
import static io.portfoliostate.domain.valuation.MarketFixtures.XYZ;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import io.portfoliostate.domain.CostMethod;
import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.Side;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Invariants of a valuation over random books (deposits and long/short trades in four
 * instruments and three currencies, under every cost method) and random markets (some prices
 * and rates missing).
 */
class ValuationProperties {

  private static final int TRIES = 200;

  /** A random book and market. */
  record Scenario(CurrencyCode base, CostMethod method, List<Deposit> deposits, List<Trade> trades,
      List<Price> prices, List<FxRate> rates) {

    PortfolioValuation value() {
      return ledger().value(MarketData.of(prices, rates));
    }

    Ledger ledger() {
      Ledger ledger = Ledger.in(base, method);
      deposits.forEach(deposit -> ledger.deposit(deposit.currency, deposit.amount.toPlainString()));
      trades.forEach(trade -> ledger.trade(trade.instrument, trade.side, trade.quantity.toPlainString(),
          trade.price.toPlainString(), "0", null));
      return ledger;
    }
  }

  record Deposit(CurrencyCode currency, BigDecimal amount) {
  }

  record Trade(InstrumentId instrument, Side side, BigDecimal quantity, BigDecimal price) {
  }

  @Property(tries = TRIES)
  void theWeightsOfAllValuedLinesSumToOneWhenNavIsPositive(@ForAll("scenarios") Scenario scenario) {
    PortfolioValuation valuation = scenario.value();
    Assume.that(valuation.hasRatios());

    double sum = 0;
    double magnitude = 0;
    for (PositionLine line : valuation.positions()) {
      if (line.valued()) {
        sum += line.weight();
        magnitude += Math.abs(line.weight());
      }
    }
    for (CashLine line : valuation.cash()) {
      if (line.valued()) {
        sum += line.weight();
        magnitude += Math.abs(line.weight());
      }
    }
    // Each weight is within half an ulp of its true value; when NAV is small next to the gross
    // book (weights of ±50), the absolute error of the sum grows with Σ|w|.
    assertThat(sum).isCloseTo(1.0, offset(1e-9 * Math.max(1, magnitude)));
  }

  @Property(tries = TRIES)
  void unrealizedPnlIsQuantityTimesPriceLessAverageCost(@ForAll("scenarios") Scenario scenario) {
    // The exact cost basis and DOMAIN.md's q · (price − a) agree to far below any cent: they
    // differ only by the rounding of the average to 34 digits.
    for (PositionLine line : scenario.value().positions()) {
      if (line.price() == null) {
        // Unpriced: unknown, except that a flat position has none.
        if (line.position().isFlat()) {
          assertThat(line.unrealizedPnl()).isEqualByComparingTo(BigDecimal.ZERO);
        } else {
          assertThat(line.unrealizedPnl()).isNull();
        }
      } else {
        BigDecimal domainFormula = line.quantity().multiply(line.price().subtract(line.position().averageCost()));
        assertThat(line.unrealizedPnl().subtract(domainFormula).abs()).isLessThan(new BigDecimal("1E-20"));
      }
    }
  }

  @Property(tries = TRIES)
  void aValuationIsCompleteExactlyWhenEveryNonZeroAmountHasAPriceAndARate(@ForAll("scenarios") Scenario scenario) {
    PortfolioValuation valuation = scenario.value();
    MarketData market = MarketData.of(scenario.prices(), scenario.rates());

    boolean everythingQuoted = true;
    for (PositionLine line : valuation.positions()) {
      Optional<Price> price = market.price(line.key().instrumentId());
      boolean priced = price.isPresent() && market.fx(price.get().currency(), line.currency()).isPresent();
      everythingQuoted &= line.position().isFlat()
          || (priced && market.fx(line.currency(), scenario.base()).isPresent());
    }
    for (CashLine line : valuation.cash()) {
      everythingQuoted &= line.balance().signum() == 0 || market.fx(line.currency(), scenario.base()).isPresent();
    }
    assertThat(valuation.complete()).isEqualTo(everythingQuoted);
  }

  /**
   * An as-of read fetches only what {@link MarketNeeds} names: valued with a market of just
   * those prices and rates, every book values exactly as with the whole market.
   */
  @Property(tries = TRIES)
  void aMarketOfJustTheNeedsValuesAsTheWholeMarket(@ForAll("scenarios") Scenario scenario) {
    Ledger ledger = scenario.ledger();
    Set<InstrumentId> instruments = MarketNeeds.instruments(ledger.state());
    List<Price> prices = scenario.prices().stream().filter(p -> instruments.contains(p.instrumentId())).toList();
    Set<MarketNeeds.Pair> pairs = MarketNeeds.pairs(ledger.state(), prices);
    List<FxRate> rates = scenario.rates().stream()
        .filter(r -> pairs.contains(new MarketNeeds.Pair(r.base(), r.quote()))).toList();

    assertThat(ledger.value(MarketData.of(prices, rates))).isEqualTo(scenario.value());
  }

  @Provide
  Arbitrary<Scenario> scenarios() {
    Arbitrary<CurrencyCode> currencies = Arbitraries.of(USD, EUR, GBP);
    Arbitrary<Deposit> deposits = Combinators.combine(currencies,
        Arbitraries.bigDecimals().between(new BigDecimal("1"), new BigDecimal("1000000")).ofScale(2))
        .as(Deposit::new);
    Arbitrary<Trade> trades = Combinators.combine(Arbitraries.of(AAPL, SAP, GILT, XYZ), Arbitraries.of(Side.class),
        Arbitraries.bigDecimals().between(new BigDecimal("0.001"), new BigDecimal("1000")).ofScale(3),
        Arbitraries.bigDecimals().between(new BigDecimal("0.01"), new BigDecimal("500")).ofScale(2))
        .as(Trade::new);
    Arbitrary<List<Price>> prices = Combinators.combine(
        optionalPrice(AAPL, USD), optionalPrice(SAP, EUR), optionalPrice(GILT, GBP), optionalPrice(XYZ, EUR))
        .as(ValuationProperties::present);
    Arbitrary<List<FxRate>> rates = Combinators.combine(
        optionalRate(EUR, USD), optionalRate(USD, GBP), optionalRate(USD, JPY))
        .as(ValuationProperties::present);
    return Combinators.combine(Arbitraries.of(USD, EUR, JPY), Arbitraries.of(CostMethod.class),
        deposits.list().ofMaxSize(3), trades.list().ofMaxSize(12), prices, rates).as(Scenario::new);
  }

  private static Arbitrary<Optional<Price>> optionalPrice(InstrumentId instrument, CurrencyCode currency) {
    return Arbitraries.bigDecimals().between(new BigDecimal("0.01"), new BigDecimal("600")).ofScale(2)
        .map(price -> new Price(instrument, price, currency, T0)).optional(0.85);
  }

  private static Arbitrary<Optional<FxRate>> optionalRate(CurrencyCode base, CurrencyCode quote) {
    return Arbitraries.bigDecimals().between(new BigDecimal("0.005"), new BigDecimal("200")).ofScale(4)
        .map(rate -> new FxRate(base, quote, rate, T0)).optional(0.85);
  }

  @SafeVarargs
  private static <T> List<T> present(Optional<T>... values) {
    List<T> present = new ArrayList<>();
    for (Optional<T> value : values) {
      value.ifPresent(present::add);
    }
    return present;
  }
}
