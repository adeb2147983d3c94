package io.portfoliostate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.app.Node;
import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.RunningNode;
import io.portfoliostate.fixtures.TestNode;
import io.vertx.core.json.JsonObject;
import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * With {@code http.performance.warmUp}, a node starting on a database that has prices keeps the
 * last year of every priced instrument once its synthetic rounds are done, so the first read of a
 * recent window asks PostgreSQL for no price. A second node on the first one's database (a
 * restart, as an operator would do it), through its REST API.
 */
class PerformancePreloadTest {

  @RegisterExtension
  static final RunningNode NODE = new RunningNode();

  /**
   * PP-1 closed at 100 eleven weekdays ago and at 110 on the last weekday before today, 10 bought
   * at 100 with the 1,000 deposited: the second node's first read of the last two weeks is a
   * slice of what its warm-up kept (no price miss), its NAVs 1,000 then 1,100.
   */
  @Test
  void theWarmUpKeepsTheLastYearOfPricesForTheFirstRead() throws Exception {
    List<LocalDate> days = weekdaysBeforeToday(11);
    LocalDate first = days.get(0);
    LocalDate last = days.get(days.size() - 1);
    Api api = NODE.api();
    api.putInstrument("PP-1", new JsonObject().put("currency", "USD"));
    String id = api.createPortfolio("pp-warm");
    Api.Response deposit = api.post("/api/v1/portfolios/" + id + "/cash-flows", new JsonObject().put("flowId", "d-1")
        .put("type", "DEPOSIT").put("currency", "USD").put("amount", "1000").put("occurredAt", first + "T09:00:00Z"));
    assertThat(deposit.status()).as(deposit.body()).isEqualTo(201);
    Api.Response bought = api.post("/api/v1/portfolios/" + id + "/trades",
        Api.trade("t-1", "PP-1", "BUY", "10", "100").put("executedAt", first + "T10:00:00Z"));
    assertThat(bought.status()).as(bought.body()).isEqualTo(201);
    api.postPrices(new JsonObject().put("instrumentId", "PP-1").put("price", "100").put("at", first + "T16:00:00Z"),
        new JsonObject().put("instrumentId", "PP-1").put("price", "110").put("at", last + "T16:00:00Z"));

    Node restarted = TestNode.start(NODE.databaseUri(), new JsonObject().put("http", new JsonObject()
        .put("performance", new JsonObject().put("warmUp", true))));
    try {
      long deadline = System.nanoTime() + 120_000_000_000L;
      while (kept(restarted) < 2 && System.nanoTime() < deadline) {
        Thread.sleep(200);
      }
      assertThat(kept(restarted)).isEqualTo(2);
      Api.Response read = new Api(restarted.httpPort()).get("/api/v1/portfolios/" + id + "/performance?from=" + first
          + "&to=" + last);
      assertThat(read.status()).as(read.body()).isEqualTo(200);
      List<String> navs = new ArrayList<>();
      read.json().getJsonArray("series").forEach(point -> navs.add(((JsonObject) point).getString("nav")));
      assertThat(navs.get(0)).isEqualTo("1000");
      assertThat(navs.subList(1, navs.size() - 1)).containsOnly("1000");
      assertThat(navs.get(navs.size() - 1)).isEqualTo("1100");
      assertThat(navs).hasSize(11);
      assertThat(restarted.registry().counter("pstate.performance.cache", "kind", "prices", "result", "miss").count())
          .isZero();
      assertThat(restarted.registry().counter("pstate.performance.cache", "kind", "prices", "result", "hit").count())
          .isEqualTo(1);
    } finally {
      restarted.close();
    }
  }

  private static double kept(Node node) {
    var gauge = node.registry().find("pstate.performance.prices.kept").gauge();
    return gauge == null ? 0 : gauge.value();
  }

  /** The {@code count} weekdays before today, oldest first. */
  private static List<LocalDate> weekdaysBeforeToday(int count) {
    List<LocalDate> days = new ArrayList<>();
    for (LocalDate day = LocalDate.now(ZoneOffset.UTC).minusDays(1); days.size() < count; day = day.minusDays(1)) {
      if (day.getDayOfWeek() != DayOfWeek.SATURDAY && day.getDayOfWeek() != DayOfWeek.SUNDAY) {
        days.add(0, day);
      }
    }
    return days;
  }
}
