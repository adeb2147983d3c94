package io.portfoliostate.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portfoliostate.config.Settings;
import io.portfoliostate.fixtures.TestDatabase;
import io.portfoliostate.fixtures.TestPool;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Every pooled session carries the configured statement, lock and idle-in-transaction timeouts:
 * a hung statement fails within its timeout and its connection serves the next one.
 */
class DatabaseTimeoutsTest {

  @Test
  void aHungStatementFailsWithinTheTimeoutAndFreesItsSlot() throws Exception {
    String uri = TestDatabase.freshDatabaseUri();
    Settings.DatabaseSettings settings = new Settings.DatabaseSettings(uri, 1, null, 400, 200, 5_000);
    Vertx vertx = Vertx.vertx();
    try {
      Pool pool = Database.fromUri(uri).withTimeouts(settings).pool(vertx, 1, "timeouts");
      Row shown = TestPool.await(pool.query("SELECT current_setting('statement_timeout'), "
          + "current_setting('lock_timeout'), current_setting('idle_in_transaction_session_timeout')").execute())
          .iterator().next();
      assertThat(shown.getString(0)).isEqualTo("400ms");
      assertThat(shown.getString(1)).isEqualTo("200ms");
      assertThat(shown.getString(2)).isEqualTo("5s");

      long start = System.nanoTime();
      assertThatThrownBy(() -> TestPool.await(pool.query("SELECT pg_sleep(10)").execute()))
          .isInstanceOf(ExecutionException.class).cause().isInstanceOf(PgException.class)
          .satisfies(e -> assertThat(((PgException) e).getSqlState()).isEqualTo("57014"));
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(3_000);
      // The pool's only connection is free again.
      assertThat(TestPool.await(pool.query("SELECT 1").execute()).iterator().next().getInteger(0)).isEqualTo(1);
    } finally {
      TestPool.await(vertx.close());
    }
  }
}
