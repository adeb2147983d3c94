package io.portfoliostate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.RunningNode;
import io.portfoliostate.fixtures.TestPool;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A {@code minSeq} read of the daily series is answered while the other portfolios of its set
 * keep trading: it waits for the recomputation of the changes the store had read when it read
 * the one asked for, not for the trades after it. Before, it waited until no member had any
 * change pending, which a steady flow into a set larger than a refresh (two portfolios here)
 * never allowed: the read ran out its time and answered 503. A real node, its DuckDB store and
 * PostgreSQL.
 */
class SeriesMinSeqFlowTest {

  @RegisterExtension
  static final RunningNode NODE = new RunningNode(new JsonObject().put("analytics", new JsonObject()
      .put("minSeqWaitMs", 10_000).put("series", new JsonObject().put("batch", 2))));

  private static final int MEMBERS = 12;
  private static TestPool pool;

  @BeforeAll
  static void open() {
    pool = TestPool.open(NODE.databaseUri(), "series-min-seq-flow-test");
  }

  @AfterAll
  static void close() throws Exception {
    pool.close();
  }

  /**
   * sf-0 … sf-11 (USD) each deposit 10,000 on Monday 16 November. While sf-1 … sf-11 keep
   * buying SF-US (one trade at a time, round the set), sf-0 deposits 500 more on Tuesday: the
   * read of the twelve given that deposit's global_seq answers 200 with sf-0 at 10,000 and
   * 10,500, and trades went on throughout the wait.
   */
  @Test
  void aMinSeqReadIsAnsweredWhileItsSetKeepsTrading() throws Exception {
    NODE.api().putInstrument("SF-US", new JsonObject().put("currency", "USD").put("sector", "Test"));
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < MEMBERS; i++) {
      String id = "sf-" + i;
      ids.add(id);
      NODE.api().createPortfolio(new JsonObject().put("id", id).put("name", id).put("baseCurrency", "USD"));
      deposit(id, "d-1", "10000", "2026-11-16T09:00:00Z");
    }
    NODE.api().closes("SF-US", "2026-11-16", "100");

    AtomicBoolean flowing = new AtomicBoolean(true);
    AtomicInteger trades = new AtomicInteger();
    AtomicReference<Throwable> failed = new AtomicReference<>();
    Thread flow = new Thread(() -> {
      try {
        while (flowing.get()) {
          int n = trades.getAndIncrement();
          NODE.api().tradeAt("sf-" + (1 + n % (MEMBERS - 1)), "t-" + n, "SF-US", "BUY", "1", "100",
              "2026-11-16T10:00:00Z");
        }
      } catch (Throwable e) {
        failed.set(e);
      }
    }, "series-flow");
    flow.start();
    try {
      while (trades.get() < 2 * MEMBERS && failed.get() == null) {
        Thread.sleep(10);
      }
      deposit("sf-0", "d-2", "500", "2026-11-17T09:00:00Z");
      long minSeq = TestPool.await(pool.pool().query(
          "SELECT max(global_seq) FROM portfolio_events WHERE portfolio_id = 'sf-0'").execute()).iterator().next()
          .getLong(0);

      int tradesBefore = trades.get();
      Api.Response answer = NODE.api().get("/api/v1/analytics/nav?portfolios=" + String.join(",", ids)
          + "&from=2026-11-16&to=2026-11-17&minSeq=" + minSeq);
      int tradesDuring = trades.get() - tradesBefore;

      assertThat(answer.status()).as(answer.body()).isEqualTo(200);
      List<String> navs = new ArrayList<>();
      JsonArray portfolios = answer.json().getJsonArray("portfolios");
      for (Object one : portfolios) {
        JsonObject portfolio = (JsonObject) one;
        if (portfolio.getString("portfolioId").equals("sf-0")) {
          for (Object point : portfolio.getJsonArray("series")) {
            navs.add(((JsonObject) point).getString("nav"));
          }
        }
      }
      assertThat(navs).as(answer.body()).containsExactly("10000", "10500");
      // The set kept trading while the read waited (else nothing here was tested).
      assertThat(tradesDuring).isGreaterThanOrEqualTo(MEMBERS);
    } finally {
      flowing.set(false);
      flow.join(30_000);
    }
    assertThat(failed.get()).isNull();
  }

  private static void deposit(String id, String flowId, String amount, String occurredAt) {
    Api.Response response = NODE.api().post("/api/v1/portfolios/" + id + "/cash-flows", new JsonObject()
        .put("flowId", flowId).put("type", "DEPOSIT").put("currency", "USD").put("amount", amount)
        .put("occurredAt", occurredAt));
    assertThat(response.status()).as(response.body()).isEqualTo(201);
  }
}
