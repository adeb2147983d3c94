package io.portfoliostate.persistence;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The journal read as an outbox (V5 migration): committed changes in the one order that never
 * changes once read, {@code (tx, global_seq)} over finished transactions, and the cursor that
 * says how far a stream got. See the migration for why {@code global_seq} alone would not do.
 */
public final class ChangeStreamStore {

  /**
   * A place in the stream: the last change published, its sequence id (its 1-based index in the
   * stream), and the sequence id of the last alert raised up to it (alerts are numbered the same
   * way, in the order of the changes that raised them). {@link #START} is before the first change.
   */
  public record Position(long tx, long globalSeq, long sequenceId, long alertSequenceId) {
    public static final Position START = new Position(0, 0, 0, 0);
  }

  /**
   * One committed change: one journal row, one version of one portfolio.
   *
   * @param alerts the alerts the change raised, as the JSON array the journal keeps, or null
   * @param origin who caused the change, as the JSON object the journal keeps, or null (journaled
   *     before V11)
   */
  public record Change(long tx, long globalSeq, String portfolioId, long version, String type, String payload,
      Instant recordedAt, String alerts, String origin) {

    /** A change without an origin. */
    public Change(long tx, long globalSeq, String portfolioId, long version, String type, String payload,
        Instant recordedAt, String alerts) {
      this(tx, globalSeq, portfolioId, version, type, payload, recordedAt, alerts, null);
    }
  }

  /**
   * One stored drift alert (V14, V19), as the drift outbox gives it.
   *
   * @param seq the row's {@code seq}, its place in {@code (tx, seq)} order within its transaction
   * @param alert the alert's JSON, as stored
   */
  public record DriftAlert(long tx, long seq, String portfolioId, String type, String alert, Instant raisedAt) {
  }

  /**
   * {@code tx < xmin} of a fresh snapshot: every transaction below it has committed or aborted,
   * and none can start below it, so no row can appear behind the cursor later. The row
   * comparison walks the {@code (tx, global_seq)} index from the cursor.
   *
   * <p>The transaction id leaves as text (the client has no xid8 type) under another name: an
   * output column named {@code tx} would make {@code ORDER BY tx} sort the text, and "1000"
   * would come before "999" (a failover test caught that when the ids passed 999).
   */
  private static final String NEXT =
      "SELECT e.tx::text AS tx_text, e.global_seq, e.portfolio_id, e.seq, e.type, e.payload::text AS payload, "
          + "e.recorded_at, e.alerts::text AS alerts, e.origin::text AS origin FROM portfolio_events e WHERE (e.tx, e.global_seq) > ($1::text::xid8, $2) "
          + "AND e.tx < pg_snapshot_xmin(pg_current_snapshot()) ORDER BY e.tx, e.global_seq LIMIT $3";
  /** The drift alerts in the same order and under the same rule as {@link #NEXT}. */
  private static final String NEXT_DRIFT =
      "SELECT d.tx::text AS tx_text, d.seq, d.portfolio_id, d.type, d.alert::text AS alert, d.raised_at "
          + "FROM drift_alerts d WHERE (d.tx, d.seq) > ($1::text::xid8, $2) "
          + "AND d.tx < pg_snapshot_xmin(pg_current_snapshot()) ORDER BY d.tx, d.seq LIMIT $3";
  private static final String CURSOR =
      "SELECT tx::text AS tx, global_seq, sequence_id, alert_sequence_id FROM stream_cursors WHERE stream = $1";
  /** Never moves a cursor backwards, whoever saves last. */
  private static final String SAVE =
      "INSERT INTO stream_cursors (stream, tx, global_seq, sequence_id, alert_sequence_id, updated_at) "
          + "VALUES ($1, $2::text::xid8, $3, $4, $5, $6) ON CONFLICT (stream) DO UPDATE SET tx = EXCLUDED.tx, "
          + "global_seq = EXCLUDED.global_seq, sequence_id = EXCLUDED.sequence_id, "
          + "alert_sequence_id = EXCLUDED.alert_sequence_id, updated_at = EXCLUDED.updated_at "
          + "WHERE stream_cursors.sequence_id < EXCLUDED.sequence_id";

  /**
   * The oldest open transaction that has written something (it holds back {@code xmin}, and so
   * the stream), by its age in seconds and process id; none: age 0. Another role's sessions
   * show only with the pg_read_all_stats role.
   */
  private static final String OLDEST_WRITER =
      "SELECT coalesce(extract(epoch FROM now() - xact_start), 0)::float8 AS age, pid FROM pg_stat_activity "
          + "WHERE backend_xid IS NOT NULL ORDER BY xact_start LIMIT 1";

  /** An open transaction that has written: it holds back the stream while it stays open. */
  public record OpenTransaction(double ageSeconds, int pid) {
  }

  private final Pool pool;

  public ChangeStreamStore(Pool pool) {
    this.pool = pool;
  }

  /** Up to {@code limit} changes after {@code after}, in stream order. */
  public Future<List<Change>> next(Position after, int limit) {
    return pool.preparedQuery(NEXT).execute(Tuple.of(Long.toString(after.tx()), after.globalSeq(), limit))
        .map(rows -> {
          List<Change> changes = new ArrayList<>(rows.size());
          for (Row row : rows) {
            changes.add(new Change(Long.parseLong(row.getString("tx_text")), row.getLong("global_seq"),
                row.getString("portfolio_id"), row.getLong("seq"), row.getString("type"), row.getString("payload"),
                row.getOffsetDateTime("recorded_at").toInstant(), row.getString("alerts"), row.getString("origin")));
          }
          return changes;
        });
  }

  /**
   * Up to {@code limit} drift alerts after {@code after}, in stream order; the position's
   * {@code globalSeq} is the alert row's {@code seq}.
   */
  public Future<List<DriftAlert>> nextDriftAlerts(Position after, int limit) {
    return pool.preparedQuery(NEXT_DRIFT).execute(Tuple.of(Long.toString(after.tx()), after.globalSeq(), limit))
        .map(rows -> {
          List<DriftAlert> alerts = new ArrayList<>(rows.size());
          for (Row row : rows) {
            alerts.add(new DriftAlert(Long.parseLong(row.getString("tx_text")), row.getLong("seq"),
                row.getString("portfolio_id"), row.getString("type"), row.getString("alert"),
                row.getOffsetDateTime("raised_at").toInstant()));
          }
          return alerts;
        });
  }

  /** The oldest open transaction that has written something, if any. */
  public Future<Optional<OpenTransaction>> oldestOpenWriter() {
    return pool.query(OLDEST_WRITER).execute().map(rows -> {
      if (rows.size() == 0) {
        return Optional.empty();
      }
      Row row = rows.iterator().next();
      return Optional.of(new OpenTransaction(row.getDouble("age"), row.getInteger("pid")));
    });
  }

  /** Where {@code stream} got to when last saved, or {@link Position#START}. */
  public Future<Position> cursor(String stream) {
    return pool.preparedQuery(CURSOR).execute(Tuple.of(stream)).map(rows -> {
      if (rows.size() == 0) {
        return Position.START;
      }
      Row row = rows.iterator().next();
      return new Position(Long.parseLong(row.getString("tx")), row.getLong("global_seq"), row.getLong("sequence_id"),
          row.getLong("alert_sequence_id"));
    });
  }

  /** Records that {@code stream} published up to {@code position}, unless a save got further. */
  public Future<Void> save(String stream, Position position, Instant at) {
    return pool.preparedQuery(SAVE).execute(Tuple.of(stream, Long.toString(position.tx()), position.globalSeq(),
        position.sequenceId(), position.alertSequenceId(), OffsetDateTime.ofInstant(at, ZoneOffset.UTC))).mapEmpty();
  }
}
