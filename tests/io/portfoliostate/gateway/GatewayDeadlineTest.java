package io.portfoliostate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.config.Settings;
import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.RunningNode;
import io.portfoliostate.fixtures.TestDatabase;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.Statement;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * When the gateway's own deadline passes (here: the catalog it checks a parent in is locked),
 * the answer says that the outcome is unknown and whether a retry is safe, and it comes at the
 * deadline derived from the settings (owner path plus margin), not at the old fixed 10 s.
 */
class GatewayDeadlineTest {

  private static final long OWNER_TIMEOUT_MS = 1000;
  private static final long NOT_OWNER_RETRY_MS = 500;

  @RegisterExtension
  static final RunningNode NODE = new RunningNode(new JsonObject()
      .put("http", new JsonObject().put("requestTimeoutMs", 200))
      .put("routing", new JsonObject().put("ownerTimeoutMs", OWNER_TIMEOUT_MS)
          .put("notOwnerRetryMs", NOT_OWNER_RETRY_MS)));

  @Test
  void aTimedOutCreateSaysTheOutcomeIsUnknownAndWhetherARetryIsSafe() throws Exception {
    api().createPortfolio("dl-root");
    long deadline = OWNER_TIMEOUT_MS + NOT_OWNER_RETRY_MS + Settings.HttpSettings.GATEWAY_MARGIN_MS;
    try (Connection lock = TestDatabase.connect(NODE.databaseUri()); Statement statement = lock.createStatement()) {
      lock.setAutoCommit(false);
      statement.execute("LOCK TABLE portfolios IN ACCESS EXCLUSIVE MODE");
      long started = System.nanoTime();
      CompletableFuture<Api.Response> unkeyed = api().sendAsync("POST", "/api/v1/portfolios", "application/json",
          child("dl-a").encode());
      CompletableFuture<Api.Response> keyed = api().sendAsync("POST", "/api/v1/portfolios", "application/json",
          child("dl-b").encode(), "Idempotency-Key", "dl-b-1");
      CompletableFuture<Api.Response> patch = api().sendAsync("PATCH", "/api/v1/portfolios/dl-root",
          "application/json", new JsonObject().put("parentId", "dl-a").encode());

      Api.Response unsafe = unkeyed.get();
      long tookMs = (System.nanoTime() - started) / 1_000_000;
      assertThat(unsafe.status()).isEqualTo(503);
      assertThat(unsafe.contentType()).isEqualTo("application/problem+json");
      assertThat(unsafe.json().getString("type")).isEqualTo("/problems/unavailable");
      assertThat(unsafe.json().getString("outcome")).isEqualTo("unknown");
      assertThat(unsafe.json().getBoolean("retrySafe")).isFalse();
      assertThat(unsafe.json().getString("detail")).contains("outcome is unknown").contains("unsafe")
          .doesNotContain("Exception");
      assertThat(tookMs).isBetween(deadline - 100, deadline + 3000);

      Api.Response safe = keyed.get();
      assertThat(safe.status()).isEqualTo(503);
      assertThat(safe.json().getString("outcome")).isEqualTo("unknown");
      assertThat(safe.json().getBoolean("retrySafe")).isTrue();
      assertThat(patch.get().json().getBoolean("retrySafe")).isFalse();
      lock.rollback();
    }
    // Retried with its key once the catalog is free: the create goes through (or replays) once.
    // This node's deadline is deliberately tiny, so on a loaded machine the retry itself may time
    // out again; it says it is safe to retry, and a client retries it as often as it says so.
    Api.Response retried = null;
    for (int attempt = 0; attempt < 5 && (retried == null || retried.status() == 503); attempt++) {
      if (retried != null) {
        assertThat(retried.json().getBoolean("retrySafe")).isTrue();
      }
      retried = api().send("POST", "/api/v1/portfolios", "application/json", child("dl-b").encode(),
          "Idempotency-Key", "dl-b-1");
    }
    assertThat(retried.status()).isIn(200, 201);
    assertThat(api().get("/api/v1/portfolios/dl-b").json().getLong("version")).isEqualTo(1);
  }

  private static JsonObject child(String id) {
    return new JsonObject().put("id", id).put("name", "Child").put("baseCurrency", "USD").put("parentId", "dl-root");
  }

  private static Api api() {
    return NODE.api();
  }
}
