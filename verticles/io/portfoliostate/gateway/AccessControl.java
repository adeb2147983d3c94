package io.portfoliostate.gateway;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.persistence.SecurityStore;
import io.portfoliostate.security.AccessRule;
import io.portfoliostate.security.AdminKeyBootstrap;
import io.portfoliostate.security.ApiKey;
import io.portfoliostate.security.AuthenticationFailure;
import io.portfoliostate.security.Authenticator;
import io.portfoliostate.security.GlobalRole;
import io.portfoliostate.security.PortfolioRole;
import io.portfoliostate.security.Principal;
import io.portfoliostate.security.RateLimits;
import io.portfoliostate.security.SecurityRefreshVerticle;
import io.portfoliostate.security.SecurityState;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.SecurityPolicyHandler;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * Enforces the {@link AccessRule} of every route: authenticates the caller (an API key or an
 * access token, checked on this node without a call to anyone), takes one request from its
 * rate-limit bucket (unless another node took it already, see {@link #chargedByForwarder}), then
 * checks its role. A portfolio the caller may not read answers exactly as a missing one does
 * (404), one it may read but not change answers 403.
 *
 * <p>The check uses the node's copy of the grants and the tree ({@link SecurityState}), a few
 * map lookups. Only when that copy refuses is the portfolio's ancestry read from the database
 * and checked again: a portfolio created (or moved) under a caller's grant a moment ago, which
 * the copy has not caught up with, is not refused to that caller.
 */
public final class AccessControl {

  /** The key of the caller's {@link Principal} in the routing context. */
  public static final String PRINCIPAL = "principal";
  /** The query parameter that may carry the credential where a header cannot (the SockJS bridge). */
  public static final String ACCESS_TOKEN = "access_token";
  /**
   * The header a node sets on an analytics request it forwards to this one, when it took the
   * request's rate-limit token ({@link AnalyticsForwarding}), with this node's {@link #forwardedSecret()}.
   */
  static final String FORWARDED = "X-PState-Forwarded";
  /** The key in the routing context that says this node took the request's token ({@link #tookToken}). */
  private static final String TOOK_TOKEN = "rateLimitTokenTaken";

  private final boolean enabled;
  private final SecurityState state;
  private final Authenticator authenticator;
  private final SecurityStore store;
  private final RateLimits limits;
  private final Counter unauthenticated;
  private final Counter forbidden;
  private final Counter limited;
  /**
   * What {@link #FORWARDED} must say for a request to count as forwarded: 32 random bytes made at
   * start, base64url (its ASCII bytes, for the comparison). A restarted node has a new one.
   */
  private final byte[] forwardedSecret;
  /** The ids of the bootstrap admin keys among one copy of the usable keys (that map itself). */
  private volatile BootstrapKeys bootstrapKeys = new BootstrapKeys(Map.of(), Set.of());

  private record BootstrapKeys(Map<String, ApiKey> keys, Set<String> ids) {
  }

  /**
   * @param enabled false when authentication is switched off: every caller is allowed everything
   */
  public AccessControl(boolean enabled, SecurityState state, Authenticator authenticator, SecurityStore store,
      RateLimits limits, MeterRegistry registry) {
    this.enabled = enabled;
    this.state = state;
    this.authenticator = authenticator;
    this.store = store;
    this.limits = limits;
    this.unauthenticated = refusals(registry, "unauthenticated");
    this.forbidden = refusals(registry, "forbidden");
    this.limited = refusals(registry, "rate-limited");
    byte[] random = new byte[32];
    new SecureRandom().nextBytes(random);
    this.forwardedSecret = Base64.getUrlEncoder().withoutPadding().encodeToString(random)
        .getBytes(StandardCharsets.US_ASCII);
  }

  private static Counter refusals(MeterRegistry registry, String reason) {
    return Counter.builder("pstate.http.refused").tag("reason", reason)
        .description("Requests refused by access control, by reason").register(registry);
  }

  /** The security version this node enforces: it moves with every key, grant or parent link change. */
  public long securityVersion() {
    return state.version();
  }

  /**
   * Whether a caller authenticated earlier (a bridge socket's) may still act: with security off,
   * always; else its API key must still be usable ({@link Authenticator#stillUsable}).
   */
  public boolean stillValid(Principal principal) {
    return !enabled || authenticator.stillUsable(principal);
  }

  /**
   * The value of {@link #FORWARDED} on a request forwarded to this node: given to the other nodes
   * over the clustered event bus only ({@link AnalyticsForwarding#advertise}), never in an answer.
   */
  String forwardedSecret() {
    return new String(forwardedSecret, StandardCharsets.US_ASCII);
  }

  /** The caller of a request that passed its route's guard. */
  public static Principal principal(RoutingContext ctx) {
    Principal principal = ctx.get(PRINCIPAL);
    if (principal == null) {
      throw new IllegalStateException("no principal: the route " + ctx.request().path() + " has no guard");
    }
    return principal;
  }

  /**
   * The handler that enforces {@code rule}, first on its route. A security-policy handler in
   * Vert.x's terms, which the router runs before the body handler: Vert.x's own authentication
   * handlers run after it, which would read a megabyte for a caller with no credentials.
   */
  Handler<RoutingContext> guard(AccessRule rule) {
    return guard(rule, false);
  }

  /**
   * The same; with {@code queryToken}, the credential may instead come in the query parameter
   * {@value #ACCESS_TOKEN} (the SockJS bridge: a browser cannot set a header on a WebSocket).
   */
  Handler<RoutingContext> guard(AccessRule rule, boolean queryToken) {
    if (rule instanceof AccessRule.Open) {
      return (SecurityPolicyHandler) RoutingContext::next;
    }
    return (SecurityPolicyHandler) ctx -> {
      if (!enabled) {
        ctx.put(PRINCIPAL, Principal.unauthenticated());
        ctx.next();
        return;
      }
      HttpServerRequest request = ctx.request();
      String authorization = request.getHeader("Authorization");
      String apiKey = request.getHeader("X-API-Key");
      String token = queryToken ? request.getParam(ACCESS_TOKEN) : null;
      Future<Principal> caller;
      if (token != null && (authorization != null || apiKey != null)) {
        caller = Future.failedFuture(new AuthenticationFailure("two credentials: send either a header or "
            + ACCESS_TOKEN + ", not both"));
      } else {
        caller = authenticator.authenticate(token != null ? "Bearer " + token : authorization, apiKey);
      }
      whenDone(ctx, caller, () -> admit(ctx, rule, caller));
    };
  }

  /**
   * The highest role {@code principal} holds on {@code portfolio}: from this node's copy, or
   * when that refuses, again with the portfolio's ancestry read from the database (a portfolio
   * created or moved under a grant a moment ago). For checks outside an HTTP request (a
   * registration on the SockJS bridge); a refusal is counted like a request's.
   */
  public Future<Optional<PortfolioRole>> roleOn(Principal principal, PortfolioId portfolio, PortfolioRole needed) {
    Optional<PortfolioRole> held = state.copy().entitlements().roleOn(principal, portfolio);
    if (held.isPresent() && held.get().includes(needed)) {
      return Future.succeededFuture(held);
    }
    return store.ancestors(portfolio).map(ancestors -> {
      Optional<PortfolioRole> fresh = state.copy().entitlements().roleOn(principal, portfolio, ancestors);
      if (fresh.isEmpty() || !fresh.get().includes(needed)) {
        forbidden.increment();
      }
      return fresh;
    });
  }

  /**
   * Whether this node's guard took a token from the caller's rate-limit bucket for the request:
   * what a node that forwards it tells the store node ({@link AnalyticsForwarding}), which then
   * takes none. False when this node's limit did not apply (off here, or the bootstrap admin key
   * it spares), and when the request came forwarded and already charged.
   */
  static boolean tookToken(RoutingContext ctx) {
    return Boolean.TRUE.equals(ctx.get(TOOK_TOKEN));
  }

  private void admit(RoutingContext ctx, AccessRule rule, Future<Principal> caller) {
    if (caller.failed()) {
      unauthenticated.increment();
      refuseUnauthenticated(ctx, caller.cause());
      return;
    }
    Principal principal = caller.result();
    ctx.put(PRINCIPAL, principal);
    // One token per request, taken by the first node whose limit applies to the caller: here,
    // unless a node forwarded the request having taken one. Recorded for AnalyticsForwarding,
    // which tells the store node to take none only then: a request let go free here is the store
    // node's to charge (else a caller would escape its limit by calling through a node with none).
    boolean charged = !chargedByForwarder(ctx.request()) && limits.applies(principal, isBootstrapAdmin(principal));
    OptionalLong wait = charged ? limits.take(principal) : OptionalLong.empty();
    if (wait.isPresent()) {
      limited.increment();
      long seconds = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(wait.getAsLong() + 999_999_999L));
      ctx.response().putHeader("Retry-After", Long.toString(seconds));
      Problems.send(ctx, new Problems.Problem(429, "rate-limited", "Too many requests",
          "the request rate of " + principal.subject() + " is over its limit; retry after " + seconds + " s", null));
      return;
    }
    if (charged) {
      ctx.put(TOOK_TOKEN, true);
    }
    if (rule instanceof AccessRule.Global global) {
      if (principal.has(global.role())) {
        ctx.next();
      } else {
        forbidden.increment();
        Problems.send(ctx, forbidden("needs the global role " + global.role().wireName()));
      }
    } else if (rule instanceof AccessRule.OnPortfolio onPortfolio) {
      PortfolioId id = parse(ctx.pathParam(onPortfolio.parameter()));
      if (id == null) {
        ctx.next(); // the handler refuses the malformed id (400): nothing exists there to hide
        return;
      }
      Future<Boolean> allowed = require(ctx, id, onPortfolio.role());
      whenDone(ctx, allowed, () -> {
        if (allowed.succeeded() && allowed.result()) {
          ctx.next();
        } else if (allowed.failed()) {
          Problems.send(ctx, Problems.of(allowed.cause()));
        }
      });
    } else {
      ctx.next(); // any caller; the handler filters or finishes the check
    }
  }

  /**
   * Whether the caller holds at least {@code needed} on {@code portfolio}; when it does not, the
   * refusal (404 if it may not even read it, else 403) has been sent and the answer is false.
   */
  Future<Boolean> require(RoutingContext ctx, PortfolioId portfolio, PortfolioRole needed) {
    return require(ctx, portfolio, needed, Problems.portfolioNotFound(portfolio));
  }

  /**
   * The same, answering {@code hidden} when the caller may not even read the portfolio: for a
   * resource on a portfolio (a grant), whose refusal must read as "no such resource" and not
   * name the portfolio.
   */
  Future<Boolean> require(RoutingContext ctx, PortfolioId portfolio, PortfolioRole needed, Problems.Problem hidden) {
    Principal principal = principal(ctx);
    Optional<PortfolioRole> held = state.copy().entitlements().roleOn(principal, portfolio);
    if (held.isPresent() && held.get().includes(needed)) {
      return Future.succeededFuture(true);
    }
    return store.ancestors(portfolio).map(ancestors -> {
      Optional<PortfolioRole> fresh = state.copy().entitlements().roleOn(principal, portfolio, ancestors);
      if (fresh.isPresent() && fresh.get().includes(needed)) {
        return true;
      }
      forbidden.increment();
      Problems.send(ctx, fresh.isPresent() ? forbidden("needs the " + needed.wireName() + " role on portfolio "
          + portfolio + " (holds " + fresh.get().wireName() + ")") : hidden);
      return false;
    });
  }

  /**
   * Reloads this node's copy now: after a key or grant change through this node, the answer
   * goes out once this node enforces it (the other nodes follow within their refresh period).
   */
  Future<Void> refreshNow() {
    return SecurityRefreshVerticle.load(store, state);
  }

  /** The store of keys, grants and their audit trail. */
  SecurityStore store() {
    return store;
  }

  /** Whether the caller holds a global role; when it does not, the 403 has been sent. */
  boolean require(RoutingContext ctx, GlobalRole role) {
    if (principal(ctx).has(role)) {
      return true;
    }
    forbidden.increment();
    Problems.send(ctx, forbidden("needs the global role " + role.wireName()));
    return false;
  }

  /**
   * The portfolios whose subtrees the caller may read by its grants, or empty when it may read
   * everything (a global admin, or authentication switched off).
   */
  Optional<List<PortfolioId>> readableRoots(RoutingContext ctx) {
    Principal principal = principal(ctx);
    return principal.isAdmin() ? Optional.empty()
        : Optional.of(state.copy().entitlements().grantedRoots(principal));
  }

  /**
   * Whether a node of the cluster forwarded the request to this one (an analytics request, from a
   * node without a store) and took its caller's rate-limit token when it admitted it: then this
   * node takes none, since a second one here would give a caller going through it half its
   * budget. The forwarding node says so only when it took one ({@link #tookToken}); a request it
   * let go free is charged here, by this node's own settings. The credential is still checked and
   * the route's rule applied; only the charge is waived.
   *
   * <p>Why a client cannot claim it: the header must carry this node's secret, which is given out
   * on the clustered event bus only (the cluster's internal network; the SockJS bridge permits no
   * {@code pstate.*} address), and a forwarding node drops the header a client sent before it
   * sets its own. A wrong or stale value is charged as usual, not refused: a guess learns nothing
   * it could not learn from any request. The comparison takes as long however much of it matches.
   */
  private boolean chargedByForwarder(HttpServerRequest request) {
    String forwarded = request.getHeader(FORWARDED);
    return forwarded != null
        && MessageDigest.isEqual(forwarded.getBytes(StandardCharsets.US_ASCII), forwardedSecret);
  }

  private boolean isBootstrapAdmin(Principal principal) {
    if (principal.kind() != Principal.Kind.API_KEY) {
      return false;
    }
    Map<String, ApiKey> keys = state.copy().keysByHash();
    BootstrapKeys index = bootstrapKeys;
    if (index.keys() != keys) {
      // A new copy of the keys (its map is replaced whole on every security version): index it
      // once, rather than walk every key on every request.
      Set<String> ids = new HashSet<>();
      for (ApiKey key : keys.values()) {
        if (AdminKeyBootstrap.CREATED_BY.equals(key.createdBy())) {
          ids.add(key.keyId());
        }
      }
      index = new BootstrapKeys(keys, Set.copyOf(ids));
      bootstrapKeys = index;
    }
    return index.ids().contains(principal.subject());
  }

  private static Problems.Problem forbidden(String detail) {
    return new Problems.Problem(403, "forbidden", "Forbidden", detail, null);
  }

  /**
   * 401 with the challenge of RFC 6750: a request without credentials gets the bare challenge,
   * one with bad credentials learns that they were refused and why (never which part of a
   * token's signature failed).
   */
  private static void refuseUnauthenticated(RoutingContext ctx, Throwable cause) {
    boolean sent = ctx.request().getHeader("Authorization") != null || ctx.request().getHeader("X-API-Key") != null;
    String detail = cause instanceof AuthenticationFailure ? cause.getMessage() : "the credentials could not be checked";
    String challenge = "Bearer realm=\"portfolio-state\"";
    if (sent) {
      challenge += ", error=\"invalid_token\", error_description=\"" + detail.replace("\"", "'") + "\"";
    }
    ctx.response().putHeader("WWW-Authenticate", challenge);
    Problems.send(ctx, new Problems.Problem(401, "unauthenticated", "Unauthenticated", detail, null));
  }

  private static PortfolioId parse(String text) {
    try {
      return text == null ? null : PortfolioId.of(text);
    } catch (RuntimeException malformed) {
      return null;
    }
  }

  /**
   * Runs {@code then} when {@code future} is done: at once when it already is (API keys, the
   * copy's answer), else later with the request paused meanwhile, so that no body arrives
   * before the route's body handler is there to read it.
   */
  private static void whenDone(RoutingContext ctx, Future<?> future, Runnable then) {
    if (future.isComplete()) {
      then.run();
      return;
    }
    ctx.request().pause();
    future.onComplete(done -> {
      // The route's body handler (if any) attaches and resumes in then.run(); resuming after it
      // lets a request without one (a GET) finish, and can lose nothing. A refusal's body stays
      // paused until its answer is out: RefusedBodies then drains it, bounded.
      then.run();
      if (!RefusedBodies.draining(ctx)) {
        ctx.request().resume();
      }
    });
  }
}
