package io.portfoliostate.domain;

import java.util.regex.Pattern;

/** The identifier rule of DOMAIN.md: 1–64 characters of {@code A-Z a-z 0-9 . _ : -}. */
public final class Identifiers {

  private static final Pattern VALID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

  private Identifiers() {
  }

  /** Whether {@code value} is a valid identifier. */
  public static boolean isValid(String value) {
    return value != null && VALID.matcher(value).matches();
  }

  /** Returns {@code value} if valid, else throws a violation naming {@code field}. */
  public static String require(String value, String field) {
    if (!isValid(value)) {
      throw new DomainViolation(field, "must be 1-64 characters of A-Z a-z 0-9 . _ : -");
    }
    return value;
  }
}
