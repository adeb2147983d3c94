package io.portfoliostate.gateway;

import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.Identifiers;
import io.portfoliostate.domain.Instrument;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.ReferenceData;
import io.portfoliostate.domain.valuation.FxRate;
import io.portfoliostate.domain.valuation.Price;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns market-data request bodies into domain values, with the rules of the other parsers:
 * every problem reported at once, unknown fields refused, numbers kept as their text, times
 * with a zone. A batch is all or nothing: one bad item refuses the request and stores nothing.
 */
final class MarketParsers {

  /** The most items one POST of prices or rates may carry. */
  static final int MAX_ITEMS = 10_000;
  /**
   * How far in the future an observation time may be: clocks differ a little, but a price
   * stamped hours ahead would hide every real price until then (the latest by time wins).
   */
  static final Duration MAX_CLOCK_SKEW = Duration.ofMinutes(1);

  static final Set<String> INSTRUMENT_FIELDS = Set.of("currency", "assetClass", "sector", "country", "factors");
  static final Set<String> PRICE_FIELDS = Set.of("instrumentId", "price", "currency", "at");
  static final Set<String> FX_RATE_FIELDS = Set.of("base", "quote", "rate", "at");

  /** A parsed value, or what is wrong with the request. */
  record Parsed<T>(T value, List<RequestReader.FieldError> errors) {
    boolean ok() {
      return value != null;
    }
  }

  private MarketParsers() {
  }

  static Parsed<Instrument> instrument(InstrumentId id, Object json) {
    RequestReader r = RequestReader.of(json, "", INSTRUMENT_FIELDS);
    CurrencyCode currency = r.currency("currency", true);
    String assetClass = r.string("assetClass", false);
    String sector = r.string("sector", false);
    String country = r.string("country", false);
    Map<String, BigDecimal> factors = factors(r);
    return finish(r, () -> new Instrument(id, currency, assetClass, sector, country, factors));
  }

  /**
   * Prices; a price without a currency is in its instrument's. An instrument without reference
   * data may be priced, but then the currency must be given: there is nothing to default it to.
   */
  static Parsed<List<Price>> prices(Object json, ReferenceData reference, Instant now) {
    List<?> items = items(json);
    if (items == null) {
      return new Parsed<>(null, List.of(arrayError("prices")));
    }
    List<RequestReader.FieldError> errors = new ArrayList<>();
    List<Price> prices = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) {
      RequestReader r = RequestReader.of(items.get(i), "[" + i + "].", PRICE_FIELDS);
      InstrumentId instrument = r.instrumentId("instrumentId", true);
      BigDecimal price = r.decimal("price", true);
      CurrencyCode given = r.currency("currency", false);
      Instant at = observedAt(r, now);
      CurrencyCode currency = given;
      if (given == null && instrument != null && !r.has("currency")) {
        currency = reference.currencyOf(instrument).orElse(null);
        if (currency == null) {
          r.error("currency", "is required: instrument " + instrument + " has no reference data");
        }
      }
      CurrencyCode resolved = currency;
      prices.add(r.hasErrors() ? null : r.attempt("price", () -> new Price(instrument, price, resolved, at)));
      errors.addAll(r.errors());
    }
    return errors.isEmpty() ? new Parsed<>(prices, List.of()) : new Parsed<>(null, errors);
  }

  static Parsed<List<FxRate>> fxRates(Object json, Instant now) {
    List<?> items = items(json);
    if (items == null) {
      return new Parsed<>(null, List.of(arrayError("rates")));
    }
    List<RequestReader.FieldError> errors = new ArrayList<>();
    List<FxRate> rates = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) {
      RequestReader r = RequestReader.of(items.get(i), "[" + i + "].", FX_RATE_FIELDS);
      CurrencyCode base = r.currency("base", true);
      CurrencyCode quote = r.currency("quote", true);
      BigDecimal rate = r.decimal("rate", true);
      Instant at = observedAt(r, now);
      rates.add(r.hasErrors() ? null : r.attempt("rate", () -> new FxRate(base, quote, rate, at)));
      errors.addAll(r.errors());
    }
    return errors.isEmpty() ? new Parsed<>(rates, List.of()) : new Parsed<>(null, errors);
  }

  /** The items of a batch body: a JSON array of 1 to {@value #MAX_ITEMS}; null when it is not. */
  private static List<?> items(Object json) {
    if (!(json instanceof List<?> items) || items.isEmpty() || items.size() > MAX_ITEMS) {
      return null;
    }
    return items;
  }

  private static RequestReader.FieldError arrayError(String what) {
    return new RequestReader.FieldError("body", "must be a JSON array of 1 to " + MAX_ITEMS + " " + what);
  }

  /**
   * {@code at}, or now; not later than now plus the tolerated skew. Kept to the microsecond, what
   * PostgreSQL stores: two observations a few nanoseconds apart are one observation (the later
   * in the request wins), as they would be once stored — otherwise one batch could hold the same
   * stored key twice, which the INSERT refuses.
   */
  private static Instant observedAt(RequestReader r, Instant now) {
    Instant at = r.instant("at", false);
    if (at != null) {
      at = at.truncatedTo(java.time.temporal.ChronoUnit.MICROS);
    }
    if (at != null && at.isAfter(now.plus(MAX_CLOCK_SKEW))) {
      r.error("at", "must not be in the future");
      return null;
    }
    return at == null ? now : at;
  }

  private static Map<String, BigDecimal> factors(RequestReader r) {
    Map<String, BigDecimal> factors = new LinkedHashMap<>();
    Map<String, Object> raw = r.object("factors");
    if (raw == null) {
      return factors;
    }
    RequestReader nested = r.nested(raw, "factors.");
    for (String name : raw.keySet()) {
      if (!Identifiers.isValid(name)) {
        nested.error(name, "is not a valid factor name (1-64 characters of A-Z a-z 0-9 . _ : -)");
        continue;
      }
      BigDecimal loading = nested.decimal(name, true);
      if (loading != null) {
        factors.put(name, loading);
      }
    }
    return factors;
  }

  private static <T> Parsed<T> finish(RequestReader r, java.util.function.Supplier<T> build) {
    if (r.hasErrors()) {
      return new Parsed<>(null, r.errors());
    }
    T value = r.attempt("body", build);
    return value == null ? new Parsed<>(null, r.errors()) : new Parsed<>(value, List.of());
  }
}
