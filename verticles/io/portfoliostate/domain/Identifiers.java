package io.portfoliostate.domain;

/** The identifier rule of DOMAIN.md: 1–64 characters of {@code A-Z a-z 0-9 . _ : -}. */
public final class Identifiers {

  private static final int MAX_LENGTH = 64;

  private Identifiers() {
  }

  /** Whether {@code value} is a valid identifier. */
  public static boolean isValid(String value) {
    // A loop rather than a regex: ids are checked several times per command on the hot path.
    if (value == null || value.isEmpty() || value.length() > MAX_LENGTH) {
      return false;
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      boolean allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '.' || c == '_' || c == ':' || c == '-';
      if (!allowed) {
        return false;
      }
    }
    return true;
  }

  /** Returns {@code value} if valid, else throws a violation naming {@code field}. */
  public static String require(String value, String field) {
    if (!isValid(value)) {
      throw new DomainViolation(field, "must be 1-64 characters of A-Z a-z 0-9 . _ : -");
    }
    return value;
  }
}
