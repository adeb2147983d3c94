package io.portfoliostate.cluster;

import static io.portfoliostate.fixtures.Api.trade;
import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.app.Node;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.TestCluster;
import io.portfoliostate.fixtures.TestDatabase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two clustered nodes: market data written through one node is published to the other, whose
 * gateway values with it and whose owners decide trades with its reference data.
 */
class MarketDataClusterTest {

  private static TestCluster cluster;

  @BeforeAll
  static void start() throws Exception {
    cluster = TestCluster.start(2, 2, TestDatabase.freshDatabaseUri(), new JsonObject());
  }

  @AfterAll
  static void stop() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aPricePostedToOneNodeValuesAReadOnTheOther() throws Exception {
    Api first = new Api(cluster.node(0).httpPort());
    Api second = new Api(cluster.node(1).httpPort());
    assertThat(first.put("/api/v1/instruments/CL-1", new JsonObject().put("currency", "EUR")
        .put("sector", "Industrials")).status()).isEqualTo(201);
    assertThat(first.post("/api/v1/fx-rates", new JsonArray().add(new JsonObject().put("base", "EUR")
        .put("quote", "USD").put("rate", "1.25"))).status()).isEqualTo(200);
    assertThat(first.post("/api/v1/prices", new JsonArray().add(new JsonObject().put("instrumentId", "CL-1")
        .put("price", "40"))).status()).isEqualTo(200);
    Node other = cluster.node(1);
    await(() -> other.market().snapshot().market().price(InstrumentId.of("CL-1"))
        .map(price -> price.price().compareTo(new BigDecimal("40")) == 0).orElse(false));

    // Portfolios on both nodes' owners: each trade defaults to EUR wherever its owner runs.
    for (int i = 0; i < 6; i++) {
      String id = second.createPortfolio("cl-" + i);
      Api.Response traded = second.post("/api/v1/portfolios/" + id + "/trades", trade("t-1", "CL-1", "BUY", "10",
          "30"));
      assertThat(traded.status()).as(traded.body()).isEqualTo(201);
      assertThat(traded.json().getJsonObject("position").getString("currency")).isEqualTo("EUR");
      // 10 × 40 EUR = 400 EUR = 500 USD; cash −300 EUR = −375 USD; NAV 125.
      for (Api gateway : new Api[] {first, second}) {
        JsonObject state = gateway.get("/api/v1/portfolios/" + id).json();
        JsonObject position = state.getJsonArray("positions").getJsonObject(0);
        assertThat(position.getString("marketValue")).isEqualTo("400");
        assertThat(position.getString("marketValueBase")).isEqualTo("500");
        assertThat(position.getString("unrealizedPnl")).isEqualTo("100");
        assertThat(state.getJsonObject("valuation").getString("nav")).isEqualTo("125");
        assertThat(state.getJsonObject("valuation").getBoolean("complete")).isTrue();
      }
    }

    // And the other way: a tick through the second node reaches the first.
    assertThat(second.post("/api/v1/prices", new JsonArray().add(new JsonObject().put("instrumentId", "CL-1")
        .put("price", "44"))).status()).isEqualTo(200);
    Node node0 = cluster.node(0);
    await(() -> node0.market().snapshot().market().price(InstrumentId.of("CL-1"))
        .map(price -> price.price().compareTo(new BigDecimal("44")) == 0).orElse(false));
    JsonObject state = first.get("/api/v1/portfolios/cl-0").json();
    assertThat(state.getJsonArray("positions").getJsonObject(0).getString("marketValueBase")).isEqualTo("550");
    JsonObject groups = first.get("/api/v1/portfolios/cl-0/positions?groupBy=sector").json();
    assertThat(groups.getJsonArray("groups").getJsonObject(0).getString("key")).isEqualTo("Industrials");
  }

  private static void await(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("market data reached the other node in 10 s").isLessThan(deadline);
      Thread.sleep(10);
    }
  }
}
