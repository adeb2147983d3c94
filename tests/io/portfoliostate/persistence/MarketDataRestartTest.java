package io.portfoliostate.persistence;

import static io.portfoliostate.fixtures.Api.trade;
import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.app.Node;
import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.valuation.FxRate;
import io.portfoliostate.domain.valuation.Price;
import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.TestDatabase;
import io.portfoliostate.fixtures.TestNode;
import io.portfoliostate.market.MarketSnapshot;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * A node starting on an existing database knows what was stored before: every instrument, and
 * the latest price per instrument and rate per pair by observation time (not by arrival).
 */
class MarketDataRestartTest {

  @Test
  void aRestartedNodeReloadsInstrumentsAndTheLatestPricesAndRates() throws Exception {
    String database = TestDatabase.freshDatabaseUri();
    JsonObject instrument;
    try (Node node = TestNode.start(database)) {
      Api api = new Api(node.httpPort());
      instrument = api.put("/api/v1/instruments/RS-1", new JsonObject().put("currency", "EUR")
          .put("sector", "Technology").put("factors", new JsonObject().put("beta", "0.95"))).json();
      assertThat(api.post("/api/v1/prices", new JsonArray()
          .add(new JsonObject().put("instrumentId", "RS-1").put("price", "120").put("at", "2026-11-24T10:00:00Z"))
          .add(new JsonObject().put("instrumentId", "RS-1").put("price", "100").put("at", "2026-11-24T09:00:00Z")))
          .status()).isEqualTo(200);
      assertThat(api.post("/api/v1/fx-rates", new JsonArray()
          .add(new JsonObject().put("base", "EUR").put("quote", "USD").put("rate", "1.08")
              .put("at", "2026-11-24T10:00:00Z"))
          .add(new JsonObject().put("base", "EUR").put("quote", "USD").put("rate", "1.5")
              .put("at", "2026-11-23T10:00:00Z"))).status()).isEqualTo(200);
      api.createPortfolio("rs-fund");
      assertThat(api.post("/api/v1/portfolios/rs-fund/trades", trade("t-1", "RS-1", "BUY", "10", "100")).status())
          .isEqualTo(201);
    }
    try (Node node = TestNode.start(database)) {
      Api api = new Api(node.httpPort());
      MarketSnapshot snapshot = node.market().snapshot();
      assertThat(snapshot.instrumentCount()).isEqualTo(1);
      assertThat(snapshot.market().price(InstrumentId.of("RS-1"))).contains(new Price(InstrumentId.of("RS-1"),
          new BigDecimal("120"), CurrencyCode.of("EUR"), Instant.parse("2026-11-24T10:00:00Z")));
      assertThat(snapshot.market().rate(CurrencyCode.of("EUR"), CurrencyCode.USD)).contains(new FxRate(
          CurrencyCode.of("EUR"), CurrencyCode.USD, new BigDecimal("1.08"), Instant.parse("2026-11-24T10:00:00Z")));
      assertThat(api.get("/api/v1/instruments/RS-1").json()).isEqualTo(instrument);

      JsonObject state = api.get("/api/v1/portfolios/rs-fund").json();
      JsonObject position = state.getJsonArray("positions").getJsonObject(0);
      assertThat(position.getString("marketValue")).isEqualTo("1200");
      assertThat(position.getString("marketValueBase")).isEqualTo("1296");
      // 1,296 − 1,080 (the EUR cash of −1,000)
      assertThat(state.getJsonObject("valuation").getString("nav")).isEqualTo("216");
      // The owners know the reloaded reference data too.
      Api.Response refused = api.post("/api/v1/portfolios/rs-fund/trades",
          trade("t-2", "RS-1", "BUY", "1", "100").put("currency", "USD"));
      assertThat(refused.status()).isEqualTo(400);
      assertThat(refused.json().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("currency");
    }
  }
}
