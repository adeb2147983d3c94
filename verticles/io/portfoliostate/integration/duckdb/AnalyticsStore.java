package io.portfoliostate.integration.duckdb;

import io.portfoliostate.config.Settings.AnalyticsSettings;
import io.portfoliostate.persistence.ChangeStreamStore.Position;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.duckdb.DuckDBConnection;

/**
 * The node's analytics store: one in-process DuckDB database in a folder of its own, fed from
 * the journal (see {@link AnalyticsFeedVerticle}) and read by the analytics routes. Tables hold
 * what the journal says (events, trades, cash flows, cash movements, splits, portfolio changes)
 * and a copy of the node's market view (instruments, their factors, latest prices and FX
 * rates); views fold them into the documented shapes ({@code positions}, {@code cash},
 * {@code portfolios}, {@code portfolio_tree}). docs/analytics.md lists every column.
 *
 * <p>Every method here blocks: callers run it on a worker thread, never on an event loop.
 * DuckDB connections are not meant to be shared by threads at once, so each thread that reads
 * gets its own {@link DuckDBConnection#duplicate() duplicate} of the one database (kept in a
 * thread local, closed with the store, always in autocommit mode: each statement reads the
 * latest commits); the writer (the feed) uses the first connection from
 * one thread at a time.
 */
public final class AnalyticsStore implements AutoCloseable {

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(AnalyticsStore.class);

  /** The file of the database inside the store's folder. */
  public static final String FILE = "analytics.duckdb";

  /** Exact decimals as the journal's input rules allow (Decimals: 20 integer digits, 18 after the point). */
  static final String DECIMAL = "DECIMAL(38,18)";

  private static final List<String> TABLES = List.of(
      "CREATE TABLE IF NOT EXISTS store_cursor (id INTEGER PRIMARY KEY, tx BIGINT NOT NULL, "
          + "global_seq BIGINT NOT NULL, changes BIGINT NOT NULL, max_global_seq BIGINT NOT NULL)",
      "CREATE TABLE IF NOT EXISTS events (global_seq BIGINT NOT NULL, portfolio_id VARCHAR NOT NULL, "
          + "version BIGINT NOT NULL, type VARCHAR NOT NULL, recorded_at TIMESTAMPTZ NOT NULL, payload JSON, "
          + "origin JSON)",
      "CREATE TABLE IF NOT EXISTS trades (global_seq BIGINT NOT NULL, portfolio_id VARCHAR NOT NULL, "
          + "version BIGINT NOT NULL, trade_id VARCHAR NOT NULL, instrument_id VARCHAR NOT NULL, strategy VARCHAR, "
          + "side VARCHAR NOT NULL, quantity " + DECIMAL + ", signed_quantity " + DECIMAL + ", price " + DECIMAL
          + ", currency VARCHAR, fees " + DECIMAL + ", executed_at TIMESTAMPTZ, recorded_at TIMESTAMPTZ NOT NULL, "
          + "restated BOOLEAN NOT NULL)",
      "CREATE TABLE IF NOT EXISTS position_marks (global_seq BIGINT NOT NULL, portfolio_id VARCHAR NOT NULL, "
          + "version BIGINT NOT NULL, instrument_id VARCHAR NOT NULL, strategy VARCHAR NOT NULL, currency VARCHAR, "
          + "quantity " + DECIMAL + ")",
      "CREATE TABLE IF NOT EXISTS trade_corrections (global_seq BIGINT NOT NULL, portfolio_id VARCHAR NOT NULL, "
          + "version BIGINT NOT NULL, trade_id VARCHAR NOT NULL, kind VARCHAR NOT NULL, reason VARCHAR, "
          + "quantity " + DECIMAL + ", price " + DECIMAL + ", fees " + DECIMAL + ", executed_at TIMESTAMPTZ, "
          + "recorded_at TIMESTAMPTZ NOT NULL)",
      "CREATE TABLE IF NOT EXISTS cash_flows (global_seq BIGINT NOT NULL, portfolio_id VARCHAR NOT NULL, "
          + "version BIGINT NOT NULL, flow_id VARCHAR NOT NULL, type VARCHAR NOT NULL, currency VARCHAR NOT NULL, "
          + "amount " + DECIMAL + ", signed_amount " + DECIMAL + ", instrument_id VARCHAR, occurred_at TIMESTAMPTZ, "
          + "recorded_at TIMESTAMPTZ NOT NULL)",
      "CREATE TABLE IF NOT EXISTS cash_movements (global_seq BIGINT NOT NULL, portfolio_id VARCHAR NOT NULL, "
          + "version BIGINT NOT NULL, currency VARCHAR NOT NULL, amount " + DECIMAL + ", cause VARCHAR NOT NULL)",
      "CREATE TABLE IF NOT EXISTS splits (global_seq BIGINT NOT NULL, portfolio_id VARCHAR NOT NULL, "
          + "version BIGINT NOT NULL, action_id VARCHAR NOT NULL, instrument_id VARCHAR NOT NULL, "
          + "numerator BIGINT NOT NULL, denominator BIGINT NOT NULL, effective_at TIMESTAMPTZ)",
      "CREATE TABLE IF NOT EXISTS portfolio_changes (global_seq BIGINT NOT NULL, portfolio_id VARCHAR NOT NULL, "
          + "version BIGINT NOT NULL, name VARCHAR, base_currency VARCHAR, parent_id VARCHAR, "
          + "parent_set BOOLEAN NOT NULL, recorded_at TIMESTAMPTZ NOT NULL)",
      "CREATE TABLE IF NOT EXISTS instruments (instrument_id VARCHAR NOT NULL, currency VARCHAR NOT NULL, "
          + "asset_class VARCHAR, sector VARCHAR, country VARCHAR)",
      "CREATE TABLE IF NOT EXISTS instrument_factors (instrument_id VARCHAR NOT NULL, factor VARCHAR NOT NULL, "
          + "loading " + DECIMAL + ")",
      "CREATE TABLE IF NOT EXISTS prices (instrument_id VARCHAR NOT NULL, price " + DECIMAL + ", "
          + "currency VARCHAR NOT NULL, observed_at TIMESTAMPTZ)",
      "CREATE TABLE IF NOT EXISTS fx_rates (base VARCHAR NOT NULL, quote VARCHAR NOT NULL, rate " + DECIMAL
          + ", observed_at TIMESTAMPTZ)",
      // The daily series (DailySeries). The feed marks portfolios pending (daily_pending, in
      // each batch's transaction); the series worker writes the rest: the two never update the
      // same table, so their transactions cannot conflict.
      "CREATE TABLE IF NOT EXISTS daily_pending (portfolio_id VARCHAR NOT NULL, from_date DATE NOT NULL, "
          + "seq BIGINT NOT NULL)",
      "CREATE TABLE IF NOT EXISTS daily_marks (portfolio_id VARCHAR PRIMARY KEY, from_date DATE NOT NULL)",
      "CREATE TABLE IF NOT EXISTS daily_moved (kind VARCHAR NOT NULL, key VARCHAR NOT NULL, from_date DATE NOT NULL)",
      // How far the recorded prices and rates are marked (DailySeries.mark): a restarted node
      // marks what was recorded after it (AnalyticsFeedVerticle.catchUp).
      "CREATE TABLE IF NOT EXISTS daily_market_cursor (id INTEGER PRIMARY KEY, "
          + "recorded_through TIMESTAMPTZ NOT NULL)",
      // How far the prices and rates in PostgreSQL are read, in their (tx, market_seq) order
      // (DailySeries.readMarket), and which refresh first saw each pending portfolio pending
      // (the refreshes take the longest pending first; minPriceSeq waits up to a refresh).
      "CREATE TABLE IF NOT EXISTS daily_price_cursor (id INTEGER PRIMARY KEY, tx BIGINT NOT NULL, "
          + "market_seq BIGINT NOT NULL, price_seq BIGINT NOT NULL, covered_xmin BIGINT NOT NULL, "
          + "refresh BIGINT NOT NULL)",
      "CREATE TABLE IF NOT EXISTS daily_mark_refresh (portfolio_id VARCHAR PRIMARY KEY, refresh BIGINT NOT NULL)",
      "CREATE TABLE IF NOT EXISTS daily_done (portfolio_id VARCHAR PRIMARY KEY, seq BIGINT NOT NULL, "
          + "through DATE NOT NULL)",
      "CREATE TABLE IF NOT EXISTS daily_done_log (portfolio_id VARCHAR NOT NULL, seq BIGINT NOT NULL, "
          + "through DATE NOT NULL)",
      "CREATE TABLE IF NOT EXISTS daily_nav (portfolio_id VARCHAR NOT NULL, date DATE NOT NULL, "
          + "base_currency VARCHAR NOT NULL, nav VARCHAR NOT NULL, nav_value DOUBLE NOT NULL, net_flow VARCHAR NOT NULL, "
          + "income VARCHAR NOT NULL, daily_return DOUBLE)",
      "CREATE TABLE IF NOT EXISTS daily_position_spans (portfolio_id VARCHAR NOT NULL, instrument_id VARCHAR NOT NULL, "
          + "strategy VARCHAR NOT NULL, quantity " + DECIMAL + ", from_date DATE NOT NULL, to_date DATE NOT NULL)");

  /**
   * The folds. A position's quantity is the sum of its trades, each multiplied by every split of
   * its instrument journaled after it in the same portfolio (a trade journaled after a split is
   * already in post-split terms; a late trade executed before it was converted by the owner,
   * DOMAIN.md). The split factor is a quotient of integer products taken as a double: exact for
   * ratios such as 2:1 or 3:2 on quantities of up to 15 significant digits.
   */
  private static final List<String> VIEWS = List.of(
      "CREATE OR REPLACE VIEW portfolios AS SELECT portfolio_id, "
          + "arg_max(name, version) FILTER (WHERE name IS NOT NULL) AS name, "
          + "arg_max(base_currency, version) FILTER (WHERE base_currency IS NOT NULL) AS base_currency, "
          + "arg_max_null(parent_id, version) FILTER (WHERE parent_set) AS parent_id, "
          + "max(version) AS changed_at_version FROM portfolio_changes GROUP BY portfolio_id",
      "CREATE OR REPLACE VIEW portfolio_tree AS WITH RECURSIVE t(root_id, portfolio_id, depth) AS ("
          + "SELECT portfolio_id, portfolio_id, 0 FROM portfolios UNION ALL "
          + "SELECT t.root_id, p.portfolio_id, t.depth + 1 FROM t JOIN portfolios p ON p.parent_id = t.portfolio_id) "
          + "SELECT root_id, portfolio_id, depth FROM t",
      // Each split's factor with every later split's of the same instrument and portfolio
      // multiplied in; a trade takes the factor of the first split after it (an ASOF join), so
      // the fold stays one pass over the trades however many there are.
      "CREATE OR REPLACE VIEW split_factors AS SELECT portfolio_id, instrument_id, version, "
          + "product(numerator::DOUBLE / denominator) OVER (PARTITION BY portfolio_id, instrument_id "
          + "ORDER BY version DESC ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS factor FROM splits",
      // A restatement (a back-dated trade, a cancel, an amendment) marks a position's whole
      // quantity at its version; later trades add to the latest mark, each times the splits after it.
      "CREATE OR REPLACE VIEW latest_marks AS SELECT portfolio_id, instrument_id, strategy, "
          + "arg_max(quantity, version) AS quantity, arg_max(currency, version) AS currency, max(version) AS version "
          + "FROM position_marks GROUP BY portfolio_id, instrument_id, strategy",
      "CREATE OR REPLACE VIEW positions AS WITH deltas AS ("
          + "SELECT t.portfolio_id, t.instrument_id, t.strategy, t.currency, t.version, "
          + "t.signed_quantity * coalesce(f.factor, 1) AS q FROM trades t ASOF LEFT JOIN split_factors f "
          + "ON t.portfolio_id = f.portfolio_id AND t.instrument_id = f.instrument_id AND f.version >= t.version "
          + "LEFT JOIN latest_marks m ON m.portfolio_id = t.portfolio_id AND m.instrument_id = t.instrument_id "
          + "AND m.strategy = t.strategy WHERE NOT t.restated AND (m.version IS NULL OR t.version > m.version)), "
          + "marks AS (SELECT m.portfolio_id, m.instrument_id, m.strategy, m.currency, m.version, "
          + "m.quantity * coalesce(f.factor, 1) AS q FROM latest_marks m ASOF LEFT JOIN split_factors f "
          + "ON m.portfolio_id = f.portfolio_id AND m.instrument_id = f.instrument_id AND f.version >= m.version) "
          + "SELECT portfolio_id, instrument_id, strategy, CAST(sum(q) AS " + DECIMAL + ") AS quantity, "
          + "any_value(currency) AS currency, max(version) AS last_change_version "
          + "FROM (SELECT * FROM deltas UNION ALL SELECT * FROM marks) GROUP BY portfolio_id, instrument_id, strategy",
      "CREATE OR REPLACE VIEW cash AS SELECT portfolio_id, currency, sum(amount) AS balance "
          + "FROM cash_movements GROUP BY portfolio_id, currency",
      // A span of equal quantity becomes one row per weekday in it.
      "CREATE OR REPLACE VIEW daily_positions AS SELECT s.portfolio_id, d.date, s.instrument_id, s.strategy, "
          + "s.quantity FROM daily_position_spans s, LATERAL (SELECT CAST(unnest(generate_series(s.from_date, "
          + "s.to_date, INTERVAL 1 DAY)) AS DATE) AS date) d WHERE isodow(d.date) <= 5",
      "CREATE OR REPLACE VIEW daily_returns AS SELECT portfolio_id, date, daily_return FROM daily_nav "
          + "WHERE daily_return IS NOT NULL");

  private final Path folder;
  private final DuckDBConnection writer;
  private DuckDBConnection seriesWriter;
  /** The feed's kept appenders, or null (feed thread only). */
  private FeedAppenders feedAppenders;
  /** The cursor's update, prepared on the writer's connection (feed thread only). */
  private PreparedStatement saveCursor;
  private final List<Connection> readers = new ArrayList<>();
  private final ThreadLocal<Connection> threadReader = new ThreadLocal<>();
  private volatile Position position;
  private volatile long changes;
  private volatile long maxGlobalSeq;
  private volatile PriceCoverage priceCoverage = PriceCoverage.NONE;
  /** Set when {@link #holds} said no or a waiter was added: a request waits for the feed. */
  private volatile boolean awaited;
  /**
   * Waiters for changes not read yet, by {@code global_seq}; guarded by itself, and
   * {@link #maxGlobalSeq} changes only under the same lock (see {@link #whenRead}).
   */
  private final java.util.HashMap<Long, List<Waiter>> waiters = new java.util.HashMap<>();

  private AnalyticsStore(Path folder, DuckDBConnection writer, Position position, long changes, long maxGlobalSeq) {
    this.folder = folder;
    this.writer = writer;
    this.position = position;
    this.changes = changes;
    this.maxGlobalSeq = maxGlobalSeq;
  }

  /**
   * Opens (or creates) the store in {@code settings.dir()}, with its tables and views, and reads
   * how far it had got. A database file DuckDB cannot open (one an operating system crash left
   * half-written: the store does not fsync, see {@link AnalyticsSettings#fsyncMode}) is moved
   * aside, named {@code analytics.duckdb.unreadable-<epoch ms>}, and a new store is made: the
   * feed rebuilds it from the journal. Blocks.
   */
  public static AnalyticsStore open(Path folder, AnalyticsSettings settings) {
    // Opened from a thread at the store's nice value: DuckDB's background threads, made now,
    // inherit it (LowPriority).
    try {
      return LowPriority.call(settings.nice(), "pstate-duckdb", () -> openAtPriority(folder, settings));
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException("the analytics store in " + folder + " could not be opened: " + e, e);
    }
  }

  private static AnalyticsStore openAtPriority(Path folder, AnalyticsSettings settings) {
    try {
      Files.createDirectories(folder);
      // A setting DuckDB refuses (a mistyped memory limit) fails here, on a throwaway in-memory
      // database, and is no reason to move the store's file aside below.
      DriverManager.getConnection("jdbc:duckdb:", properties(settings)).close();
      try {
        return openFile(folder, settings);
      } catch (SQLException e) {
        // Another process holding the file is no reason to drop it.
        if (String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT).contains("lock")) {
          throw e;
        }
        String aside = FILE + ".unreadable-" + System.currentTimeMillis();
        LOG.warn("The analytics store in {} could not be opened ({}); moved aside as {} and rebuilt from the "
            + "journal", folder, e.getMessage(), aside);
        Files.move(folder.resolve(FILE), folder.resolve(aside));
        Files.deleteIfExists(folder.resolve(FILE + ".wal"));
        return openFile(folder, settings);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (SQLException e) {
      throw new IllegalStateException("the analytics store in " + folder + " could not be opened: " + e.getMessage(), e);
    }
  }

  private static AnalyticsStore openFile(Path folder, AnalyticsSettings settings) throws SQLException {
    DuckDBConnection connection = (DuckDBConnection) DriverManager.getConnection(
        "jdbc:duckdb:" + folder.resolve(FILE).toAbsolutePath(), properties(settings));
    try (Statement statement = connection.createStatement()) {
      for (String sql : TABLES) {
        statement.execute(sql);
      }
      for (String sql : VIEWS) {
        statement.execute(sql);
      }
      // The cursor's one row exists from the start: each batch updates it in place.
      statement.execute("INSERT OR IGNORE INTO store_cursor VALUES (1, 0, 0, 0, 0)");
      try (ResultSet rows = statement.executeQuery(
          "SELECT tx, global_seq, changes, max_global_seq FROM store_cursor WHERE id = 1")) {
        rows.next();
        return new AnalyticsStore(folder, connection, new Position(rows.getLong(1), rows.getLong(2), 0, 0),
            rows.getLong(3), rows.getLong(4));
      }
    } catch (SQLException | RuntimeException e) {
      closeQuietly(connection);
      throw e;
    }
  }

  /** DuckDB's settings of the store. */
  private static Properties properties(AnalyticsSettings settings) {
    Properties properties = new Properties();
    properties.setProperty("memory_limit", settings.memoryLimit());
    properties.setProperty("threads", Integer.toString(settings.threads()));
    // The store is rebuilt from the journal, so DuckDB's own durability per commit is not
    // needed: without fsync a batch's commit costs no kernel flush (most of a small batch's
    // cost, BENCHMARKS.md). A process crash loses nothing (the page cache keeps the writes); an
    // operating system crash may leave a file that no longer opens, which open() moves aside.
    properties.setProperty("fsync_mode", settings.fsyncMode());
    // A larger write-ahead log before DuckDB writes its tables back: fewer checkpoints while the
    // feed appends.
    properties.setProperty("checkpoint_threshold", settings.checkpointThreshold());
    return properties;
  }

  /** The folder of the database. */
  public Path folder() {
    return folder;
  }

  /** The last journal change read, in the outbox's order ({@code tx}, {@code global_seq}). */
  public Position position() {
    return position;
  }

  /** How many journal changes the store holds. */
  public long changes() {
    return changes;
  }

  /**
   * How many journal changes the store's committed state holds, read from its cursor on this
   * thread's reader: every batch committed before the call is counted. {@link #changes} is not
   * enough where a caller learnt of a commit from DuckDB itself ({@link #holds}): the feed adds
   * a batch to it just after the commit. The count is what {@code daily_pending.seq} marks a
   * batch with (a {@code minSeq} read of the daily series waits up to it). Blocks.
   */
  public long changesCommitted() throws SQLException {
    try (Statement statement = reader().createStatement();
        ResultSet row = statement.executeQuery("SELECT changes FROM store_cursor WHERE id = 1")) {
      row.next();
      return row.getLong(1);
    }
  }

  /**
   * The highest {@code global_seq} the store has read: every answer's {@code analyticsSeq}. The
   * journal draws {@code global_seq} at insert and its connections cache blocks of numbers, so
   * this is a high-water mark, not a promise that every smaller number was read; whether one
   * change was read is {@link #holds}.
   */
  public long analyticsSeq() {
    return maxGlobalSeq;
  }

  /** How far the daily series have read the stored prices and rates ({@link PriceCoverage#NONE} until loaded). */
  public PriceCoverage priceCoverage() {
    return priceCoverage;
  }

  /**
   * The sets of the requests waiting for the daily series (with {@code minPriceSeq}, or with
   * {@code minSeq} on a route that reads the series; keyed by each wait): while any waits, the
   * series' refreshes come sooner and take the sets' members first (AnalyticsFeedVerticle,
   * DailySeries#pending).
   */
  private final java.util.Map<Object, AnalyticsQueries.PortfolioSet> priceWaits =
      new java.util.concurrent.ConcurrentHashMap<>();

  /** A request starts waiting for the series of {@code set}: the key to give {@link #seriesServed}. */
  public Object seriesAwaited(AnalyticsQueries.PortfolioSet set) {
    Object key = new Object();
    priceWaits.put(key, set);
    return key;
  }

  /** The wait of {@link #seriesAwaited} ended (served, or out of time). */
  public void seriesServed(Object key) {
    priceWaits.remove(key);
  }

  /** Whether a request waits for the series. */
  boolean seriesAwaited() {
    return !priceWaits.isEmpty();
  }

  /** The sets requests wait for (a copy; distinct, at most {@code limit}). */
  List<AnalyticsQueries.PortfolioSet> setsAwaited(int limit) {
    return priceWaits.values().stream().distinct().limit(limit).toList();
  }

  /** Called by the series worker once a refresh's read of prices and rates is committed. */
  void pricesCovered(PriceCoverage coverage) {
    priceCoverage = coverage;
  }

  /** The writer's connection, for the feed alone (one thread at a time). */
  DuckDBConnection writer() {
    return writer;
  }

  /**
   * The daily series worker's own connection (made on first use): the series are written beside
   * the feed's batches, in transactions of their own. One thread at a time.
   */
  synchronized DuckDBConnection seriesWriter() throws SQLException {
    if (seriesWriter == null) {
      seriesWriter = duplicate();
    }
    return seriesWriter;
  }

  /**
   * A new connection to the store's database, in autocommit mode. duckdb_jdbc's
   * {@link DuckDBConnection#duplicate()} copies the source connection's autocommit flag, and the
   * writer is out of autocommit while the feed appends a batch: a reader made in that moment ran
   * every later statement in one transaction that never ended, so it answered from the snapshot
   * of its first statement for ever (series and waits read on it saw none of the refreshes after;
   * {@code AnalyticsStoreTest.aReaderMadeWhileTheFeedWritesSeesLaterCommits}).
   */
  private DuckDBConnection duplicate() throws SQLException {
    DuckDBConnection connection = (DuckDBConnection) writer.duplicate();
    connection.setAutoCommit(true);
    return connection;
  }

  /**
   * Writes the cursor (the last change of a batch, the count held, the highest
   * {@code global_seq}) on the writer's connection, in its current transaction: the feed calls it
   * first in each batch, which also begins that transaction. The statement is prepared once.
   */
  void saveCursor(Position last, long total, long highest) throws SQLException {
    if (saveCursor == null) {
      saveCursor = writer.prepareStatement(
          "UPDATE store_cursor SET tx = ?, global_seq = ?, changes = ?, max_global_seq = ? WHERE id = 1");
    }
    saveCursor.setLong(1, last.tx());
    saveCursor.setLong(2, last.globalSeq());
    saveCursor.setLong(3, total);
    saveCursor.setLong(4, highest);
    saveCursor.execute();
  }

  /** The feed's appenders on the writer's connection, kept from batch to batch (feed thread only). */
  FeedAppenders feedAppenders() {
    if (feedAppenders == null) {
      feedAppenders = new FeedAppenders(writer);
    }
    return feedAppenders;
  }

  /**
   * Drops the feed's appenders after a failed batch, with whatever rows they had not flushed:
   * closing an appender flushes it, so they are closed inside a transaction that is then rolled
   * back (begun by a statement, as each batch's is). The next batch makes new ones.
   */
  void discardFeedAppenders() throws SQLException {
    if (feedAppenders == null) {
      return;
    }
    FeedAppenders dropped = feedAppenders;
    feedAppenders = null;
    boolean autoCommit = writer.getAutoCommit();
    writer.setAutoCommit(false);
    try {
      try (Statement statement = writer.createStatement()) {
        statement.execute("SELECT 1");
      }
      dropped.closeQuietly();
    } finally {
      writer.rollback();
      writer.setAutoCommit(autoCommit);
    }
  }

  /**
   * Called by the feed after it committed a batch, with the {@code global_seq} of each change of
   * it: the waiters of those changes run here, on the feed's thread (they must only hand over).
   */
  void advanced(Position to, long added, long maxSeq, long[] seqs) {
    List<Waiter> ready = null;
    synchronized (waiters) {
      if (!waiters.isEmpty()) {
        for (long seq : seqs) {
          List<Waiter> at = waiters.remove(seq);
          if (at != null) {
            if (ready == null) {
              ready = new ArrayList<>();
            }
            ready.addAll(at);
          }
        }
      }
      position = to;
      changes += added;
      maxGlobalSeq = Math.max(maxGlobalSeq, maxSeq);
    }
    if (ready != null) {
      for (Waiter waiter : ready) {
        waiter.then.run();
      }
    }
  }

  /**
   * Runs {@code then} once the store has read the change with this {@code global_seq}, from
   * the feed's thread right after the batch that holds it was committed (so {@code then} must
   * only hand over, for example to a Vert.x context). No DuckDB work and no polling.
   *
   * <p>A {@code global_seq} above {@link #analyticsSeq} at this call was not in any batch read
   * so far (every one read is at most that, and the two are compared under one lock), so the
   * batch that holds it completes the waiter. One at or below it may have been read already, or
   * not yet: {@code global_seq} is drawn at insert, not at commit, so a transaction can commit
   * after one with a higher number, and the feed reads it then. For such a waiter
   * {@link Waiter#lookUp()} is true and the caller asks {@link #holds} once (on a worker), after
   * this call: a batch committed before the look-up is seen by it, one after completes the
   * waiter. Either may run {@code then}; it must tolerate running twice.
   */
  public Waiter whenRead(long globalSeq, Runnable then) {
    synchronized (waiters) {
      Waiter waiter = new Waiter(globalSeq, then, globalSeq <= maxGlobalSeq);
      waiters.computeIfAbsent(globalSeq, seq -> new ArrayList<>(1)).add(waiter);
      awaited = true;
      return waiter;
    }
  }

  /** Forgets a waiter (its request gave up or was served by the look-up). */
  public void cancel(Waiter waiter) {
    synchronized (waiters) {
      List<Waiter> at = waiters.get(waiter.globalSeq);
      if (at != null && at.remove(waiter) && at.isEmpty()) {
        waiters.remove(waiter.globalSeq);
      }
    }
  }

  /** How many waiters wait for a change (a gauge: requests with {@code minSeq} ahead of the store). */
  public int waiting() {
    synchronized (waiters) {
      int count = 0;
      for (List<Waiter> at : waiters.values()) {
        count += at.size();
      }
      return count;
    }
  }

  /**
   * A request's wait for one change ({@link #whenRead}).
   */
  public static final class Waiter {
    private final long globalSeq;
    private final Runnable then;
    private final boolean lookUp;

    private Waiter(long globalSeq, Runnable then, boolean lookUp) {
      this.globalSeq = globalSeq;
      this.then = then;
      this.lookUp = lookUp;
    }

    /** Whether the change may have been read before the waiter was added: ask {@link #holds} once. */
    public boolean lookUp() {
      return lookUp;
    }
  }

  /**
   * Whether the store has read the change at {@code (tx, globalSeq)} of the outbox's order (the
   * journal row's {@code tx} and {@code global_seq}): its cursor is at or past it. A comparison in
   * memory, no DuckDB work: for a caller that knows the change's transaction, unlike
   * {@link #holds}, which has only the {@code global_seq} and looks it up.
   */
  public boolean passed(long tx, long globalSeq) {
    Position at = position;
    return at.tx() > tx || (at.tx() == tx && at.globalSeq() >= globalSeq);
  }

  /**
   * DuckDB's own memory in use (its buffer manager's, every tag: tables, indexes, query state),
   * in bytes. Blocks.
   */
  public long memoryBytes() throws SQLException {
    try (Statement statement = reader().createStatement();
        ResultSet row = statement.executeQuery("SELECT sum(memory_usage_bytes) FROM duckdb_memory()")) {
      row.next();
      return row.getLong(1);
    }
  }

  /**
   * Whether the change with this {@code global_seq} has been read. Blocks. A no also tells the
   * feed that a request waits (see {@link #awaited}).
   */
  public boolean holds(long globalSeq) throws SQLException {
    if (globalSeq <= 0) {
      return true;
    }
    if (globalSeq > maxGlobalSeq) {
      awaited = true;
      return false;
    }
    try (PreparedStatement statement = reader().prepareStatement("SELECT 1 FROM events WHERE global_seq = ?")) {
      statement.setLong(1, globalSeq);
      try (ResultSet rows = statement.executeQuery()) {
        boolean held = rows.next();
        if (!held) {
          awaited = true;
        }
        return held;
      }
    }
  }

  /**
   * Whether a request has waited for a change the store had not read since the last call (and
   * clears it): the feed then reads at once instead of letting a small batch grow.
   */
  boolean awaited() {
    if (!awaited) {
      return false;
    }
    awaited = false;
    return true;
  }

  /**
   * This thread's reading connection, a duplicate of the store's database made on first use.
   * Only for worker threads of the store's pools.
   */
  public Connection reader() throws SQLException {
    Connection connection = threadReader.get();
    if (connection == null || connection.isClosed()) {
      connection = duplicate();
      synchronized (readers) {
        readers.add(connection);
      }
      threadReader.set(connection);
    }
    return connection;
  }

  @Override
  public void close() {
    synchronized (readers) {
      for (Connection connection : readers) {
        closeQuietly(connection);
      }
      readers.clear();
    }
    synchronized (this) {
      if (feedAppenders != null) {
        // They hold no rows between batches; closed before their connection.
        feedAppenders.closeQuietly();
        feedAppenders = null;
      }
      if (saveCursor != null) {
        try {
          saveCursor.close();
        } catch (SQLException e) {
          // Closing: the connection goes next.
        }
      }
      if (seriesWriter != null) {
        closeQuietly(seriesWriter);
      }
    }
    closeQuietly(writer);
  }

  private static void closeQuietly(Connection connection) {
    try {
      connection.close();
    } catch (SQLException e) {
      // Closing: nothing more to do with it.
    }
  }
}
