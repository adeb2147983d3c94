package io.portfoliostate.persistence;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which command ids a portfolio's journal already holds, with the hash of their content: what
 * an import's dry run needs to tell a new row from a replay (same id, same content) or a
 * conflict (same id, other content) without asking the owner. Read through the journal's
 * unique index on (portfolio, command id); committed rows only, so an id acknowledged before
 * the lookup started is seen.
 */
public final class JournalIds {

  /** Ids looked up per statement: a bound array of this many keeps one round trip small. */
  private static final int PER_QUERY = 5_000;

  private final Pool pool;

  public JournalIds(Pool pool) {
    this.pool = pool;
  }

  /** Through the same pool as {@code market}: the node's read pool. */
  public static JournalIds sharing(MarketDataStore market) {
    return new JournalIds(market.pool());
  }

  /** The content hash of each of {@code keys} (idempotency keys such as {@code trade:t-1}) already recorded. */
  public Future<Map<String, Long>> recorded(String portfolioId, List<String> keys) {
    Map<String, Long> found = new HashMap<>();
    Future<Void> chain = Future.succeededFuture();
    for (int from = 0; from < keys.size(); from += PER_QUERY) {
      String[] part = keys.subList(from, Math.min(keys.size(), from + PER_QUERY)).toArray(String[]::new);
      chain = chain.compose(v -> pool.preparedQuery("SELECT command_id, command_hash FROM portfolio_events "
              + "WHERE portfolio_id = $1 AND command_id = ANY($2)")
          .execute(Tuple.tuple().addString(portfolioId).addArrayOfString(part))
          .map(rows -> {
            rows.forEach(row -> found.put(row.getString("command_id"), row.getLong("command_hash")));
            return null;
          }));
    }
    return chain.map(v -> found);
  }
}
