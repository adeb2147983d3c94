package io.portfoliostate.actions;

import static io.portfoliostate.fixtures.Api.trade;
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
 * Late holders (issue 17, item 2): a trade executed before an action's effective time that
 * arrives after the action was fanned out (DONE) is treated as if it had arrived before the
 * fan-out. A first trade into a new portfolio is converted by the split and flagged; a trade
 * that changes what was held at an already-paid dividend's effective time receives (or pays) the
 * dividend on that quantity; a trade executed after the effective time is left alone; and the
 * action's progress lists the late holder once it is applied there.
 */
class LateHolderTest {

  @RegisterExtension
  static final RunningNode NODE = new RunningNode();

  private static final String ACTIONS = "/api/v1/corporate-actions";
  private static final String BEFORE = "2026-01-01T12:00:00Z";
  private static final String EFFECTIVE = "2026-01-02T00:00:00Z";
  private static final String AFTER = "2026-01-03T12:00:00Z";

  @Test
  void aFirstTradeExecutedBeforeADoneSplitIsFoldedBeforeItAndTheLateHolderShowsInTheProgress() {
    String early = portfolio("lh-spl-early");
    trades(early, trade("se1", "LHSPL", "BUY", "100", "50").put("executedAt", BEFORE));
    post(new JsonObject().put("actionId", "lh-split").put("instrumentId", "LHSPL").put("type", "SPLIT")
        .put("ratio", "2:1").put("effectiveAt", EFFECTIVE));
    awaitDone("lh-split");

    String late = portfolio("lh-spl-late");
    trades(late, trade("sl1", "LHSPL", "BUY", "10", "60").put("executedAt", BEFORE));
    String after = portfolio("lh-spl-after");
    trades(after, trade("sa1", "LHSPL", "BUY", "10", "31").put("executedAt", AFTER));

    // 10 @ 60 before a 2:1 split is 20 @ 30 after it.
    JsonObject position = position(late, "LHSPL");
    assertThat(position.getString("quantity")).isEqualTo("20");
    assertThat(position.getString("averageCost")).isEqualTo("30");
    assertThat(position.getString("costBasis")).isEqualTo("600");
    JsonArray events = events(late);
    assertThat(types(events)).containsExactly("PortfolioCreated", "SplitApplied", "TradeRecorded");
    // Recorded as sent, flagged with the split it crossed; its restated position holds 20 @ 30.
    JsonObject recorded = events.getJsonObject(2).getJsonObject("data");
    assertThat(recorded.getString("quantity")).isEqualTo("10");
    assertThat(recorded.getString("price")).isEqualTo("60");
    assertThat(recorded.getJsonArray("adjustedBy")).containsExactly("lh-split");
    assertThat(recorded.getJsonObject("restated").getJsonArray("positions").getJsonObject(0).getString("quantity"))
        .isEqualTo("20");
    // Bought after the split: as sent, and the split is not applied to it.
    assertThat(position(after, "LHSPL").getString("quantity")).isEqualTo("10");
    assertThat(types(events(after))).containsExactly("PortfolioCreated", "TradeRecorded");
    assertThat(position(early, "LHSPL").getString("quantity")).isEqualTo("200");

    JsonObject progress = awaitPortfolios("lh-split", 2);
    assertThat(progress.getString("status")).isEqualTo("DONE");
    assertThat(progress.getJsonArray("portfolios")).containsExactly(
        new JsonObject().put("portfolioId", "lh-spl-early").put("status", "APPLIED").put("version", 3),
        new JsonObject().put("portfolioId", "lh-spl-late").put("status", "APPLIED").put("version", 2));
  }

  @Test
  void lateTradesBeforeAPaidDividendReceiveOrPayItOnWhatTheyChangedExactly() {
    String holder = portfolio("lh-div-holder");
    trades(holder, trade("dh1", "LHDIV", "BUY", "100", "10").put("executedAt", BEFORE));
    post(new JsonObject().put("actionId", "lh-div").put("instrumentId", "LHDIV").put("type", "CASH_DIVIDEND")
        .put("amountPerShare", "0.35").put("effectiveAt", EFFECTIVE));
    awaitDone("lh-div");
    assertThat(cash(holder)).isEqualTo("-965"); // −1000 + 100 · 0.35

    // The holder sold 30 before the effective time: it was owed the dividend on 70, not 100.
    trades(holder, trade("dh2", "LHDIV", "SELL", "30", "11").put("executedAt", BEFORE));
    String buyer = portfolio("lh-div-buyer");
    trades(buyer, trade("db1", "LHDIV", "BUY", "40", "10").put("executedAt", BEFORE));
    String shorter = portfolio("lh-div-short");
    trades(shorter, trade("ds1", "LHDIV", "SELL", "20", "10").put("executedAt", BEFORE));
    String after = portfolio("lh-div-after");
    trades(after, trade("da1", "LHDIV", "BUY", "10", "10").put("executedAt", AFTER));

    // −965 + 330 − 30 · 0.35 = −645.5
    assertThat(cash(holder)).isEqualTo("-645.5");
    // −400 + 40 · 0.35 = −386
    assertThat(cash(buyer)).isEqualTo("-386");
    // +200 − 20 · 0.35 = 193 (the short pays it)
    assertThat(cash(shorter)).isEqualTo("193");
    assertThat(cash(after)).isEqualTo("-100");
    assertThat(types(events(buyer))).containsExactly("PortfolioCreated", "DividendApplied", "TradeRecorded",
        "DividendApplied");
    assertThat(types(events(after))).containsExactly("PortfolioCreated", "TradeRecorded");
    // Sent again: the same answer, nothing paid twice.
    Api.Response replay = api().post("/api/v1/portfolios/" + buyer + "/trades",
        trade("db1", "LHDIV", "BUY", "40", "10").put("executedAt", BEFORE).put("currency", "USD"));
    assertThat(replay.status()).isEqualTo(200);
    assertThat(cash(buyer)).isEqualTo("-386");

    JsonObject progress = awaitPortfolios("lh-div", 3);
    assertThat(progress.getString("status")).isEqualTo("DONE");
    assertThat(progress.getJsonArray("portfolios")).containsExactly(
        new JsonObject().put("portfolioId", "lh-div-buyer").put("status", "APPLIED").put("version", 2),
        new JsonObject().put("portfolioId", "lh-div-holder").put("status", "APPLIED").put("version", 3),
        new JsonObject().put("portfolioId", "lh-div-short").put("status", "APPLIED").put("version", 2));
  }

  // ---- helpers ---------------------------------------------------------------------------

  private static Api api() {
    return NODE.api();
  }

  private static void post(JsonObject action) {
    Api.Response response = api().post(ACTIONS, action);
    assertThat(response.status()).as(response.body()).isEqualTo(201);
  }

  private static JsonObject awaitDone(String actionId) {
    long deadline = System.nanoTime() + 15_000_000_000L;
    while (true) {
      JsonObject action = api().get(ACTIONS + "/" + actionId).json();
      if ("DONE".equals(action.getString("status")) || System.nanoTime() > deadline) {
        assertThat(action.getString("status")).as(action.encode()).isEqualTo("DONE");
        return action;
      }
      pause();
    }
  }

  private static void pause() {
    try {
      Thread.sleep(100);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Polls the action until its progress lists {@code count} portfolios (at most 15 seconds). */
  private static JsonObject awaitPortfolios(String actionId, int count) {
    long deadline = System.nanoTime() + 15_000_000_000L;
    while (true) {
      JsonObject action = api().get(ACTIONS + "/" + actionId).json();
      if (action.getJsonArray("portfolios").size() >= count || System.nanoTime() > deadline) {
        assertThat(action.getJsonArray("portfolios")).as(action.encode()).hasSize(count);
        return action;
      }
      pause();
    }
  }

  private static String portfolio(String id) {
    return api().createPortfolio(new JsonObject().put("id", id).put("name", id).put("baseCurrency", "USD")
        .put("costMethod", "AVERAGE"));
  }

  private static void trades(String id, JsonObject... trades) {
    for (JsonObject trade : trades) {
      Api.Response response = api().post("/api/v1/portfolios/" + id + "/trades", trade.put("currency", "USD"));
      assertThat(response.status()).as(response.body()).isEqualTo(201);
    }
  }

  private static JsonObject position(String id, String instrument) {
    for (Object item : api().get("/api/v1/portfolios/" + id).json().getJsonArray("positions")) {
      JsonObject position = (JsonObject) item;
      if (position.getString("instrumentId").equals(instrument)) {
        return position;
      }
    }
    throw new AssertionError("no position in " + instrument + " in " + id);
  }

  private static JsonArray events(String id) {
    return api().get("/api/v1/portfolios/" + id + "/events?afterVersion=0").json().getJsonArray("events");
  }

  private static List<String> types(JsonArray events) {
    List<String> types = new ArrayList<>();
    events.forEach(event -> types.add(((JsonObject) event).getString("type")));
    return types;
  }

  private static String cash(String id) {
    JsonArray cash = api().get("/api/v1/portfolios/" + id).json().getJsonArray("cash");
    assertThat(cash).hasSize(1);
    return cash.getJsonObject(0).getString("balance");
  }
}
