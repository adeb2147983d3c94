package io.portfoliostate.persistence;

import io.portfoliostate.domain.PortfolioState;
import io.portfoliostate.protocol.StateJson;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Saves snapshots of portfolio states. A snapshot is only a shortcut for loading: it is written
 * after the events it summarizes are committed, and losing one costs a longer replay, never data.
 */
public final class SnapshotStore {

  /**
   * A snapshot already there for the same version is replaced: it holds the same state, unless
   * it was found unreadable, and then the load that fell back past it writes a good one over it.
   */
  private static final String INSERT =
      "INSERT INTO portfolio_snapshots (portfolio_id, seq, state) VALUES ($1, $2, $3) "
          + "ON CONFLICT (portfolio_id, seq) DO UPDATE SET state = EXCLUDED.state, taken_at = now()";

  /**
   * Many snapshots in one statement; states bound as text and cast per element (see JournalWrites).
   * The rows must be distinct by (portfolio, version): an upsert may not touch a row twice.
   */
  static final String INSERT_MANY =
      "INSERT INTO portfolio_snapshots (portfolio_id, seq, state) "
          + "SELECT p, v, s::jsonb FROM UNNEST($1::text[], $2::bigint[], $3::text[]) AS u(p, v, s) "
          + "ON CONFLICT (portfolio_id, seq) DO UPDATE SET state = EXCLUDED.state, taken_at = now()";

  /**
   * Thins the snapshots of the given portfolios: the newest $3 are kept, and of the older ones
   * the lowest version in each stretch of $2 versions (seq / $2). Both orders are ranges of the
   * primary key. Keeping the lowest of a stretch means the nearest snapshot at or below any
   * version N moves down by less than $2 versions, so a {@code ?version=N} read replays fewer
   * than $2 extra events.
   */
  private static final String THIN =
      "DELETE FROM portfolio_snapshots s USING ("
          + "SELECT portfolio_id, seq, "
          + "row_number() OVER (PARTITION BY portfolio_id ORDER BY seq DESC) AS recency, "
          + "row_number() OVER (PARTITION BY portfolio_id, seq / $2 ORDER BY seq) AS in_stretch "
          + "FROM portfolio_snapshots WHERE portfolio_id = ANY($1::text[])) d "
          + "WHERE s.portfolio_id = d.portfolio_id AND s.seq = d.seq AND d.recency > $3 AND d.in_stretch > 1";

  private final Pool pool;

  public SnapshotStore(Pool pool) {
    this.pool = pool;
  }

  public Future<Void> save(PortfolioState state) {
    return pool.preparedQuery(INSERT)
        // A JsonObject binds as a JSON object; a String bound to a jsonb parameter would be stored
        // as one JSON string.
        .execute(Tuple.of(state.id().value(), state.version(), StateJson.toJson(state)))
        .mapEmpty();
  }

  /** Saves several snapshots in one statement (one per portfolio and version, however often given). */
  public Future<Void> saveAll(List<PortfolioState> given) {
    if (given.isEmpty()) {
      return Future.succeededFuture();
    }
    // A portfolio evicted, reloaded and evicted again before a write comes twice at one version.
    Map<String, PortfolioState> distinct = new LinkedHashMap<>();
    given.forEach(state -> distinct.put(state.id().value() + "@" + state.version(), state));
    List<PortfolioState> states = new ArrayList<>(distinct.values());
    String[] ids = new String[states.size()];
    Long[] versions = new Long[states.size()];
    String[] json = new String[states.size()];
    for (int i = 0; i < states.size(); i++) {
      PortfolioState state = states.get(i);
      ids[i] = state.id().value();
      versions[i] = state.version();
      json[i] = StateJson.toJson(state).encode();
    }
    return pool.preparedQuery(INSERT_MANY).execute(Tuple.of(ids, versions, json)).mapEmpty();
  }

  /**
   * Deletes the older snapshots of some portfolios that loading no longer needs: keeps the
   * newest {@code keepLatest}, and below them one snapshot (the lowest) per stretch of
   * {@code every} versions. A portfolio that changes a little before each passivation would
   * otherwise gain a snapshot per passivation for good.
   *
   * @return how many snapshots were deleted
   */
  public Future<Integer> thin(List<String> portfolioIds, long every, int keepLatest) {
    if (portfolioIds.isEmpty()) {
      return Future.succeededFuture(0);
    }
    return pool.preparedQuery(THIN)
        .execute(Tuple.of(portfolioIds.toArray(new String[0]), every, (long) keepLatest))
        .map(rows -> rows.rowCount());
  }
}
