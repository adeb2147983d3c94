package io.portfoliostate.integration.duckdb;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/**
 * The top-level text fields of a flat journal payload (an in-order trade, a cash flow), read with
 * Jackson's streaming parser instead of a {@code JsonObject}: no map, no boxed values, nothing
 * kept but the few fields the feed appends. The feed reads every journal change again, so this is
 * on its hot path; a profile of the tree parse put a third of the feed's time in building maps
 * and in {@code Instant.parse}.
 *
 * <p>A payload with a nested object (a restatement) is not flat: {@link #scan} answers null and
 * the feed reads that change the slow way. Arrays (a trade's {@code adjustedBy}) are skipped.
 */
final class FlatPayload {

  private static final JsonFactory JSON = new JsonFactory();

  private final String[] names;
  private final String[] values;

  private FlatPayload(String[] names) {
    this.names = names;
    this.values = new String[names.length];
  }

  /**
   * The text values of {@code wanted} fields of {@code payload} (null where absent or not text),
   * or null when the payload has a nested object and must be read whole.
   */
  static FlatPayload scan(String payload, String... wanted) {
    FlatPayload fields = new FlatPayload(wanted);
    try (JsonParser parser = JSON.createParser(payload)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      JsonToken token;
      while ((token = parser.nextToken()) == JsonToken.FIELD_NAME) {
        String name = parser.currentName();
        JsonToken value = parser.nextToken();
        if (value == JsonToken.START_OBJECT) {
          return null;
        }
        if (value == JsonToken.START_ARRAY) {
          parser.skipChildren();
          continue;
        }
        for (int i = 0; i < wanted.length; i++) {
          // Field names are interned by Jackson's canonicalizer: equals stops at the identity check.
          if (wanted[i].equals(name)) {
            fields.values[i] = value == JsonToken.VALUE_NULL ? null : parser.getText();
            break;
          }
        }
      }
      return token == JsonToken.END_OBJECT ? fields : null;
    } catch (IOException e) {
      return null;
    }
  }

  /** The value of the {@code index}-th wanted field. */
  String get(int index) {
    return values[index];
  }

  /** The value of the field {@code name} (one of the wanted). */
  String get(String name) {
    for (int i = 0; i < names.length; i++) {
      if (names[i].equals(name)) {
        return values[i];
      }
    }
    throw new IllegalArgumentException(name + " was not scanned");
  }

  /**
   * An instant as the journal writes it ({@code Instant.toString()}: {@code 2026-12-05T23:55:53.204Z},
   * 0 to 9 digits of fraction, years 0000-9999) without a {@code DateTimeFormatter}; anything
   * else through {@link Instant#parse}.
   */
  static OffsetDateTime time(String text) {
    int length = text.length();
    if (length >= 20 && length <= 30 && text.charAt(4) == '-' && text.charAt(7) == '-' && text.charAt(10) == 'T'
        && text.charAt(13) == ':' && text.charAt(16) == ':' && text.charAt(length - 1) == 'Z'
        && (length == 20 || text.charAt(19) == '.')) {
      int nanos = 0;
      if (length > 20) {
        int digits = length - 21;
        if (digits < 1 || digits > 9) {
          return OffsetDateTime.ofInstant(Instant.parse(text), ZoneOffset.UTC);
        }
        nanos = digits(text, 20, length - 1);
        for (int i = digits; i < 9; i++) {
          nanos *= 10;
        }
      }
      int year = digits(text, 0, 4);
      int month = digits(text, 5, 7);
      int day = digits(text, 8, 10);
      int hour = digits(text, 11, 13);
      int minute = digits(text, 14, 16);
      int second = digits(text, 17, 19);
      if (year >= 0 && month >= 0 && day >= 0 && hour >= 0 && minute >= 0 && second >= 0 && nanos >= 0) {
        return LocalDateTime.of(year, month, day, hour, minute, second, nanos).atOffset(ZoneOffset.UTC);
      }
    }
    return OffsetDateTime.ofInstant(Instant.parse(text), ZoneOffset.UTC);
  }

  /** The decimal number in {@code text[from, to)}, or -1 if a character is not a digit. */
  private static int digits(String text, int from, int to) {
    int value = 0;
    for (int i = from; i < to; i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      value = value * 10 + (c - '0');
    }
    return value;
  }
}
