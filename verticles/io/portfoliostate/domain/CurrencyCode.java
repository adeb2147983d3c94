package io.portfoliostate.domain;

/**
 * An ISO 4217 currency code: three upper-case letters. The service accepts any such code
 * rather than a fixed list, so that new or private codes (XAU, XBT) need no release; what it
 * rejects is anything that is not a code at all.
 *
 * <p>{@link #of} returns one instance per code. A code is read on every decode of a command, a
 * result and a change that crosses nodes, and on every event the follower's copy evolves by:
 * a pattern match and a new record each time were measurable there (BENCHMARKS.md, "Two nodes:
 * CPU and allocation off a commit"). Three letters make at most 17,576 codes, so the table is
 * bounded whatever the input; the check of new input is the same as before, letter by letter.
 */
public record CurrencyCode(String value) implements Comparable<CurrencyCode> {

  private static final int LETTERS = 26;
  /** One slot per possible code, filled on first use. A race makes an equal instance twice: harmless. */
  private static final CurrencyCode[] INTERNED = new CurrencyCode[LETTERS * LETTERS * LETTERS];

  public static final CurrencyCode USD = of("USD");

  public CurrencyCode {
    if (slot(value) < 0) {
      throw invalid();
    }
  }

  public static CurrencyCode of(String value) {
    int slot = slot(value);
    if (slot < 0) {
      throw invalid();
    }
    CurrencyCode code = INTERNED[slot];
    if (code == null) {
      // Its one field is final: another thread that reads the slot sees the code whole.
      code = new CurrencyCode(value);
      INTERNED[slot] = code;
    }
    return code;
  }

  /** The code's slot in the table (the letters as a number in base 26), or -1 when it is not three of A-Z. */
  private static int slot(String value) {
    if (value == null || value.length() != 3) {
      return -1;
    }
    int slot = 0;
    for (int i = 0; i < 3; i++) {
      char letter = value.charAt(i);
      if (letter < 'A' || letter > 'Z') {
        return -1;
      }
      slot = slot * LETTERS + (letter - 'A');
    }
    return slot;
  }

  private static DomainViolation invalid() {
    return new DomainViolation("currency", "must be an ISO 4217 code of three upper-case letters");
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
