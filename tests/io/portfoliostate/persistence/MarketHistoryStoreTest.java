package io.portfoliostate.persistence;

import static io.portfoliostate.fixtures.TestPool.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.valuation.FxRate;
import io.portfoliostate.domain.valuation.MarketNeeds.Pair;
import io.portfoliostate.domain.valuation.Price;
import io.portfoliostate.fixtures.TestDatabase;
import io.portfoliostate.fixtures.TestPool;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The history queries of as-of reads against a real PostgreSQL: for each instrument (pair) asked
 * for, the observation latest at or before the time, a correction in place of what it corrected,
 * nothing for what was not asked or not yet observed, and each answered by probing the primary
 * key rather than reading the history.
 */
class MarketHistoryStoreTest {

  private static final CurrencyCode EUR = CurrencyCode.of("EUR");
  private static final CurrencyCode GBP = CurrencyCode.of("GBP");
  private static final CurrencyCode JPY = CurrencyCode.of("JPY");
  private static final CurrencyCode USD = CurrencyCode.USD;
  private static final InstrumentId HX = InstrumentId.of("HX");
  private static final InstrumentId HY = InstrumentId.of("HY.DE");
  private static final InstrumentId HZ = InstrumentId.of("HZ");
  private static final Instant T1 = Instant.parse("2026-03-02T10:00:00Z");
  private static final Instant T2 = Instant.parse("2026-03-02T11:00:00.000001Z");
  private static final Instant T3 = Instant.parse("2026-03-03T10:00:00Z");

  private static TestPool database;
  private static String uri;
  private static MarketDataStore store;

  @BeforeAll
  static void storeTheHistory() throws Exception {
    database = TestPool.migrated("market-history-test");
    uri = database.uri();
    store = new MarketDataStore(database.pool());
    await(store.write(List.of(),
        List.of(price(HX, "100", USD, T1), price(HX, "110", USD, T2), price(HX, "120", USD, T3),
            price(HY, "50", EUR, T2)),
        List.of(rate(EUR, USD, "1.08", T1), rate(EUR, USD, "1.1", T3), rate(USD, EUR, "0.9", T2),
            rate(GBP, USD, "1.25", T2)),
        T3));
    // A second price for HX at T2 corrects the first.
    await(store.write(List.of(), List.of(price(HX, "111", USD, T2)), List.of(), T3));
  }

  @AfterAll
  static void close() throws Exception {
    if (database != null) {
      database.close();
    }
  }

  @Test
  void eachInstrumentsPriceIsTheLatestObservedAtOrBeforeTheTime() throws Exception {
    assertThat(await(store.pricesAt(List.of(HX, HY, HZ), T1))).containsExactly(price(HX, "100", USD, T1));
    assertThat(await(store.pricesAt(List.of(HX, HY, HZ), T2.minusNanos(1000))))
        .as("a microsecond before T2").containsExactly(price(HX, "100", USD, T1));
    assertThat(await(store.pricesAt(List.of(HX, HY, HZ), T2))).as("at T2 exactly, HX's correction")
        .containsExactlyInAnyOrder(price(HX, "111", USD, T2), price(HY, "50", EUR, T2));
    assertThat(await(store.pricesAt(List.of(HX, HY), T3.minusSeconds(1))))
        .containsExactlyInAnyOrder(price(HX, "111", USD, T2), price(HY, "50", EUR, T2));
    assertThat(await(store.pricesAt(List.of(HX, HY), T3.plusSeconds(3600))))
        .containsExactlyInAnyOrder(price(HX, "120", USD, T3), price(HY, "50", EUR, T2));
  }

  @Test
  void onlyTheInstrumentsAskedForAndNothingBeforeTheFirstObservation() throws Exception {
    assertThat(await(store.pricesAt(List.of(HY), T3))).containsExactly(price(HY, "50", EUR, T2));
    assertThat(await(store.pricesAt(List.of(HX, HY), T1.minusNanos(1000)))).isEmpty();
    assertThat(await(store.pricesAt(List.of(), T3))).isEmpty();
  }

  @Test
  void eachPairsRateIsTheLatestQuotedExactlySoAtOrBeforeTheTime() throws Exception {
    Set<Pair> pairs = Set.of(new Pair(EUR, USD), new Pair(USD, EUR), new Pair(GBP, USD), new Pair(USD, GBP),
        new Pair(JPY, USD));
    assertThat(await(store.ratesAt(pairs, T1))).containsExactly(rate(EUR, USD, "1.08", T1));
    assertThat(await(store.ratesAt(pairs, T2))).containsExactlyInAnyOrder(rate(EUR, USD, "1.08", T1),
        rate(USD, EUR, "0.9", T2), rate(GBP, USD, "1.25", T2));
    assertThat(await(store.ratesAt(Set.of(new Pair(EUR, USD)), T3))).containsExactly(rate(EUR, USD, "1.1", T3));
    assertThat(await(store.ratesAt(Set.of(), T3))).isEmpty();
  }

  /**
   * With a long history (20,000 prices of 10 instruments, 2,000 rates of 2 pairs), both queries
   * probe the primary key backwards, once per instrument or pair asked for, and never scan the
   * table: an as-of read costs the same whatever the length of the history.
   */
  @Test
  void theQueriesProbeThePrimaryKeysNotTheHistory() throws Exception {
    try (Connection connection = TestDatabase.connect(uri); Statement statement = connection.createStatement()) {
      statement.execute("INSERT INTO prices (instrument_id, at, price, currency, recorded_at) "
          + "SELECT 'LONG-' || (n % 10), timestamptz '2020-01-01' + n * interval '1 minute', 100 + n % 7, 'USD', now() "
          + "FROM generate_series(1, 20000) AS n");
      statement.execute("INSERT INTO fx_rates (base, quote, at, rate, recorded_at) "
          + "SELECT CASE WHEN n % 2 = 0 THEN 'CHF' ELSE 'SEK' END, 'USD', "
          + "timestamptz '2020-01-01' + n * interval '1 minute', 1 + (n % 5) / 10.0, now() "
          + "FROM generate_series(1, 2000) AS n");
      statement.execute("ANALYZE prices");
      statement.execute("ANALYZE fx_rates");
      String prices = plan(statement, MarketDataStore.PRICES_AT
          .replace("$1", "'{LONG-1,LONG-2,LONG-3}'").replace("$2", "timestamptz '2020-01-05'"));
      String rates = plan(statement, MarketDataStore.RATES_AT
          .replace("$1", "'{CHF,SEK}'").replace("$2", "'{USD,USD}'").replace("$3", "timestamptz '2020-01-01 12:00'"));

      assertThat(prices).contains("Index Scan Backward using prices_pkey").doesNotContain("Seq Scan on prices");
      assertThat(rates).contains("Index Scan Backward using fx_rates_pkey").doesNotContain("Seq Scan on fx_rates");
    }
    // And the answer is the latest at the time: minute 5,760 is 2020-01-05, instrument 5,760 % 10 = 0.
    List<Price> latest = await(store.pricesAt(List.of(InstrumentId.of("LONG-0")), Instant.parse("2020-01-05T00:00:00Z")));
    assertThat(latest).containsExactly(new Price(InstrumentId.of("LONG-0"), new BigDecimal(100 + 5760 % 7), USD,
        Instant.parse("2020-01-05T00:00:00Z")));
  }

  /**
   * V18: every price and rate has a market_seq and the transaction that wrote it; a correction
   * (HX at T2, written in a second transaction) draws both again, above every earlier one.
   */
  @Test
  void aCorrectionIsDrawnANewPlaceInTheMarketOrder() throws Exception {
    try (Connection connection = TestDatabase.connect(uri); Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery("SELECT instrument_id || '@' || to_char(at AT TIME ZONE 'UTC', "
            + "'DD HH24'), market_seq, tx::text::bigint FROM prices WHERE instrument_id IN ('HX', 'HY.DE') "
            + "ORDER BY market_seq")) {
      List<String> order = new java.util.ArrayList<>();
      java.util.Map<String, long[]> drawn = new java.util.HashMap<>();
      while (rows.next()) {
        order.add(rows.getString(1));
        drawn.put(rows.getString(1), new long[] {rows.getLong(2), rows.getLong(3)});
      }
      assertThat(order).containsExactly("HX@02 10", "HX@03 10", "HY.DE@02 11", "HX@02 11");
      assertThat(drawn.get("HX@02 11")[1]).isGreaterThan(drawn.get("HX@02 10")[1]);
      assertThat(drawn.get("HX@03 10")[1]).isEqualTo(drawn.get("HX@02 10")[1]);
    }
  }

  /** What a restarted node reads of the prices recorded while it was down (MarketRecords) is a range of an index. */
  @Test
  void theRecordsSinceAMomentAreReadOnTheirIndex() throws Exception {
    try (Connection connection = TestDatabase.connect(uri); Statement statement = connection.createStatement()) {
      // Recorded in the future, so that rows other tests add (recorded now) stay out of the range.
      statement.execute("INSERT INTO prices (instrument_id, at, price, currency, recorded_at) "
          + "SELECT 'REC-' || (n % 10), timestamptz '2021-01-01' + n * interval '1 minute', 100, 'USD', "
          + "now() + interval '1 day' + n * interval '1 minute' FROM generate_series(1, 20000) AS n");
      statement.execute("INSERT INTO fx_rates (base, quote, at, rate, recorded_at) "
          + "SELECT 'NOK', 'USD', timestamptz '2021-01-01' + n * interval '1 minute', 0.1, "
          + "now() + interval '1 day' + n * interval '1 minute' FROM generate_series(1, 20000) AS n");
      statement.execute("ANALYZE prices");
      statement.execute("ANALYZE fx_rates");
      String since = "now() + interval '1 day' + 19990 * interval '1 minute'";
      assertThat(plan(statement, MarketRecords.PRICES.replace("$1", since))).contains("prices_recorded")
          .doesNotContain("Seq Scan on prices");
      assertThat(plan(statement, MarketRecords.RATES.replace("$1", since))).contains("fx_rates_recorded")
          .doesNotContain("Seq Scan on fx_rates");
    }
  }

  private static String plan(Statement statement, String sql) throws Exception {
    StringBuilder plan = new StringBuilder();
    try (ResultSet rows = statement.executeQuery("EXPLAIN " + sql)) {
      while (rows.next()) {
        plan.append(rows.getString(1)).append('\n');
      }
    }
    return plan.toString();
  }

  private static Price price(InstrumentId instrument, String price, CurrencyCode currency, Instant at) {
    return new Price(instrument, new BigDecimal(price), currency, at);
  }

  private static FxRate rate(CurrencyCode base, CurrencyCode quote, String rate, Instant at) {
    return new FxRate(base, quote, new BigDecimal(rate), at);
  }
}
