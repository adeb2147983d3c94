package io.portfoliostate.domain;

import static io.portfoliostate.domain.Fixtures.AAPL;
import static io.portfoliostate.domain.Fixtures.EUR;
import static io.portfoliostate.domain.Fixtures.SAP;
import static io.portfoliostate.domain.Fixtures.T0;
import static io.portfoliostate.domain.Fixtures.USD;
import static io.portfoliostate.domain.Fixtures.buy;
import static io.portfoliostate.domain.Fixtures.convert;
import static io.portfoliostate.domain.Fixtures.create;
import static io.portfoliostate.domain.Fixtures.d;
import static io.portfoliostate.domain.Fixtures.deposit;
import static io.portfoliostate.domain.Fixtures.flow;
import static io.portfoliostate.domain.Fixtures.key;
import static io.portfoliostate.domain.Fixtures.sell;
import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.domain.Fixtures.Book;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * DOMAIN.md: trades and cash movements are recorded even when they drive cash negative or open a
 * short, and those conditions raise alerts. An alert marks the start of the condition, with the
 * figures before and after.
 */
class AlertRulesTest {

  private final Book book = Book.of(create());

  /** Records {@code command} (it must be accepted) and returns the alerts its one event raised. */
  private List<Alert> record(PortfolioCommand command) {
    PortfolioState before = book.state();
    Decision decision = book.submit(command);
    assertThat(decision).isInstanceOf(Decision.Accepted.class);
    List<PortfolioEvent> events = ((Decision.Accepted) decision).events();
    assertThat(events).hasSize(1);
    return AlertRules.raisedBy(before, events.get(0), book.state());
  }

  private static Alert cashNegative(CurrencyCode currency, String balance, String previous) {
    return new Alert.CashNegative(currency, d(balance), d(previous));
  }

  private static Alert shortOpened(InstrumentId instrument, String quantity, String previous) {
    return new Alert.ShortOpened(key(instrument), d(quantity), d(previous));
  }

  @Test
  void theCreationRaisesNothing() {
    PortfolioEvent created = book.events().get(0);
    assertThat(AlertRules.raisedBy(null, created, book.state())).isEmpty();
  }

  @Test
  void aBuyWithoutCashDrivesTheBalanceNegativeOnceUntilItRecovers() {
    // 10 × 150 + 1 fee = 1,501 paid from a balance of 0.
    assertThat(record(buy(AAPL, "10", "150", "1"))).containsExactly(cashNegative(USD, "-1501", "0"));
    // Deeper into the negative: the condition is not new.
    assertThat(record(buy(AAPL, "1", "150"))).isEmpty();
    // Deposits back to 3,349 (5,000 − 1,651) raise nothing; then 3,750 paid: negative again.
    assertThat(record(deposit(USD, "2000"))).isEmpty();
    assertThat(record(deposit(USD, "3000"))).isEmpty();
    assertThat(book.cash(USD)).isEqualByComparingTo("3349");
    assertThat(record(buy(AAPL, "25", "150"))).containsExactly(cashNegative(USD, "-401", "3349"));
  }

  @Test
  void aBuyThatCrossesZeroFromAPositiveBalanceRaisesWithThePreviousBalance() {
    record(deposit(USD, "1000"));
    assertThat(record(buy(AAPL, "7", "150", "0.5"))).containsExactly(cashNegative(USD, "-50.5", "1000"));
  }

  @Test
  void aBalanceThatEndsAtExactlyZeroIsNotNegative() {
    record(deposit(USD, "1500"));
    assertThat(record(buy(AAPL, "10", "150"))).isEmpty();
    assertThat(book.cash(USD)).isEqualByComparingTo("0");
    assertThat(record(buy(AAPL, "0.001", "150"))).containsExactly(cashNegative(USD, "-0.150", "0"));
  }

  @Test
  void aWithdrawalAFeeAndAnFxConversionRaiseForTheCurrencyTheyDebit() {
    record(deposit(USD, "100"));
    assertThat(record(flow(CashFlowType.WITHDRAWAL, USD, "130"))).containsExactly(cashNegative(USD, "-30", "100"));
    assertThat(record(flow(CashFlowType.FEE, EUR, "2.5"))).containsExactly(cashNegative(EUR, "-2.5", "0"));
    record(deposit(USD, "1000"));
    // 1,000 USD into EUR at 0.9: USD 970 → −30; EUR −2.5 → 897.5 (no alert for the credit).
    assertThat(record(convert(USD, EUR, "1000", "0.9"))).containsExactly(cashNegative(USD, "-30", "970"));
    assertThat(book.cash(EUR)).isEqualByComparingTo("897.5");
  }

  @Test
  void onlyTheCurrencyThatCrossedRaisesWhenAnotherIsAlreadyNegative() {
    assertThat(record(buy(AAPL, "1", "100"))).containsExactly(cashNegative(USD, "-100", "0"));
    assertThat(record(buy(SAP, "2", "80"))).containsExactly(cashNegative(EUR, "-160", "0"));
    assertThat(record(buy(AAPL, "1", "100"))).isEmpty();
  }

  @Test
  void aSellFromFlatOpensAShort() {
    assertThat(record(sell(AAPL, "5", "150"))).containsExactly(shortOpened(AAPL, "-5", "0"));
    assertThat(book.cash(USD)).isEqualByComparingTo("750");
    // Adding to the short and covering part of it open nothing new.
    assertThat(record(sell(AAPL, "5", "150"))).isEmpty();
    assertThat(record(buy(AAPL, "3", "150"))).isEmpty();
    assertThat(book.position(AAPL).quantity()).isEqualByComparingTo("-7");
  }

  @Test
  void aSellThatFlipsALongOpensAShortWithThePreviousQuantity() {
    record(deposit(USD, "10000"));
    record(buy(AAPL, "10", "150"));
    assertThat(record(sell(AAPL, "25", "160"))).containsExactly(shortOpened(AAPL, "-15", "10"));
  }

  @Test
  void aSellThatClosesALongExactlyOpensNothing() {
    record(deposit(USD, "10000"));
    record(buy(AAPL, "10", "150"));
    assertThat(record(sell(AAPL, "10", "160"))).isEmpty();
    assertThat(book.position(AAPL).isFlat()).isTrue();
    // Covering a short back to flat and going long again opens nothing either.
    assertThat(record(sell(AAPL, "4", "160"))).containsExactly(shortOpened(AAPL, "-4", "0"));
    assertThat(record(buy(AAPL, "9", "150"))).isEmpty();
  }

  @Test
  void aShortSaleWhoseFeesExceedItsProceedsRaisesBothCashFirst() {
    // Proceeds 1 × 0.01 = 0.01, fees 5: cash −4.99, and a new short of −1.
    assertThat(record(sell(AAPL, "1", "0.01", "5")))
        .containsExactly(cashNegative(USD, "-4.99", "0"), shortOpened(AAPL, "-1", "0"));
  }

  @Test
  void aDividendOwedOnAShortCanDriveCashNegative() {
    record(sell(AAPL, "100", "10"));
    record(flow(CashFlowType.WITHDRAWAL, USD, "1000"));
    assertThat(book.cash(USD)).isEqualByComparingTo("0");
    List<Alert> alerts = record(new ApplyCorporateAction(Fixtures.FUND,
        new CashDividend("div-1", AAPL, d("0.25"), T0)));
    assertThat(alerts).containsExactly(cashNegative(USD, "-25.00", "0"));
  }
}
