package io.portfoliostate.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

/** Parsing and printing of the exact decimals every figure is kept in. */
class DecimalsTest {

  @ParameterizedTest
  @CsvSource({
      "1234.5,                 1234.5",
      "'  12.50 ',             12.5",
      "-0.25,                  -0.25",
      "1e3,                    1000",
      "1.2345E+3,              1234.5",
      "0.000000000000000001,   0.000000000000000001",
      "99999999999999999999,   99999999999999999999",
      "1.000000000000000000000000, 1"})
  void parsesTheTextOfJsonNumbersAndStrings(String text, String expected) {
    assertThat(Decimals.parse(text)).isEqualByComparingTo(expected);
  }

  @Test
  void keepsEveryDigitAndTheMaximumPrecision() {
    // 20 integer digits and 18 decimals: 38 significant digits, the most accepted
    String widest = "12345678901234567890.123456789012345678";

    assertThat(Decimals.parse(widest)).isEqualTo(new BigDecimal(widest));
    assertThat(Decimals.plain(Decimals.parse(widest))).isEqualTo(widest);
  }

  @ParameterizedTest
  @ValueSource(strings = {"NaN", "Infinity", "-Infinity", "+Infinity", "abc", "1,5", "12.5.1", "0x10", "1e"})
  void refusesWhatIsNotADecimal(String text) {
    assertThatIllegalArgumentException().isThrownBy(() -> Decimals.parse(text))
        .withMessageContaining("decimal number");
  }

  @ParameterizedTest
  @NullAndEmptySource
  @ValueSource(strings = {"   "})
  void refusesNothing(String text) {
    assertThatIllegalArgumentException().isThrownBy(() -> Decimals.parse(text));
  }

  @Test
  void refusesAnExponentThatWouldBlowUpMemory() {
    assertThatIllegalArgumentException().isThrownBy(() -> Decimals.parse("1e1000000000"))
        .withMessageContaining("larger than 10^20");
    assertThatIllegalArgumentException().isThrownBy(() -> Decimals.parse("1e-1000000000"))
        .withMessageContaining("decimal places");
  }

  @ParameterizedTest
  @ValueSource(strings = {"0E-100000000", "0e-1000000000", "0E+1000000000", "-0.000", "0.0000000000000000000000"})
  void aZeroComesBackAsPlainZeroWhateverItsExponent(String text) {
    // 0E-100000000 strips to 0 and so passes every range check, but kept as is, adding it to a
    // balance (1001 + 0E-100000000) builds a number of a hundred million digits: minutes of CPU
    // from a 12-character fee. Fixed in Decimals.checkRange.
    BigDecimal zero = Decimals.parse(text);

    assertThat(zero).isEqualTo(BigDecimal.ZERO);
    assertThat(zero.scale()).isZero();
    assertThat(new BigDecimal("1001").add(zero).precision()).isEqualTo(4);
  }

  @Test
  void refusesMoreThanEighteenDecimals() {
    assertThatIllegalArgumentException().isThrownBy(() -> Decimals.parse("0.0000000000000000001"))
        .withMessageContaining("more than 18 decimal places");
    assertThatIllegalArgumentException().isThrownBy(() -> Decimals.parse("1.1234567890123456789"));
  }

  @Test
  void refusesMagnitudesFromTenToTheTwentyUp() {
    // 10^20 has 21 integer digits: the largest accepted is 99999999999999999999.999999999999999999
    assertThatIllegalArgumentException().isThrownBy(() -> Decimals.parse("100000000000000000000"))
        .withMessageContaining("10^20");
    assertThatIllegalArgumentException().isThrownBy(() -> Decimals.parse("1e20"));
    assertThatIllegalArgumentException().isThrownBy(() -> Decimals.parse("-1e21"));
    assertThat(Decimals.parse("99999999999999999999.999999999999999999"))
        .isEqualByComparingTo("99999999999999999999.999999999999999999");
  }

  @Test
  void refusesTextLongerThanSixtyFourCharacters() {
    String longZeros = "1." + "0".repeat(63);

    assertThatIllegalArgumentException().isThrownBy(() -> Decimals.parse(longZeros))
        .withMessageContaining("too many characters");
  }

  @Test
  void checkRangeAppliesTheSameLimitsToComputedValues() {
    assertThatIllegalArgumentException().isThrownBy(() -> Decimals.checkRange(new BigDecimal("1E+25")));
    assertThatIllegalArgumentException().isThrownBy(() -> Decimals.checkRange(new BigDecimal("1E-19")));
    assertThat(Decimals.checkRange(new BigDecimal("1E+19"))).isEqualByComparingTo("10000000000000000000");
  }

  @ParameterizedTest
  @CsvSource({
      "1.2345E+3,   1234.5",
      "1234.50,     1234.5",
      "100.00,      100",
      "1E+2,        100",
      "0,           0",
      "0.000,       0",
      "0E-10,       0",
      "0E+3,        0",
      "-12.50,      -12.5",
      "1E-7,        0.0000001",
      "33.3300,     33.33"})
  void plainIsPlainNotationWithoutTrailingZeros(String value, String expected) {
    assertThat(Decimals.plain(new BigDecimal(value))).isEqualTo(expected);
  }

  @Test
  void requirePositiveAndNonNegativeNameTheField() {
    assertThatThrownBy(() -> Decimals.requirePositive(BigDecimal.ZERO, "quantity"))
        .isInstanceOfSatisfying(DomainViolation.class, v -> {
          assertThat(v.field()).isEqualTo("quantity");
          assertThat(v.reason()).isEqualTo("must be greater than zero");
          assertThat(v.getMessage()).isEqualTo("quantity must be greater than zero");
        });
    assertThatThrownBy(() -> Decimals.requirePositive(null, "price")).isInstanceOf(DomainViolation.class);
    assertThatThrownBy(() -> Decimals.requireNonNegative(new BigDecimal("-0.01"), "fees"))
        .isInstanceOfSatisfying(DomainViolation.class, v -> assertThat(v.field()).isEqualTo("fees"));
    assertThat(Decimals.requireNonNegative(BigDecimal.ZERO, "fees")).isZero();
    assertThat(Decimals.requirePositive(new BigDecimal("0.000000000000000001"), "price")).isPositive();
  }

  @Test
  void quotientsKeepThirtyFourSignificantDigits() {
    assertThat(Decimals.QUOTIENT.getPrecision()).isEqualTo(34);
    assertThat(BigDecimal.ONE.divide(new BigDecimal("3"), Decimals.QUOTIENT).toPlainString())
        .isEqualTo("0." + "3".repeat(34));
  }

  @Test
  void tradeFiguresAreValidatedAtBirth() {
    assertThatThrownBy(() -> Fixtures.buy(Fixtures.AAPL, "0", "100"))
        .isInstanceOfSatisfying(DomainViolation.class, v -> assertThat(v.field()).isEqualTo("quantity"));
    assertThatThrownBy(() -> Fixtures.buy(Fixtures.AAPL, "1", "-1"))
        .isInstanceOfSatisfying(DomainViolation.class, v -> assertThat(v.field()).isEqualTo("price"));
    assertThatThrownBy(() -> Fixtures.buy(Fixtures.AAPL, "1", "1", "-0.5"))
        .isInstanceOfSatisfying(DomainViolation.class, v -> assertThat(v.field()).isEqualTo("fees"));
    assertThatThrownBy(() -> new Lot(BigDecimal.ZERO, BigDecimal.ONE, Fixtures.T0, 1))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
