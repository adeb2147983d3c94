package io.portfoliostate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.app.Node;
import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.TestDatabase;
import io.portfoliostate.fixtures.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The OpenAPI document rendered for people at {@code /docs/}: Swagger UI from its webjar, pointed
 * at this service's {@code /openapi.yaml} rather than the webjar's default petstore. HTTP only: a
 * browser is not part of the test run.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ApiDocsTest {

  private Node node;
  private Api api;

  @BeforeAll
  void start() throws Exception {
    node = TestNode.start(TestDatabase.freshDatabaseUri());
    api = new Api(node.httpPort());
  }

  @AfterAll
  void stop() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void docsRedirectsToTheViewersDirectory() {
    Api.Response response = api.get("/docs");
    assertThat(response.status()).isEqualTo(301);
    assertThat(response.header("Location")).isEqualTo("/docs/");
  }

  @Test
  void docsPageIsTheSwaggerUiHtml() {
    Api.Response response = api.get("/docs/");
    assertThat(response.status()).isEqualTo(200);
    assertThat(response.contentType()).startsWith("text/html");
    assertThat(response.body()).contains("swagger-ui-bundle.js", "swagger-initializer.js", "id=\"swagger-ui\"");
  }

  @Test
  void theViewersScriptsAndStylesAreServedFromTheWebjar() {
    Api.Response bundle = api.get("/docs/swagger-ui-bundle.js");
    assertThat(bundle.status()).isEqualTo(200);
    assertThat(bundle.contentType()).matches("(text|application)/javascript.*");
    assertThat(bundle.body()).contains("SwaggerUIBundle").hasSizeGreaterThan(100_000);
    Api.Response preset = api.get("/docs/swagger-ui-standalone-preset.js");
    assertThat(preset.status()).isEqualTo(200);
    Api.Response css = api.get("/docs/swagger-ui.css");
    assertThat(css.status()).isEqualTo(200);
    assertThat(css.contentType()).startsWith("text/css");
  }

  @Test
  void theInitializerPointsAtOurDocumentNotThePetstore() {
    Api.Response init = api.get("/docs/swagger-initializer.js");
    assertThat(init.status()).isEqualTo(200);
    assertThat(init.contentType()).startsWith("text/javascript");
    assertThat(init.body()).contains("url: \"/openapi.yaml\"").doesNotContain("petstore");
  }

  @Test
  void aMissingViewerFileIsAProblemNotAStackTrace() {
    Api.Response response = api.get("/docs/no-such-file.js");
    assertThat(response.status()).isEqualTo(404);
    assertThat(response.contentType()).isEqualTo("application/problem+json");
  }
}
