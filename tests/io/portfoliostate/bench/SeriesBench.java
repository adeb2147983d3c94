package io.portfoliostate.bench;

import io.portfoliostate.app.Node;
import io.portfoliostate.domain.analytics.Correlation;
import io.portfoliostate.integration.duckdb.AnalyticsQueries;
import io.portfoliostate.integration.duckdb.AnalyticsQueries.PortfolioSet;
import io.portfoliostate.integration.duckdb.AnalyticsQueries.ReturnMatrix;
import io.portfoliostate.integration.duckdb.AnalyticsStore;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The analytics store's daily series (issue 16), on one node with an embedded PostgreSQL:
 *
 * <ol>
 *   <li>a journal written straight into PostgreSQL: {@code portfolios} portfolios, each created
 *       and funded {@code days} weekdays ago and buying {@code positions} of {@code instruments}
 *       instruments then, and one more trade half-way; a price of every instrument at 16:00 of
 *       every weekday (a random walk, 1 % daily volatility);
 *   <li>a node started on it with an empty store, timed until the store holds the journal and
 *       then until every portfolio's daily series is computed (the initial load of the series);
 *   <li>the correlation matrix of the daily returns of all portfolios over the window, read from
 *       the store and computed {@code repeats} times: the read, the matrix, and both.
 * </ol>
 *
 * <p>Options (key=value): portfolios=1000 days=252 instruments=100 positions=5 repeats=5
 */
public final class SeriesBench {

  private SeriesBench() {
  }

  public static void main(String[] args) throws Exception {
    BenchSupport.Options options = new BenchSupport.Options(args);
    int portfolios = options.integer("portfolios", 1000);
    int days = options.integer("days", 252);
    int instruments = options.integer("instruments", 100);
    int positions = options.integer("positions", 5);
    int repeats = options.integer("repeats", 5);
    BenchSupport.printMachine("SeriesBench", options);
    Path data = BenchSupport.freshDataDir("series");

    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    List<LocalDate> dates = new ArrayList<>();
    for (LocalDate date = today; dates.size() <= days; date = date.minusDays(1)) {
      if (date.getDayOfWeek() != DayOfWeek.SATURDAY && date.getDayOfWeek() != DayOfWeek.SUNDAY) {
        dates.add(0, date);
      }
    }
    Node writer = BenchSupport.startNode(data, new JsonObject().put("analytics", new JsonObject().put("enabled", false)));
    int events;
    try (Connection pg = BenchSupport.jdbc(writer)) {
      long started = System.nanoTime();
      events = fill(pg, portfolios, instruments, positions, dates);
      System.out.printf("journal: %,d rows and %,d prices inserted in %d ms%n", events, instruments * dates.size(),
          BenchSupport.millisSince(started));
    }
    writer.close();

    Node node = BenchSupport.startNode(data, new JsonObject().put("analytics", new JsonObject().put("enabled", true)
        .put("series", new JsonObject().put("intervalMs", 50))));
    long started = System.nanoTime();
    AnalyticsStore store = node.analyticsStore();
    while (store.changes() < events) {
      Thread.sleep(20);
    }
    long fed = BenchSupport.millisSince(started);
    while (AnalyticsQueries.seriesUpToDate(store.reader()) < portfolios) {
      Thread.sleep(100);
    }
    long computed = BenchSupport.millisSince(started);
    System.out.printf(Locale.ROOT, "initial load: journal in the store after %,d ms; series of %,d portfolios "
        + "(%,d weekdays each) after %,d ms (%.1f ms per portfolio, paced)%n", fed, portfolios, dates.size(), computed,
        (computed - fed) / (double) portfolios);

    List<Double> reads = new ArrayList<>();
    List<Double> matrices = new ArrayList<>();
    List<Double> totals = new ArrayList<>();
    for (int i = 0; i < repeats; i++) {
      long began = System.nanoTime();
      ReturnMatrix returns = AnalyticsQueries.returns(store.reader(), PortfolioSet.all(), dates.get(0),
          dates.get(dates.size() - 1));
      long read = System.nanoTime();
      double[][] matrix = Correlation.matrix(returns.returns());
      long done = System.nanoTime();
      reads.add((read - began) / 1e6);
      matrices.add((done - read) / 1e6);
      totals.add((done - began) / 1e6);
      System.out.printf(Locale.ROOT, "correlation %d: %d x %d days, read %.0f ms, matrix %.0f ms, total %.0f ms "
          + "(r[0][1] = %.6f)%n", i + 1, returns.portfolioIds().size(), returns.dates().size(), (read - began) / 1e6,
          (done - read) / 1e6, (done - began) / 1e6, matrix[0][1]);
    }
    System.out.printf(Locale.ROOT, "correlation medians: read %.0f ms, matrix %.0f ms, total %.0f ms%n",
        BenchSupport.median(reads), BenchSupport.median(matrices), BenchSupport.median(totals));
    node.close();
  }

  /** The journal and the prices; returns the number of journal rows. */
  private static int fill(Connection pg, int portfolios, int instruments, int positions, List<LocalDate> dates)
      throws Exception {
    String start = dates.get(0).toString();
    String mid = dates.get(dates.size() / 2).toString();
    try (Statement statement = pg.createStatement()) {
      // Prices: a random walk per instrument, one close per weekday at 16:00 UTC.
      statement.execute("CREATE TEMP TABLE bench_days AS SELECT row_number() OVER (ORDER BY d) - 1 AS n, d::date AS d "
          + "FROM unnest(ARRAY[" + String.join(",", dates.stream().map(d -> "'" + d + "'::date").toList()) + "]) d");
      statement.execute("INSERT INTO prices (instrument_id, at, price, currency, recorded_at) "
          + "SELECT 'SB' || i, (d.d + time '16:00') AT TIME ZONE 'UTC', round((100 * exp(sum(ln(1 + (random() - 0.5) "
          + "* 0.0346)) OVER (PARTITION BY i ORDER BY d.n)))::numeric, 4), 'USD', now() "
          + "FROM generate_series(0, " + (instruments - 1) + ") i CROSS JOIN bench_days d");
      String at = "'" + start + "T09:00:00.000Z'";
      statement.execute("INSERT INTO portfolio_events (portfolio_id, seq, type, payload, recorded_at) "
          + "SELECT 'sb-' || p, 1, 'PortfolioCreated', json_build_object('portfolioId', 'sb-' || p, 'name', "
          + "'SB ' || p, 'baseCurrency', 'USD', 'costMethod', 'AVERAGE', 'driftThreshold', '0.02', 'targets', "
          + "'{}'::json, 'at', " + at + "), now() FROM generate_series(0, " + (portfolios - 1) + ") p");
      statement.execute("INSERT INTO portfolio_events (portfolio_id, seq, type, command_id, payload, recorded_at) "
          + "SELECT 'sb-' || p, 2, 'CashFlowRecorded', 'flow:sb-d' || p, json_build_object('flowId', 'sb-d' || p, "
          + "'type', 'DEPOSIT', 'currency', 'USD', 'amount', '1000000', 'occurredAt', " + at + ", 'at', " + at
          + "), now() FROM generate_series(0, " + (portfolios - 1) + ") p");
      // positions trades at the start, one more half-way, each at that day's close of its instrument.
      statement.execute("INSERT INTO portfolio_events (portfolio_id, seq, type, command_id, payload, recorded_at) "
          + "SELECT 'sb-' || p, 3 + k, 'TradeRecorded', 'trade:sb-t' || p || '-' || k, json_build_object('tradeId', "
          + "'sb-t' || p || '-' || k, 'instrumentId', 'SB' || ((p * 7 + k * 13) % " + instruments + "), 'strategy', "
          + "'default', 'side', 'BUY', 'quantity', '100', 'price', pr.price::text, 'currency', 'USD', 'fees', '1', "
          + "'executedAt', (CASE WHEN k < " + positions + " THEN '" + start + "' ELSE '" + mid + "' END) "
          + "|| 'T17:00:00.000Z', 'at', " + at + "), now() "
          + "FROM generate_series(0, " + (portfolios - 1) + ") p CROSS JOIN generate_series(0, " + positions + ") k "
          + "JOIN prices pr ON pr.instrument_id = 'SB' || ((p * 7 + k * 13) % " + instruments + ") "
          + "AND pr.at = ((CASE WHEN k < " + positions + " THEN date '" + start + "' ELSE date '" + mid + "' END) "
          + "+ time '16:00') AT TIME ZONE 'UTC'");
    }
    return portfolios * (3 + positions);
  }
}
