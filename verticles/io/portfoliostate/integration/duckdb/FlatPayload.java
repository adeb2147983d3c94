package io.portfoliostate.integration.duckdb;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.portfoliostate.protocol.InstantText;
import java.io.IOException;
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

  /** An instant as the journal writes it, read without a formatter ({@link InstantText}), in UTC. */
  static OffsetDateTime time(String text) {
    return OffsetDateTime.ofInstant(InstantText.parse(text), ZoneOffset.UTC);
  }
}
