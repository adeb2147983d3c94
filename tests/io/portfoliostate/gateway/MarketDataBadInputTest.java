package io.portfoliostate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.RunningNode;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad market data gets a problem+json 400 naming the field, and changes nothing: after each case
 * the tables hold exactly the seed, and the node's view still has the seed's price.
 */
class MarketDataBadInputTest {

  private static final String PRICE = "{\"instrumentId\":\"BAD-1\",\"price\":\"10\"}";
  private static final String RATE = "{\"base\":\"EUR\",\"quote\":\"USD\",\"rate\":\"1.08\"}";
  private static final String INSTRUMENT = "{\"currency\":\"USD\",\"sector\":\"Energy\"}";
  private static final List<String> SEED = List.of(
      "instruments: BAD-1 USD Energy {}",
      "prices: BAD-1 10",
      "fx_rates: EUR USD 1.08");

  @RegisterExtension
  static final RunningNode NODE = new RunningNode();

  @BeforeAll
  static void seed() {
    assertThat(api().send("PUT", "/api/v1/instruments/BAD-1", "application/json", INSTRUMENT).status())
        .isEqualTo(201);
    assertThat(api().send("POST", "/api/v1/prices", "application/json", "[" + PRICE + "]").status()).isEqualTo(200);
    assertThat(api().send("POST", "/api/v1/fx-rates", "application/json", "[" + RATE + "]").status()).isEqualTo(200);
  }

  @AfterEach
  void nothingChanged() throws Exception {
    List<String> tables = new java.util.ArrayList<>();
    MarketDataApiTest.rows(NODE.databaseUri(), "SELECT id, currency, sector, factors FROM instruments")
        .forEach(row -> tables.add("instruments: " + row));
    MarketDataApiTest.rows(NODE.databaseUri(), "SELECT instrument_id, price FROM prices")
        .forEach(row -> tables.add("prices: " + row));
    MarketDataApiTest.rows(NODE.databaseUri(), "SELECT base, quote, rate FROM fx_rates")
        .forEach(row -> tables.add("fx_rates: " + row));
    assertThat(tables).isEqualTo(SEED);
    assertThat(api().get("/api/v1/instruments/BAD-1").json().getString("sector")).isEqualTo("Energy");
    assertThat(NODE.node().market().snapshot().market().prices()).hasSize(1);
    assertThat(NODE.node().market().snapshot().instrumentCount()).isEqualTo(1);
  }

  static Stream<Arguments> badInput() {
    String tooMany = "[" + (PRICE + ",").repeat(10_000) + PRICE + "]";
    return Stream.of(
        // Instruments
        Arguments.of("instrument without currency", "PUT", "/api/v1/instruments/BAD-1", "{\"sector\":\"Energy\"}",
            "currency"),
        Arguments.of("instrument with a bad currency", "PUT", "/api/v1/instruments/BAD-1", "{\"currency\":\"usd\"}",
            "currency"),
        Arguments.of("instrument with an unknown field", "PUT", "/api/v1/instruments/BAD-1",
            "{\"currency\":\"USD\",\"industry\":\"Oil\"}", "industry"),
        Arguments.of("instrument with a blank label", "PUT", "/api/v1/instruments/BAD-1",
            "{\"currency\":\"USD\",\"sector\":\"  \"}", "sector"),
        Arguments.of("instrument with a label of 65 characters", "PUT", "/api/v1/instruments/BAD-1",
            "{\"currency\":\"USD\",\"country\":\"" + "x".repeat(65) + "\"}", "country"),
        Arguments.of("instrument with a label that is a number", "PUT", "/api/v1/instruments/BAD-1",
            "{\"currency\":\"USD\",\"assetClass\":5}", "assetClass"),
        Arguments.of("factors not an object", "PUT", "/api/v1/instruments/BAD-1",
            "{\"currency\":\"USD\",\"factors\":[1]}", "factors"),
        Arguments.of("factor loading not a number", "PUT", "/api/v1/instruments/BAD-1",
            "{\"currency\":\"USD\",\"factors\":{\"beta\":\"high\"}}", "factors.beta"),
        Arguments.of("factor with a bad name", "PUT", "/api/v1/instruments/BAD-1",
            "{\"currency\":\"USD\",\"factors\":{\"a b\":1}}", "factors.a b"),
        Arguments.of("instrument id with a space", "PUT", "/api/v1/instruments/BAD%201", INSTRUMENT, "id"),
        Arguments.of("instrument body an array", "PUT", "/api/v1/instruments/BAD-2", "[" + INSTRUMENT + "]", "body"),
        // Prices
        Arguments.of("prices as an object", "POST", "/api/v1/prices", PRICE, "body"),
        Arguments.of("no prices", "POST", "/api/v1/prices", "[]", "body"),
        Arguments.of("more than 10,000 prices", "POST", "/api/v1/prices", tooMany, "body"),
        Arguments.of("a price that is not an object", "POST", "/api/v1/prices", "[" + PRICE + ",7]", "[1]"),
        Arguments.of("zero price", "POST", "/api/v1/prices", "[{\"instrumentId\":\"BAD-1\",\"price\":0}]", "[0].price"),
        Arguments.of("negative price", "POST", "/api/v1/prices", "[" + PRICE + ",{\"instrumentId\":\"BAD-1\","
            + "\"price\":\"-1\"}]", "[1].price"),
        Arguments.of("price NaN", "POST", "/api/v1/prices", "[{\"instrumentId\":\"BAD-1\",\"price\":\"NaN\"}]",
            "[0].price"),
        Arguments.of("price without instrument", "POST", "/api/v1/prices", "[{\"price\":1}]", "[0].instrumentId"),
        Arguments.of("price with an unknown field", "POST", "/api/v1/prices",
            "[{\"instrumentId\":\"BAD-1\",\"price\":1,\"px\":1}]", "[0].px"),
        Arguments.of("price time without zone", "POST", "/api/v1/prices",
            "[{\"instrumentId\":\"BAD-1\",\"price\":1,\"at\":\"2026-11-24T10:00:00\"}]", "[0].at"),
        Arguments.of("price time in the future", "POST", "/api/v1/prices",
            "[{\"instrumentId\":\"BAD-1\",\"price\":1,\"at\":\"2999-01-01T00:00:00Z\"}]", "[0].at"),
        Arguments.of("price of an unknown instrument without currency", "POST", "/api/v1/prices",
            "[{\"instrumentId\":\"BAD-9\",\"price\":1}]", "[0].currency"),
        Arguments.of("price with a bad currency", "POST", "/api/v1/prices",
            "[{\"instrumentId\":\"BAD-1\",\"price\":1,\"currency\":\"DOLLAR\"}]", "[0].currency"),
        // FX rates
        Arguments.of("rates as an object", "POST", "/api/v1/fx-rates", RATE, "body"),
        Arguments.of("rate of a currency to itself", "POST", "/api/v1/fx-rates",
            "[{\"base\":\"USD\",\"quote\":\"USD\",\"rate\":1}]", "[0].quote"),
        Arguments.of("zero rate", "POST", "/api/v1/fx-rates", "[{\"base\":\"EUR\",\"quote\":\"USD\",\"rate\":0}]",
            "[0].rate"),
        Arguments.of("rate without quote", "POST", "/api/v1/fx-rates", "[" + RATE + ",{\"base\":\"EUR\",\"rate\":1}]",
            "[1].quote"),
        Arguments.of("rate with an unknown field", "POST", "/api/v1/fx-rates",
            "[{\"base\":\"EUR\",\"quote\":\"USD\",\"rate\":1,\"pair\":\"EURUSD\"}]", "[0].pair"),
        Arguments.of("rate too precise", "POST", "/api/v1/fx-rates",
            "[{\"base\":\"EUR\",\"quote\":\"USD\",\"rate\":\"1.0000000000000000001\"}]", "[0].rate"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badInput")
  void refusesBadMarketData(String name, String method, String path, String body, String field) {
    Api.Response response = api().send(method, path, "application/json", body);
    assertThat(response.status()).as(response.body()).isEqualTo(400);
    assertThat(response.contentType()).isEqualTo("application/problem+json");
    JsonObject problem = response.json();
    assertThat(problem.getString("type")).isEqualTo("/problems/invalid-request");
    assertThat(problem.getJsonArray("errors").stream().map(e -> ((JsonObject) e).getString("field")))
        .contains(field);
  }

  static Stream<Arguments> badRequests() {
    return Stream.of(
        Arguments.of("prices not JSON", "POST", "/api/v1/prices", "text/plain", "[" + PRICE + "]", 415),
        Arguments.of("prices malformed", "POST", "/api/v1/prices", "application/json", "[" + PRICE, 400),
        Arguments.of("rates with a duplicate key", "POST", "/api/v1/fx-rates", "application/json",
            "[{\"base\":\"EUR\",\"base\":\"GBP\",\"quote\":\"USD\",\"rate\":1}]", 400),
        Arguments.of("instrument not JSON", "PUT", "/api/v1/instruments/BAD-1", null, INSTRUMENT, 415),
        Arguments.of("delete an instrument", "DELETE", "/api/v1/instruments/BAD-1", null, null, 405),
        Arguments.of("read prices", "GET", "/api/v1/prices", null, null, 405));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badRequests")
  void refusesBadRequests(String name, String method, String path, String contentType, String body, int status) {
    Api.Response response = api().send(method, path, contentType, body);
    assertThat(response.status()).as(response.body()).isEqualTo(status);
    assertThat(response.contentType()).isEqualTo("application/problem+json");
  }

  private static Api api() {
    return NODE.api();
  }
}
