package io.portfoliostate.persistence;

import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.valuation.FxRate;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The prices and FX rates a daily valuation needs, and no more: for each instrument (pair) the
 * last observation at or before the end of each day (23:59:59.999 UTC, the time a day's NAV is
 * taken at), where {@link PerformanceHistory#prices} reads every observation of the window. A
 * series valued only at day ends gets the same figures from either (the latest price at or
 * before a day's end is that day's last one, or an earlier day's), but with prices ticking all
 * day the full read grows with the ticks: at 2,000 ticks a second a refresh of the analytics
 * store's daily series read, parsed and walked every tick of today (BENCHMARKS.md). Read here,
 * its cost follows days × instruments.
 *
 * <p>Two parts per instrument, one statement: the last {@value #PROBED_DAYS} days of the window
 * (where live ticks are; an in-order change recomputes two days) are one backward probe of the
 * primary key {@code (instrument_id, at)} each, whatever the ticks; the days before them (a
 * back-dated change, a new store) are one forward range of it from the last observation at or
 * before the window's start, cut to each day's last row in PostgreSQL ({@code DISTINCT ON} the
 * day the observation counts for), so only the closes travel. An observation counts for day d
 * when it is after d−1's end and at or before d's: the UTC date of {@code at} + 999 µs (one at
 * 23:59:59.9995 counts for the next day, as the valuation's cursor reads it).
 */
public final class DailyCloses {

  /** The last days of a window read by one probe each (the rest by a range). */
  public static final int PROBED_DAYS = 5;

  /** The day an observation counts for (see the class comment). */
  private static final String DAY = "((%s AT TIME ZONE 'UTC') + interval '999 microseconds')::date";

  /**
   * $1 instruments, $2 the window's start, $3 the end of the last day read by the range, $4 the
   * ends of the probed days. Folded per instrument into the text {@link PerformanceHistory}
   * answers ({@code micros price currency,...} in time order), so it parses the same way.
   */
  private static final String PRICES =
      "WITH ids AS (SELECT DISTINCT unnest($1::text[]) AS i), closes AS ("
          + "(SELECT DISTINCT ON (u.i, " + DAY.formatted("p.at") + ") u.i, p.at, p.price, p.currency FROM ids u "
          + "CROSS JOIN LATERAL (SELECT coalesce((SELECT at FROM prices WHERE instrument_id = u.i AND at <= $2 "
          + "ORDER BY at DESC LIMIT 1), $2) AS since) s "
          + "JOIN prices p ON p.instrument_id = u.i AND p.at >= s.since AND p.at <= $3 "
          + "ORDER BY u.i, " + DAY.formatted("p.at") + ", p.at DESC) "
          + "UNION SELECT u.i, c.at, c.price, c.currency FROM ids u CROSS JOIN unnest($4::timestamptz[]) e(t) "
          + "CROSS JOIN LATERAL (SELECT at, price, currency FROM prices WHERE instrument_id = u.i AND at <= e.t "
          + "ORDER BY at DESC LIMIT 1) c) "
          + "SELECT i AS instrument_id, string_agg(((extract(epoch FROM at) * 1000000)::bigint)::text || ' ' "
          + "|| price::text || ' ' || currency, ',' ORDER BY at) AS points, "
          + "string_agg(DISTINCT currency, ' ') AS currencies FROM closes GROUP BY i";

  /** As {@link #PRICES}, for every ordered pair of two different currencies of $1. */
  private static final String RATES =
      "WITH codes AS (SELECT DISTINCT unnest($1::text[]) AS c), "
          + "pairs AS (SELECT b.c AS base, q.c AS quote FROM codes b CROSS JOIN codes q WHERE b.c <> q.c) "
          + "(SELECT DISTINCT ON (x.base, x.quote, " + DAY.formatted("r.at") + ") r.base, r.quote, r.at, "
          + "r.rate::text AS rate FROM pairs x CROSS JOIN LATERAL (SELECT coalesce((SELECT at FROM fx_rates "
          + "WHERE base = x.base AND quote = x.quote AND at <= $2 ORDER BY at DESC LIMIT 1), $2) AS since) s "
          + "JOIN fx_rates r ON r.base = x.base AND r.quote = x.quote AND r.at >= s.since AND r.at <= $3 "
          + "ORDER BY x.base, x.quote, " + DAY.formatted("r.at") + ", r.at DESC) "
          + "UNION SELECT c.base, c.quote, c.at, c.rate::text FROM pairs x CROSS JOIN unnest($4::timestamptz[]) e(t) "
          + "CROSS JOIN LATERAL (SELECT base, quote, at, rate FROM fx_rates WHERE base = x.base AND quote = x.quote "
          + "AND at <= e.t ORDER BY at DESC LIMIT 1) c";

  private final Pool pool;

  DailyCloses(Pool pool) {
    this.pool = pool;
  }

  /**
   * For each of {@code instruments}, the last price at or before the end of each of
   * {@code days} (ascending; a valuation's days), parsed as {@link PerformanceHistory#prices}
   * answers: a valuation at those days' ends finds the same prices in either.
   */
  public Future<PerformanceHistory.PriceTexts> prices(Collection<InstrumentId> instruments, List<LocalDate> days) {
    if (instruments.isEmpty() || days.isEmpty()) {
      return Future.succeededFuture(new PerformanceHistory.PriceTexts(List.of(), List.of(), List.of()));
    }
    String[] ids = instruments.stream().map(InstrumentId::value).distinct().toArray(String[]::new);
    return pool.preparedQuery(PRICES).execute(bounds(ids, days)).map(PerformanceHistory.PriceTexts::of);
  }

  /**
   * For each ordered pair of two of {@code currencies}, the last rate at or before the end of
   * each of {@code days} (ascending): what {@link PerformanceHistory#rates} gives a valuation at
   * those days' ends.
   */
  public Future<List<FxRate>> rates(Collection<CurrencyCode> currencies, List<LocalDate> days) {
    String[] codes = currencies.stream().map(CurrencyCode::value).distinct().toArray(String[]::new);
    if (codes.length < 2 || days.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    return pool.preparedQuery(RATES).execute(bounds(codes, days)).map(rows -> {
      List<FxRate> rates = new ArrayList<>(rows.size());
      for (Row row : rows) {
        rates.add(new FxRate(CurrencyCode.of(row.getString("base")), CurrencyCode.of(row.getString("quote")),
            new BigDecimal(row.getString("rate")), row.getOffsetDateTime("at").toInstant()));
      }
      return rates;
    });
  }

  /**
   * The statements' parameters: the window's start, the end of the last day the range reads
   * (the start itself when every day is probed: the range then brings only the observation the
   * window starts from, one the probes would find anyway or an earlier one, which a valuation at
   * later ends never picks over them), and the probed days' ends.
   */
  private static Tuple bounds(String[] keys, List<LocalDate> days) {
    int probedFrom = Math.max(0, days.size() - PROBED_DAYS);
    Instant start = days.get(0).atStartOfDay().toInstant(ZoneOffset.UTC);
    Instant rangeEnd = probedFrom == 0 ? start : endOf(days.get(probedFrom - 1));
    OffsetDateTime[] ends = new OffsetDateTime[days.size() - probedFrom];
    for (int i = probedFrom; i < days.size(); i++) {
      ends[i - probedFrom] = time(endOf(days.get(i)));
    }
    return Tuple.of(keys, time(start), time(rangeEnd), ends);
  }

  private static Instant endOf(LocalDate date) {
    return date.atTime(23, 59, 59, 999_000_000).toInstant(ZoneOffset.UTC);
  }

  private static OffsetDateTime time(Instant instant) {
    return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
  }
}
