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
import java.util.List;

/**
 * What a performance read needs from PostgreSQL, in a few statements whatever the window's
 * length: a portfolio's whole journal, and the prices and FX rates of a window for the
 * instruments and currencies involved — every observation inside it plus the last one before
 * it (the price a window's first day is valued at may be older than the window). Both are
 * ranges of the tables' primary keys ({@code (instrument_id, at)}, {@code (base, quote, at)}),
 * so no index is added for them.
 */
public final class PerformanceHistory {

  private static final String JOURNAL =
      "SELECT seq, type, payload FROM portfolio_events WHERE portfolio_id = $1 ORDER BY seq";
  /**
   * Per instrument, one backward probe of the primary key for the last observation at or before
   * the window, then one forward range scan from it to the window's end: the rows come out
   * grouped by instrument and in time order, so nothing sorts them, here or in Java.
   */
  private static final String PRICES =
      "SELECT p.instrument_id, p.at, p.price::text AS price, p.currency FROM UNNEST($1::text[]) WITH ORDINALITY AS u(i, n) "
          + "CROSS JOIN LATERAL (SELECT coalesce((SELECT at FROM prices WHERE instrument_id = u.i AND at <= $2 "
          + "ORDER BY at DESC LIMIT 1), $2) AS since) s "
          + "CROSS JOIN LATERAL (SELECT instrument_id, at, price, currency FROM prices "
          + "WHERE instrument_id = u.i AND at >= s.since AND at <= $3 ORDER BY at) p";
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

  /** Every event of the portfolio in journal order; empty when it does not exist. */
  public Future<List<PortfolioEvent>> journal(PortfolioId id) {
    return pool.preparedQuery(JOURNAL).execute(Tuple.of(id.value())).map(rows -> {
      List<PortfolioEvent> events = new ArrayList<>(rows.size());
      for (Row row : rows) {
        events.add(EventJson.fromJson(row.getString("type"), (JsonObject) row.getJson("payload")));
      }
      return events;
    });
  }

  /**
   * The prices of {@code instruments} observed in ({@code from}, {@code to}], and for each the
   * last one at or before {@code from}.
   */
  public Future<List<Price>> prices(Collection<InstrumentId> instruments, Instant from, Instant to) {
    if (instruments.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    String[] ids = instruments.stream().map(InstrumentId::value).distinct().toArray(String[]::new);
    return pool.preparedQuery(PRICES).execute(Tuple.of(ids, time(from), time(to))).map(rows -> {
      List<Price> prices = new ArrayList<>(rows.size());
      for (Row row : rows) {
        prices.add(new Price(InstrumentId.of(row.getString("instrument_id")), new BigDecimal(row.getString("price")),
            CurrencyCode.of(row.getString("currency")), row.getOffsetDateTime("at").toInstant()));
      }
      return prices;
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
