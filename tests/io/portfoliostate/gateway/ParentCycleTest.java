package io.portfoliostate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.RunningNode;
import io.portfoliostate.fixtures.TestDatabase;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Concurrent parent changes never close a cycle: the check runs where the changes are
 * serialized (the journal transaction), so of two PATCHes A→B and B→A exactly one wins, and of
 * A→B, B→C, C→A exactly two. Real node, real PostgreSQL, the catalog read back after each try.
 */
class ParentCycleTest {

  private static final int TRIES = 50;

  @RegisterExtension
  static final RunningNode NODE = new RunningNode();

  @Test
  void concurrentSwapsOfParentsNeverCloseACycle() throws Exception {
    List<String> outcomes = new ArrayList<>();
    for (int i = 0; i < TRIES; i++) {
      String a = "swap-a-" + i;
      String b = "swap-b-" + i;
      api().createPortfolio(a);
      api().createPortfolio(b);
      List<Api.Response> answers = concurrently(List.of(a, b), List.of(b, a));
      assertNoCycle();
      assertThat(statuses(answers)).as("try %d: %s", i, bodies(answers)).containsExactlyInAnyOrder(200, 409);
      Api.Response refused = answers.get(0).status() == 409 ? answers.get(0) : answers.get(1);
      assertThat(refused.contentType()).isEqualTo("application/problem+json");
      assertThat(refused.json().getString("type")).isEqualTo("/problems/parent-cycle");
      assertThat(refused.json().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("parentId");
      assertCatalogMatchesOwners(List.of(a, b));
      outcomes.add(answers.get(0).status() + "/" + answers.get(1).status());
    }
    assertThat(outcomes).hasSize(TRIES);
  }

  @Test
  void concurrentThreeWayChangesNeverCloseACycle() throws Exception {
    for (int i = 0; i < TRIES / 2; i++) {
      String a = "tri-a-" + i;
      String b = "tri-b-" + i;
      String c = "tri-c-" + i;
      api().createPortfolio(a);
      api().createPortfolio(b);
      api().createPortfolio(c);
      List<Api.Response> answers = concurrently(List.of(a, b, c), List.of(b, c, a));
      assertNoCycle();
      assertThat(statuses(answers)).as("try %d: %s", i, bodies(answers)).containsExactlyInAnyOrder(200, 200, 409);
      assertCatalogMatchesOwners(List.of(a, b, c));
    }
  }

  @Test
  void aSequentialCycleIsRefusedTheSameWay() {
    api().createPortfolio("seq-a");
    api().createPortfolio("seq-b");
    assertThat(api().patch("/api/v1/portfolios/seq-a", new JsonObject().put("parentId", "seq-b")).status())
        .isEqualTo(200);
    Api.Response cycle = api().patch("/api/v1/portfolios/seq-b", new JsonObject().put("parentId", "seq-a"));
    assertThat(cycle.status()).isEqualTo(409);
    assertThat(cycle.json().getString("type")).isEqualTo("/problems/parent-cycle");
    assertThat(api().get("/api/v1/portfolios/seq-b").json().getString("parentId")).isNull();
    assertThat(api().get("/api/v1/portfolios/seq-b").json().getLong("version")).isEqualTo(1);
  }

  /** Sends PATCH {parentId: parents[i]} to children[i], all at once, and waits for every answer. */
  private static List<Api.Response> concurrently(List<String> children, List<String> parents) {
    List<CompletableFuture<Api.Response>> sent = new ArrayList<>();
    for (int i = 0; i < children.size(); i++) {
      sent.add(api().sendAsync("PATCH", "/api/v1/portfolios/" + children.get(i), "application/json",
          new JsonObject().put("parentId", parents.get(i)).encode()));
    }
    List<Api.Response> answers = new ArrayList<>();
    sent.forEach(future -> answers.add(future.join()));
    return answers;
  }

  private static List<Integer> statuses(List<Api.Response> answers) {
    return answers.stream().map(Api.Response::status).toList();
  }

  private static List<String> bodies(List<Api.Response> answers) {
    return answers.stream().map(Api.Response::body).toList();
  }

  /** Walks up from every portfolio of the catalog: no walk may come back to where it started. */
  private static void assertNoCycle() throws Exception {
    Map<String, String> parents = new HashMap<>();
    try (Connection connection = TestDatabase.connect(NODE.databaseUri());
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery("SELECT id, parent_id FROM portfolios")) {
      while (rows.next()) {
        parents.put(rows.getString(1), rows.getString(2));
      }
    }
    for (String start : parents.keySet()) {
      Set<String> seen = new HashSet<>();
      for (String at = start; at != null; at = parents.get(at)) {
        assertThat(seen.add(at)).as("cycle through %s: %s", start, seen).isTrue();
      }
    }
  }

  /** The journal is the source of truth: what each owner answers is what the catalog lists. */
  private static void assertCatalogMatchesOwners(List<String> ids) throws Exception {
    try (Connection connection = TestDatabase.connect(NODE.databaseUri());
        Statement statement = connection.createStatement()) {
      for (String id : ids) {
        try (ResultSet row = statement.executeQuery("SELECT parent_id FROM portfolios WHERE id = '" + id + "'")) {
          assertThat(row.next()).isTrue();
          assertThat(row.getString(1)).as("catalog parent of %s", id)
              .isEqualTo(api().get("/api/v1/portfolios/" + id).json().getString("parentId"));
        }
      }
    }
  }

  private static Api api() {
    return NODE.api();
  }
}
