package io.portfoliostate.persistence;

import io.portfoliostate.domain.ApplyCorporateAction;
import io.portfoliostate.domain.CorporateAction;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.protocol.CommandJson;
import io.portfoliostate.protocol.Origin;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * The SQL of corporate actions (V4 migration): the actions as posted, their progress per
 * portfolio (late holders found in the journal included, V8), the holders of an instrument, and the lease that says which node drives an
 * action's fan-out.
 */
public final class CorporateActionStore {

  /** Status of an action: waiting for its time, being fanned out, every holder dealt with. */
  public enum Status { PENDING, APPLYING, DONE }

  /** Status of an action in one portfolio. */
  public enum PortfolioStatus { APPLIED, SKIPPED, FAILED }

  /**
   * An action as stored.
   *
   * @param origin the origin of the events that apply it: the action id, who posted it and in
   *     which request ({@code unknown} for an action posted before V11)
   */
  public record StoredAction(CorporateAction action, Status status, Instant createdAt, Instant updatedAt,
      Origin origin) {
  }

  /**
   * The outcome of posting an action.
   *
   * @param created false when the same action id was stored before (with {@code stored}'s content)
   */
  public record Posted(StoredAction stored, boolean created) {
  }

  /**
   * Progress of an action in one portfolio.
   *
   * @param retrying a failure that will be tried again (the owner was unavailable)
   */
  public record Progress(PortfolioId portfolioId, PortfolioStatus status, Long version, String detail,
      boolean retrying, Instant updatedAt) {
  }

  private static final String INSERT =
      "INSERT INTO corporate_actions (action_id, instrument_id, content, effective_at, status, created_at, updated_at, "
          + "created_by, request_id) VALUES ($1, $2, $3::text::jsonb, $4, 'PENDING', $5, $5, $6, $7) "
          + "ON CONFLICT (action_id) DO NOTHING RETURNING action_id";
  private static final String SELECT = "SELECT action_id, content::text AS content, status, created_at, updated_at, "
      + "created_by, request_id FROM corporate_actions";
  private static final String ONE = SELECT + " WHERE action_id = $1";
  private static final String UNFINISHED = SELECT + " WHERE status <> 'DONE' ORDER BY effective_at";
  /**
   * A node may drive an action when nobody holds its lease, the lease ran out (its node died),
   * or it holds the lease itself. The database decides, so two nodes never both believe they
   * hold it.
   */
  private static final String CLAIM =
      "UPDATE corporate_actions SET driver = $2, lease_until = now() + ($3::int * interval '1 second'), "
          + "status = 'APPLYING', updated_at = now() WHERE action_id = $1 AND status <> 'DONE' "
          + "AND (lease_until IS NULL OR lease_until < now() OR driver = $2) RETURNING action_id";
  private static final String RELEASE =
      "UPDATE corporate_actions SET lease_until = NULL, status = $3, updated_at = now() "
          + "WHERE action_id = $1 AND driver = $2";
  private static final String HOLDERS =
      "SELECT portfolio_id FROM holdings WHERE instrument_id = $1 ORDER BY portfolio_id";
  private static final String PROGRESS =
      "SELECT portfolio_id, status, version, detail, retrying, updated_at FROM corporate_action_portfolios "
          + "WHERE action_id = $1 ORDER BY portfolio_id";
  private static final String ALL = SELECT + " ORDER BY effective_at, action_id";
  private static final String CHANGED = SELECT + " WHERE updated_at >= $1 ORDER BY effective_at, action_id";
  /**
   * Applications of an action recorded in the journal since a time (an owner applied it on the way
   * of a late trade) that the action's progress does not list yet.
   */
  private static final String LATE =
      "SELECT a.action_id, e.portfolio_id, e.seq FROM portfolio_events e "
          + "JOIN corporate_actions a ON e.command_id = 'ca:' || a.action_id "
          + "WHERE e.command_id LIKE 'ca:%' AND e.recorded_at >= $1 AND NOT EXISTS (SELECT 1 FROM "
          + "corporate_action_portfolios p WHERE p.action_id = a.action_id AND p.portfolio_id = e.portfolio_id) "
          + "ORDER BY e.recorded_at LIMIT $2";
  private static final String RECORD_ABSENT =
      "INSERT INTO corporate_action_portfolios (action_id, portfolio_id, status, version, detail, retrying, updated_at) "
          + "VALUES ($1, $2, 'APPLIED', $3, NULL, false, now()) ON CONFLICT (action_id, portfolio_id) DO NOTHING";
  private static final String RECORD =
      "INSERT INTO corporate_action_portfolios (action_id, portfolio_id, status, version, detail, retrying, updated_at) "
          + "VALUES ($1, $2, $3, $4, $5, $6, now()) ON CONFLICT (action_id, portfolio_id) DO UPDATE SET "
          + "status = EXCLUDED.status, version = EXCLUDED.version, detail = EXCLUDED.detail, "
          + "retrying = EXCLUDED.retrying, updated_at = EXCLUDED.updated_at";

  private final Pool pool;

  public CorporateActionStore(Pool pool) {
    this.pool = pool;
  }

  /**
   * Stores a new action posted by {@code postedBy} (its principal and request id), or returns
   * the one stored under its id: the caller compares contents (same content is a replay, other
   * content a conflict). A replay keeps the first poster.
   */
  public Future<Posted> post(CorporateAction action, Instant now, Origin postedBy) {
    OffsetDateTime at = OffsetDateTime.ofInstant(now, ZoneOffset.UTC);
    return pool.preparedQuery(INSERT).execute(Tuple.of(action.actionId(), action.instrumentId().value(),
            CommandJson.action(action).encode(), OffsetDateTime.ofInstant(action.effectiveAt(), ZoneOffset.UTC), at,
            postedBy.principal(), postedBy.requestId()))
        .compose(inserted -> action(action.actionId()).map(stored -> new Posted(stored, inserted.rowCount() == 1)));
  }

  /** The action stored under {@code actionId}, or null. */
  public Future<StoredAction> action(String actionId) {
    return pool.preparedQuery(ONE).execute(Tuple.of(actionId))
        .map(rows -> rows.size() == 0 ? null : stored(rows.iterator().next()));
  }

  /** Every action not DONE, the earliest effective first. */
  public Future<List<StoredAction>> unfinished() {
    return pool.query(UNFINISHED).execute().map(rows -> {
      List<StoredAction> actions = new ArrayList<>();
      rows.forEach(row -> actions.add(stored(row)));
      return actions;
    });
  }

  /** Every action stored, the earliest effective first: what a starting node's owners must know. */
  public Future<List<StoredAction>> all() {
    return pool.query(ALL).execute().map(rows -> {
      List<StoredAction> actions = new ArrayList<>(rows.size());
      rows.forEach(row -> actions.add(stored(row)));
      return actions;
    });
  }

  /** The actions posted or changed (claimed, released) at or after {@code since}. */
  public Future<List<StoredAction>> changedSince(Instant since) {
    return pool.preparedQuery(CHANGED).execute(Tuple.of(OffsetDateTime.ofInstant(since, ZoneOffset.UTC)))
        .map(rows -> {
          List<StoredAction> actions = new ArrayList<>(rows.size());
          rows.forEach(row -> actions.add(stored(row)));
          return actions;
        });
  }

  /** An action applied to a portfolio with a late trade, found in the journal. */
  public record LateApplication(String actionId, PortfolioId portfolioId, long version) {
  }

  /**
   * Applications of actions to portfolios recorded in the journal at or after {@code since} that
   * no progress row lists yet (late holders: the owner applied the action with a late trade), at
   * most {@code limit}.
   */
  public Future<List<LateApplication>> lateApplications(Instant since, int limit) {
    return pool.preparedQuery(LATE).execute(Tuple.of(OffsetDateTime.ofInstant(since, ZoneOffset.UTC), limit))
        .map(rows -> {
          List<LateApplication> late = new ArrayList<>(rows.size());
          rows.forEach(row -> late.add(new LateApplication(row.getString("action_id"),
              PortfolioId.of(row.getString("portfolio_id")), row.getLong("seq"))));
          return late;
        });
  }

  /** Lists a late holder as APPLIED, unless the fan-out recorded it meanwhile. */
  public Future<Void> recordLate(LateApplication late) {
    return pool.preparedQuery(RECORD_ABSENT).execute(Tuple.of(late.actionId(), late.portfolioId().value(),
        late.version())).mapEmpty();
  }

  /** Takes (or renews) the lease on an action for {@code seconds}; false when another node holds it. */
  public Future<Boolean> claim(String actionId, String nodeId, int seconds) {
    return pool.preparedQuery(CLAIM).execute(Tuple.of(actionId, nodeId, seconds)).map(rows -> rows.rowCount() == 1);
  }

  /** Lets go of the lease, leaving the action in {@code status}. */
  public Future<Void> release(String actionId, String nodeId, Status status) {
    return pool.preparedQuery(RELEASE).execute(Tuple.of(actionId, nodeId, status.name())).mapEmpty();
  }

  /** The portfolios that hold or held the instrument (traded it at least once). */
  public Future<List<PortfolioId>> holders(InstrumentId instrumentId) {
    return pool.preparedQuery(HOLDERS).execute(Tuple.of(instrumentId.value())).map(rows -> {
      List<PortfolioId> holders = new ArrayList<>(rows.size());
      rows.forEach(row -> holders.add(PortfolioId.of(row.getString("portfolio_id"))));
      return holders;
    });
  }

  /** The progress of an action in every portfolio it reached, by portfolio id. */
  public Future<List<Progress>> progress(String actionId) {
    return pool.preparedQuery(PROGRESS).execute(Tuple.of(actionId)).map(rows -> {
      List<Progress> progress = new ArrayList<>(rows.size());
      rows.forEach(row -> progress.add(new Progress(PortfolioId.of(row.getString("portfolio_id")),
          PortfolioStatus.valueOf(row.getString("status")), row.getLong("version"), row.getString("detail"),
          row.getBoolean("retrying"), row.getOffsetDateTime("updated_at").toInstant())));
      return progress;
    });
  }

  /** Records the outcome of an action in one portfolio. */
  public Future<Void> record(String actionId, Progress progress) {
    return pool.preparedQuery(RECORD).execute(Tuple.of(actionId, progress.portfolioId().value(),
        progress.status().name(), progress.version(), progress.detail(), progress.retrying())).mapEmpty();
  }

  /** Whether two actions have the same content (what a replayed POST must match). */
  public static boolean sameContent(CorporateAction a, CorporateAction b) {
    return a.actionId().equals(b.actionId())
        && ApplyCorporateAction.fingerprint(a).equals(ApplyCorporateAction.fingerprint(b));
  }

  private static StoredAction stored(Row row) {
    return new StoredAction(CommandJson.action(new JsonObject(row.getString("content"))),
        Status.valueOf(row.getString("status")), row.getOffsetDateTime("created_at").toInstant(),
        row.getOffsetDateTime("updated_at").toInstant(), Origin.corporateAction(row.getString("action_id"),
            row.getString("created_by"), row.getString("request_id")));
  }
}
