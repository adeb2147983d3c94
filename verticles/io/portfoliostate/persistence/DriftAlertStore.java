package io.portfoliostate.persistence;

import io.portfoliostate.domain.PortfolioId;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
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

  /** A loose index scan over the partial index of V19: one probe per portfolio, not per event. */
  private static final String WITH_TARGETS = "WITH RECURSIVE ids AS ("
      + "(SELECT portfolio_id FROM portfolio_events WHERE type = 'TargetsSet' ORDER BY portfolio_id LIMIT 1) "
      + "UNION ALL SELECT (SELECT e.portfolio_id FROM portfolio_events e WHERE e.type = 'TargetsSet' "
      + "AND e.portfolio_id > ids.portfolio_id ORDER BY e.portfolio_id LIMIT 1) FROM ids "
      + "WHERE ids.portfolio_id IS NOT NULL) SELECT portfolio_id FROM ids WHERE portfolio_id IS NOT NULL";

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

  /** Every portfolio that has ever had targets set (some may have cleared them since). */
  public Future<List<PortfolioId>> portfoliosWithTargets() {
    return pool.query(WITH_TARGETS).execute().map(rows -> {
      List<PortfolioId> ids = new ArrayList<>(rows.size());
      for (Row row : rows) {
        ids.add(PortfolioId.of(row.getString(0)));
      }
      return ids;
    });
  }

  /** Stores the n-th alert of a line; false when it was stored already (by this node or another). */
  public Future<Boolean> raise(PortfolioId id, String key, int n, String type, JsonObject alert) {
    return pool.preparedQuery(RAISE).execute(Tuple.of(id.value(), key, n, type, alert))
        .map(rows -> rows.rowCount() == 1);
  }
}
