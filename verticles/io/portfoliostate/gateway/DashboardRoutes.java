package io.portfoliostate.gateway;

import io.portfoliostate.security.AccessRule;
import io.vertx.ext.web.handler.StaticHandler;

/**
 * The dashboard: the page at {@code /}, its own files (HTML, CSS, JavaScript modules, no build
 * step) under {@code /app/*} from {@code webroot/} packaged in the jar, and the third-party
 * scripts it loads under {@code /webjars/*}, served from their webjars as packaged (nothing
 * copied into this repository). The files are open: they hold no data, and every API call the
 * page makes carries the credential its user signed in with.
 */
final class DashboardRoutes {

  /** Where the packaged webjars keep their files. */
  private static final String WEBJARS = "META-INF/resources/webjars";
  /** The dashboard's files: a folder of the working directory when run from the sources, else the jar's. */
  private static final String WEBROOT = "webroot";

  private DashboardRoutes() {
  }

  /**
   * The page runs only its own files and the webjars' (no inline script, nothing from elsewhere),
   * talks only to this origin (REST and the bridge's SockJS/WebSocket), and cannot be framed. A
   * credential typed into it can then only go where the page sends it.
   */
  static final String CONTENT_SECURITY_POLICY = "default-src 'self'; img-src 'self' data:; object-src 'none'; "
      + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  /** Declares {@code GET /}, {@code GET /app/*} and {@code GET /webjars/*}. */
  static void mount(SecuredRoutes routes) {
    AccessRule page = AccessRule.open("static page; every API call it makes is authenticated");
    StaticHandler files = StaticHandler.create(WEBROOT).setDefaultContentEncoding("UTF-8")
        .setIndexPage("index.html");
    // "/" is the index page itself (not a redirect): a short address for people to type.
    routes.get("/", page, ctx -> ctx.reroute("/app/index.html"));
    routes.get("/app/*", page, ctx -> {
      ctx.response().putHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY)
          .putHeader("X-Content-Type-Options", "nosniff")
          // The bridge's URL carries the credential: no page address leaves in a Referer.
          .putHeader("Referrer-Policy", "no-referrer");
      files.handle(ctx);
    });
    routes.get("/webjars/*", page, StaticHandler.create(WEBJARS).setDefaultContentEncoding("UTF-8"));
  }
}
