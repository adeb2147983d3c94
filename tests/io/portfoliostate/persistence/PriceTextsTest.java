package io.portfoliostate.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.performance.PriceHistory;
import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The price statement's text ({@code micros price currency,...}) read into a series of digits and
 * scales: every price is exactly the decimal PostgreSQL printed, value and scale, also those whose
 * digits are not a long.
 */
class PriceTextsTest {

  private static final InstrumentId PX = InstrumentId.of("PX");

  @Test
  void everyPriceIsTheDecimalPrinted() {
    List<String> printed = List.of("123.45", "0.5", "100", "7.10", "0.000001", "99999999.9999999999",
        "1234567890.123456789", "0.0000000000000000001", "1.000000000000000000000000000001");
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < printed.size(); i++) {
      text.append(i == 0 ? "" : ",").append(1_700_000_000_000_000L + i).append(' ').append(printed.get(i))
          .append(i == 3 ? " EUR" : " USD");
    }

    PriceHistory.Series series = PerformanceHistory.PriceTexts.parse(PX, text.toString());

    assertThat(series.size()).isEqualTo(printed.size());
    for (int i = 0; i < printed.size(); i++) {
      BigDecimal expected = new BigDecimal(printed.get(i));
      // equals: the same value AND scale (7.10 is not 7.1).
      assertThat(series.decimal(i)).as(printed.get(i)).isEqualTo(expected);
      assertThat(series.micros(i)).isEqualTo(1_700_000_000_000_000L + i);
    }
    assertThat(series.unscaled(0)).isEqualTo(12345L);
    assertThat(series.scale(0)).isEqualTo((byte) 2);
    assertThat(series.scale(3)).isEqualTo((byte) 2);
    // 19 digits, and a scale of 19: kept as decimals.
    assertThat(series.wide(6)).isEqualTo(new BigDecimal("1234567890.123456789"));
    assertThat(series.wide(7)).isEqualTo(new BigDecimal("0.0000000000000000001"));
    assertThat(series.wide(0)).isNull();
    assertThat(series.currency(3)).isEqualTo(CurrencyCode.of("EUR"));
    assertThat(series.currencies()).containsExactlyInAnyOrder(CurrencyCode.of("USD"), CurrencyCode.of("EUR"));
  }

  @Test
  void plainDigitsReadsOnlyPlainDecimals() {
    assertThat(PerformanceHistory.PriceTexts.plainDigits("x12.5y", 1, 5)).isEqualTo(125L);
    assertThat(PerformanceHistory.PriceTexts.plainDigits("-1.5", 0, 4)).isEqualTo(Long.MIN_VALUE);
    assertThat(PerformanceHistory.PriceTexts.plainDigits("1e5", 0, 3)).isEqualTo(Long.MIN_VALUE);
    assertThat(PerformanceHistory.PriceTexts.plainDigits("12.", 0, 3)).isEqualTo(Long.MIN_VALUE);
    assertThat(PerformanceHistory.PriceTexts.plainDigits("1.2.3", 0, 5)).isEqualTo(Long.MIN_VALUE);
    assertThat(PerformanceHistory.PriceTexts.plainDigits("123456789012345678", 0, 18)).isEqualTo(123456789012345678L);
    assertThat(PerformanceHistory.PriceTexts.plainDigits("1234567890123456789", 0, 19)).isEqualTo(Long.MIN_VALUE);
  }
}
