package io.portfoliostate.domain.performance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The money-weighted rate on published XIRR examples and on cases with no rate at all. */
class XirrTest {

  private static Xirr.Flow flow(String date, double amount) {
    return new Xirr.Flow(LocalDate.parse(date), amount);
  }

  /**
   * The example of Excel's XIRR documentation (LibreOffice's XIRR counts days/365 alike):
   * 0.373362535. Excel's Newton iteration stops within 0.000001 % (1e-8) of the root, and the
   * printed figure is 1.5e-9 from the root itself, which bisection finds: compared within
   * Excel's tolerance, and the root checked by its NPV.
   */
  @Test
  void excelsDocumentedExample() {
    List<Xirr.Flow> flows = List.of(flow("2008-01-01", -10_000), flow("2008-03-01", 2_750),
        flow("2008-10-30", 4_250), flow("2009-02-15", 3_250), flow("2009-04-01", 2_750));
    double rate = Xirr.rate(flows);
    assertThat(rate).isCloseTo(0.373362535, within(1e-8));
    double[] years = {0, 60 / 365.0, 303 / 365.0, 411 / 365.0, 456 / 365.0};
    double[] amounts = {-10_000, 2_750, 4_250, 3_250, 2_750};
    assertThat(Xirr.npv(years, amounts, rate)).isCloseTo(0, within(1e-9));
  }

  @Test
  void oneYearDoublingIsOneHundredPercent() {
    // 365 days: (1 + r)^1 = 2.
    assertThat(Xirr.rate(List.of(flow("2021-01-01", -100), flow("2022-01-01", 200)))).isCloseTo(1.0, within(1e-12));
  }

  @Test
  void aLossOfNearlyEverythingIsFoundBelowZero() {
    // 365 days: 1 + r = 0.01.
    assertThat(Xirr.rate(List.of(flow("2021-01-01", -100), flow("2022-01-01", 1)))).isCloseTo(-0.99, within(1e-12));
  }

  @Test
  void noRateWhenAllAmountsHaveOneSign() {
    assertThat(Xirr.rate(List.of(flow("2021-01-01", -100), flow("2022-01-01", -5)))).isNull();
    assertThat(Xirr.rate(List.of(flow("2021-01-01", 0), flow("2022-01-01", 0)))).isNull();
    assertThat(Xirr.rate(List.of())).isNull();
  }

  @Test
  void noRateWhenTheValueNeverCrossesZero() {
    // −100, +250, −160 a year apart each: NPV(x = 1/(1+r)) = −100 + 250x − 160x², whose
    // discriminant 62,500 − 64,000 is negative: no real root.
    assertThat(Xirr.rate(List.of(flow("2020-01-01", -100), flow("2020-12-31", 250), flow("2021-12-31", -160))))
        .isNull();
  }
}
