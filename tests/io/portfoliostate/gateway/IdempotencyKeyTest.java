package io.portfoliostate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.RunningNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Create, PATCH and PUT targets take an {@code Idempotency-Key}: a retry with the same key and
 * the same body answers the original result as a replay, even after the portfolio moved on; the
 * same key with another body is a 409. Real node, real PostgreSQL.
 */
class IdempotencyKeyTest {

  @RegisterExtension
  static final RunningNode NODE = new RunningNode();

  @Test
  void aCreateRetriedWithItsKeyIsAReplayNotAConflict() {
    JsonObject body = new JsonObject().put("id", "key-c1").put("name", "Fund").put("baseCurrency", "USD")
        .put("driftThreshold", "0.05");
    Api.Response first = send("POST", "/api/v1/portfolios", body, "create-1");
    assertThat(first.status()).isEqualTo(201);
    assertThat(first.header("Idempotent-Replay")).isNull();

    // The same content written differently (0.050 against "0.05") is the same request.
    Api.Response retry = send("POST", "/api/v1/portfolios", body.copy().put("driftThreshold", 0.050), "create-1");
    assertThat(retry.status()).isEqualTo(200);
    assertThat(retry.header("Idempotent-Replay")).isEqualTo("true");
    assertThat(retry.header("ETag")).isEqualTo("\"1\"");
    assertThat(retry.json()).isEqualTo(first.json());

    Api.Response other = send("POST", "/api/v1/portfolios", body.copy().put("name", "Other"), "create-1");
    assertThat(other.status()).isEqualTo(409);
    assertThat(other.json().getString("type")).isEqualTo("/problems/id-reused");

    // Without the key a second create is what it always was: the id exists.
    Api.Response unkeyed = api().post("/api/v1/portfolios", body);
    assertThat(unkeyed.status()).isEqualTo(409);
    assertThat(unkeyed.json().getString("type")).isEqualTo("/problems/already-exists");
    assertThat(api().get("/api/v1/portfolios/key-c1").json().getLong("version")).isEqualTo(1);
  }

  @Test
  void anIfMatchPatchRetriedWithItsKeyIsAReplayNotAVersionMismatch() {
    api().createPortfolio("key-p1");
    JsonObject rename = new JsonObject().put("name", "Renamed");
    Api.Response first = api().send("PATCH", "/api/v1/portfolios/key-p1", "application/json", rename.encode(),
        "If-Match", "\"1\"", "Idempotency-Key", "patch-1");
    assertThat(first.status()).isEqualTo(200);
    assertThat(first.header("ETag")).isEqualTo("\"2\"");

    // Another change lands; the retry still answers what the first PATCH did.
    assertThat(api().patch("/api/v1/portfolios/key-p1", new JsonObject().put("driftThreshold", "0.1")).status())
        .isEqualTo(200);
    Api.Response retry = api().send("PATCH", "/api/v1/portfolios/key-p1", "application/json", rename.encode(),
        "If-Match", "\"1\"", "Idempotency-Key", "patch-1");
    assertThat(retry.status()).as(retry.body()).isEqualTo(200);
    assertThat(retry.header("Idempotent-Replay")).isEqualTo("true");
    assertThat(retry.json()).isEqualTo(first.json());
    assertThat(api().get("/api/v1/portfolios/key-p1").json().getLong("version")).isEqualTo(3);

    // Without the key the same retry is refused: the portfolio is no longer at version 1.
    Api.Response unkeyed = api().send("PATCH", "/api/v1/portfolios/key-p1", "application/json", rename.encode(),
        "If-Match", "\"1\"");
    assertThat(unkeyed.status()).isEqualTo(412);
  }

  @Test
  void targetsRetriedWithTheirKeyAreAReplayAndAnotherBodyIsAConflict() {
    api().createPortfolio("key-t1");
    JsonObject targets = new JsonObject().put("targets", new JsonObject().put("AAPL", "0.6").put("MSFT", "0.4"));
    Api.Response first = send("PUT", "/api/v1/portfolios/key-t1/targets", targets, "targets-1");
    assertThat(first.status()).isEqualTo(200);
    assertThat(first.header("Idempotent-Replay")).isNull();
    JsonObject reordered = new JsonObject().put("targets", new JsonObject().put("MSFT", 0.40).put("AAPL", "0.60"));
    Api.Response retry = send("PUT", "/api/v1/portfolios/key-t1/targets", reordered, "targets-1");
    assertThat(retry.status()).isEqualTo(200);
    assertThat(retry.header("Idempotent-Replay")).isEqualTo("true");
    assertThat(retry.json()).isEqualTo(first.json());
    Api.Response other = send("PUT", "/api/v1/portfolios/key-t1/targets",
        new JsonObject().put("targets", new JsonObject().put("AAPL", "1")), "targets-1");
    assertThat(other.status()).isEqualTo(409);
    assertThat(other.json().getString("type")).isEqualTo("/problems/id-reused");
    assertThat(api().get("/api/v1/portfolios/key-t1").json().getLong("version")).isEqualTo(2);
  }

  @Test
  void aKeyIsCheckedLikeAnId() {
    api().createPortfolio("key-b1");
    Api.Response tooLong = send("PATCH", "/api/v1/portfolios/key-b1", new JsonObject().put("name", "X"),
        "k".repeat(65));
    assertThat(tooLong.status()).isEqualTo(400);
    assertThat(tooLong.json().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("Idempotency-Key");
    Api.Response badChar = send("POST", "/api/v1/portfolios", new JsonObject().put("id", "key-b2").put("name", "B")
        .put("baseCurrency", "USD"), "no spaces");
    assertThat(badChar.status()).isEqualTo(400);
    assertThat(api().get("/api/v1/portfolios/key-b2").status()).isEqualTo(404);
    assertThat(api().get("/api/v1/portfolios/key-b1").json().getLong("version")).isEqualTo(1);
  }

  /** A key names a request of one portfolio: another portfolio may use the same key. */
  @Test
  void keysAreScopedToThePortfolio() {
    JsonObject a = new JsonObject().put("id", "key-s1").put("name", "A").put("baseCurrency", "USD");
    JsonObject b = new JsonObject().put("id", "key-s2").put("name", "B").put("baseCurrency", "USD");
    assertThat(send("POST", "/api/v1/portfolios", a, "same").status()).isEqualTo(201);
    assertThat(send("POST", "/api/v1/portfolios", b, "same").status()).isEqualTo(201);
  }

  private static Api.Response send(String method, String path, JsonObject body, String key) {
    return api().send(method, path, "application/json", body.encode(), "Idempotency-Key", key);
  }

  private static Api api() {
    return NODE.api();
  }
}
