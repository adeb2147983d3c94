package io.portfoliostate.domain.valuation;

import static io.portfoliostate.domain.valuation.MarketFixtures.AAPL;
import static io.portfoliostate.domain.valuation.MarketFixtures.EUR;
import static io.portfoliostate.domain.valuation.MarketFixtures.GBP;
import static io.portfoliostate.domain.valuation.MarketFixtures.GILT;
import static io.portfoliostate.domain.valuation.MarketFixtures.MSFT;
import static io.portfoliostate.domain.valuation.MarketFixtures.SAP;
import static io.portfoliostate.domain.valuation.MarketFixtures.TM;
import static io.portfoliostate.domain.valuation.MarketFixtures.USD;
import static io.portfoliostate.domain.valuation.MarketFixtures.XYZ;
import static io.portfoliostate.domain.valuation.MarketFixtures.price;
import static io.portfoliostate.domain.valuation.MarketFixtures.rate;

import io.portfoliostate.domain.Side;
import java.util.List;

/** Named books shared by the grouping and exposure tests. */
final class Books {

  /**
   * A book in four currencies, base USD, 100,000 deposited:
   *
   * <pre>
   *   AAPL  default  BUY 10 @ 100            at 110   MV  1,100  cost  1,000  unrealized  100
   *   AAPL  growth   BUY 5 @ 120             at 110   MV    550  cost    600  unrealized  -50
   *   MSFT  default  BUY 10 @ 200, SELL 4 @ 250 (realized 200)
   *                                          at 240   MV  1,440  cost  1,200  unrealized  240
   *   SAP   growth   SELL 10 @ 100 EUR       at 90    MV   -900 EUR = -1,080  cost -1,200  unrealized 120  (EUR/USD 1.2)
   *   GILT  default  BUY 20 @ 98 GBP         at 99    MV  1,980 GBP =  2,475  cost  2,450  unrealized  25  (GBP/USD 1.25)
   *   XYZ   default  BUY 3 @ 10              no price: unvalued, cost 30
   *   7203.T default BUY 100 @ 2,000 JPY, SELL 100 @ 2,100: flat, realized 10,000 JPY, no JPY rate
   * </pre>
   *
   * Cash: USD 97,370; EUR +1,000 (1,200); GBP -1,960 (-2,450); JPY +10,000 (no rate). Positions are
   * worth 4,485, NAV = 96,120 + 4,485 = 100,605.
   */
  static final PortfolioValuation FOUR_CURRENCIES = Ledger.in(USD).deposit(USD, "100000")
      .buy(AAPL, "10", "100").trade(AAPL, Side.BUY, "5", "120", "growth")
      .buy(MSFT, "10", "200").sell(MSFT, "4", "250")
      .trade(SAP, Side.SELL, "10", "100", "growth")
      .buy(GILT, "20", "98")
      .buy(XYZ, "3", "10")
      .buy(TM, "100", "2000").sell(TM, "100", "2100")
      .value(MarketData.of(
          List.of(price(AAPL, "110", USD), price(MSFT, "240", USD), price(SAP, "90", EUR), price(GILT, "99", GBP)),
          List.of(rate(EUR, USD, "1.2"), rate(GBP, USD, "1.25"))));

  private Books() {
  }
}
