package io.portfoliostate.persistence;

import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.security.ApiKey;
import io.portfoliostate.security.ApiKeySecret;
import io.portfoliostate.security.Entitlements.Grant;
import io.portfoliostate.security.GlobalRole;
import io.portfoliostate.security.Grantee;
import io.portfoliostate.security.PortfolioRole;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;

/**
 * API keys, grants and their audit trail in PostgreSQL. Every change runs in one transaction
 * that also bumps the single security version and appends the audit row, so the audit is
 * complete by construction and every node can tell, by polling one number, that its copy is
 * stale ({@link #version()}), then reload a consistent copy ({@link #load()}).
 */
public final class SecurityStore {

  private static final String BUMP = "UPDATE security_version SET version = version + 1 RETURNING version";
  private static final String VERSION = "SELECT version FROM security_version";
  private static final String AUDIT = "INSERT INTO security_audit (version, action, target, actor, request_id, detail) "
      + "VALUES ($1, $2, $3, $4, $5, $6::jsonb)";
  private static final String INSERT_KEY = "INSERT INTO api_keys (key_id, key_hash, name, owner, roles, created_by, "
      + "expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING created_at";
  private static final String KEY_COLUMNS = "key_id, key_hash, name, owner, roles, created_by, created_at, expires_at, "
      + "revoked_at";
  private static final String REVOKE_KEY = "UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) "
      + "WHERE key_id = $1 RETURNING " + KEY_COLUMNS;
  private static final String KEYS = "SELECT " + KEY_COLUMNS + " FROM api_keys ORDER BY created_at, key_id";
  private static final String KEY_BY_ID = "SELECT " + KEY_COLUMNS + " FROM api_keys WHERE key_id = $1";
  private static final String LIVE_KEYS = "SELECT " + KEY_COLUMNS + " FROM api_keys WHERE revoked_at IS NULL";
  private static final String UPSERT_GRANT = "INSERT INTO grants (grant_id, grantee_type, grantee, role, portfolio_id, "
      + "created_by) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (grantee_type, grantee, portfolio_id) "
      + "DO UPDATE SET role = excluded.role, created_by = excluded.created_by, created_at = now() "
      + "RETURNING grant_id";
  private static final String DELETE_GRANT = "DELETE FROM grants WHERE grant_id = $1 "
      + "RETURNING grantee_type, grantee, role, portfolio_id";
  private static final String GRANTS = "SELECT grant_id, grantee_type, grantee, role, portfolio_id FROM grants "
      + "ORDER BY portfolio_id, grant_id";
  private static final String PARENTS = "SELECT id, parent_id FROM portfolios WHERE parent_id IS NOT NULL";
  /** A portfolio's ancestors, nearest first; bounded in depth so that a bad row cannot loop. */
  private static final String ANCESTORS = "WITH RECURSIVE up(id, depth) AS ("
      + " SELECT parent_id, 1 FROM portfolios WHERE id = $1 AND parent_id IS NOT NULL"
      + " UNION ALL SELECT p.parent_id, up.depth + 1 FROM up JOIN portfolios p ON p.id = up.id"
      + " WHERE p.parent_id IS NOT NULL AND up.depth < 64)"
      + " SELECT id FROM up ORDER BY depth";
  private static final String GRANT_COLUMNS = "grant_id, grantee_type, grantee, role, portfolio_id, created_by, "
      + "created_at";
  private static final String ALL_GRANTS = "SELECT " + GRANT_COLUMNS + " FROM grants ORDER BY portfolio_id, grant_id";
  private static final String GRANTS_UNDER = "WITH RECURSIVE sub(id, depth) AS (SELECT $1::text, 0"
      + " UNION SELECT p.id, sub.depth + 1 FROM portfolios p JOIN sub ON p.parent_id = sub.id WHERE sub.depth < 64)"
      + " SELECT " + GRANT_COLUMNS + " FROM grants WHERE portfolio_id IN (SELECT id FROM sub)"
      + " ORDER BY portfolio_id, grant_id";
  private static final String GRANT_BY_ID = "SELECT " + GRANT_COLUMNS + " FROM grants WHERE grant_id = $1";
  private static final String AUDIT_PAGE = "SELECT version, action, target, actor, request_id, detail, at "
      + "FROM security_audit WHERE version > $1 ORDER BY version LIMIT $2";

  /** Who made a change, and through which request: recorded in the audit row. */
  public record Actor(String principal, String requestId) {
  }

  /**
   * One consistent copy of what decides access: the grants, and the usable keys by hash.
   *
   * @param version the security version this copy reflects
   */
  public record Snapshot(long version, List<Grant> grants, Map<String, ApiKey> keysByHash,
      Map<PortfolioId, PortfolioId> parents) {
  }

  private final Pool pool;

  public SecurityStore(Pool pool) {
    this.pool = pool;
  }

  /** Stores a new key (its hash only) and audits it. */
  public Future<ApiKey> createKey(ApiKeySecret.NewKey key, String name, String owner, Set<GlobalRole> roles,
      Instant expiresAt, Actor actor) {
    String[] roleNames = roles.stream().map(GlobalRole::wireName).sorted().toArray(String[]::new);
    return change(actor, "api-key.created", key.keyId(), conn -> conn.preparedQuery(INSERT_KEY)
        .execute(Tuple.of(key.keyId(), key.hash(), name, owner, roleNames, actor.principal(), offset(expiresAt)))
        .map(rows -> new ApiKey(key.keyId(), name, owner, roles, actor.principal(),
            rows.iterator().next().getOffsetDateTime("created_at").toInstant(), expiresAt, null)),
        ApiKey::toJson);
  }

  /** Revokes a key; empty when there is no such key. Revoking twice keeps the first time. */
  public Future<Optional<ApiKey>> revokeKey(String keyId, Actor actor) {
    return change(actor, "api-key.revoked", keyId, conn -> conn.preparedQuery(REVOKE_KEY).execute(Tuple.of(keyId))
        .map(rows -> rows.size() == 0 ? Optional.<ApiKey>empty() : Optional.of(key(rows.iterator().next()))),
        revoked -> revoked.map(ApiKey::toJson).orElse(new JsonObject().put("found", false)));
  }

  /** Every key ever created, revoked ones included, oldest first. */
  public Future<List<ApiKey>> keys() {
    return pool.query(KEYS).execute().map(rows -> {
      List<ApiKey> keys = new ArrayList<>();
      rows.forEach(row -> keys.add(key(row)));
      return keys;
    });
  }

  /** Whether a portfolio with this id exists (grants are given on existing portfolios only). */
  public Future<Boolean> portfolioExists(PortfolioId portfolio) {
    return pool.preparedQuery("SELECT 1 FROM portfolios WHERE id = $1").execute(Tuple.of(portfolio.value()))
        .map(rows -> rows.size() > 0);
  }

  /** The key with id {@code keyId} (revoked or not) and the hash stored for it, if there is one. */
  public Future<Optional<Map.Entry<ApiKey, String>>> key(String keyId) {
    return pool.preparedQuery(KEY_BY_ID).execute(Tuple.of(keyId)).map(rows -> rows.size() == 0
        ? Optional.<Map.Entry<ApiKey, String>>empty()
        : Optional.of(Map.entry(key(rows.iterator().next()), rows.iterator().next().getString("key_hash"))));
  }

  /** Grants {@code role} on {@code portfolio}'s subtree; granting the same grantee there again replaces the role. */
  public Future<Grant> grant(Grantee grantee, PortfolioRole role, PortfolioId portfolio, Actor actor) {
    String newId = "grant-" + UUID.randomUUID();
    return change(actor, "grant.created", portfolio.value(), conn -> conn.preparedQuery(UPSERT_GRANT)
        .execute(Tuple.of(newId, grantee.type().name(), grantee.name(), role.wireName(), portfolio.value(),
            actor.principal()))
        .map(rows -> new Grant(rows.iterator().next().getString("grant_id"), grantee, role, portfolio)),
        SecurityStore::grantJson);
  }

  /** Every grant as stored (with who made it, when), or those on {@code root}'s subtree. */
  public Future<JsonArray> grantListing(PortfolioId root) {
    Future<io.vertx.sqlclient.RowSet<Row>> rows = root == null ? pool.query(ALL_GRANTS).execute()
        : pool.preparedQuery(GRANTS_UNDER).execute(Tuple.of(root.value()));
    return rows.map(found -> {
      JsonArray grants = new JsonArray();
      found.forEach(row -> grants.add(storedGrantJson(row)));
      return grants;
    });
  }

  /** One grant as stored, if there is one. */
  public Future<Optional<JsonObject>> grantById(String grantId) {
    return pool.preparedQuery(GRANT_BY_ID).execute(Tuple.of(grantId)).map(rows -> rows.size() == 0
        ? Optional.<JsonObject>empty() : Optional.of(storedGrantJson(rows.iterator().next())));
  }

  private static JsonObject storedGrantJson(Row row) {
    return new JsonObject().put("grantId", row.getString("grant_id"))
        .put("granteeType", row.getString("grantee_type")).put("grantee", row.getString("grantee"))
        .put("role", row.getString("role")).put("portfolioId", row.getString("portfolio_id"))
        .put("createdBy", row.getString("created_by"))
        .put("createdAt", row.getOffsetDateTime("created_at").toInstant().toString());
  }

  /** Removes a grant; empty when there is no such grant. */
  public Future<Optional<Grant>> revokeGrant(String grantId, Actor actor) {
    return change(actor, "grant.deleted", grantId, conn -> conn.preparedQuery(DELETE_GRANT).execute(Tuple.of(grantId))
        .map(rows -> {
          if (rows.size() == 0) {
            return Optional.<Grant>empty();
          }
          Row row = rows.iterator().next();
          return Optional.of(new Grant(grantId, new Grantee(Grantee.Type.valueOf(row.getString("grantee_type")),
              row.getString("grantee")), PortfolioRole.fromWireName(row.getString("role")).orElseThrow(),
              PortfolioId.of(row.getString("portfolio_id"))));
        }),
        deleted -> deleted.map(SecurityStore::grantJson).orElse(new JsonObject().put("found", false)));
  }

  /** The current security version: a node whose copy is older reloads. */
  public Future<Long> version() {
    return pool.query(VERSION).execute().map(rows -> rows.iterator().next().getLong("version"));
  }

  /**
   * Grants, usable keys and the parent links of the tree as of one moment (one repeatable-read
   * transaction), with their version.
   */
  public Future<Snapshot> load() {
    return pool.withTransaction(conn -> conn.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .execute()
        .compose(v -> conn.query(VERSION).execute())
        .compose(versionRows -> conn.query(GRANTS).execute().compose(grantRows -> conn.query(LIVE_KEYS).execute()
            .compose(keyRows -> conn.query(PARENTS).execute().map(parentRows -> {
              List<Grant> grants = new ArrayList<>();
              for (Row row : grantRows) {
                grants.add(new Grant(row.getString("grant_id"),
                    new Grantee(Grantee.Type.valueOf(row.getString("grantee_type")), row.getString("grantee")),
                    PortfolioRole.fromWireName(row.getString("role")).orElseThrow(),
                    PortfolioId.of(row.getString("portfolio_id"))));
              }
              Map<String, ApiKey> keys = new HashMap<>();
              for (Row row : keyRows) {
                keys.put(row.getString("key_hash"), key(row));
              }
              Map<PortfolioId, PortfolioId> parents = new HashMap<>();
              for (Row row : parentRows) {
                parents.put(PortfolioId.of(row.getString("id")), PortfolioId.of(row.getString("parent_id")));
              }
              return new Snapshot(versionRows.iterator().next().getLong("version"), List.copyOf(grants),
                  Map.copyOf(keys), Map.copyOf(parents));
            })))));
  }

  /**
   * A portfolio's ancestors as committed now, nearest first: a check that a node's copy of the
   * tree refuses is made again against this before it is refused, so a portfolio created or
   * moved a moment ago is not refused to whoever holds a grant above it.
   */
  public Future<List<PortfolioId>> ancestors(PortfolioId portfolio) {
    return pool.preparedQuery(ANCESTORS).execute(Tuple.of(portfolio.value())).map(rows -> {
      List<PortfolioId> ancestors = new ArrayList<>();
      rows.forEach(row -> ancestors.add(PortfolioId.of(row.getString("id"))));
      return ancestors;
    });
  }

  /** A page of the audit trail after {@code afterVersion}, oldest first. */
  public Future<JsonArray> audit(long afterVersion, int limit) {
    return pool.preparedQuery(AUDIT_PAGE).execute(Tuple.of(afterVersion, limit)).map(rows -> {
      JsonArray page = new JsonArray();
      for (Row row : rows) {
        page.add(new JsonObject().put("version", row.getLong("version")).put("action", row.getString("action"))
            .put("target", row.getString("target")).put("actor", row.getString("actor"))
            .put("requestId", row.getString("request_id"))
            .put("detail", row.getJsonObject("detail"))
            .put("at", row.getOffsetDateTime("at").toInstant().toString()));
      }
      return page;
    });
  }

  /** Runs {@code work}, bumps the version and writes the audit row, all in one transaction. */
  private <T> Future<T> change(Actor actor, String action, String target, Function<SqlConnection, Future<T>> work,
      Function<T, JsonObject> detail) {
    return pool.withTransaction(conn -> conn.query(BUMP).execute()
        .compose(bumped -> work.apply(conn).compose(result -> conn.preparedQuery(AUDIT)
            .execute(Tuple.of(bumped.iterator().next().getLong("version"), action, target, actor.principal(),
                actor.requestId(), detail.apply(result)))
            .map(result))));
  }

  private static ApiKey key(Row row) {
    Set<GlobalRole> roles = EnumSet.noneOf(GlobalRole.class);
    for (String name : row.getArrayOfStrings("roles")) {
      GlobalRole.fromWireName(name).ifPresent(roles::add);
    }
    return new ApiKey(row.getString("key_id"), row.getString("name"), row.getString("owner"), Set.copyOf(roles),
        row.getString("created_by"), row.getOffsetDateTime("created_at").toInstant(),
        instant(row.getOffsetDateTime("expires_at")), instant(row.getOffsetDateTime("revoked_at")));
  }

  public static JsonObject grantJson(Grant grant) {
    return new JsonObject().put("grantId", grant.grantId()).put("granteeType", grant.grantee().type().name())
        .put("grantee", grant.grantee().name()).put("role", grant.role().wireName())
        .put("portfolioId", grant.portfolio().value());
  }

  private static Instant instant(OffsetDateTime time) {
    return time == null ? null : time.toInstant();
  }

  private static OffsetDateTime offset(Instant time) {
    return time == null ? null : time.atOffset(ZoneOffset.UTC);
  }
}
