package io.portfoliostate.integration.duckdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.portfoliostate.config.Settings;
import io.portfoliostate.config.SettingsLoader;
import io.portfoliostate.market.MarketView;
import io.portfoliostate.persistence.ChangeStreamStore.Change;
import io.portfoliostate.persistence.ChangeStreamStore.Position;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store's folds against a real DuckDB, fed the journal rows a portfolio's life produces (as
 * the feed reads them): positions through a split, cash from every kind of event, the portfolio
 * tree through a move and a parent cleared, and a reopened store resuming at its cursor.
 */
class AnalyticsStoreTest {

  private static final Instant AT = Instant.parse("2026-12-01T10:00:00Z");
  private static final Settings.AnalyticsSettings SETTINGS =
      Settings.from(SettingsLoader.loadJson(Map.of())).analytics();

  @TempDir
  Path folder;

  private long seq;

  private Change change(String portfolio, long version, String type, JsonObject payload) {
    seq += 3; // global_seq has gaps (cached blocks); the store must not care
    return new Change(100 + seq, seq, portfolio, version, type, payload.encode(), AT, null, null);
  }

  private static JsonObject trade(String id, String instrument, String side, String quantity, String price,
      String fees, String currency) {
    return new JsonObject().put("tradeId", id).put("instrumentId", instrument).put("strategy", "default")
        .put("side", side).put("quantity", quantity).put("price", price).put("currency", currency)
        .put("fees", fees).put("executedAt", AT.toString()).put("at", AT.toString());
  }

  private static JsonObject created(String id, String currency, String parent) {
    JsonObject json = new JsonObject().put("portfolioId", id).put("name", "Fund " + id).put("baseCurrency", currency)
        .put("costMethod", "AVERAGE").put("driftThreshold", "0.02").put("targets", new JsonObject());
    return (parent == null ? json : json.put("parentId", parent)).put("at", AT.toString());
  }

  /**
   * p1 (USD): deposit 10,000; buy 100 AAPL @ 150 fee 2 (cash −15,002); a 2:1 split of AAPL
   * (200 shares); buy 10 AAPL @ 80 after it (cash −800); sell 50 @ 90 fee 1 (cash +4,499);
   * convert 1,000 USD into 900 EUR; a dividend of 20 USD; a 30 USD fee. AAPL 200 + 10 − 50 = 160.
   * USD 10,000 − 15,002 − 800 + 4,499 − 1,000 + 20 − 30 = −2,313; EUR 900.
   * p2 (under p1): buy 5 MSFT @ 400 in USD (−2,000), then moved to the root (parent cleared).
   * p3 (under p1), renamed.
   */
  private List<Change> journal() {
    List<Change> changes = new ArrayList<>();
    changes.add(change("p1", 1, "PortfolioCreated", created("p1", "USD", null)));
    changes.add(change("p1", 2, "CashFlowRecorded", new JsonObject().put("flowId", "d1").put("type", "DEPOSIT")
        .put("currency", "USD").put("amount", "10000").put("occurredAt", AT.toString()).put("at", AT.toString())));
    changes.add(change("p1", 3, "TradeRecorded", trade("t1", "AAPL", "BUY", "100", "150", "2", "USD")));
    changes.add(change("p1", 4, "SplitApplied", new JsonObject().put("actionId", "s1").put("instrumentId", "AAPL")
        .put("numerator", 2).put("denominator", 1).put("effectiveAt", AT.toString()).put("at", AT.toString())));
    changes.add(change("p1", 5, "TradeRecorded", trade("t2", "AAPL", "BUY", "10", "80", "0", "USD")));
    changes.add(change("p1", 6, "TradeRecorded", trade("t3", "AAPL", "SELL", "50", "90", "1", "USD")));
    changes.add(change("p1", 7, "FxConverted", new JsonObject().put("conversionId", "c1").put("fromCurrency", "USD")
        .put("toCurrency", "EUR").put("fromAmount", "1000").put("rate", "0.9").put("toAmount", "900")
        .put("at", AT.toString())));
    changes.add(change("p1", 8, "DividendApplied", new JsonObject().put("actionId", "div1").put("instrumentId", "AAPL")
        .put("amountPerShare", "0.125").put("effectiveAt", AT.toString())
        .put("amounts", new JsonObject().put("USD", "20")).put("at", AT.toString())));
    changes.add(change("p1", 9, "CashFlowRecorded", new JsonObject().put("flowId", "f1").put("type", "FEE")
        .put("currency", "USD").put("amount", "30").put("occurredAt", AT.toString()).put("at", AT.toString())));
    changes.add(change("p2", 1, "PortfolioCreated", created("p2", "USD", "p1")));
    changes.add(change("p2", 2, "TradeRecorded", trade("m1", "MSFT", "BUY", "5", "400", "0", "USD")));
    changes.add(change("p3", 1, "PortfolioCreated", created("p3", "EUR", "p1")));
    changes.add(change("p3", 2, "PortfolioUpdated", new JsonObject().put("name", "Renamed").put("at", AT.toString())));
    changes.add(change("p2", 3, "PortfolioUpdated", new JsonObject().put("parentCleared", true)
        .put("at", AT.toString())));
    return changes;
  }

  private static List<String> rows(AnalyticsStore store, String sql) throws SQLException {
    List<String> rows = new ArrayList<>();
    try (Statement statement = store.reader().createStatement(); ResultSet result = statement.executeQuery(sql)) {
      int columns = result.getMetaData().getColumnCount();
      while (result.next()) {
        StringBuilder row = new StringBuilder();
        for (int i = 1; i <= columns; i++) {
          Object value = result.getObject(i);
          row.append(i > 1 ? "|" : "").append(value instanceof BigDecimal d ? d.stripTrailingZeros().toPlainString()
              : String.valueOf(value));
        }
        rows.add(row.toString());
      }
    }
    return rows;
  }

  @Test
  void theViewsFoldTheJournalExactly() throws Exception {
    try (AnalyticsStore store = AnalyticsStore.open(folder, SETTINGS)) {
      AnalyticsFeedVerticle feed = new AnalyticsFeedVerticle(store, null, new MarketView(), SETTINGS,
          new SimpleMeterRegistry());
      List<Change> journal = journal();
      feed.append(journal.subList(0, 6));
      feed.append(journal.subList(6, journal.size()));

      assertThat(rows(store, "SELECT portfolio_id, instrument_id, quantity FROM positions ORDER BY 1, 2"))
          .containsExactly("p1|AAPL|160", "p2|MSFT|5");
      assertThat(rows(store, "SELECT portfolio_id, currency, balance FROM cash ORDER BY 1, 2"))
          .containsExactly("p1|EUR|900", "p1|USD|-2313", "p2|USD|-2000");
      assertThat(rows(store, "SELECT portfolio_id, name, parent_id FROM portfolios ORDER BY 1"))
          .containsExactly("p1|Fund p1|null", "p2|Fund p2|null", "p3|Renamed|p1");
      assertThat(rows(store, "SELECT root_id, portfolio_id, depth FROM portfolio_tree ORDER BY 1, 2"))
          .containsExactly("p1|p1|0", "p1|p3|1", "p2|p2|0", "p3|p3|0");
      assertThat(rows(store, "SELECT trade_id, signed_quantity, executed_at IS NOT NULL FROM trades ORDER BY 1"))
          .containsExactly("m1|5|true", "t1|100|true", "t2|10|true", "t3|-50|true");
      assertThat(rows(store, "SELECT flow_id, type, signed_amount FROM cash_flows ORDER BY 1"))
          .containsExactly("d1|DEPOSIT|10000", "f1|FEE|-30");
      assertThat(rows(store, "SELECT count(*), min(global_seq), max(global_seq) FROM events"))
          .containsExactly("14|3|42");
      assertThat(store.analyticsSeq()).isEqualTo(42);
      assertThat(store.changes()).isEqualTo(14);
      assertThat(store.holds(42)).isTrue();
      assertThat(store.holds(41)).isFalse();
    }
  }

  /**
   * A reader made while the feed has a batch open (the writer out of autocommit, as
   * {@link AnalyticsFeedVerticle#append} holds it) reads every later commit: duckdb_jdbc's
   * {@code duplicate()} copies the autocommit flag, and such a reader once answered from the
   * snapshot of its first statement for ever (the daily series and the waits read on it missed
   * every refresh after). Each thread keeps its reader, so both reads run on one thread.
   */
  @Test
  void aReaderMadeWhileTheFeedWritesSeesLaterCommits() throws Exception {
    java.util.concurrent.ExecutorService thread = java.util.concurrent.Executors.newSingleThreadExecutor();
    try (AnalyticsStore store = AnalyticsStore.open(folder, SETTINGS)) {
      AnalyticsFeedVerticle feed = new AnalyticsFeedVerticle(store, null, new MarketView(), SETTINGS,
          new SimpleMeterRegistry());
      List<Change> journal = journal();
      feed.append(journal.subList(0, 6));
      java.util.concurrent.Callable<String> read = () -> {
        java.sql.Connection reader = store.reader();
        try (Statement statement = reader.createStatement();
            ResultSet row = statement.executeQuery("SELECT count(*) FROM events")) {
          row.next();
          return reader.getAutoCommit() + " " + row.getLong(1);
        }
      };
      store.writer().setAutoCommit(false);
      String first;
      try {
        first = thread.submit(read).get();
      } finally {
        store.writer().setAutoCommit(true);
      }
      assertThat(first).isEqualTo("true 6");
      feed.append(journal.subList(6, journal.size()));
      assertThat(thread.submit(read).get()).isEqualTo("true 14");
    } finally {
      thread.shutdownNow();
    }
  }

  private static JsonObject restated(String instrument, String quantity) {
    return new JsonObject().put("positions", new io.vertx.core.json.JsonArray().add(new JsonObject()
        .put("instrumentId", instrument).put("strategy", "default").put("currency", "USD").put("quantity", quantity)))
        .put("removed", new io.vertx.core.json.JsonArray());
  }

  /**
   * The timeline's corrections: buy 100 and 50 X @ 10, a 2:1 split (300), a back-dated buy of 10
   * @ 10 executed before the split, journaled with its restated position (320), a buy of 5 @ 5
   * (325), then the cancel of the 50 (restated 225). Cash −1,000 − 500 − 100 − 25 + 500 = −1,125.
   */
  @Test
  void restatedPositionsAndCancelsFoldLikeTheOwner() throws Exception {
    try (AnalyticsStore store = AnalyticsStore.open(folder, SETTINGS)) {
      AnalyticsFeedVerticle feed = new AnalyticsFeedVerticle(store, null, new MarketView(), SETTINGS,
          new SimpleMeterRegistry());
      JsonObject fifty = trade("x2", "X", "BUY", "50", "10", "0", "USD");
      feed.append(List.of(change("p9", 1, "PortfolioCreated", created("p9", "USD", null)),
          change("p9", 2, "TradeRecorded", trade("x1", "X", "BUY", "100", "10", "0", "USD")),
          change("p9", 3, "TradeRecorded", fifty),
          change("p9", 4, "SplitApplied", new JsonObject().put("actionId", "s9").put("instrumentId", "X")
              .put("numerator", 2).put("denominator", 1).put("effectiveAt", AT.toString()).put("at", AT.toString())),
          change("p9", 5, "TradeRecorded", trade("x3", "X", "BUY", "10", "10", "0", "USD")
              .put("restated", restated("X", "320"))),
          change("p9", 6, "TradeRecorded", trade("x4", "X", "BUY", "5", "5", "0", "USD"))));
      assertThat(rows(store, "SELECT quantity FROM positions WHERE portfolio_id = 'p9'")).containsExactly("325");
      feed.append(List.of(change("p9", 7, "TradeCancelled", new JsonObject().put("tradeId", "x2")
          .put("reason", "wrong account").put("cancelled", fifty).put("restated", restated("X", "225"))
          .put("at", AT.toString()))));
      assertThat(rows(store, "SELECT quantity FROM positions WHERE portfolio_id = 'p9'")).containsExactly("225");
      assertThat(rows(store, "SELECT currency, balance FROM cash WHERE portfolio_id = 'p9'"))
          .containsExactly("USD|-1125");
      assertThat(rows(store, "SELECT trade_id, kind, reason, quantity FROM trade_corrections"))
          .containsExactly("x2|CANCEL|wrong account|50");
    }
  }

  @Test
  void aReopenedStoreResumesAtItsCursor() throws Exception {
    List<Change> journal = journal();
    try (AnalyticsStore store = AnalyticsStore.open(folder, SETTINGS)) {
      new AnalyticsFeedVerticle(store, null, new MarketView(), SETTINGS, new SimpleMeterRegistry())
          .append(journal.subList(0, 5));
    }
    try (AnalyticsStore store = AnalyticsStore.open(folder, SETTINGS)) {
      Change fifth = journal.get(4);
      assertThat(store.position()).isEqualTo(new Position(fifth.tx(), fifth.globalSeq(), 0, 0));
      assertThat(store.changes()).isEqualTo(5);
      assertThat(store.analyticsSeq()).isEqualTo(15);
      new AnalyticsFeedVerticle(store, null, new MarketView(), SETTINGS, new SimpleMeterRegistry())
          .append(journal.subList(5, journal.size()));
      assertThat(rows(store, "SELECT count(*) FROM events")).containsExactly("14");
      assertThat(rows(store, "SELECT portfolio_id, instrument_id, quantity FROM positions ORDER BY 1, 2"))
          .containsExactly("p1|AAPL|160", "p2|MSFT|5");
    }
  }

  /**
   * A request waiting for a change ({@code minSeq}) is completed by the batch that holds it,
   * with no polling: a waiter for a {@code global_seq} above the store's high-water mark needs
   * no look-up and runs when its batch is committed, not before; one at or below it (read
   * already, or drawn earlier and committed later) asks for a look-up; a cancelled one never runs.
   */
  @Test
  void waitersAreCompletedByTheBatchThatHoldsTheirChange() throws Exception {
    List<Change> journal = journal();
    try (AnalyticsStore store = AnalyticsStore.open(folder, SETTINGS)) {
      AnalyticsFeedVerticle feed = new AnalyticsFeedVerticle(store, null, new MarketView(), SETTINGS,
          new SimpleMeterRegistry());
      feed.append(journal.subList(0, 3));
      assertThat(store.analyticsSeq()).isEqualTo(9);
      List<String> ran = new ArrayList<>();
      AnalyticsStore.Waiter read = store.whenRead(6, () -> ran.add("6"));
      AnalyticsStore.Waiter sixth = store.whenRead(18, () -> ran.add("18"));
      AnalyticsStore.Waiter gap = store.whenRead(19, () -> ran.add("19"));
      AnalyticsStore.Waiter cancelled = store.whenRead(21, () -> ran.add("21"));
      assertThat(read.lookUp()).isTrue();
      assertThat(store.holds(6)).isTrue();
      store.cancel(read);
      assertThat(sixth.lookUp()).isFalse();
      assertThat(gap.lookUp()).isFalse();
      store.cancel(cancelled);
      assertThat(store.waiting()).isEqualTo(2);

      feed.append(journal.subList(3, 5));
      assertThat(ran).isEmpty();
      feed.append(journal.subList(5, 8));
      // global_seq 18 was in that batch; 19 is a gap (no such change) and 21 was cancelled.
      assertThat(ran).containsExactly("18");
      assertThat(store.waiting()).isEqualTo(1);
      store.cancel(gap);
      assertThat(store.waiting()).isZero();
    }
  }

  /**
   * The store does not fsync (it is rebuilt from the journal): a database file DuckDB cannot open,
   * as an operating system crash could leave one, is moved aside and the store starts empty, to be
   * fed again from the start of the journal.
   */
  @Test
  void anUnreadableStoreIsMovedAsideAndRebuilt() throws Exception {
    java.nio.file.Files.writeString(folder.resolve(AnalyticsStore.FILE), "not a DuckDB database ".repeat(500));
    try (AnalyticsStore store = AnalyticsStore.open(folder, SETTINGS)) {
      assertThat(store.changes()).isZero();
      assertThat(store.position()).isEqualTo(new Position(0, 0, 0, 0));
      new AnalyticsFeedVerticle(store, null, new MarketView(), SETTINGS, new SimpleMeterRegistry())
          .append(journal());
      assertThat(rows(store, "SELECT portfolio_id, instrument_id, quantity FROM positions ORDER BY 1, 2"))
          .containsExactly("p1|AAPL|160", "p2|MSFT|5");
    }
    try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(folder)) {
      assertThat(files.map(file -> file.getFileName().toString()))
          .anyMatch(name -> name.startsWith(AnalyticsStore.FILE + ".unreadable-"));
    }
  }

  /**
   * analytics.nice: DuckDB's background threads, made when the store opens, run at the store's
   * nice value (inherited from the thread that opened it), and a thread of the feed's pools gets
   * it on its first task; the thread that opened the store keeps its own.
   */
  @Test
  void theStoresThreadsRunAtItsNiceValue() throws Exception {
    Settings.AnalyticsSettings niced = Settings.from(SettingsLoader.loadJson(Map.of())
        .mergeIn(new JsonObject().put("analytics", new JsonObject().put("nice", 7).put("threads", 3)), true))
        .analytics();
    Map<String, Integer> before = threadNices();
    try (AnalyticsStore store = AnalyticsStore.open(folder, niced)) {
      Map<String, Integer> opened = threadNices();
      opened.keySet().removeAll(before.keySet());
      // threads=3: at least DuckDB's two background threads (and the JVM's process reaper, which
      // ran renice); a thread the JVM starts meanwhile for itself keeps 0, so count the 7s.
      assertThat(opened.values().stream().filter(nice -> nice == 7).count()).isGreaterThanOrEqualTo(2);
      assertThat(LowPriority.current()).isEqualTo(0);
    }
    int[] seen = new int[2];
    Thread worker = new Thread(() -> {
      LowPriority.lower(12);
      seen[0] = LowPriority.current();
      LowPriority.lower(12);
      seen[1] = LowPriority.current();
    });
    worker.start();
    worker.join();
    assertThat(seen).containsExactly(12, 12);
  }

  /** Thread id → nice value of every thread of this JVM. */
  private static Map<String, Integer> threadNices() throws java.io.IOException {
    Map<String, Integer> nices = new java.util.HashMap<>();
    try (var tasks = java.nio.file.Files.list(Path.of("/proc/self/task"))) {
      for (Path task : (Iterable<Path>) tasks::iterator) {
        try {
          String stat = java.nio.file.Files.readString(task.resolve("stat"));
          nices.put(task.getFileName().toString(),
              Integer.parseInt(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[16]));
        } catch (java.io.IOException e) {
          // The thread ended meanwhile.
        }
      }
    }
    return nices;
  }

  /** A setting DuckDB refuses fails the start and leaves the store's file where it is. */
  @Test
  void aRefusedSettingLeavesTheStoreInPlace() throws Exception {
    try (AnalyticsStore store = AnalyticsStore.open(folder, SETTINGS)) {
      new AnalyticsFeedVerticle(store, null, new MarketView(), SETTINGS, new SimpleMeterRegistry())
          .append(journal().subList(0, 5));
    }
    Settings.AnalyticsSettings mistyped = Settings.from(SettingsLoader.loadJson(Map.of())
        .mergeIn(new JsonObject().put("analytics", new JsonObject().put("memoryLimit", "lots")), true)).analytics();
    assertThatThrownBy(() -> AnalyticsStore.open(folder, mistyped)).isInstanceOf(IllegalStateException.class);
    try (AnalyticsStore store = AnalyticsStore.open(folder, SETTINGS)) {
      assertThat(store.changes()).isEqualTo(5);
    }
  }

  /**
   * A batch that fails part-way (its third change is a cancel without the trade it cancels)
   * leaves nothing behind: not the rows appended before the failure, not a moved cursor, neither
   * in the open store nor after a reopen; the same feed then appends the good changes. DuckDB's
   * appenders commit on their own unless the batch's transaction has begun before their flush.
   */
  @Test
  void aFailedBatchLeavesNothingBehind() throws Exception {
    List<Change> journal = journal();
    Change fifth = journal.get(4);
    try (AnalyticsStore store = AnalyticsStore.open(folder, SETTINGS)) {
      AnalyticsFeedVerticle feed = new AnalyticsFeedVerticle(store, null, new MarketView(), SETTINGS,
          new SimpleMeterRegistry());
      feed.append(journal.subList(0, 5));
      List<Change> bad = new ArrayList<>(journal.subList(5, 7));
      bad.add(change("p1", 8, "TradeCancelled", new JsonObject().put("tradeId", "t1").put("at", AT.toString())));
      assertThatThrownBy(() -> feed.append(bad)).isInstanceOf(NullPointerException.class);

      assertThat(rows(store, "SELECT count(*), max(global_seq) FROM events")).containsExactly("5|15");
      assertThat(rows(store, "SELECT count(*) FROM trades")).containsExactly("2");
      assertThat(rows(store, "SELECT count(*) FROM cash_movements")).containsExactly("3");
      assertThat(rows(store, "SELECT tx, global_seq, changes, max_global_seq FROM store_cursor"))
          .containsExactly(fifth.tx() + "|15|5|15");
      assertThat(store.changes()).isEqualTo(5);
      assertThat(store.position()).isEqualTo(new Position(fifth.tx(), fifth.globalSeq(), 0, 0));

      feed.append(journal.subList(5, 8));
      assertThat(rows(store, "SELECT count(*), max(global_seq) FROM events")).containsExactly("8|24");
    }
    try (AnalyticsStore store = AnalyticsStore.open(folder, SETTINGS)) {
      assertThat(store.changes()).isEqualTo(8);
      new AnalyticsFeedVerticle(store, null, new MarketView(), SETTINGS, new SimpleMeterRegistry())
          .append(journal.subList(8, journal.size()));
      assertThat(rows(store, "SELECT count(*), count(DISTINCT global_seq) FROM events")).containsExactly("14|14");
      assertThat(rows(store, "SELECT portfolio_id, instrument_id, quantity FROM positions ORDER BY 1, 2"))
          .containsExactly("p1|AAPL|160", "p2|MSFT|5");
      assertThat(rows(store, "SELECT portfolio_id, currency, balance FROM cash ORDER BY 1, 2"))
          .containsExactly("p1|EUR|900", "p1|USD|-2313", "p2|USD|-2000");
    }
  }

  /**
   * In-order trades and cash flows take the feed's streaming path: every column as the whole
   * parse gives it, times with 0 to 9 digits of fraction, a trade's adjustedBy array skipped.
   */
  @Test
  void flatPayloadsAreReadColumnForColumn() throws Exception {
    try (AnalyticsStore store = AnalyticsStore.open(folder, SETTINGS)) {
      AnalyticsFeedVerticle feed = new AnalyticsFeedVerticle(store, null, new MarketView(), SETTINGS,
          new SimpleMeterRegistry());
      feed.append(List.of(
          change("p1", 1, "TradeRecorded", trade("t1", "AAPL", "SELL", "2.5", "100.125", "0.333333333333333333",
              "USD").put("executedAt", "2026-11-30T09:15:00.123456789Z").put("adjustedBy", List.of("s0"))),
          change("p1", 2, "TradeRecorded", trade("t2", "AAPL", "BUY", "3", "7", "0", "EUR")
              .put("executedAt", "2026-11-30T09:15:01Z")),
          change("p1", 3, "CashFlowRecorded", new JsonObject().put("flowId", "w1").put("type", "WITHDRAWAL")
              .put("currency", "USD").put("amount", "12.5").put("instrumentId", "AAPL")
              .put("occurredAt", "2026-11-29T23:59:59.9Z").put("at", AT.toString()))));

      assertThat(rows(store, "SELECT trade_id, instrument_id, strategy, side, quantity, signed_quantity, price, "
          + "currency, fees, epoch_ns(executed_at), restated FROM trades ORDER BY version")).containsExactly(
          "t1|AAPL|default|SELL|2.5|-2.5|100.125|USD|0.333333333333333333|"
              + (Instant.parse("2026-11-30T09:15:00Z").getEpochSecond() * 1_000_000_000L + 123_456_000L) + "|false",
          "t2|AAPL|default|BUY|3|3|7|EUR|0|" + Instant.parse("2026-11-30T09:15:01Z").toEpochMilli() * 1_000_000L
              + "|false");
      // −(−2.5 × 100.125 + 0.333…) = 250.3125 − 0.333333333333333333; −(3 × 7 + 0) = −21.
      assertThat(rows(store, "SELECT currency, amount, cause FROM cash_movements ORDER BY version")).containsExactly(
          "USD|249.979166666666666667|trade", "EUR|-21|trade", "USD|-12.5|cash-flow");
      assertThat(rows(store, "SELECT flow_id, type, currency, amount, signed_amount, instrument_id, "
          + "epoch_ms(occurred_at) FROM cash_flows")).containsExactly("w1|WITHDRAWAL|USD|12.5|-12.5|AAPL|"
          + Instant.parse("2026-11-29T23:59:59.900Z").toEpochMilli());
    }
  }

  @Test
  void journalTimesAreReadAsInstantParseReadsThem() {
    for (String text : List.of("2026-12-05T23:55:53Z", "2026-12-05T23:55:53.2Z", "2026-12-05T23:55:53.204Z",
        "2026-12-05T00:00:00.000001Z", "2026-12-05T00:00:00.123456789Z", "0001-01-01T00:00:00Z",
        "+12026-01-01T00:00:00Z")) {
      assertThat(FlatPayload.time(text).toInstant()).as(text).isEqualTo(Instant.parse(text));
    }
  }
}
