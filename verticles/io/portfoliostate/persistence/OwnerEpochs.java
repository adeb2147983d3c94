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
   * Takes the next epoch and a lease; returns the epoch and how many milliseconds of the
   * previous holder's lease are left. One statement, so claims and renewals of a portfolio are
   * serialized by its row lock; an append in flight holds a share lock on the row, so a claim
   * waits for its COMMIT (and the load after the claim sees it). The previous lease is kept in
   * the row because RETURNING shows only the new values.
   */
  private static final String CLAIM =
      "INSERT INTO portfolio_owners AS o (portfolio_id, epoch, lease_until) "
          + "VALUES ($1, 1, clock_timestamp() + $2 * interval '1 millisecond') "
          + "ON CONFLICT (portfolio_id) DO UPDATE SET epoch = o.epoch + 1, previous_lease_until = o.lease_until, "
          + "lease_until = EXCLUDED.lease_until "
          + "RETURNING o.epoch, GREATEST(0, CEIL(EXTRACT(EPOCH FROM (o.previous_lease_until - clock_timestamp())) "
          + "* 1000))::bigint";

  /** Extends the leases of the portfolios whose epoch is still the one given; returns those. */
  private static final String RENEW =
      "UPDATE portfolio_owners AS o SET lease_until = clock_timestamp() + $3 * interval '1 millisecond' "
          + "FROM UNNEST($1::text[], $2::bigint[]) AS u(p, e) WHERE o.portfolio_id = u.p AND o.epoch = u.e "
          + "RETURNING o.portfolio_id";

  /** A claim: the owner's epoch, and how long the previous holder may still answer reads. */
  public record Claim(long epoch, long previousLeaseMs) {
  }

  private final Pool pool;

  public OwnerEpochs(Pool pool) {
    this.pool = pool;
  }

  /** Claims {@code id} with a lease of {@code leaseMs}. */
  public Future<Claim> claim(PortfolioId id, long leaseMs) {
    return pool.preparedQuery(CLAIM).execute(Tuple.of(id.value(), leaseMs)).map(rows -> {
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
