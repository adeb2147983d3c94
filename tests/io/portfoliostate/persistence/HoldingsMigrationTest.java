package io.portfoliostate.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.fixtures.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * V4 creates the holdings of a journal written before it: every (instrument, portfolio) pair of
 * its trades, once, and nothing for the other events.
 */
class HoldingsMigrationTest {

  @Test
  void theHoldingsOfAnExistingJournalAreBackfilled() throws Exception {
    String uri = TestDatabase.freshDatabaseUri();
    Database database = Database.fromUri(uri);
    PartialMigrations.migrateUpTo(database, "3");
    try (Connection connection = TestDatabase.connect(uri); Statement statement = connection.createStatement()) {
      statement.execute("INSERT INTO portfolio_events (portfolio_id, seq, type, payload, recorded_at) VALUES "
          + "('p-1', 1, 'PortfolioCreated', '{}', now()), "
          + "('p-1', 2, 'TradeRecorded', '{\"instrumentId\":\"AAPL\"}', now()), "
          + "('p-1', 3, 'TradeRecorded', '{\"instrumentId\":\"AAPL\"}', now()), "
          + "('p-1', 4, 'TradeRecorded', '{\"instrumentId\":\"SAP\"}', now()), "
          + "('p-2', 1, 'CashFlowRecorded', '{\"instrumentId\":\"MSFT\"}', now()), "
          + "('p-2', 2, 'TradeRecorded', '{\"instrumentId\":\"AAPL\"}', now())");
    }

    // V4 (holdings, backfilled) and every migration after it.
    int pending = PartialMigrations.pending(database);
    assertThat(pending).isGreaterThanOrEqualTo(1);
    assertThat(Migrations.migrate(database)).isEqualTo(pending);

    List<String> holdings = new ArrayList<>();
    try (Connection connection = TestDatabase.connect(uri); Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery(
            "SELECT instrument_id, portfolio_id FROM holdings ORDER BY instrument_id, portfolio_id")) {
      while (rows.next()) {
        holdings.add(rows.getString(1) + "/" + rows.getString(2));
      }
    }
    assertThat(holdings).containsExactly("AAPL/p-1", "AAPL/p-2", "SAP/p-1");
  }
}
