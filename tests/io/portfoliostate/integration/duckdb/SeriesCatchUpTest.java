package io.portfoliostate.integration.duckdb;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.app.Node;
import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.TestDatabase;
import io.portfoliostate.fixtures.TestNode;
import io.portfoliostate.fixtures.TestPool;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A price recorded while a node was down (by another node of the cluster, straight into the
 * shared {@code prices} table) reaches the node's daily series when it starts again, without any
 * change of the portfolio: the series resume reading the stored prices and rates at the place
 * their store recorded (in {@code (tx, market_seq)} order), so they read that one row, and no
 * other, and mark its instrument from the price's own (back-dated) day. Real PostgreSQL, a real
 * DuckDB store kept across the restart.
 */
class SeriesCatchUpTest {

  private static final String WINDOW = "from=2026-11-02&to=2026-11-04";

  /**
   * cu-1 (USD): 10,000 deposited Monday 2 November, 20 CU-US bought at 100 (cash 8,000); CU-US
   * 100 on Monday, 110 on Wednesday. NAVs: Monday 10,000, Tuesday 10,000 (Monday's price),
   * Wednesday 8,000 + 20 × 110 = 10,200. While the node is down a price of 105 for Tuesday is
   * recorded: after the restart Tuesday is 8,000 + 20 × 105 = 10,100, Wednesday unchanged.
   */
  @Test
  void aPriceRecordedWhileTheNodeWasDownReachesTheSeriesAtRestart() throws Exception {
    String uri = TestDatabase.freshDatabaseUri();
    JsonObject overrides = new JsonObject().put("analytics", new JsonObject().put("dir", TestNode.freshAnalyticsDir())
        .put("minSeqWaitMs", 15_000).put("series", new JsonObject().put("intervalMs", 20)));
    Node node = TestNode.start(uri, overrides);
    try {
      Api api = new Api(node.httpPort());
      api.putInstrument("CU-US", new JsonObject().put("currency", "USD").put("sector", "Test"));
      api.createPortfolio(new JsonObject().put("id", "cu-1").put("name", "cu-1").put("baseCurrency", "USD"));
      Api.Response flow = api.post("/api/v1/portfolios/cu-1/cash-flows", new JsonObject().put("flowId", "d-1")
          .put("type", "DEPOSIT").put("currency", "USD").put("amount", "10000")
          .put("occurredAt", "2026-11-02T09:00:00Z"));
      assertThat(flow.status()).as(flow.body()).isEqualTo(201);
      Api.Response trade = api.post("/api/v1/portfolios/cu-1/trades",
          Api.trade("t-1", "CU-US", "BUY", "20", "100").put("executedAt", "2026-11-02T10:00:00Z"));
      assertThat(trade.status()).as(trade.body()).isEqualTo(201);
      long written = api.postPrices(price("2026-11-02", "100"), price("2026-11-04", "110"));
      // Read and marked by a refresh (minPriceSeq), so the restart has nothing of them to read again.
      assertThat(navsOnce(api, uri, written)).containsExactly("10000", "10000", "10200");
      assertThat(api.get("/api/v1/analytics/status").json().getLong("priceSeq")).isEqualTo(written);
    } finally {
      node.close();
    }

    // Another node records a back-dated price while this one is down.
    long recorded;
    try (TestPool pool = TestPool.open(uri, "series-catch-up-test")) {
      recorded = TestPool.await(pool.pool().preparedQuery("INSERT INTO prices (instrument_id, at, price, currency, "
          + "recorded_at) VALUES ($1, $2, $3, $4, now()) RETURNING market_seq").execute(Tuple.of("CU-US",
              OffsetDateTime.of(2026, 11, 3, 16, 0, 0, 0, ZoneOffset.UTC), new java.math.BigDecimal("105"), "USD")))
          .iterator().next().getLong(0);
    }

    Node restarted = TestNode.start(uri, overrides);
    try {
      Api api = new Api(restarted.httpPort());
      // The first read given the row's market_seq has it.
      assertThat(navsOnce(api, uri, recorded)).containsExactly("10000", "10100", "10200");
      assertThat(api.get("/api/v1/analytics/status").json().getLong("priceSeq")).isEqualTo(recorded);
      // Resumed at the recorded place: the one row stored while down was read, not the three.
      assertThat(restarted.registry().find("pstate.analytics.series.prices").counter().count()).isEqualTo(1.0);
    } finally {
      restarted.close();
    }
  }

  /** The store's NAVs of cu-1 over the window, read once with {@code minPriceSeq}; fails unless 200. */
  private static List<String> navsOnce(Api api, String uri, long minPriceSeq) throws Exception {
    Api.Response answer = api.get("/api/v1/analytics/nav?portfolios=cu-1&" + WINDOW + "&minPriceSeq=" + minPriceSeq
        + "&minSeq=" + journalEnd(uri));
    assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    List<String> read = new ArrayList<>();
    JsonArray portfolios = answer.json().getJsonArray("portfolios");
    if (!portfolios.isEmpty()) {
      for (Object point : portfolios.getJsonObject(0).getJsonArray("series")) {
        read.add(((JsonObject) point).getString("nav"));
      }
    }
    return read;
  }

  private static JsonObject price(String date, String price) {
    return new JsonObject().put("instrumentId", "CU-US").put("price", price).put("at", date + "T16:00:00Z");
  }

  /** The highest global_seq of the journal. */
  private static long journalEnd(String uri) throws Exception {
    try (TestPool pool = TestPool.open(uri, "series-catch-up-test")) {
      return TestPool.await(pool.pool().query("SELECT coalesce(max(global_seq), 0) FROM portfolio_events").execute())
          .iterator().next().getLong(0);
    }
  }

}
