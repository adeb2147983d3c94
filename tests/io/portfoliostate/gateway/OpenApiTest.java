package io.portfoliostate.gateway;

import io.portfoliostate.app.Node;
import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.TestDatabase;
import io.portfoliostate.fixtures.TestNode;
import io.vertx.core.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.yaml.snakeyaml.Yaml;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The OpenAPI document served at {@code /openapi.yaml} is the API's contract, so it must say what
 * the service does: every route the router serves is documented and nothing else, every
 * {@code $ref} resolves, each request body accepts exactly the fields its parser accepts (and
 * requires exactly what the parser requires), and real answers of a running node match the
 * documented statuses, headers, media types and schemas.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenApiTest {

  /**
   * The routes HttpGatewayVerticle registers, as (method, OpenAPI path). Kept here by hand so that
   * adding a route fails this test until it is documented; {@link #theListAboveIsWhatTheRouterServes}
   * keeps the list honest against the router.
   */
  private static final Set<String> ROUTES = Set.of(
      "GET /health/live",
      "GET /api/v1/analytics/status",
      "GET /api/v1/analytics/exposures",
      "GET /api/v1/analytics/concentration",
      "GET /api/v1/analytics/overlap",
      "GET /api/v1/analytics/nav",
      "GET /api/v1/analytics/correlation",
      "POST /api/v1/analytics/query",
      "POST /api/v1/analytics/queries",
      "GET /api/v1/analytics/queries",
      "GET /api/v1/analytics/queries/{name}",
      "PUT /api/v1/analytics/queries/{name}",
      "DELETE /api/v1/analytics/queries/{name}",
      "POST /api/v1/analytics/queries/{name}:run",
      "POST /api/v1/portfolios/{id}/imports",
      "GET /api/v1/exports/{dataset}",
      "POST /api/v1/export-jobs",
      "GET /api/v1/export-jobs/{jobId}",
      "GET /api/v1/export-jobs/{jobId}/file",
      "GET /health/ready",
      "GET /metrics",
      "GET /openapi.yaml",
      "GET /docs",
      "GET /docs/",
      "GET /",
      "POST /api/v1/portfolios",
      "GET /api/v1/portfolios",
      "GET /api/v1/portfolios/{id}",
      "PATCH /api/v1/portfolios/{id}",
      "POST /api/v1/portfolios/{id}/trades:batch",
      "POST /api/v1/portfolios/{id}/trades",
      "POST /api/v1/portfolios/{id}/trades/{tradeId}:cancel",
      "POST /api/v1/portfolios/{id}/trades/{tradeId}:amend",
      "POST /api/v1/portfolios/{id}/cash-flows",
      "POST /api/v1/portfolios/{id}/fx-conversions",
      "PUT /api/v1/portfolios/{id}/targets",
      "GET /api/v1/portfolios/{id}/positions",
      "GET /api/v1/portfolios/{id}/cash",
      "GET /api/v1/portfolios/{id}/events",
      "GET /api/v1/portfolios/{id}/weights",
      "GET /api/v1/portfolios/{id}/exposures",
      "GET /api/v1/portfolios/{id}/performance",
      "GET /api/v1/portfolios/{id}/children",
      "GET /api/v1/portfolios/{id}/descendants",
      "GET /api/v1/portfolios/{id}/consolidated",
      "GET /api/v1/portfolios/{id}/consolidated/positions",
      "GET /api/v1/portfolios/{id}/consolidated/cash",
      "GET /api/v1/portfolios/{id}/consolidated/weights",
      "GET /api/v1/portfolios/{id}/consolidated/exposures",
      "PUT /api/v1/instruments/{id}",
      "GET /api/v1/instruments/{id}",
      "POST /api/v1/prices",
      "POST /api/v1/fx-rates",
      "POST /api/v1/corporate-actions",
      "GET /api/v1/corporate-actions/{id}",
      "GET /api/v1/cluster",
      "POST /api/v1/api-keys",
      "GET /api/v1/api-keys",
      "DELETE /api/v1/api-keys/{keyId}",
      "POST /api/v1/grants",
      "GET /api/v1/grants",
      "DELETE /api/v1/grants/{grantId}",
      "GET /api/v1/audit",
      "GET /eventbus/info");

  private static final Set<String> HTTP_METHODS = Set.of("get", "put", "post", "delete", "options", "head", "patch",
      "trace");
  private static final String PROBE_ID = "openapi-probe";

  private Node node;
  private Api api;
  private Api.Response served;
  private Map<String, Object> doc;

  @BeforeAll
  void start() throws Exception {
    node = TestNode.start(TestDatabase.freshDatabaseUri());
    api = new Api(node.httpPort());
    served = api.get("/openapi.yaml");
    assertThat(served.status()).isEqualTo(200);
    doc = map(new Yaml().load(served.body()));
  }

  @AfterAll
  void stop() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void isAnOpenApi303DocumentServedAsYaml() {
    assertThat(served.contentType()).startsWith("application/yaml");
    assertThat(String.valueOf(doc.get("openapi"))).matches("3\\.0\\.\\d+");
    Map<String, Object> info = map(doc.get("info"));
    assertThat(info).containsKeys("title", "version", "description");
    assertThat((String) info.get("description")).contains("later versions");
  }

  @Test
  void documentsExactlyTheRoutesTheRouterServes() {
    assertThat(documentedOperations()).containsExactlyInAnyOrderElementsOf(ROUTES);
  }

  /**
   * The list above is what the router serves: every route the gateway declares (with its access
   * rule) but the viewer's and the dashboard's static files, and no route added without a rule.
   */
  @Test
  void theListAboveIsWhatTheRouterServes() {
    List<String> declared = node.declaredRoutes().stream()
        .filter(route -> !route.path().startsWith("/docs/") || route.path().equals("/docs/"))
        // The dashboard's files and scripts, like the viewer's: files, not API operations.
        .filter(route -> !route.path().equals("/app/*") && !route.path().equals("/webjars/*"))
        // The SockJS bridge is mounted at /eventbus/*; the document describes its info request.
        .map(route -> route.method().name() + " " + route.path().replace("/eventbus/*", "/eventbus/info")
            .replaceAll("/:([A-Za-z][A-Za-z0-9_]*)", "/{$1}"))
        .toList();
    assertThat(declared).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(ROUTES);
    assertThat(node.undeclaredRoutes()).as("routes added to the router without an access rule").isEmpty();
  }

  /** The router itself answers every documented operation: none falls through to its 404 or 405. */
  @Test
  void everyDocumentedOperationIsRouted() {
    for (String operation : documentedOperations()) {
      String method = operation.substring(0, operation.indexOf(' '));
      String path = operation.substring(operation.indexOf(' ') + 1).replaceAll("\\{\\w+}", PROBE_ID);
      Api.Response response = api.send(method, path, null, null);
      assertThat(routerRefused(response)).as("%s answered %s %s", operation, response.status(), response.body())
          .isFalse();
    }
  }

  /** And a method the document does not list for a path is refused by the router. */
  @Test
  void undocumentedMethodsOnDocumentedPathsAreRefused() {
    Set<String> documented = documentedOperations();
    for (String path : paths().keySet()) {
      for (String method : List.of("GET", "POST", "PUT", "PATCH", "DELETE")) {
        if (!documented.contains(method + " " + path)) {
          Api.Response response = api.send(method, path.replaceAll("\\{\\w+}", PROBE_ID), null, null);
          assertThat(routerRefused(response)).as("%s %s answered %s %s", method, path, response.status(),
              response.body()).isTrue();
          assertThat(response.contentType()).isEqualTo("application/problem+json");
        }
      }
    }
  }

  @Test
  void everyReferenceResolvesAndEveryComponentIsUsed() {
    List<String> refs = new ArrayList<>();
    collectRefs(doc, refs);
    assertThat(refs).isNotEmpty();
    for (String ref : refs) {
      assertThat(ref).as("only local references").startsWith("#/");
      assertThat(resolve(ref)).as("%s resolves", ref).isNotNull();
    }
    Map<String, Object> components = map(doc.get("components"));
    List<String> required = new ArrayList<>(list(doc.get("security")).stream()
        .flatMap(scheme -> map(scheme).keySet().stream()).toList());
    // And those an operation requires of its own (the bridge's query-string credential).
    paths().keySet().forEach(path -> operations(path).values().forEach(operation -> {
      Object own = map(operation).get("security");
      if (own != null) {
        list(own).forEach(scheme -> required.addAll(map(scheme).keySet()));
      }
    }));
    for (Map.Entry<String, Object> section : components.entrySet()) {
      for (String name : map(section.getValue()).keySet()) {
        if (section.getKey().equals("securitySchemes")) {
          // Schemes are named by security requirements, not referenced.
          assertThat(required).as("security scheme %s is required by the document", name).contains(name);
          continue;
        }
        assertThat(refs).as("component %s/%s is used", section.getKey(), name)
            .contains("#/components/" + section.getKey() + "/" + name);
      }
    }
  }

  @Test
  void pathParametersAreDeclaredAndOperationIdsUnique() {
    Set<String> ids = new TreeSet<>();
    paths().forEach((path, item) -> operations(path).forEach((method, operation) -> {
      assertThat(ids.add((String) operation.get("operationId"))).as("unique operationId of %s %s", method, path)
          .isTrue();
      Set<String> declared = new TreeSet<>();
      List<Object> parameters = new ArrayList<>(list(map(item).get("parameters")));
      parameters.addAll(list(operation.get("parameters")));
      for (Object parameter : parameters) {
        Map<String, Object> p = deref(parameter);
        if ("path".equals(p.get("in"))) {
          assertThat(p.get("required")).isEqualTo(true);
          declared.add((String) p.get("name"));
        }
      }
      Set<String> inTemplate = new TreeSet<>();
      Matcher m = Pattern.compile("\\{(\\w+)}").matcher(path);
      while (m.find()) {
        inTemplate.add(m.group(1));
      }
      assertThat(declared).as("path parameters of %s %s", method, path).isEqualTo(inTemplate);
    }));
  }

  /** Each body schema lists exactly the fields CommandParsers accepts, and no others pass. */
  @Test
  void requestBodiesAcceptExactlyTheParsersFields() {
    Map<String, Set<String>> expected = new LinkedHashMap<>();
    expected.put("POST /api/v1/portfolios", CommandParsers.CREATE_FIELDS);
    expected.put("PATCH /api/v1/portfolios/{id}", CommandParsers.UPDATE_FIELDS);
    expected.put("POST /api/v1/portfolios/{id}/trades", CommandParsers.TRADE_FIELDS);
    expected.put("POST /api/v1/portfolios/{id}/trades:batch", Set.of("trades"));
    expected.put("POST /api/v1/portfolios/{id}/trades/{tradeId}:cancel", CommandParsers.CANCEL_FIELDS);
    expected.put("POST /api/v1/portfolios/{id}/trades/{tradeId}:amend", CommandParsers.AMEND_FIELDS);
    expected.put("POST /api/v1/portfolios/{id}/cash-flows", CommandParsers.CASH_FLOW_FIELDS);
    expected.put("POST /api/v1/portfolios/{id}/fx-conversions", CommandParsers.FX_FIELDS);
    expected.put("PUT /api/v1/portfolios/{id}/targets", CommandParsers.TARGET_FIELDS);
    expected.put("PUT /api/v1/instruments/{id}", MarketParsers.INSTRUMENT_FIELDS);
    // Batches of market data are JSON arrays: their items' schemas are checked.
    expected.put("POST /api/v1/prices", MarketParsers.PRICE_FIELDS);
    expected.put("POST /api/v1/fx-rates", MarketParsers.FX_RATE_FIELDS);
    expected.put("POST /api/v1/corporate-actions", CorporateActionParsers.FIELDS);
    expected.put("POST /api/v1/api-keys", SecurityHandlers.KEY_FIELDS);
    expected.put("POST /api/v1/grants", SecurityHandlers.GRANT_FIELDS);
    expected.put("POST /api/v1/analytics/query", AnalyticsHandlers.QUERY_FIELDS);
    expected.put("POST /api/v1/analytics/queries", Set.of("name", "description", "sql", "parameters"));
    expected.put("PUT /api/v1/analytics/queries/{name}", Set.of("description", "sql", "parameters"));
    expected.put("POST /api/v1/analytics/queries/{name}:run", Set.of("params"));
    expected.put("POST /api/v1/export-jobs", ExportHandlers.JOB_FIELDS);

    Set<String> withBodies = new TreeSet<>();
    paths().keySet().forEach(path -> operations(path).forEach((method, operation) -> {
      // A CSV import's body is a file, not an object of fields.
      if (operation.containsKey("requestBody") && map(deref(operation.get("requestBody")).get("content"))
          .containsKey("application/json")) {
        withBodies.add(method.toUpperCase() + " " + path);
      }
    }));
    assertThat(withBodies).containsExactlyInAnyOrderElementsOf(expected.keySet());

    expected.forEach((operation, fields) -> {
      Map<String, Object> schema = requestObjectSchema(operation);
      assertThat(schema.get("additionalProperties")).as("%s rejects unknown fields", operation).isEqualTo(false);
      assertThat(map(schema.get("properties")).keySet()).as("fields of %s", operation)
          .containsExactlyInAnyOrderElementsOf(fields);
      assertThat(map(schema.get("properties")).keySet()).containsAll(list(schema.get("required")).stream()
          .map(String::valueOf).toList());
    });
    Map<String, Object> items = deref(map(map(requestSchema("POST /api/v1/portfolios/{id}/trades:batch")
        .get("properties")).get("trades")).get("items"));
    assertThat(items).isEqualTo(requestSchema("POST /api/v1/portfolios/{id}/trades"));
  }

  /** What the document marks required is what the parsers report missing from an empty body. */
  @Test
  void requiredFieldsAreWhatTheParsersRequire() {
    for (String operation : List.of("POST /api/v1/portfolios", "PATCH /api/v1/portfolios/{id}",
        "POST /api/v1/portfolios/{id}/trades", "POST /api/v1/portfolios/{id}/trades:batch",
        "POST /api/v1/portfolios/{id}/cash-flows", "POST /api/v1/portfolios/{id}/fx-conversions",
        "PUT /api/v1/portfolios/{id}/targets")) {
      String method = operation.substring(0, operation.indexOf(' '));
      String path = operation.substring(operation.indexOf(' ') + 1);
      Api.Response response = api.send(method, path.replaceAll("\\{\\w+}", PROBE_ID), "application/json", "{}");
      assertThat(response.status()).as(operation).isEqualTo(400);
      assertThat(requiredIn(response.json().getJsonArray("errors").getList(), ""))
          .as("required fields of %s", operation)
          .containsExactlyInAnyOrderElementsOf(requiredOf(requestSchema(operation)));
    }
    // A market-data batch is an array: an empty item reports its missing fields, prefixed by its index.
    for (String operation : List.of("POST /api/v1/prices", "POST /api/v1/fx-rates")) {
      Map<String, Object> array = requestSchema(operation);
      assertThat(array.get("type")).isEqualTo("array");
      assertThat(array.get("maxItems")).isEqualTo(MarketParsers.MAX_ITEMS);
      Api.Response response = api.send("POST", operation.substring(operation.indexOf(' ') + 1),
          "application/json", "[{}]");
      assertThat(response.status()).as(operation).isEqualTo(400);
      assertThat(requiredIn(response.json().getJsonArray("errors").getList(), "[0]."))
          .as("required fields of %s", operation)
          .containsExactlyInAnyOrderElementsOf(requiredOf(requestObjectSchema(operation)));
    }
    Api.Response action = api.send("POST", "/api/v1/corporate-actions", "application/json", "{}");
    assertThat(action.status()).isEqualTo(400);
    assertThat(requiredIn(action.json().getJsonArray("errors").getList(), ""))
        .containsExactlyInAnyOrderElementsOf(requiredOf(requestSchema("POST /api/v1/corporate-actions")));
    Api.Response instrument = api.send("PUT", "/api/v1/instruments/" + PROBE_ID, "application/json", "{}");
    assertThat(instrument.status()).isEqualTo(400);
    assertThat(requiredIn(instrument.json().getJsonArray("errors").getList(), ""))
        .containsExactlyInAnyOrderElementsOf(requiredOf(requestSchema("PUT /api/v1/instruments/{id}")));
    // The items of a batch are parsed one by one: an empty item reports its own missing fields.
    Api.Response batch = api.send("POST", "/api/v1/portfolios/" + PROBE_ID + "/trades:batch", "application/json",
        "{\"trades\":[{}]}");
    assertThat(batch.status()).isEqualTo(200);
    List<?> errors = batch.json().getJsonArray("results").getJsonObject(0).getJsonObject("problem")
        .getJsonArray("errors").getList();
    assertThat(requiredIn(errors, "trades[0].")).containsExactlyInAnyOrderElementsOf(
        requiredOf(requestSchema("POST /api/v1/portfolios/{id}/trades")));
  }

  @Test
  void schemaExamplesMatchTheirSchemas() {
    map(map(doc.get("components")).get("schemas")).forEach((name, schema) -> {
      if (map(schema).containsKey("example")) {
        List<String> errors = new ArrayList<>();
        validate(map(schema).get("example"), map(schema), name + ".example", errors);
        assertThat(errors).as(name).isEmpty();
      }
    });
  }

  /**
   * A tour of the API on a live node: every answer must have a documented status, the documented
   * headers and media type, and a body that matches the documented schema exactly (no
   * undocumented field); every accepted request body must match its documented schema.
   */
  @Test
  void liveAnswersMatchTheDocument() throws InterruptedException {
    String p = "/api/v1/portfolios/oa-fund";
    String trades = p + "/trades";
    call("POST", "/api/v1/portfolios", "/api/v1/portfolios", Map.of("id", "oa-parent", "name", "Parent",
        "baseCurrency", "USD"), 201);
    call("POST", "/api/v1/portfolios", "/api/v1/portfolios", Map.of("id", "oa-fund", "name", "Fund",
        "baseCurrency", "USD", "parentId", "oa-parent", "costMethod", "FIFO", "driftThreshold", 0.05,
        "targets", Map.of("AAPL", "0.5")), 201);
    call("POST", "/api/v1/portfolios", "/api/v1/portfolios", Map.of("id", "oa-fund", "name", "Again",
        "baseCurrency", "EUR"), 409);
    call("POST", "/api/v1/portfolios", "/api/v1/portfolios", Map.of("id", "oa-orphan", "name", "Orphan",
        "baseCurrency", "USD", "parentId", "no-such-parent"), 400);

    call("GET", "/api/v1/portfolios", "/api/v1/portfolios", null, 200);
    Map<String, Object> page = map(call("GET", "/api/v1/portfolios", "/api/v1/portfolios?limit=1", null, 200));
    assertThat(page).containsKey("nextAfter");
    call("GET", "/api/v1/portfolios", "/api/v1/portfolios?after=" + page.get("nextAfter") + "&parentId=oa-parent",
        null, 200);
    call("GET", "/api/v1/portfolios", "/api/v1/portfolios?limit=0", null, 400);

    String flows = p + "/cash-flows";
    Map<String, Object> deposit = Map.of("flowId", "dep-1", "type", "DEPOSIT", "currency", "USD",
        "amount", "100000", "occurredAt", "2026-11-24T10:15:30+01:00");
    call("POST", "/api/v1/portfolios/{id}/cash-flows", flows, deposit, 201);
    call("POST", "/api/v1/portfolios/{id}/cash-flows", flows, deposit, 200);
    call("POST", "/api/v1/portfolios/{id}/cash-flows", flows, Map.of("flowId", "dep-1", "type", "DEPOSIT",
        "currency", "USD", "amount", "1"), 409);

    call("POST", "/api/v1/portfolios/{id}/trades", trades, trade("t-1", "BUY", "10", 100), 201);
    call("POST", "/api/v1/portfolios/{id}/trades", trades, trade("t-2", "BUY", "5", "110"), 201);
    call("POST", "/api/v1/portfolios/{id}/trades", trades, trade("t-3", "SELL", "3", "120"), 201);
    // Flat: openedAt becomes null, the position stays.
    call("POST", "/api/v1/portfolios/{id}/trades", trades, trade("t-4", "SELL", "12", "90"), 201);
    Map<String, Object> withVersion = new LinkedHashMap<>(trade("t-5", "BUY", "1", "95"));
    withVersion.put("strategy", "momentum");
    withVersion.put("fees", "0.5");
    withVersion.put("expectedVersion", 1);
    call("POST", "/api/v1/portfolios/{id}/trades", trades, withVersion, 412);
    withVersion.put("expectedVersion", "6");
    call("POST", "/api/v1/portfolios/{id}/trades", trades, withVersion, 201);
    call("POST", "/api/v1/portfolios/{id}/trades", trades, trade("t-6", "BUY", "2", "96"), 412, "If-Match", "\"3\"");
    call("POST", "/api/v1/portfolios/{id}/trades", trades, trade("t-6", "BUY", "2", "96"), 201, "If-Match", "\"7\"");
    call("POST", "/api/v1/portfolios/{id}/trades", trades, trade("t-6", "BUY", "2", "97"), 409);
    call("POST", "/api/v1/portfolios/{id}/trades", trades, trade("t-7", "BUY", "-2", "96"), 400);
    call("POST", "/api/v1/portfolios/{id}/trades", "/api/v1/portfolios/no-such/trades",
        trade("t-1", "BUY", "1", "1"), 404);
    Api.Response notJson = api.send("POST", trades, "text/plain", "x");
    checkAnswer("POST", "/api/v1/portfolios/{id}/trades", notJson, 415);
    Api.Response malformed = api.send("POST", trades, "application/json", "{\"tradeId\":");
    checkAnswer("POST", "/api/v1/portfolios/{id}/trades", malformed, 400);

    call("POST", "/api/v1/portfolios/{id}/trades:batch", p + "/trades:batch", Map.of("trades", List.of(
        trade("b-1", "BUY", "1", "100"), trade("t-1", "BUY", "10", 100), trade("b-2", "BUY", "-5", "1"))), 200);
    call("POST", "/api/v1/portfolios/{id}/trades:batch", p + "/trades:batch", Map.of("trades", List.of()), 400);

    call("POST", "/api/v1/portfolios/{id}/trades/{tradeId}:amend", p + "/trades/t-6:amend",
        Map.of("price", "95", "reason", "price was wrong"), 200);
    call("POST", "/api/v1/portfolios/{id}/trades/{tradeId}:amend", p + "/trades/t-6:amend",
        Map.of("instrumentId", "MSFT"), 400);
    call("POST", "/api/v1/portfolios/{id}/trades/{tradeId}:amend", p + "/trades/no-such:amend",
        Map.of("price", "95"), 404);
    call("POST", "/api/v1/portfolios/{id}/trades/{tradeId}:cancel", p + "/trades/t-6:cancel",
        Map.of("reason", "booked twice"), 200);
    call("POST", "/api/v1/portfolios/{id}/trades/{tradeId}:amend", p + "/trades/t-6:amend",
        Map.of("price", "96"), 409);
    call("POST", "/api/v1/portfolios/{id}/trades/{tradeId}:cancel", p + "/trades/t-6:cancel",
        Map.of("reason", "booked twice", "tradeId", "t-6"), 400);

    call("POST", "/api/v1/portfolios/{id}/fx-conversions", p + "/fx-conversions", Map.of("conversionId", "fx-1",
        "fromCurrency", "USD", "toCurrency", "EUR", "fromAmount", 1000, "rate", "0.92"), 201);
    call("PUT", "/api/v1/portfolios/{id}/targets", p + "/targets", Map.of("targets", Map.of("AAPL", "0.4",
        "MSFT", 0.3), "driftThreshold", "0.03"), 200);
    call("PATCH", "/api/v1/portfolios/{id}", p, Map.of("name", "Fund A"), 200);
    call("PATCH", "/api/v1/portfolios/{id}", p, Map.of("costMethod", "LIFO"), 400);
    call("PATCH", "/api/v1/portfolios/{id}", p, Map.of("nmae", "typo"), 400);
    call("PATCH", "/api/v1/portfolios/{id}", "/api/v1/portfolios/oa-parent", Map.of("parentId", "oa-fund"), 409);
    Map<String, Object> keyed = Map.of("id", "oa-keyed", "name", "Keyed", "baseCurrency", "USD");
    call("POST", "/api/v1/portfolios", "/api/v1/portfolios", keyed, 201, "Idempotency-Key", "oa-create");
    call("POST", "/api/v1/portfolios", "/api/v1/portfolios", keyed, 200, "Idempotency-Key", "oa-create");
    call("POST", "/api/v1/portfolios", "/api/v1/portfolios", Map.of("id", "oa-keyed", "name", "Other",
        "baseCurrency", "USD"), 409, "Idempotency-Key", "oa-create");
    call("POST", "/api/v1/portfolios", "/api/v1/portfolios", keyed, 400, "Idempotency-Key", "bad key");
    String keyedTargets = "/api/v1/portfolios/oa-keyed/targets";
    call("PUT", "/api/v1/portfolios/{id}/targets", keyedTargets, Map.of("targets", Map.of("AAPL", "1")), 200,
        "Idempotency-Key", "oa-targets");
    call("PUT", "/api/v1/portfolios/{id}/targets", keyedTargets, Map.of("targets", Map.of("AAPL", "1")), 200,
        "Idempotency-Key", "oa-targets");
    call("PUT", "/api/v1/portfolios/{id}/targets", keyedTargets, Map.of("targets", Map.of("AAPL", "0.5")), 409,
        "Idempotency-Key", "oa-targets");
    call("PATCH", "/api/v1/portfolios/{id}", "/api/v1/portfolios/oa-keyed", Map.of("name", "K"), 200,
        "If-Match", "\"2\"", "Idempotency-Key", "oa-patch");
    call("PATCH", "/api/v1/portfolios/{id}", "/api/v1/portfolios/oa-keyed", Map.of("name", "K"), 200,
        "If-Match", "\"2\"", "Idempotency-Key", "oa-patch");

    call("GET", "/api/v1/portfolios/{id}", p, null, 200);
    call("GET", "/api/v1/portfolios/{id}", p + "?version=2", null, 200);
    call("GET", "/api/v1/portfolios/{id}", p + "?version=9999", null, 404);
    call("GET", "/api/v1/portfolios/{id}", p + "?asOf=" + Instant.now(), null, 200);
    call("GET", "/api/v1/portfolios/{id}", p + "?asOf=yesterday", null, 400);
    call("GET", "/api/v1/portfolios/{id}", "/api/v1/portfolios/no-such", null, 404);
    call("GET", "/api/v1/portfolios/{id}", "/api/v1/portfolios/bad%20id", null, 400);
    call("GET", "/api/v1/portfolios/{id}/positions", p + "/positions", null, 200);
    call("GET", "/api/v1/portfolios/{id}/positions", p + "/positions?groupBy=instrument", null, 200);
    call("GET", "/api/v1/portfolios/{id}/positions", p + "/positions?groupBy=strategy&version=5", null, 200);
    call("GET", "/api/v1/portfolios/{id}/positions", p + "/positions?groupBy=sector", null, 200);
    call("GET", "/api/v1/portfolios/{id}/positions", p + "/positions?groupBy=industry", null, 400);
    call("GET", "/api/v1/portfolios/{id}/weights", p + "/weights", null, 200);
    call("GET", "/api/v1/portfolios/{id}/weights", p + "/weights?version=2", null, 200);
    call("GET", "/api/v1/portfolios/{id}/exposures", p + "/exposures", null, 200);
    call("GET", "/api/v1/portfolios/{id}/exposures", "/api/v1/portfolios/no-such/exposures", null, 404);
    call("GET", "/api/v1/portfolios/{id}/performance", p + "/performance", null, 200);
    call("GET", "/api/v1/portfolios/{id}/performance", p + "/performance?period=MTD&groupBy=sector", null, 200);
    call("GET", "/api/v1/portfolios/{id}/performance", p + "/performance?from=2026-13-01", null, 400);
    call("GET", "/api/v1/portfolios/{id}/performance", "/api/v1/portfolios/no-such/performance", null, 404);
    call("GET", "/api/v1/portfolios/{id}/cash", p + "/cash", null, 200);
    // The tree and the settings: a grandchild with its own settings, moved, made a root, put back.
    Map<String, Object> grandchild = new LinkedHashMap<>(Map.of("id", "oa-grand", "name", "Grand",
        "baseCurrency", "EUR", "parentId", "oa-fund", "benchmarkInstrumentId", "SPY", "riskFreeRate", "0.03"));
    grandchild.put("alertThresholds", Map.of("drift", "0.04", "maxDrawdown", 0.2, "volatility", "0.3",
        "var95", "0.05"));
    call("POST", "/api/v1/portfolios", "/api/v1/portfolios", grandchild, 201);
    String grand = "/api/v1/portfolios/oa-grand";
    Map<String, Object> clearing = new LinkedHashMap<>();
    clearing.put("parentId", null);
    clearing.put("riskFreeRate", null);
    Map<String, Object> thresholds = new LinkedHashMap<>();
    thresholds.put("maxDrawdown", null);
    thresholds.put("var95", "0.06");
    clearing.put("alertThresholds", thresholds);
    call("PATCH", "/api/v1/portfolios/{id}", grand, clearing, 200);
    call("PATCH", "/api/v1/portfolios/{id}", grand, Map.of("parentId", "oa-fund"), 200);
    call("PATCH", "/api/v1/portfolios/{id}", "/api/v1/portfolios/oa-parent", Map.of("riskFreeRate", "0.02"), 200);
    call("PATCH", "/api/v1/portfolios/{id}", grand, Map.of("riskFreeRate", "2"), 400);
    Map<String, Object> grandState = map(call("GET", "/api/v1/portfolios/{id}", grand, null, 200));
    assertThat(map(map(grandState.get("effectiveSettings")).get("riskFreeRate")))
        .isEqualTo(Map.of("value", "0.02", "inheritedFrom", "oa-parent"));
    call("GET", "/api/v1/portfolios/{id}/events", grand + "/events", null, 200);
    call("GET", "/api/v1/portfolios/{id}/children", "/api/v1/portfolios/oa-parent/children", null, 200);
    call("GET", "/api/v1/portfolios/{id}/children", "/api/v1/portfolios/oa-parent/children?limit=1&after=oa-a",
        null, 200);
    call("GET", "/api/v1/portfolios/{id}/children", "/api/v1/portfolios/no-such/children", null, 404);
    call("GET", "/api/v1/portfolios/{id}/children", "/api/v1/portfolios/oa-parent/children?limit=0", null, 400);
    Map<String, Object> below = map(call("GET", "/api/v1/portfolios/{id}/descendants",
        "/api/v1/portfolios/oa-parent/descendants", null, 200));
    assertThat(list(below.get("items"))).hasSize(2);
    call("GET", "/api/v1/portfolios/{id}/descendants", "/api/v1/portfolios/oa-parent/descendants?maxDepth=1&limit=1",
        null, 200);
    call("GET", "/api/v1/portfolios/{id}/descendants", "/api/v1/portfolios/no-such/descendants", null, 404);
    call("GET", "/api/v1/portfolios/{id}/descendants", "/api/v1/portfolios/oa-parent/descendants?maxDepth=0",
        null, 400);
    // A withdrawal of more than the balance is recorded, and its event carries an alert.
    call("POST", "/api/v1/portfolios/{id}/cash-flows", flows, Map.of("flowId", "wd-1", "type", "WITHDRAWAL",
        "currency", "USD", "amount", "1000000"), 201);
    Map<String, Object> first = map(call("GET", "/api/v1/portfolios/{id}/events", p + "/events?limit=2", null, 200));
    assertThat(first).containsKey("nextAfterVersion");
    Map<String, Object> all = map(call("GET", "/api/v1/portfolios/{id}/events", p + "/events?afterVersion=0", null,
        200));
    assertThat(list(all.get("events")).stream().map(e -> map(e).get("type")).distinct().toList())
        .as("every event type was seen").containsExactlyInAnyOrder("PortfolioCreated", "CashFlowRecorded",
            "TradeRecorded", "TradeAmended", "TradeCancelled", "FxConverted", "TargetsSet", "PortfolioUpdated");
    assertThat(list(all.get("events")).stream().filter(e -> map(e).containsKey("alerts")).toList())
        .as("events with alerts").hasSize(1);
    call("GET", "/api/v1/portfolios/{id}/events", p + "/events?limit=1001", null, 400);

    String instrument = "/api/v1/instruments/{id}";
    call("PUT", instrument, "/api/v1/instruments/OA-SAP", Map.of("currency", "EUR", "sector", "Technology",
        "factors", Map.of("beta", "1.1", "size", -0.25)), 201);
    call("PUT", instrument, "/api/v1/instruments/OA-SAP", Map.of("currency", "EUR"), 200);
    call("PUT", instrument, "/api/v1/instruments/OA-SAP", Map.of("currency", "EURO"), 400);
    call("GET", instrument, "/api/v1/instruments/OA-SAP", null, 200);
    call("GET", instrument, "/api/v1/instruments/OA-NONE", null, 404);
    call("POST", "/api/v1/prices", "/api/v1/prices", List.of(Map.of("instrumentId", "OA-SAP", "price", "120.5"),
        Map.of("instrumentId", "AAPL", "price", 170, "currency", "USD", "at", "2026-11-24T10:15:30Z")), 200);
    call("POST", "/api/v1/prices", "/api/v1/prices", List.of(Map.of("instrumentId", "OA-NONE", "price", 1)), 400);
    call("POST", "/api/v1/fx-rates", "/api/v1/fx-rates", List.of(Map.of("base", "EUR", "quote", "USD",
        "rate", "1.08")), 200);
    call("POST", "/api/v1/fx-rates", "/api/v1/fx-rates", List.of(), 400);
    // Now priced (AAPL) and with a rate for the EUR cash: the valued figures are numbers, not nulls.
    Map<String, Object> valued = map(call("GET", "/api/v1/portfolios/{id}", p, null, 200));
    assertThat(map(valued.get("valuation")).get("complete")).isEqualTo(true);
    call("GET", "/api/v1/portfolios/{id}/positions", p + "/positions?groupBy=currency", null, 200);
    call("GET", "/api/v1/portfolios/{id}/cash", p + "/cash", null, 200);
    call("GET", "/api/v1/portfolios/{id}/weights", p + "/weights", null, 200);
    call("GET", "/api/v1/portfolios/{id}/exposures", p + "/exposures", null, 200);
    // The tree under oa-parent (oa-fund is its child), summed.
    String tree = "/api/v1/portfolios/oa-parent/consolidated";
    call("GET", "/api/v1/portfolios/{id}/consolidated", tree, null, 200);
    call("GET", "/api/v1/portfolios/{id}/consolidated", tree + "?asOf=" + Instant.now(), null, 400);
    call("GET", "/api/v1/portfolios/{id}/consolidated", "/api/v1/portfolios/no-such/consolidated", null, 404);
    call("GET", "/api/v1/portfolios/{id}/consolidated/positions", tree + "/positions", null, 200);
    call("GET", "/api/v1/portfolios/{id}/consolidated/positions", tree + "/positions?groupBy=sector", null, 200);
    call("GET", "/api/v1/portfolios/{id}/consolidated/positions", tree + "/positions?groupBy=colour", null, 400);
    call("GET", "/api/v1/portfolios/{id}/consolidated/cash", tree + "/cash", null, 200);
    call("GET", "/api/v1/portfolios/{id}/consolidated/weights", tree + "/weights", null, 200);
    call("GET", "/api/v1/portfolios/{id}/consolidated/exposures", tree + "/exposures", null, 200);
    // The analytics store's answers (whatever it has read by now: only their shape is checked here).
    call("GET", "/api/v1/analytics/status", "/api/v1/analytics/status", null, 200);
    call("GET", "/api/v1/analytics/exposures", "/api/v1/analytics/exposures?root=oa-parent", null, 200);
    call("GET", "/api/v1/analytics/exposures", "/api/v1/analytics/exposures?currency=dollars", null, 400);
    call("GET", "/api/v1/analytics/concentration", "/api/v1/analytics/concentration?top=3", null, 200);
    call("GET", "/api/v1/analytics/overlap", "/api/v1/analytics/overlap?a=oa-parent&b=oa-fund", null, 200);
    call("GET", "/api/v1/analytics/nav", "/api/v1/analytics/nav?root=oa-parent", null, 200);
    call("GET", "/api/v1/analytics/nav", "/api/v1/analytics/nav?from=someday", null, 400);
    call("GET", "/api/v1/analytics/correlation", "/api/v1/analytics/correlation?root=oa-parent", null, 200);
    call("POST", "/api/v1/analytics/query", "/api/v1/analytics/query", Map.of("sql",
        "SELECT portfolio_id, quantity FROM positions WHERE quantity > :least", "params", Map.of("least", 0)), 200);
    call("POST", "/api/v1/analytics/query", "/api/v1/analytics/query", Map.of("sql", "DROP VIEW positions"), 400);
    // Exports: a stream, a job followed until done and its file, bad input, someone else's job.
    call("GET", "/api/v1/exports/{dataset}", "/api/v1/exports/positions?root=oa-parent", null, 200);
    call("GET", "/api/v1/exports/{dataset}", "/api/v1/exports/colours?root=oa-parent", null, 400);
    Map<String, Object> job = map(call("POST", "/api/v1/export-jobs", "/api/v1/export-jobs",
        Map.of("dataset", "cash", "format", "csv", "root", "oa-parent"), 202));
    String jobPath = "/api/v1/export-jobs/" + job.get("jobId");
    for (int i = 0; i < 500 && !"DONE".equals(map(call("GET", "/api/v1/export-jobs/{jobId}", jobPath, null, 200))
        .get("state")); i++) {
      Thread.sleep(20);
    }
    call("GET", "/api/v1/export-jobs/{jobId}/file", jobPath + "/file", null, 200);
    call("POST", "/api/v1/export-jobs", "/api/v1/export-jobs", Map.of("dataset", "cash", "format", "xls"), 400);
    call("GET", "/api/v1/export-jobs/{jobId}", "/api/v1/export-jobs/exp-00000000-0000-0000-0000-000000000000",
        null, 404);

    // Corporate actions: a split of what oa-fund holds, posted twice, another under the same id, bad input.
    String actions = "/api/v1/corporate-actions";
    Map<String, Object> split = new LinkedHashMap<>(Map.of("actionId", "oa-split", "instrumentId", "AAPL",
        "type", "SPLIT", "ratio", "2:1", "effectiveAt", "2026-01-01T00:00:00Z"));
    call("POST", actions, actions, split, 201);
    call("POST", actions, actions, split, 200);
    call("POST", actions, actions, Map.of("actionId", "oa-split", "instrumentId", "AAPL", "type", "SPLIT",
        "ratio", "3:1", "effectiveAt", "2026-01-01T00:00:00Z"), 409);
    call("POST", actions, actions, Map.of("actionId", "oa-div", "instrumentId", "AAPL", "type", "CASH_DIVIDEND",
        "amountPerShare", 0.5, "effectiveAt", "2099-01-01T00:00:00Z"), 201);
    call("POST", actions, actions, Map.of("actionId", "oa-bad", "type", "SPLIT"), 400);
    long deadline = System.nanoTime() + 15_000_000_000L;
    Map<String, Object> progress;
    do {
      progress = map(call("GET", actions + "/{id}", actions + "/oa-split", null, 200));
    } while (!"DONE".equals(progress.get("status")) && System.nanoTime() < deadline);
    assertThat(progress.get("status")).isEqualTo("DONE");
    assertThat(list(progress.get("portfolios"))).hasSize(1);
    call("GET", actions + "/{id}", actions + "/oa-div", null, 200);
    call("GET", actions + "/{id}", actions + "/oa-none", null, 404);
    Map<String, Object> late = trade("t-late", "BUY", "1", "100");
    late.put("executedAt", "2025-06-01T00:00:00Z");
    call("POST", "/api/v1/portfolios/{id}/trades", trades, late, 201);
    Map<String, Object> history = map(call("GET", "/api/v1/portfolios/{id}/events", p + "/events?afterVersion=0",
        null, 200));
    assertThat(list(history.get("events")).stream().map(e -> map(e).get("type")).toList())
        .contains("SplitApplied");
    assertThat(map(map(list(history.get("events")).get(list(history.get("events")).size() - 1)).get("data"))
        .get("adjustedBy")).isEqualTo(List.of("oa-split"));

    call("GET", "/health/live", "/health/live", null, 200);
    call("GET", "/health/ready", "/health/ready", null, 200);
    Api.Response metrics = api.get("/metrics");
    checkAnswer("GET", "/metrics", metrics, 200);

    // Answers of the router itself, documented as every operation's default.
    Api.Response unknown = api.get("/api/v1/nothing-here");
    checkAnswer("GET", "/api/v1/portfolios/{id}", unknown, 404);
    Api.Response notAllowed = api.send("DELETE", p, null, null);
    checkAnswer("PATCH", "/api/v1/portfolios/{id}", notAllowed, 405);
  }

  // ---------------------------------------------------------------------------------------------
  // Live calls checked against the document

  private static Map<String, Object> trade(String id, String side, String quantity, Object price) {
    Map<String, Object> trade = new LinkedHashMap<>();
    trade.put("tradeId", id);
    trade.put("instrumentId", "AAPL");
    trade.put("side", side);
    trade.put("quantity", quantity);
    trade.put("price", price);
    return trade;
  }

  /** Sends a request, checks the answer against the document and returns its parsed body. */
  private Object call(String method, String template, String path, Object body, int status, String... headers) {
    Api.Response response = api.send(method, path, body == null ? null : "application/json",
        body == null ? null : Json.encode(body), headers);
    assertThat(response.status()).as("%s %s: %s", method, path, response.body()).isEqualTo(status);
    Object parsed = checkAnswer(method, template, response, status);
    if (body != null && status / 100 == 2) {
      List<String> errors = new ArrayList<>();
      validate(new Yaml().load(Json.encode(body)), requestSchema(method + " " + template), "request", errors);
      assertThat(errors).as("an accepted body of %s %s matches its schema", method, template).isEmpty();
    }
    return parsed;
  }

  private Object checkAnswer(String method, String template, Api.Response response, int status) {
    assertThat(response.status()).as(response.body()).isEqualTo(status);
    Map<String, Object> responses = map(operation(method + " " + template).get("responses"));
    Object documented = responses.get(String.valueOf(status));
    if (documented == null) {
      assertThat(status).as("%s %s answered %s, which it does not document", method, template, status)
          .isIn(404, 405, 500);
      documented = responses.get("default");
    }
    Map<String, Object> answer = deref(documented);
    map(answer.get("headers")).forEach((header, definition) -> {
      String value = response.header(header);
      if (value == null && Boolean.FALSE.equals(deref(definition).get("required"))) {
        return; // documented as present only in some answers (e.g. the age of a cached read)
      }
      assertThat(value).as("header %s of %s %s %s", header, method, template, status).isNotNull();
      Map<String, Object> schema = map(deref(definition).get("schema"));
      List<String> errors = new ArrayList<>();
      validate("integer".equals(schema.get("type")) ? (Object) Long.valueOf(value) : value, schema, header, errors);
      assertThat(errors).as("header %s of %s %s %s", header, method, template, status).isEmpty();
    });
    Map<String, Object> content = map(answer.get("content"));
    if (content.isEmpty()) {
      assertThat(response.body()).isEmpty();
      return null;
    }
    String mediaType = response.contentType() == null ? "" : response.contentType().split(";")[0].trim();
    assertThat(content).as("media type of %s %s %s", method, template, status).containsKey(mediaType);
    if (!mediaType.endsWith("json")) {
      return response.body();
    }
    Object body = new Yaml().load(response.body());
    List<String> errors = new ArrayList<>();
    validate(body, map(map(content.get(mediaType)).get("schema")), "body", errors);
    assertThat(errors).as("%s %s %s: %s", method, template, status, response.body()).isEmpty();
    String etag = response.header("ETag");
    if (etag != null && body instanceof Map<?, ?> json && json.get("version") != null) {
      assertThat(etag).isEqualTo("\"" + json.get("version") + "\"");
    }
    return body;
  }

  /**
   * A small validator of the OpenAPI 3.0 schema subset the document uses. It is stricter than
   * OpenAPI on purpose: an object property the schema does not list is an error, so a field the
   * service adds must be documented.
   */
  private void validate(Object value, Map<String, Object> schema, String at, List<String> errors) {
    if (schema.containsKey("$ref")) {
      validate(value, deref(schema), at, errors);
      return;
    }
    for (Object part : list(schema.get("allOf"))) {
      validate(value, map(part), at, errors);
    }
    if (schema.containsKey("oneOf")) {
      int matches = 0;
      for (Object option : list(schema.get("oneOf"))) {
        List<String> optionErrors = new ArrayList<>();
        validate(value, map(option), at, optionErrors);
        matches += optionErrors.isEmpty() ? 1 : 0;
      }
      if (matches != 1) {
        errors.add(at + ": matches " + matches + " of the oneOf schemas: " + value);
      }
    }
    if (value == null) {
      if (!Boolean.TRUE.equals(schema.get("nullable"))) {
        errors.add(at + ": is null");
      }
      return;
    }
    if (schema.containsKey("enum") && !list(schema.get("enum")).stream().map(String::valueOf).toList()
        .contains(String.valueOf(value))) {
      errors.add(at + ": " + value + " is not one of " + schema.get("enum"));
    }
    Object type = schema.get("type");
    if (type == null) {
      return;
    }
    switch ((String) type) {
      case "object" -> validateObject(value, schema, at, errors);
      case "array" -> {
        if (!(value instanceof List<?> items)) {
          errors.add(at + ": not an array");
          return;
        }
        for (int i = 0; i < items.size(); i++) {
          validate(items.get(i), map(schema.get("items")), at + "[" + i + "]", errors);
        }
        checkBound(items.size(), schema.get("minItems"), schema.get("maxItems"), at + " size", errors);
      }
      case "string" -> {
        if (!(value instanceof String text)) {
          errors.add(at + ": not a string: " + value);
          return;
        }
        if (schema.containsKey("pattern") && !Pattern.compile((String) schema.get("pattern")).matcher(text).find()) {
          errors.add(at + ": '" + text + "' does not match " + schema.get("pattern"));
        }
        if ("date-time".equals(schema.get("format"))) {
          try {
            OffsetDateTime.parse(text);
          } catch (DateTimeParseException e) {
            errors.add(at + ": '" + text + "' is not a date-time");
          }
        }
        if (schema.containsKey("maxLength") && text.length() > ((Number) schema.get("maxLength")).intValue()) {
          errors.add(at + ": longer than " + schema.get("maxLength"));
        }
      }
      case "integer" -> {
        if (!(value instanceof Integer || value instanceof Long || value instanceof java.math.BigInteger)) {
          errors.add(at + ": not an integer: " + value);
          return;
        }
        checkBound(((Number) value).longValue(), schema.get("minimum"), schema.get("maximum"), at, errors);
      }
      case "number" -> {
        if (!(value instanceof Number)) {
          errors.add(at + ": not a number: " + value);
        }
      }
      case "boolean" -> {
        if (!(value instanceof Boolean)) {
          errors.add(at + ": not a boolean: " + value);
        }
      }
      default -> errors.add(at + ": unknown schema type " + type);
    }
  }

  private void validateObject(Object value, Map<String, Object> schema, String at, List<String> errors) {
    if (!(value instanceof Map<?, ?> object)) {
      errors.add(at + ": not an object: " + value);
      return;
    }
    Map<String, Object> properties = map(schema.get("properties"));
    for (Object required : list(schema.get("required"))) {
      if (!object.containsKey(required)) {
        errors.add(at + ": lacks required " + required);
      }
    }
    Object additional = schema.get("additionalProperties");
    for (Map.Entry<?, ?> field : object.entrySet()) {
      String name = String.valueOf(field.getKey());
      if (properties.containsKey(name)) {
        validate(field.getValue(), map(properties.get(name)), at + "." + name, errors);
      } else if (additional instanceof Map) {
        validate(field.getValue(), map(additional), at + "." + name, errors);
      } else {
        errors.add(at + ": undocumented field " + name);
      }
    }
  }

  private static void checkBound(long value, Object min, Object max, String at, List<String> errors) {
    if (min != null && value < ((Number) min).longValue()) {
      errors.add(at + ": " + value + " < " + min);
    }
    if (max != null && value > ((Number) max).longValue()) {
      errors.add(at + ": " + value + " > " + max);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The router: what it serves, read from its source

  /** Whether the router itself refused the request: no route for the path, or not for the method. */
  private static boolean routerRefused(Api.Response response) {
    if (response.status() == 405) {
      return true;
    }
    return response.status() == 404 && response.body().contains("\"detail\":\"no resource at ");
  }

  // ---------------------------------------------------------------------------------------------
  // Reading the document

  private Map<String, Object> paths() {
    return map(doc.get("paths"));
  }

  private Map<String, Map<String, Object>> operations(String path) {
    Map<String, Map<String, Object>> operations = new LinkedHashMap<>();
    map(paths().get(path)).forEach((key, value) -> {
      if (HTTP_METHODS.contains(key)) {
        operations.put(key, map(value));
      }
    });
    return operations;
  }

  private Set<String> documentedOperations() {
    Set<String> operations = new TreeSet<>();
    paths().keySet().forEach(path -> operations(path).keySet()
        .forEach(method -> operations.add(method.toUpperCase() + " " + path)));
    return operations;
  }

  private Map<String, Object> operation(String methodAndPath) {
    String method = methodAndPath.substring(0, methodAndPath.indexOf(' ')).toLowerCase();
    String path = methodAndPath.substring(methodAndPath.indexOf(' ') + 1);
    Map<String, Object> operation = operations(path).get(method);
    if (operation == null) {
      fail("no operation " + methodAndPath + " in the document");
    }
    return operation;
  }

  private Map<String, Object> requestSchema(String methodAndPath) {
    Map<String, Object> body = deref(operation(methodAndPath).get("requestBody"));
    return deref(map(map(body.get("content")).get("application/json")).get("schema"));
  }

  /** The request body's object schema: the body's, or its items' for a body that is an array. */
  private Map<String, Object> requestObjectSchema(String methodAndPath) {
    Map<String, Object> schema = requestSchema(methodAndPath);
    return "array".equals(schema.get("type")) ? deref(schema.get("items")) : schema;
  }

  private static Set<String> requiredOf(Map<String, Object> schema) {
    Set<String> required = new TreeSet<>();
    list(schema.get("required")).forEach(name -> required.add(String.valueOf(name)));
    return required;
  }

  private static Set<String> requiredIn(List<?> errors, String prefix) {
    Set<String> required = new TreeSet<>();
    for (Object error : errors) {
      Map<?, ?> e = error instanceof io.vertx.core.json.JsonObject json ? json.getMap() : (Map<?, ?>) error;
      if ("is required".equals(e.get("message"))) {
        String field = String.valueOf(e.get("field"));
        assertThat(field).startsWith(prefix);
        required.add(field.substring(prefix.length()));
      }
    }
    return required;
  }

  /** The object itself, or the one its {@code $ref} points to (followed through chains). */
  private Map<String, Object> deref(Object value) {
    Map<String, Object> object = map(value);
    for (int hops = 0; object.containsKey("$ref"); hops++) {
      assertThat(hops).as("a $ref chain ends").isLessThan(10);
      Object target = resolve((String) object.get("$ref"));
      assertThat(target).as("%s resolves", object.get("$ref")).isNotNull();
      object = map(target);
    }
    return object;
  }

  /** A local JSON pointer ({@code #/a/b~1c}) into the document, or null. */
  private Object resolve(String ref) {
    if (!ref.startsWith("#/")) {
      return null;
    }
    Object node = doc;
    for (String token : ref.substring(2).split("/", -1)) {
      String key = token.replace("~1", "/").replace("~0", "~");
      if (!(node instanceof Map<?, ?> object) || !object.containsKey(key)) {
        return null;
      }
      node = object.get(key);
    }
    return node;
  }

  private static void collectRefs(Object node, List<String> refs) {
    if (node instanceof Map<?, ?> object) {
      object.forEach((key, value) -> {
        if ("$ref".equals(key)) {
          refs.add(String.valueOf(value));
        } else {
          collectRefs(value, refs);
        }
      });
    } else if (node instanceof List<?> items) {
      items.forEach(item -> collectRefs(item, refs));
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object value) {
    return value == null ? Map.of() : (Map<String, Object>) value;
  }

  private static List<?> list(Object value) {
    return value == null ? List.of() : (List<?>) value;
  }
}
