package io.portfoliostate.persistence;

import io.portfoliostate.domain.PortfolioId;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Ownership epochs and read leases of portfolios (table {@code portfolio_owners}, V7).
 *
 * <p>An owner claims a portfolio before loading it: the claim takes the next epoch, so the
 * journal refuses the appends of whoever held the previous one (see {@link JournalWrites}), and
 * a load that follows the claim sees everything the previous owner committed. The holder of the
 * current epoch renews a lease to answer strong reads from memory; a new owner waits out the
 * previous holder's lease before it acknowledges a write. Together: no strong read returns a
 * version older than one already acknowledged, even while two nodes believe they own it.
 */
public final class OwnerEpochs {

  /**
   * The key space of the per-portfolio advisory locks (the first of the two int4 keys; the
   * second is {@code hashtext(portfolio_id)}). PostgreSQL keeps two-key advisory locks apart from
   * single-bigint ones such as the tree lock. Two portfolios whose ids hash alike share a lock:
   * that costs a wait now and then, never correctness.
   */
  static final int LOCK_SPACE = 7472;

  /**
   * Takes the portfolio's advisory lock exclusively first: it waits for every journal append in
   * flight for the portfolio (they hold it shared until COMMIT), so the load after the claim sees
   * what they wrote, and no append of an older epoch commits after it (see {@link JournalWrites}).
   */
  private static final String LOCK = "SELECT pg_advisory_xact_lock(" + LOCK_SPACE + ", hashtext($1))";

  /**
   * Takes the next epoch and a lease; returns the epoch and how many milliseconds of the
   * previous holder's lease are left (kept in the row, as RETURNING shows only new values).
   */
  private static final String CLAIM =
      "INSERT INTO portfolio_owners AS o (portfolio_id, epoch, lease_until) "
          + "VALUES ($1, 1, clock_timestamp() + $2 * interval '1 millisecond') "
          + "ON CONFLICT (portfolio_id) DO UPDATE SET epoch = o.epoch + 1, previous_lease_until = o.lease_until, "
          + "lease_until = EXCLUDED.lease_until "
          + "RETURNING o.epoch, GREATEST(0, CEIL(EXTRACT(EPOCH FROM (o.previous_lease_until - clock_timestamp())) "
          + "* 1000))::bigint";

  /**
   * Extends the leases of the portfolios whose epoch is still the one given; returns those. The
   * rows are locked in id order first, so that two renewals of overlapping portfolios (two nodes
   * that both believe they own them) cannot deadlock; the no-key lock does not wait for journal
   * appends (they hold key-share locks), so renewals never stall commits.
   */
  private static final String RENEW =
      "UPDATE portfolio_owners AS o SET lease_until = clock_timestamp() + $3 * interval '1 millisecond' "
          + "FROM (SELECT l.portfolio_id, u.e FROM portfolio_owners l JOIN UNNEST($1::text[], $2::bigint[]) AS u(p, e) "
          + "ON l.portfolio_id = u.p ORDER BY l.portfolio_id FOR NO KEY UPDATE OF l) AS k "
          + "WHERE o.portfolio_id = k.portfolio_id AND o.epoch = k.e RETURNING o.portfolio_id";

  /** A claim: the owner's epoch, and how long the previous holder may still answer reads. */
  public record Claim(long epoch, long previousLeaseMs) {
  }

  private final Pool pool;

  public OwnerEpochs(Pool pool) {
    this.pool = pool;
  }

  /** Claims {@code id} with a lease of {@code leaseMs}. */
  public Future<Claim> claim(PortfolioId id, long leaseMs) {
    return pool.withTransaction(connection -> connection.preparedQuery(LOCK).execute(Tuple.of(id.value()))
        .compose(locked -> connection.preparedQuery(CLAIM).execute(Tuple.of(id.value(), leaseMs)))).map(rows -> {
      Row row = rows.iterator().next();
      Long left = row.getLong(1);
      return new Claim(row.getLong(0), left == null ? 0 : left);
    });
  }

  /**
   * Renews the leases of {@code ids} held at {@code epochs} (same order), in one statement;
   * returns the ids whose epoch is still current. The others were claimed by another owner.
   */
  public Future<Set<String>> renew(List<String> ids, List<Long> epochs, long leaseMs) {
    if (ids.isEmpty()) {
      return Future.succeededFuture(Set.of());
    }
    return pool.preparedQuery(RENEW)
        .execute(Tuple.of(ids.toArray(new String[0]), epochs.toArray(new Long[0]), leaseMs))
        .map(rows -> {
          Set<String> confirmed = new HashSet<>();
          rows.forEach(row -> confirmed.add(row.getString(0)));
          return confirmed;
        });
  }
}
