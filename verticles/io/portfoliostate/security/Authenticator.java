package io.portfoliostate.security;

import io.vertx.core.Future;
import java.time.Clock;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Turns the credentials of a request into a {@link Principal}: an API key (as
 * {@code Authorization: Bearer psk_…} or {@code X-API-Key}) looked up by its hash in the
 * node's copy of the keys, or an OpenID Connect access token verified locally. Neither costs
 * a call to PostgreSQL or to the identity provider per request.
 */
public final class Authenticator {

  private final Supplier<Map<String, ApiKey>> keysByHash;
  private final OidcTokenVerifier tokens;
  private final Clock clock;

  /**
   * @param keysByHash the node's current copy of the usable keys, by hash
   * @param tokens the verifier of the configured identity provider, or null when there is none
   *     (then only API keys are accepted)
   */
  public Authenticator(Supplier<Map<String, ApiKey>> keysByHash, OidcTokenVerifier tokens, Clock clock) {
    this.keysByHash = keysByHash;
    this.tokens = tokens;
    this.clock = clock;
  }

  /**
   * @param authorization the {@code Authorization} header, or null
   * @param apiKey the {@code X-API-Key} header, or null
   * @return the caller, or a failed future with an {@link AuthenticationFailure}
   */
  public Future<Principal> authenticate(String authorization, String apiKey) {
    if (authorization == null && apiKey == null) {
      return refuse("no credentials: send Authorization: Bearer <token or API key>, or X-API-Key");
    }
    if (authorization != null && apiKey != null) {
      return refuse("two credentials: send either Authorization or X-API-Key, not both");
    }
    if (apiKey != null) {
      return key(apiKey.trim());
    }
    int space = authorization.indexOf(' ');
    if (space < 0 || !authorization.substring(0, space).equalsIgnoreCase("Bearer")) {
      return refuse("the Authorization header must be: Bearer <token or API key>");
    }
    String credential = authorization.substring(space + 1).trim();
    if (credential.isEmpty()) {
      return refuse("the bearer credential is empty");
    }
    if (ApiKeySecret.looksLikeKey(credential)) {
      return key(credential);
    }
    if (tokens == null) {
      return refuse("access tokens are not accepted: no identity provider is configured; use an API key");
    }
    return tokens.verify(credential);
  }

  private Future<Principal> key(String text) {
    // The lookup first: every stored key was well-formed when it was made or registered, so a key
    // that is found needs no check of its shape (a regular expression, which cost more than the
    // hash and the lookup together: BENCHMARKS.md, "Authentication overhead"). Only a miss says
    // which refusal it is. The text is at most a header long (the HTTP server bounds headers).
    ApiKey key = keysByHash.get().get(ApiKeySecret.hash(text));
    if (key == null) {
      // Unknown and revoked keys answer alike: which one it was would help only a thief.
      return refuse(ApiKeySecret.keyId(text).isEmpty() ? "malformed API key" : "unknown or revoked API key");
    }
    if (!key.usableAt(clock.instant())) {
      return refuse("the API key expired at " + key.expiresAt());
    }
    return Future.succeededFuture(new Principal(key.keyId(), Principal.Kind.API_KEY, key.roles(), Set.of()));
  }

  /**
   * Whether a principal authenticated earlier may still act now: an API key that is still in the
   * node's copy of usable keys (not revoked) and not expired. A token's principal is taken as it
   * was verified (the bridge checks entitlements again, not the token: see docs/live-updates.md).
   */
  public boolean stillUsable(Principal principal) {
    if (principal.kind() != Principal.Kind.API_KEY) {
      return true;
    }
    var now = clock.instant();
    for (ApiKey key : keysByHash.get().values()) {
      if (key.keyId().equals(principal.subject())) {
        return key.usableAt(now);
      }
    }
    return false;
  }

  private static Future<Principal> refuse(String reason) {
    return Future.failedFuture(new AuthenticationFailure(reason));
  }
}
