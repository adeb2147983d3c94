package io.portfoliostate.persistence;

import io.portfoliostate.domain.PortfolioState;
import io.portfoliostate.protocol.StateJson;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;

/**
 * Saves snapshots of portfolio states. A snapshot is only a shortcut for loading: it is written
 * after the events it summarizes are committed, and losing one costs a longer replay, never data.
 */
public final class SnapshotStore {

  private static final String INSERT =
      "INSERT INTO portfolio_snapshots (portfolio_id, seq, state) VALUES ($1, $2, $3) "
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
}
