package io.portfoliostate.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.RunningNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Per-principal token buckets: a burst of 3 refilled at 1 per second. Over it, 429 with
 * Retry-After and a counted refusal; the bootstrap admin key is not limited (unless configured);
 * one caller's flood does not limit another.
 */
class RateLimitTest {

  @RegisterExtension
  static final RunningNode NODE = new RunningNode(new JsonObject().put("security", new JsonObject()
      .put("rateLimit", new JsonObject().put("requestsPerSecond", 1).put("burst", 3))));

  private static Api keyed(String name) {
    Api.Response created = NODE.api().post("/api/v1/api-keys", new JsonObject().put("name", name)
        .put("roles", new JsonArray().add("operations")));
    assertThat(created.status()).isEqualTo(201);
    return NODE.api().asBearer(created.json().getString("key"));
  }

  private static double refusals() {
    return NODE.node().registry().find("pstate.http.refused").tag("reason", "rate-limited").counter().count();
  }

  @Test
  void overTheBucketIs429WithRetryAfterAndCounted() throws Exception {
    Api caller = keyed("bursty");
    Api other = keyed("calm");
    double before = refusals();
    for (int i = 0; i < 3; i++) {
      assertThat(caller.get("/api/v1/cluster").status()).isEqualTo(200);
    }
    Api.Response limited = caller.get("/api/v1/cluster");
    assertThat(limited.status()).isEqualTo(429);
    assertThat(limited.contentType()).isEqualTo("application/problem+json");
    assertThat(limited.json().getString("type")).isEqualTo("/problems/rate-limited");
    assertThat(limited.header("Retry-After")).isEqualTo("1");
    assertThat(refusals()).isEqualTo(before + 1);
    // Another principal has its own bucket; the bootstrap admin key is not limited.
    assertThat(other.get("/api/v1/cluster").status()).isEqualTo(200);
    for (int i = 0; i < 10; i++) {
      assertThat(NODE.api().get("/api/v1/cluster").status()).isEqualTo(200);
    }
    // After the refill period the caller is served again.
    Thread.sleep(1_100);
    assertThat(caller.get("/api/v1/cluster").status()).isEqualTo(200);
  }
}
