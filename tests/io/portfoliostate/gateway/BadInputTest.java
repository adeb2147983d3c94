package io.portfoliostate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.RunningNode;
import io.vertx.core.json.JsonObject;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad input of every kind gets a clear problem+json answer with the right status, and changes
 * nothing: after each case the portfolio is still at version 2 with one trade.
 */
class BadInputTest {

  private static final String TRADES = "/api/v1/portfolios/bad-1/trades";
  private static final String VALID = "{\"tradeId\":\"t-ok\",\"instrumentId\":\"AAPL\",\"side\":\"BUY\","
      + "\"quantity\":\"1\",\"price\":\"10\"}";

  @RegisterExtension
  static final RunningNode NODE = new RunningNode();

  @BeforeAll
  static void seed() {
    api().createPortfolio("bad-1");
    assertThat(api().post(TRADES, new JsonObject(VALID)).status()).isEqualTo(201);
  }

  @AfterEach
  void nothingChanged() {
    JsonObject state = api().get("/api/v1/portfolios/bad-1").json();
    assertThat(state.getLong("version")).isEqualTo(2);
    assertThat(state.getJsonArray("positions").getJsonObject(0).getString("quantity")).isEqualTo("1");
    assertThat(api().get("/api/v1/portfolios/bad-1/events").json().getJsonArray("events")).hasSize(2);
  }

  static Stream<Arguments> badTrades() {
    String longId = "x".repeat(65);
    return Stream.of(
        Arguments.of("truncated JSON", "{\"tradeId\": ", 400, "/problems/malformed-json", null),
        Arguments.of("not JSON", "tradeId=1", 400, "/problems/malformed-json", null),
        Arguments.of("two JSON values", VALID + VALID, 400, "/problems/malformed-json", null),
        Arguments.of("duplicate key", "{\"tradeId\":\"a\",\"tradeId\":\"b\",\"instrumentId\":\"AAPL\",\"side\":\"BUY\","
            + "\"quantity\":1,\"price\":1}", 400, "/problems/malformed-json", null),
        Arguments.of("array instead of object", "[1,2]", 400, "/problems/invalid-request", "body"),
        Arguments.of("JSON null", "null", 400, "/problems/malformed-json", null),
        Arguments.of("quantity of wrong type", replace("\"quantity\":\"1\"", "\"quantity\":true"), 400,
            "/problems/invalid-request", "quantity"),
        Arguments.of("id of wrong type", replace("\"tradeId\":\"t-new\"", "\"tradeId\":5"), 400,
            "/problems/invalid-request", "tradeId"),
        Arguments.of("unknown side", replace("\"BUY\"", "\"HOLD\""), 400, "/problems/invalid-request", "side"),
        Arguments.of("negative quantity", replace("\"quantity\":\"1\"", "\"quantity\":-1"), 400,
            "/problems/invalid-request", "quantity"),
        Arguments.of("zero quantity", replace("\"quantity\":\"1\"", "\"quantity\":0"), 400,
            "/problems/invalid-request", "quantity"),
        Arguments.of("zero price", replace("\"price\":\"10\"", "\"price\":\"0.000\""), 400,
            "/problems/invalid-request", "price"),
        Arguments.of("negative fees", replace("\"price\":\"10\"", "\"price\":\"10\",\"fees\":\"-1\""), 400,
            "/problems/invalid-request", "fees"),
        Arguments.of("NaN", replace("\"price\":\"10\"", "\"price\":\"NaN\""), 400, "/problems/invalid-request", "price"),
        Arguments.of("Infinity", replace("\"price\":\"10\"", "\"price\":\"Infinity\""), 400,
            "/problems/invalid-request", "price"),
        Arguments.of("absurd exponent as string", replace("\"quantity\":\"1\"", "\"quantity\":\"1e1000000000\""), 400,
            "/problems/invalid-request", "quantity"),
        Arguments.of("absurd exponent as number", replace("\"quantity\":\"1\"", "\"quantity\":1e400"), 400,
            "/problems/invalid-request", "quantity"),
        Arguments.of("too many decimals", replace("\"price\":\"10\"", "\"price\":\"0.0000000000000000001\""), 400,
            "/problems/invalid-request", "price"),
        Arguments.of("huge number", replace("\"quantity\":\"1\"", "\"quantity\":123456789012345678901234567890"),
            400, "/problems/invalid-request", "quantity"),
        Arguments.of("id with a space", replace("\"t-new\"", "\"t ok\""), 400, "/problems/invalid-request", "tradeId"),
        Arguments.of("id too long", replace("\"t-new\"", "\"" + longId + "\""), 400, "/problems/invalid-request",
            "tradeId"),
        Arguments.of("empty instrument", replace("\"AAPL\"", "\"\""), 400, "/problems/invalid-request",
            "instrumentId"),
        Arguments.of("lower-case currency", replace("\"price\":\"10\"", "\"price\":\"10\",\"currency\":\"usd\""), 400,
            "/problems/invalid-request", "currency"),
        Arguments.of("four-letter currency", replace("\"price\":\"10\"", "\"price\":\"10\",\"currency\":\"USDT\""), 400,
            "/problems/invalid-request", "currency"),
        Arguments.of("time without zone", replace("\"price\":\"10\"",
            "\"price\":\"10\",\"executedAt\":\"2026-01-01T10:00:00\""), 400, "/problems/invalid-request", "executedAt"),
        Arguments.of("unknown field", replace("\"price\":\"10\"", "\"price\":\"10\",\"qty\":1"), 400,
            "/problems/invalid-request", "qty"),
        Arguments.of("missing field", "{\"tradeId\":\"t-2\",\"side\":\"BUY\",\"quantity\":1,\"price\":1}", 400,
            "/problems/invalid-request", "instrumentId"),
        Arguments.of("deep nesting", replace("\"price\":\"10\"", "\"price\":" + "[".repeat(40) + "]".repeat(40)), 400,
            "/problems/malformed-json", null),
        Arguments.of("replayed id with other content", replace("\"quantity\":\"1\"", "\"quantity\":\"2\""), 409,
            "/problems/id-reused", null));
  }

  private static String replace(String what, String with) {
    String body = VALID.replace("\"t-ok\"", "\"t-new\"");
    if (what.equals("\"quantity\":\"1\"") && with.equals("\"quantity\":\"2\"")) {
      body = VALID;
    }
    String result = body.replace(what, with);
    if (result.equals(body)) {
      throw new IllegalArgumentException("fixture did not change the body: " + what);
    }
    return result;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badTrades")
  void refusesBadTrades(String name, String body, int status, String type, String field) {
    Api.Response response = api().send("POST", TRADES, "application/json", body);
    assertThat(response.status()).as(response.body()).isEqualTo(status);
    assertThat(response.contentType()).isEqualTo("application/problem+json");
    JsonObject problem = response.json();
    assertThat(problem.getString("type")).isEqualTo(type);
    assertThat(problem.getInteger("status")).isEqualTo(status);
    assertThat(problem.getString("title")).isNotBlank();
    assertThat(problem.getString("detail")).isNotBlank();
    if (field != null) {
      assertThat(problem.getJsonArray("errors").stream().map(e -> ((JsonObject) e).getString("field")))
          .contains(field);
    }
  }

  static Stream<Arguments> badRequests() {
    return Stream.of(
        Arguments.of("not JSON content type", "POST", TRADES, "text/plain", VALID, 415),
        Arguments.of("no content type", "POST", TRADES, null, VALID, 415),
        Arguments.of("body too large", "POST", "/api/v1/portfolios/bad-1/trades:batch", "application/json",
            "{\"trades\":[" + "\"x\",".repeat(300_000) + "\"x\"]}", 413),
        Arguments.of("bad If-Match", "POST", TRADES, "application/json", VALID.replace("t-ok", "t-3"), 400),
        Arguments.of("bad portfolio id in path", "POST", "/api/v1/portfolios/bad%20id/trades", "application/json",
            VALID, 400),
        Arguments.of("unknown portfolio", "POST", "/api/v1/portfolios/nobody/trades", "application/json",
            VALID.replace("t-ok", "t-4"), 404),
        Arguments.of("bad version query", "GET", "/api/v1/portfolios/bad-1?version=abc", null, null, 400),
        Arguments.of("bad limit", "GET", "/api/v1/portfolios/bad-1/events?limit=100000", null, null, 400),
        Arguments.of("method not allowed", "DELETE", "/api/v1/portfolios/bad-1", null, null, 405),
        Arguments.of("empty batch", "POST", "/api/v1/portfolios/bad-1/trades:batch", "application/json",
            "{\"trades\":[]}", 400));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badRequests")
  void refusesBadRequests(String name, String method, String path, String contentType, String body, int status) {
    Api.Response response = name.equals("bad If-Match")
        ? api().send(method, path, contentType, body, "If-Match", "\"seven\"")
        : api().send(method, path, contentType, body);
    assertThat(response.status()).as(response.body()).isEqualTo(status);
    assertThat(response.contentType()).isEqualTo("application/problem+json");
    assertThat(response.json().getInteger("status")).isEqualTo(status);
  }

  private static Api api() {
    return NODE.api();
  }
}
