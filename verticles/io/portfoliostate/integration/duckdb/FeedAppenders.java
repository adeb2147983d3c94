package io.portfoliostate.integration.duckdb;

import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;

/**
 * The analytics feed's appenders, one per table, made on first use and kept from batch to batch:
 * making one costs a few hundred microseconds of the feeding thread (FeedBench), and a batch of
 * in-order trades needs only four of them. Used by the feed's one thread; each flush joins the
 * transaction the connection has begun (see {@link AnalyticsFeedVerticle#append}).
 */
final class FeedAppenders {

  private final DuckDBConnection connection;
  private final Map<String, DuckDBAppender> byTable = new LinkedHashMap<>();

  FeedAppenders(DuckDBConnection connection) {
    this.connection = connection;
  }

  /** The appender of {@code table} (schema main), made on first use. */
  DuckDBAppender get(String table) throws SQLException {
    DuckDBAppender appender = byTable.get(table);
    if (appender == null) {
      appender = connection.createAppender("main", table);
      byTable.put(table, appender);
    }
    return appender;
  }

  /** Hands every appender's rows to DuckDB, in the connection's current transaction. */
  void flush() throws SQLException {
    for (DuckDBAppender appender : byTable.values()) {
      appender.flush();
    }
  }

  /** Closes every appender (each flushes what it holds first), ignoring failures. */
  void closeQuietly() {
    for (DuckDBAppender appender : byTable.values()) {
      try {
        appender.close();
      } catch (SQLException | RuntimeException e) {
        // Dropped with its rows: the caller rolls them back.
      }
    }
    byTable.clear();
  }
}
