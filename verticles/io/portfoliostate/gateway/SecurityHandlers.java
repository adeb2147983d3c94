package io.portfoliostate.gateway;

import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.persistence.SecurityStore;
import io.portfoliostate.security.ApiKeySecret;
import io.portfoliostate.security.GlobalRole;
import io.portfoliostate.security.Grantee;
import io.portfoliostate.security.PortfolioRole;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Who may do what, managed over REST: API keys (global admins only; the key's text is shown
 * once, in the answer that creates it), grants (a portfolio admin manages the grants of its
 * subtree; a global admin all of them), and the audit trail of both (global admins). Every
 * change is audited in the transaction that makes it, and this node enforces it before it
 * answers.
 */
final class SecurityHandlers {

  static final Set<String> KEY_FIELDS = Set.of("name", "owner", "roles", "expiresAt");
  static final Set<String> GRANT_FIELDS = Set.of("granteeType", "grantee", "role", "portfolioId");
  private static final int MAX_AUDIT_PAGE = 1000;

  private final AccessControl access;
  private final SecurityStore store;
  private final Clock clock;

  SecurityHandlers(AccessControl access, Clock clock) {
    this.access = access;
    this.store = access.store();
    this.clock = clock;
  }

  /** {@code POST /api/v1/api-keys}: a new key, its text in this answer only. */
  void createKey(RoutingContext ctx) {
    Object body = HttpBodies.json(ctx);
    if (body == null) {
      return;
    }
    RequestReader reader = RequestReader.of(body, "", KEY_FIELDS);
    String name = reader.string("name", true);
    if (name != null && (name.isBlank() || name.length() > 200)) {
      reader.error("name", "must be 1-200 characters");
    }
    String owner = reader.string("owner", false);
    if (owner != null && (owner.isBlank() || owner.length() > 200)) {
      reader.error("owner", "must be 1-200 characters");
    }
    Set<GlobalRole> roles = EnumSet.noneOf(GlobalRole.class);
    List<?> names = reader.list("roles", false);
    if (names != null) {
      for (Object role : names) {
        Optional<GlobalRole> known = role instanceof String text ? GlobalRole.fromWireName(text) : Optional.empty();
        if (known.isEmpty()) {
          reader.error("roles", "must hold only market-data, operations and admin, not " + role);
        } else {
          roles.add(known.get());
        }
      }
    }
    Instant expiresAt = reader.instant("expiresAt", false);
    if (expiresAt != null && !expiresAt.isAfter(clock.instant())) {
      reader.error("expiresAt", "must be in the future");
    }
    if (reader.hasErrors()) {
      Problems.send(ctx, Problems.invalid(reader.errors()));
      return;
    }
    ApiKeySecret.NewKey key = ApiKeySecret.generate();
    SecurityStore.Actor actor = actor(ctx);
    store.createKey(key, name, owner != null ? owner : actor.principal(), roles, expiresAt, actor)
        .compose(created -> access.refreshNow().map(created))
        .onSuccess(created -> {
          ctx.response().putHeader("Cache-Control", "no-store");
          HttpBodies.json(ctx, 201, created.toJson().put("key", key.text()));
        })
        .onFailure(failure -> Problems.send(ctx, Problems.of(failure)));
  }

  /** {@code GET /api/v1/api-keys}: every key, revoked ones too; never a key's text or hash. */
  void listKeys(RoutingContext ctx) {
    store.keys().onSuccess(keys -> {
      JsonArray items = new JsonArray();
      keys.forEach(key -> items.add(key.toJson()));
      HttpBodies.json(ctx, 200, new JsonObject().put("items", items));
    }).onFailure(failure -> Problems.send(ctx, Problems.of(failure)));
  }

  /** {@code DELETE /api/v1/api-keys/{keyId}}: revokes the key (for good; revoking again keeps the first time). */
  void revokeKey(RoutingContext ctx) {
    String keyId = ctx.pathParam("keyId");
    store.revokeKey(keyId, actor(ctx))
        .compose(revoked -> access.refreshNow().map(revoked))
        .onSuccess(revoked -> {
          if (revoked.isEmpty()) {
            Problems.send(ctx, new Problems.Problem(404, "not-found", "Not found", "no API key " + keyId, null));
          } else {
            HttpBodies.json(ctx, 200, revoked.get().toJson());
          }
        })
        .onFailure(failure -> Problems.send(ctx, Problems.of(failure)));
  }

  /** {@code POST /api/v1/grants}: grants a role on a subtree (again: replaces the grantee's role there). */
  void createGrant(RoutingContext ctx) {
    Object body = HttpBodies.json(ctx);
    if (body == null) {
      return;
    }
    RequestReader reader = RequestReader.of(body, "", GRANT_FIELDS);
    Grantee.Type type = reader.enumeration("granteeType", Grantee.Type.class, true);
    String grantee = reader.string("grantee", true);
    if (grantee != null && (grantee.isBlank() || grantee.length() > 256)) {
      reader.error("grantee", "must be 1-256 characters");
    }
    String roleName = reader.string("role", true);
    PortfolioRole role = roleName == null ? null : PortfolioRole.fromWireName(roleName).orElse(null);
    if (roleName != null && role == null) {
      reader.error("role", "must be read, trade or admin");
    }
    PortfolioId portfolio = reader.portfolioId("portfolioId", true);
    if (reader.hasErrors()) {
      Problems.send(ctx, Problems.invalid(reader.errors()));
      return;
    }
    // A global admin passes the check for any id: a grant on a portfolio that does not exist (a
    // typo) would lie in wait for one created later under that id, so it is refused as missing.
    access.require(ctx, portfolio, PortfolioRole.ADMIN)
        .compose(allowed -> !allowed ? Future.succeededFuture(false) : store.portfolioExists(portfolio).map(exists -> {
          if (!exists) {
            Problems.send(ctx, Problems.portfolioNotFound(portfolio));
          }
          return exists;
        }))
        .compose(allowed -> !allowed ? Future.succeededFuture((JsonObject) null)
            : store.grant(new Grantee(type, grantee), role, portfolio, actor(ctx))
                .compose(grant -> access.refreshNow().map(v -> SecurityStore.grantJson(grant))))
        .onSuccess(grant -> {
          if (grant != null) {
            HttpBodies.json(ctx, 201, grant);
          }
        })
        .onFailure(failure -> Problems.send(ctx, Problems.of(failure)));
  }

  /**
   * {@code GET /api/v1/grants[?portfolioId=]}: a global admin lists every grant (or a subtree's);
   * a portfolio admin lists the grants on its subtree.
   */
  void listGrants(RoutingContext ctx) {
    String named = ctx.queryParams().get("portfolioId");
    PortfolioId root;
    try {
      root = named == null ? null : PortfolioId.of(named);
    } catch (RuntimeException malformed) {
      Problems.send(ctx, Problems.invalid(List.of(new RequestReader.FieldError("portfolioId",
          "is not a valid portfolio id"))));
      return;
    }
    Future<Boolean> allowed = root == null ? Future.succeededFuture(access.require(ctx, GlobalRole.ADMIN))
        : access.require(ctx, root, PortfolioRole.ADMIN);
    allowed.compose(ok -> ok ? store.grantListing(root) : Future.succeededFuture((JsonArray) null))
        .onSuccess(items -> {
          if (items != null) {
            HttpBodies.json(ctx, 200, new JsonObject().put("items", items));
          }
        })
        .onFailure(failure -> Problems.send(ctx, Problems.of(failure)));
  }

  /** {@code DELETE /api/v1/grants/{grantId}}: by an admin of the grant's portfolio, or a global admin. */
  void revokeGrant(RoutingContext ctx) {
    String grantId = ctx.pathParam("grantId");
    // A grant that does not exist and one on a portfolio the caller may not see answer alike, so
    // that nobody learns which grant ids exist, nor which portfolio a grant is on.
    Problems.Problem noSuchGrant = new Problems.Problem(404, "not-found", "Not found", "no grant " + grantId, null);
    store.grantById(grantId).compose(found -> {
      if (found.isEmpty()) {
        Problems.send(ctx, noSuchGrant);
        return Future.succeededFuture();
      }
      PortfolioId portfolio = PortfolioId.of(found.get().getString("portfolioId"));
      return access.require(ctx, portfolio, PortfolioRole.ADMIN, noSuchGrant).compose(allowed -> !allowed
          ? Future.succeededFuture()
          : store.revokeGrant(grantId, actor(ctx)).compose(deleted -> access.refreshNow().map(deleted))
              .map(deleted -> {
                HttpBodies.json(ctx, 200, found.get());
                return null;
              }));
    }).onFailure(failure -> Problems.send(ctx, Problems.of(failure)));
  }

  /** {@code GET /api/v1/audit?afterVersion=&limit=}: key and grant changes, oldest first. */
  void audit(RoutingContext ctx) {
    Long after = HttpBodies.longParam(ctx, "afterVersion", 0, Long.MAX_VALUE);
    if (ctx.response().ended()) {
      return;
    }
    Long limit = HttpBodies.longParam(ctx, "limit", 1, MAX_AUDIT_PAGE);
    if (ctx.response().ended()) {
      return;
    }
    int size = limit == null ? 100 : limit.intValue();
    store.audit(after == null ? 0 : after, size).onSuccess(items -> {
      JsonObject page = new JsonObject().put("items", items);
      if (items.size() == size) {
        page.put("nextAfterVersion", items.getJsonObject(items.size() - 1).getLong("version"));
      }
      HttpBodies.json(ctx, 200, page);
    }).onFailure(failure -> Problems.send(ctx, Problems.of(failure)));
  }

  private static SecurityStore.Actor actor(RoutingContext ctx) {
    // The id RequestIds gave the request (the client's when usable, else generated): the one its answer echoes.
    return new SecurityStore.Actor(AccessControl.principal(ctx).name(), RequestIds.of(ctx));
  }
}
