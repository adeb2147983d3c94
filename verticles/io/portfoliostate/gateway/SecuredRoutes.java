package io.portfoliostate.gateway;

import io.portfoliostate.security.AccessRule;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * The only way the gateway adds a route: each with its {@link AccessRule}, whose guard runs
 * first on the route — before the body is read, so nobody unauthenticated makes the node read
 * a megabyte. What every route allows is listed by {@link #declared()}; a route added to the
 * router any other way shows up in {@link #undeclared()}, and the route-matrix test fails on it.
 */
public final class SecuredRoutes {

  /** A route the gateway serves, and who may use it. */
  public record Declared(HttpMethod method, String path, AccessRule rule) {
  }

  private final Router router;
  private final AccessControl access;
  private final BodyHandler bodies;
  private final List<Declared> declared = new ArrayList<>();
  /** Every route added through here, endpoints and filters: anything else in the router is undeclared. */
  private final Set<Route> known = Collections.newSetFromMap(new IdentityHashMap<>());

  /**
   * @param refusedBodies drains the body of every request answered before its body was read;
   *     put in each request's context by the router's first route, which this adds
   */
  SecuredRoutes(Router router, AccessControl access, int maxBodyBytes, RefusedBodies refusedBodies) {
    this.router = router;
    this.access = access;
    this.bodies = BodyHandler.create(false).setBodyLimit(maxBodyBytes);
    known.add(router.route().handler(refusedBodies::attach));
  }

  /** A route whose handler answers {@code method path}, guarded by {@code rule}. */
  Route add(HttpMethod method, String path, AccessRule rule, Handler<RoutingContext> handler) {
    return add(router.route(method, path), method, path, rule, handler);
  }

  /** The same for a path given as a regular expression (its groups are param0, param1, ...). */
  Route addRegex(HttpMethod method, String regex, String documentedPath, AccessRule rule,
      Handler<RoutingContext> handler) {
    return add(router.routeWithRegex(method, regex), method, documentedPath, rule, handler);
  }

  private Route add(Route route, HttpMethod method, String path, AccessRule rule, Handler<RoutingContext> handler) {
    route.handler(access.guard(rule));
    if (method == HttpMethod.POST || method == HttpMethod.PUT || method == HttpMethod.PATCH) {
      route.handler(bodies);
    }
    route.handler(handler);
    known.add(route);
    declared.add(new Declared(method, path, rule));
    return route;
  }

  /**
   * A POST whose body may be larger than the other routes' limit (a CSV import): read whole up
   * to {@code bodyLimit} bytes, else 413 naming that limit ({@link #BODY_LIMIT} in the context).
   * {@code admission} runs after the guard and before a byte of the body is read: it either calls
   * {@code ctx.next()} (the body is then read) or answers, and the body is never received (a CSV
   * import refused for too many running: up to 32 MiB not read for nothing; what the client
   * still sends is drained, bounded, see {@link RefusedBodies}).
   */
  Route post(String path, AccessRule rule, int bodyLimit, Handler<RoutingContext> admission,
      Handler<RoutingContext> handler) {
    Route route = router.route(HttpMethod.POST, path);
    Handler<RoutingContext> guard = access.guard(rule);
    route.handler((io.vertx.ext.web.handler.SecurityPolicyHandler) ctx -> {
      ctx.put(BODY_LIMIT, bodyLimit);
      guard.handle(ctx);
    });
    // Vert.x allows only handlers marked as security policies before the body handler: the guard
    // and the admission are marked so.
    route.handler((io.vertx.ext.web.handler.SecurityPolicyHandler) admission::handle);
    route.handler(BodyHandler.create(false).setBodyLimit(bodyLimit));
    route.handler(handler);
    known.add(route);
    declared.add(new Declared(HttpMethod.POST, path, rule));
    return route;
  }

  /** The key of a route's own body limit in the routing context, when it has one. */
  static final String BODY_LIMIT = "bodyLimit";

  /**
   * A sub-router (the SockJS bridge) mounted at {@code path} (ending in {@code /*}), every request
   * under it guarded by {@code rule} first, with the credential also accepted in the query
   * parameter {@code access_token}. Declared as {@code GET path}: its transports use GET and POST
   * and a WebSocket upgrade, all under the same rule.
   */
  Route mount(String path, AccessRule rule, Router sub) {
    known.add(router.route(path).handler(access.guard(rule, true)));
    Route mounted = router.route(path).subRouter(sub);
    known.add(mounted);
    declared.add(new Declared(HttpMethod.GET, path, rule));
    return mounted;
  }

  Route get(String path, AccessRule rule, Handler<RoutingContext> handler) {
    return add(HttpMethod.GET, path, rule, handler);
  }

  Route post(String path, AccessRule rule, Handler<RoutingContext> handler) {
    return add(HttpMethod.POST, path, rule, handler);
  }

  Route put(String path, AccessRule rule, Handler<RoutingContext> handler) {
    return add(HttpMethod.PUT, path, rule, handler);
  }

  Route patch(String path, AccessRule rule, Handler<RoutingContext> handler) {
    return add(HttpMethod.PATCH, path, rule, handler);
  }

  Route delete(String path, AccessRule rule, Handler<RoutingContext> handler) {
    return add(HttpMethod.DELETE, path, rule, handler);
  }

  /**
   * A handler that runs for every request under {@code path} before its route (stamps, deadlines)
   * and answers none itself: it needs no rule, since the route it passes to has one.
   */
  void filter(String path, Handler<RoutingContext> handler) {
    known.add(router.route(path).handler(handler));
  }

  /** The handler of failures raised by the router or a handler: answers no request of its own. */
  void failures(Handler<RoutingContext> handler) {
    known.add(router.route().failureHandler(handler));
  }

  public List<Declared> declared() {
    return List.copyOf(declared);
  }

  /** Routes in the router not added through here: each is a route nobody declared a rule for. */
  public List<String> undeclared() {
    List<String> missing = new ArrayList<>();
    for (Route route : router.getRoutes()) {
      if (!known.contains(route)) {
        missing.add(route.methods() + " " + (route.getPath() != null ? route.getPath() : route.getName()));
      }
    }
    return missing;
  }
}
