package io.portfoliostate.gateway;

import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.Decimals;
import io.portfoliostate.domain.DomainViolation;
import io.portfoliostate.domain.Identifiers;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.PortfolioId;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Reads the fields of one JSON object and collects every problem, so that a client learns all
 * that is wrong with a request at once. {@code null} counts as absent; unknown fields are errors.
 */
final class RequestReader {

  /** One problem with one field. */
  record FieldError(String field, String message) {
  }

  private final Map<String, Object> body;
  private final String prefix;
  private final List<FieldError> errors;

  private RequestReader(Map<String, Object> body, String prefix, List<FieldError> errors) {
    this.body = body;
    this.prefix = prefix;
    this.errors = errors;
  }

  /** A reader of a top-level object, or of the {@code index}-th item of a batch. */
  static RequestReader of(Object json, String prefix, Set<String> allowed) {
    List<FieldError> errors = new ArrayList<>();
    if (!(json instanceof Map)) {
      errors.add(new FieldError(prefix.isEmpty() ? "body" : trim(prefix), "must be a JSON object"));
      return new RequestReader(Map.of(), prefix, errors);
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> body = (Map<String, Object>) json;
    for (String field : body.keySet()) {
      if (!allowed.contains(field)) {
        errors.add(new FieldError(prefix + field, "is not a known field"));
      }
    }
    return new RequestReader(body, prefix, errors);
  }

  private static String trim(String prefix) {
    return prefix.endsWith(".") ? prefix.substring(0, prefix.length() - 1) : prefix;
  }

  List<FieldError> errors() {
    return errors;
  }

  boolean hasErrors() {
    return !errors.isEmpty();
  }

  boolean has(String field) {
    return body.get(field) != null;
  }

  /**
   * Whether the field is given as an explicit JSON {@code null}: the few PATCH fields for which
   * null means "remove" (a parent, an own setting) ask this; everywhere else null is absent.
   */
  boolean isNull(String field) {
    return body.containsKey(field) && body.get(field) == null;
  }

  void error(String field, String message) {
    errors.add(new FieldError(prefix + field, message));
  }

  String string(String field, boolean required) {
    Object value = body.get(field);
    if (value == null) {
      if (required) {
        error(field, "is required");
      }
      return null;
    }
    if (!(value instanceof String)) {
      error(field, "must be a string");
      return null;
    }
    return (String) value;
  }

  String identifier(String field, boolean required) {
    String value = string(field, required);
    if (value != null && !Identifiers.isValid(value)) {
      error(field, "must be 1-64 characters of A-Z a-z 0-9 . _ : -");
      return null;
    }
    return value;
  }

  PortfolioId portfolioId(String field, boolean required) {
    String value = identifier(field, required);
    return value == null ? null : PortfolioId.of(value);
  }

  InstrumentId instrumentId(String field, boolean required) {
    String value = identifier(field, required);
    return value == null ? null : InstrumentId.of(value);
  }

  CurrencyCode currency(String field, boolean required) {
    String value = string(field, required);
    if (value == null) {
      return null;
    }
    try {
      return CurrencyCode.of(value);
    } catch (DomainViolation e) {
      error(field, e.reason());
      return null;
    }
  }

  /** A decimal given as a JSON number or string. */
  BigDecimal decimal(String field, boolean required) {
    Object value = body.get(field);
    if (value == null) {
      if (required) {
        error(field, "is required");
      }
      return null;
    }
    String text;
    if (value instanceof JsonInput.Number) {
      text = ((JsonInput.Number) value).text();
    } else if (value instanceof String) {
      text = (String) value;
    } else {
      error(field, "must be a decimal number (JSON number or string)");
      return null;
    }
    try {
      return Decimals.parse(text);
    } catch (IllegalArgumentException e) {
      error(field, e.getMessage());
      return null;
    }
  }

  /** A whole number given as a JSON number (or string of digits). */
  Long integer(String field, boolean required) {
    BigDecimal value = decimal(field, required);
    if (value == null) {
      return null;
    }
    try {
      return value.longValueExact();
    } catch (ArithmeticException e) {
      error(field, "must be a whole number");
      return null;
    }
  }

  <E extends Enum<E>> E enumeration(String field, Class<E> type, boolean required) {
    String value = string(field, required);
    if (value == null) {
      return null;
    }
    try {
      return Enum.valueOf(type, value);
    } catch (IllegalArgumentException e) {
      error(field, "must be one of " + java.util.Arrays.toString(type.getEnumConstants()));
      return null;
    }
  }

  /** An ISO-8601 time with a zone (Z or an offset). */
  Instant instant(String field, boolean required) {
    String value = string(field, required);
    if (value == null) {
      return null;
    }
    return parseInstant(value, () -> error(field, "must be an ISO-8601 time with a zone, e.g. 2026-11-24T10:15:30Z"));
  }

  static Instant parseInstant(String value, Runnable onError) {
    try {
      return OffsetDateTime.parse(value, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
    } catch (DateTimeParseException e) {
      onError.run();
      return null;
    }
  }

  /** A JSON object of instrument id → decimal weight. */
  Map<InstrumentId, BigDecimal> weights(String field, boolean required) {
    Object value = body.get(field);
    if (value == null) {
      if (required) {
        error(field, "is required");
      }
      return null;
    }
    if (!(value instanceof Map)) {
      error(field, "must be an object of instrument id to weight");
      return null;
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> raw = (Map<String, Object>) value;
    RequestReader nested = new RequestReader(raw, prefix + field + ".", errors);
    Map<InstrumentId, BigDecimal> weights = new LinkedHashMap<>();
    for (String key : raw.keySet()) {
      if (!Identifiers.isValid(key)) {
        nested.error(key, "is not a valid instrument id");
        continue;
      }
      BigDecimal weight = nested.decimal(key, true);
      if (weight != null) {
        weights.put(InstrumentId.of(key), weight);
      }
    }
    return weights;
  }

  /** A JSON object value, or null (with an error when it is not an object). */
  Map<String, Object> object(String field) {
    Object value = body.get(field);
    if (value == null) {
      return null;
    }
    if (!(value instanceof Map)) {
      error(field, "must be a JSON object");
      return null;
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> object = (Map<String, Object>) value;
    return object;
  }

  /** A reader of a nested object whose errors join this reader's, its fields prefixed. */
  RequestReader nested(Map<String, Object> object, String nestedPrefix) {
    return new RequestReader(object, prefix + nestedPrefix, errors);
  }

  /** A list value, or null with an error. */
  List<?> list(String field, boolean required) {
    Object value = body.get(field);
    if (value == null) {
      if (required) {
        error(field, "is required");
      }
      return null;
    }
    if (!(value instanceof List)) {
      error(field, "must be an array");
      return null;
    }
    return (List<?>) value;
  }

  /** Builds a domain value, turning a rule it breaks into an error on the named field. */
  <T> T attempt(String field, Supplier<T> build) {
    try {
      return build.get();
    } catch (DomainViolation e) {
      errors.add(new FieldError(prefix + e.field(), e.reason()));
      return null;
    } catch (IllegalArgumentException e) {
      error(field, e.getMessage());
      return null;
    }
  }
}
