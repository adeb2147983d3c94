package io.portfoliostate.cluster;

import static io.portfoliostate.fixtures.Api.trade;
import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.TestCluster;
import io.portfoliostate.fixtures.TestDatabase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A consolidated read of a tree whose 21 portfolios are owned all over a 3-node cluster (in one
 * JVM, one database): each portfolio is read from its owner, wherever it lives, and every node
 * answers every consolidated view with the same figures, exactly.
 */
class ConsolidatedClusterTest {

  private static TestCluster cluster;
  private static List<Api> gateways;
  private static final List<String> ids = new ArrayList<>();

  /**
   * c-root (USD): deposit 10,000 USD, buy 50 AAPL @ 100.
   * c-0..c-3 (EUR, under c-root): deposit 1,000 EUR, sell 10 AAPL @ 110 (a short).
   * c-i-0..c-i-3 (GBP, under c-i): deposit 100 GBP, buy 1 AAPL @ 105.
   * Each write through another gateway than the one before.
   */
  @BeforeAll
  static void start() throws Exception {
    cluster = TestCluster.start(3, 3, TestDatabase.freshDatabaseUri(), new JsonObject());
    gateways = cluster.nodes().stream().map(node -> new Api(node.httpPort())).toList();
    gateways.get(0).putInstrument("AAPL", new JsonObject().put("currency", "USD").put("sector", "Technology"));
    portfolio("c-root", "USD", null, "USD", "10000", trade("t", "AAPL", "BUY", "50", "100"));
    for (int i = 0; i < 4; i++) {
      portfolio("c-" + i, "EUR", "c-root", "EUR", "1000", trade("t", "AAPL", "SELL", "10", "110"));
      for (int j = 0; j < 4; j++) {
        portfolio("c-" + i + "-" + j, "GBP", "c-" + i, "GBP", "100", trade("t", "AAPL", "BUY", "1", "105"));
      }
    }
    gateways.get(1).postPrices(new JsonObject().put("instrumentId", "AAPL").put("price", "120"));
    gateways.get(2).postRates(new JsonObject().put("base", "EUR").put("quote", "USD").put("rate", "1.25"),
        new JsonObject().put("base", "GBP").put("quote", "USD").put("rate", "1.6"));
  }

  @AfterAll
  static void stop() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  /**
   * AAPL: 50 − 4 × 10 + 16 × 1 = 26, cost 5,000 − 4,400 + 1,680 = 2,280, MV 26 × 120 = 3,120,
   * unrealized 840. Cash: USD 5,000 + 4,400 − 1,680 = 7,720; EUR 4,000 = 5,000 USD; GBP 1,600 =
   * 2,560 USD. NAV 3,120 + 7,720 + 5,000 + 2,560 = 18,400 (= c-root 11,000 + 4 × 1,150 + 16 × 175).
   */
  @Test
  void everyNodeAnswersTheSameExactFiguresForATreeOwnedAllOverTheCluster() throws Exception {
    Set<String> owners = new HashSet<>();
    for (String id : ids) {
      owners.add(cluster.node(0).shards().ownerAddress(PortfolioId.of(id)).split("\\.")[2]);
    }
    assertThat(owners).as("the tree's owners").hasSize(3);

    JsonObject view = null;
    for (Api gateway : gateways) {
      // Market data reaches the other nodes within moments of its commit.
      view = awaitValued(gateway);
    }
    assertThat(view.getInteger("portfolioCount")).isEqualTo(21);
    JsonObject aapl = view.getJsonArray("positions").getJsonObject(0);
    assertThat(List.of(aapl.getString("quantity"), aapl.getString("cost"), aapl.getString("marketValueBase"),
        aapl.getString("unrealizedPnl"))).containsExactly("26", "2280", "3120", "840");
    assertThat(aapl.getJsonArray("holders")).hasSize(21);
    assertThat(view.getJsonArray("cash")).containsExactly(
        new JsonObject().put("currency", "EUR").put("balance", "4000").put("balanceBase", "5000"),
        new JsonObject().put("currency", "GBP").put("balance", "1600").put("balanceBase", "2560"),
        new JsonObject().put("currency", "USD").put("balance", "7720").put("balanceBase", "7720"));
    JsonArray portfolios = view.getJsonArray("portfolios");
    assertThat(portfolios.getJsonObject(0)).isEqualTo(new JsonObject().put("id", "c-root").put("parentId", null)
        .put("depth", 0).put("baseCurrency", "USD").put("version", 3).put("nav", "11000").put("complete", true)
        .put("navInRootBase", "11000").put("completeInRootBase", true));
    // c-0: −10 × 120 = −1,200 USD = −960 EUR; 1,100 USD = 880 EUR; 1,000 EUR: 920 EUR = 1,150 USD.
    assertThat(portfolios.getJsonObject(1).getString("nav")).isEqualTo("920");
    assertThat(portfolios.getJsonObject(1).getString("navInRootBase")).isEqualTo("1150");
    // c-0-0: 120 USD = 75 GBP, −105 USD = −65.625 GBP, 100 GBP: 109.375 GBP = 175 USD.
    assertThat(portfolios.getJsonObject(5).getString("id")).isEqualTo("c-0-0");
    assertThat(portfolios.getJsonObject(5).getInteger("depth")).isEqualTo(2);
    assertThat(portfolios.getJsonObject(5).getString("nav")).isEqualTo("109.375");
    assertThat(portfolios.getJsonObject(5).getString("navInRootBase")).isEqualTo("175");

    for (String path : List.of("", "/positions", "/positions?groupBy=currency", "/cash", "/weights", "/exposures")) {
      String first = gateways.get(0).get("/api/v1/portfolios/c-root/consolidated" + path).body();
      assertThat(gateways.get(1).get("/api/v1/portfolios/c-root/consolidated" + path).body()).as(path)
          .isEqualTo(first);
      assertThat(gateways.get(2).get("/api/v1/portfolios/c-root/consolidated" + path).body()).as(path)
          .isEqualTo(first);
    }
  }

  private static JsonObject awaitValued(Api gateway) throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    JsonObject view;
    do {
      Api.Response response = gateway.get("/api/v1/portfolios/c-root/consolidated");
      assertThat(response.status()).as(response.body()).isEqualTo(200);
      view = response.json();
      if ("18400".equals(view.getJsonObject("valuation").getString("nav"))
          && view.getJsonObject("valuation").getBoolean("complete")) {
        return view;
      }
      Thread.sleep(50);
    } while (System.nanoTime() < deadline);
    throw new AssertionError("no node-wide market in 10 s: " + view);
  }

  private static void portfolio(String id, String base, String parent, String currency, String deposit,
      JsonObject trade) {
    Api create = gateways.get(ids.size() % 3);
    create.createPortfolio(new JsonObject().put("id", id).put("name", id).put("baseCurrency", base)
        .put("parentId", parent));
    gateways.get((ids.size() + 1) % 3).deposit(id, currency, deposit);
    Api.Response traded = gateways.get((ids.size() + 2) % 3).post("/api/v1/portfolios/" + id + "/trades", trade);
    assertThat(traded.status()).as(traded.body()).isEqualTo(201);
    ids.add(id);
  }
}
