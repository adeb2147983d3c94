package io.portfoliostate.persistence;

import static io.portfoliostate.fixtures.TestPool.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.fixtures.TestDatabase;
import io.portfoliostate.fixtures.TestPool;
import io.portfoliostate.persistence.ChangeStreamStore.Change;
import io.portfoliostate.persistence.ChangeStreamStore.Position;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * V6 on a database whose changes stream was already under way: the journal's rows keep no
 * alerts, the saved cursor keeps its place and starts counting alerts at 0, and a row written
 * after the migration carries its alerts to the stream.
 */
class AlertsMigrationTest {

  @Test
  void aStreamUnderWayKeepsItsPlaceAndCountsAlertsFromZero() throws Exception {
    String uri = TestDatabase.freshDatabaseUri();
    Database database = Database.fromUri(uri);
    PartialMigrations.migrateUpTo(database, "5");
    try (Connection connection = TestDatabase.connect(uri); Statement sql = connection.createStatement()) {
      sql.execute("INSERT INTO portfolio_events (portfolio_id, seq, type, payload, recorded_at) VALUES "
          + "('p-1', 1, 'PortfolioCreated', '{}', now()), ('p-1', 2, 'TradeRecorded', '{}', now())");
      sql.execute("INSERT INTO stream_cursors (stream, tx, global_seq, sequence_id, updated_at) "
          + "SELECT 'portfolio-changes', tx, global_seq, 1, now() FROM portfolio_events WHERE seq = 1");
    }

    // V6 and every migration after it.
    int pending = PartialMigrations.pending(database);
    assertThat(pending).isGreaterThanOrEqualTo(1);
    assertThat(Migrations.migrate(database)).isEqualTo(pending);
    try (Connection connection = TestDatabase.connect(uri); Statement sql = connection.createStatement()) {
      sql.execute("INSERT INTO portfolio_events (portfolio_id, seq, type, payload, recorded_at, alerts) VALUES "
          + "('p-1', 3, 'CashFlowRecorded', '{}', now(), '[{\"alertId\":\"p-1/3/1\"}]')");
    }

    try (TestPool pool = TestPool.open(uri, "alerts-migration-test")) {
      ChangeStreamStore store = new ChangeStreamStore(pool.pool());
      Position cursor = await(store.cursor("portfolio-changes"));
      assertThat(cursor.sequenceId()).isEqualTo(1);
      assertThat(cursor.alertSequenceId()).isZero();
      List<Change> after = await(store.next(cursor, 10));
      assertThat(after).extracting(Change::version).containsExactly(2L, 3L);
      assertThat(after.get(0).alerts()).isNull();
      assertThat(after.get(1).alerts()).isEqualTo("[{\"alertId\":\"p-1/3/1\"}]");

      Change last = after.get(1);
      await(store.save("portfolio-changes", new Position(last.tx(), last.globalSeq(), 3, 1), Instant.now()));
      Position saved = await(store.cursor("portfolio-changes"));
      assertThat(saved.sequenceId()).isEqualTo(3);
      assertThat(saved.alertSequenceId()).isEqualTo(1);
    }
  }
}
