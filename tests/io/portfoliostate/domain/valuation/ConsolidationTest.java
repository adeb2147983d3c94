package io.portfoliostate.domain.valuation;

import static io.portfoliostate.domain.valuation.MarketFixtures.AAPL;
import static io.portfoliostate.domain.valuation.MarketFixtures.EUR;
import static io.portfoliostate.domain.valuation.MarketFixtures.GBP;
import static io.portfoliostate.domain.valuation.MarketFixtures.GILT;
import static io.portfoliostate.domain.valuation.MarketFixtures.JPY;
import static io.portfoliostate.domain.valuation.MarketFixtures.MSFT;
import static io.portfoliostate.domain.valuation.MarketFixtures.SAP;
import static io.portfoliostate.domain.valuation.MarketFixtures.USD;
import static io.portfoliostate.domain.valuation.MarketFixtures.d;
import static io.portfoliostate.domain.valuation.MarketFixtures.price;
import static io.portfoliostate.domain.valuation.MarketFixtures.rate;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portfoliostate.domain.Decimals;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.domain.PortfolioState;
import io.portfoliostate.domain.Side;
import io.portfoliostate.domain.valuation.ConsolidatedValuation.Contribution;
import io.portfoliostate.domain.valuation.ConsolidatedValuation.Holding;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Consolidated valuation of a tree with DOMAIN.md's figures exactly: three levels (a USD root, a
 * EUR child, a GBP grandchild), long and short in the same instrument in different portfolios
 * netting, cash in three currencies, every line converted into the root's base; the breakdown's
 * NAVs add up to the consolidated NAV; weights against the root's targets and exposures of the
 * netted lines.
 */
class ConsolidationTest {

  /** EUR/USD 1.25 and GBP/USD 1.6: their inverses (0.8, 0.625) and cross (0.78125) are exact. */
  private static final MarketData MARKET = MarketData.of(
      List.of(price(AAPL, "200", USD), price(MSFT, "410", USD), price(SAP, "120", EUR), price(GILT, "1.5", GBP)),
      List.of(rate(EUR, USD, "1.25"), rate(GBP, USD, "1.6")));

  /**
   * root (USD): deposits 20,000 USD, buys 100 AAPL @ 150 (USD 5,000 left); targets AAPL 0.2, SAP 0.3.
   * eur (EUR, under root): deposits 10,000 EUR; sells 40 AAPL @ 210 (short; USD +8,400); buys 50
   * SAP @ 100 (EUR 5,000 left); buys 10 AAPL @ 205 in strategy alpha (USD −2,050).
   * gbp (GBP, under eur): deposits 2,000 GBP; buys 30 SAP @ 110 (EUR −3,300); sells 20 AAPL @ 190
   * (USD +3,800); buys 1,000 GILT @ 1.2 (GBP 800 left); sells 5 MSFT @ 400 (short; USD +2,000).
   */
  private static List<Consolidation.Member> tree() {
    PortfolioState root = Ledger.in("root", USD, null).deposit(USD, "20000").buy(AAPL, "100", "150")
        .targets(Map.of(AAPL, d("0.2"), SAP, d("0.3")), null).state();
    PortfolioState eur = Ledger.in("eur", EUR, "root").deposit(EUR, "10000").sell(AAPL, "40", "210")
        .buy(SAP, "50", "100").trade(AAPL, Side.BUY, "10", "205", "alpha").state();
    PortfolioState gbp = Ledger.in("gbp", GBP, "eur").deposit(GBP, "2000").buy(SAP, "30", "110")
        .sell(AAPL, "20", "190").buy(GILT, "1000", "1.2").sell(MSFT, "5", "400").state();
    return List.of(new Consolidation.Member(root, null, 0), new Consolidation.Member(eur, root.id(), 1),
        new Consolidation.Member(gbp, eur.id(), 2));
  }

  private static ConsolidatedValuation consolidated() {
    return Consolidation.value(tree(), MARKET, Ledger.REFERENCE, Ledger.ASOF);
  }

  /**
   * Lines, netted per (instrument, strategy), in key order:
   * AAPL/alpha: 10, cost 2,050, price 200: MV 2,000, unrealized −50.
   * AAPL/default: 100 − 40 − 20 = 40; cost 15,000 − 8,400 − 3,800 = 2,800 (average 70); MV 40 × 200
   * = 8,000; unrealized 8,000 − 2,800 = 5,200 (= 100 × 50 + (−40) × (−10) + (−20) × 10).
   * GILT: 1,000, cost 1,200 GBP, MV 1,500 GBP = 2,400 USD (× 1.6); cost 1,920 USD; unrealized 300
   * GBP = 480 USD.
   * MSFT: −5, cost −2,000 (average 400), MV −2,050, unrealized −50.
   * SAP: 50 + 30 = 80, cost 5,000 + 3,300 = 8,300 EUR (average 103.75), MV 9,600 EUR = 12,000 USD
   * (× 1.25), cost 10,375 USD, unrealized 1,300 EUR = 1,625 USD.
   */
  @Test
  void nettedPositionsAreSummedPerInstrumentAndStrategyAndValuedInTheRootsBase() {
    ConsolidatedValuation consolidated = consolidated();
    List<PositionLine> lines = consolidated.valuation().positions();
    assertThat(lines).extracting(line -> line.key().instrumentId().value() + "/" + line.key().strategy())
        .containsExactly("AAPL/alpha", "AAPL/default", "GILT/default", "MSFT/default", "SAP/default");
    assertLine(lines.get(0), "10", "2050", "205", "200", "2000", "2000", "-50", "-50");
    assertLine(lines.get(1), "40", "2800", "70", "200", "8000", "8000", "5200", "5200");
    assertLine(lines.get(2), "1000", "1200", "1.2", "1.5", "1500", "2400", "300", "480");
    assertLine(lines.get(3), "-5", "-2000", "400", "410", "-2050", "-2050", "-50", "-50");
    assertLine(lines.get(4), "80", "8300", "103.75", "120", "9600", "12000", "1300", "1625");
    assertThat(plain(lines.get(2).costBase())).isEqualTo("1920");
    assertThat(plain(lines.get(4).costBase())).isEqualTo("10375");
    assertThat(consolidated.holdersOf(lines.get(1))).containsExactly(
        new Holding(PortfolioId.of("root"), d("100")), new Holding(PortfolioId.of("eur"), d("-40")),
        new Holding(PortfolioId.of("gbp"), d("-20")));
  }

  /**
   * Cash per currency: EUR 5,000 − 3,300 = 1,700 = 2,125 USD; GBP 800 = 1,280 USD; USD 5,000 +
   * 8,400 − 2,050 + 3,800 + 2,000 = 17,150. NAV = 2,000 + 8,000 + 2,400 − 2,050 + 12,000 (positions,
   * 22,350) + 2,125 + 1,280 + 17,150 (cash, 20,555) = 42,905.
   */
  @Test
  void cashIsSummedPerCurrencyAndTheNavIsOfTheWholeTree() {
    PortfolioValuation valuation = consolidated().valuation();
    assertThat(valuation.cash()).extracting(line -> line.currency().value() + " " + plain(line.balance()) + " "
        + plain(line.balanceBase())).containsExactly("EUR 1700 2125", "GBP 800 1280", "USD 17150 17150");
    assertThat(plain(valuation.cashBase())).isEqualTo("20555");
    assertThat(plain(valuation.nav())).isEqualTo("42905");
    assertThat(valuation.complete()).isTrue();
    assertThat(valuation.baseCurrency()).isEqualTo(USD);
    assertThat(valuation.positions().get(1).weight()).isEqualTo(ratio("8000", "42905"));
  }

  /**
   * Each portfolio on its own:
   * root (USD): 100 × 200 + 5,000 = 25,000.
   * eur (EUR): AAPL −40 × 200 = −8,000 USD = −6,400 EUR (USD→EUR is 1 / 1.25 = 0.8); alpha 2,000
   * USD = 1,600 EUR; SAP 50 × 120 = 6,000; cash 5,000 EUR + 6,350 USD (= 5,080 EUR): 11,280 EUR;
   * in USD, line by line: −8,000 + 2,000 + 7,500 + 6,250 + 6,350 = 14,100.
   * gbp (GBP): AAPL −4,000 USD = −2,500 GBP (× 0.625); SAP 3,600 EUR = 2,812.5 GBP (EUR→GBP crosses
   * USD: 1.25 × 0.625 = 0.78125); GILT 1,500; MSFT −2,050 USD = −1,281.25 GBP; cash −3,300 EUR =
   * −2,578.125 GBP, 800 GBP, 5,800 USD = 3,625 GBP: 2,378.125 GBP; in USD: −4,000 + 4,500 + 2,400
   * − 2,050 − 4,125 + 1,280 + 5,800 = 3,805.
   * 25,000 + 14,100 + 3,805 = 42,905, the consolidated NAV.
   */
  @Test
  void theBreakdownGivesEachPortfoliosNavInItsOwnBaseAndInTheRootsAndAddsUp() {
    ConsolidatedValuation consolidated = consolidated();
    List<Contribution> portfolios = consolidated.portfolios();
    assertThat(portfolios).extracting(one -> one.portfolioId().value() + " " + one.parentId() + " " + one.depth()
        + " " + one.baseCurrency().value() + " v" + one.version() + " " + plain(one.nav()) + " "
        + plain(one.navInRootBase()) + " " + one.complete() + " " + one.completeInRootBase())
        .containsExactly("root null 0 USD v4 25000 25000 true true",
            "eur root 1 EUR v5 11280 14100 true true",
            "gbp eur 2 GBP v6 2378.125 3805 true true");
    BigDecimal sum = BigDecimal.ZERO;
    for (Contribution one : portfolios) {
      sum = sum.add(one.navInRootBase());
    }
    assertThat(sum).isEqualByComparingTo(consolidated.valuation().nav());
  }

  /**
   * Root targets AAPL 0.2, SAP 0.3 (cash USD the rest, 0.5), threshold 0.02: AAPL (both strategies)
   * 10,000 / 42,905, drift +0.0331 breached; GILT 2,400 / 42,905 against 0; MSFT −2,050 / 42,905;
   * SAP 12,000 / 42,905 (drift −0.0203, breached); cash EUR 2,125, GBP 1,280, USD 17,150 (against
   * 0.5) over 42,905.
   */
  @Test
  void weightsAreOfTheNettedLinesAgainstTheRootsTargets() {
    List<WeightLine> weights = consolidated().weights();
    assertThat(weights).extracting(WeightLine::key)
        .containsExactly("AAPL", "GILT", "MSFT", "SAP", "cash:EUR", "cash:GBP", "cash:USD");
    assertWeight(weights.get(0), "10000", 0.2, true);
    assertWeight(weights.get(1), "2400", 0.0, true);
    assertWeight(weights.get(2), "-2050", 0.0, true);
    assertWeight(weights.get(3), "12000", 0.3, true);
    assertWeight(weights.get(6), "17150", 0.5, true);
    assertThat(weights.get(0).drift()).isEqualTo(exact("10000", "42905").subtract(d("0.2")).doubleValue());
  }

  /**
   * Of the netted lines: long = 2,000 + 8,000 + 2,400 + 12,000 = 24,400, short = −2,050, gross
   * 26,450, net 22,350, each / 42,905. Summed portfolio by portfolio instead, the AAPL longs and
   * shorts would count twice: long 36,400, short −14,050, gross 50,450.
   * Technology (AAPL, MSFT, SAP) 19,950; GILT has no sector: UNCLASSIFIED 2,400.
   */
  @Test
  void exposuresAreOfTheNettedLines() {
    Exposures exposures = consolidated().exposures();
    assertThat(exposures.longExposure()).isEqualTo(ratio("24400", "42905"));
    assertThat(exposures.shortExposure()).isEqualTo(ratio("-2050", "42905"));
    assertThat(exposures.gross()).isEqualTo(ratio("26450", "42905"));
    assertThat(exposures.net()).isEqualTo(ratio("22350", "42905"));
    assertThat(exposures.bySector()).containsExactly(Map.entry("Technology", ratio("19950", "42905")),
        Map.entry("UNCLASSIFIED", ratio("2400", "42905")));
    assertThat(exposures.byCurrency()).containsExactly(Map.entry("EUR", ratio("12000", "42905")),
        Map.entry("GBP", ratio("2400", "42905")), Map.entry("USD", ratio("7950", "42905")));
    assertThat(exposures.complete()).isTrue();
  }

  /**
   * a: long 100 AAPL @ 10, then sells 20 @ 15 (realized 100); b: short 90 @ 50. Net 80 − 90 = −10
   * (short), cost 800 − 4,500 = −3,700, average 370 (the price at which the net short breaks even,
   * far above both trade prices). Price 20: MV −200, unrealized −200 − (−3,700) = 3,500 = a's 80 × 10 plus
   * b's −90 × (20 − 50) = 800 + 2,700. Realized 100 is summed.
   */
  @Test
  void aNettedCostMayLieFarFromEveryTradePriceAndStillGivesTheSummedUnrealizedPnl() {
    PortfolioState root = Ledger.in("n-root", USD, null).state();
    PortfolioState a = Ledger.in("n-a", USD, "n-root").buy(AAPL, "100", "10").sell(AAPL, "20", "15").state();
    PortfolioState b = Ledger.in("n-b", USD, "n-root").sell(AAPL, "90", "50").state();
    MarketData market = MarketData.of(List.of(price(AAPL, "20", USD)), List.of());
    ConsolidatedValuation consolidated = Consolidation.value(List.of(new Consolidation.Member(root, null, 0),
        new Consolidation.Member(a, root.id(), 1), new Consolidation.Member(b, root.id(), 1)),
        market, Ledger.REFERENCE, Ledger.ASOF);
    PositionLine line = consolidated.valuation().positions().get(0);
    assertLine(line, "-10", "-3700", "370", "20", "-200", "-200", "3500", "3500");
    assertThat(plain(line.position().realizedPnl())).isEqualTo("100");
    // Cash: a −1,000 + 300, b +4,500: 3,800; NAV 3,800 − 200 = 3,600.
    assertThat(plain(consolidated.valuation().nav())).isEqualTo("3600");
  }

  /**
   * A long 100 MSFT in one child and a short 100 in another net to flat: the line is worth 0
   * without any price and its unrealized P&amp;L is −cost = −(1,000 − 1,200) = 200, while each
   * child on its own lacks the price. JPY cash without a JPY rate and SAP without a price leave
   * the consolidated view incomplete and say what is missing.
   */
  @Test
  void aLineThatNetsToFlatNeedsNoPriceAndWhatIsMissingIsNamed() {
    PortfolioState root = Ledger.in("f-root", USD, null).state();
    PortfolioState a = Ledger.in("f-a", USD, "f-root").buy(MSFT, "100", "10").state();
    PortfolioState b = Ledger.in("f-b", USD, "f-root").sell(MSFT, "100", "12").state();
    List<Consolidation.Member> members = List.of(new Consolidation.Member(root, null, 0),
        new Consolidation.Member(a, root.id(), 1), new Consolidation.Member(b, root.id(), 1));
    ConsolidatedValuation flat = Consolidation.value(members, MarketData.empty(), Ledger.REFERENCE, Ledger.ASOF);
    PositionLine line = flat.valuation().positions().get(0);
    assertThat(plain(line.quantity())).isEqualTo("0");
    assertThat(plain(line.marketValueBase())).isEqualTo("0");
    assertThat(plain(line.unrealizedPnl())).isEqualTo("200");
    // Cash: −1,000 + 1,200 = 200 USD.
    assertThat(plain(flat.valuation().nav())).isEqualTo("200");
    assertThat(flat.valuation().complete()).isTrue();
    assertThat(flat.portfolios()).extracting(Contribution::complete).containsExactly(true, false, false);

    PortfolioState c = Ledger.in("f-c", USD, "f-root").deposit(JPY, "100000").buy(SAP, "1", "100").state();
    ConsolidatedValuation incomplete = Consolidation.value(List.of(members.get(0), members.get(1), members.get(2),
        new Consolidation.Member(c, root.id(), 1)), MarketData.of(List.of(), List.of(rate(EUR, USD, "1.25"))),
        Ledger.REFERENCE, Ledger.ASOF);
    assertThat(incomplete.valuation().complete()).isFalse();
    assertThat(incomplete.missing().prices()).containsExactly(SAP);
    assertThat(incomplete.missing().rates()).containsExactly("JPY/USD");
    // What is known is still summed: USD 200, EUR −100 = −125 USD.
    assertThat(plain(incomplete.valuation().nav())).isEqualTo("75");
  }

  @Test
  void theRootComesFirstAndEachPortfolioOnce() {
    List<Consolidation.Member> members = tree();
    assertThatThrownBy(() -> Consolidation.value(List.of(members.get(1), members.get(0)), MARKET,
        Ledger.REFERENCE, Ledger.ASOF)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Consolidation.value(List.of(members.get(0), members.get(1), members.get(1)), MARKET,
        Ledger.REFERENCE, Ledger.ASOF)).isInstanceOf(IllegalArgumentException.class);
  }

  private static void assertLine(PositionLine line, String quantity, String cost, String average, String price,
      String marketValue, String marketValueBase, String unrealized, String unrealizedBase) {
    assertThat(plain(line.quantity())).as("quantity").isEqualTo(quantity);
    assertThat(plain(line.cost())).as("cost").isEqualTo(cost);
    assertThat(plain(line.position().averageCost())).as("average").isEqualTo(average);
    assertThat(plain(line.price())).as("price").isEqualTo(price);
    assertThat(plain(line.marketValue())).as("marketValue").isEqualTo(marketValue);
    assertThat(plain(line.marketValueBase())).as("marketValueBase").isEqualTo(marketValueBase);
    assertThat(plain(line.unrealizedPnl())).as("unrealizedPnl").isEqualTo(unrealized);
    assertThat(plain(line.unrealizedPnlBase())).as("unrealizedPnlBase").isEqualTo(unrealizedBase);
  }

  private static void assertWeight(WeightLine line, String amount, double target, boolean breached) {
    assertThat(line.weight()).isEqualTo(exact(amount, "42905").doubleValue());
    assertThat(line.targetWeight()).isEqualTo(target);
    assertThat(line.breached()).isEqualTo(breached);
  }

  private static String plain(BigDecimal value) {
    return value == null ? null : Decimals.plain(value);
  }

  private static BigDecimal exact(String amount, String nav) {
    return d(amount).divide(d(nav), MathContext.DECIMAL128);
  }

  private static Double ratio(String amount, String nav) {
    return d(amount).doubleValue() / d(nav).doubleValue();
  }
}
