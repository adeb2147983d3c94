package io.portfoliostate.domain.valuation;

import static io.portfoliostate.domain.valuation.MarketFixtures.AAPL;
import static io.portfoliostate.domain.valuation.MarketFixtures.CHF;
import static io.portfoliostate.domain.valuation.MarketFixtures.EUR;
import static io.portfoliostate.domain.valuation.MarketFixtures.GBP;
import static io.portfoliostate.domain.valuation.MarketFixtures.JPY;
import static io.portfoliostate.domain.valuation.MarketFixtures.MSFT;
import static io.portfoliostate.domain.valuation.MarketFixtures.SAP;
import static io.portfoliostate.domain.valuation.MarketFixtures.TM;
import static io.portfoliostate.domain.valuation.MarketFixtures.USD;
import static io.portfoliostate.domain.valuation.MarketFixtures.XYZ;
import static io.portfoliostate.domain.valuation.MarketFixtures.price;
import static io.portfoliostate.domain.valuation.MarketFixtures.rate;
import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.domain.PortfolioState;
import io.portfoliostate.domain.Side;
import io.portfoliostate.domain.valuation.MarketNeeds.Pair;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * What an as-of read fetches from the history: the instruments of the state's positions, and the
 * pairs its conversions may read once the prices are known.
 */
class MarketNeedsTest {

  /**
   * GBP base; SAP (EUR), AAPL (USD), XYZ (bought in USD, priced in CHF) and 7203.T flat; cash in
   * GBP, EUR, USD and JPY (the JPY from the flat round trip). EUR → GBP is direct, inverse or the
   * two USD legs; USD → GBP direct or inverse; CHF → USD (XYZ's price) direct or inverse; JPY →
   * GBP like EUR.
   */
  private static final PortfolioState BOOK = Ledger.in(GBP).deposit(GBP, "10000")
      .buy(SAP, "10", "100").buy(AAPL, "5", "50")
      .trade(XYZ, Side.BUY, "2", "10", "0", USD)
      .buy(TM, "100", "2000").sell(TM, "100", "2100")
      .state();

  @Test
  void theInstrumentsAreThoseOfEveryPositionFlatOnesToo() {
    assertThat(MarketNeeds.instruments(BOOK)).containsExactlyInAnyOrder(SAP, AAPL, XYZ, TM);
  }

  @Test
  void thePairsAreThoseEveryConversionMayReadInDomainOrder() {
    List<Price> prices = List.of(price(SAP, "120", EUR), price(AAPL, "60", USD), price(XYZ, "9", CHF));
    assertThat(MarketNeeds.pairs(BOOK, prices)).containsExactlyInAnyOrder(
        new Pair(EUR, GBP), new Pair(GBP, EUR), new Pair(EUR, USD), new Pair(USD, EUR),
        new Pair(USD, GBP), new Pair(GBP, USD),
        new Pair(CHF, USD), new Pair(USD, CHF),
        new Pair(JPY, GBP), new Pair(GBP, JPY), new Pair(JPY, USD), new Pair(USD, JPY));
  }

  @Test
  void aPriceInThePositionsCurrencyNeedsNoRateOfItsOwn() {
    PortfolioState usd = Ledger.in(USD).buy(AAPL, "1", "10").state();
    assertThat(MarketNeeds.pairs(usd, List.of(price(AAPL, "11", USD)))).isEmpty();
  }

  /**
   * The market cut down to the needs values the book exactly as the whole market does: the cross
   * EUR → GBP through USD, the CHF price of XYZ, and rates nobody needs left out.
   */
  @Test
  void aMarketOfJustTheNeedsValuesAsTheWholeMarket() {
    List<Price> prices = List.of(price(SAP, "120", EUR), price(AAPL, "60", USD), price(XYZ, "9", CHF),
        price(MSFT, "300", USD));
    List<FxRate> rates = List.of(rate(EUR, USD, "1.08"), rate(GBP, USD, "1.25"), rate(USD, CHF, "0.8"),
        rate(CHF, EUR, "1.05"), rate(JPY, USD, "0.0064"));
    MarketData whole = MarketData.of(prices, rates);
    List<Price> needed = prices.stream().filter(p -> MarketNeeds.instruments(BOOK).contains(p.instrumentId()))
        .toList();
    Set<Pair> pairs = MarketNeeds.pairs(BOOK, needed);
    MarketData cut = MarketData.of(needed, rates.stream()
        .filter(r -> pairs.contains(new Pair(r.base(), r.quote()))).toList());

    assertThat(cut.rates()).hasSize(4);
    assertThat(Valuation.value(BOOK, cut, Ledger.REFERENCE, Ledger.ASOF))
        .isEqualTo(Valuation.value(BOOK, whole, Ledger.REFERENCE, Ledger.ASOF));
  }
}
