package io.portfoliostate.persistence;

import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.PortfolioEvent;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.domain.valuation.FxRate;
import io.portfoliostate.domain.valuation.Price;
import io.portfoliostate.protocol.EventJson;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What a performance read needs from PostgreSQL, in a few statements whatever the window's
 * length: a portfolio's whole journal, and the prices and FX rates of a window for the
 * instruments and currencies involved — every observation inside it plus the last one before
 * it (the price a window's first day is valued at may be older than the window). Both are
 * ranges of the tables' primary keys ({@code (instrument_id, at)}, {@code (base, quote, at)}),
 * so no index is added for them.
 */
public final class PerformanceHistory {

  /** The payloads as text: parsed by {@link Journal#events()} on the caller's worker. */
  private static final String JOURNAL =
      "SELECT type, payload::text AS payload FROM portfolio_events WHERE portfolio_id = $1 ORDER BY seq";
  /**
   * Per instrument, one backward probe of the primary key for the last observation at or before
   * the window, then one forward range scan from it to the window's end, folded into one text
   * per instrument ({@code micros price currency,...} in time order). A year of 500 instruments
   * is then 500 rows instead of 130,000: the client decodes them on the event loop, and the
   * parsing of the texts is left to the caller's worker.
   */
  private static final String PRICES =
      "SELECT u.i AS instrument_id, p.points, p.currencies FROM UNNEST($1::text[]) AS u(i) "
          + "CROSS JOIN LATERAL (SELECT coalesce((SELECT at FROM prices WHERE instrument_id = u.i AND at <= $2 "
          + "ORDER BY at DESC LIMIT 1), $2) AS since) s "
          + "CROSS JOIN LATERAL (SELECT string_agg(((extract(epoch FROM at) * 1000000)::bigint)::text || ' ' "
          + "|| price::text || ' ' || currency, ',' ORDER BY at) AS points, string_agg(DISTINCT currency, ' ') "
          + "AS currencies FROM prices "
          + "WHERE instrument_id = u.i AND at >= s.since AND at <= $3) p WHERE p.points IS NOT NULL";
  private static final String RATES =
      "SELECT base, quote, at, rate::text AS rate FROM fx_rates "
          + "WHERE base = ANY($1::text[]) AND quote = ANY($1::text[]) AND at > $2 AND at <= $3 "
          + "UNION ALL SELECT r.base, r.quote, r.at, r.rate::text FROM UNNEST($1::text[]) AS b(c) "
          + "CROSS JOIN UNNEST($1::text[]) AS q(c) CROSS JOIN LATERAL (SELECT base, quote, at, rate FROM fx_rates "
          + "WHERE base = b.c AND quote = q.c AND at <= $2 ORDER BY at DESC LIMIT 1) r WHERE b.c <> q.c";
  private static final String KNOWN =
      "SELECT EXISTS (SELECT 1 FROM instruments WHERE id = $1) OR EXISTS (SELECT 1 FROM prices WHERE instrument_id = $1)";

  private final Pool pool;

  private PerformanceHistory(Pool pool) {
    this.pool = pool;
  }

  /** Reads through the same pool as {@code market}: the read pool of the node. */
  public static PerformanceHistory sharing(MarketDataStore market) {
    return new PerformanceHistory(market.pool());
  }

  /** A portfolio's journal as read: types and payload texts, parsed on demand (off the event loop). */
  public record Journal(List<String> types, List<String> payloads) {

    public boolean isEmpty() {
      return types.isEmpty();
    }

    /** The events in journal order. */
    public List<PortfolioEvent> events() {
      List<PortfolioEvent> events = new ArrayList<>(types.size());
      for (int i = 0; i < types.size(); i++) {
        events.add(EventJson.fromJson(types.get(i), new JsonObject(payloads.get(i))));
      }
      return events;
    }
  }

  /** Every event of the portfolio in journal order, unparsed; empty when it does not exist. */
  public Future<Journal> journal(PortfolioId id) {
    return pool.preparedQuery(JOURNAL).execute(Tuple.of(id.value())).map(rows -> {
      List<String> types = new ArrayList<>(rows.size());
      List<String> payloads = new ArrayList<>(rows.size());
      for (Row row : rows) {
        types.add(row.getString(0));
        payloads.add(row.getString(1));
      }
      return new Journal(types, payloads);
    });
  }

  /** The prices of a window as read: one text per instrument, parsed on demand (off the event loop). */
  public record PriceTexts(List<String> instruments, List<String> points, List<String> quotedIn) {

    /** Every price, grouped by instrument and in time order within each. */
    public List<Price> prices() {
      List<Price> prices = new ArrayList<>();
      for (int i = 0; i < instruments.size(); i++) {
        InstrumentId instrument = InstrumentId.of(instruments.get(i));
        CurrencyCode currency = null;
        for (String point : points.get(i).split(",")) {
          int first = point.indexOf(' ');
          int second = point.indexOf(' ', first + 1);
          long micros = Long.parseLong(point, 0, first, 10);
          String code = point.substring(second + 1);
          // One instrument is quoted in one currency almost always: one object for all its prices.
          currency = currency != null && currency.value().equals(code) ? currency : CurrencyCode.of(code);
          prices.add(new Price(instrument, new BigDecimal(point.substring(first + 1, second)), currency,
              Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L)));
        }
      }
      return prices;
    }

    /** The currencies the prices are quoted in (a few words per instrument: cheap anywhere). */
    public Set<CurrencyCode> currencies() {
      Set<CurrencyCode> currencies = new HashSet<>();
      for (String codes : quotedIn) {
        for (String code : codes.split(" ")) {
          currencies.add(CurrencyCode.of(code));
        }
      }
      return currencies;
    }
  }

  /**
   * The prices of {@code instruments} observed in ({@code from}, {@code to}], and for each the
   * last one at or before {@code from}.
   */
  public Future<PriceTexts> prices(Collection<InstrumentId> instruments, Instant from, Instant to) {
    if (instruments.isEmpty()) {
      return Future.succeededFuture(new PriceTexts(List.of(), List.of(), List.of()));
    }
    String[] ids = instruments.stream().map(InstrumentId::value).distinct().toArray(String[]::new);
    return pool.preparedQuery(PRICES).execute(Tuple.of(ids, time(from), time(to))).map(rows -> {
      List<String> names = new ArrayList<>(rows.size());
      List<String> points = new ArrayList<>(rows.size());
      List<String> quotedIn = new ArrayList<>(rows.size());
      for (Row row : rows) {
        names.add(row.getString(0));
        points.add(row.getString(1));
        quotedIn.add(row.getString(2));
      }
      return new PriceTexts(names, points, quotedIn);
    });
  }

  /**
   * The rates quoted between any two of {@code currencies} observed in ({@code from},
   * {@code to}], and for each pair the last one at or before {@code from}.
   */
  public Future<List<FxRate>> rates(Collection<CurrencyCode> currencies, Instant from, Instant to) {
    if (currencies.size() < 2) {
      return Future.succeededFuture(List.of());
    }
    String[] codes = currencies.stream().map(CurrencyCode::value).distinct().toArray(String[]::new);
    return pool.preparedQuery(RATES).execute(Tuple.of(codes, time(from), time(to))).map(rows -> {
      List<FxRate> rates = new ArrayList<>(rows.size());
      for (Row row : rows) {
        rates.add(new FxRate(CurrencyCode.of(row.getString("base")), CurrencyCode.of(row.getString("quote")),
            new BigDecimal(row.getString("rate")), row.getOffsetDateTime("at").toInstant()));
      }
      return rates;
    });
  }

  /** Whether the instrument has reference data or at least one price. */
  public Future<Boolean> known(InstrumentId id) {
    return pool.preparedQuery(KNOWN).execute(Tuple.of(id.value())).map(rows -> rows.iterator().next().getBoolean(0));
  }

  private static OffsetDateTime time(Instant instant) {
    return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
  }
}
