package io.portfoliostate.integration.duckdb;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.integration.duckdb.AnalyticsQueries.PortfolioSet;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link AnalyticsQueries#seriesPending}, what a {@code minSeq} read of the daily series waits to
 * be none: a member counts only for a change at or before {@code minSeq} that its last refresh did
 * not cover, so later changes (a steady stream of trades elsewhere) never hold the read.
 */
class SeriesPendingTest {

  @Test
  void onlyChangesUpToMinSeqThatNoRefreshCoveredAreWaitedFor() throws Exception {
    try (Connection connection = DriverManager.getConnection("jdbc:duckdb:");
        Statement statement = connection.createStatement()) {
      statement.execute("CREATE TABLE daily_pending (portfolio_id VARCHAR NOT NULL, from_date DATE NOT NULL, "
          + "seq BIGINT NOT NULL)");
      statement.execute("CREATE TABLE daily_done (portfolio_id VARCHAR PRIMARY KEY, seq BIGINT NOT NULL, "
          + "through DATE NOT NULL)");
      // covered: changed at 2, refreshed through 4; stale: refreshed through 3, changed at 5 and 9;
      // fresh: never refreshed, changed at 7.
      statement.execute("INSERT INTO daily_pending VALUES ('covered', DATE '2026-01-05', 2), "
          + "('stale', DATE '2026-01-05', 5), ('stale', DATE '2026-01-06', 9), ('fresh', DATE '2026-01-05', 7)");
      statement.execute("INSERT INTO daily_done VALUES ('covered', 4, DATE '2026-01-05'), "
          + "('stale', 3, DATE '2026-01-05')");
      PortfolioSet all = PortfolioSet.listed(List.of("covered", "stale", "fresh"));

      assertThat(AnalyticsQueries.seriesPending(connection, all, 4)).isZero();
      assertThat(AnalyticsQueries.seriesPending(connection, all, 5)).isEqualTo(1);
      assertThat(AnalyticsQueries.seriesPending(connection, all, 7)).isEqualTo(2);
      assertThat(AnalyticsQueries.seriesPending(connection, all, 9)).isEqualTo(2);
      assertThat(AnalyticsQueries.seriesPending(connection, PortfolioSet.listed(List.of("covered")), 9)).isZero();

      // A refresh of "stale" through 9 covers both its changes.
      statement.execute("UPDATE daily_done SET seq = 9 WHERE portfolio_id = 'stale'");
      assertThat(AnalyticsQueries.seriesPending(connection, all, 9)).isEqualTo(1);
    }
  }
}
