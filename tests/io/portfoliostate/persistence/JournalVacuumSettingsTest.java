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
 * V19: autovacuum passes over the append-only journal are throttled ten times the default cost
 * delay, so that they never take a core from the commits; every other table keeps the server's
 * settings (the projections have dead rows to reclaim and must not fall behind).
 */
class JournalVacuumSettingsTest {

  @Test
  void onlyTheJournalsAutovacuumIsThrottled() throws Exception {
    String uri = TestDatabase.freshDatabaseUri();
    Migrations.migrate(Database.fromUri(uri));

    List<String> throttled = new ArrayList<>();
    try (Connection connection = TestDatabase.connect(uri); Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery("SELECT relname || ' ' || array_to_string(reloptions, ',') "
            + "FROM pg_class WHERE relnamespace = 'public'::regnamespace AND reloptions IS NOT NULL ORDER BY relname")) {
      while (rows.next()) {
        throttled.add(rows.getString(1));
      }
    }
    assertThat(throttled).containsExactly("portfolio_events autovacuum_vacuum_cost_delay=20");
  }
}
