package io.portfoliostate.protocol;

/**
 * JSON written straight into text, escaped exactly as Jackson's generator escapes it (the
 * {@code JsonObject.encode} of Vert.x): a text written here is the same, character for
 * character, as the tree it replaces would have been once encoded. Quote and backslash are
 * escaped with a backslash; the control characters below 0x20 by their short escapes (b, t, n,
 * f, r after a backslash) or else as a backslash, {@code u00} and two upper-case hex digits;
 * everything else, beyond ASCII included, is written as is.
 */
public final class JsonText {

  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private JsonText() {
  }

  /** An instant as a JSON string, as {@link java.time.Instant#toString} writes it ({@link InstantText#append}), or {@code null}. */
  public static void instant(StringBuilder out, java.time.Instant value) {
    if (value == null) {
      out.append("null");
      return;
    }
    out.append('"');
    InstantText.append(out, value);
    out.append('"');
  }

  /** {@code value} as a JSON string, or {@code null}. */
  public static void string(StringBuilder out, String value) {
    if (value == null) {
      out.append("null");
      return;
    }
    out.append('"');
    int length = value.length();
    int plainFrom = 0;
    for (int i = 0; i < length; i++) {
      char c = value.charAt(i);
      if (c >= 0x20 && c != '"' && c != '\\') {
        continue;
      }
      out.append(value, plainFrom, i);
      plainFrom = i + 1;
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\b' -> out.append("\\b");
        case '\t' -> out.append("\\t");
        case '\n' -> out.append("\\n");
        case '\f' -> out.append("\\f");
        case '\r' -> out.append("\\r");
        default -> out.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
      }
    }
    out.append(value, plainFrom, length).append('"');
  }
}
