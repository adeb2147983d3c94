package io.portfoliostate.gateway;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses request bodies strictly: duplicate keys are an error (which of two values was meant?),
 * numbers are kept as their text so that a decimal is never rounded through a double, and
 * nesting and number length are bounded.
 */
final class JsonInput {

  /** A JSON number as written by the client. */
  record Number(String text) {
  }

  /** The body is not JSON (or not the JSON we accept). */
  static final class MalformedJson extends Exception {
    MalformedJson(String message) {
      super(message, null, false, false);
    }
  }

  private static final JsonFactory FACTORY = JsonFactory.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .streamReadConstraints(StreamReadConstraints.builder()
          .maxNestingDepth(16).maxNumberLength(64).maxStringLength(1 << 20).build())
      .build();

  private JsonInput() {
  }

  /** Parses one JSON value: a Map, a List, a String, a {@link Number}, a Boolean or null. */
  static Object parse(byte[] body) throws MalformedJson {
    try (JsonParser parser = FACTORY.createParser(body)) {
      JsonToken first = parser.nextToken();
      if (first == null) {
        throw new MalformedJson("the body is empty");
      }
      Object value = value(parser, first);
      if (parser.nextToken() != null) {
        throw new MalformedJson("the body has more than one JSON value");
      }
      return value;
    } catch (IOException e) {
      throw new MalformedJson("the body is not valid JSON: " + firstLine(e.getMessage()));
    }
  }

  private static Object value(JsonParser parser, JsonToken token) throws IOException {
    switch (token) {
      case START_OBJECT:
        Map<String, Object> object = new LinkedHashMap<>();
        for (JsonToken next = parser.nextToken(); next != JsonToken.END_OBJECT; next = parser.nextToken()) {
          String name = parser.currentName();
          object.put(name, value(parser, parser.nextToken()));
        }
        return object;
      case START_ARRAY:
        List<Object> array = new ArrayList<>();
        for (JsonToken next = parser.nextToken(); next != JsonToken.END_ARRAY; next = parser.nextToken()) {
          array.add(value(parser, next));
        }
        return array;
      case VALUE_STRING:
        return parser.getText();
      case VALUE_NUMBER_INT:
      case VALUE_NUMBER_FLOAT:
        return new Number(parser.getText());
      case VALUE_TRUE:
        return Boolean.TRUE;
      case VALUE_FALSE:
        return Boolean.FALSE;
      case VALUE_NULL:
        return null;
      default:
        throw new IOException("unexpected " + token);
    }
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "";
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
