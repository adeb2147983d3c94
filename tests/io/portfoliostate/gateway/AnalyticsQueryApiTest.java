package io.portfoliostate.gateway;

import static io.portfoliostate.fixtures.Api.trade;
import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.RunningNode;
import io.portfoliostate.security.ApiKeySecret;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code POST /api/v1/analytics/query} end to end on a real node: the views a caller's SQL sees
 * hold only the portfolios it may read, refusals are problems with their statuses, and the node
 * keeps serving after them.
 */
class AnalyticsQueryApiTest {

  @RegisterExtension
  static final RunningNode NODE = new RunningNode(new JsonObject().put("analytics", new JsonObject()
      .put("query", new JsonObject().put("timeoutSeconds", 1).put("maxRows", 100))));

  private static Api api() {
    return NODE.api();
  }

  /** q-a with a child q-b, and q-c: each buys a different quantity of XYZ. */
  @BeforeAll
  static void portfolios() throws Exception {
    api().putInstrument("XYZ", new JsonObject().put("currency", "USD"));
    api().createPortfolio("q-a");
    api().createPortfolio(new JsonObject().put("id", "q-b").put("name", "q-b").put("baseCurrency", "USD")
        .put("parentId", "q-a"));
    api().createPortfolio("q-c");
    for (String[] t : new String[][] {{"q-a", "3"}, {"q-b", "4"}, {"q-c", "5"}}) {
      Api.Response response = api().post("/api/v1/portfolios/" + t[0] + "/trades",
          trade(t[0] + "-t", "XYZ", "BUY", t[1], "10"));
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

  private static Api.Response query(Api caller, String sql, JsonObject params) {
    return caller.post("/api/v1/analytics/query", new JsonObject().put("sql", sql).put("params", params));
  }

  @Test
  void aCallersQuerySeesOnlyWhatItMayRead() {
    String sql = "SELECT portfolio_id, quantity FROM positions WHERE quantity >= :least ORDER BY 1";
    JsonObject everything = query(api(), sql, new JsonObject().put("least", 4)).json();
    assertThat(everything.getJsonArray("rows")).containsExactly(new JsonArray().add("q-b").add("4"),
        new JsonArray().add("q-c").add("5"));
    assertThat(everything.getLong("analyticsSeq")).isPositive();

    String key = api().post("/api/v1/api-keys", new JsonObject().put("name", "query reader")).json().getString("key");
    assertThat(api().post("/api/v1/grants", new JsonObject().put("granteeType", "API_KEY")
        .put("grantee", ApiKeySecret.keyId(key).orElseThrow()).put("role", "read").put("portfolioId", "q-a"))
        .status()).isEqualTo(201);
    Api reader = api().asBearer(key);
    assertThat(query(reader, sql, new JsonObject().put("least", 0)).json().getJsonArray("rows"))
        .containsExactly(new JsonArray().add("q-a").add("3"), new JsonArray().add("q-b").add("4"));
    assertThat(query(reader, "SELECT count(*) AS n, count(DISTINCT portfolio_id) AS p FROM events", new JsonObject())
        .json().getJsonArray("rows")).containsExactly(new JsonArray().add(4L).add(2L));
  }

  @Test
  void refusalsAreProblemsAndTheNodeKeepsServing() {
    Api.Response file = query(api(), "SELECT * FROM read_csv('/etc/passwd')", new JsonObject());
    assertThat(file.status()).isEqualTo(400);
    assertThat(file.contentType()).isEqualTo("application/problem+json");
    assertThat(file.json().getString("type")).isEqualTo("/problems/query-refused");
    assertThat(query(api(), "ATTACH '/tmp/pstate-x.db' AS x", new JsonObject()).status()).isEqualTo(400);
    assertThat(query(api(), "SET threads = 64", new JsonObject()).status()).isEqualTo(400);
    assertThat(query(api(), "SELECT * FROM no_such_view", new JsonObject()).json().getString("type"))
        .isEqualTo("/problems/query-invalid");
    Api.Response slow = query(api(), "SELECT count(*) FROM range(10000000000000) t(i) WHERE hash(i) % 7 = 3",
        new JsonObject());
    assertThat(slow.status()).as(slow.body()).isEqualTo(408);
    assertThat(query(api(), "SELECT * FROM range(101)", new JsonObject()).status()).isEqualTo(413);
    assertThat(api().post("/api/v1/analytics/query", new JsonObject().put("sql", "SELECT 1").put("limit", 5))
        .status()).isEqualTo(400);
    assertThat(api().post("/api/v1/analytics/query", new JsonObject()).status()).isEqualTo(400);
    assertThat(query(api(), "SELECT count(*) FROM trades", new JsonObject()).json().getJsonArray("rows"))
        .containsExactly(new JsonArray().add(3L));
  }
}
