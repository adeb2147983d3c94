package io.portfoliostate.persistence;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Saved analytics queries (issue 16, table {@code saved_queries}): in PostgreSQL so that every
 * node serves the same ones. A query's {@code version} starts at 1 and grows with each update;
 * an update or delete may name the version it read, and then changes nothing when the row moved
 * on (the gateway answers 412), so two editors cannot overwrite each other unknowingly.
 */
public final class SavedQueryStore {

  /**
   * One saved query.
   *
   * @param parameters the declared parameters, each {@code {name, type, default?, description?}}
   * @param author the principal name ({@link io.portfoliostate.security.Principal#name()}) that created it
   */
  public record SavedQuery(String name, String description, String sql, JsonArray parameters, String author,
      long version, Instant createdAt, Instant updatedAt) {
  }

  /** What an update or a delete found. */
  public enum Change {
    DONE, NOT_FOUND, VERSION_MISMATCH
  }

  private static final String COLUMNS = "name, description, sql, parameters::text AS parameters, author, version, "
      + "created_at, updated_at";

  private final Pool pool;

  public SavedQueryStore(Pool pool) {
    this.pool = pool;
  }

  /** Through the same pool as {@code market}: the node's read pool. */
  public static SavedQueryStore sharing(MarketDataStore market) {
    return new SavedQueryStore(market.pool());
  }

  /** Stores a new query at version 1; empty when the name is taken. */
  public Future<Optional<SavedQuery>> create(String name, String description, String sql, JsonArray parameters,
      String author, Instant now) {
    return pool.preparedQuery("INSERT INTO saved_queries (name, description, sql, parameters, author, version, "
            + "created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 1, $6, $6) ON CONFLICT (name) DO NOTHING "
            + "RETURNING " + COLUMNS)
        .execute(Tuple.of(name, description, sql, parameters, author, offset(now)))
        .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(query(rows.iterator().next())));
  }

  public Future<Optional<SavedQuery>> get(String name) {
    return pool.preparedQuery("SELECT " + COLUMNS + " FROM saved_queries WHERE name = $1").execute(Tuple.of(name))
        .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(query(rows.iterator().next())));
  }

  /** Every saved query, by name. */
  public Future<List<SavedQuery>> list() {
    return pool.query("SELECT " + COLUMNS + " FROM saved_queries ORDER BY name").execute().map(rows -> {
      List<SavedQuery> queries = new ArrayList<>();
      rows.forEach(row -> queries.add(query(row)));
      return queries;
    });
  }

  /**
   * Replaces the text, description and parameters of a query whose version is still
   * {@code readVersion} (the version the caller checked its right on, or the one it named).
   */
  public Future<Change> update(String name, long readVersion, String description, String sql,
      JsonArray parameters, Instant now) {
    return pool.preparedQuery("UPDATE saved_queries SET description = $3, sql = $4, parameters = $5, "
            + "version = version + 1, updated_at = $6 WHERE name = $1 AND version = $2")
        .execute(Tuple.of(name, readVersion, description, sql, parameters, offset(now)))
        .compose(rows -> rows.rowCount() > 0 ? Future.succeededFuture(Change.DONE) : missed(name));
  }

  /** Deletes a query whose version is still {@code readVersion}. */
  public Future<Change> delete(String name, long readVersion) {
    return pool.preparedQuery("DELETE FROM saved_queries WHERE name = $1 AND version = $2")
        .execute(Tuple.of(name, readVersion))
        .compose(rows -> rows.rowCount() > 0 ? Future.succeededFuture(Change.DONE) : missed(name));
  }

  private Future<Change> missed(String name) {
    return get(name).map(found -> found.isPresent() ? Change.VERSION_MISMATCH : Change.NOT_FOUND);
  }

  private static SavedQuery query(Row row) {
    return new SavedQuery(row.getString("name"), row.getString("description"), row.getString("sql"),
        new JsonArray(row.getString("parameters")), row.getString("author"), row.getLong("version"),
        row.getOffsetDateTime("created_at").toInstant(), row.getOffsetDateTime("updated_at").toInstant());
  }

  private static OffsetDateTime offset(Instant instant) {
    return instant.atOffset(ZoneOffset.UTC);
  }
}
