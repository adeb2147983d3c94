package io.portfoliostate.persistence;

import static io.portfoliostate.fixtures.TestPool.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.fixtures.TestDatabase;
import io.portfoliostate.fixtures.TestPool;
import io.portfoliostate.persistence.ChangeStreamStore.Change;
import io.portfoliostate.persistence.ChangeStreamStore.Position;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The journal read as a stream, against real PostgreSQL with commits landing out of order: a
 * follower that reads page after page from its cursor, while several writers hold their
 * transactions open for random times, sees every row exactly once and in the final
 * {@code (tx, global_seq)} order. No row ever appears behind a cursor already passed.
 */
class ChangeStreamStoreTest {

  private static TestPool database;
  private static String uri;
  private static ChangeStreamStore store;

  @BeforeAll
  static void start() throws Exception {
    database = TestPool.migrated("change-stream-test");
    uri = database.uri();
    store = new ChangeStreamStore(database.pool());
  }

  @AfterAll
  static void stop() throws Exception {
    if (database != null) {
      database.close();
    }
  }

  @Test
  void aFollowerSeesEveryRowOnceInTheFinalOrderWhileCommitsLandOutOfOrder() throws Exception {
    int writers = 4;
    AtomicBoolean running = new AtomicBoolean(true);
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    List<java.util.concurrent.Future<Integer>> written = new ArrayList<>();
    for (int w = 0; w < writers; w++) {
      String portfolio = "writer-" + w;
      written.add(pool.submit(() -> write(portfolio, running)));
    }
    List<Change> followed = new ArrayList<>();
    Position cursor = Position.START;
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(4);
    while (System.nanoTime() < until) {
      List<Change> page = await(store.next(cursor, 50));
      for (Change change : page) {
        follow(followed, change);
        cursor = new Position(change.tx(), change.globalSeq(), cursor.sequenceId() + 1, 0);
      }
      if (page.isEmpty()) {
        Thread.sleep(2);
      }
    }
    running.set(false);
    pool.shutdown();
    assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    int total = 0;
    for (var count : written) {
      total += count.get();
    }
    while (true) {
      List<Change> page = await(store.next(cursor, 1000));
      if (page.isEmpty()) {
        break;
      }
      for (Change change : page) {
        follow(followed, change);
        cursor = new Position(change.tx(), change.globalSeq(), cursor.sequenceId() + 1, 0);
      }
    }

    List<String> journal = new ArrayList<>();
    try (Connection connection = TestDatabase.connect(uri); Statement sql = connection.createStatement();
        ResultSet rows = sql.executeQuery("SELECT portfolio_id, seq FROM portfolio_events "
            + "WHERE portfolio_id LIKE 'writer-%' ORDER BY tx, global_seq")) {
      while (rows.next()) {
        journal.add(rows.getString(1) + "/" + rows.getLong(2));
      }
    }
    assertThat(journal).hasSize(total);
    assertThat(total).isGreaterThan(100);
    assertThat(followed.stream().map(change -> change.portfolioId() + "/" + change.version()).toList())
        .as("what the follower read, in the order it read it").isEqualTo(journal);
  }

  @Test
  void theStreamOrderIsNumericInTheTransactionIdAcrossDigitCounts() throws Exception {
    // Ids chosen, all far below any live transaction: 9 < 10 < 99 < 100 < 1000, which text
    // order would scramble ("10" < "100" < "1000" < "9" < "99").
    try (Connection connection = TestDatabase.connect(uri); Statement sql = connection.createStatement()) {
      sql.execute("INSERT INTO portfolio_events (portfolio_id, seq, type, payload, recorded_at, tx) VALUES "
          + "('digits', 1, 'PortfolioUpdated', '{}', now(), '9'), ('digits', 2, 'PortfolioUpdated', '{}', now(), '10'), "
          + "('digits', 3, 'PortfolioUpdated', '{}', now(), '99'), ('digits', 4, 'PortfolioUpdated', '{}', now(), '100'), "
          + "('digits', 5, 'PortfolioUpdated', '{}', now(), '1000')");
    }
    List<Long> read = new ArrayList<>();
    Position cursor = Position.START;
    // Pages of two: every page boundary is a cursor the next read must continue from.
    for (List<Change> page = await(store.next(cursor, 2)); !page.isEmpty(); page = await(store.next(cursor, 2))) {
      for (Change change : page) {
        if (change.portfolioId().equals("digits")) {
          read.add(change.tx());
        }
        cursor = new Position(change.tx(), change.globalSeq(), cursor.sequenceId() + 1, 0);
      }
      if (read.size() == 5) {
        break;
      }
    }
    assertThat(read).containsExactly(9L, 10L, 99L, 100L, 1000L);
  }

  /** The writers' rows only: the other test's rows share the journal. */
  private static void follow(List<Change> followed, Change change) {
    if (change.portfolioId().startsWith("writer-")) {
      followed.add(change);
    }
  }

  /** Transactions of 1–3 rows each, held open 0–3 ms before COMMIT; returns the rows written. */
  private static int write(String portfolio, AtomicBoolean running) throws Exception {
    int seq = 0;
    try (Connection connection = TestDatabase.connect(uri);
        PreparedStatement insert = connection.prepareStatement("INSERT INTO portfolio_events "
            + "(portfolio_id, seq, type, payload, recorded_at) VALUES (?, ?, 'PortfolioUpdated', '{}', now())")) {
      connection.setAutoCommit(false);
      while (running.get()) {
        int rows = 1 + ThreadLocalRandom.current().nextInt(3);
        for (int r = 0; r < rows; r++) {
          insert.setString(1, portfolio);
          insert.setLong(2, ++seq);
          insert.executeUpdate();
        }
        Thread.sleep(ThreadLocalRandom.current().nextInt(4));
        connection.commit();
      }
    }
    return seq;
  }
}
