package io.portfoliostate.domain;

import java.util.regex.Pattern;

/**
 * An ISO 4217 currency code: three upper-case letters. The service accepts any such code
 * rather than a fixed list, so that new or private codes (XAU, XBT) need no release; what it
 * rejects is anything that is not a code at all.
 */
public record CurrencyCode(String value) implements Comparable<CurrencyCode> {

  private static final Pattern VALID = Pattern.compile("[A-Z]{3}");

  public static final CurrencyCode USD = new CurrencyCode("USD");

  public CurrencyCode {
    if (value == null || !VALID.matcher(value).matches()) {
      throw new DomainViolation("currency", "must be an ISO 4217 code of three upper-case letters");
    }
  }

  public static CurrencyCode of(String value) {
    return new CurrencyCode(value);
  }

  @Override
  public int compareTo(CurrencyCode other) {
    return value.compareTo(other.value);
  }

  // Written out rather than left to the record's generated (method-handle) versions: ids are
  // hashed on every command, and these are measurably cheaper on that path.
  @Override
  public boolean equals(Object other) {
    return this == other || (other instanceof CurrencyCode && value.equals(((CurrencyCode) other).value));
  }

  @Override
  public int hashCode() {
    return value.hashCode();
  }

  @Override
  public String toString() {
    return value;
  }
}
