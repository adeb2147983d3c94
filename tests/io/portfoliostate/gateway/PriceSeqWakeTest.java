package io.portfoliostate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.RunningNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A request waiting with {@code minPriceSeq} brings the daily series' next refresh forward: on a
 * node whose refreshes are ten minutes apart and take one portfolio each, a read given a price
 * write's {@code marketSeq} answers with that price within {@code analytics.minSeqWaitMs} (5 s),
 * where without the wake it would wait out the pause and answer 503. A real node, its DuckDB
 * store and PostgreSQL.
 */
class PriceSeqWakeTest {

  @RegisterExtension
  static final RunningNode NODE = new RunningNode(new JsonObject().put("analytics", new JsonObject()
      .put("minSeqWaitMs", 5_000).put("series", new JsonObject().put("intervalMs", 600_000).put("batch", 1))));

  /**
   * pw-1, pw-2, pw-3 (USD) each deposit 10,000 and buy 10 PW-US at 100 on Monday 16 November
   * (cash 9,000); PW-US closes at 120 that day, written after: pw-3's NAV is 9,000 + 10 × 120 =
   * 10,200 on that day and the next on the first read given the write's marketSeq, though the three are pending and a
   * refresh takes one.
   */
  @Test
  void aWaitingReadBringsTheNextRefreshForward() throws Exception {
    NODE.api().putInstrument("PW-US", new JsonObject().put("currency", "USD").put("sector", "Test"));
    for (String id : List.of("pw-1", "pw-2", "pw-3")) {
      NODE.api().createPortfolio(new JsonObject().put("id", id).put("name", id).put("baseCurrency", "USD"));
      Api.Response flow = NODE.api().post("/api/v1/portfolios/" + id + "/cash-flows", new JsonObject()
          .put("flowId", "d-1").put("type", "DEPOSIT").put("currency", "USD").put("amount", "10000")
          .put("occurredAt", "2026-11-16T09:00:00Z"));
      assertThat(flow.status()).as(flow.body()).isEqualTo(201);
      NODE.api().tradeAt(id, "t-1", "PW-US", "BUY", "10", "100", "2026-11-16T10:00:00Z");
    }
    long journalEnd = NODE.journalEnd();
    // The store has read the trades (exposures waits for the change only, not for the series).
    Api.Response read = NODE.api().get("/api/v1/analytics/exposures?minSeq=" + journalEnd);
    assertThat(read.status()).as(read.body()).isEqualTo(200);
    long written = NODE.api().closes("PW-US", "2026-11-16", "120");

    long asked = System.nanoTime();
    Api.Response answer = NODE.api().get("/api/v1/analytics/nav?portfolios=pw-3&from=2026-11-16&to=2026-11-17"
        + "&minPriceSeq=" + written);
    long tookMs = (System.nanoTime() - asked) / 1_000_000;
    assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    List<String> navs = new ArrayList<>();
    JsonArray portfolios = answer.json().getJsonArray("portfolios");
    assertThat(portfolios).as(answer.body()).hasSize(1);
    for (Object point : portfolios.getJsonObject(0).getJsonArray("series")) {
      navs.add(((JsonObject) point).getString("nav"));
    }
    assertThat(navs).containsExactly("10200", "10200");
    assertThat(tookMs).isLessThan(5_000);
  }
}
