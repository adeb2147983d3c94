package io.portfoliostate.gateway;

import io.portfoliostate.security.AccessRule;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The OpenAPI document rendered for people at {@code /docs/}: Swagger UI served as packaged in its
 * webjar (nothing copied into this repository), with an initializer of our own that points the
 * viewer at {@code /openapi.yaml} instead of the webjar's default petstore.
 */
final class ApiDocs {

  private static final String WEBJAR = "META-INF/resources/webjars/swagger-ui/";

  /** Our initializer: the webjar's own one names the petstore, so it is replaced, not patched. */
  private static final String INITIALIZER = """
      window.onload = function () {
        window.ui = SwaggerUIBundle({
          url: "/openapi.yaml",
          dom_id: "#swagger-ui",
          deepLinking: true,
          presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
          plugins: [SwaggerUIBundle.plugins.DownloadUrl],
          layout: "StandaloneLayout"
        });
      };
      """;

  private ApiDocs() {
  }

  /** The webjar's version, read from its own Maven metadata so the pom stays the one place it is named. */
  static String webjarVersion() {
    try (InputStream in = ApiDocs.class.getClassLoader()
        .getResourceAsStream("META-INF/maven/org.webjars/swagger-ui/pom.properties")) {
      if (in == null) {
        throw new IllegalStateException("the swagger-ui webjar is missing from the class path");
      }
      Properties properties = new Properties();
      properties.load(in);
      return properties.getProperty("version");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Serves the viewer's files under {@code /docs/}. {@code GET /docs} and {@code GET /docs/} are
   * registered by the gateway itself (they are in the OpenAPI document); the viewer's scripts and
   * styles are files of the webjar, not API operations, hence a plain GET route here.
   */
  static void mountAssets(SecuredRoutes routes, AccessRule rule) {
    routes.get("/docs/swagger-initializer.js", rule, ctx -> ctx.response()
        .putHeader("Content-Type", "text/javascript; charset=utf-8")
        .end(INITIALIZER));
    routes.get("/docs/*", rule, StaticHandler.create(WEBJAR + webjarVersion())
        .setDefaultContentEncoding("UTF-8"));
  }

  /**
   * {@code GET /docs} and {@code GET /docs/}. The router matches either path to either route
   * (it ignores a trailing slash), so the path decides: the viewer's files are relative to the
   * directory, hence a redirect from {@code /docs} to {@code /docs/}, which serves the webjar's
   * index page.
   */
  static void page(RoutingContext ctx) {
    if (ctx.request().path().endsWith("/")) {
      ctx.reroute("/docs/index.html");
    } else {
      ctx.response().setStatusCode(301).putHeader("Location", "/docs/").end();
    }
  }
}
