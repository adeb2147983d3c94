package io.portfoliostate.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.RunningNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code GET /api/v1/portfolios/{id}/performance} through the REST API of a real node and
 * PostgreSQL, on books built by hand in the week of Monday 1 January 2024 (five weekday points,
 * Monday to Friday): every NAV exact, every ratio to 1e-9 of the figure worked out in the
 * comment. Trades, flows and prices carry their business and observation times, so each day's
 * state and prices are the ones the test says.
 */
class PerformanceApiTest {

  @RegisterExtension
  static final RunningNode NODE = new RunningNode();

  private static final double EXACT = 1e-9;
  private static final String WEEK = "?from=2024-01-01&to=2024-01-07";

  /**
   * No flow after the start: 10,000 deposited and 100 PX-1 bought at 100 on Monday; closes 100,
   * 110, 99, (none: 99 stays), 108.9. NAVs 10,000, 11,000, 9,900, 9,900, 10,890; daily returns
   * 0.1, −0.1, 0, 0.1; TWR 1.1 · 0.9 · 1 · 1.1 − 1 = 0.089; drawdown 0.99 / 1.1 − 1 = −0.1.
   * VaR: sorted −0.1, 0, 0.1, 0.1, position 3 · 0.05 = 0.15, −0.1 + 0.15 · 0.1 = −0.085, so
   * 0.085 × 10,890 = 925.65. The benchmark PB-1 moves a fifth as much (100, 102, 99.96, 99.96,
   * 101.9592): beta 5. Benchmark and risk-free rate come from the portfolio's settings.
   */
  @Test
  void aWeekWithoutFlows() {
    instrument("PX-1", "USD", "Technology");
    instrument("PB-1", "USD", "Index");
    String id = api().createPortfolio(new JsonObject().put("id", "pf-none").put("name", "No flows")
        .put("baseCurrency", "USD").put("benchmarkInstrumentId", "PB-1").put("riskFreeRate", "0.02"));
    flow(id, "d-1", "DEPOSIT", "USD", "10000", "2024-01-01T09:00:00Z");
    api().tradeAt(id, "t-1", "PX-1", "BUY", "100", "100", "2024-01-01T10:00:00Z");
    api().closes("PX-1", "2024-01-01", "100", "2024-01-02", "110", "2024-01-03", "99", "2024-01-05", "108.9");
    api().closes("PB-1", "2024-01-01", "100", "2024-01-02", "102", "2024-01-03", "99.96", "2024-01-05", "101.9592");

    JsonObject perf = performance(id, WEEK);
    assertThat(perf.getString("from")).isEqualTo("2024-01-01");
    assertThat(perf.getString("to")).isEqualTo("2024-01-07");
    assertThat(perf.getString("baseCurrency")).isEqualTo("USD");
    assertThat(navs(perf)).containsExactly("10000", "11000", "9900", "9900", "10890");
    assertThat(column(perf, "netFlow")).containsExactly("10000", "0", "0", "0", "0");
    assertThat(column(perf, "income")).containsExactly("0", "0", "0", "0", "0");
    assertThat(dates(perf)).containsExactly("2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05");
    JsonArray series = perf.getJsonArray("series");
    assertThat(series.getJsonObject(0).getValue("dailyReturn")).isNull();
    assertThat(series.getJsonObject(0).getDouble("cumulativeReturn")).isEqualTo(0.0);
    double[] returns = {0.1, -0.1, 0, 0.1};
    for (int i = 0; i < returns.length; i++) {
      assertThat(series.getJsonObject(i + 1).getDouble("dailyReturn")).isCloseTo(returns[i], within(EXACT));
    }
    assertThat(series.getJsonObject(2).getDouble("cumulativeReturn")).isCloseTo(-0.01, within(EXACT));
    assertThat(perf.getDouble("twr")).isCloseTo(0.089, within(EXACT));
    double volatility = Math.sqrt(0.0275 / 3) * Math.sqrt(252);
    assertThat(perf.getDouble("volatility")).isCloseTo(volatility, within(EXACT));
    assertThat(perf.getDouble("sharpe")).isCloseTo((0.025 * 252 - 0.02) / volatility, within(EXACT));
    assertThat(perf.getDouble("riskFree")).isEqualTo(0.02);
    assertThat(perf.getDouble("maxDrawdown")).isCloseTo(-0.1, within(EXACT));
    assertThat(new BigDecimal(perf.getString("var95"))).isCloseTo(new BigDecimal("925.65"),
        within(new BigDecimal("1e-9")));
    assertThat(perf.getString("benchmark")).isEqualTo("PB-1");
    assertThat(perf.getDouble("beta")).isCloseTo(5.0, within(EXACT));
    assertThat(perf.getDouble("benchmarkReturn")).isCloseTo(0.019592, within(EXACT));
    // −10,000 on Monday, +10,890 on Friday, four days later.
    assertThat(perf.getDouble("mwr")).isCloseTo(Math.pow(1.089, 365 / 4.0) - 1, within(EXACT * 2400));
    assertThat(perf.getBoolean("complete")).isTrue();
    assertThat(perf.getJsonArray("unvalued")).isEmpty();
    // The whole book is PX-1 from Monday's close on: weight 1 every day, so it contributes the
    // sum of the daily returns, and its own return is the TWR.
    assertThat(perf.getString("groupBy")).isEqualTo("instrument");
    JsonObject line = perf.getJsonArray("contributions").getJsonObject(0);
    assertThat(line.getString("key")).isEqualTo("PX-1");
    assertThat(line.getDouble("contribution")).isCloseTo(0.1, within(EXACT));
    assertThat(line.getDouble("return")).isCloseTo(0.089, within(EXACT));

    // A risk-free rate in the query overrides the settings; sector groups.
    JsonObject bySector = performance(id, WEEK + "&riskFree=0&groupBy=sector");
    assertThat(bySector.getDouble("sharpe")).isCloseTo(0.025 * 252 / volatility, within(EXACT));
    assertThat(bySector.getString("groupBy")).isEqualTo("sector");
    assertThat(bySector.getJsonArray("contributions").getJsonObject(0).getString("key")).isEqualTo("Technology");
  }

  /**
   * Flows mid-period, each at the start of its day. 1,000 deposited and 10 PF-1 bought at 100 on
   * Monday; 1,000 more on Tuesday; 500 withdrawn on Thursday, 100 on Saturday (Monday's
   * sub-period). Closes 100, 110, 121, 121, 110, (Monday 8th) 110.
   * <pre>
   *   Mon 1,000                     Tue 1,100 + 1,000 = 2,100  r = 2,100 / (1,000 + 1,000) − 1 = 0.05
   *   Wed 1,210 + 1,000 = 2,210     r = 2,210 / 2,100 − 1
   *   Thu 1,210 + 500 = 1,710       r = 1,710 / (2,210 − 500) − 1 = 0
   *   Fri 1,100 + 500 = 1,600       r = 1,600 / 1,710 − 1
   *   Mon 1,100 + 400 = 1,500       r = 1,500 / (1,600 − 100) − 1 = 0
   * </pre>
   * MWR: the rate at which −1,000 (1 Jan), −1,000 (2 Jan), +500 (4 Jan), +100 (6 Jan) and +1,500
   * (8 Jan) are worth nothing today.
   */
  @Test
  void depositsAndWithdrawalsMidPeriod() {
    instrument("PF-1", "USD", "Technology");
    String id = api().createPortfolio("pf-flows");
    flow(id, "d-1", "DEPOSIT", "USD", "1000", "2024-01-01T09:00:00Z");
    api().tradeAt(id, "t-1", "PF-1", "BUY", "10", "100", "2024-01-01T10:00:00Z");
    flow(id, "d-2", "DEPOSIT", "USD", "1000", "2024-01-02T09:00:00Z");
    flow(id, "w-1", "WITHDRAWAL", "USD", "500", "2024-01-04T09:00:00Z");
    flow(id, "w-2", "WITHDRAWAL", "USD", "100", "2024-01-06T09:00:00Z");
    api().closes("PF-1", "2024-01-01", "100", "2024-01-02", "110", "2024-01-03", "121", "2024-01-05", "110");

    JsonObject perf = performance(id, "?from=2024-01-01&to=2024-01-08");
    assertThat(navs(perf)).containsExactly("1000", "2100", "2210", "1710", "1600", "1500");
    assertThat(column(perf, "netFlow")).containsExactly("1000", "1000", "0", "-500", "0", "-100");
    double[] returns = {0.05, 2210.0 / 2100 - 1, 0, 1600.0 / 1710 - 1, 0};
    JsonArray series = perf.getJsonArray("series");
    double twr = 1;
    for (int i = 0; i < returns.length; i++) {
      assertThat(series.getJsonObject(i + 1).getDouble("dailyReturn")).isCloseTo(returns[i], within(EXACT));
      twr *= 1 + returns[i];
    }
    assertThat(perf.getDouble("twr")).isCloseTo(twr - 1, within(EXACT));
    double mwr = perf.getDouble("mwr");
    double npv = -1000 - 1000 / Math.pow(1 + mwr, 1 / 365.0) + 500 / Math.pow(1 + mwr, 3 / 365.0)
        + 100 / Math.pow(1 + mwr, 5 / 365.0) + 1500 / Math.pow(1 + mwr, 7 / 365.0);
    assertThat(npv).isCloseTo(0, within(1e-6));
    // 100 gained on about 2,000 in a week: a large annual rate, as XIRR says of short windows.
    assertThat(mwr).isGreaterThan(20);
  }

  /**
   * A dividend is a return, not a flow: 100 PD-1 at 50 (all of 5,000), a dividend of 1 a share
   * effective Wednesday noon, the price unchanged at 50. NAVs 5,000, 5,000, 5,100, 5,100, 5,100;
   * Wednesday's return 0.02 and its income 100; the line's own return 0.02, its contribution 0.02.
   */
  @Test
  void aDividendIsPartOfTheReturn() {
    instrument("PD-1", "USD", "Energy");
    String id = api().createPortfolio("pf-dividend");
    flow(id, "d-1", "DEPOSIT", "USD", "5000", "2024-01-01T09:00:00Z");
    api().tradeAt(id, "t-1", "PD-1", "BUY", "100", "50", "2024-01-01T10:00:00Z");
    api().closes("PD-1", "2024-01-01", "50");
    action(new JsonObject().put("actionId", "pd-div").put("instrumentId", "PD-1").put("type", "CASH_DIVIDEND")
        .put("amountPerShare", "1").put("effectiveAt", "2024-01-03T12:00:00Z"));
    awaitVersion(id, 4);

    JsonObject perf = performance(id, WEEK);
    assertThat(navs(perf)).containsExactly("5000", "5000", "5100", "5100", "5100");
    assertThat(column(perf, "income")).containsExactly("0", "0", "100", "0", "0");
    assertThat(column(perf, "netFlow")).containsExactly("5000", "0", "0", "0", "0");
    assertThat(perf.getDouble("twr")).isCloseTo(0.02, within(EXACT));
    JsonObject line = perf.getJsonArray("contributions").getJsonObject(0);
    assertThat(line.getDouble("contribution")).isCloseTo(0.02, within(EXACT));
    assertThat(line.getDouble("return")).isCloseTo(0.02, within(EXACT));
  }

  /**
   * A 2:1 split effective Wednesday noon: 100 PS-1 at 10 become 200. Wednesday has no new price
   * (Tuesday's 10 is the latest, observed before the split): it is restated at 5, so Wednesday's
   * NAV is 1,000 and its return 0. Thursday closes 5.5: 1,100, return 0.1. As a benchmark the
   * same instrument returns 5.5 / 5 − 1 = 0.1, and its daily returns are the portfolio's: beta 1.
   */
  @Test
  void aSplitIsNeitherAGainNorALoss() {
    instrument("PS-1", "USD", "Industrials");
    String id = api().createPortfolio("pf-split");
    flow(id, "d-1", "DEPOSIT", "USD", "1000", "2024-01-01T09:00:00Z");
    api().tradeAt(id, "t-1", "PS-1", "BUY", "100", "10", "2024-01-01T10:00:00Z");
    api().closes("PS-1", "2024-01-01", "10", "2024-01-02", "10", "2024-01-04", "5.5");
    action(new JsonObject().put("actionId", "ps-split").put("instrumentId", "PS-1").put("type", "SPLIT")
        .put("ratio", "2:1").put("effectiveAt", "2024-01-03T12:00:00Z"));
    awaitVersion(id, 4);

    JsonObject perf = performance(id, WEEK + "&benchmark=PS-1");
    assertThat(navs(perf)).containsExactly("1000", "1000", "1000", "1100", "1100");
    JsonArray series = perf.getJsonArray("series");
    assertThat(series.getJsonObject(2).getDouble("dailyReturn")).isCloseTo(0, within(EXACT));
    assertThat(series.getJsonObject(3).getDouble("dailyReturn")).isCloseTo(0.1, within(EXACT));
    assertThat(perf.getDouble("twr")).isCloseTo(0.1, within(EXACT));
    assertThat(perf.getDouble("benchmarkReturn")).isCloseTo(0.1, within(EXACT));
    assertThat(perf.getDouble("beta")).isCloseTo(1.0, within(EXACT));
    assertThat(perf.getDouble("maxDrawdown")).isEqualTo(0.0);
  }

  /**
   * A short: 1,000 deposited, 10 PT-1 sold short at 100 (cash 2,000, NAV 1,000). Tuesday 90: NAV
   * 1,100, r = 0.1; Wednesday 110: 900, r = 900 / 1,100 − 1. The line's weight is −1 on Monday
   * and −900 / 1,100 on Tuesday; its return is the instrument's (−0.1, then 110 / 90 − 1), so it
   * contributes 0.1 and then −200 / 1,100; its own return over the window is 110 / 100 − 1.
   */
  @Test
  void aShortPosition() {
    instrument("PT-1", "USD", "Technology");
    String id = api().createPortfolio("pf-short");
    flow(id, "d-1", "DEPOSIT", "USD", "1000", "2024-01-01T09:00:00Z");
    api().tradeAt(id, "t-1", "PT-1", "SELL", "10", "100", "2024-01-01T10:00:00Z");
    api().closes("PT-1", "2024-01-01", "100", "2024-01-02", "90", "2024-01-03", "110");

    JsonObject perf = performance(id, "?from=2024-01-01&to=2024-01-03");
    assertThat(navs(perf)).containsExactly("1000", "1100", "900");
    assertThat(perf.getDouble("twr")).isCloseTo(900.0 / 1000 - 1, within(EXACT));
    JsonObject line = perf.getJsonArray("contributions").getJsonObject(0);
    assertThat(line.getDouble("contribution")).isCloseTo(0.1 - 200.0 / 1100, within(EXACT));
    assertThat(line.getDouble("return")).isCloseTo(0.1, within(EXACT));
    assertThat(perf.getDouble("maxDrawdown")).isCloseTo(900.0 / 1100 - 1, within(EXACT));
  }

  /**
   * Two currencies and a moving rate, base USD: 1,000 EUR deposited Monday, 5 PE-1 (a EUR
   * instrument) bought at 100 EUR; EUR/USD 1.10 Monday, 1.20 Tuesday; 100 EUR more deposited on
   * Tuesday. Monday (500 + 500) EUR × 1.1 = 1,100 USD, its flow 1,100; Tuesday (600 + 550) × 1.2
   * = 1,380, its flow 100 × 1.2 = 120, r = 1,380 / (1,100 + 120) − 1.
   */
  @Test
  void twoCurrenciesWithAMovingRate() {
    instrument("PE-1", "EUR", "Financials");
    String id = api().createPortfolio("pf-fx");
    api().postRates(Api.rate("EUR", "USD", "1.10", "2024-01-01T17:00:00Z"), Api.rate("EUR", "USD", "1.20",
        "2024-01-02T17:00:00Z"));
    flow(id, "d-1", "DEPOSIT", "EUR", "1000", "2024-01-01T09:00:00Z");
    api().tradeAt(id, "t-1", "PE-1", "BUY", "5", "100", "2024-01-01T10:00:00Z");
    flow(id, "d-2", "DEPOSIT", "EUR", "100", "2024-01-02T09:00:00Z");
    api().closes("PE-1", "2024-01-01", "100", "2024-01-02", "110");

    JsonObject perf = performance(id, "?from=2024-01-01&to=2024-01-02");
    assertThat(navs(perf)).containsExactly("1100", "1380");
    assertThat(column(perf, "netFlow")).containsExactly("1100", "120");
    assertThat(perf.getDouble("twr")).isCloseTo(1380.0 / 1220 - 1, within(EXACT));
    assertThat(perf.getString("baseCurrency")).isEqualTo("USD");
    assertThat(perf.getBoolean("complete")).isTrue();
  }

  /**
   * A price missing on Monday (PM-1's first is Tuesday's): Monday's NAV is the cash alone, the
   * window is incomplete and names the line, like a valuation.
   */
  @Test
  void aMissingPriceMakesTheSeriesIncomplete() {
    instrument("PM-1", "USD", "Technology");
    String id = api().createPortfolio("pf-missing");
    flow(id, "d-1", "DEPOSIT", "USD", "1000", "2024-01-01T09:00:00Z");
    api().tradeAt(id, "t-1", "PM-1", "BUY", "5", "100", "2024-01-01T10:00:00Z");
    api().closes("PM-1", "2024-01-02", "100");

    JsonObject perf = performance(id, "?from=2024-01-01&to=2024-01-02");
    assertThat(navs(perf)).containsExactly("500", "1000");
    assertThat(perf.getBoolean("complete")).isFalse();
    assertThat(perf.getJsonArray("unvalued")).containsExactly("PM-1");
  }

  /**
   * A trade recorded late with an execution time in the past restates the NAVs from its
   * execution on: 10 PL-1 bought at 100 on Monday (cash 0, NAV 1,000 every day at a flat 100,
   * then 110 from Wednesday); a second buy of 10 at 100 executed Tuesday but recorded after the
   * first read, financed by a deposit on Tuesday. Before: 1,000, 1,000, 1,100. After: Tuesday
   * 2,000 (flow 1,000), Wednesday 2,200; Wednesday's return stays 0.1. Once the late trade is
   * cancelled (the timeline's cancel): 1,000, 2,000 (the deposit as cash), 2,100.
   */
  @Test
  void aBackDatedTradeChangesPastNavs() {
    instrument("PL-1", "USD", "Technology");
    String id = api().createPortfolio("pf-late");
    flow(id, "d-1", "DEPOSIT", "USD", "1000", "2024-01-01T09:00:00Z");
    api().tradeAt(id, "t-1", "PL-1", "BUY", "10", "100", "2024-01-01T10:00:00Z");
    api().closes("PL-1", "2024-01-01", "100", "2024-01-03", "110");
    assertThat(navs(performance(id, "?from=2024-01-01&to=2024-01-03"))).containsExactly("1000", "1000", "1100");

    flow(id, "d-2", "DEPOSIT", "USD", "1000", "2024-01-02T09:00:00Z");
    api().tradeAt(id, "t-2", "PL-1", "BUY", "10", "100", "2024-01-02T10:00:00Z");
    JsonObject after = performance(id, "?from=2024-01-01&to=2024-01-03");
    assertThat(navs(after)).containsExactly("1000", "2000", "2200");
    assertThat(column(after, "netFlow")).containsExactly("1000", "1000", "0");
    assertThat(after.getJsonArray("series").getJsonObject(2).getDouble("dailyReturn")).isCloseTo(0.1, within(EXACT));

    // Cancelling the late trade restates them again: Tuesday's 1,000 deposited stays as cash.
    Api.Response cancelled = api().post("/api/v1/portfolios/" + id + "/trades/t-2:cancel",
        new JsonObject().put("reason", "booked in error"));
    assertThat(cancelled.status()).as(cancelled.body()).isEqualTo(200);
    JsonObject restated = performance(id, "?from=2024-01-01&to=2024-01-03");
    assertThat(navs(restated)).containsExactly("1000", "2000", "2100");
    assertThat(restated.getJsonArray("series").getJsonObject(2).getDouble("dailyReturn"))
        .isCloseTo(100.0 / 2000, within(EXACT));
  }

  /**
   * Excel's documented XIRR example through the API: 10,000 in on 1 January 2008 (all of it in
   * 100 PX-X at 100), withdrawals of 2,750 (1 March 2008, a Saturday), 4,250 (30 October) and
   * 3,250 (15 February 2009, a Sunday), and a value of 2,750 on 1 April 2009 (PX-X at 130: 13,000
   * − 10,250 of overdrawn cash). Excel answers 0.373362535; our MWR dates each flow by its own
   * day, as XIRR does, so the weekend dates stay as published. Excel's Newton iteration stops
   * within 0.000001 % (1e-8) of the root; ours bisects to the root itself, 0.3733625335188…,
   * 1.5e-9 from Excel's printed figure: compared within Excel's own tolerance.
   */
  @Test
  void excelsXirrExampleThroughTheApi() {
    instrument("PX-X", "USD", "Technology");
    String id = api().createPortfolio("pf-xirr");
    flow(id, "d-1", "DEPOSIT", "USD", "10000", "2008-01-01T09:00:00Z");
    api().tradeAt(id, "t-1", "PX-X", "BUY", "100", "100", "2008-01-01T10:00:00Z");
    flow(id, "w-1", "WITHDRAWAL", "USD", "2750", "2008-03-01T09:00:00Z");
    flow(id, "w-2", "WITHDRAWAL", "USD", "4250", "2008-10-30T09:00:00Z");
    flow(id, "w-3", "WITHDRAWAL", "USD", "3250", "2009-02-15T09:00:00Z");
    api().closes("PX-X", "2008-01-01", "100", "2009-04-01", "130");

    JsonObject perf = performance(id, "?from=2008-01-01&to=2009-04-01");
    JsonArray series = perf.getJsonArray("series");
    assertThat(series.getJsonObject(series.size() - 1).getString("nav")).isEqualTo("2750");
    assertThat(perf.getDouble("mwr")).isCloseTo(0.373362535, within(1e-8));
    assertThat(perf.getDouble("mwr")).isCloseTo(0.37336253351883164, within(EXACT));
  }

  /**
   * empyrical's fixtures (quantopian/empyrical, empyrical/tests/test_stats.py) through the API:
   * its mixed_returns (1 %, 10 %, −4 %, 2 %, 3 %, 2 %, 1 %, −10 %, after a NaN that is our start
   * value) as the closes of the one instrument held, from 100; its negative_returns[1:] as the
   * benchmark's. Its figures: max_drawdown −0.1, annual_volatility 0.9136465399704637,
   * sharpe_ratio 1.7238613961706866 (its risk-free rate is daily and subtracted from each return;
   * with 0 the two definitions agree), beta −0.71296296296296313. Nine weekdays from Monday 1 Jan.
   */
  @Test
  void empyricalsFixturesThroughTheApi() {
    instrument("PE-M", "USD", "Technology");
    instrument("PE-N", "USD", "Index");
    String id = api().createPortfolio("pf-empyrical");
    flow(id, "d-1", "DEPOSIT", "USD", "100", "2024-01-01T09:00:00Z");
    api().tradeAt(id, "t-1", "PE-M", "BUY", "1", "100", "2024-01-01T10:00:00Z");
    double[] mixed = {1, 10, -4, 2, 3, 2, 1, -10};
    double[] negative = {-6, -7, -1, -9, -2, -6, -8, -5};
    String[] days = {"2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05", "2024-01-08",
        "2024-01-09", "2024-01-10", "2024-01-11"};
    BigDecimal close = new BigDecimal("100");
    BigDecimal bench = new BigDecimal("100");
    List<String> closes = new ArrayList<>(List.of(days[0], "100"));
    List<String> benches = new ArrayList<>(List.of(days[0], "100"));
    for (int i = 0; i < mixed.length; i++) {
      close = close.multiply(BigDecimal.ONE.add(BigDecimal.valueOf(mixed[i]).movePointLeft(2)));
      bench = bench.multiply(BigDecimal.ONE.add(BigDecimal.valueOf(negative[i]).movePointLeft(2)));
      closes.addAll(List.of(days[i + 1], close.toPlainString()));
      benches.addAll(List.of(days[i + 1], bench.toPlainString()));
    }
    api().closes("PE-M", closes.toArray(new String[0]));
    api().closes("PE-N", benches.toArray(new String[0]));

    JsonObject perf = performance(id, "?from=2024-01-01&to=2024-01-11&benchmark=PE-N&riskFree=0");
    assertThat(perf.getJsonArray("series")).hasSize(9);
    assertThat(perf.getDouble("maxDrawdown")).isCloseTo(-0.1, within(EXACT));
    assertThat(perf.getDouble("volatility")).isCloseTo(0.9136465399704637, within(EXACT));
    assertThat(perf.getDouble("sharpe")).isCloseTo(1.7238613961706866, within(EXACT));
    assertThat(perf.getDouble("beta")).isCloseTo(-0.71296296296296313, within(EXACT));
    // empyrical cum_returns_final(mixed_returns) = 0.03893 (to 4 places).
    assertThat(perf.getDouble("twr")).isCloseTo(0.03893, within(5e-6));
  }

  /** Every bad input the issue lists is a 400 problem naming the parameter, and changes nothing. */
  @Test
  void badInputIsRefused() {
    String id = api().createPortfolio("pf-bad");
    String path = "/api/v1/portfolios/" + id + "/performance";
    bad(path + "?from=2024-02-01&to=2024-01-01", "from");
    bad(path + "?from=2024-13-01", "from");
    bad(path + "?to=yesterday", "to");
    bad(path + "?from=1990-01-01&to=2024-01-01", "from");
    bad(path + "?benchmark=NO-SUCH-INSTRUMENT", "benchmark");
    bad(path + "?benchmark=bad%20id", "benchmark");
    bad(path + "?riskFree=NaN", "riskFree");
    bad(path + "?riskFree=Infinity", "riskFree");
    bad(path + "?riskFree=1e999", "riskFree");
    bad(path + "?period=5Y", "period");
    bad(path + "?period=YTD&from=2024-01-01", "period");
    bad(path + "?groupBy=industry", "groupBy");
    Api.Response missing = api().get("/api/v1/portfolios/pf-no-such/performance");
    assertThat(missing.status()).isEqualTo(404);
    assertThat(missing.contentType()).startsWith("application/problem+json");
    // 30 years exactly is allowed.
    assertThat(api().get(path + "?from=1994-01-01&to=2024-01-01").status()).isEqualTo(200);
    assertThat(api().get("/api/v1/portfolios/" + id).json().getLong("version")).isEqualTo(1);
  }

  /** A period ends today by default; MTD starts on the last day of the previous month. */
  @Test
  void periodsEndTodayAndStartTheDayBefore() {
    String id = api().createPortfolio("pf-period");
    JsonObject mtd = performance(id, "?period=MTD&to=2024-03-15");
    assertThat(mtd.getString("from")).isEqualTo("2024-02-29");
    assertThat(performance(id, "?period=QTD&to=2024-05-15").getString("from")).isEqualTo("2024-03-31");
    assertThat(performance(id, "?period=YTD&to=2024-05-15").getString("from")).isEqualTo("2023-12-31");
    assertThat(performance(id, "?period=1Y&to=2024-05-15").getString("from")).isEqualTo("2023-05-15");
    assertThat(performance(id, "?period=3Y&to=2024-05-15").getString("from")).isEqualTo("2021-05-15");
    // Before the portfolio existed its NAV is 0: no return exists, so TWR is null, never NaN.
    assertThat(mtd.getValue("twr")).isNull();
    assertThat(mtd.getValue("volatility")).isNull();
  }

  private static void bad(String path, String field) {
    Api.Response response = api().get(path);
    assertThat(response.status()).as(path + ": " + response.body()).isEqualTo(400);
    assertThat(response.contentType()).startsWith("application/problem+json");
    assertThat(response.json().getJsonArray("errors").getJsonObject(0).getString("field")).as(path).isEqualTo(field);
  }

  private static JsonObject performance(String id, String query) {
    Api.Response response = api().get("/api/v1/portfolios/" + id + "/performance" + query);
    assertThat(response.status()).as(response.body()).isEqualTo(200);
    return response.json();
  }

  private static List<String> navs(JsonObject perf) {
    return column(perf, "nav");
  }

  private static List<String> dates(JsonObject perf) {
    return column(perf, "date");
  }

  private static List<String> column(JsonObject perf, String name) {
    List<String> values = new ArrayList<>();
    perf.getJsonArray("series").forEach(point -> values.add(((JsonObject) point).getString(name)));
    return values;
  }

  private static void instrument(String id, String currency, String sector) {
    api().putInstrument(id, new JsonObject().put("currency", currency).put("sector", sector));
  }

  private static void flow(String portfolio, String flowId, String type, String currency, String amount,
      String occurredAt) {
    Api.Response response = api().post("/api/v1/portfolios/" + portfolio + "/cash-flows", new JsonObject()
        .put("flowId", flowId).put("type", type).put("currency", currency).put("amount", amount)
        .put("occurredAt", occurredAt));
    assertThat(response.status()).as(response.body()).isEqualTo(201);
  }

  private static void action(JsonObject action) {
    Api.Response response = api().post("/api/v1/corporate-actions", action);
    assertThat(response.status()).as(response.body()).isEqualTo(201);
  }

  private static void awaitVersion(String id, long version) {
    try {
      api().awaitVersion(id, version, java.time.Duration.ofSeconds(15));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static Api api() {
    return NODE.api();
  }
}
