package io.portfoliostate.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.TestCluster;
import io.portfoliostate.fixtures.TestDatabase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two clustered nodes: what one node's gateway keeps between performance reads is dropped when
 * a price is recorded through the other (the market-update publication), and a trade recorded
 * through the other is seen at once (the journal is asked for what was appended since).
 */
class PerformanceClusterTest {

  private static final String WEEK = "?from=2024-01-01&to=2024-01-05";

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

  /**
   * 10 PK-1 bought at 100 on Monday with the 1,000 deposited, closes 100 (Mon) and 110 (Wed):
   * NAVs 1,000, 1,000, 1,100, 1,100, 1,100 read through the second node, twice (the second
   * read is its kept answer). A price for Tuesday (105) recorded through the first node: the
   * second node answers 1,050 on Tuesday within the publication's delay, long before the kept
   * answer's and series' time to live (300 s). Then a deposit of 1,000 and a buy of 10 more at 100, both on
   * Tuesday, recorded late through the first node: cash 0 again, 20 PK-1 at 105 on Tuesday
   * (2,100) and at 110 from Wednesday (2,200), answered by the second node's very next read.
   */
  @Test
  void aPriceOrATradeRecordedThroughOneNodeChangesWhatTheOtherKept() throws Exception {
    Api first = new Api(cluster.node(0).httpPort());
    Api second = new Api(cluster.node(1).httpPort());
    assertThat(first.put("/api/v1/instruments/PK-1", new JsonObject().put("currency", "USD")).status())
        .isEqualTo(201);
    String id = first.createPortfolio("pk-perf");
    deposit(first, id, "d-1", "2024-01-01T09:00:00Z");
    trade(first, id, "t-1", "2024-01-01T10:00:00Z");
    prices(first, "2024-01-01", "100", "2024-01-03", "110");

    assertThat(navs(second, id)).containsExactly("1000", "1000", "1100", "1100", "1100");
    double kept = cluster.node(1).registry().counter("pstate.performance.cache", "kind", "answer", "result", "hit")
        .count();
    assertThat(navs(second, id)).containsExactly("1000", "1000", "1100", "1100", "1100");
    assertThat(cluster.node(1).registry().counter("pstate.performance.cache", "kind", "answer", "result", "hit")
        .count()).isEqualTo(kept + 1);

    prices(first, "2024-01-02", "105");
    awaitNavs(second, id, List.of("1000", "1050", "1100", "1100", "1100"));

    deposit(first, id, "d-2", "2024-01-02T09:00:00Z");
    trade(first, id, "t-2", "2024-01-02T10:00:00Z");
    assertThat(navs(second, id)).containsExactly("1000", "2100", "2200", "2200", "2200");
  }

  private static void awaitNavs(Api api, String id, List<String> expected) throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    List<String> navs = navs(api, id);
    while (!navs.equals(expected)) {
      assertThat(System.nanoTime()).as("the other node answered " + navs + " for 10 s").isLessThan(deadline);
      Thread.sleep(20);
      navs = navs(api, id);
    }
  }

  private static List<String> navs(Api api, String id) {
    Api.Response response = api.get("/api/v1/portfolios/" + id + "/performance" + WEEK);
    assertThat(response.status()).as(response.body()).isEqualTo(200);
    List<String> navs = new ArrayList<>();
    response.json().getJsonArray("series").forEach(point -> navs.add(((JsonObject) point).getString("nav")));
    return navs;
  }

  private static void deposit(Api api, String id, String flowId, String occurredAt) {
    Api.Response response = api.post("/api/v1/portfolios/" + id + "/cash-flows", new JsonObject().put("flowId", flowId)
        .put("type", "DEPOSIT").put("currency", "USD").put("amount", "1000").put("occurredAt", occurredAt));
    assertThat(response.status()).as(response.body()).isEqualTo(201);
  }

  private static void trade(Api api, String id, String tradeId, String executedAt) {
    Api.Response response = api.post("/api/v1/portfolios/" + id + "/trades",
        Api.trade(tradeId, "PK-1", "BUY", "10", "100").put("executedAt", executedAt));
    assertThat(response.status()).as(response.body()).isEqualTo(201);
  }

  private static void prices(Api api, String... dateThenPrice) {
    JsonArray prices = new JsonArray();
    for (int i = 0; i < dateThenPrice.length; i += 2) {
      prices.add(new JsonObject().put("instrumentId", "PK-1").put("price", dateThenPrice[i + 1])
          .put("at", dateThenPrice[i] + "T16:00:00Z"));
    }
    Api.Response response = api.post("/api/v1/prices", prices);
    assertThat(response.status()).as(response.body()).isEqualTo(200);
  }
}
