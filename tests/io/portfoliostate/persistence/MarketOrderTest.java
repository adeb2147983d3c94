package io.portfoliostate.persistence;

import static io.portfoliostate.fixtures.TestPool.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.valuation.FxRate;
import io.portfoliostate.domain.valuation.Price;
import io.portfoliostate.fixtures.TestDatabase;
import io.portfoliostate.fixtures.TestPool;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The stored prices and rates read as the daily series read them ({@link MarketRecords#next}),
 * against a real PostgreSQL: in {@code (tx, market_seq)} order over finished transactions only,
 * so a row that draws a smaller {@code market_seq} and commits after a larger one is read after
 * it, never skipped; a correction is read again; writes answer their highest {@code market_seq};
 * each side of the read walks its {@code (tx, market_seq)} index.
 */
class MarketOrderTest {

  private static final Instant T1 = Instant.parse("2026-03-02T10:00:00Z");
  private static final Instant T2 = Instant.parse("2026-03-03T10:00:00Z");

  private static TestPool database;
  private static MarketDataStore store;
  private static MarketRecords records;

  @BeforeAll
  static void open() {
    database = TestPool.migrated("market-order-test");
    store = new MarketDataStore(database.pool());
    records = store.records();
  }

  @AfterAll
  static void close() throws Exception {
    if (database != null) {
      database.close();
    }
  }

  @Test
  void rowsAreReadInOrderOverFinishedTransactionsAndACorrectionAgain() throws Exception {
    // Past what the other test stored.
    MarketRecords.Batch before = await(records.next(new MarketRecords.Position(0, 0), await(records.horizon()),
        100_000));
    MarketRecords.Position start = before.last() == null ? new MarketRecords.Position(0, 0) : before.last();

    try (Connection open = TestDatabase.connect(database.uri()); Statement statement = open.createStatement()) {
      // A transaction draws its market_seq first and stays open...
      open.setAutoCommit(false);
      long early;
      try (ResultSet row = statement.executeQuery("INSERT INTO prices (instrument_id, at, price, currency, "
          + "recorded_at) VALUES ('MO-A', '2026-03-02T16:00:00Z', 10, 'USD', now()) RETURNING market_seq")) {
        row.next();
        early = row.getLong(1);
      }
      // ...while a later one draws a larger one and commits.
      MarketDataStore.Stored late = await(store.write(List.of(), List.of(price("MO-B", "20", T2)),
          List.of(new FxRate(CurrencyCode.of("EUR"), CurrencyCode.USD, new BigDecimal("1.1"), T1)), T2));
      assertThat(late.marketSeq()).isEqualTo(early + 2);

      // The open transaction holds the horizon back: nothing after it is read, so nothing can
      // slip behind the cursor when it commits.
      MarketRecords.Batch held = await(records.next(start, await(records.horizon()), 1000));
      assertThat(held.rows()).isZero();
      assertThat(held.last()).isNull();
      open.commit();
    }

    MarketRecords.Batch all = await(records.next(start, settledHorizon(), 1000));
    assertThat(all.rows()).isEqualTo(3);
    assertThat(all.highestSeq()).isEqualTo(await(records.barrier()).drawn());
    assertThat(all.instruments()).containsExactlyInAnyOrderEntriesOf(Map.of(
        "MO-A", Instant.parse("2026-03-02T16:00:00Z"), "MO-B", T2));
    assertThat(all.currencies()).containsExactlyInAnyOrderEntriesOf(Map.of("EUR", T1, "USD", T1));
    // The batch's last row is the late write's (a larger transaction id), not the early row.
    assertThat(all.last().marketSeq()).isEqualTo(all.highestSeq());

    // Read with a limit of one: the early row (its transaction began first) comes first.
    MarketRecords.Batch first = await(records.next(start, settledHorizon(), 1));
    assertThat(first.instruments()).containsOnlyKeys("MO-A");
    assertThat(first.last().marketSeq()).isEqualTo(all.highestSeq() - 2);

    // Nothing more after the cursor; a correction is drawn again and read again.
    assertThat(await(records.next(all.last(), settledHorizon(), 1000)).rows()).isZero();
    MarketDataStore.Stored corrected = await(store.write(List.of(), List.of(price("MO-B", "21", T2)), List.of(), T2));
    assertThat(corrected.marketSeq()).isGreaterThan(all.highestSeq());
    MarketRecords.Batch again = await(records.next(all.last(), settledHorizon(), 1000));
    assertThat(again.rows()).isEqualTo(1);
    assertThat(again.instruments()).containsOnlyKeys("MO-B");
    assertThat(again.highestSeq()).isEqualTo(corrected.marketSeq());

    // A write of instruments alone draws nothing.
    assertThat(await(store.write(List.of(), List.of(), List.of(), T2)).marketSeq()).isZero();
  }

  @Test
  void eachSideOfTheReadWalksItsIndex() throws Exception {
    try (Connection connection = TestDatabase.connect(database.uri()); Statement statement = connection.createStatement()) {
      statement.execute("INSERT INTO prices (instrument_id, at, price, currency, recorded_at) "
          + "SELECT 'MOI-' || (n % 10), timestamptz '2021-01-01' + n * interval '1 minute', 100, 'USD', now() "
          + "FROM generate_series(1, 20000) AS n");
      statement.execute("INSERT INTO fx_rates (base, quote, at, rate, recorded_at) "
          + "SELECT 'NOK', 'USD', timestamptz '2021-01-01' + n * interval '1 minute', 0.1, now() "
          + "FROM generate_series(1, 20000) AS n");
      statement.execute("ANALYZE prices");
      statement.execute("ANALYZE fx_rates");
      String sql = MarketRecords.NEXT.replace("$1", "'1'").replace("$2", "0").replace("$3", "'100000000'")
          .replace("$4", "100");
      StringBuilder plan = new StringBuilder();
      try (ResultSet rows = statement.executeQuery("EXPLAIN " + sql)) {
        while (rows.next()) {
          plan.append(rows.getString(1)).append('\n');
        }
      }
      assertThat(plan.toString()).contains("prices_stream").contains("fx_rates_stream")
          .doesNotContain("Seq Scan on prices").doesNotContain("Seq Scan on fx_rates");
    }
  }

  /**
   * A horizon past every transaction begun so far. The server is shared with the other test
   * classes, and the horizon is the oldest transaction still open on any of its databases: one of
   * theirs, still finishing, held it below this test's own writes, and a read found nothing (a
   * failure of the full suite). So this waits, at most 10 s, for those begun before it to finish.
   */
  private static long settledHorizon() throws Exception {
    long begun;
    try (Connection connection = TestDatabase.connect(database.uri()); Statement statement = connection.createStatement();
        ResultSet row = statement.executeQuery("SELECT pg_snapshot_xmax(pg_current_snapshot())::text")) {
      row.next();
      begun = Long.parseLong(row.getString(1));
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    long horizon;
    while ((horizon = await(records.horizon())) < begun) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("a transaction of the shared server stayed open for 10 s: horizon " + horizon
            + ", transactions begun before " + begun);
      }
      Thread.sleep(20);
    }
    return horizon;
  }

  private static Price price(String instrument, String price, Instant at) {
    return new Price(InstrumentId.of(instrument), new BigDecimal(price), CurrencyCode.USD, at);
  }
}
