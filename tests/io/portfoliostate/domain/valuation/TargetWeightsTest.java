package io.portfoliostate.domain.valuation;

import static io.portfoliostate.domain.valuation.MarketFixtures.AAPL;
import static io.portfoliostate.domain.valuation.MarketFixtures.EUR;
import static io.portfoliostate.domain.valuation.MarketFixtures.MSFT;
import static io.portfoliostate.domain.valuation.MarketFixtures.SAP;
import static io.portfoliostate.domain.valuation.MarketFixtures.USD;
import static io.portfoliostate.domain.valuation.MarketFixtures.d;
import static io.portfoliostate.domain.valuation.MarketFixtures.price;
import static io.portfoliostate.domain.valuation.MarketFixtures.rate;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portfoliostate.domain.DomainViolation;
import io.portfoliostate.domain.Side;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Weights, targets, drift and breaches. The main book: 10,000 USD deposited; AAPL 10 @ 100 in
 * strategy "value" and 20 @ 100 in the default one; MSFT 20 @ 100; cash 5,000. At AAPL 110 and
 * MSFT 90, NAV = 5,000 + 3,300 + 1,800 = 10,100. Targets AAPL 0.3, MSFT 0.17, SAP 0.1 (not held);
 * the rest, 0.43, is the base currency's cash. Drift threshold 0.02.
 */
class TargetWeightsTest {

  private static final MarketData MARKET = MarketData.of(
      List.of(price(AAPL, "110", USD), price(MSFT, "90", USD)), List.of());

  private static Ledger book() {
    return Ledger.in(USD).deposit(USD, "10000").trade(AAPL, Side.BUY, "10", "100", "value")
        .buy(AAPL, "20", "100").buy(MSFT, "20", "100")
        .targets(Map.of(AAPL, d("0.3"), MSFT, d("0.17"), SAP, d("0.1")), "0.02");
  }

  private static List<WeightLine> weights(Ledger ledger, MarketData market) {
    return TargetWeights.of(ledger.state(), ledger.value(market));
  }

  @Test
  void eachInstrumentSummedOverStrategiesAndTheBaseCashAgainstTheirTargets() {
    List<WeightLine> weights = weights(book(), MARKET);

    assertThat(weights).containsExactly(
        new WeightLine("AAPL", 3300.0 / 10100.0, 0.3, 0.026732673267326732, true),
        new WeightLine("MSFT", 1800.0 / 10100.0, 0.17, 0.008217821782178218, false),
        new WeightLine("SAP", 0.0, 0.1, -0.1, true),
        new WeightLine("cash:USD", 5000.0 / 10100.0, 0.43, 0.06504950495049505, true));
  }

  @Test
  void driftIsDecidedOnTheExactWeightSoADriftOfExactlyTheThresholdIsNoBreach() {
    // 700 / 10,000 = 0.07 exactly; 0.07 − 0.05 = 0.02, not more than 0.02. In doubles it would be
    // 0.020000000000000004, a breach.
    Ledger exactly = Ledger.in(USD).deposit(USD, "10000").buy(AAPL, "7", "100")
        .targets(Map.of(AAPL, d("0.05")), "0.02");
    Ledger over = Ledger.in(USD).deposit(USD, "10000").buy(AAPL, "7.01", "100")
        .targets(Map.of(AAPL, d("0.05")), "0.02");
    MarketData market = MarketData.of(List.of(price(AAPL, "100", USD)), List.of());

    assertThat(0.07 - 0.05).isGreaterThan(0.02);
    assertThat(weights(exactly, market).get(0)).isEqualTo(new WeightLine("AAPL", 0.07, 0.05, 0.02, false));
    assertThat(weights(over, market).get(0)).isEqualTo(new WeightLine("AAPL", 0.0701, 0.05, 0.0201, true));
  }

  @Test
  void aHeldInstrumentWithoutATargetHasTargetZero() {
    // API.md's example: a short of -2,550 in NAV 102,971 and no targets; cash is held to 1.
    Ledger ledger = Ledger.in(USD).deposit(USD, "100000").buy(AAPL, "100", "151.75", "2")
        .sell(AAPL, "115", "180", "2");

    List<WeightLine> weights = weights(ledger, MarketData.of(List.of(price(AAPL, "170", USD)), List.of()));

    assertThat(weights).containsExactly(
        new WeightLine("AAPL", -2550.0 / 102971.0, 0.0, -2550.0 / 102971.0, true),
        new WeightLine("cash:USD", 105521.0 / 102971.0, 1.0, 2550.0 / 102971.0, true));
  }

  @Test
  void withATighterThresholdNothingWithinItBreaches() {
    Ledger ledger = book().targets(Map.of(AAPL, d("0.3"), MSFT, d("0.17"), SAP, d("0.1")), "0.1");

    assertThat(weights(ledger, MARKET)).extracting(WeightLine::breached).containsExactly(false, false, false, false);
  }

  @Test
  void aFlatPositionWithoutATargetIsLeftOut() {
    Ledger ledger = Ledger.in(USD).deposit(USD, "1000").buy(MSFT, "1", "100").sell(MSFT, "1", "100");

    assertThat(weights(ledger, MarketData.empty())).containsExactly(new WeightLine("cash:USD", 1.0, 1.0, 0.0, false));
  }

  @Test
  void foreignCashIsAKeyWithTargetZero() {
    Ledger ledger = Ledger.in(USD).deposit(USD, "1000").deposit(EUR, "1000").targets(Map.of(), "0.02");

    List<WeightLine> weights = weights(ledger, MarketData.of(List.of(), List.of(rate(EUR, USD, "1.5"))));

    assertThat(weights).containsExactly(
        new WeightLine("cash:EUR", 0.6, 0.0, 0.6, true),
        new WeightLine("cash:USD", 0.4, 1.0, -0.6, true));
  }

  @Test
  void theBaseCashKeyIsListedWhenNoneIsHeld() {
    Ledger ledger = Ledger.in(USD).deposit(EUR, "1000").targets(Map.of(SAP, d("0.5")), "0.02");

    List<WeightLine> weights = weights(ledger, MarketData.of(List.of(), List.of(rate(EUR, USD, "1.5"))));

    assertThat(weights).containsExactly(
        new WeightLine("SAP", 0.0, 0.5, -0.5, true),
        new WeightLine("cash:EUR", 1.0, 0.0, 1.0, true),
        new WeightLine("cash:USD", 0.0, 0.5, -0.5, true));
  }

  @Test
  void anUnvaluedLineMakesItsKeysWeightUnknown() {
    // MSFT has no price: its weight is unknown; AAPL's is of the NAV that could be valued
    // (5,000 + 3,300).
    MarketData aaplOnly = MarketData.of(List.of(price(AAPL, "110", USD)), List.of());

    List<WeightLine> weights = weights(book(), aaplOnly);

    assertThat(weights.get(0)).isEqualTo(new WeightLine("AAPL", 3300.0 / 8300.0, 0.3, 0.09759036144578313, true));
    assertThat(weights.get(1)).isEqualTo(new WeightLine("MSFT", null, 0.17, null, null));
  }

  @Test
  void withNavAtOrBelowZeroOnlyTheTargetsAreKnown() {
    Ledger ledger = Ledger.in(USD).buy(AAPL, "10", "100").targets(Map.of(AAPL, d("0.6")), null);

    List<WeightLine> weights = weights(ledger, MarketData.of(List.of(price(AAPL, "50", USD)), List.of()));

    assertThat(weights).containsExactly(
        new WeightLine("AAPL", null, 0.6, null, null),
        new WeightLine("cash:USD", null, 0.4, null, null));
  }

  @Test
  void aKeyFollowsTheIdentifierRule() {
    assertThat(WeightLine.cashKey(USD)).isEqualTo("cash:USD");
    assertThatThrownBy(() -> new WeightLine("cash USD", null, 0, null, null)).isInstanceOf(DomainViolation.class);
  }
}
