package io.portfoliostate.integration.duckdb;

import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.Decimals;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.PortfolioCreated;
import io.portfoliostate.domain.PortfolioEvent;
import io.portfoliostate.domain.PortfolioState;
import io.portfoliostate.domain.Position;
import io.portfoliostate.domain.PositionKey;
import io.portfoliostate.domain.Split;
import io.portfoliostate.domain.performance.DailyPoint;
import io.portfoliostate.domain.performance.MarketNeeds;
import io.portfoliostate.domain.performance.PerformanceCalculator;
import io.portfoliostate.domain.performance.PerformanceReport;
import io.portfoliostate.domain.performance.PriceHistory;
import io.portfoliostate.domain.timeline.BusinessTime;
import io.portfoliostate.domain.valuation.FxRate;
import io.portfoliostate.domain.valuation.Price;
import io.portfoliostate.market.MarketView;
import io.portfoliostate.persistence.DailyCloses;
import io.portfoliostate.persistence.PerformanceHistory;
import io.portfoliostate.protocol.FoldingEvents;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.portfoliostate.persistence.MarketRecords;
import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;

/**
 * The store's daily series (docs/analytics.md): each portfolio's NAV and return at the end of
 * every weekday in business time, and the quantity of each of its positions, over a window of
 * {@code analytics.series.days} weekdays ending today.
 *
 * <p>The figures are those of {@code GET /portfolios/{id}/performance} by construction: the
 * same fold ({@link BusinessTime#at}) of the portfolio's journal (read from the store's
 * {@code events}), the same prices and FX rates at each day's end as the performance read's
 * history (read from PostgreSQL by {@link DailyCloses}: each day's last observation only, which
 * is all a valuation at the days' ends reads), valued by the same {@link PerformanceCalculator}. Price history
 * stays in PostgreSQL, where it is indexed by instrument and time; the store keeps the results.
 *
 * <p>Incremental: a change to a portfolio marks it <em>pending from</em> the first business date
 * it can change (a trade's execution date, a flow's date, a correction's earlier date, a split's
 * effective date); a price or rate marks the portfolios that deal in it from its observation
 * date; a new day marks every portfolio from that day. A refresh recomputes a pending portfolio
 * from the weekday before its date (the fold itself reads the whole journal) and replaces only
 * the days from its date on. Blocking methods run on the feed's series worker.
 */
final class DailySeries {

  /** One portfolio to recompute: from {@code from} on, as of the journal up to {@code seq}. */
  record Job(String portfolioId, LocalDate from, long seq) {
  }

  /** What a job needs read from PostgreSQL: its journal parsed, its window and its instruments. */
  record Prepared(Job job, List<PortfolioEvent> journal, CurrencyCode base, LocalDate windowStart,
      LocalDate computeFrom, LocalDate today, Set<InstrumentId> instruments, Set<CurrencyCode> currencies,
      List<Split> splits) {
  }

  /** Prepared with its price history. */
  record Loaded(Prepared prepared, List<Price> prices, List<FxRate> rates) {
  }

  /**
   * What one refresh read of the stored prices and rates: the instruments and currencies that
   * moved, each from the first day it moved, how many rows, and where the read got to.
   */
  record MarketMoves(Map<String, LocalDate> instruments, Map<String, LocalDate> currencies, PriceCoverage coverage,
      long rows) {
  }

  /** Rows of the market order per statement, and statements per refresh at most (the rest waits for the next). */
  static final int MARKET_ROWS = 50_000;
  static final int MARKET_READS = 10;

  private final AnalyticsStore store;
  private final DailyCloses closes;
  private final MarketView market;
  private final int days;
  /** Where the reads of the market order got to (null: not loaded yet); one refresh at a time. */
  private volatile PriceCoverage covered;
  private volatile boolean coverageLoaded;
  private Counter marketRows;
  private Timer marketReads;
  /** The journals of the last refreshes, parsed (one refresh at a time uses them). */
  private final KeptJournals kept;
  /** Journal events a refresh took: read from the store ("store") or kept from before ("kept"). */
  private Map<String, Counter> journalEvents;

  /** Daily series that keep no journal between refreshes. */
  DailySeries(AnalyticsStore store, PerformanceHistory history, MarketView market, int days) {
    this(store, history, market, days, 0);
  }

  /** @param keptEvents how many journal events the refreshes keep parsed ({@link KeptJournals}) */
  DailySeries(AnalyticsStore store, PerformanceHistory history, MarketView market, int days, int keptEvents) {
    this.store = store;
    this.closes = history.closes();
    this.market = market;
    this.days = days;
    this.kept = new KeptJournals(keptEvents);
  }

  /**
   * Registers {@code pstate.analytics.series.prices} (rows of prices and rates read from
   * PostgreSQL by the refreshes) and {@code pstate.analytics.series.priceSeq} (the answers'
   * {@code priceSeq}).
   */
  void register(MeterRegistry registry) {
    marketRows = Counter.builder("pstate.analytics.series.prices")
        .description("price and FX rate rows the daily series read from PostgreSQL, in market order")
        .register(registry);
    Gauge.builder("pstate.analytics.series.priceSeq", store, s -> s.priceCoverage().priceSeq())
        .description("the highest market_seq the daily series have read").register(registry);
    marketReads = Timer.builder("pstate.analytics.series.priceRead")
        .description("time of one refresh's read of the stored prices and rates from PostgreSQL").register(registry);
    Map<String, Counter> events = new HashMap<>();
    for (String source : List.of("store", "kept")) {
      events.put(source, Counter.builder("pstate.analytics.series.journal").tag("source", source)
          .description("journal events the refreshes folded: read from the store's events, or kept parsed")
          .register(registry));
    }
    journalEvents = events;
    Gauge.builder("pstate.analytics.series.keptEvents", kept, KeptJournals::events)
        .description("journal events the daily series keep parsed between refreshes").register(registry);
  }

  /**
   * Reads the prices and rates stored after the last refresh's place, in {@code (tx,
   * market_seq)} order over finished transactions ({@link MarketRecords#next}), as the feed reads
   * the journal: the bus's market updates reach only the nodes up at the time, and a row with a
   * smaller {@code market_seq} can commit after one with a larger, so the order and its cursor
   * are what nothing slips past. Up to {@value #MARKET_READS} statements of
   * {@value #MARKET_ROWS} rows; when the last one is not full every row below its horizon has
   * been read ({@link PriceCoverage#coveredXmin}). A new store reads the order from its start
   * (the rows are grouped in PostgreSQL, and portfolios the feed has not read are marked by
   * nothing); a store from before the cursor starts at the horizon and catches up once by
   * {@code recorded_at} ({@link #recordedThrough}). Nothing is saved here: {@link #mark} saves
   * the place with the marks.
   */
  Future<MarketMoves> readMarket(MarketRecords records, WorkerExecutor executor) {
    long began = System.nanoTime();
    return readMarketFrom(records, executor).andThen(read -> {
      if (read.succeeded() && marketReads != null) {
        marketReads.record(System.nanoTime() - began, java.util.concurrent.TimeUnit.NANOSECONDS);
      }
    });
  }

  private Future<MarketMoves> readMarketFrom(MarketRecords records, WorkerExecutor executor) {
    Future<java.util.Optional<PriceCoverage>> start = coverageLoaded
        ? Future.succeededFuture(java.util.Optional.ofNullable(covered))
        : executor.executeBlocking(() -> java.util.Optional.ofNullable(loadCoverage(store.reader())), false);
    return start.compose(from -> {
      if (!coverageLoaded) {
        coverageLoaded = true;
        covered = from.orElse(null);
        from.ifPresent(store::pricesCovered);
      }
      return records.horizon().compose(xmin -> {
        if (from.isEmpty()) {
          return Future.succeededFuture(new MarketMoves(Map.of(), Map.of(), new PriceCoverage(xmin, 0, 0, xmin, 1), 0));
        }
        PriceCoverage at = from.get();
        return readMarket(records, at, xmin, new MarketRecords.Position(at.tx(), at.marketSeq()), at.priceSeq(),
            new HashMap<>(), new HashMap<>(), 0, 0);
      });
    });
  }

  private Future<MarketMoves> readMarket(MarketRecords records, PriceCoverage from, long xmin,
      MarketRecords.Position after, long priceSeq, Map<String, LocalDate> instruments,
      Map<String, LocalDate> currencies, long rows, int reads) {
    return records.next(after, xmin, MARKET_ROWS).compose(batch -> {
      batch.instruments().forEach((id, at) -> instruments.merge(id, day(at), DailySeries::earlier));
      batch.currencies().forEach((code, at) -> currencies.merge(code, day(at), DailySeries::earlier));
      MarketRecords.Position last = batch.last() == null ? after : batch.last();
      long highest = Math.max(priceSeq, batch.highestSeq());
      long total = rows + batch.rows();
      boolean full = batch.rows() >= MARKET_ROWS;
      if (full && reads + 1 < MARKET_READS) {
        return readMarket(records, from, xmin, last, highest, instruments, currencies, total, reads + 1);
      }
      // Covered up to the horizon only when the read got to its end.
      long coveredXmin = full ? from.coveredXmin() : Math.max(xmin, from.coveredXmin());
      return Future.succeededFuture(new MarketMoves(instruments, currencies,
          new PriceCoverage(last.tx(), last.marketSeq(), highest, coveredXmin, from.refresh() + 1), total));
    });
  }

  /**
   * The store's place in the market order; {@link PriceCoverage#NONE} (the start of the order)
   * for a new store, one that never refreshed its series; null for a store that refreshed them
   * before it read the market order (it starts at the horizon). Blocks.
   */
  static PriceCoverage loadCoverage(Connection connection) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      try (ResultSet row = statement.executeQuery(
          "SELECT tx, market_seq, price_seq, covered_xmin, refresh FROM daily_price_cursor WHERE id = 1")) {
        if (row.next()) {
          return new PriceCoverage(row.getLong(1), row.getLong(2), row.getLong(3), row.getLong(4), row.getLong(5));
        }
      }
      try (ResultSet row = statement.executeQuery("SELECT count(*) FROM daily_market_cursor")) {
        row.next();
        return row.getLong(1) == 0 ? PriceCoverage.NONE : null;
      }
    }
  }

  private static LocalDate day(Instant at) {
    return at.atZone(ZoneOffset.UTC).toLocalDate();
  }

  /** The first weekday of the window ending {@code today}: {@code days} weekdays in all. */
  LocalDate windowStart(LocalDate today) {
    LocalDate date = lastWeekday(today);
    for (int i = 1; i < days; i++) {
      date = previousWeekday(date);
    }
    return date;
  }

  /**
   * Up to {@code limit} pending portfolios, the longest pending first: a portfolio is pending
   * while the feed's latest mark ({@code daily_pending.seq}) is newer than the refresh that last
   * covered it ({@code daily_done.seq}), or while a price, rate or day marked it
   * ({@code daily_marks}). The order is the number of the first refresh that saw it pending
   * ({@code daily_mark_refresh}), then the journal's: when every refresh marks more portfolios
   * than it takes (prices of every instrument ticking), none waits behind the others for ever.
   * The feed and the refresh write different tables, so their transactions never conflict.
   * Blocks.
   */
  List<Job> pending(Connection connection, int limit) throws SQLException {
    return pending(connection, limit, List.of());
  }

  /**
   * {@link #pending(Connection, int)}, the members of {@code waited} first (the sets of requests
   * waiting for the series, with {@code minPriceSeq} or {@code minSeq}: with more portfolios
   * marked than a refresh takes, a waited one would otherwise wait its turn behind the others,
   * for longer than the request may).
   */
  List<Job> pending(Connection connection, int limit, List<AnalyticsQueries.PortfolioSet> waited)
      throws SQLException {
    StringBuilder members = new StringBuilder();
    for (AnalyticsQueries.PortfolioSet set : waited) {
      members.append(members.isEmpty() ? "" : " UNION ").append("SELECT portfolio_id FROM (").append(set.sql())
          .append(")");
    }
    List<Job> jobs = new ArrayList<>();
    try (PreparedStatement statement = connection.prepareStatement(
        "WITH waited AS (" + (waited.isEmpty() ? "SELECT NULL::VARCHAR AS portfolio_id WHERE false" : members)
            + "), feed AS (SELECT p.portfolio_id, min(p.from_date) AS from_date, max(p.seq) AS seq FROM daily_pending p "
            + "LEFT JOIN daily_done d ON d.portfolio_id = p.portfolio_id WHERE d.seq IS NULL OR p.seq > d.seq "
            + "GROUP BY p.portfolio_id), "
            + "marks AS (SELECT m.portfolio_id, m.from_date, coalesce(d.seq, 0) AS seq FROM daily_marks m "
            + "LEFT JOIN daily_done d ON d.portfolio_id = m.portfolio_id) "
            + "SELECT j.portfolio_id, min(j.from_date) AS from_date, max(j.seq) AS seq FROM "
            + "(SELECT * FROM feed UNION ALL SELECT * FROM marks) j LEFT JOIN daily_mark_refresh r "
            + "ON r.portfolio_id = j.portfolio_id GROUP BY j.portfolio_id "
            + "ORDER BY CASE WHEN j.portfolio_id IN (SELECT portfolio_id FROM waited) THEN 0 ELSE 1 END, "
            + "min(coalesce(r.refresh, 9223372036854775807)), max(j.seq) LIMIT ?")) {
      int index = 1;
      for (AnalyticsQueries.PortfolioSet set : waited) {
        index = set.bind(statement, index);
      }
      statement.setInt(index, limit);
      try (ResultSet rows = statement.executeQuery()) {
        while (rows.next()) {
          jobs.add(new Job(rows.getString(1), rows.getObject(2, LocalDate.class), rows.getLong(3)));
        }
      }
    }
    return jobs;
  }

  /**
   * Marks (in {@code daily_marks}, which only the series worker writes) the portfolios that deal
   * in a moved instrument or currency from the first date it moved, and every portfolio whose
   * series was last computed before the last weekday up to {@code today} from that day (a new
   * day; a day computed before its last prices came). Blocks.
   */
  void mark(DuckDBConnection connection, Map<String, LocalDate> instruments, Map<String, LocalDate> currencies,
      LocalDate today) throws SQLException {
    mark(connection, instruments, currencies, today, null);
  }

  /**
   * {@link #mark(DuckDBConnection, Map, Map, LocalDate)}, and, in the same transaction, that
   * every price and rate recorded up to {@code recordedThrough} (null: unchanged) is marked.
   */
  void mark(DuckDBConnection connection, Map<String, LocalDate> instruments, Map<String, LocalDate> currencies,
      LocalDate today, java.time.Instant recordedThrough) throws SQLException {
    mark(connection, instruments, currencies, today, recordedThrough, null);
  }

  /**
   * {@link #mark(DuckDBConnection, Map, Map, LocalDate, Instant)} with what a read of the stored
   * prices and rates found ({@link #readMarket}; null for none): its instruments and currencies
   * are marked too, and its place in the market order is saved in the same transaction, so a
   * restart resumes there and a crash before the commit reads the same rows again. Each portfolio
   * pending and not yet recomputed keeps the number of the first refresh that saw it pending
   * ({@code daily_mark_refresh}: the order of {@link #pending}, and what {@code minPriceSeq}
   * waits for). Blocks.
   */
  void mark(DuckDBConnection connection, Map<String, LocalDate> taken, Map<String, LocalDate> takenCurrencies,
      LocalDate today, java.time.Instant recordedThrough, MarketMoves market) throws SQLException {
    Map<String, LocalDate> instruments = taken;
    Map<String, LocalDate> currencies = takenCurrencies;
    if (market != null && (!market.instruments().isEmpty() || !market.currencies().isEmpty())) {
      instruments = new HashMap<>(taken);
      currencies = new HashMap<>(takenCurrencies);
      for (Map.Entry<String, LocalDate> entry : market.instruments().entrySet()) {
        instruments.merge(entry.getKey(), entry.getValue(), DailySeries::earlier);
      }
      for (Map.Entry<String, LocalDate> entry : market.currencies().entrySet()) {
        currencies.merge(entry.getKey(), entry.getValue(), DailySeries::earlier);
      }
    }
    connection.setAutoCommit(false);
    try {
      if (market != null) {
        PriceCoverage at = market.coverage();
        try (PreparedStatement statement = connection.prepareStatement(
            "INSERT OR REPLACE INTO daily_price_cursor VALUES (1, ?, ?, ?, ?, ?)")) {
          statement.setLong(1, at.tx());
          statement.setLong(2, at.marketSeq());
          statement.setLong(3, at.priceSeq());
          statement.setLong(4, at.coveredXmin());
          statement.setLong(5, at.refresh());
          statement.execute();
        }
      }
      if (recordedThrough != null) {
        try (PreparedStatement statement = connection.prepareStatement(
            "INSERT OR REPLACE INTO daily_market_cursor VALUES (1, ?)")) {
          statement.setObject(1, java.time.OffsetDateTime.ofInstant(recordedThrough, java.time.ZoneOffset.UTC));
          statement.execute();
        }
      }
      if (!instruments.isEmpty() || !currencies.isEmpty()) {
        try (DuckDBAppender moved = connection.createAppender("main", "daily_moved")) {
          for (Map.Entry<String, LocalDate> entry : instruments.entrySet()) {
            moved.beginRow().append("instrument").append(entry.getKey()).append(entry.getValue()).endRow();
          }
          for (Map.Entry<String, LocalDate> entry : currencies.entrySet()) {
            moved.beginRow().append("currency").append(entry.getKey()).append(entry.getValue()).endRow();
          }
        }
      }
      // The marks of moved instruments and currencies are looked up only when something moved
      // (the lookup reads the trades); a new day is found in daily_done alone.
      String moved = instruments.isEmpty() && currencies.isEmpty() ? "" : "SELECT t.portfolio_id, x.from_date "
          + "FROM daily_moved x JOIN (SELECT DISTINCT portfolio_id, instrument_id FROM trades) t "
          + "ON x.kind = 'instrument' AND t.instrument_id = x.key UNION ALL SELECT c.portfolio_id, x.from_date "
          + "FROM daily_moved x JOIN (SELECT DISTINCT portfolio_id, currency FROM cash_movements UNION "
          + "SELECT portfolio_id, base_currency FROM portfolios) c ON x.kind = 'currency' AND c.currency = x.key "
          + "UNION ALL ";
      try (PreparedStatement statement = connection.prepareStatement(
          "INSERT OR REPLACE INTO daily_marks SELECT n.portfolio_id, least(min(n.from_date), "
              + "any_value(m.from_date)) FROM (" + moved + "SELECT portfolio_id, through AS from_date FROM daily_done "
              + "WHERE through < ?) n LEFT JOIN daily_marks m ON m.portfolio_id = n.portfolio_id "
              + "GROUP BY n.portfolio_id")) {
        statement.setObject(1, lastWeekday(today));
        statement.execute();
      }
      if (market != null) {
        // Each portfolio pending (marked, or changed by the feed since its last refresh) keeps
        // the number of the refresh that first saw it so: the order of pending(), and what
        // minPriceSeq waits for.
        try (PreparedStatement statement = connection.prepareStatement(
            "INSERT OR IGNORE INTO daily_mark_refresh SELECT DISTINCT portfolio_id, ? FROM (SELECT portfolio_id "
                + "FROM daily_marks UNION ALL SELECT p.portfolio_id FROM daily_pending p LEFT JOIN daily_done d "
                + "ON d.portfolio_id = p.portfolio_id WHERE d.seq IS NULL OR p.seq > d.seq)")) {
          statement.setLong(1, market.coverage().refresh());
          statement.execute();
        }
      }
      if (!moved.isEmpty()) {
        try (Statement statement = connection.createStatement()) {
          statement.execute("DELETE FROM daily_moved");
        }
      }
      connection.commit();
    } catch (SQLException | RuntimeException e) {
      connection.rollback();
      throw e;
    } finally {
      connection.setAutoCommit(true);
    }
    if (market != null) {
      covered = market.coverage();
      store.pricesCovered(covered);
      if (marketRows != null) {
        marketRows.increment(market.rows());
      }
    }
  }

  /**
   * Marks the portfolios a feed batch changed, each from the first business date it changed, in
   * the batch's own transaction on the feed's connection: one appended row per portfolio and
   * batch in {@code daily_pending} (no index, no update: an upsert per portfolio cost the feed
   * more than reading the batch), through the feed's kept appender of that table. {@code seq}
   * grows with every batch. Blocks.
   */
  static void markChanged(DuckDBAppender pending, Map<String, LocalDate> changed, long seq) throws SQLException {
    for (Map.Entry<String, LocalDate> entry : changed.entrySet()) {
      pending.beginRow().append(entry.getKey()).append(entry.getValue()).append(seq).endRow();
    }
  }

  /**
   * Up to when every recorded price and rate was marked (the last refresh's moment), or null
   * for a store that never marked any. Blocks.
   */
  static java.time.Instant recordedThrough(Connection connection) throws SQLException {
    // A store that reads the market order resumes at its cursor (readMarket): what was recorded
    // while the node was down is read there, so no catch-up by recorded_at is needed. Only a
    // store from before that cursor catches up this way, once.
    if (loadCoverage(connection) != null) {
      return null;
    }
    try (Statement statement = connection.createStatement();
        ResultSet row = statement.executeQuery("SELECT recorded_through FROM daily_market_cursor WHERE id = 1")) {
      return row.next() ? row.getObject(1, java.time.OffsetDateTime.class).toInstant() : null;
    }
  }

  /** The earlier of two dates (for merging marks). */
  static LocalDate earlier(LocalDate a, LocalDate b) {
    return a.isBefore(b) ? a : b;
  }

  /** The journal kept for {@code portfolioId} between refreshes, or null (for tests). */
  KeptJournals.Journal keptJournal(String portfolioId) {
    return kept.journal(portfolioId);
  }

  /** The journals of {@code jobs}, parsed ({@link #journals}), with each one's window. Blocks. */
  List<Prepared> prepare(Connection connection, List<Job> jobs, LocalDate today) throws SQLException {
    Map<String, List<PortfolioEvent>> journals = journals(connection, jobs);
    LocalDate windowStart = windowStart(today);
    List<Prepared> prepared = new ArrayList<>();
    for (Job job : jobs) {
      List<PortfolioEvent> journal = journals.get(job.portfolioId());
      if (journal.isEmpty() || !(journal.get(0) instanceof PortfolioCreated)) {
        // Not in the store (yet): nothing to compute; the refresh is recorded all the same.
        prepared.add(new Prepared(job, List.of(), null, windowStart, today, today, Set.of(), Set.of(), List.of()));
        continue;
      }
      LocalDate first = max(PerformanceCalculator.inception(journal), windowStart);
      // The weekday before the first changed day: its NAV is the start the changed day's return needs.
      LocalDate computeFrom = max(first, previousWeekday(max(job.from(), first)));
      // As the performance read values the same journal.
      MarketNeeds needs = MarketNeeds.of(journal);
      Set<InstrumentId> instruments = needs.instruments();
      List<Split> splits = needs.splits(instruments, market::actionsOf);
      prepared.add(new Prepared(job, journal, needs.base(), first, computeFrom, max(today, computeFrom), instruments,
          needs.currencies(), splits));
    }
    return prepared;
  }

  /**
   * The journals of {@code jobs} in journal order: each one's kept events ({@link KeptJournals})
   * and the events the store holds after them, read from {@code events} and parsed as the
   * performance read parses its journal ({@link FoldingEvents}: a trade's restated positions,
   * most of a long journal's text, are not read; a business-time fold never uses them). Keeps
   * what it read for the next refresh unless the versions read have a gap (a later event in the
   * store before an earlier one: used this once, asked again next time). Blocks.
   *
   * <p>Only the rows appended since the oldest of the jobs' kept journals was read are scanned
   * ({@code rowid >= ?}, which DuckDB answers from its row groups' ranges). Why: DuckDB has no
   * index for {@code (portfolio_id = ? AND version > ?) OR ...}, so without it every refresh
   * scanned the whole table, which grows by every change the node takes (BENCHMARKS.md,
   * h/store18). The bound is the table's rows before the read ({@link #rowsNow}): the store's
   * events are only ever appended, by one feed at a time, so a row committed after that has a
   * higher {@code rowid}, and every event of a kept portfolio after its kept version came after
   * its read (one before would have been read with it).
   */
  private Map<String, List<PortfolioEvent>> journals(Connection connection, List<Job> jobs) throws SQLException {
    Map<String, List<PortfolioEvent>> result = new LinkedHashMap<>();
    if (jobs.isEmpty()) {
      return result;
    }
    long rowsBefore = rowsNow();
    Map<String, Appended> appended = new LinkedHashMap<>();
    StringBuilder where = new StringBuilder();
    long scanFrom = Long.MAX_VALUE;
    for (Job job : jobs) {
      KeptJournals.Journal journal = kept.journal(job.portfolioId());
      appended.put(job.portfolioId(), new Appended(journal));
      scanFrom = Math.min(scanFrom, journal == null ? 0 : journal.rowsAfter());
      where.append(where.isEmpty() ? "" : " OR ").append("(portfolio_id = ? AND version > ?)");
    }
    long readFromStore = 0;
    try (PreparedStatement statement = connection.prepareStatement(
        "SELECT portfolio_id, version, type, payload FROM events WHERE rowid >= ? AND (" + where
            + ") ORDER BY portfolio_id, version")) {
      statement.setLong(1, scanFrom);
      int index = 2;
      for (Map.Entry<String, Appended> entry : appended.entrySet()) {
        statement.setString(index++, entry.getKey());
        statement.setLong(index++, entry.getValue().after());
      }
      FoldingEvents reader = new FoldingEvents();
      try (ResultSet rows = statement.executeQuery()) {
        while (rows.next()) {
          String type = rows.getString(3);
          String line = type + '\t' + rows.getString(4);
          appended.get(rows.getString(1)).add(rows.getLong(2), reader.event(line, 0, type.length(), line.length()));
          readFromStore++;
        }
      }
    }
    long fromKept = 0;
    for (Map.Entry<String, Appended> entry : appended.entrySet()) {
      Appended one = entry.getValue();
      List<PortfolioEvent> events = one.journal();
      fromKept += one.kept == null ? 0 : one.kept.events().size();
      if (one.whole && (!one.events.isEmpty() || one.kept != null)) {
        // Kept again when nothing was added too: the next read starts after this one's rows.
        kept.keep(entry.getKey(), new KeptJournals.Journal(one.version, events, rowsBefore));
      }
      result.put(entry.getKey(), events);
    }
    if (journalEvents != null) {
      journalEvents.get("store").increment(readFromStore);
      journalEvents.get("kept").increment(fromKept);
    }
    return result;
  }

  /**
   * A row count of {@code events} that every row committed later reaches or passes with its
   * {@code rowid}: the changes the store holds ({@link AnalyticsStore#changes}, one row each,
   * counted after each batch's commit). The table is only appended to, so the n-th row appended
   * has a {@code rowid} of at least n - 1. Not {@code max(rowid)}: that scans the whole table
   * (7 ms at 3 million rows, more than the read it bounds); nor {@code count(*)} (1 ms).
   */
  private long rowsNow() {
    return store.changes();
  }

  /** One job's kept journal and the events read after it. */
  private static final class Appended {
    private final KeptJournals.Journal kept;
    private final List<PortfolioEvent> events = new ArrayList<>();
    private long version;
    /** Whether the versions read follow the kept one without a gap. */
    private boolean whole = true;

    Appended(KeptJournals.Journal kept) {
      this.kept = kept;
      this.version = after();
    }

    long after() {
      return kept == null ? 0 : kept.version();
    }

    void add(long eventVersion, PortfolioEvent event) {
      whole &= eventVersion == version + 1;
      version = eventVersion;
      events.add(event);
    }

    /** The kept events and those read after them (a new list: the kept one is never changed). */
    List<PortfolioEvent> journal() {
      if (kept == null) {
        return events;
      }
      if (events.isEmpty()) {
        return kept.events();
      }
      List<PortfolioEvent> all = new ArrayList<>(kept.events().size() + events.size());
      all.addAll(kept.events());
      all.addAll(events);
      return all;
    }
  }

  /**
   * The prices and rates of a job's window, from PostgreSQL: for each instrument and pair only
   * the last observation at or before each day's end ({@link DailyCloses}), the only ones a
   * valuation at the days' ends reads, so a refresh's cost follows days × instruments, not the
   * ticks of the day (BENCHMARKS.md). The figures are those of the full history.
   */
  Future<Loaded> load(Prepared prepared) {
    if (prepared.base() == null) {
      return Future.succeededFuture(new Loaded(prepared, List.of(), List.of()));
    }
    List<LocalDate> dates = PerformanceCalculator.weekdays(prepared.computeFrom(), prepared.today());
    return closes.prices(prepared.instruments(), dates).compose(texts -> {
      Set<CurrencyCode> all = new HashSet<>(prepared.currencies());
      all.addAll(texts.currencies());
      return closes.rates(all, dates).map(rates -> new Loaded(prepared, texts.prices(), rates));
    });
  }

  /**
   * One job folded and valued ({@link #compute}): the rows its write puts in place of its days
   * from {@code replaceFrom} on. Computed off the store's connection, so a refresh can fold one
   * portfolio at a time and let the live fan-out run between them (AnalyticsFeedVerticle).
   */
  record Computed(Prepared prepared, List<NavRow> navs, List<SpanRow> spans) {
  }

  /** One {@code daily_nav} row, as written. */
  record NavRow(LocalDate date, String nav, double navValue, String netFlow, String income, Double dailyReturn) {
  }

  /** One {@code daily_position_spans} row: a position's quantity unchanged from {@code since} to {@code last}. */
  record SpanRow(String instrumentId, String strategy, BigDecimal quantity, LocalDate since, LocalDate last) {
  }

  /**
   * Folds a loaded job's journal at each day's end and values the days, as the performance read
   * does: the rows of the days it replaces. Pure CPU (no connection): one job is a bounded piece
   * of a refresh (a few milliseconds for a journal of thousands of events, BENCHMARKS.md).
   */
  Computed compute(Loaded one) {
    Prepared p = one.prepared();
    if (p.base() == null) {
      return new Computed(p, List.of(), List.of());
    }
    List<LocalDate> dates = PerformanceCalculator.weekdays(p.computeFrom(), p.today());
    if (dates.isEmpty()) {
      return new Computed(p, List.of(), List.of());
    }
    // Days from here on are replaced; the weekday before is computed only for its NAV.
    LocalDate replaceFrom = replaceFrom(p);
    List<Instant> ends = dates.stream().map(PerformanceCalculator::endOf).toList();
    List<PortfolioState> states = BusinessTime.at(p.journal(), ends);
    PerformanceReport report = PerformanceCalculator.compute(new PerformanceCalculator.Inputs(
        p.computeFrom(), p.today(), p.base(), dates, states, p.journal(),
        new PriceHistory(one.prices(), one.rates(), p.splits()), market, null, 0.0, null));
    List<NavRow> navs = new ArrayList<>();
    for (DailyPoint point : report.series()) {
      if (point.date().isBefore(replaceFrom)) {
        continue;
      }
      navs.add(new NavRow(point.date(), Decimals.plain(point.nav()), point.nav().doubleValue(),
          Decimals.plain(point.netFlow()), Decimals.plain(point.income()),
          point.dailyReturn() == null ? null : point.dailyReturn().doubleValue()));
    }
    return new Computed(p, navs, spans(dates, states, replaceFrom));
  }

  /** {@link #compute}s each loaded job and {@link #writeComputed writes} them together. Blocks. */
  void write(DuckDBConnection connection, List<Loaded> loaded) throws SQLException {
    writeComputed(connection, loaded.stream().map(this::compute).toList());
  }

  /**
   * Replaces each computed job's days from its first changed date and records the refresh, all in
   * one transaction of {@code connection}: a reader sees every portfolio of the refresh before
   * or after, never part of one, and a portfolio counts as done ({@code daily_done}, what
   * {@code minSeq} and {@code minPriceSeq} wait for) only with its days in place. Blocks.
   */
  void writeComputed(DuckDBConnection connection, List<Computed> computed) throws SQLException {
    connection.setAutoCommit(false);
    try {
      try (DuckDBAppender navs = connection.createAppender("main", "daily_nav");
          DuckDBAppender spans = connection.createAppender("main", "daily_position_spans");
          DuckDBAppender done = connection.createAppender("main", "daily_done_log")) {
        // Every portfolio's replaced days go first, in four statements for all of them (four per
        // portfolio were most of the write's statements, each a scan of its table).
        delete(connection, computed.stream().map(Computed::prepared).toList());
        for (Computed one : computed) {
          Prepared p = one.prepared();
          String id = p.job().portfolioId();
          for (NavRow row : one.navs()) {
            navs.beginRow().append(id).append(row.date()).append(p.base().value()).append(row.nav())
                .append(row.navValue()).append(row.netFlow()).append(row.income());
            if (row.dailyReturn() == null) {
              navs.appendNull();
            } else {
              navs.append(row.dailyReturn().doubleValue());
            }
            navs.endRow();
          }
          for (SpanRow span : one.spans()) {
            spans.beginRow().append(id).append(span.instrumentId()).append(span.strategy()).append(span.quantity())
                .append(span.since()).append(span.last()).endRow();
          }
          done.beginRow().append(id).append(p.job().seq()).append(p.today()).endRow();
        }
      }
      String recomputed = String.join(",", computed.stream().map(one -> one.prepared().job().portfolioId()).toList());
      try (PreparedStatement marks = connection.prepareStatement(
          "DELETE FROM daily_marks WHERE list_contains(string_split(?, ','), portfolio_id)");
          PreparedStatement refreshes = connection.prepareStatement(
              "DELETE FROM daily_mark_refresh WHERE list_contains(string_split(?, ','), portfolio_id)")) {
        marks.setString(1, recomputed);
        marks.execute();
        refreshes.setString(1, recomputed);
        refreshes.execute();
      }
      try (Statement statement = connection.createStatement()) {
        // The latest refresh of each portfolio; the log table is appended (no row is updated
        // twice in a transaction) and folded here.
        statement.execute("INSERT OR REPLACE INTO daily_done SELECT portfolio_id, max(seq), max(through) "
            + "FROM daily_done_log GROUP BY portfolio_id");
        statement.execute("DELETE FROM daily_done_log");
        // Marks the refreshes covered; the feed only appends newer ones, so this never conflicts.
        statement.execute("DELETE FROM daily_pending p USING daily_done d WHERE d.portfolio_id = p.portfolio_id "
            + "AND p.seq <= d.seq");
      }
      connection.commit();
    } catch (SQLException | RuntimeException e) {
      connection.rollback();
      throw e;
    } finally {
      connection.setAutoCommit(true);
    }
  }

  /** The first day a loaded job replaces: its first computed day, or the weekday after it. */
  private static LocalDate replaceFrom(Prepared p) {
    return p.computeFrom().equals(p.windowStart()) ? p.computeFrom() : nextWeekday(p.computeFrom());
  }

  /**
   * Removes each loaded portfolio's days from its first replaced day on and those before its
   * window, and clips its position spans to both, in one statement per step for all of them (a
   * row is one portfolio's, so each step is the same as the portfolio's own statement).
   */
  private static void delete(Connection connection, List<Prepared> prepared) throws SQLException {
    List<Prepared> jobs = prepared.stream().filter(p -> p.base() != null).toList();
    if (jobs.isEmpty()) {
      return;
    }
    StringBuilder navs = new StringBuilder();
    StringBuilder after = new StringBuilder();
    StringBuilder clipTo = new StringBuilder();
    StringBuilder clipped = new StringBuilder();
    StringBuilder cutTo = new StringBuilder();
    StringBuilder cut = new StringBuilder();
    for (int i = 0; i < jobs.size(); i++) {
      String or = i == 0 ? "" : " OR ";
      navs.append(or).append("(portfolio_id = ? AND (date >= ? OR date < ?))");
      after.append(or).append("(portfolio_id = ? AND (from_date >= ? OR to_date < ?))");
      clipTo.append(" WHEN ? THEN CAST(? AS DATE)");
      clipped.append(or).append("(portfolio_id = ? AND from_date < ?)");
      cutTo.append(" WHEN ? THEN CAST(? AS DATE)");
      cut.append(or).append("(portfolio_id = ? AND to_date >= ?)");
    }
    try (PreparedStatement deleteNavs = connection.prepareStatement("DELETE FROM daily_nav WHERE " + navs);
        PreparedStatement deleteAfter = connection.prepareStatement(
            "DELETE FROM daily_position_spans WHERE " + after);
        PreparedStatement clip = connection.prepareStatement(
            "UPDATE daily_position_spans SET from_date = CASE portfolio_id" + clipTo + " END WHERE " + clipped);
        PreparedStatement cutAt = connection.prepareStatement(
            "UPDATE daily_position_spans SET to_date = CASE portfolio_id" + cutTo + " END WHERE " + cut)) {
      int n = 1;
      int a = 1;
      int c = 1;
      int t = 1;
      for (Prepared p : jobs) {
        String id = p.job().portfolioId();
        LocalDate from = replaceFrom(p);
        deleteNavs.setString(n++, id);
        deleteNavs.setObject(n++, from);
        deleteNavs.setObject(n++, p.windowStart());
        deleteAfter.setString(a++, id);
        deleteAfter.setObject(a++, from);
        deleteAfter.setObject(a++, p.windowStart());
        clip.setString(c++, id);
        clip.setObject(c++, p.windowStart());
        cutAt.setString(t++, id);
        cutAt.setObject(t++, previousWeekday(from));
      }
      for (Prepared p : jobs) {
        clip.setString(c++, p.job().portfolioId());
        clip.setObject(c++, p.windowStart());
        cutAt.setString(t++, p.job().portfolioId());
        cutAt.setObject(t++, replaceFrom(p));
      }
      deleteNavs.execute();
      deleteAfter.execute();
      clip.execute();
      cutAt.execute();
    }
  }

  /**
   * Each position's quantity over the days, as spans of equal quantity (a position held a year
   * unchanged is one row, not 261); flat days are left out.
   */
  private static List<SpanRow> spans(List<LocalDate> dates, List<PortfolioState> states, LocalDate from) {
    List<SpanRow> rows = new ArrayList<>();
    Map<PositionKey, Open> open = new HashMap<>();
    for (int i = 0; i < dates.size(); i++) {
      LocalDate date = dates.get(i);
      if (date.isBefore(from)) {
        continue;
      }
      PortfolioState state = states.get(i);
      Map<PositionKey, Position> positions = state == null ? Map.of() : state.positions();
      for (Map.Entry<PositionKey, Open> entry : List.copyOf(open.entrySet())) {
        Position now = positions.get(entry.getKey());
        if (now == null || now.quantity().compareTo(entry.getValue().quantity()) != 0) {
          rows.add(close(entry.getKey(), entry.getValue()));
          open.remove(entry.getKey());
        }
      }
      for (Position position : positions.values()) {
        if (position.quantity().signum() == 0) {
          continue;
        }
        Open span = open.get(position.key());
        open.put(position.key(), span == null ? new Open(position.quantity(), date, date)
            : new Open(span.quantity(), span.since(), date));
      }
    }
    for (Map.Entry<PositionKey, Open> entry : open.entrySet()) {
      rows.add(close(entry.getKey(), entry.getValue()));
    }
    return rows;
  }

  /** A position's quantity unchanged from {@code since} to {@code last}. */
  private record Open(BigDecimal quantity, LocalDate since, LocalDate last) {
  }

  private static SpanRow close(PositionKey key, Open span) {
    // Quantities as the store keeps them: 18 places, half-even (a split can leave more).
    return new SpanRow(key.instrumentId().value(), key.strategy(), span.quantity().setScale(18, RoundingMode.HALF_EVEN),
        span.since(), span.last());
  }

  static LocalDate previousWeekday(LocalDate date) {
    LocalDate day = date.minusDays(1);
    while (day.getDayOfWeek() == DayOfWeek.SATURDAY || day.getDayOfWeek() == DayOfWeek.SUNDAY) {
      day = day.minusDays(1);
    }
    return day;
  }

  static LocalDate nextWeekday(LocalDate date) {
    LocalDate day = date.plusDays(1);
    while (day.getDayOfWeek() == DayOfWeek.SATURDAY || day.getDayOfWeek() == DayOfWeek.SUNDAY) {
      day = day.plusDays(1);
    }
    return day;
  }

  /** {@code date}, or the Friday before it on a weekend. */
  static LocalDate lastWeekday(LocalDate date) {
    return date.getDayOfWeek() == DayOfWeek.SATURDAY || date.getDayOfWeek() == DayOfWeek.SUNDAY
        ? previousWeekday(date) : date;
  }

  private static LocalDate max(LocalDate a, LocalDate b) {
    return a.isAfter(b) ? a : b;
  }

}
