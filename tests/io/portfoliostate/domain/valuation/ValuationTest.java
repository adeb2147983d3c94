package io.portfoliostate.domain.valuation;

import static io.portfoliostate.domain.valuation.Ledger.ASOF;
import static io.portfoliostate.domain.valuation.Ledger.FUND;
import static io.portfoliostate.domain.valuation.MarketFixtures.AAPL;
import static io.portfoliostate.domain.valuation.MarketFixtures.EUR;
import static io.portfoliostate.domain.valuation.MarketFixtures.GBP;
import static io.portfoliostate.domain.valuation.MarketFixtures.GILT;
import static io.portfoliostate.domain.valuation.MarketFixtures.JPY;
import static io.portfoliostate.domain.valuation.MarketFixtures.MSFT;
import static io.portfoliostate.domain.valuation.MarketFixtures.SAP;
import static io.portfoliostate.domain.valuation.MarketFixtures.USD;
import static io.portfoliostate.domain.valuation.MarketFixtures.XYZ;
import static io.portfoliostate.domain.valuation.MarketFixtures.d;
import static io.portfoliostate.domain.valuation.MarketFixtures.price;
import static io.portfoliostate.domain.valuation.MarketFixtures.rate;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.portfoliostate.domain.CostMethod;
import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.Position;
import io.portfoliostate.domain.PositionKey;
import io.portfoliostate.domain.Side;
import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The valuation figures of DOMAIN.md and API.md, line by line, in one and in several currencies. */
class ValuationTest {

  private static MarketData market(Price... prices) {
    return MarketData.of(List.of(prices), List.of());
  }

  private static PositionLine line(PortfolioValuation valuation, InstrumentId instrument) {
    return valuation.positions().stream().filter(line -> line.key().instrumentId().equals(instrument))
        .findFirst().orElseThrow();
  }

  private static CashLine cash(PortfolioValuation valuation, CurrencyCode currency) {
    return valuation.cash().stream().filter(line -> line.currency().equals(currency)).findFirst().orElseThrow();
  }

  /**
   * The state of API.md, built from trades: deposit 100,000; BUY 100 AAPL @ 151.75 fee 2; SELL
   * 115 @ 180 fee 2 — closing 100 realizes 100 × 28.25 = 2,825 and flips to -15 @ 180; cash
   * 100,000 − 15,177 + 20,698 = 105,521.
   */
  private static Ledger apiExample() {
    return Ledger.in(USD).deposit(USD, "100000").buy(AAPL, "100", "151.75", "2").sell(AAPL, "115", "180", "2");
  }

  @Nested
  class ApiExample {

    @Test
    void thePositionLineHasTheFiguresOfApiMd() {
      PortfolioValuation valuation = apiExample().value(market(price(AAPL, "170", USD)));

      PositionLine aapl = line(valuation, AAPL);
      Position position = aapl.position();
      assertThat(position.quantity()).isEqualByComparingTo("-15");
      assertThat(position.averageCost()).isEqualByComparingTo("180");
      assertThat(position.realizedPnl()).isEqualByComparingTo("2825");
      assertThat(position.fees()).isEqualByComparingTo("4");
      assertThat(aapl.currency()).isEqualTo(USD);
      assertThat(position.lots()).isEmpty();
      assertThat(aapl.price()).isEqualByComparingTo("170");
      assertThat(aapl.marketValue()).isEqualByComparingTo("-2550");
      assertThat(aapl.marketValueBase()).isEqualByComparingTo("-2550");
      assertThat(aapl.unrealizedPnl()).isEqualByComparingTo("150");
      assertThat(aapl.cost()).isEqualByComparingTo("-2700");
      assertThat(cash(valuation, USD).balance()).isEqualByComparingTo("105521");
      assertThat(cash(valuation, USD).balanceBase()).isEqualByComparingTo("105521");
    }

    @Test
    void asPrintedItsNavIsCashPlusMarketValue() {
      // API.md prints nav 103026 and weight -0.02475 (= -2550 / 103026) for this state, but its
      // own lines give 105521 − 2550 = 102971: the printed NAV holds 55 more than the lines
      // shown. DOMAIN.md's formula is what the code follows; the next test adds the 55.
      PortfolioValuation valuation = apiExample().value(market(price(AAPL, "170", USD)));

      assertThat(valuation.nav()).isEqualByComparingTo("102971");
      assertThat(valuation.complete()).isTrue();
      assertThat(line(valuation, AAPL).weight()).isEqualTo(-2550.0 / 102971.0);
      assertThat(cash(valuation, USD).weight()).isEqualTo(105521.0 / 102971.0);
    }

    @Test
    void withALongWorthFiftyFiveMoreTheNavAndWeightAreApiMds() {
      // The same book with 50 more deposited and 1 XYZ bought at 50, now worth 55: cash stays
      // 105,521 and NAV is the printed 103,026.
      PortfolioValuation valuation = Ledger.in(USD).deposit(USD, "100050").buy(XYZ, "1", "50")
          .buy(AAPL, "100", "151.75", "2").sell(AAPL, "115", "180", "2")
          .value(market(price(AAPL, "170", USD), price(XYZ, "55", USD)));

      assertThat(cash(valuation, USD).balance()).isEqualByComparingTo("105521");
      assertThat(valuation.nav()).isEqualByComparingTo("103026");
      assertThat(line(valuation, AAPL).marketValue()).isEqualByComparingTo("-2550");
      assertThat(line(valuation, AAPL).unrealizedPnl()).isEqualByComparingTo("150");
      assertThat(line(valuation, AAPL).weight()).isEqualTo(-2550.0 / 103026.0).isEqualTo(-0.024751033719643586);
      assertThat(Math.round(line(valuation, AAPL).weight() * 100_000) / 100_000.0).isEqualTo(-0.02475);
      assertThat(line(valuation, XYZ).weight()).isEqualTo(55.0 / 103026.0);
      assertThat(cash(valuation, USD).weight()).isEqualTo(105521.0 / 103026.0);
    }

    @Test
    void theValuationNamesThePortfolioVersionAndTime() {
      PortfolioValuation valuation = apiExample().value(market(price(AAPL, "170", USD)));

      assertThat(valuation.portfolioId()).isEqualTo(FUND);
      assertThat(valuation.version()).isEqualTo(4L);
      assertThat(valuation.baseCurrency()).isEqualTo(USD);
      assertThat(valuation.asOf()).isEqualTo(ASOF);
      assertThat(valuation.hasRatios()).isTrue();
      assertThat(valuation.cashBase()).isEqualByComparingTo("105521");
    }
  }

  @Nested
  class SeveralCurrencies {

    /** 10,000 USD deposited; BUY 10 SAP @ 200 EUR, so EUR cash is -2,000. */
    private final Ledger ledger = Ledger.in(USD).deposit(USD, "10000").buy(SAP, "10", "200");

    @Test
    void aEuroPositionIsConvertedAtTheEurUsdRate() {
      PortfolioValuation valuation = ledger.value(MarketData.of(List.of(price(SAP, "210", EUR)),
          List.of(rate(EUR, USD, "1.1"))));

      PositionLine sap = line(valuation, SAP);
      assertThat(sap.currency()).isEqualTo(EUR);
      assertThat(sap.price()).isEqualByComparingTo("210");
      assertThat(sap.fxRate()).isEqualByComparingTo("1.1");
      assertThat(sap.marketValue()).isEqualByComparingTo("2100");
      assertThat(sap.marketValueBase()).isEqualByComparingTo("2310");
      assertThat(sap.cost()).isEqualByComparingTo("2000");
      assertThat(sap.costBase()).isEqualByComparingTo("2200");
      assertThat(sap.unrealizedPnl()).isEqualByComparingTo("100");
      assertThat(sap.unrealizedPnlBase()).isEqualByComparingTo("110");
      assertThat(sap.realizedPnlBase()).isEqualByComparingTo("0");
      assertThat(cash(valuation, EUR).balanceBase()).isEqualByComparingTo("-2200");
      assertThat(cash(valuation, USD).balanceBase()).isEqualByComparingTo("10000");
      assertThat(valuation.nav()).isEqualByComparingTo("10110");
      assertThat(valuation.complete()).isTrue();
      assertThat(sap.weight()).isEqualTo(2310.0 / 10110.0);
      assertThat(cash(valuation, EUR).weight()).isEqualTo(-2200.0 / 10110.0);
      assertThat(cash(valuation, USD).weight()).isEqualTo(10000.0 / 10110.0);
    }

    @Test
    void anInverseQuoteConvertsAsWell() {
      // USD/EUR = 0.8, so 1 EUR = 1 / 0.8 = 1.25 USD.
      PortfolioValuation valuation = ledger.value(MarketData.of(List.of(price(SAP, "210", EUR)),
          List.of(rate(USD, EUR, "0.8"))));

      assertThat(line(valuation, SAP).fxRate()).isEqualByComparingTo("1.25");
      assertThat(line(valuation, SAP).marketValueBase()).isEqualByComparingTo("2625");
      assertThat(cash(valuation, EUR).balanceBase()).isEqualByComparingTo("-2500");
      assertThat(valuation.nav()).isEqualByComparingTo("10125");
    }

    @Test
    void aGbpBondInAYenPortfolioCrossesThroughUsd() {
      // GBP→JPY = GBP/USD 1.25 × USD/JPY 150 = 187.5.
      PortfolioValuation valuation = Ledger.in(JPY).deposit(JPY, "1000000").buy(GILT, "100", "98.5")
          .value(MarketData.of(List.of(price(GILT, "99", GBP)),
              List.of(rate(GBP, USD, "1.25"), rate(USD, JPY, "150"))));

      PositionLine gilt = line(valuation, GILT);
      assertThat(gilt.fxRate()).isEqualByComparingTo("187.5");
      assertThat(gilt.marketValue()).isEqualByComparingTo("9900");
      assertThat(gilt.marketValueBase()).isEqualByComparingTo("1856250");
      assertThat(gilt.unrealizedPnl()).isEqualByComparingTo("50");
      assertThat(gilt.unrealizedPnlBase()).isEqualByComparingTo("9375");
      assertThat(cash(valuation, GBP).balance()).isEqualByComparingTo("-9850");
      assertThat(cash(valuation, GBP).balanceBase()).isEqualByComparingTo("-1846875");
      assertThat(valuation.nav()).isEqualByComparingTo("1009375");
      assertThat(valuation.complete()).isTrue();
    }

    @Test
    void aShortInAForeignCurrencyGainsWhenThePriceFalls() {
      PortfolioValuation valuation = Ledger.in(USD).sell(SAP, "10", "200")
          .value(MarketData.of(List.of(price(SAP, "180", EUR)), List.of(rate(EUR, USD, "1.1"))));

      PositionLine sap = line(valuation, SAP);
      assertThat(sap.marketValue()).isEqualByComparingTo("-1800");
      assertThat(sap.marketValueBase()).isEqualByComparingTo("-1980");
      assertThat(sap.cost()).isEqualByComparingTo("-2000");
      assertThat(sap.costBase()).isEqualByComparingTo("-2200");
      assertThat(sap.unrealizedPnl()).isEqualByComparingTo("200");
      assertThat(sap.unrealizedPnlBase()).isEqualByComparingTo("220");
      assertThat(cash(valuation, EUR).balanceBase()).isEqualByComparingTo("2200");
      assertThat(valuation.nav()).isEqualByComparingTo("220");
    }

    @Test
    void aPriceQuotedInAnotherCurrencyIsConvertedIntoThePositions() {
      // XYZ has no reference data, so it trades in the base currency (USD); its price arrives in
      // EUR: 90 EUR × 1.1 = 99 USD.
      PortfolioValuation valuation = Ledger.in(USD).deposit(USD, "1000").buy(XYZ, "10", "95")
          .value(MarketData.of(List.of(price(XYZ, "90", EUR)), List.of(rate(EUR, USD, "1.1"))));

      PositionLine xyz = line(valuation, XYZ);
      assertThat(xyz.currency()).isEqualTo(USD);
      assertThat(xyz.instrument()).isNull();
      assertThat(xyz.price()).isEqualByComparingTo("99");
      assertThat(xyz.marketValue()).isEqualByComparingTo("990");
      assertThat(xyz.unrealizedPnl()).isEqualByComparingTo("40");
      assertThat(valuation.nav()).isEqualByComparingTo("1040");
    }
  }

  @Nested
  class MissingData {

    @Test
    void anUnpricedPositionIsReportedUnvaluedAndLeftOutOfNav() {
      PortfolioValuation valuation = Ledger.in(USD).deposit(USD, "10000").buy(AAPL, "10", "100")
          .buy(MSFT, "5", "200").value(market(price(AAPL, "110", USD)));

      PositionLine msft = line(valuation, MSFT);
      assertThat(msft.valued()).isFalse();
      assertThat(msft.price()).isNull();
      assertThat(msft.marketValue()).isNull();
      assertThat(msft.marketValueBase()).isNull();
      assertThat(msft.unrealizedPnl()).isNull();
      assertThat(msft.unrealizedPnlBase()).isNull();
      assertThat(msft.weight()).isNull();
      assertThat(msft.cost()).as("the cost is known without a price").isEqualByComparingTo("1000");
      assertThat(msft.costBase()).isEqualByComparingTo("1000");
      assertThat(valuation.complete()).isFalse();
      assertThat(valuation.nav()).as("cash 8,000 + AAPL 1,100").isEqualByComparingTo("9100");
      assertThat(line(valuation, AAPL).weight()).isEqualTo(1100.0 / 9100.0);
      assertThat(cash(valuation, USD).weight()).isEqualTo(8000.0 / 9100.0);
    }

    @Test
    void aPositionAndCashWithoutARateAreUnvaluedInBaseButKeepTheirLocalFigures() {
      PortfolioValuation valuation = Ledger.in(USD).deposit(USD, "10000").buy(SAP, "10", "200")
          .value(market(price(SAP, "210", EUR)));

      PositionLine sap = line(valuation, SAP);
      assertThat(sap.valued()).isFalse();
      assertThat(sap.price()).isEqualByComparingTo("210");
      assertThat(sap.marketValue()).isEqualByComparingTo("2100");
      assertThat(sap.unrealizedPnl()).isEqualByComparingTo("100");
      assertThat(sap.fxRate()).isNull();
      assertThat(sap.marketValueBase()).isNull();
      assertThat(sap.costBase()).isNull();
      assertThat(sap.weight()).isNull();
      CashLine euros = cash(valuation, EUR);
      assertThat(euros.valued()).isFalse();
      assertThat(euros.balance()).isEqualByComparingTo("-2000");
      assertThat(euros.balanceBase()).isNull();
      assertThat(euros.weight()).isNull();
      assertThat(valuation.complete()).isFalse();
      assertThat(valuation.nav()).isEqualByComparingTo("10000");
      assertThat(cash(valuation, USD).weight()).isEqualTo(1.0);
    }

    @Test
    void aPriceInAnotherCurrencyWithoutARateLeavesTheLineUnpriced() {
      PortfolioValuation valuation = Ledger.in(USD).buy(XYZ, "10", "95").value(market(price(XYZ, "90", EUR)));

      assertThat(line(valuation, XYZ).price()).isNull();
      assertThat(line(valuation, XYZ).valued()).isFalse();
      assertThat(valuation.complete()).isFalse();
    }

    @Test
    void aFlatPositionIsWorthZeroWithoutAPriceAndKeepsItsRealizedPnl() {
      PortfolioValuation valuation = Ledger.in(USD).deposit(USD, "1000").buy(AAPL, "10", "100")
          .sell(AAPL, "10", "120").value(MarketData.empty());

      PositionLine aapl = line(valuation, AAPL);
      assertThat(aapl.quantity()).isEqualByComparingTo("0");
      assertThat(aapl.price()).isNull();
      assertThat(aapl.marketValue()).isEqualByComparingTo("0");
      assertThat(aapl.marketValueBase()).isEqualByComparingTo("0");
      assertThat(aapl.unrealizedPnl()).isEqualByComparingTo("0");
      assertThat(aapl.cost()).isEqualByComparingTo("0");
      assertThat(aapl.realizedPnlBase()).isEqualByComparingTo("200");
      assertThat(aapl.valued()).isTrue();
      assertThat(aapl.weight()).isEqualTo(0.0);
      assertThat(valuation.complete()).isTrue();
      assertThat(valuation.nav()).isEqualByComparingTo("1200");
    }

    @Test
    void aFlatForeignPositionWithoutARateIsWorthZeroButItsRealizedPnlHasNoBaseFigure() {
      PortfolioValuation valuation = Ledger.in(USD).buy(SAP, "10", "100").sell(SAP, "10", "120")
          .value(MarketData.empty());

      PositionLine sap = line(valuation, SAP);
      assertThat(sap.marketValueBase()).isEqualByComparingTo("0");
      assertThat(sap.valued()).isTrue();
      assertThat(sap.position().realizedPnl()).isEqualByComparingTo("200");
      assertThat(sap.realizedPnlBase()).isNull();
      assertThat(cash(valuation, EUR).valued()).as("EUR 200 without a rate").isFalse();
      assertThat(valuation.complete()).isFalse();
    }

    @Test
    void aZeroBalanceIsWorthZeroWithoutARate() {
      PortfolioValuation valuation = Ledger.in(USD).deposit(USD, "500").deposit(EUR, "100")
          .withdraw(EUR, "100").value(MarketData.empty());

      assertThat(cash(valuation, EUR).balanceBase()).isEqualByComparingTo("0");
      assertThat(cash(valuation, EUR).weight()).isEqualTo(0.0);
      assertThat(valuation.complete()).isTrue();
      assertThat(valuation.nav()).isEqualByComparingTo("500");
    }
  }

  @Nested
  class NonPositiveNav {

    @Test
    void withNegativeNavThereAreNoWeights() {
      // No deposit: BUY 10 @ 100 takes cash to -1,000; at 50 the position is worth 500.
      PortfolioValuation valuation = Ledger.in(USD).buy(AAPL, "10", "100").value(market(price(AAPL, "50", USD)));

      assertThat(valuation.nav()).isEqualByComparingTo("-500");
      assertThat(valuation.hasRatios()).isFalse();
      assertThat(valuation.complete()).isTrue();
      assertThat(line(valuation, AAPL).marketValueBase()).isEqualByComparingTo("500");
      assertThat(line(valuation, AAPL).weight()).isNull();
      assertThat(cash(valuation, USD).weight()).isNull();
    }

    @Test
    void withZeroNavThereAreNoWeights() {
      PortfolioValuation valuation = Ledger.in(USD).buy(AAPL, "10", "100").value(market(price(AAPL, "100", USD)));

      assertThat(valuation.nav()).isEqualByComparingTo("0");
      assertThat(valuation.hasRatios()).isFalse();
      assertThat(line(valuation, AAPL).weight()).isNull();
      assertThat(cash(valuation, USD).weight()).isNull();
    }

    @Test
    void anEmptyPortfolioIsCompleteWithZeroNav() {
      PortfolioValuation valuation = Ledger.in(USD).value(MarketData.empty());

      assertThat(valuation.positions()).isEmpty();
      assertThat(valuation.cash()).isEmpty();
      assertThat(valuation.nav()).isEqualByComparingTo("0");
      assertThat(valuation.complete()).isTrue();
    }
  }

  @Nested
  class CostAndLines {

    @Test
    void unrealizedPnlIsExactWhenTheAverageCostDoesNotTerminate() {
      // BUY 2 @ 30 and 1 @ 40: a = 100 / 3 = 33.33… (34 digits), cost basis exactly 100.
      // At 40, q · (price − a) would be 20.00…01; the exact cost gives 20.
      PortfolioValuation valuation = Ledger.in(USD).buy(AAPL, "2", "30").buy(AAPL, "1", "40")
          .value(market(price(AAPL, "40", USD)));

      PositionLine aapl = line(valuation, AAPL);
      assertThat(aapl.position().averageCost()).isEqualTo(d("33.33333333333333333333333333333333"));
      assertThat(aapl.cost()).isEqualByComparingTo("100");
      assertThat(aapl.unrealizedPnl()).isEqualTo(d("20"));
    }

    @Test
    void underFifoTheCostIsThatOfTheOpenLots() {
      // Lots 10 @ 100 and 10 @ 120; SELL 5 @ 130 closes 5 of the first (+150); left 5 @ 100 and
      // 10 @ 120, cost 1,700. At 125: 1,875 − 1,700 = 175.
      PortfolioValuation valuation = Ledger.in(USD, CostMethod.FIFO).buy(AAPL, "10", "100")
          .buy(AAPL, "10", "120").sell(AAPL, "5", "130").value(market(price(AAPL, "125", USD)));

      PositionLine aapl = line(valuation, AAPL);
      assertThat(aapl.position().lots()).hasSize(2);
      assertThat(aapl.cost()).isEqualByComparingTo("1700");
      assertThat(aapl.marketValue()).isEqualByComparingTo("1875");
      assertThat(aapl.unrealizedPnl()).isEqualByComparingTo("175");
      assertThat(aapl.realizedPnlBase()).isEqualByComparingTo("150");
    }

    @Test
    void linesAreOrderedByInstrumentThenStrategyAndCashByCurrency() {
      PortfolioValuation valuation = Ledger.in(USD).deposit(USD, "100").deposit(EUR, "100")
          .trade(SAP, Side.BUY, "1", "10", "value").trade(AAPL, Side.BUY, "1", "10", "growth")
          .trade(AAPL, Side.BUY, "2", "10", "value").trade(AAPL, Side.BUY, "3", "10", null)
          .value(MarketData.empty());

      assertThat(valuation.positions()).extracting(PositionLine::key).containsExactly(
          PositionKey.of(AAPL, "default"), PositionKey.of(AAPL, "growth"), PositionKey.of(AAPL, "value"),
          PositionKey.of(SAP, "value"));
      assertThat(valuation.cash()).extracting(CashLine::currency, CashLine::balance)
          .containsExactly(tuple(EUR, d("90")), tuple(USD, d("40")));
    }

    @Test
    void eachLineCarriesItsInstrumentsReferenceData() {
      PortfolioValuation valuation = Ledger.in(USD).buy(AAPL, "1", "10").buy(XYZ, "1", "10")
          .value(MarketData.empty());

      assertThat(line(valuation, AAPL).instrument().sector()).isEqualTo("Technology");
      assertThat(line(valuation, AAPL).instrument().factors()).containsEntry("beta", d("1.2"));
      assertThat(line(valuation, XYZ).instrument()).isNull();
    }

    @Test
    void theSameStateAndMarketAlwaysValueAlike() {
      Ledger ledger = apiExample();
      MarketData market = market(price(AAPL, "170", USD));

      assertThat(ledger.value(market)).isEqualTo(ledger.value(market));
      assertThat(ledger.value(market).positions().get(0).marketValue()).isEqualTo(BigDecimal.valueOf(-2550));
    }
  }
}
