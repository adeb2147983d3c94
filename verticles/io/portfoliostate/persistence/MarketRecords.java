package io.portfoliostate.persistence;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;

/**
 * Which prices and FX rates were recorded after a moment, whichever node recorded them: what a
 * node that was down missed of the cluster's market publications (the analytics store's daily
 * series catch up with it at start). One range read of {@code prices} and of {@code fx_rates} on
 * their {@code recorded_at} indexes (V18; it was a scan of both tables).
 */
public final class MarketRecords {

  static final String PRICES = "SELECT instrument_id, min(at) AS first_at, max(recorded_at) AS last_recorded "
      + "FROM prices WHERE recorded_at > $1 GROUP BY instrument_id";
  static final String RATES = "SELECT base, quote, min(at) AS first_at, max(recorded_at) AS last_recorded "
      + "FROM fx_rates WHERE recorded_at > $1 GROUP BY base, quote";

  private final Pool pool;

  public MarketRecords(Pool pool) {
    this.pool = pool;
  }

  /**
   * What was recorded after {@code after}: each instrument and currency by the earliest
   * observation time among them (a back-dated price's own time), and the latest
   * {@code recorded_at} seen (null if none).
   */
  public record Recorded(Map<String, Instant> instruments, Map<String, Instant> currencies, Instant lastRecorded) {

    /** Whether nothing was recorded. */
    public boolean isEmpty() {
      return instruments.isEmpty() && currencies.isEmpty();
    }
  }

  /** The prices and rates recorded after {@code after}. */
  public Future<Recorded> since(Instant after) {
    OffsetDateTime from = OffsetDateTime.ofInstant(after, ZoneOffset.UTC);
    return pool.preparedQuery(PRICES).execute(Tuple.of(from)).compose(prices -> pool.preparedQuery(RATES)
        .execute(Tuple.of(from)).map(rates -> {
          Map<String, Instant> instruments = new HashMap<>();
          Map<String, Instant> currencies = new HashMap<>();
          Instant last = null;
          for (Row row : prices) {
            instruments.put(row.getString("instrument_id"), row.getOffsetDateTime("first_at").toInstant());
            last = later(last, row.getOffsetDateTime("last_recorded").toInstant());
          }
          for (Row row : rates) {
            Instant first = row.getOffsetDateTime("first_at").toInstant();
            currencies.merge(row.getString("base"), first, MarketRecords::earlier);
            currencies.merge(row.getString("quote"), first, MarketRecords::earlier);
            last = later(last, row.getOffsetDateTime("last_recorded").toInstant());
          }
          return new Recorded(instruments, currencies, last);
        }));
  }

  private static Instant earlier(Instant a, Instant b) {
    return a.isBefore(b) ? a : b;
  }

  private static Instant later(Instant a, Instant b) {
    return a == null || b.isAfter(a) ? b : a;
  }
}
