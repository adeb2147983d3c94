package io.portfoliostate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.app.Node;
import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.RunningNode;
import io.portfoliostate.fixtures.TestDatabase;
import io.portfoliostate.fixtures.TestNode;
import io.portfoliostate.security.ApiKeySecret;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Portfolio trees over the API, against a real node and a real PostgreSQL: moving a subtree
 * (under another parent, to the root, a cycle refused), the children and descendants listings,
 * and the state and the catalog read back after each change, also after a restart that replays
 * the journal.
 */
class PortfolioTreeApiTest {

  @RegisterExtension
  static final RunningNode NODE = new RunningNode();

  /** root-a > a1 > a2 > a3, and root-b alone. */
  private static void tree(String prefix) {
    create(prefix + "root-a", null);
    create(prefix + "root-b", null);
    create(prefix + "a1", prefix + "root-a");
    create(prefix + "a2", prefix + "a1");
    create(prefix + "a3", prefix + "a2");
  }

  @Test
  void movingAPortfolioMovesItsWholeSubtree() throws Exception {
    tree("mv-");

    Api.Response moved = api().patch(path("mv-a1"), new JsonObject().put("parentId", "mv-root-b"));

    assertThat(moved.status()).isEqualTo(200);
    assertThat(moved.json().getString("parentId")).isEqualTo("mv-root-b");
    assertThat(moved.json().getLong("version")).isEqualTo(2);
    // Only the moved portfolio's parent changed: its descendants keep theirs and their versions.
    assertParents("mv-a1", "mv-root-b", "mv-a2", "mv-a1", "mv-a3", "mv-a2");
    assertThat(api().get(path("mv-a2")).json().getLong("version")).isEqualTo(1);
    assertThat(api().get(path("mv-a3")).json().getLong("version")).isEqualTo(1);
    assertThat(descendants("mv-root-b", "")).containsExactly(
        item("mv-a1", "mv-root-b", 1), item("mv-a2", "mv-a1", 2), item("mv-a3", "mv-a2", 3));
    assertThat(descendants("mv-root-a", "")).isEmpty();
    assertThat(ids(api().get(path("mv-root-b") + "/children").json())).containsExactly("mv-a1");
  }

  @Test
  void parentIdNullMakesThePortfolioARootAndIsJournaledAsSuch() throws Exception {
    tree("rt-");

    Api.Response rooted = api().patch(path("rt-a2"), new JsonObject().putNull("parentId"));

    assertThat(rooted.status()).isEqualTo(200);
    assertThat(rooted.json().getString("parentId")).isNull();
    assertThat(rooted.json().containsKey("parentId")).isTrue();
    assertParents("rt-a1", "rt-root-a", "rt-a2", null, "rt-a3", "rt-a2");
    assertThat(descendants("rt-root-a", "")).containsExactly(item("rt-a1", "rt-root-a", 1));
    assertThat(descendants("rt-a2", "")).containsExactly(item("rt-a3", "rt-a2", 1));
    JsonObject event = api().get(path("rt-a2") + "/events?afterVersion=1").json().getJsonArray("events")
        .getJsonObject(0);
    assertThat(event.getString("type")).isEqualTo("PortfolioUpdated");
    assertThat(event.getJsonObject("data").fieldNames()).containsExactlyInAnyOrder("parentCleared", "at");
    assertThat(event.getJsonObject("data").getBoolean("parentCleared")).isTrue();

    // A rename says nothing about the parent: it stays a root, and a root stays one when told again.
    assertThat(api().patch(path("rt-a2"), new JsonObject().put("name", "Renamed")).json().getString("parentId"))
        .isNull();
    assertThat(api().patch(path("rt-a2"), new JsonObject().putNull("parentId")).status()).isEqualTo(200);
    assertParents("rt-a2", null);
    // And back under a parent.
    assertThat(api().patch(path("rt-a2"), new JsonObject().put("parentId", "rt-root-b")).status()).isEqualTo(200);
    assertParents("rt-a2", "rt-root-b", "rt-a3", "rt-a2");
  }

  @Test
  void aMoveUnderADescendantIsRefusedAndChangesNothing() throws Exception {
    tree("cy-");

    Api.Response cycle = api().patch(path("cy-a1"), new JsonObject().put("parentId", "cy-a3"));

    assertThat(cycle.status()).isEqualTo(409);
    assertThat(cycle.contentType()).isEqualTo("application/problem+json");
    assertThat(cycle.json().getString("type")).isEqualTo("/problems/parent-cycle");
    assertThat(cycle.json().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("parentId");
    assertThat(api().get(path("cy-a1")).json().getLong("version")).isEqualTo(1);
    assertParents("cy-a1", "cy-root-a", "cy-a2", "cy-a1", "cy-a3", "cy-a2");
    // Under a portfolio of another branch it is fine; a parent that does not exist is a 400.
    assertThat(api().patch(path("cy-a3"), new JsonObject().put("parentId", "cy-root-b")).status()).isEqualTo(200);
    Api.Response missing = api().patch(path("cy-a3"), new JsonObject().put("parentId", "cy-nobody"));
    assertThat(missing.status()).isEqualTo(400);
    assertThat(missing.json().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("parentId");
    assertParents("cy-a3", "cy-root-b");
  }

  @Test
  void childrenAndDescendantsArePagedByIdWithDepthAndParent() {
    create("pg-r", null);
    for (String child : List.of("pg-c3", "pg-c1", "pg-c2")) {
      create(child, "pg-r");
    }
    create("pg-c1-x", "pg-c1");
    create("pg-c2-y", "pg-c2");
    create("pg-c2-y-z", "pg-c2-y");

    JsonObject first = api().get(path("pg-r") + "/descendants?limit=4").json();
    assertThat(first.getString("portfolioId")).isEqualTo("pg-r");
    assertThat(slim(first.getJsonArray("items"))).containsExactly(item("pg-c1", "pg-r", 1),
        item("pg-c1-x", "pg-c1", 2), item("pg-c2", "pg-r", 1), item("pg-c2-y", "pg-c2", 2));
    assertThat(first.getString("nextAfter")).isEqualTo("pg-c2-y");
    JsonObject second = api().get(path("pg-r") + "/descendants?limit=4&after=pg-c2-y").json();
    assertThat(slim(second.getJsonArray("items"))).containsExactly(item("pg-c2-y-z", "pg-c2-y", 3),
        item("pg-c3", "pg-r", 1));
    assertThat(second.containsKey("nextAfter")).isFalse();
    assertThat(descendants("pg-r", "?maxDepth=1")).containsExactly(item("pg-c1", "pg-r", 1),
        item("pg-c2", "pg-r", 1), item("pg-c3", "pg-r", 1));
    assertThat(descendants("pg-c2", "?maxDepth=2")).containsExactly(item("pg-c2-y", "pg-c2", 1),
        item("pg-c2-y-z", "pg-c2-y", 2));
    assertThat(descendants("pg-c2-y-z", "")).isEmpty();

    JsonObject children = api().get(path("pg-r") + "/children?limit=2").json();
    assertThat(ids(children)).containsExactly("pg-c1", "pg-c2");
    assertThat(children.getString("nextAfter")).isEqualTo("pg-c2");
    JsonObject rest = api().get(path("pg-r") + "/children?limit=2&after=pg-c2").json();
    assertThat(ids(rest)).containsExactly("pg-c3");
    JsonObject child = rest.getJsonArray("items").getJsonObject(0);
    assertThat(child.getString("parentId")).isEqualTo("pg-r");
    assertThat(child.getString("name")).isEqualTo("Portfolio pg-c3");
    assertThat(child.getString("baseCurrency")).isEqualTo("USD");
    assertThat(child.getString("costMethod")).isEqualTo("AVERAGE");
  }

  @Test
  void listingsOfAnUnknownPortfolioAre404AndBadParameters400() {
    create("bp-r", null);
    for (String listing : List.of("/children", "/descendants")) {
      Api.Response missing = api().get(path("bp-nobody") + listing);
      assertThat(missing.status()).isEqualTo(404);
      assertThat(missing.contentType()).isEqualTo("application/problem+json");
      assertThat(missing.json().getString("type")).isEqualTo("/problems/not-found");
      assertThat(missing.json().getString("detail")).isEqualTo("portfolio bp-nobody does not exist");
    }
    assertThat(api().get(path("bp-nobody")).json().getString("type")).isEqualTo("/problems/not-found");
    assertProblem(api().get(path("bp-r") + "/descendants?maxDepth=0"), "maxDepth");
    assertProblem(api().get(path("bp-r") + "/descendants?maxDepth=x"), "maxDepth");
    assertProblem(api().get(path("bp-r") + "/descendants?limit=1001"), "limit");
    assertProblem(api().get(path("bp-r") + "/children?limit=0"), "limit");
    assertProblem(api().get(path("bp-r") + "/children?after=no%20such"), "after");
    assertProblem(api().get(path("bp-r") + "/children?maxDepth=2"), "maxDepth");
  }

  @Test
  void aSubtreeAdminCannotDetachItsSubtreeAndReadersListOnlyBelowWhatTheyRead() throws Exception {
    tree("sec-");
    String key = newKey("desk");
    grant(key, "admin", "sec-root-a");
    Api desk = api().asBearer(key);

    Api.Response detach = desk.patch(path("sec-a2"), new JsonObject().putNull("parentId"));

    assertThat(detach.status()).as(detach.body()).isEqualTo(403);
    assertThat(detach.contentType()).isEqualTo("application/problem+json");
    assertParents("sec-a2", "sec-a1");
    assertThat(api().get(path("sec-a2")).json().getLong("version")).isEqualTo(1);
    // Within its subtree it moves freely.
    assertThat(desk.patch(path("sec-a3"), new JsonObject().put("parentId", "sec-a1")).status()).isEqualTo(200);

    String reader = newKey("reader");
    grant(reader, "read", "sec-a1");
    Api read = api().asBearer(reader);
    assertThat(ids(read.get(path("sec-a1") + "/descendants").json())).containsExactly("sec-a2", "sec-a3");
    assertThat(ids(read.get(path("sec-a1") + "/children").json())).containsExactly("sec-a2", "sec-a3");
    // Above its grant, and elsewhere, a listing answers as for a portfolio that does not exist.
    for (String above : List.of("sec-root-a", "sec-root-b", "sec-nobody")) {
      Api.Response hidden = read.get(path(above) + "/descendants");
      assertThat(hidden.status()).isEqualTo(404);
      assertThat(hidden.json().getString("type")).isEqualTo("/problems/not-found");
    }
    assertThat(read.patch(path("sec-a2"), new JsonObject().putNull("parentId")).status()).isEqualTo(403);
  }

  @Test
  void movesSurviveARestartThatReplaysTheJournal() throws Exception {
    String database = TestDatabase.freshDatabaseUri();
    JsonObject before;
    try (Node node = TestNode.start(database)) {
      Api api = new Api(node.httpPort());
      for (String[] p : new String[][] {{"rs-r1", null}, {"rs-r2", null}, {"rs-a", "rs-r1"}, {"rs-b", "rs-a"}}) {
        JsonObject body = new JsonObject().put("id", p[0]).put("name", p[0]).put("baseCurrency", "USD");
        api.createPortfolio(p[1] == null ? body : body.put("parentId", p[1]));
      }
      assertThat(api.patch(path("rs-a"), new JsonObject().put("parentId", "rs-r2")).status()).isEqualTo(200);
      assertThat(api.patch(path("rs-a"), new JsonObject().putNull("parentId")).status()).isEqualTo(200);
      assertThat(api.patch(path("rs-b"), new JsonObject().put("parentId", "rs-r1")).status()).isEqualTo(200);
      assertThat(api.patch(path("rs-b"), new JsonObject().put("name", "B")).status()).isEqualTo(200);
      before = api.get(path("rs-a")).json();
      assertThat(before.getString("parentId")).isNull();
      assertThat(before.getLong("version")).isEqualTo(3);
    }
    for (int run = 0; run < 2; run++) {
      if (run == 1) {
        try (Connection connection = TestDatabase.connect(database); Statement sql = connection.createStatement()) {
          // Without snapshots the owners replay the whole journal.
          sql.execute("DELETE FROM portfolio_snapshots");
        }
      }
      try (Node node = TestNode.start(database)) {
        Api api = new Api(node.httpPort());
        assertThat(api.get(path("rs-a")).json()).as("run %d", run).isEqualTo(before);
        assertThat(api.get(path("rs-b")).json().getString("parentId")).isEqualTo("rs-r1");
        assertThat(api.get(path("rs-b")).json().getString("name")).isEqualTo("B");
        assertThat(api.get(path("rs-a") + "?version=2").json().getString("parentId")).isEqualTo("rs-r2");
        assertThat(ids(api.get(path("rs-r1") + "/descendants").json())).containsExactly("rs-b");
        assertThat(ids(api.get(path("rs-r2") + "/children").json())).isEmpty();
      }
    }
  }

  // ---- helpers --------------------------------------------------------------------------

  /** An API key with no global role, made by the admin; its text. */
  private static String newKey(String name) {
    Api.Response created = api().post("/api/v1/api-keys", new JsonObject().put("name", name)
        .put("roles", new JsonArray()));
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    return created.json().getString("key");
  }

  private static void grant(String key, String role, String portfolio) {
    Api.Response granted = api().post("/api/v1/grants", new JsonObject().put("granteeType", "API_KEY")
        .put("grantee", ApiKeySecret.keyId(key).orElseThrow()).put("role", role).put("portfolioId", portfolio));
    assertThat(granted.status()).as(granted.body()).isEqualTo(201);
  }

  private static void create(String id, String parent) {
    JsonObject body = new JsonObject().put("id", id).put("name", "Portfolio " + id).put("baseCurrency", "USD");
    api().createPortfolio(parent == null ? body : body.put("parentId", parent));
  }

  private static JsonArray descendants(String id, String query) {
    Api.Response response = api().get(path(id) + "/descendants" + query);
    assertThat(response.status()).as(response.body()).isEqualTo(200);
    return slim(response.json().getJsonArray("items"));
  }

  /** The items reduced to their place in the tree. */
  private static JsonArray slim(JsonArray items) {
    JsonArray slim = new JsonArray();
    items.forEach(item -> {
      JsonObject json = (JsonObject) item;
      slim.add(item(json.getString("id"), json.getString("parentId"), json.getInteger("depth")));
    });
    return slim;
  }

  private static JsonObject item(String id, String parentId, int depth) {
    return new JsonObject().put("id", id).put("parentId", parentId).put("depth", depth);
  }

  private static List<String> ids(JsonObject page) {
    List<String> ids = new ArrayList<>();
    page.getJsonArray("items").forEach(item -> ids.add(((JsonObject) item).getString("id")));
    return ids;
  }

  /** Pairs of (portfolio, expected parent): what its owner answers, and what the catalog lists. */
  private static void assertParents(String... pairs) throws Exception {
    try (Connection connection = TestDatabase.connect(NODE.databaseUri());
        Statement statement = connection.createStatement()) {
      for (int i = 0; i < pairs.length; i += 2) {
        String id = pairs[i];
        assertThat(api().get(path(id)).json().getString("parentId")).as("owner's parent of %s", id)
            .isEqualTo(pairs[i + 1]);
        try (ResultSet row = statement.executeQuery("SELECT parent_id FROM portfolios WHERE id = '" + id + "'")) {
          assertThat(row.next()).isTrue();
          assertThat(row.getString(1)).as("catalog parent of %s", id).isEqualTo(pairs[i + 1]);
        }
      }
    }
  }

  private static void assertProblem(Api.Response response, String field) {
    assertThat(response.status()).as(response.body()).isEqualTo(400);
    assertThat(response.contentType()).isEqualTo("application/problem+json");
    assertThat(response.json().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo(field);
  }

  private static String path(String id) {
    return "/api/v1/portfolios/" + id;
  }

  private static Api api() {
    return NODE.api();
  }
}
