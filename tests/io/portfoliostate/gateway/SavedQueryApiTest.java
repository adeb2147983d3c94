package io.portfoliostate.gateway;

import static io.portfoliostate.fixtures.Api.trade;
import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.RunningNode;
import io.portfoliostate.fixtures.TestKeys;
import io.portfoliostate.security.ApiKeySecret;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Saved analytics queries end to end on a real node (PostgreSQL for the queries, DuckDB for the
 * runs): create, read, list, change and delete with versions; a run by another caller sees only
 * that caller's portfolios; a query that is not a checked read is refused when saved.
 */
class SavedQueryApiTest {

  @RegisterExtension
  static final RunningNode NODE = new RunningNode();

  private static final String QUERIES = "/api/v1/analytics/queries";
  private static final String HOLDINGS = "SELECT portfolio_id, quantity FROM positions WHERE quantity >= :least "
      + "ORDER BY 1";

  private static Api api() {
    return NODE.api();
  }

  /** sq-a with a child sq-b, and sq-c: each buys a different quantity of SQX. */
  @BeforeAll
  static void portfolios() throws Exception {
    api().putInstrument("SQX", new JsonObject().put("currency", "USD"));
    api().createPortfolio("sq-a");
    api().createPortfolio(new JsonObject().put("id", "sq-b").put("name", "sq-b").put("baseCurrency", "USD")
        .put("parentId", "sq-a"));
    api().createPortfolio("sq-c");
    for (String[] t : new String[][] {{"sq-a", "3"}, {"sq-b", "4"}, {"sq-c", "5"}}) {
      Api.Response response = api().post("/api/v1/portfolios/" + t[0] + "/trades",
          trade(t[0] + "-t", "SQX", "BUY", t[1], "10"));
      assertThat(response.status()).as(response.body()).isEqualTo(201);
    }
    // One read given the journal's end (minSeq) instead of polling: the store holds the six
    // changes (three creations, three trades) once it answers.
    long end = NODE.journalEnd();
    Api.Response held = api().post("/api/v1/analytics/query?minSeq=" + end,
        new JsonObject().put("sql", "SELECT count(*) AS n FROM events"));
    assertThat(held.status()).as(held.body()).isEqualTo(200);
    assertThat(held.json().getJsonArray("rows")).containsExactly(new JsonArray().add(6L));
    assertThat(held.json().getLong("analyticsSeq")).isGreaterThanOrEqualTo(end);
  }

  private static JsonObject holdings(String name) {
    return new JsonObject().put("name", name).put("description", "quantities of at least :least")
        .put("sql", HOLDINGS).put("parameters", new JsonArray().add(new JsonObject().put("name", "least")
            .put("type", "decimal").put("default", "0").put("description", "the smallest quantity shown")));
  }

  private static JsonArray row(String portfolio, String quantity) {
    return new JsonArray().add(portfolio).add(quantity);
  }

  /** A key that may read sq-a's subtree only. */
  private static Api reader(String name) {
    String key = api().post("/api/v1/api-keys", new JsonObject().put("name", name)).json().getString("key");
    assertThat(api().post("/api/v1/grants", new JsonObject().put("granteeType", "API_KEY")
        .put("grantee", ApiKeySecret.keyId(key).orElseThrow()).put("role", "read").put("portfolioId", "sq-a"))
        .status()).isEqualTo(201);
    return api().asBearer(key);
  }

  @Test
  void savedReadListedAndRunWithTheRunnersEntitlements() {
    Api.Response created = api().post(QUERIES, holdings("holdings"));
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    assertThat(created.header("ETag")).isEqualTo("\"1\"");
    assertThat(created.header("Location")).isEqualTo(QUERIES + "/holdings");
    JsonObject saved = created.json();
    assertThat(saved.getString("author")).isEqualTo("key:" + TestKeys.ADMIN_KEY_ID);
    assertThat(saved.getLong("version")).isEqualTo(1L);
    assertThat(saved.getString("sql")).isEqualTo(HOLDINGS);
    assertThat(saved.getJsonArray("parameters")).isEqualTo(new JsonArray().add(new JsonObject().put("name", "least")
        .put("type", "decimal").put("description", "the smallest quantity shown").put("default", "0")));

    Api.Response read = api().get(QUERIES + "/holdings");
    assertThat(read.status()).isEqualTo(200);
    assertThat(read.header("ETag")).isEqualTo("\"1\"");
    assertThat(read.json()).isEqualTo(saved);
    assertThat(api().get(QUERIES).json().getJsonArray("queries").stream().map(q -> ((JsonObject) q)
        .getString("name")).toList()).contains("holdings");
    assertThat(api().post(QUERIES, holdings("holdings")).status()).isEqualTo(409);

    // The author (a global admin) sees every portfolio; the default applies when no value is given.
    JsonObject all = api().post(QUERIES + "/holdings:run", new JsonObject()).json();
    assertThat(all.getJsonArray("rows")).containsExactly(row("sq-a", "3"), row("sq-b", "4"), row("sq-c", "5"));
    assertThat(all.getString("query")).isEqualTo("holdings");
    assertThat(all.getLong("queryVersion")).isEqualTo(1L);
    assertThat(all.getLong("analyticsSeq")).isPositive();
    assertThat(api().post(QUERIES + "/holdings:run", new JsonObject().put("params", new JsonObject()
        .put("least", 4))).json().getJsonArray("rows")).containsExactly(row("sq-b", "4"), row("sq-c", "5"));

    // Another caller runs the same text and sees only what it may read: sq-a and its child.
    Api reader = reader("saved query runner");
    Api.Response theirs = reader.post(QUERIES + "/holdings:run", new JsonObject());
    assertThat(theirs.status()).as(theirs.body()).isEqualTo(200);
    assertThat(theirs.json().getJsonArray("rows")).containsExactly(row("sq-a", "3"), row("sq-b", "4"));
    assertThat(reader.send("POST", QUERIES + "/holdings:run", null, null).json().getJsonArray("rows"))
        .containsExactly(row("sq-a", "3"), row("sq-b", "4"));
    assertThat(reader.get(QUERIES + "/holdings").status()).isEqualTo(200);

    // Parameters: unknown names and wrong types are refused.
    Api.Response unknown = reader.post(QUERIES + "/holdings:run", new JsonObject().put("params",
        new JsonObject().put("most", 1)));
    assertThat(unknown.status()).isEqualTo(400);
    assertThat(unknown.json().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("params.most");
    assertThat(reader.post(QUERIES + "/holdings:run", new JsonObject().put("params",
        new JsonObject().put("least", "four"))).status()).isEqualTo(400);
    assertThat(reader.post(QUERIES + "/nothing-here:run", new JsonObject()).status()).isEqualTo(404);

    // Only the author or an admin changes it.
    Api.Response foreign = reader.send("PUT", QUERIES + "/holdings", "application/json",
        new JsonObject().put("sql", "SELECT 1 AS one").encode());
    assertThat(foreign.status()).isEqualTo(403);
    assertThat(foreign.contentType()).isEqualTo("application/problem+json");
    assertThat(reader.send("DELETE", QUERIES + "/holdings", null, null).status()).isEqualTo(403);
    assertThat(api().get(QUERIES + "/holdings").json()).isEqualTo(saved);
  }

  @Test
  void theAuthorChangesAndDeletesItsQueryAtTheVersionItRead() throws Exception {
    Api author = reader("saved query author");
    JsonObject body = new JsonObject().put("name", "mine").put("sql", "SELECT count(*) AS n FROM positions");
    assertThat(author.post(QUERIES, body).status()).isEqualTo(201);
    assertThat(author.post(QUERIES + "/mine:run", new JsonObject()).json().getJsonArray("rows"))
        .containsExactly(new JsonArray().add(2L));

    JsonObject change = new JsonObject().put("sql", "SELECT count(*) AS n FROM positions WHERE quantity > :q")
        .put("parameters", new JsonArray().add(new JsonObject().put("name", "q").put("type", "integer")));
    // Two changes at once, both at version 1: one wins, the other is told it is stale.
    CompletableFuture<Api.Response> first = author.sendAsync("PUT", QUERIES + "/mine", "application/json",
        change.encode(), "If-Match", "\"1\"");
    CompletableFuture<Api.Response> second = author.sendAsync("PUT", QUERIES + "/mine", "application/json",
        change.encode(), "If-Match", "\"1\"");
    List<Integer> statuses = List.of(first.get().status(), second.get().status()).stream().sorted().toList();
    assertThat(statuses).containsExactly(200, 412);
    Api.Response now = author.get(QUERIES + "/mine");
    assertThat(now.header("ETag")).isEqualTo("\"2\"");
    assertThat(now.json().getLong("version")).isEqualTo(2L);
    assertThat(now.json().getString("sql")).isEqualTo(change.getString("sql"));
    Api.Response required = author.post(QUERIES + "/mine:run", new JsonObject());
    assertThat(required.status()).isEqualTo(400);
    assertThat(required.json().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("params.q");
    assertThat(author.post(QUERIES + "/mine:run", new JsonObject().put("params", new JsonObject().put("q", 3)))
        .json().getJsonArray("rows")).containsExactly(new JsonArray().add(1L));

    Api.Response stale = author.send("DELETE", QUERIES + "/mine", null, null, "If-Match", "\"1\"");
    assertThat(stale.status()).isEqualTo(412);
    assertThat(stale.json().getString("type")).isEqualTo("/problems/version-mismatch");
    assertThat(author.send("DELETE", QUERIES + "/mine", null, null, "If-Match", "\"2\"").status()).isEqualTo(204);
    assertThat(author.get(QUERIES + "/mine").status()).isEqualTo(404);
    assertThat(author.post(QUERIES + "/mine:run", new JsonObject()).status()).isEqualTo(404);
    assertThat(author.send("DELETE", QUERIES + "/mine", null, null).status()).isEqualTo(404);
  }

  @Test
  void aQueryThatIsNotACheckedReadIsRefusedWhenSaved() {
    assertRefused(new JsonObject().put("name", "bad-view").put("sql", "SELECT * FROM no_such_view"),
        400, "/problems/query-invalid");
    assertRefused(new JsonObject().put("name", "bad-column").put("sql", "SELECT no_such_column FROM positions"),
        400, "/problems/query-invalid");
    assertRefused(new JsonObject().put("name", "bad-syntax").put("sql", "SELEC 1"), 400, "/problems/query-refused");
    assertRefused(new JsonObject().put("name", "bad-drop").put("sql", "DROP TABLE trades"), 400,
        "/problems/query-refused");
    assertRefused(new JsonObject().put("name", "bad-file").put("sql", "SELECT * FROM read_csv('/etc/passwd')"),
        400, "/problems/query-refused");
    assertRefused(new JsonObject().put("name", "bad-two").put("sql", "SELECT 1; SELECT 2"), 400,
        "/problems/query-refused");
    assertRefused(new JsonObject().put("name", "bad-undeclared").put("sql", HOLDINGS), 400,
        "/problems/invalid-request");
    assertRefused(new JsonObject().put("name", "bad-unused").put("sql", "SELECT 1 AS one").put("parameters",
        new JsonArray().add(new JsonObject().put("name", "x").put("type", "string"))), 400,
        "/problems/invalid-request");
    assertRefused(new JsonObject().put("name", "bad-type").put("sql", "SELECT :x AS x").put("parameters",
        new JsonArray().add(new JsonObject().put("name", "x").put("type", "date"))), 400,
        "/problems/invalid-request");
    assertRefused(new JsonObject().put("name", "Bad Name").put("sql", "SELECT 1 AS one"), 400,
        "/problems/invalid-request");
    assertRefused(new JsonObject().put("name", "bad-field").put("sql", "SELECT 1 AS one").put("owner", "me"), 400,
        "/problems/invalid-request");
    assertThat(api().get(QUERIES).json().getJsonArray("queries").stream()
        .map(q -> ((JsonObject) q).getString("name")).filter(name -> name.startsWith("bad")).toList()).isEmpty();
  }

  private static void assertRefused(JsonObject body, int status, String type) {
    Api.Response response = api().post(QUERIES, body);
    assertThat(response.status()).as(body.encode() + " -> " + response.body()).isEqualTo(status);
    assertThat(response.contentType()).isEqualTo("application/problem+json");
    assertThat(response.json().getString("type")).as(response.body()).isEqualTo(type);
  }
}
