package io.portfoliostate.domain;

import static io.portfoliostate.domain.Fixtures.AAPL;
import static io.portfoliostate.domain.Fixtures.EUR;
import static io.portfoliostate.domain.Fixtures.FUND;
import static io.portfoliostate.domain.Fixtures.REFERENCE;
import static io.portfoliostate.domain.Fixtures.SAP;
import static io.portfoliostate.domain.Fixtures.T0;
import static io.portfoliostate.domain.Fixtures.USD;
import static io.portfoliostate.domain.Fixtures.XYZ;
import static io.portfoliostate.domain.Fixtures.buy;
import static io.portfoliostate.domain.Fixtures.create;
import static io.portfoliostate.domain.Fixtures.d;
import static io.portfoliostate.domain.Fixtures.trade;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Instruments as reference data, and the trade currency rules of DOMAIN.md served by them. */
class ReferenceDataTest {

  static final Instrument APPLE = new Instrument(AAPL, USD, "Equity", "Technology", "US",
      Map.of("momentum", d("0.4"), "value", d("-0.15")));
  static final Instrument SAP_SE = new Instrument(SAP, EUR, "Equity", "Technology", "DE", Map.of());

  @Nested
  class Instruments {

    @Test
    void keepsEveryAttributeWithFactorsSortedByName() {
      Map<String, BigDecimal> unsorted = new LinkedHashMap<>();
      unsorted.put("value", d("-0.15"));
      unsorted.put("momentum", d("0.4"));

      Instrument instrument = new Instrument(AAPL, USD, "Equity", "Technology", "US", unsorted);

      assertThat(instrument.id()).isEqualTo(AAPL);
      assertThat(instrument.currency()).isEqualTo(USD);
      assertThat(instrument.assetClass()).isEqualTo("Equity");
      assertThat(instrument.sector()).isEqualTo("Technology");
      assertThat(instrument.country()).isEqualTo("US");
      assertThat(instrument.factors()).containsExactly(Map.entry("momentum", d("0.4")), Map.entry("value", d("-0.15")));
      assertThat(instrument).isEqualTo(APPLE);
    }

    @Test
    void aBareInstrumentIsUnclassifiedWithoutFactors() {
      Instrument bare = Instrument.of(XYZ, USD);

      assertThat(bare).isEqualTo(new Instrument(XYZ, USD, null, null, null, null));
      assertThat(bare.assetClass()).isNull();
      assertThat(bare.sector()).isNull();
      assertThat(bare.country()).isNull();
      assertThat(bare.factors()).isEmpty();
    }

    @Test
    void factorsAreACopyThatCannotBeChanged() {
      Map<String, BigDecimal> factors = new LinkedHashMap<>(Map.of("beta", d("1.1")));
      Instrument instrument = new Instrument(AAPL, USD, null, null, null, factors);
      factors.put("size", d("0.2"));

      assertThat(instrument.factors()).containsOnlyKeys("beta");
      assertThatThrownBy(() -> instrument.factors().put("size", d("0.2")))
          .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void idAndCurrencyAreRequired() {
      assertThatThrownBy(() -> new Instrument(null, USD, null, null, null, null))
          .isInstanceOf(DomainViolation.class).hasMessage("instrumentId is required");
      assertThatThrownBy(() -> new Instrument(AAPL, null, null, null, null, null))
          .isInstanceOf(DomainViolation.class).hasMessage("currency is required");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", " Equity", "Equity ", "Equ\tity", "Equ\nity"})
    void aLabelThatIsBlankPaddedOrHoldsControlCharactersIsRefused(String label) {
      assertThatThrownBy(() -> new Instrument(AAPL, USD, label, null, null, null))
          .isInstanceOfSatisfying(DomainViolation.class, e -> assertThat(e.field()).isEqualTo("assetClass"));
      assertThatThrownBy(() -> new Instrument(AAPL, USD, null, label, null, null))
          .isInstanceOfSatisfying(DomainViolation.class, e -> assertThat(e.field()).isEqualTo("sector"));
      assertThatThrownBy(() -> new Instrument(AAPL, USD, null, null, label, null))
          .isInstanceOfSatisfying(DomainViolation.class, e -> assertThat(e.field()).isEqualTo("country"));
    }

    @Test
    void sixtyFourCharactersIsTheLongestLabel() {
      assertThat(new Instrument(AAPL, USD, "x".repeat(64), null, null, null).assetClass()).hasSize(64);
      assertThatThrownBy(() -> new Instrument(AAPL, USD, "x".repeat(65), null, null, null))
          .isInstanceOf(DomainViolation.class);
    }

    @Test
    void factorNamesFollowTheIdentifierRuleAndLoadingsAreRequired() {
      assertThatThrownBy(() -> new Instrument(AAPL, USD, null, null, null, Map.of("mo mentum", d("1"))))
          .isInstanceOfSatisfying(DomainViolation.class, e -> assertThat(e.field()).isEqualTo("factors"));
      Map<String, BigDecimal> missing = new LinkedHashMap<>();
      missing.put("beta", null);
      assertThatThrownBy(() -> new Instrument(AAPL, USD, null, null, null, missing))
          .isInstanceOf(DomainViolation.class).hasMessage("factors.beta is required");
    }
  }

  @Nested
  class Tables {

    @Test
    void servesTheInstrumentsItHoldsAndTheirCurrencies() {
      ReferenceData reference = ReferenceData.of(APPLE, SAP_SE);

      assertThat(reference.instrument(AAPL)).contains(APPLE);
      assertThat(reference.instrument(SAP)).contains(SAP_SE);
      assertThat(reference.instrument(XYZ)).isEmpty();
      assertThat(reference.currencyOf(AAPL)).contains(USD);
      assertThat(reference.currencyOf(SAP)).contains(EUR);
      assertThat(reference.currencyOf(XYZ)).isEmpty();
    }

    @Test
    void isASnapshotOfTheCollectionItWasGiven() {
      List<Instrument> instruments = new ArrayList<>(List.of(APPLE));
      ReferenceData reference = ReferenceData.of(instruments);
      instruments.add(SAP_SE);

      assertThat(reference.instrument(SAP)).isEmpty();
    }

    @Test
    void refusesTwoRecordsForOneInstrument() {
      assertThatThrownBy(() -> ReferenceData.of(APPLE, Instrument.of(AAPL, USD)))
          .isInstanceOf(DomainViolation.class).hasMessageContaining("AAPL");
    }

    @Test
    void aCurrencyOnlySourceServesBareInstruments() {
      assertThat(REFERENCE.instrument(SAP)).contains(Instrument.of(SAP, EUR));
      assertThat(REFERENCE.instrument(XYZ)).isEmpty();
      assertThat(ReferenceData.NONE.instrument(AAPL)).isEqualTo(Optional.empty());
    }
  }

  @Nested
  class TradeCurrency {

    private final ReferenceData reference = ReferenceData.of(APPLE, SAP_SE);

    private PortfolioState created() {
      return Ledgers.evolve(null,
          ((Decision.Accepted) Ledgers.decide(null, create(), T0, reference)).events().get(0));
    }

    @Test
    void aTradeDefaultsToItsInstrumentsCurrency() {
      Decision decision = Ledgers.decide(created(), buy(SAP, "10", "200"), T0, reference);

      assertThat(((TradeRecorded) ((Decision.Accepted) decision).events().get(0)).currency()).isEqualTo(EUR);
    }

    @Test
    void aTradeInAnotherCurrencyThanTheInstrumentsIsRejected() {
      Decision decision = Ledgers.decide(created(), trade(SAP, Side.BUY, "10", "200", "0", USD), T0,
          reference);

      Rejection rejection = ((Decision.Rejected) decision).rejection();
      assertThat(rejection.reason()).isEqualTo(Rejection.Reason.INVALID);
      assertThat(rejection.field()).isEqualTo("currency");
      assertThat(rejection.detail()).isEqualTo("instrument SAP trades in EUR, not USD");
    }

    @Test
    void anInstrumentMissingFromTheTableTradesInTheBaseCurrency() {
      Decision decision = Ledgers.decide(created(), buy(XYZ, "10", "5"), T0, reference);

      TradeRecorded recorded = (TradeRecorded) ((Decision.Accepted) decision).events().get(0);
      assertThat(recorded.currency()).isEqualTo(USD);
      assertThat(created().id()).isEqualTo(FUND);
    }
  }
}
