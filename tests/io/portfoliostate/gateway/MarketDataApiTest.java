package io.portfoliostate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.valuation.MarketData;
import io.portfoliostate.domain.valuation.Price;
import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.RunningNode;
import io.portfoliostate.fixtures.TestDatabase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Instruments, prices and FX rates through the REST API: stored exactly in PostgreSQL with their
 * history, and known to the node's market view once the answer is sent.
 */
class MarketDataApiTest {

  @RegisterExtension
  static final RunningNode NODE = new RunningNode();

  @Test
  void instrumentsRoundTrip() {
    JsonObject body = new JsonObject().put("currency", "EUR").put("assetClass", "Equity").put("sector", "Technology")
        .put("country", "DE").put("factors", new JsonObject().put("value", "-0.30").put("beta", 1.10));
    Api.Response created = api().put("/api/v1/instruments/SAP.DE", body);
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    JsonObject expected = new JsonObject().put("id", "SAP.DE").put("currency", "EUR").put("assetClass", "Equity")
        .put("sector", "Technology").put("country", "DE")
        .put("factors", new JsonObject().put("beta", "1.1").put("value", "-0.3"))
        .put("updatedAt", created.json().getString("updatedAt"));
    assertThat(created.json()).isEqualTo(expected);
    assertThat(api().get("/api/v1/instruments/SAP.DE").json()).isEqualTo(expected);

    // A PUT replaces the whole record: what it leaves out becomes unknown.
    Api.Response replaced = api().put("/api/v1/instruments/SAP.DE", new JsonObject().put("currency", "EUR")
        .put("sector", "Software"));
    assertThat(replaced.status()).isEqualTo(200);
    JsonObject read = api().get("/api/v1/instruments/SAP.DE").json();
    assertThat(read).isEqualTo(new JsonObject().put("id", "SAP.DE").put("currency", "EUR").putNull("assetClass")
        .put("sector", "Software").putNull("country").put("factors", new JsonObject())
        .put("updatedAt", replaced.json().getString("updatedAt")));
    assertThat(NODE.node().market().snapshot().instrument(InstrumentId.of("SAP.DE")).orElseThrow().sector())
        .isEqualTo("Software");

    Api.Response missing = api().get("/api/v1/instruments/NOT-THERE");
    assertThat(missing.status()).isEqualTo(404);
    assertThat(missing.json().getString("type")).isEqualTo("/problems/not-found");
  }

  @Test
  void pricesAreStoredExactlyWithTheirHistoryAndTheLatestByTimeIsKnown() throws Exception {
    api().put("/api/v1/instruments/PX-1", new JsonObject().put("currency", "USD"));
    JsonArray prices = new JsonArray()
        .add(new JsonObject().put("instrumentId", "PX-1").put("price", "101.250").put("at", "2026-11-24T10:00:00Z"))
        // Older, arriving later: kept in the history, but not the latest.
        .add(new JsonObject().put("instrumentId", "PX-1").put("price", 99.5).put("at", "2026-11-24T11:00:00+02:00"))
        // No reference data: accepted with an explicit currency.
        .add(new JsonObject().put("instrumentId", "PX-UNKNOWN").put("price", "5").put("currency", "JPY")
            .put("at", "2026-11-24T10:00:00Z"));
    Api.Response stored = api().post("/api/v1/prices", prices);
    assertThat(stored.status()).as(stored.body()).isEqualTo(200);
    assertThat(stored.json().getInteger("stored")).isEqualTo(3);

    assertThat(rows("SELECT instrument_id, at, price, currency FROM prices "
        + "WHERE instrument_id IN ('PX-1', 'PX-UNKNOWN') ORDER BY instrument_id, at")).containsExactly(
        "PX-1 2026-11-24T09:00:00Z 99.5 USD",
        "PX-1 2026-11-24T10:00:00Z 101.250 USD",
        "PX-UNKNOWN 2026-11-24T10:00:00Z 5 JPY");
    MarketData market = NODE.node().market().snapshot().market();
    assertThat(market.price(InstrumentId.of("PX-1"))).contains(new Price(InstrumentId.of("PX-1"),
        new BigDecimal("101.250"), CurrencyCode.USD, Instant.parse("2026-11-24T10:00:00Z")));
    assertThat(market.price(InstrumentId.of("PX-UNKNOWN")).orElseThrow().currency()).isEqualTo(CurrencyCode.of("JPY"));
  }

  /**
   * Two ticks of one instrument whose times differ below a microsecond (what PostgreSQL keeps)
   * are one observation: in one request or in two merged into one write, the later wins and
   * nothing fails (the INSERT would refuse a batch touching one row twice).
   */
  @Test
  void ticksLessThanAMicrosecondApartAreOneObservation() throws Exception {
    api().put("/api/v1/instruments/PX-NS", new JsonObject().put("currency", "USD"));
    Api.Response answer = api().post("/api/v1/prices", new JsonArray()
        .add(new JsonObject().put("instrumentId", "PX-NS").put("price", "10").put("at", "2026-11-24T12:00:00.000001100Z"))
        .add(new JsonObject().put("instrumentId", "PX-NS").put("price", "11").put("at", "2026-11-24T12:00:00.000001900Z")));
    assertThat(answer.status()).isEqualTo(200);
    assertThat(rows("SELECT instrument_id, at, price, currency FROM prices WHERE instrument_id = 'PX-NS'"))
        .containsExactly("PX-NS 2026-11-24T12:00:00.000001Z 11 USD");
  }

  @Test
  void aSecondPriceAtTheSameTimeIsACorrection() throws Exception {
    api().put("/api/v1/instruments/PX-2", new JsonObject().put("currency", "USD"));
    String at = "2026-11-24T12:00:00Z";
    assertThat(api().post("/api/v1/prices", new JsonArray().add(new JsonObject().put("instrumentId", "PX-2")
        .put("price", "10").put("at", at))).status()).isEqualTo(200);
    assertThat(api().post("/api/v1/prices", new JsonArray().add(new JsonObject().put("instrumentId", "PX-2")
        .put("price", "10.5").put("at", at))).status()).isEqualTo(200);

    assertThat(rows("SELECT instrument_id, at, price, currency FROM prices WHERE instrument_id = 'PX-2'"))
        .containsExactly("PX-2 2026-11-24T12:00:00Z 10.5 USD");
    assertThat(NODE.node().market().snapshot().market().price(InstrumentId.of("PX-2")).orElseThrow().price())
        .isEqualByComparingTo("10.5");
  }

  @Test
  void aPriceWithoutCurrencyNeedsAKnownInstrumentAndOneBadItemStoresNothing() throws Exception {
    api().put("/api/v1/instruments/PX-3", new JsonObject().put("currency", "USD"));
    Api.Response refused = api().post("/api/v1/prices", new JsonArray()
        .add(new JsonObject().put("instrumentId", "PX-3").put("price", "1"))
        .add(new JsonObject().put("instrumentId", "PX-NOBODY").put("price", "2")));
    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.json().getJsonArray("errors")).containsExactly(new JsonObject().put("field", "[1].currency")
        .put("message", "is required: instrument PX-NOBODY has no reference data"));
    assertThat(rows("SELECT instrument_id FROM prices WHERE instrument_id IN ('PX-3', 'PX-NOBODY')")).isEmpty();
    assertThat(NODE.node().market().snapshot().market().price(InstrumentId.of("PX-3"))).isEmpty();
  }

  @Test
  void fxRatesAreStoredExactly() throws Exception {
    Api.Response stored = api().post("/api/v1/fx-rates", new JsonArray()
        .add(new JsonObject().put("base", "NZD").put("quote", "USD").put("rate", "0.5950").put("at",
            "2026-11-24T10:00:00Z"))
        .add(new JsonObject().put("base", "USD").put("quote", "SEK").put("rate", 10.5)));
    assertThat(stored.status()).as(stored.body()).isEqualTo(200);
    assertThat(stored.json().getInteger("stored")).isEqualTo(2);

    assertThat(rows("SELECT base, quote, at, rate FROM fx_rates WHERE base = 'NZD'"))
        .containsExactly("NZD USD 2026-11-24T10:00:00Z 0.5950");
    assertThat(rows("SELECT base, quote, at = recorded_at, rate FROM fx_rates WHERE quote = 'SEK'"))
        .as("without at, a rate is observed when it is recorded").containsExactly("USD SEK t 10.5");
    MarketData market = NODE.node().market().snapshot().market();
    assertThat(market.fx(CurrencyCode.of("NZD"), CurrencyCode.USD)).hasValueSatisfying(
        rate -> assertThat(rate).isEqualByComparingTo("0.595"));
    // NZD to SEK crosses through USD: 0.595 × 10.5.
    assertThat(market.fx(CurrencyCode.of("NZD"), CurrencyCode.of("SEK"))).hasValueSatisfying(
        rate -> assertThat(rate).isEqualByComparingTo("6.2475"));
  }

  /**
   * Owners decide trades with the node's reference data (DOMAIN.md, Positions): a trade in a
   * known instrument defaults to its currency, and one in another currency is refused; an
   * instrument without reference data trades in the base currency.
   */
  @Test
  void tradesInAKnownInstrumentDefaultToItsCurrencyAndAContradictingOneIsRefused() {
    api().put("/api/v1/instruments/RD-EUR", new JsonObject().put("currency", "EUR"));
    String id = api().createPortfolio("rd-1");
    Api.Response defaulted = api().post("/api/v1/portfolios/" + id + "/trades",
        Api.trade("t-1", "RD-EUR", "BUY", "10", "100.5").put("fees", "1"));
    assertThat(defaulted.status()).as(defaulted.body()).isEqualTo(201);
    assertThat(defaulted.json().getJsonObject("position").getString("currency")).isEqualTo("EUR");
    assertThat(defaulted.json().getJsonArray("cash")).containsExactly(
        new JsonObject().put("currency", "EUR").put("balance", "-1006"));

    Api.Response refused = api().post("/api/v1/portfolios/" + id + "/trades",
        Api.trade("t-2", "RD-EUR", "BUY", "1", "100").put("currency", "USD"));
    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.json().getJsonArray("errors")).containsExactly(new JsonObject().put("field", "currency")
        .put("message", "instrument RD-EUR trades in EUR, not USD"));

    Api.Response unknown = api().post("/api/v1/portfolios/" + id + "/trades",
        Api.trade("t-3", "RD-NONE", "SELL", "2", "7"));
    assertThat(unknown.json().getJsonObject("position").getString("currency")).isEqualTo("USD");
    assertThat(api().get("/api/v1/portfolios/" + id).json().getLong("version")).isEqualTo(3);
  }

  /** The rows of a query, each as its columns' text joined by spaces (times in UTC, ISO-8601). */
  static List<String> rows(String databaseUri, String query) throws Exception {
    List<String> rows = new ArrayList<>();
    try (Connection connection = TestDatabase.connect(databaseUri); Statement statement = connection.createStatement()) {
      statement.execute("SET TIME ZONE 'UTC'");
      try (ResultSet result = statement.executeQuery(query)) {
        int columns = result.getMetaData().getColumnCount();
        while (result.next()) {
          List<String> values = new ArrayList<>();
          for (int i = 1; i <= columns; i++) {
            Object value = result.getObject(i);
            values.add(value instanceof java.sql.Timestamp time ? time.toInstant().toString() : result.getString(i));
          }
          rows.add(String.join(" ", values));
        }
      }
    }
    return rows;
  }

  private static List<String> rows(String query) throws Exception {
    return rows(NODE.databaseUri(), query);
  }

  private static Api api() {
    return NODE.api();
  }
}
