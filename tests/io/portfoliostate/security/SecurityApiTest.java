package io.portfoliostate.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.RunningNode;
import io.portfoliostate.fixtures.TestKeys;
import io.portfoliostate.fixtures.TestPool;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * API keys, grants, listings and the audit trail end to end on a real node: what each kind of
 * caller sees and may change, and that every refusal changes nothing.
 */
class SecurityApiTest {

  @RegisterExtension
  static final RunningNode NODE = new RunningNode();

  private static Api admin() {
    return NODE.api();
  }

  /** Creates a key with {@code roles} as the admin; returns the key's text. */
  private static String newKey(String name, String... roles) {
    Api.Response created = admin().post("/api/v1/api-keys", new JsonObject().put("name", name)
        .put("roles", new JsonArray(List.of((Object[]) roles))));
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    assertThat(created.header("Cache-Control")).isEqualTo("no-store");
    return created.json().getString("key");
  }

  private static String keyId(String key) {
    return ApiKeySecret.keyId(key).orElseThrow();
  }

  private static void grant(String key, String role, String portfolio) {
    Api.Response granted = admin().post("/api/v1/grants", new JsonObject().put("granteeType", "API_KEY")
        .put("grantee", keyId(key)).put("role", role).put("portfolioId", portfolio));
    assertThat(granted.status()).as(granted.body()).isEqualTo(201);
  }

  private static JsonObject child(String id, String parent) {
    return new JsonObject().put("id", id).put("name", id).put("baseCurrency", "USD").put("parentId", parent);
  }

  @Test
  void withoutCredentialsEveryApiRouteAnswers401WithAChallenge() {
    Api.Response none = admin().anonymous().get("/api/v1/portfolios");
    assertThat(none.status()).isEqualTo(401);
    assertThat(none.contentType()).isEqualTo("application/problem+json");
    assertThat(none.header("WWW-Authenticate")).isEqualTo("Bearer realm=\"portfolio-state\"");
    assertThat(none.json().getString("type")).isEqualTo("/problems/unauthenticated");

    Api.Response unknown = admin().asBearer("psk_aaaaaaaaaaaa_" + "A".repeat(43)).get("/api/v1/portfolios");
    assertThat(unknown.status()).isEqualTo(401);
    assertThat(unknown.header("WWW-Authenticate")).startsWith("Bearer realm=\"portfolio-state\", error=\"invalid_token\"");
    // No identity provider is configured: a token is refused as such, not passed on.
    assertThat(admin().asBearer("eyJhbGciOiJSUzI1NiJ9.e30.c2ln").get("/api/v1/portfolios").status()).isEqualTo(401);
    assertThat(admin().as("Authorization", "Basic dXNlcjpwYXNz").get("/api/v1/portfolios").status()).isEqualTo(401);
    // The same key as X-API-Key works; both headers at once do not.
    assertThat(admin().as("X-API-Key", TestKeys.ADMIN).get("/api/v1/portfolios").status()).isEqualTo(200);
    assertThat(admin().send("GET", "/api/v1/portfolios", null, null, "Authorization", "Bearer " + TestKeys.ADMIN,
        "X-API-Key", TestKeys.ADMIN).status()).isEqualTo(401);
    // Health and the document stay open.
    assertThat(admin().anonymous().get("/health/live").status()).isEqualTo(200);
    assertThat(admin().anonymous().get("/openapi.yaml").status()).isEqualTo(200);
    assertThat(admin().anonymous().get("/metrics").status()).isEqualTo(401);
  }

  @Test
  void aKeyIsShownOnceAndStoredOnlyAsAHash() throws Exception {
    String key = newKey("reporting service");
    JsonArray keys = admin().get("/api/v1/api-keys").json().getJsonArray("items");
    JsonObject listed = keys.stream().map(JsonObject.class::cast)
        .filter(item -> item.getString("keyId").equals(keyId(key))).findFirst().orElseThrow();
    // The secret is what follows psk_<keyId>_ (its own alphabet has '_' too: split on the last one,
    // a secret ending in "_g" left "g" to look for, which the listing contains).
    String secret = key.substring((ApiKeySecret.PREFIX + keyId(key) + "_").length());
    assertThat(secret).hasSize(43);
    assertThat(listed.encode()).doesNotContain(secret);
    assertThat(listed.getString("createdBy")).isEqualTo("key:" + TestKeys.ADMIN_KEY_ID);
    assertThat(listed.getString("owner")).isEqualTo("key:" + TestKeys.ADMIN_KEY_ID);
    try (TestPool pool = TestPool.open(NODE.databaseUri(), "key-hash")) {
      String stored = TestPool.await(pool.pool().preparedQuery("SELECT key_hash FROM api_keys WHERE key_id = $1")
          .execute(Tuple.of(keyId(key)))).iterator().next().getString(0);
      assertThat(stored).isEqualTo(ApiKeySecret.hash(key)).doesNotContain(key);
    }
  }

  @Test
  void aReaderReadsItsSubtreeOnlyAndCannotChangeIt() {
    admin().createPortfolio(child("read-root", null));
    admin().createPortfolio(child("read-child", "read-root"));
    admin().createPortfolio(child("other-root", null));
    admin().deposit("read-child", "USD", "1000");
    String key = newKey("reader");
    Api reader = admin().asBearer(key);
    // Before any grant: every portfolio is missing, the listing empty.
    assertThat(reader.get("/api/v1/portfolios/read-child").status()).isEqualTo(404);
    assertThat(reader.get("/api/v1/portfolios").json().getJsonArray("items")).isEmpty();

    grant(key, "read", "read-root");
    assertThat(reader.get("/api/v1/portfolios/read-child").status()).isEqualTo(200);
    assertThat(reader.get("/api/v1/portfolios/read-child/cash").status()).isEqualTo(200);
    assertThat(reader.get("/api/v1/portfolios/read-child?version=1").status()).isEqualTo(200);
    // A child made after the grant is covered at once (the node checks the committed tree when
    // its copy does not know the portfolio yet).
    admin().createPortfolio(child("read-late", "read-child"));
    assertThat(reader.get("/api/v1/portfolios/read-late").status()).isEqualTo(200);
    assertThat(reader.get("/api/v1/portfolios").json().getJsonArray("items").stream()
        .map(item -> ((JsonObject) item).getString("id")).toList())
        .containsExactly("read-child", "read-late", "read-root");
    assertThat(reader.get("/api/v1/portfolios?parentId=read-root").json().getJsonArray("items").stream()
        .map(item -> ((JsonObject) item).getString("id")).toList()).containsExactly("read-child");

    // Another subtree reads exactly as a missing portfolio.
    Api.Response hidden = reader.get("/api/v1/portfolios/other-root");
    Api.Response missing = admin().get("/api/v1/portfolios/no-such-root");
    assertThat(hidden.status()).isEqualTo(404);
    assertThat(hidden.body()).isEqualTo(missing.body().replace("no-such-root", "other-root"));

    // Readable but not changeable: 403, and nothing changes.
    long before = admin().get("/api/v1/portfolios/read-child").json().getLong("version");
    Api.Response trade = reader.post("/api/v1/portfolios/read-child/trades", Api.trade("r-1", "AAPL", "BUY", "1",
        "10"));
    assertThat(trade.status()).isEqualTo(403);
    assertThat(trade.json().getString("type")).isEqualTo("/problems/forbidden");
    assertThat(reader.patch("/api/v1/portfolios/read-child", new JsonObject().put("name", "x")).status())
        .isEqualTo(403);
    assertThat(reader.post("/api/v1/portfolios/other-root/trades", Api.trade("r-2", "AAPL", "BUY", "1", "10"))
        .status()).isEqualTo(404);
    assertThat(admin().get("/api/v1/portfolios/read-child").json().getLong("version")).isEqualTo(before);
    assertThat(reader.post("/api/v1/prices", new JsonArray().add(new JsonObject().put("instrumentId", "AAPL")
        .put("price", "1").put("currency", "USD"))).status()).isEqualTo(403);
    assertThat(reader.get("/api/v1/cluster").status()).isEqualTo(403);
  }

  @Test
  void aPortfolioAdminShapesAndGrantsItsSubtreeButNothingElse() {
    admin().createPortfolio(child("adm-root", null));
    admin().createPortfolio(child("adm-elsewhere", null));
    String key = newKey("desk admin");
    grant(key, "admin", "adm-root");
    Api deskAdmin = admin().asBearer(key);
    assertThat(deskAdmin.post("/api/v1/portfolios", child("adm-child", "adm-root")).status()).isEqualTo(201);
    assertThat(deskAdmin.post("/api/v1/portfolios/adm-child/trades", Api.trade("a-1", "AAPL", "BUY", "1", "10"))
        .status()).isEqualTo(201);
    // A root needs the global admin role; a parent outside its subtree reads as missing.
    assertThat(deskAdmin.post("/api/v1/portfolios", child("adm-new-root", null)).status()).isEqualTo(403);
    assertThat(deskAdmin.post("/api/v1/portfolios", child("adm-stray", "adm-elsewhere")).status()).isEqualTo(404);
    assertThat(deskAdmin.patch("/api/v1/portfolios/adm-child", new JsonObject().put("parentId", "adm-elsewhere"))
        .status()).isEqualTo(404);
    assertThat(admin().get("/api/v1/portfolios/adm-new-root").status()).isEqualTo(404);
    assertThat(admin().get("/api/v1/portfolios/adm-child").json().getString("parentId")).isEqualTo("adm-root");

    // It grants on its subtree, lists the grants there, and not elsewhere.
    String colleague = newKey("colleague");
    Api.Response granted = deskAdmin.post("/api/v1/grants", new JsonObject().put("granteeType", "API_KEY")
        .put("grantee", keyId(colleague)).put("role", "read").put("portfolioId", "adm-child"));
    assertThat(granted.status()).as(granted.body()).isEqualTo(201);
    assertThat(admin().asBearer(colleague).get("/api/v1/portfolios/adm-child").status()).isEqualTo(200);
    assertThat(deskAdmin.post("/api/v1/grants", new JsonObject().put("granteeType", "API_KEY")
        .put("grantee", keyId(colleague)).put("role", "read").put("portfolioId", "adm-elsewhere")).status())
        .isEqualTo(404);
    assertThat(deskAdmin.get("/api/v1/grants").status()).isEqualTo(403);
    JsonArray mine = deskAdmin.get("/api/v1/grants?portfolioId=adm-root").json().getJsonArray("items");
    assertThat(mine.stream().map(item -> ((JsonObject) item).getString("portfolioId")).toList())
        .containsExactlyInAnyOrder("adm-root", "adm-child");
    assertThat(deskAdmin.get("/api/v1/api-keys").status()).isEqualTo(403);
    assertThat(deskAdmin.get("/api/v1/audit").status()).isEqualTo(403);

    // Removing the colleague's grant takes effect before the answer.
    String grantId = granted.json().getString("grantId");
    assertThat(deskAdmin.send("DELETE", "/api/v1/grants/" + grantId, null, null).status()).isEqualTo(200);
    assertThat(admin().asBearer(colleague).get("/api/v1/portfolios/adm-child").status()).isEqualTo(404);
    // Gone: 404 to everyone, the same answer as for a grant on a portfolio the caller may not see.
    Api.Response gone = deskAdmin.send("DELETE", "/api/v1/grants/" + grantId, null, null);
    assertThat(gone.status()).isEqualTo(404);
    assertThat(gone.json().getString("detail")).isEqualTo("no grant " + grantId);
    assertThat(admin().send("DELETE", "/api/v1/grants/" + grantId, null, null).body()).isEqualTo(gone.body());
  }

  @Test
  void globalRolesOpenTheirRoutesOnly() {
    Api marketData = admin().asBearer(newKey("prices feed", "market-data"));
    assertThat(marketData.put("/api/v1/instruments/GRX", new JsonObject().put("currency", "USD")).status())
        .isIn(200, 201);
    assertThat(marketData.post("/api/v1/prices", new JsonArray().add(new JsonObject().put("instrumentId", "GRX")
        .put("price", "12.5"))).status()).isEqualTo(200);
    assertThat(marketData.get("/api/v1/cluster").status()).isEqualTo(403);
    assertThat(marketData.get("/metrics").status()).isEqualTo(403);
    Api operations = admin().asBearer(newKey("on call", "operations"));
    assertThat(operations.get("/api/v1/cluster").status()).isEqualTo(200);
    assertThat(operations.get("/metrics").status()).isEqualTo(200);
    assertThat(operations.post("/api/v1/prices", new JsonArray().add(new JsonObject().put("instrumentId", "GRX")
        .put("price", "13"))).status()).isEqualTo(403);
    assertThat(operations.post("/api/v1/api-keys", new JsonObject().put("name", "x")).status()).isEqualTo(403);
  }

  @Test
  void aRevokedKeyIsRefusedAtOnceAndTheChangesAreAudited() {
    String key = newKey("short-lived", "operations");
    Api holder = admin().asBearer(key);
    assertThat(holder.get("/api/v1/cluster").status()).isEqualTo(200);
    long before = admin().get("/api/v1/audit?limit=1000").json().getJsonArray("items").size();
    Api.Response revoked = admin().send("DELETE", "/api/v1/api-keys/" + keyId(key), null, null,
        "X-Request-Id", "req-revoke-1");
    assertThat(revoked.status()).isEqualTo(200);
    assertThat(revoked.json().getString("revokedAt")).isNotNull();
    Api.Response refused = holder.get("/api/v1/cluster");
    assertThat(refused.status()).isEqualTo(401);
    assertThat(refused.json().getString("detail")).isEqualTo("unknown or revoked API key");
    assertThat(admin().send("DELETE", "/api/v1/api-keys/nosuchkey123", null, null).status()).isEqualTo(404);

    JsonArray trail = admin().get("/api/v1/audit?limit=1000").json().getJsonArray("items");
    assertThat(trail.size()).isEqualTo(before + 2);
    JsonObject revocation = trail.stream().map(JsonObject.class::cast)
        .filter(entry -> entry.getString("action").equals("api-key.revoked")
            && entry.getString("target").equals(keyId(key))).findFirst().orElseThrow();
    assertThat(revocation.getString("actor")).isEqualTo("key:" + TestKeys.ADMIN_KEY_ID);
    assertThat(revocation.getString("requestId")).isEqualTo("req-revoke-1");
    assertThat(revocation.getJsonObject("detail").getString("keyId")).isEqualTo(keyId(key));
    // The attempt on an unknown key is audited too, as not found.
    JsonObject attempt = trail.getJsonObject(trail.size() - 1);
    assertThat(attempt.getString("target")).isEqualTo("nosuchkey123");
    assertThat(attempt.getJsonObject("detail").getBoolean("found")).isFalse();
  }

  @Test
  void badKeyAndGrantRequestsAreRefusedAndChangeNothing() {
    long keys = admin().get("/api/v1/api-keys").json().getJsonArray("items").size();
    Api.Response bad = admin().post("/api/v1/api-keys", new JsonObject().put("name", "").put("roles",
        new JsonArray().add("root")).put("expiresAt", "2001-01-01T00:00:00Z").put("colour", "red"));
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.json().getJsonArray("errors").stream().map(e -> ((JsonObject) e).getString("field")).toList())
        .contains("name", "roles", "expiresAt", "colour");
    assertThat(admin().get("/api/v1/api-keys").json().getJsonArray("items").size()).isEqualTo(keys);
    Api.Response badGrant = admin().post("/api/v1/grants", new JsonObject().put("granteeType", "ROBOT")
        .put("grantee", "x").put("role", "owner").put("portfolioId", "no such id"));
    assertThat(badGrant.status()).isEqualTo(400);
    assertThat(badGrant.json().getJsonArray("errors").stream().map(e -> ((JsonObject) e).getString("field"))
        .toList()).contains("granteeType", "role", "portfolioId");
    assertThat(admin().get("/api/v1/audit?afterVersion=-1").status()).isEqualTo(400);
    // A grant on a portfolio that does not exist would wait for one made later under that id.
    long audited = admin().get("/api/v1/audit?limit=1000").json().getJsonArray("items").size();
    Api.Response onMissing = admin().post("/api/v1/grants", new JsonObject().put("granteeType", "SUBJECT")
        .put("grantee", "alice").put("role", "read").put("portfolioId", "typo-portfolio"));
    assertThat(onMissing.status()).isEqualTo(404);
    assertThat(onMissing.json().getString("detail")).isEqualTo("portfolio typo-portfolio does not exist");
    assertThat(admin().get("/api/v1/audit?limit=1000").json().getJsonArray("items").size()).isEqualTo(audited);
  }

  /** docs/security.md lists every route with the rule the router enforces, and nothing else. */
  @Test
  void theRouteTableOfTheDocsIsTheRouters() throws Exception {
    java.util.regex.Matcher row = java.util.regex.Pattern.compile("(?m)^\\| `([A-Z]+ [^`]+)` \\| (.+) \\|$")
        .matcher(java.nio.file.Files.readString(java.nio.file.Path.of("docs/security.md")));
    java.util.Map<String, String> documented = new java.util.LinkedHashMap<>();
    while (row.find()) {
      if (row.group(1).matches("(GET|POST|PUT|PATCH|DELETE) /.*")) {
        documented.put(row.group(1), row.group(2));
      }
    }
    java.util.Map<String, String> served = new java.util.LinkedHashMap<>();
    NODE.node().declaredRoutes().forEach(route -> served.put(route.method().name() + " " + route.path(),
        route.rule().describe()));
    assertThat(documented).isEqualTo(served);
  }
}
