package io.portfoliostate.persistence;

import io.portfoliostate.domain.PortfolioId;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.HashMap;
import java.util.Map;

/**
 * The drift alerts raised (table {@code drift_alerts}, V14): each weight line's alerts numbered
 * 1, 2, 3, …, breaches and recoveries alternating. Inserting the n-th alert of a line a second
 * time inserts nothing, so an alert is raised once cluster-wide.
 */
public final class DriftAlertStore {

  /** A line's last alert: its number, and whether it was a breach. */
  public record Last(int n, boolean breached) {
  }

  private static final String LAST = "SELECT DISTINCT ON (line_key) line_key, n, type FROM drift_alerts "
      + "WHERE portfolio_id = $1 ORDER BY line_key, n DESC";
  private static final String RAISE = "INSERT INTO drift_alerts (portfolio_id, line_key, n, type, alert) "
      + "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (portfolio_id, line_key, n) DO NOTHING";

  private final Pool pool;

  public DriftAlertStore(Pool pool) {
    this.pool = pool;
  }

  /** Each line's last alert, by line key. */
  public Future<Map<String, Last>> last(PortfolioId id) {
    return pool.preparedQuery(LAST).execute(Tuple.of(id.value())).map(rows -> {
      Map<String, Last> last = new HashMap<>();
      for (Row row : rows) {
        last.put(row.getString("line_key"), new Last(row.getInteger("n"), row.getString("type").endsWith("BREACHED")));
      }
      return last;
    });
  }

  /** Stores the n-th alert of a line; false when it was stored already (by this node or another). */
  public Future<Boolean> raise(PortfolioId id, String key, int n, String type, JsonObject alert) {
    return pool.preparedQuery(RAISE).execute(Tuple.of(id.value(), key, n, type, alert))
        .map(rows -> rows.rowCount() == 1);
  }
}
