package io.portfoliostate.domain.valuation;

import static io.portfoliostate.domain.valuation.MarketFixtures.AAPL;
import static io.portfoliostate.domain.valuation.MarketFixtures.USD;
import static io.portfoliostate.domain.valuation.MarketFixtures.price;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Long, short, gross and net exposure, and net exposure by classification, as fractions of NAV. */
class ExposuresTest {

  @Test
  void theFourCurrencyBook() {
    // Longs: AAPL 1,100 + 550, MSFT 1,440, GILT 2,475 = 5,565; short: SAP -1,080. XYZ has no
    // price and is left out; 7203.T is flat. NAV 100,605.
    Exposures exposures = Exposures.of(Books.FOUR_CURRENCIES);

    double nav = 100605.0;
    assertThat(exposures.longExposure()).isEqualTo(5565.0 / nav);
    assertThat(exposures.shortExposure()).isEqualTo(-1080.0 / nav);
    assertThat(exposures.gross()).isEqualTo(6645.0 / nav);
    assertThat(exposures.net()).isEqualTo(4485.0 / nav);
    assertThat(exposures.bySector()).containsExactly(
        entry("Technology", 2010.0 / nav), entry(GroupBy.UNCLASSIFIED, 2475.0 / nav));
    assertThat(exposures.byCountry()).containsExactly(
        entry("DE", -1080.0 / nav), entry("GB", 2475.0 / nav), entry("US", 3090.0 / nav));
    assertThat(exposures.byCurrency()).containsExactly(
        entry("EUR", -1080.0 / nav), entry("GBP", 2475.0 / nav), entry("USD", 3090.0 / nav));
    assertThat(exposures.byAssetClass()).containsExactly(entry("Bond", 2475.0 / nav), entry("Equity", 2010.0 / nav));
    assertThat(exposures.complete()).isFalse();
  }

  @Test
  void aShortOnlyBookHasNoLongAndGrossIsTheShortsSize() {
    // API.md's state: -15 AAPL at 170 = -2,550 in NAV 102,971.
    PortfolioValuation valuation = Ledger.in(USD).deposit(USD, "100000").buy(AAPL, "100", "151.75", "2")
        .sell(AAPL, "115", "180", "2").value(MarketData.of(List.of(price(AAPL, "170", USD)), List.of()));

    Exposures exposures = Exposures.of(valuation);

    assertThat(exposures).isEqualTo(new Exposures(0.0, -2550.0 / 102971.0, 2550.0 / 102971.0,
        -2550.0 / 102971.0, Map.of("Technology", -2550.0 / 102971.0), Map.of("US", -2550.0 / 102971.0),
        Map.of("USD", -2550.0 / 102971.0), Map.of("Equity", -2550.0 / 102971.0), true));
  }

  @Test
  void cashIsNoExposure() {
    Exposures exposures = Exposures.of(Ledger.in(USD).deposit(USD, "1000").value(MarketData.empty()));

    assertThat(exposures).isEqualTo(new Exposures(0.0, 0.0, 0.0, 0.0, Map.of(), Map.of(), Map.of(), Map.of(), true));
  }

  @Test
  void withNavAtOrBelowZeroThereAreNoFractions() {
    PortfolioValuation negative = Ledger.in(USD).buy(AAPL, "10", "100")
        .value(MarketData.of(List.of(price(AAPL, "50", USD)), List.of()));

    assertThat(Exposures.of(negative))
        .isEqualTo(new Exposures(null, null, null, null, Map.of(), Map.of(), Map.of(), Map.of(), true));
  }
}
