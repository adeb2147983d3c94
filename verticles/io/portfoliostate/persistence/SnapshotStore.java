package io.portfoliostate.persistence;

import io.portfoliostate.domain.PortfolioState;
import io.portfoliostate.protocol.StateJson;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.util.List;

/**
 * Saves snapshots of portfolio states. A snapshot is only a shortcut for loading: it is written
 * after the events it summarizes are committed, and losing one costs a longer replay, never data.
 */
public final class SnapshotStore {

  private static final String INSERT =
      "INSERT INTO portfolio_snapshots (portfolio_id, seq, state) VALUES ($1, $2, $3) "
          + "ON CONFLICT DO NOTHING";

  /** Many snapshots in one statement; states bound as text and cast per element (see JournalWrites). */
  private static final String INSERT_MANY =
      "INSERT INTO portfolio_snapshots (portfolio_id, seq, state) "
          + "SELECT p, v, s::jsonb FROM UNNEST($1::text[], $2::bigint[], $3::text[]) AS u(p, v, s) "
          + "ON CONFLICT DO NOTHING";

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

  /** Saves several snapshots in one statement. */
  public Future<Void> saveAll(List<PortfolioState> states) {
    if (states.isEmpty()) {
      return Future.succeededFuture();
    }
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
}
