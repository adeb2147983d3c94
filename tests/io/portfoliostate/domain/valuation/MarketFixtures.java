package io.portfoliostate.domain.valuation;

import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.InstrumentId;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;

/** Named currencies, instruments, times and market data builders for the valuation tests. */
final class MarketFixtures {

  static final CurrencyCode USD = CurrencyCode.USD;
  static final CurrencyCode EUR = CurrencyCode.of("EUR");
  static final CurrencyCode GBP = CurrencyCode.of("GBP");
  static final CurrencyCode JPY = CurrencyCode.of("JPY");
  static final CurrencyCode CHF = CurrencyCode.of("CHF");

  /** US equity, USD, Technology. */
  static final InstrumentId AAPL = InstrumentId.of("AAPL");
  /** US equity, USD, Technology. */
  static final InstrumentId MSFT = InstrumentId.of("MSFT");
  /** German equity, EUR, Technology. */
  static final InstrumentId SAP = InstrumentId.of("SAP");
  /** UK government bond, GBP, no sector. */
  static final InstrumentId GILT = InstrumentId.of("GILT");
  /** Japanese equity, JPY, Consumer. */
  static final InstrumentId TM = InstrumentId.of("7203.T");
  /** Not in reference data. */
  static final InstrumentId XYZ = InstrumentId.of("XYZ");

  /** Monday of the first trading week the tests live in. */
  static final Instant T0 = Instant.parse("2026-01-05T09:00:00Z");

  private MarketFixtures() {
  }

  static BigDecimal d(String value) {
    return new BigDecimal(value);
  }

  /** {@code T0} plus {@code minutes}. */
  static Instant minute(long minutes) {
    return T0.plus(Duration.ofMinutes(minutes));
  }

  static Price price(InstrumentId instrument, String price, CurrencyCode currency) {
    return new Price(instrument, d(price), currency, T0);
  }

  static Price price(InstrumentId instrument, String price, CurrencyCode currency, Instant at) {
    return new Price(instrument, d(price), currency, at);
  }

  static FxRate rate(CurrencyCode base, CurrencyCode quote, String rate) {
    return new FxRate(base, quote, d(rate), T0);
  }

  static FxRate rate(CurrencyCode base, CurrencyCode quote, String rate, Instant at) {
    return new FxRate(base, quote, d(rate), at);
  }
}
