package io.portfoliostate.domain;

import static io.portfoliostate.domain.Fixtures.AAPL;
import static io.portfoliostate.domain.Fixtures.FUND;
import static io.portfoliostate.domain.Fixtures.d;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

/** Identifiers (1–64 of {@code A-Z a-z 0-9 . _ : -}) and ISO 4217 currency codes. */
class IdentifiersTest {

  private static final String SIXTY_FOUR = "a".repeat(64);

  private static final String ALLOWED =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-";

  @ParameterizedTest
  @ValueSource(strings = {"a", "Z", "7", "AAPL", "BRK.B", "fund_a", "trade:2026-01-05:0001", "..", "-"})
  void acceptsOneToSixtyFourOfTheAllowedCharacters(String id) {
    assertThat(Identifiers.isValid(id)).isTrue();
    assertThat(Identifiers.require(id, "id")).isEqualTo(id);
  }

  @Test
  void exactlyTheAllowedPrintableAsciiCharactersAreAccepted() {
    for (char c = ' '; c <= '~'; c++) {
      assertThat(Identifiers.isValid(String.valueOf(c))).as("'%s'", c).isEqualTo(ALLOWED.indexOf(c) >= 0);
    }
  }

  @Test
  void sixtyFourCharactersIsTheLimit() {
    assertThat(Identifiers.isValid(SIXTY_FOUR)).isTrue();
    assertThat(Identifiers.isValid(SIXTY_FOUR + "a")).isFalse();
  }

  @ParameterizedTest
  @NullAndEmptySource
  @ValueSource(strings = {" ", "with space", "a/b", "a#b", "a+b", "a@b", "ümlaut", "é", "a\tb",
      "abc\n", "\nabc", "fund,a", "(x)", "a*"})
  void refusesAnythingElse(String id) {
    assertThat(Identifiers.isValid(id)).isFalse();
    assertThatThrownBy(() -> Identifiers.require(id, "tradeId"))
        .isInstanceOfSatisfying(DomainViolation.class, v -> {
          assertThat(v.field()).isEqualTo("tradeId");
          assertThat(v.reason()).isEqualTo("must be 1-64 characters of A-Z a-z 0-9 . _ : -");
        });
  }

  @Test
  void typedIdsValidateAtBirthAndNameTheirField() {
    assertThat(PortfolioId.of("fund-a").value()).isEqualTo("fund-a");
    assertThat(InstrumentId.of("AAPL")).hasToString("AAPL");
    assertThatThrownBy(() -> PortfolioId.of("fund a"))
        .isInstanceOfSatisfying(DomainViolation.class, v -> assertThat(v.field()).isEqualTo("portfolioId"));
    assertThatThrownBy(() -> InstrumentId.of(SIXTY_FOUR + "x"))
        .isInstanceOfSatisfying(DomainViolation.class, v -> assertThat(v.field()).isEqualTo("instrumentId"));
    assertThatThrownBy(() -> new RecordTrade(FUND, "t 1", AAPL, Side.BUY, d("1"), d("1"), null, null, null, null))
        .isInstanceOfSatisfying(DomainViolation.class, v -> assertThat(v.field()).isEqualTo("tradeId"));
    assertThatThrownBy(() -> new RecordCashFlow(FUND, "", CashFlowType.DEPOSIT, Fixtures.USD, d("1"), null, null))
        .isInstanceOfSatisfying(DomainViolation.class, v -> assertThat(v.field()).isEqualTo("flowId"));
    assertThatThrownBy(() -> new ConvertFx(FUND, "fx/1", Fixtures.USD, Fixtures.EUR, d("1"), d("1")))
        .isInstanceOfSatisfying(DomainViolation.class, v -> assertThat(v.field()).isEqualTo("conversionId"));
  }

  @Test
  void theStrategyIsAnIdentifierDefaultingToDefault() {
    assertThat(PositionKey.of(AAPL, null).strategy()).isEqualTo("default");
    assertThat(Fixtures.buy(AAPL, "1", "1").strategy()).isEqualTo(PositionKey.DEFAULT_STRATEGY);
    assertThatThrownBy(() -> PositionKey.of(AAPL, "long short"))
        .isInstanceOfSatisfying(DomainViolation.class, v -> assertThat(v.field()).isEqualTo("strategy"));
    assertThatThrownBy(() -> PositionKey.of(null, "default")).isInstanceOf(DomainViolation.class);
  }

  @Test
  void idsOrderByTheirText() {
    assertThat(PortfolioId.of("a")).isLessThan(PortfolioId.of("b"));
    assertThat(PositionKey.of(AAPL, "b")).isGreaterThan(PositionKey.of(AAPL, "a"))
        .isLessThan(PositionKey.of(InstrumentId.of("AB"), "a"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"USD", "EUR", "JPY", "XAU", "XBT"})
  void aCurrencyIsThreeUpperCaseLetters(String code) {
    assertThat(CurrencyCode.of(code).value()).isEqualTo(code);
    assertThat(CurrencyCode.of(code)).hasToString(code);
  }

  @ParameterizedTest
  @NullAndEmptySource
  @ValueSource(strings = {"usd", "Usd", "US", "USDX", "U1D", "US ", " USD", "ÜSD", "U-D"})
  void anythingElseIsNotACurrency(String code) {
    assertThatThrownBy(() -> CurrencyCode.of(code))
        .isInstanceOfSatisfying(DomainViolation.class, v -> assertThat(v.field()).isEqualTo("currency"));
  }

  @Test
  void everyCharacterOtherThanAToZIsRefusedInEveryPlaceAsThePatternDid() {
    Pattern pattern = Pattern.compile("[A-Z]{3}");
    for (int place = 0; place < 3; place++) {
      for (char c = 0; c < Character.MAX_VALUE; c++) {
        char[] letters = {'U', 'S', 'D'};
        letters[place] = c;
        String code = new String(letters);
        boolean accepted;
        try {
          accepted = CurrencyCode.of(code).value().equals(code);
        } catch (DomainViolation refused) {
          accepted = false;
        }
        assertThat(accepted).as("%s at %d", (int) c, place).isEqualTo(pattern.matcher(code).matches());
      }
    }
  }

  @Test
  void aCodeIsOneInstanceAndTheConstructorChecksAsOfDoes() {
    assertThat(CurrencyCode.of(new String("EUR"))).isSameAs(CurrencyCode.of("EUR"));
    assertThat(CurrencyCode.of("USD")).isSameAs(CurrencyCode.USD);
    assertThat(CurrencyCode.of("ZZZ")).isSameAs(CurrencyCode.of("ZZZ")).isNotSameAs(CurrencyCode.of("AAA"));
    assertThat(new CurrencyCode("EUR")).isEqualTo(CurrencyCode.of("EUR")).isNotSameAs(CurrencyCode.of("EUR"));
    assertThatThrownBy(() -> new CurrencyCode("eur"))
        .isInstanceOfSatisfying(DomainViolation.class, v -> assertThat(v.field()).isEqualTo("currency"));
  }

  @Test
  void currenciesAreValuesOrderedAlphabetically() {
    assertThat(CurrencyCode.of("USD")).isEqualTo(CurrencyCode.USD);
    assertThat(CurrencyCode.of("EUR")).isLessThan(CurrencyCode.USD);
  }
}
