package io.portfoliostate.domain.valuation;

import static io.portfoliostate.domain.valuation.MarketFixtures.AAPL;
import static io.portfoliostate.domain.valuation.MarketFixtures.CHF;
import static io.portfoliostate.domain.valuation.MarketFixtures.EUR;
import static io.portfoliostate.domain.valuation.MarketFixtures.GBP;
import static io.portfoliostate.domain.valuation.MarketFixtures.JPY;
import static io.portfoliostate.domain.valuation.MarketFixtures.SAP;
import static io.portfoliostate.domain.valuation.MarketFixtures.T0;
import static io.portfoliostate.domain.valuation.MarketFixtures.USD;
import static io.portfoliostate.domain.valuation.MarketFixtures.d;
import static io.portfoliostate.domain.valuation.MarketFixtures.minute;
import static io.portfoliostate.domain.valuation.MarketFixtures.price;
import static io.portfoliostate.domain.valuation.MarketFixtures.rate;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portfoliostate.domain.DomainViolation;
import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Prices, FX rates and the conversion order of DOMAIN.md: same, direct, inverse, cross through USD. */
class MarketDataTest {

  @Nested
  class Values {

    @ParameterizedTest
    @ValueSource(strings = {"0", "-1", "-0.0001"})
    void aPriceOrRateMustBePositive(String value) {
      assertThatThrownBy(() -> new Price(AAPL, d(value), USD, T0))
          .isInstanceOf(DomainViolation.class).hasMessage("price must be greater than zero");
      assertThatThrownBy(() -> new FxRate(EUR, USD, d(value), T0))
          .isInstanceOf(DomainViolation.class).hasMessage("rate must be greater than zero");
    }

    @Test
    void everyPartIsRequired() {
      assertThatThrownBy(() -> new Price(null, d("1"), USD, T0)).hasMessage("instrumentId is required");
      assertThatThrownBy(() -> new Price(AAPL, d("1"), null, T0)).hasMessage("currency is required");
      assertThatThrownBy(() -> new Price(AAPL, d("1"), USD, null)).hasMessage("at is required");
      assertThatThrownBy(() -> new FxRate(null, USD, d("1"), T0)).hasMessage("base is required");
      assertThatThrownBy(() -> new FxRate(EUR, null, d("1"), T0)).hasMessage("quote is required");
      assertThatThrownBy(() -> new FxRate(EUR, USD, d("1"), null)).hasMessage("at is required");
    }

    @Test
    void aRateOfACurrencyToItselfIsRefused() {
      assertThatThrownBy(() -> new FxRate(USD, USD, d("1"), T0))
          .isInstanceOf(DomainViolation.class).hasMessage("quote must differ from base");
    }
  }

  @Nested
  class Latest {

    @Test
    void aLaterPriceReplacesAnEarlierOne() {
      MarketData market = MarketData.empty().with(price(AAPL, "170", USD, minute(1)))
          .with(price(AAPL, "171.5", USD, minute(2)));

      assertThat(market.price(AAPL)).contains(price(AAPL, "171.5", USD, minute(2)));
      assertThat(market.prices()).containsExactly(price(AAPL, "171.5", USD, minute(2)));
    }

    @Test
    void anOlderPriceArrivingLateIsIgnored() {
      MarketData before = MarketData.empty().with(price(AAPL, "171.5", USD, minute(2)));

      MarketData after = before.with(price(AAPL, "170", USD, minute(1)));

      assertThat(after).isSameAs(before);
      assertThat(after.price(AAPL).orElseThrow().price()).isEqualByComparingTo("171.5");
    }

    @Test
    void ofTwoPricesAtTheSameTimeTheLaterArrivalWins() {
      MarketData market = MarketData.of(List.of(price(AAPL, "170", USD, minute(1)),
          price(AAPL, "170.25", USD, minute(1))), List.of());

      assertThat(market.price(AAPL).orElseThrow().price()).isEqualByComparingTo("170.25");
    }

    @Test
    void ratesAreKeptPerQuotedPairAndOnlyTheLatestIsKept() {
      MarketData market = MarketData.of(List.of(), List.of(rate(EUR, USD, "1.08", minute(2)),
          rate(EUR, USD, "1.07", minute(1)), rate(USD, EUR, "0.93", minute(1))));

      assertThat(market.rate(EUR, USD)).contains(rate(EUR, USD, "1.08", minute(2)));
      assertThat(market.rate(USD, EUR)).contains(rate(USD, EUR, "0.93", minute(1)));
      assertThat(market.rate(EUR, GBP)).isEmpty();
      assertThat(market.rates()).hasSize(2);
    }

    @Test
    void withLeavesTheOriginalUntouched() {
      MarketData empty = MarketData.empty();

      MarketData priced = empty.with(price(SAP, "200", EUR)).with(rate(EUR, USD, "1.1"));

      assertThat(empty.price(SAP)).isEmpty();
      assertThat(empty.rate(EUR, USD)).isEmpty();
      assertThat(priced.price(SAP)).isPresent();
      assertThat(priced.rate(EUR, USD)).isPresent();
    }
  }

  @Nested
  class Conversion {

    @Test
    void aCurrencyIsWorthOneOfItself() {
      assertThat(MarketData.empty().fx(JPY, JPY)).containsSame(BigDecimal.ONE);
    }

    @Test
    void theDirectRateIsUsedAsQuoted() {
      MarketData market = MarketData.of(List.of(), List.of(rate(EUR, USD, "1.08")));

      assertThat(market.fx(EUR, USD).orElseThrow()).isEqualByComparingTo("1.08");
    }

    @Test
    void withoutADirectRateTheInverseOfTheOppositeQuoteIsUsed() {
      MarketData market = MarketData.of(List.of(), List.of(rate(EUR, USD, "1.08"), rate(USD, JPY, "160")));

      assertThat(market.fx(USD, EUR).orElseThrow()).isEqualByComparingTo("0.9259259259259259259259259259259259");
      assertThat(market.fx(JPY, USD).orElseThrow()).isEqualByComparingTo("0.00625");
    }

    @Test
    void theDirectRateWinsOverTheInverseOfTheOppositeQuote() {
      // Two quotes of one pair that disagree (1 / 0.93 = 1.0752...): the one quoted in the
      // direction asked for is used, as DOMAIN.md orders.
      MarketData market = MarketData.of(List.of(), List.of(rate(EUR, USD, "1.08"), rate(USD, EUR, "0.93")));

      assertThat(market.fx(EUR, USD).orElseThrow()).isEqualByComparingTo("1.08");
      assertThat(market.fx(USD, EUR).orElseThrow()).isEqualByComparingTo("0.93");
    }

    @Test
    void twoCurrenciesWithoutAQuoteCrossThroughUsd() {
      MarketData market = MarketData.of(List.of(), List.of(rate(GBP, USD, "1.25"), rate(USD, JPY, "150")));

      assertThat(market.fx(GBP, JPY).orElseThrow()).isEqualByComparingTo("187.5");
    }

    @Test
    void eachLegOfACrossMayBeInverted() {
      // GBP→USD = 1 / 0.8 = 1.25, USD→JPY = 1 / 0.0064 = 156.25; 1.25 × 156.25 = 195.3125.
      MarketData market = MarketData.of(List.of(), List.of(rate(USD, GBP, "0.8"), rate(JPY, USD, "0.0064")));

      assertThat(market.fx(GBP, JPY).orElseThrow()).isEqualByComparingTo("195.3125");
    }

    @Test
    void aCrossThatDoesNotTerminateIsKeptToThirtyFourDigits() {
      // JPY→USD = 1 / 150 = 0.006666…667 (34 digits), USD→GBP = 1 / 1.25 = 0.8.
      MarketData market = MarketData.of(List.of(), List.of(rate(GBP, USD, "1.25"), rate(USD, JPY, "150")));

      BigDecimal jpyToGbp = market.fx(JPY, GBP).orElseThrow();

      assertThat(jpyToGbp).isEqualTo(d("0.005333333333333333333333333333333334"));
      assertThat(jpyToGbp.precision()).isEqualTo(34);
    }

    @Test
    void aQuotedPairIsPreferredToACross() {
      MarketData market = MarketData.of(List.of(),
          List.of(rate(GBP, USD, "1.25"), rate(USD, JPY, "150"), rate(GBP, JPY, "190")));

      assertThat(market.fx(GBP, JPY).orElseThrow()).isEqualByComparingTo("190");
    }

    @Test
    void withoutAnyRouteThereIsNoRate() {
      MarketData market = MarketData.of(List.of(), List.of(rate(EUR, USD, "1.08"), rate(EUR, GBP, "0.85"),
          rate(GBP, CHF, "1.1")));

      assertThat(market.fx(EUR, JPY)).as("no JPY leg").isEmpty();
      assertThat(market.fx(GBP, USD)).as("no cross when one side is USD").isEmpty();
      assertThat(market.fx(EUR, CHF)).as("only USD is crossed through, not GBP").isEmpty();
      assertThat(MarketData.empty().fx(EUR, USD)).isEmpty();
    }
  }
}
