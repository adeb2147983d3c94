package io.portfoliostate.security;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Set;

/**
 * An API key as stored, without its hash: who it is for, what it may do, and whether it is
 * still usable. The key's text is never kept (see {@link ApiKeySecret}).
 */
public record ApiKey(String keyId, String name, String owner, Set<GlobalRole> roles, String createdBy,
    Instant createdAt, Instant expiresAt, Instant revokedAt) {

  public ApiKey {
    roles = Set.copyOf(roles);
  }

  /** Whether the key may be used at {@code now}: not revoked, not expired. */
  public boolean usableAt(Instant now) {
    return revokedAt == null && (expiresAt == null || now.isBefore(expiresAt));
  }

  public JsonObject toJson() {
    JsonArray roleNames = new JsonArray();
    roles.forEach(role -> roleNames.add(role.wireName()));
    return new JsonObject().put("keyId", keyId).put("name", name).put("owner", owner).put("roles", roleNames)
        .put("createdBy", createdBy).put("createdAt", createdAt.toString())
        .put("expiresAt", expiresAt == null ? null : expiresAt.toString())
        .put("revokedAt", revokedAt == null ? null : revokedAt.toString());
  }
}
