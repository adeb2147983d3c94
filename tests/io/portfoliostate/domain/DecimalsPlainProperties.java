package io.portfoliostate.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * {@link Decimals#plain} strips trailing zeros from the plain text rather than from the number
 * (BigDecimal.stripTrailingZeros divides a 34-digit quotient by ten in BigInteger arithmetic):
 * for any decimal, compact or not, of any scale, the text must be the one the number stripped
 * would print.
 */
class DecimalsPlainProperties {

  @Property(tries = 2_000)
  void plainIsTheTextOfTheNumberWithoutTrailingZeros(@ForAll("decimals") BigDecimal value) {
    String expected = value.signum() == 0 ? "0" : value.stripTrailingZeros().toPlainString();
    assertThat(Decimals.plain(value)).isEqualTo(expected);
  }

  @Example
  void aQuotientOfThirtyFourDigitsAndRoundNumbers() {
    assertThat(Decimals.plain(new BigDecimal("1707.94").divide(new BigDecimal("3"), MathContext.DECIMAL128)))
        .isEqualTo("569.3133333333333333333333333333333");
    assertThat(Decimals.plain(new BigDecimal("-1200.500"))).isEqualTo("-1200.5");
    assertThat(Decimals.plain(new BigDecimal("100.00"))).isEqualTo("100");
    assertThat(Decimals.plain(new BigDecimal("1.2E+3"))).isEqualTo("1200");
    assertThat(Decimals.plain(new BigDecimal("0.000"))).isEqualTo("0");
  }

  @Provide
  Arbitrary<BigDecimal> decimals() {
    Arbitrary<BigInteger> unscaled = Arbitraries.oneOf(
        Arbitraries.bigIntegers().between(BigInteger.valueOf(-1_000_000), BigInteger.valueOf(1_000_000)),
        Arbitraries.bigIntegers().between(BigInteger.TEN.pow(40).negate(), BigInteger.TEN.pow(40)),
        // Round numbers: many trailing zeros to strip.
        Arbitraries.integers().between(-999, 999).flatMap(head -> Arbitraries.integers().between(0, 30)
            .map(zeros -> BigInteger.valueOf(head).multiply(BigInteger.TEN.pow(zeros)))));
    return unscaled.flatMap(u -> Arbitraries.integers().between(-6, 40).map(scale -> new BigDecimal(u, scale)));
  }
}
