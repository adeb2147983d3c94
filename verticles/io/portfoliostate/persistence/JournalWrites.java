package io.portfoliostate.persistence;

import io.portfoliostate.protocol.JournalAppend;
import io.vertx.core.Future;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.List;

/** The SQL of the journal write path: one INSERT of many rows, plus catalog upserts, in one transaction. */
final class JournalWrites {

  /**
   * Rows are bound as parallel arrays and unnested: one statement, one round trip, whatever the
   * batch size. Payloads are bound as text and cast per element (a text[] bound to jsonb[]
   * would store JSON strings); the payload column is json (V2 migration). A row whose sequence number or command id is taken violates a
   * unique index and fails the whole transaction; that is rare (a stale owner), so it is cheaper
   * than {@code ON CONFLICT DO NOTHING}, which pays for speculative insertion on every row.
   * The origin (V11) is one more array of the same statement, so recording who caused each event
   * costs no round trip.
   */
  private static final String INSERT_EVENTS =
      "INSERT INTO portfolio_events (portfolio_id, seq, type, command_id, command_hash, payload, recorded_at, alerts, "
          + "origin) SELECT p, s, t, c, h, d::json, r, a::json, o::jsonb FROM UNNEST($1::text[], $2::bigint[], "
          + "$3::text[], $4::text[], $5::bigint[], $6::text[], $7::timestamptz[], $8::text[], $9::text[]) "
          + "AS u(p, s, t, c, h, d, r, a, o)";

  /**
   * The whole row, as the owner's state has it after the batch: a parent removed (the portfolio
   * made a root) writes a null parent_id, and the own settings are replaced as a whole.
   */
  private static final String UPSERT_CATALOG =
      "INSERT INTO portfolios (id, name, base_currency, parent_id, cost_method, created_at, updated_at, settings) "
          + "VALUES ($1, $2, $3, $4, $5, $6, $7, $8::text::jsonb) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, "
          + "parent_id = EXCLUDED.parent_id, cost_method = EXCLUDED.cost_method, updated_at = EXCLUDED.updated_at, "
          + "settings = EXCLUDED.settings";

  /**
   * The portfolios that traded an instrument become its holders (what a corporate action fans
   * out over). One statement per batch with trades; a holder that is flat today stays a row and
   * is skipped by its owner when an action comes.
   */
  private static final String INSERT_HOLDINGS =
      "INSERT INTO holdings (instrument_id, portfolio_id) SELECT DISTINCT i, p FROM UNNEST($1::text[], $2::text[]) "
          + "AS u(i, p) ON CONFLICT DO NOTHING";

  /**
   * Every transaction that writes a catalog row with a parent takes this lock first: changes to
   * the tree are serialized, so the cycle check below sees every parent link committed before
   * it (READ COMMITTED reads what committed before each statement) and the ones its own
   * transaction wrote. Held until COMMIT or ROLLBACK. The key is arbitrary but fixed ("tree").
   */
  private static final String TREE_LOCK = "SELECT pg_advisory_xact_lock(7472101101)";

  /**
   * The changed portfolios from which walking up the parent links comes back to themselves: run
   * after the upserts, under the tree lock. Bounded in depth so that a bad row cannot loop.
   */
  private static final String CYCLES =
      "WITH RECURSIVE up(start, id, depth) AS ("
          + " SELECT p.id, p.parent_id, 1 FROM portfolios p WHERE p.id = ANY($1::text[]) AND p.parent_id IS NOT NULL"
          + " UNION ALL SELECT up.start, p.parent_id, up.depth + 1 FROM up JOIN portfolios p ON p.id = up.id"
          + " WHERE p.parent_id IS NOT NULL AND up.id <> up.start AND up.depth < 10000)"
          + " SELECT DISTINCT start FROM up WHERE id = start";

  /** A parent link of the transaction would close a cycle in the tree; nothing was written. */
  static final class TreeConflict extends RuntimeException {
    TreeConflict(String detail) {
      super(detail, null, false, false);
    }
  }

  /**
   * Shared advisory locks on the batch's portfolios, held until COMMIT: a claim by a new owner
   * (which takes the same lock exclusively, see {@link OwnerEpochs}) waits for this transaction,
   * so the new owner's load sees its rows; and once a claim committed, this transaction waits
   * for it and then reads the new epoch. Advisory locks live in PostgreSQL's lock table only:
   * unlike row locks (FOR KEY SHARE, tried first), they write nothing to the heap or the WAL,
   * which cost three quarters of the journal's throughput at a thousand portfolios a batch.
   * Shared locks never wait for each other, so appends cannot deadlock among themselves.
   */
  private static final String LOCK_EPOCHS = "SELECT count(pg_advisory_xact_lock_shared("
      + OwnerEpochs.LOCK_SPACE + ", hashtext(p))) FROM unnest($1::text[]) AS u(p)";

  /**
   * The current epochs, read in a statement of its own after the locks are held: under READ
   * COMMITTED a statement sees what committed before it began, so a claim that committed while
   * the locks were awaited is seen. One primary-key lookup per portfolio of the batch, written as
   * a correlated subquery so that no plan can turn it into a scan of the whole table (with
   * {@code = ANY(array)} the planner sometimes chose a sequential scan that compared every row
   * with every id: a third of the throughput gone).
   */
  private static final String CURRENT_EPOCHS =
      "SELECT u.p, (SELECT o.epoch FROM portfolio_owners o WHERE o.portfolio_id = u.p) FROM unnest($1::text[]) AS u(p)";

  /** Some row did not insert: its sequence number or command id was already written. */
  static final class FenceConflict extends RuntimeException {
    private final boolean commandId;

    FenceConflict(String detail, boolean commandId) {
      super(detail, null, false, false);
      this.commandId = commandId;
    }

    /** True when the command id was taken (an old id replayed), false when the sequence number was (a stale owner). */
    boolean onCommandId() {
      return commandId;
    }
  }

  private static final String COMMAND_INDEX = "portfolio_events_command";

  private static final String UNIQUE_VIOLATION = "23505";

  private final Pool pool;

  JournalWrites(Pool pool) {
    this.pool = pool;
  }

  Future<Void> insert(List<JournalAppend> appends) {
    int count = 0;
    for (JournalAppend append : appends) {
      count += append.rows().size();
    }
    String[] portfolios = new String[count];
    Long[] seqs = new Long[count];
    String[] types = new String[count];
    String[] commandIds = new String[count];
    Long[] hashes = new Long[count];
    String[] payloads = new String[count];
    OffsetDateTime[] recorded = new OffsetDateTime[count];
    String[] alerts = new String[count];
    String[] origins = new String[count];
    List<Tuple> catalog = new ArrayList<>();
    List<String> withParent = new ArrayList<>();
    List<String> heldInstruments = new ArrayList<>();
    List<String> holders = new ArrayList<>();
    List<String> snapshotIds = new ArrayList<>();
    List<Long> snapshotVersions = new ArrayList<>();
    List<String> snapshotStates = new ArrayList<>();
    int i = 0;
    for (JournalAppend append : appends) {
      String portfolio = append.portfolioId().value();
      for (JournalAppend.Row row : append.rows()) {
        portfolios[i] = portfolio;
        seqs[i] = row.seq();
        types[i] = row.type();
        commandIds[i] = row.commandId();
        hashes[i] = row.commandHash();
        payloads[i] = row.payload();
        recorded[i] = OffsetDateTime.ofInstant(row.recordedAt(), ZoneOffset.UTC);
        alerts[i] = row.alerts();
        origins[i] = row.origin();
        if (row.heldInstrument() != null) {
          heldInstruments.add(row.heldInstrument());
          holders.add(portfolio);
        }
        i++;
      }
      if (append.snapshot() != null) {
        snapshotIds.add(portfolio);
        snapshotVersions.add(append.snapshot().version());
        snapshotStates.add(append.snapshot().state());
      }
      JournalAppend.CatalogRow row = append.catalog();
      if (row != null) {
        catalog.add(Tuple.of(portfolio, row.name(), row.baseCurrency(), row.parentId(), row.costMethod(),
            OffsetDateTime.ofInstant(row.createdAt(), ZoneOffset.UTC),
            OffsetDateTime.ofInstant(row.updatedAt(), ZoneOffset.UTC), row.settings()));
        // Only a link to a parent can close a cycle: a portfolio made a root (null parent) needs
        // neither the tree lock nor the check.
        if (row.parentId() != null) {
          withParent.add(portfolio);
        }
      }
    }
    Tuple rows = Tuple.of(portfolios, seqs, types, commandIds, hashes, payloads, recorded, alerts, origins);
    Map<String, Long> epochs = new HashMap<>();
    for (JournalAppend append : appends) {
      if (append.epoch() > 0) {
        epochs.put(append.portfolioId().value(), append.epoch());
      }
    }
    return pool.withTransaction(connection -> insertFenced(connection, epochs, rows)
        .compose(result -> upsertCatalog(connection, catalog, withParent))
        .compose(v -> insertHoldings(connection, heldInstruments, holders))
        .compose(v -> insertSnapshots(connection, snapshotIds, snapshotVersions, snapshotStates)))
        .recover(failure -> Future.failedFuture(failure instanceof PgException
            && UNIQUE_VIOLATION.equals(((PgException) failure).getSqlState())
            ? new FenceConflict(failure.getMessage(), COMMAND_INDEX.equals(((PgException) failure).getConstraint()))
            : failure));
  }

  /**
   * Locks and reads the batch's epochs, and inserts its events, as three statements sent at once
   * (the client pipelines them on the connection; PostgreSQL runs them in order, each with the
   * snapshot of its own start). Waiting for each answer before sending the next cost two round
   * trips per commit, which doubled a single trade's commit time. An append whose epoch was
   * overtaken fails here, and the transaction rolls its rows back.
   */
  private static Future<RowSet<Row>> insertFenced(SqlConnection connection, Map<String, Long> epochs, Tuple rows) {
    if (epochs.isEmpty()) {
      return connection.preparedQuery(INSERT_EVENTS).execute(rows);
    }
    Tuple portfolios = Tuple.of(epochs.keySet().toArray(new String[0]));
    Future<RowSet<Row>> locked = connection.preparedQuery(LOCK_EPOCHS).execute(portfolios);
    Future<RowSet<Row>> current = connection.preparedQuery(CURRENT_EPOCHS).execute(portfolios);
    Future<RowSet<Row>> inserted = connection.preparedQuery(INSERT_EVENTS).execute(rows);
    return Future.all(locked, current, inserted).compose(all -> {
      for (Row row : current.result()) {
        Long epoch = row.getLong(1);
        if (epoch == null || epoch != epochs.get(row.getString(0)).longValue()) {
          return Future.failedFuture(new FenceConflict("portfolio " + row.getString(0) + " is at epoch "
              + epoch + ", the append's owner holds " + epochs.get(row.getString(0)), false));
        }
      }
      return inserted;
    });
  }

  private static Future<Void> insertHoldings(SqlConnection connection, List<String> instruments,
      List<String> portfolios) {
    if (instruments.isEmpty()) {
      return Future.succeededFuture();
    }
    return connection.preparedQuery(INSERT_HOLDINGS)
        .execute(Tuple.tuple().addArrayOfString(instruments.toArray(new String[0]))
            .addArrayOfString(portfolios.toArray(new String[0]))).mapEmpty();
  }

  /**
   * The snapshots some appends carry (a large batch's state after it), in the events' transaction:
   * committed with them or not at all, so a load never finds the events of a large import
   * without the snapshot that spares replaying them. One statement for all of them.
   */
  private static Future<Void> insertSnapshots(SqlConnection connection, List<String> portfolios, List<Long> versions,
      List<String> states) {
    if (portfolios.isEmpty()) {
      return Future.succeededFuture();
    }
    return connection.preparedQuery(SnapshotStore.INSERT_MANY).execute(Tuple.of(portfolios.toArray(new String[0]),
        versions.toArray(new Long[0]), states.toArray(new String[0]))).mapEmpty();
  }

  /**
   * Upserts the catalog rows; when some has a parent, under the tree lock and followed by the
   * cycle check, so that the tree the catalog lists (and the journal, written in the same
   * transaction) never holds a cycle, whatever changes run concurrently on other owners.
   */
  private static Future<Void> upsertCatalog(SqlConnection connection, List<Tuple> catalog, List<String> withParent) {
    if (catalog.isEmpty()) {
      return Future.succeededFuture();
    }
    if (withParent.isEmpty()) {
      return connection.preparedQuery(UPSERT_CATALOG).executeBatch(catalog).mapEmpty();
    }
    return connection.query(TREE_LOCK).execute()
        .compose(locked -> connection.preparedQuery(UPSERT_CATALOG).executeBatch(catalog))
        .compose(upserted -> connection.preparedQuery(CYCLES)
            .execute(Tuple.tuple().addArrayOfString(withParent.toArray(new String[0]))))
        .compose(cycles -> {
          if (cycles.size() == 0) {
            return Future.succeededFuture();
          }
          List<String> ids = new ArrayList<>();
          cycles.forEach(row -> ids.add(row.getString(0)));
          return Future.failedFuture(new TreeConflict("a parent link would close a cycle through " + ids));
        });
  }
}
