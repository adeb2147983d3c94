package io.portfoliostate.security;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.NoSuchKeyIdException;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verifies OpenID Connect access tokens locally: the issuer's discovery document names its
 * JWKS, whose public keys check every token's signature with no call to the provider per
 * request. Issuer, audience and expiry (with a small skew) are checked by vertx-auth-jwt. A
 * token signed with a key id we do not know makes us fetch the JWKS again (the provider
 * rotated its keys), at most once per {@code minRefreshMs}, so a flood of made-up key ids
 * cannot turn into a flood of requests to the provider.
 *
 * <p>Why vertx-auth-jwt over the JWKS rather than {@code OAuth2Auth}: the OAuth2 provider
 * accepts a token without an {@code aud} claim, and sends tokens it cannot verify to the
 * provider's introspection or userinfo endpoint — a network call per bad token, which is what
 * this service must not do.
 *
 * <p>A token verified once is remembered by its text until it expires (with the skew), so a
 * client that sends the same token with every request pays for the signature once: the RSA
 * check doubled the CPU of a state read (BENCHMARKS.md, "Authentication overhead"). Nothing is
 * lost by it: a token cannot be revoked before its expiry, and the remembered tokens are
 * forgotten whenever the keys are fetched again, so a key the issuer stopped publishing stops
 * being honoured as soon as it would have been without them. Only verified tokens are kept, at
 * most {@link #REMEMBERED} of them, so nobody can fill the map without valid tokens.
 */
public final class OidcTokenVerifier {

  private static final Logger LOG = LoggerFactory.getLogger(OidcTokenVerifier.class);
  /** How many verified tokens are remembered at most (the least recently used go first). */
  static final int REMEMBERED = 10_000;
  /** Time to get a connection to the provider (from the pool or a new one). */
  private static final long CONNECT_TIMEOUT_MS = 5_000;
  /** Time the provider may stay silent while answering. */
  private static final long IDLE_TIMEOUT_MS = 10_000;
  /** The whole of one fetch of a document by default, whatever the above let through. */
  static final long FETCH_DEADLINE_MS = 15_000;

  /**
   * @param issuer the issuer URL, exactly as in the tokens' {@code iss}
   * @param audience the value the tokens' {@code aud} must contain (this service's client id)
   * @param skewSeconds how far past {@code exp} (or before {@code nbf}) a token is still taken
   * @param rolesClaim the claim whose values name global roles ({@code admin}, {@code operations}, {@code market-data})
   * @param groupsClaim the claim whose values grants may name as groups
   * @param minRefreshMs the shortest time between two fetches of the JWKS
   * @param fetchDeadlineMs the longest one fetch of the discovery document or the JWKS may take, start to end
   */
  public record Options(String issuer, String audience, long skewSeconds, String rolesClaim, String groupsClaim,
      long minRefreshMs, long fetchDeadlineMs) {

    /** Options with the default fetch deadline. */
    public Options(String issuer, String audience, long skewSeconds, String rolesClaim, String groupsClaim,
        long minRefreshMs) {
      this(issuer, audience, skewSeconds, rolesClaim, groupsClaim, minRefreshMs, FETCH_DEADLINE_MS);
    }
  }

  private final Vertx vertx;
  private final HttpClient http;
  private final Options options;
  private final String jwksUri;
  private volatile JWTAuth keys;
  /** The fetch under way, shared by every caller that met an unknown key meanwhile; guarded by this. */
  private Future<Void> refreshing;
  private long lastFetchNanos;
  private final Cache<String, Verified> verified = Caffeine.newBuilder().maximumSize(REMEMBERED).build();

  /** A token's caller, and until when (epoch milliseconds, skew included) the token may be used. */
  private record Verified(Principal principal, long usableUntilMillis) {
  }

  private OidcTokenVerifier(Vertx vertx, HttpClient http, Options options, String jwksUri) {
    this.vertx = vertx;
    this.http = http;
    this.options = options;
    this.jwksUri = jwksUri;
  }

  /** Reads the issuer's discovery document and its keys; fails if either cannot be had. */
  public static Future<OidcTokenVerifier> discover(Vertx vertx, Options options) {
    HttpClient http = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout((int) CONNECT_TIMEOUT_MS));
    String issuer = options.issuer().endsWith("/") ? options.issuer().substring(0, options.issuer().length() - 1)
        : options.issuer();
    return getJson(http, issuer + "/.well-known/openid-configuration")
        .timeout(options.fetchDeadlineMs(), TimeUnit.MILLISECONDS).compose(discovery -> {
      if (!options.issuer().equals(discovery.getString("issuer"))) {
        return Future.failedFuture(new IllegalStateException("the discovery document of " + options.issuer()
            + " names the issuer " + discovery.getString("issuer")));
      }
      String jwksUri = discovery.getString("jwks_uri");
      if (jwksUri == null) {
        return Future.failedFuture(new IllegalStateException("the discovery document of " + options.issuer()
            + " names no jwks_uri"));
      }
      OidcTokenVerifier verifier = new OidcTokenVerifier(vertx, http, options, jwksUri);
      return verifier.fetchKeys().map(verifier);
    }).onFailure(e -> http.close());
  }

  /** The caller a token proves, or a failed future with an {@link AuthenticationFailure}. */
  public Future<Principal> verify(String token) {
    Verified known = verified.getIfPresent(token);
    if (known != null) {
      if (System.currentTimeMillis() < known.usableUntilMillis()) {
        return Future.succeededFuture(known.principal());
      }
      verified.invalidate(token); // expired meanwhile: the check below refuses it with its reason
    }
    JWTAuth checking = keys;
    return checking.authenticate(new TokenCredentials(token))
        .recover(failure -> {
          if (failure instanceof NoSuchKeyIdException) {
            return refreshKeys().compose(v -> keys.authenticate(new TokenCredentials(token)));
          }
          return Future.failedFuture(failure);
        })
        .compose(user -> principal(user).onSuccess(principal -> remember(checking, token, user, principal)),
            failure -> Future.failedFuture(new AuthenticationFailure(reason(failure))));
  }

  /** Remembers a verified token, unless the keys that verified it were replaced meanwhile. */
  private void remember(JWTAuth checkedWith, String token, User user, Principal principal) {
    JsonObject claims = user.attributes().getJsonObject("accessToken", new JsonObject());
    long until = (claims.getLong("exp") + options.skewSeconds()) * 1000L;
    if (System.currentTimeMillis() < until) {
      verified.put(token, new Verified(principal, until));
      if (checkedWith != keys) {
        // The keys were replaced meanwhile: their replacement forgets every remembered token
        // after it is in place, so this one, put before or after, goes too.
        verified.invalidate(token);
      }
    }
  }

  public void close() {
    http.close();
  }

  private Future<Principal> principal(User user) {
    // vertx-auth-jwt keeps the decoded claims, exp and sub included, under this attribute.
    JsonObject claims = user.attributes().getJsonObject("accessToken", new JsonObject());
    String subject = claims.getString("sub");
    if (subject == null || subject.isBlank()) {
      return Future.failedFuture(new AuthenticationFailure("the token names no subject"));
    }
    if (!(claims.getValue("exp") instanceof Number)) {
      // A token that never expires cannot be taken back; providers always set exp on access tokens.
      return Future.failedFuture(new AuthenticationFailure("the token has no expiry"));
    }
    Set<GlobalRole> roles = new HashSet<>();
    for (String value : values(claims.getValue(options.rolesClaim()))) {
      GlobalRole.fromWireName(value).ifPresent(roles::add);
    }
    Set<String> groups = new HashSet<>(values(claims.getValue(options.groupsClaim())));
    return Future.succeededFuture(new Principal(subject, Principal.Kind.TOKEN, roles, groups));
  }

  /** A claim that is a string, a space-separated string (as {@code scope}) or an array of strings. */
  private static List<String> values(Object claim) {
    List<String> values = new ArrayList<>();
    if (claim instanceof String text) {
      for (String part : text.trim().split("\\s+")) {
        if (!part.isEmpty()) {
          values.add(part);
        }
      }
    } else if (claim instanceof JsonArray array) {
      for (Object item : array) {
        if (item instanceof String text) {
          values.add(text);
        }
      }
    }
    return values;
  }

  private static String reason(Throwable failure) {
    if (failure instanceof AuthenticationFailure) {
      return failure.getMessage();
    }
    if (failure instanceof NoSuchKeyIdException) {
      return "the token is signed with a key the issuer does not publish";
    }
    String message = failure.getMessage() == null ? "" : failure.getMessage();
    if (message.contains("expired")) {
      return "the token has expired";
    }
    if (message.contains("audience")) {
      return "the token is not meant for this service (audience)";
    }
    if (message.contains("issuer")) {
      return "the token is from another issuer";
    }
    if (message.contains("none")) {
      return "unsigned tokens are not accepted";
    }
    return "the token could not be verified";
  }

  /** Fetches the keys again unless that was done less than minRefreshMs ago; concurrent callers share one fetch. */
  private synchronized Future<Void> refreshKeys() {
    if (refreshing != null) {
      return refreshing;
    }
    long sinceLast = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastFetchNanos);
    if (sinceLast < options.minRefreshMs()) {
      return Future.succeededFuture();
    }
    refreshing = fetchKeys().onComplete(done -> {
      synchronized (this) {
        refreshing = null;
      }
    });
    return refreshing.recover(e -> {
      LOG.warn("Could not fetch the keys of {}: {}", options.issuer(), e.getMessage());
      return Future.succeededFuture();
    });
  }

  private synchronized Future<Void> fetchKeys() {
    long started = System.nanoTime();
    lastFetchNanos = started;
    // The deadline covers the whole fetch (a connection from the pool, the answer, its body): a
    // fetch that never ends would otherwise stay the shared refresh and hold every later token
    // with an unknown key id until the node restarts.
    return getJson(http, jwksUri).timeout(options.fetchDeadlineMs(), TimeUnit.MILLISECONDS).map(jwks -> {
      JWTAuthOptions authOptions = new JWTAuthOptions().setJWTOptions(new JWTOptions()
          .setIssuer(options.issuer())
          .setAudience(List.of(options.audience()))
          .setLeeway((int) options.skewSeconds()));
      JsonArray listed = jwks.getJsonArray("keys", new JsonArray());
      int usable = 0;
      for (Object key : listed) {
        if (key instanceof JsonObject jwk && !"enc".equals(jwk.getString("use"))) {
          authOptions.addJwk(jwk);
          usable++;
        }
      }
      if (usable == 0) {
        throw new IllegalStateException("the JWKS of " + options.issuer() + " has no signing key");
      }
      keys = JWTAuth.create(vertx, authOptions);
      verified.invalidateAll();
      LOG.info("Loaded {} signing key(s) of {} in {} ms", usable, options.issuer(),
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
      return null;
    });
  }

  private static Future<JsonObject> getJson(HttpClient http, String uri) {
    return http.request(new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(uri)
            .setConnectTimeout(CONNECT_TIMEOUT_MS).setIdleTimeout(IDLE_TIMEOUT_MS)
            .addHeader("Accept", "application/json"))
        .compose(request -> request.send())
        .compose(response -> {
          if (response.statusCode() != 200) {
            return Future.failedFuture(new IllegalStateException("GET " + uri + " answered " + response.statusCode()));
          }
          return response.body().map(body -> new JsonObject(body));
        });
  }
}
