package io.portfoliostate.persistence;

import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.Instrument;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.valuation.FxRate;
import io.portfoliostate.domain.valuation.MarketNeeds;
import io.portfoliostate.domain.valuation.Price;
import io.portfoliostate.protocol.MarketJson;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
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
 * The SQL of market data: instruments, and the history of prices and FX rates (V3 migration):
 * the latest of each for a node's market view, and those latest at a past time for as-of reads.
 * Writes bind each table's rows as parallel arrays and unnest them, one statement per table
 * whatever the batch size; decimals travel as text and are cast to numeric, so nothing passes
 * through a binary float.
 */
public final class MarketDataStore {

  private static final String UPSERT_INSTRUMENTS =
      "INSERT INTO instruments (id, currency, asset_class, sector, country, factors, updated_at) "
          + "SELECT i, c, a, s, k, f::json, $7::timestamptz FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], "
          + "$5::text[], $6::text[]) AS u(i, c, a, s, k, f) "
          + "ON CONFLICT (id) DO UPDATE SET currency = EXCLUDED.currency, asset_class = EXCLUDED.asset_class, "
          + "sector = EXCLUDED.sector, country = EXCLUDED.country, factors = EXCLUDED.factors, "
          + "updated_at = EXCLUDED.updated_at RETURNING id, (xmax = 0) AS inserted";

  /** A second price for the same instrument and time is a correction: it replaces the first. */
  private static final String UPSERT_PRICES =
      "INSERT INTO prices (instrument_id, at, price, currency, recorded_at) "
          + "SELECT i, a, p::numeric, c, $5::timestamptz FROM UNNEST($1::text[], $2::timestamptz[], $3::text[], $4::text[]) "
          + "AS u(i, a, p, c) ON CONFLICT (instrument_id, at) DO UPDATE SET price = EXCLUDED.price, "
          + "currency = EXCLUDED.currency, recorded_at = EXCLUDED.recorded_at, "
          // A correction is news to a reader of the prices' order (V18): drawn again.
          + "market_seq = nextval('market_seq'), tx = pg_current_xact_id() RETURNING market_seq";

  private static final String UPSERT_RATES =
      "INSERT INTO fx_rates (base, quote, at, rate, recorded_at) "
          + "SELECT b, q, a, r::numeric, $5::timestamptz FROM UNNEST($1::text[], $2::text[], $3::timestamptz[], $4::text[]) "
          + "AS u(b, q, a, r) ON CONFLICT (base, quote, at) DO UPDATE SET rate = EXCLUDED.rate, "
          + "recorded_at = EXCLUDED.recorded_at, market_seq = nextval('market_seq'), tx = pg_current_xact_id() "
          + "RETURNING market_seq";

  private static final String INSTRUMENT_COLUMNS =
      "SELECT id, currency, asset_class, sector, country, factors::text AS factors, updated_at FROM instruments";
  private static final String ONE_INSTRUMENT = INSTRUMENT_COLUMNS + " WHERE id = $1";
  private static final String LATEST_PRICES =
      "SELECT DISTINCT ON (instrument_id) instrument_id, at, price::text AS price, currency FROM prices "
          + "ORDER BY instrument_id, at DESC";
  private static final String LATEST_RATES =
      "SELECT DISTINCT ON (base, quote) base, quote, at, rate::text AS rate FROM fx_rates "
          + "ORDER BY base, quote, at DESC";

  /**
   * The price of each instrument asked for that was latest at a time: one backward probe of the
   * primary key (instrument_id, at) per instrument, so the cost grows with the instruments asked
   * for, not with the length of their history.
   */
  static final String PRICES_AT =
      "SELECT p.instrument_id, p.at, p.price::text AS price, p.currency FROM UNNEST($1::text[]) AS u(i) "
          + "CROSS JOIN LATERAL (SELECT instrument_id, at, price, currency FROM prices "
          + "WHERE instrument_id = u.i AND at <= $2 ORDER BY at DESC LIMIT 1) p";
  /** The rate of each pair asked for that was latest at a time, by the primary key (base, quote, at). */
  static final String RATES_AT =
      "SELECT r.base, r.quote, r.at, r.rate::text AS rate FROM UNNEST($1::text[], $2::text[]) AS u(b, q) "
          + "CROSS JOIN LATERAL (SELECT base, quote, at, rate FROM fx_rates "
          + "WHERE base = u.b AND quote = u.q AND at <= $3 ORDER BY at DESC LIMIT 1) r";

  /** An instrument as stored, with the time of its last replacement. */
  public record StoredInstrument(Instrument instrument, Instant updatedAt) {
  }

  /** What a node's market view starts from: every instrument, the latest price and rate of each. */
  public record Latest(List<Instrument> instruments, List<Price> prices, List<FxRate> rates) {
  }

  /**
   * What one write stored: the instruments it created, and the highest {@code market_seq} its
   * prices and rates drew (0 when it held none). A reader of the analytics store passes that
   * number as {@code minPriceSeq} to read its own prices (docs/analytics.md).
   */
  public record Stored(Set<InstrumentId> created, long marketSeq) {
  }

  private final Pool pool;

  public MarketDataStore(Pool pool) {
    this.pool = pool;
  }

  /** The market order of the same database ({@code minPriceSeq} starts from its {@link MarketRecords#barrier}). */
  public MarketRecords records() {
    return new MarketRecords(pool);
  }

  /** The pool this store reads: the history of performance reads shares it. */
  Pool pool() {
    return pool;
  }

  /**
   * Writes one batch in one transaction; each id or key at most once (the writer folds
   * duplicates, since one statement cannot touch a row twice).
   *
   * @return the ids of the instruments that did not exist before, and the highest
   *     {@code market_seq} drawn
   */
  Future<Stored> write(List<Instrument> instruments, List<Price> prices, List<FxRate> rates,
      Instant recordedAt) {
    OffsetDateTime recorded = OffsetDateTime.ofInstant(recordedAt, ZoneOffset.UTC);
    return pool.withTransaction(connection -> writeInstruments(connection, instruments, recorded)
        .compose(created -> writePrices(connection, prices, recorded)
            .compose(pricesSeq -> writeRates(connection, rates, recorded)
                .map(ratesSeq -> new Stored(created, Math.max(pricesSeq, ratesSeq))))));
  }

  private static Future<Set<InstrumentId>> writeInstruments(SqlConnection connection, List<Instrument> instruments,
      OffsetDateTime recorded) {
    Set<InstrumentId> created = new HashSet<>();
    if (instruments.isEmpty()) {
      return Future.succeededFuture(created);
    }
    int n = instruments.size();
    String[] ids = new String[n];
    String[] currencies = new String[n];
    String[] assetClasses = new String[n];
    String[] sectors = new String[n];
    String[] countries = new String[n];
    String[] factors = new String[n];
    for (int i = 0; i < n; i++) {
      Instrument instrument = instruments.get(i);
      ids[i] = instrument.id().value();
      currencies[i] = instrument.currency().value();
      assetClasses[i] = instrument.assetClass();
      sectors[i] = instrument.sector();
      countries[i] = instrument.country();
      factors[i] = MarketJson.factors(instrument.factors()).encode();
    }
    return connection.preparedQuery(UPSERT_INSTRUMENTS)
        .execute(Tuple.of(ids, currencies, assetClasses, sectors, countries, factors, recorded))
        .map(rows -> {
          for (Row row : rows) {
            if (row.getBoolean("inserted")) {
              created.add(InstrumentId.of(row.getString("id")));
            }
          }
          return created;
        });
  }

  /** The rows' highest {@code market_seq} (0 for none). */
  private static long highest(io.vertx.sqlclient.RowSet<Row> rows) {
    long highest = 0;
    for (Row row : rows) {
      highest = Math.max(highest, row.getLong("market_seq"));
    }
    return highest;
  }

  private static Future<Long> writePrices(SqlConnection connection, List<Price> prices, OffsetDateTime recorded) {
    if (prices.isEmpty()) {
      return Future.succeededFuture(0L);
    }
    int n = prices.size();
    String[] ids = new String[n];
    OffsetDateTime[] at = new OffsetDateTime[n];
    String[] values = new String[n];
    String[] currencies = new String[n];
    for (int i = 0; i < n; i++) {
      Price price = prices.get(i);
      ids[i] = price.instrumentId().value();
      at[i] = OffsetDateTime.ofInstant(price.at(), ZoneOffset.UTC);
      values[i] = price.price().toPlainString();
      currencies[i] = price.currency().value();
    }
    return connection.preparedQuery(UPSERT_PRICES).execute(Tuple.of(ids, at, values, currencies, recorded))
        .map(MarketDataStore::highest);
  }

  private static Future<Long> writeRates(SqlConnection connection, List<FxRate> rates, OffsetDateTime recorded) {
    if (rates.isEmpty()) {
      return Future.succeededFuture(0L);
    }
    int n = rates.size();
    String[] bases = new String[n];
    String[] quotes = new String[n];
    OffsetDateTime[] at = new OffsetDateTime[n];
    String[] values = new String[n];
    for (int i = 0; i < n; i++) {
      FxRate rate = rates.get(i);
      bases[i] = rate.base().value();
      quotes[i] = rate.quote().value();
      at[i] = OffsetDateTime.ofInstant(rate.at(), ZoneOffset.UTC);
      values[i] = rate.rate().toPlainString();
    }
    return connection.preparedQuery(UPSERT_RATES).execute(Tuple.of(bases, quotes, at, values, recorded))
        .map(MarketDataStore::highest);
  }

  /** One instrument as stored, or null when there is none. */
  public Future<StoredInstrument> instrument(InstrumentId id) {
    return pool.preparedQuery(ONE_INSTRUMENT).execute(Tuple.of(id.value())).map(rows -> {
      if (rows.size() == 0) {
        return null;
      }
      Row row = rows.iterator().next();
      return new StoredInstrument(instrument(row), row.getOffsetDateTime("updated_at").toInstant());
    });
  }

  /** Every instrument, and the latest price per instrument and rate per pair (by observation time). */
  public Future<Latest> latest() {
    return pool.query(INSTRUMENT_COLUMNS).execute().compose(instrumentRows -> {
      List<Instrument> instruments = new ArrayList<>(instrumentRows.size());
      instrumentRows.forEach(row -> instruments.add(instrument(row)));
      return pool.query(LATEST_PRICES).execute().compose(priceRows -> {
        List<Price> prices = new ArrayList<>(priceRows.size());
        priceRows.forEach(row -> prices.add(price(row)));
        return pool.query(LATEST_RATES).execute().map(rateRows -> {
          List<FxRate> rates = new ArrayList<>(rateRows.size());
          rateRows.forEach(row -> rates.add(rate(row)));
          return new Latest(instruments, prices, rates);
        });
      });
    });
  }

  /**
   * For each of {@code instruments}, the price observed last at or before {@code time} (none for
   * an instrument without one): the prices an as-of valuation at {@code time} uses. One statement.
   */
  public Future<List<Price>> pricesAt(Collection<InstrumentId> instruments, Instant time) {
    if (instruments.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    String[] ids = instruments.stream().map(InstrumentId::value).distinct().toArray(String[]::new);
    return pool.preparedQuery(PRICES_AT).execute(Tuple.of(ids, OffsetDateTime.ofInstant(time, ZoneOffset.UTC)))
        .map(rows -> {
          List<Price> prices = new ArrayList<>(rows.size());
          rows.forEach(row -> prices.add(price(row)));
          return prices;
        });
  }

  /**
   * For each of {@code pairs}, the rate quoted exactly so (not its inverse) and observed last at or
   * before {@code time}; none for a pair without one. One statement.
   */
  public Future<List<FxRate>> ratesAt(Collection<MarketNeeds.Pair> pairs, Instant time) {
    if (pairs.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    List<MarketNeeds.Pair> distinct = pairs.stream().distinct().toList();
    String[] bases = new String[distinct.size()];
    String[] quotes = new String[distinct.size()];
    for (int i = 0; i < bases.length; i++) {
      bases[i] = distinct.get(i).base().value();
      quotes[i] = distinct.get(i).quote().value();
    }
    return pool.preparedQuery(RATES_AT)
        .execute(Tuple.of(bases, quotes, OffsetDateTime.ofInstant(time, ZoneOffset.UTC)))
        .map(rows -> {
          List<FxRate> rates = new ArrayList<>(rows.size());
          rows.forEach(row -> rates.add(rate(row)));
          return rates;
        });
  }

  private static Price price(Row row) {
    return new Price(InstrumentId.of(row.getString("instrument_id")), new BigDecimal(row.getString("price")),
        CurrencyCode.of(row.getString("currency")), row.getOffsetDateTime("at").toInstant());
  }

  private static FxRate rate(Row row) {
    return new FxRate(CurrencyCode.of(row.getString("base")), CurrencyCode.of(row.getString("quote")),
        new BigDecimal(row.getString("rate")), row.getOffsetDateTime("at").toInstant());
  }

  private static Instrument instrument(Row row) {
    return new Instrument(InstrumentId.of(row.getString("id")), CurrencyCode.of(row.getString("currency")),
        row.getString("asset_class"), row.getString("sector"), row.getString("country"),
        MarketJson.factors(new JsonObject(row.getString("factors"))));
  }
}
