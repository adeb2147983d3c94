package io.portfoliostate.protocol;

import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.Decimals;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.PortfolioId;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/** Small helpers shared by the JSON mappings: decimals as plain strings, optional values. */
final class Json {

  private Json() {
  }

  static String decimal(BigDecimal value) {
    return value == null ? null : Decimals.plain(value);
  }

  static BigDecimal decimal(JsonObject json, String field) {
    String text = json.getString(field);
    return text == null ? null : new BigDecimal(text);
  }

  static Instant instant(JsonObject json, String field) {
    String text = json.getString(field);
    return text == null ? null : InstantText.parse(text);
  }

  static String text(Instant value) {
    return value == null ? null : value.toString();
  }

  static String text(PortfolioId id) {
    return id == null ? null : id.value();
  }

  static PortfolioId portfolioId(JsonObject json, String field) {
    String text = json.getString(field);
    return text == null ? null : PortfolioId.of(text);
  }

  static InstrumentId instrumentId(JsonObject json, String field) {
    String text = json.getString(field);
    return text == null ? null : InstrumentId.of(text);
  }

  static CurrencyCode currency(JsonObject json, String field) {
    String text = json.getString(field);
    return text == null ? null : CurrencyCode.of(text);
  }

  /** Target weights, keyed by instrument, in key order so the output is stable. */
  static JsonObject targets(Map<InstrumentId, BigDecimal> targets) {
    JsonObject json = new JsonObject();
    new TreeMap<>(targets).forEach((instrument, weight) -> json.put(instrument.value(), decimal(weight)));
    return json;
  }

  static Map<InstrumentId, BigDecimal> targets(JsonObject json) {
    Map<InstrumentId, BigDecimal> targets = new HashMap<>();
    if (json != null) {
      json.forEach(entry -> targets.put(InstrumentId.of(entry.getKey()), new BigDecimal((String) entry.getValue())));
    }
    return targets;
  }

  /** Puts a field only when it has a value, so optional fields are absent rather than null. */
  static JsonObject putIfPresent(JsonObject json, String field, Object value) {
    if (value != null) {
      json.put(field, value);
    }
    return json;
  }
}
