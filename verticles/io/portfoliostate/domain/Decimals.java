package io.portfoliostate.domain;

import java.math.BigDecimal;
import java.math.MathContext;

/**
 * Exact decimal arithmetic rules shared by every figure of the service.
 *
 * <p>Quantities, prices and amounts are {@link BigDecimal}s and are never rounded in state.
 * The one place a quotient appears in accounting is the average cost (total cost divided by
 * quantity), which does not terminate in general (100 / 3); it is kept to the 34 significant
 * digits of IEEE 754 decimal128, far below any price tick, and documented as such.
 */
public final class Decimals {

  /** Precision of the few quotients the accounting needs (average cost). */
  public static final MathContext QUOTIENT = MathContext.DECIMAL128;

  /** Largest number of significant digits accepted on input: beyond it input is absurd, not precise. */
  public static final int MAX_PRECISION = 38;

  /** Largest scale (digits after the point) accepted on input. */
  public static final int MAX_SCALE = 18;

  /** Largest power of ten accepted on input (10^18 of anything is not a trade). */
  public static final int MAX_INTEGER_DIGITS = 20;

  private Decimals() {
  }

  /**
   * Parses a decimal given as a JSON number's or string's text, refusing NaN, infinities,
   * exponents that would blow up memory (1e1000000000) and more precision than any market has.
   *
   * @throws IllegalArgumentException with a message fit for a client
   */
  public static BigDecimal parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("must be a decimal number");
    }
    if (text.length() > 64) {
      throw new IllegalArgumentException("has too many characters for a decimal number");
    }
    BigDecimal value;
    try {
      value = new BigDecimal(text.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("must be a decimal number, got '" + text + "'");
    }
    return checkRange(value);
  }

  /**
   * Checks that a decimal is within the accepted precision and magnitude. A zero comes back as
   * plain {@code 0}: its exponent says nothing, yet {@code 0E-100000000} would pass the checks
   * (it strips to 0) and make every later addition build a hundred-million-digit number.
   */
  public static BigDecimal checkRange(BigDecimal value) {
    if (value.signum() == 0) {
      return BigDecimal.ZERO;
    }
    BigDecimal stripped = value.stripTrailingZeros();
    if (stripped.scale() > MAX_SCALE) {
      throw new IllegalArgumentException("has more than " + MAX_SCALE + " decimal places");
    }
    if (stripped.precision() - stripped.scale() > MAX_INTEGER_DIGITS) {
      throw new IllegalArgumentException("is larger than 10^" + MAX_INTEGER_DIGITS);
    }
    if (stripped.precision() > MAX_PRECISION) {
      throw new IllegalArgumentException("has more than " + MAX_PRECISION + " significant digits");
    }
    return value;
  }

  /**
   * Plain notation without trailing zeros: {@code 1234.5}, never {@code 1.2345E+3}. The zeros are
   * cut from the text, not from the number: {@code stripTrailingZeros} divides the unscaled value
   * by ten in BigInteger arithmetic, and a {@link #QUOTIENT} (an average cost) has 34 digits. This
   * ran for every position of every live change message.
   */
  public static String plain(BigDecimal value) {
    if (value.signum() == 0) {
      return "0";
    }
    String text = value.toPlainString();
    if (value.scale() <= 0) {
      return text; // an integer: no fraction, and its own zeros are digits
    }
    int end = text.length();
    while (text.charAt(end - 1) == '0') {
      end--;
    }
    if (text.charAt(end - 1) == '.') {
      end--;
    }
    return end == text.length() ? text : text.substring(0, end);
  }

  /** Requires {@code value > 0}. */
  public static BigDecimal requirePositive(BigDecimal value, String field) {
    if (value == null || value.signum() <= 0) {
      throw new DomainViolation(field, "must be greater than zero");
    }
    return value;
  }

  /** Requires {@code value >= 0}. */
  public static BigDecimal requireNonNegative(BigDecimal value, String field) {
    if (value == null || value.signum() < 0) {
      throw new DomainViolation(field, "must not be negative");
    }
    return value;
  }
}
