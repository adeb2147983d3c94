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
 * The prices and FX rates stored, read in the order readers can trust (V18): in
 * {@code (tx, market_seq)} order over finished transactions, as the journal is read
 * ({@link ChangeStreamStore}), so that the analytics store's daily series see every row once,
 * none slipping behind their cursor ({@link #next}); and, for a store that has no such cursor yet,
 * which were recorded after a moment, whichever node recorded them ({@link #since}: what a node
 * that was down missed, one range read of each table's {@code recorded_at} index).
 */
public final class MarketRecords {

  static final String PRICES = "SELECT instrument_id, min(at) AS first_at, max(recorded_at) AS last_recorded "
      + "FROM prices WHERE recorded_at > $1 GROUP BY instrument_id";
  static final String RATES = "SELECT base, quote, min(at) AS first_at, max(recorded_at) AS last_recorded "
      + "FROM fx_rates WHERE recorded_at > $1 GROUP BY base, quote";

  /**
   * Every transaction below this one has finished (committed or aborted) and none can start
   * below it: rows with a smaller {@code tx} can be read without one slipping behind a cursor
   * later. The {@code xid8} leaves as text (the client has no type for it).
   */
  static final String HORIZON = "SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin";

  /**
   * The next rows after a place in the market order, below a horizon, at most {@code $4} of them,
   * grouped by instrument (prices) or pair (rates): each group's earliest observation, and the
   * batch's size, highest {@code market_seq} and last place. Both tables draw from the one
   * sequence, so their rows merge into one order; each side walks its own {@code (tx,
   * market_seq)} index from the cursor.
   */
  static final String NEXT = "WITH batch AS MATERIALIZED (SELECT * FROM ("
      + "(SELECT tx, market_seq, instrument_id AS a, NULL::text AS b, at FROM prices "
      + "WHERE (tx, market_seq) > ($1::text::xid8, $2) AND tx < $3::text::xid8 ORDER BY tx, market_seq LIMIT $4) "
      + "UNION ALL (SELECT tx, market_seq, base, quote, at FROM fx_rates "
      + "WHERE (tx, market_seq) > ($1::text::xid8, $2) AND tx < $3::text::xid8 ORDER BY tx, market_seq LIMIT $4)"
      + ") u ORDER BY tx, market_seq LIMIT $4), "
      + "last AS (SELECT tx, market_seq FROM batch ORDER BY tx DESC, market_seq DESC LIMIT 1) "
      + "SELECT g.a, g.b, g.first_at, g.n, g.highest, l.tx::text AS last_tx, l.market_seq AS last_seq FROM "
      + "(SELECT a, b, min(at) AS first_at, count(*) AS n, max(market_seq) AS highest FROM batch GROUP BY a, b) g "
      + "CROSS JOIN last l";

  /**
   * What a request that waits for the market order needs to know at its start: every
   * transaction that had finished by then is below {@code xmax}; and the highest
   * {@code market_seq} drawn so far (0 for none), beyond which no write has answered.
   */
  static final String BARRIER = "SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS xmax, "
      + "(SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM market_seq) AS drawn";

  /** A place in the market order: after the row {@code (tx, marketSeq)}. */
  public record Position(long tx, long marketSeq) {
  }

  /**
   * One read of the market order.
   *
   * @param instruments each instrument priced in it, by its earliest observation time
   * @param currencies each currency of a rate in it (base and quote), by its earliest observation
   * @param last the place of its last row (null when it had none)
   * @param highestSeq its highest {@code market_seq} (0 when none)
   * @param rows how many rows it held
   */
  public record Batch(Map<String, Instant> instruments, Map<String, Instant> currencies, Position last,
      long highestSeq, long rows) {
  }

  /**
   * Where a waiting request starts from.
   *
   * @param xmax every transaction finished when the request came has a smaller id
   * @param drawn the highest {@code market_seq} drawn then (0 for none)
   */
  public record Barrier(long xmax, long drawn) {
  }

  private final Pool pool;

  public MarketRecords(Pool pool) {
    this.pool = pool;
  }

  /** The transaction id below which every transaction has finished, now ({@link #HORIZON}). */
  public Future<Long> horizon() {
    return pool.query(HORIZON).execute().map(rows -> Long.parseLong(rows.iterator().next().getString("xmin")));
  }

  /**
   * Up to {@code limit} rows of prices and rates after {@code after} in {@code (tx, market_seq)}
   * order, of transactions below {@code horizon} (a value of {@link #horizon()}: all finished),
   * grouped ({@link #NEXT}).
   */
  public Future<Batch> next(Position after, long horizon, int limit) {
    return pool.preparedQuery(NEXT).execute(Tuple.of(Long.toString(after.tx()), after.marketSeq(),
        Long.toString(horizon), limit)).map(rows -> {
          Map<String, Instant> instruments = new HashMap<>();
          Map<String, Instant> currencies = new HashMap<>();
          Position last = null;
          long highest = 0;
          long count = 0;
          for (Row row : rows) {
            Instant first = row.getOffsetDateTime("first_at").toInstant();
            String quote = row.getString("b");
            if (quote == null) {
              instruments.merge(row.getString("a"), first, MarketRecords::earlier);
            } else {
              currencies.merge(row.getString("a"), first, MarketRecords::earlier);
              currencies.merge(quote, first, MarketRecords::earlier);
            }
            count += row.getLong("n");
            highest = Math.max(highest, row.getLong("highest"));
            last = new Position(Long.parseLong(row.getString("last_tx")), row.getLong("last_seq"));
          }
          return new Batch(instruments, currencies, last, highest, count);
        });
  }

  /** The {@link Barrier} of a request that comes now. */
  public Future<Barrier> barrier() {
    return pool.query(BARRIER).execute().map(rows -> {
      Row row = rows.iterator().next();
      return new Barrier(Long.parseLong(row.getString("xmax")), row.getLong("drawn"));
    });
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
