package io.portfoliostate.market;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.Instrument;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.valuation.FxRate;
import io.portfoliostate.domain.valuation.Price;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The node's market view: what it applies, what a start-up load may and may not override. */
class MarketViewTest {

  private static final InstrumentId SAP = InstrumentId.of("SAP.DE");
  private static final CurrencyCode EUR = CurrencyCode.of("EUR");
  private static final Instant T0 = Instant.parse("2026-11-24T10:00:00Z");

  private static Price price(String value, Instant at) {
    return new Price(SAP, new BigDecimal(value), EUR, at);
  }

  @Test
  void appliesInstrumentsAsReferenceDataAndQuotesByObservationTime() {
    MarketView view = new MarketView();
    MarketSnapshot before = view.snapshot();
    view.apply(List.of(new Instrument(SAP, EUR, "Equity", null, "DE", Map.of())),
        List.of(price("120", T0.plusSeconds(1)), price("100", T0)),
        List.of(new FxRate(EUR, CurrencyCode.USD, new BigDecimal("1.08"), T0)));

    assertThat(view.currencyOf(SAP)).contains(EUR);
    assertThat(view.instrument(SAP).orElseThrow().country()).isEqualTo("DE");
    assertThat(view.snapshot().market().price(SAP).orElseThrow().price()).isEqualByComparingTo("120");
    assertThat(view.snapshot().latestAt()).isEqualTo(T0.plusSeconds(1));
    assertThat(before.instrumentCount()).as("an older snapshot is never changed").isZero();
    assertThat(before.market().prices()).isEmpty();
  }

  @Test
  void aCorrectionAtTheSameTimeReplacesThePrice() {
    MarketView view = new MarketView();
    view.apply(List.of(), List.of(price("120", T0)), List.of());
    view.apply(List.of(), List.of(price("121", T0)), List.of());

    assertThat(view.snapshot().market().price(SAP).orElseThrow().price()).isEqualByComparingTo("121");
  }

  /** What the feed brought in while the database was read is as new or newer: the load yields. */
  @Test
  void theStartUpLoadNeverOverridesWhatArrivedMeanwhile() {
    MarketView view = new MarketView();
    view.apply(List.of(Instrument.of(SAP, EUR)), List.of(price("121", T0)), List.of());
    view.load(List.of(new Instrument(SAP, CurrencyCode.USD, null, "Old", null, Map.of()),
            Instrument.of(InstrumentId.of("BMW.DE"), EUR)),
        List.of(price("120", T0), new Price(InstrumentId.of("BMW.DE"), BigDecimal.TEN, EUR, T0.minusSeconds(5))),
        List.of());

    assertThat(view.currencyOf(SAP)).contains(EUR);
    assertThat(view.currencyOf(InstrumentId.of("BMW.DE"))).contains(EUR);
    assertThat(view.snapshot().market().price(SAP).orElseThrow().price()).isEqualByComparingTo("121");
    assertThat(view.snapshot().market().price(InstrumentId.of("BMW.DE"))).isPresent();
    assertThat(view.snapshot().latestAt()).isEqualTo(T0);
  }
}
