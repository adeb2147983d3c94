package io.portfoliostate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.RunningNode;
import io.portfoliostate.fixtures.TestPool;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Many requests wait for the daily series at once, half with {@code minSeq} and half with
 * {@code minPriceSeq}, each over a set of its own, while trades and prices of other portfolios
 * flow: every one is answered 200 with its own write in its figures, though there are more sets
 * than a refresh takes first (16) and more portfolios pending than a refresh takes (10). A real
 * node (default refresh settings), its DuckDB store and PostgreSQL.
 */
class SeriesWaitersApiTest {

  @RegisterExtension
  static final RunningNode NODE = new RunningNode(new JsonObject().put("analytics", new JsonObject()
      .put("minSeqWaitMs", 10_000)));

  private static final int READERS = 50;
  private static TestPool pool;

  @BeforeAll
  static void open() {
    pool = TestPool.open(NODE.databaseUri(), "series-waiters-test");
  }

  @AfterAll
  static void close() throws Exception {
    pool.close();
  }

  /**
   * w-0 … w-49 (USD) each deposit 10,000 and buy 10 of an instrument of its own (WI-i) at 100 on
   * Monday 16 November, WI-i closing at 100: NAV 10,000 on Monday and Tuesday. Then, while fl-0 …
   * fl-4 keep buying WF-US and WF-US keeps getting prices: for even i, w-i deposits i + 1 on
   * Tuesday (NAV 10,001 + i); for odd i, WI-i closes at 100 + i on Tuesday (NAV 9,000 + 10 ×
   * (100 + i) = 10,000 + 10 i). Then 50 reads at once, the i-th of w-i, w-(i+1) and w-(i+2) given
   * its write's global_seq (even) or marketSeq (odd): each answers 200 with w-i's Tuesday at its
   * figure.
   */
  @Test
  void fiftyWaitingReadsAreEachAnsweredWithTheirOwnWrite() throws Exception {
    NODE.api().putInstrument("WF-US", new JsonObject().put("currency", "USD").put("sector", "Test"));
    for (int i = 0; i < READERS; i++) {
      String id = "w-" + i;
      NODE.api().putInstrument("WI-" + i, new JsonObject().put("currency", "USD").put("sector", "Test"));
      NODE.api().createPortfolio(new JsonObject().put("id", id).put("name", id).put("baseCurrency", "USD"));
      deposit(id, "d-1", "10000", "2026-11-16T09:00:00Z");
      NODE.api().tradeAt(id, "t-1", "WI-" + i, "BUY", "10", "100", "2026-11-16T10:00:00Z");
    }
    List<JsonObject> closes = new ArrayList<>();
    for (int i = 0; i < READERS; i++) {
      closes.add(new JsonObject().put("instrumentId", "WI-" + i).put("price", "100").put("at", "2026-11-16T16:00:00Z"));
    }
    long closed = NODE.api().postPrices(closes.toArray(new JsonObject[0]));
    for (int i = 0; i < 5; i++) {
      NODE.api().createPortfolio(new JsonObject().put("id", "fl-" + i).put("name", "fl-" + i).put("baseCurrency", "USD"));
    }
    // Every series computed before the writes under test (fifty new portfolios take a few
    // refreshes of ten: on a loaded machine, perhaps more than one wait's time).
    String everything = "/api/v1/analytics/nav?from=2026-11-16&to=2026-11-17&minSeq=" + pool.journalEnd()
        + "&minPriceSeq=" + closed;
    Api.Response ready = NODE.api().get(everything);
    for (int attempt = 1; attempt < 4 && ready.status() == 503; attempt++) {
      ready = NODE.api().get(everything);
    }
    assertThat(ready.status()).as(ready.body()).isEqualTo(200);

    AtomicBoolean flowing = new AtomicBoolean(true);
    AtomicInteger flowed = new AtomicInteger();
    AtomicReference<Throwable> failed = new AtomicReference<>();
    Thread flow = new Thread(() -> {
      try {
        while (flowing.get()) {
          int n = flowed.getAndIncrement();
          NODE.api().tradeAt("fl-" + n % 5, "t-" + n, "WF-US", "BUY", "1", "100", "2026-11-16T10:00:00Z");
          NODE.api().postPrices(new JsonObject().put("instrumentId", "WF-US").put("price", Integer.toString(100 + n % 7))
              .put("at", "2026-11-16T12:00:00Z"));
        }
      } catch (Throwable e) {
        failed.set(e);
      }
    }, "series-waiters-flow");
    flow.start();
    try {
      List<String> asks = new ArrayList<>();
      for (int i = 0; i < READERS; i++) {
        String id = "w-" + i;
        if (i % 2 == 0) {
          deposit(id, "d-2", Integer.toString(i + 1), "2026-11-17T09:00:00Z");
          asks.add("minSeq=" + TestPool.await(pool.pool().query(
              "SELECT max(global_seq) FROM portfolio_events WHERE portfolio_id = '" + id + "'").execute())
              .iterator().next().getLong(0));
        } else {
          asks.add("minPriceSeq=" + NODE.api().closes("WI-" + i, "2026-11-17", Integer.toString(100 + i)));
        }
      }
      List<CompletableFuture<Api.Response>> reads = new ArrayList<>();
      for (int i = 0; i < READERS; i++) {
        reads.add(NODE.api().sendAsync("GET", "/api/v1/analytics/nav?portfolios=w-" + i + ",w-" + (i + 1) % READERS
            + ",w-" + (i + 2) % READERS + "&from=2026-11-17&to=2026-11-17&" + asks.get(i), null, null));
      }
      for (int i = 0; i < READERS; i++) {
        Api.Response answer = reads.get(i).get(60, TimeUnit.SECONDS);
        assertThat(answer.status()).as("read %d: %s", i, answer.body()).isEqualTo(200);
        String expected = Integer.toString(i % 2 == 0 ? 10_001 + i : 10_000 + 10 * i);
        assertThat(tuesdayOf(answer.json(), "w-" + i)).as("read %d: %s", i, answer.body()).isEqualTo(expected);
      }
      assertThat(flowed.get()).as("the flow went on").isGreaterThan(READERS);
    } finally {
      flowing.set(false);
      flow.join(30_000);
    }
    assertThat(failed.get()).isNull();
  }

  private static String tuesdayOf(JsonObject answer, String id) {
    for (Object one : answer.getJsonArray("portfolios")) {
      JsonObject portfolio = (JsonObject) one;
      if (portfolio.getString("portfolioId").equals(id)) {
        for (Object point : portfolio.getJsonArray("series")) {
          if (((JsonObject) point).getString("date").equals("2026-11-17")) {
            return ((JsonObject) point).getString("nav");
          }
        }
      }
    }
    return null;
  }

  private static void deposit(String id, String flowId, String amount, String occurredAt) {
    Api.Response response = NODE.api().post("/api/v1/portfolios/" + id + "/cash-flows", new JsonObject()
        .put("flowId", flowId).put("type", "DEPOSIT").put("currency", "USD").put("amount", amount)
        .put("occurredAt", occurredAt));
    assertThat(response.status()).as(response.body()).isEqualTo(201);
  }
}
