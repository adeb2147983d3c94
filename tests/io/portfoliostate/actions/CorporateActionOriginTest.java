package io.portfoliostate.actions;

import static io.portfoliostate.fixtures.Api.trade;
import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.RunningNode;
import io.portfoliostate.fixtures.TestKeys;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Audit of corporate actions (issue 12): the events an action journals — by its fan-out to the
 * holders, and on the way of a late trade (a late holder) — carry the CORPORATE_ACTION origin
 * with the action's id, who posted it and the id of the request that posted it; the late
 * trade's own event keeps the trade's REST origin. A second POST of the same action (a replay,
 * by another request) does not change the poster. Real node, real PostgreSQL.
 */
class CorporateActionOriginTest {

  @RegisterExtension
  static final RunningNode NODE = new RunningNode();

  private static final String ACTIONS = "/api/v1/corporate-actions";
  private static final String BEFORE = "2026-01-01T12:00:00Z";
  private static final String EFFECTIVE = "2026-01-02T00:00:00Z";

  @Test
  void aSplitsEventsNameTheActionAndItsPosterOnTheFanOutAndOnTheLateHolderPath() {
    portfolio("oa-spl-holder");
    record("oa-spl-holder", trade("sh1", "OASPL", "BUY", "100", "50").put("executedAt", BEFORE), "req-buy");
    post(new JsonObject().put("actionId", "oa-split").put("instrumentId", "OASPL").put("type", "SPLIT")
        .put("ratio", "2:1").put("effectiveAt", EFFECTIVE), "req-split", 201);
    awaitDone("oa-split");
    // Posted again from another request: a replay, the poster stays the first one.
    post(new JsonObject().put("actionId", "oa-split").put("instrumentId", "OASPL").put("type", "SPLIT")
        .put("ratio", "2:1").put("effectiveAt", EFFECTIVE), "req-split-again", 200);

    JsonObject byAction = new JsonObject().put("principal", "key:" + TestKeys.ADMIN_KEY_ID)
        .put("channel", "CORPORATE_ACTION")
        .put("requestId", "req-split").put("actionId", "oa-split");
    JsonArray holder = events("oa-spl-holder");
    assertThat(summary(holder)).containsExactly(
        "PortfolioCreated REST req-create-oa-spl-holder",
        "TradeRecorded REST req-buy",
        "SplitApplied CORPORATE_ACTION req-split");
    assertThat(holder.getJsonObject(2).getJsonObject("origin")).isEqualTo(byAction);
    assertThat(holder.getJsonObject(2).getJsonObject("data").getString("actionId")).isEqualTo("oa-split");

    // A late holder: the split applied on the way is the action's doing, the trade the trader's.
    portfolio("oa-spl-late");
    record("oa-spl-late", trade("sl1", "OASPL", "BUY", "10", "60").put("executedAt", BEFORE), "req-late");
    JsonArray late = events("oa-spl-late");
    assertThat(summary(late)).containsExactly(
        "PortfolioCreated REST req-create-oa-spl-late",
        "SplitApplied CORPORATE_ACTION req-split",
        "TradeRecorded REST req-late");
    assertThat(late.getJsonObject(1).getJsonObject("origin")).isEqualTo(byAction);
    // Recorded as sent; its restated position carries it through the split (20 after it).
    assertThat(late.getJsonObject(2).getJsonObject("data").getString("quantity")).isEqualTo("10");
    assertThat(late.getJsonObject(2).getJsonObject("data").getJsonObject("restated").getJsonArray("positions")
        .getJsonObject(0).getString("quantity")).isEqualTo("20");
  }

  @Test
  void aDividendsEventsNameTheActionAndItsPosterOnTheFanOutAndOnTheLateHolderPath() {
    portfolio("oa-div-holder");
    record("oa-div-holder", trade("dh1", "OADIV", "BUY", "100", "10").put("executedAt", BEFORE), "req-hold");
    post(new JsonObject().put("actionId", "oa-div").put("instrumentId", "OADIV").put("type", "CASH_DIVIDEND")
        .put("amountPerShare", "0.35").put("effectiveAt", EFFECTIVE), "req-div", 201);
    awaitDone("oa-div");

    JsonObject byAction = new JsonObject().put("principal", "key:" + TestKeys.ADMIN_KEY_ID)
        .put("channel", "CORPORATE_ACTION")
        .put("requestId", "req-div").put("actionId", "oa-div");
    JsonArray holder = events("oa-div-holder");
    assertThat(summary(holder)).containsExactly(
        "PortfolioCreated REST req-create-oa-div-holder",
        "TradeRecorded REST req-hold",
        "DividendApplied CORPORATE_ACTION req-div");
    assertThat(holder.getJsonObject(2).getJsonObject("origin")).isEqualTo(byAction);

    // A late buyer before the effective time: one trade request, three events — the action
    // applied on the way (nothing held yet), the trade, and the dividend on what the trade
    // bought: both dividends by the action, the trade by the trader's request.
    portfolio("oa-div-late");
    record("oa-div-late", trade("dl1", "OADIV", "BUY", "40", "10").put("executedAt", BEFORE), "req-late-buy");
    JsonArray late = events("oa-div-late");
    assertThat(summary(late)).containsExactly(
        "PortfolioCreated REST req-create-oa-div-late",
        "DividendApplied CORPORATE_ACTION req-div",
        "TradeRecorded REST req-late-buy",
        "DividendApplied CORPORATE_ACTION req-div");
    assertThat(late.getJsonObject(1).getJsonObject("origin")).isEqualTo(byAction);
    assertThat(late.getJsonObject(3).getJsonObject("origin")).isEqualTo(byAction);
    // −400 + 40 · 0.35 = −386: the dividend was paid on the late buy, once.
    assertThat(api().get("/api/v1/portfolios/oa-div-late").json().getJsonArray("cash").getJsonObject(0)
        .getString("balance")).isEqualTo("-386");
  }

  // ---- helpers ---------------------------------------------------------------------------

  private static Api api() {
    return NODE.api();
  }

  private static void post(JsonObject action, String requestId, int status) {
    Api.Response response = api().send("POST", ACTIONS, "application/json", action.encode(),
        "X-Request-Id", requestId);
    assertThat(response.status()).as(response.body()).isEqualTo(status);
    assertThat(response.header("X-Request-Id")).isEqualTo(requestId);
  }

  private static void awaitDone(String actionId) {
    long deadline = System.nanoTime() + 15_000_000_000L;
    while (true) {
      JsonObject action = api().get(ACTIONS + "/" + actionId).json();
      if ("DONE".equals(action.getString("status")) || System.nanoTime() > deadline) {
        assertThat(action.getString("status")).as(action.encode()).isEqualTo("DONE");
        return;
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  private static void portfolio(String id) {
    Api.Response response = api().send("POST", "/api/v1/portfolios", "application/json",
        new JsonObject().put("id", id).put("name", id).put("baseCurrency", "USD").encode(),
        "X-Request-Id", "req-create-" + id);
    assertThat(response.status()).as(response.body()).isEqualTo(201);
  }

  private static void record(String id, JsonObject trade, String requestId) {
    Api.Response response = api().send("POST", "/api/v1/portfolios/" + id + "/trades", "application/json",
        trade.put("currency", "USD").encode(), "X-Request-Id", requestId);
    assertThat(response.status()).as(response.body()).isEqualTo(201);
  }

  private static JsonArray events(String id) {
    return api().get("/api/v1/portfolios/" + id + "/events").json().getJsonArray("events");
  }

  /** "type channel requestId" per event. */
  private static List<String> summary(JsonArray events) {
    List<String> lines = new ArrayList<>();
    events.forEach(item -> {
      JsonObject event = (JsonObject) item;
      JsonObject origin = event.getJsonObject("origin");
      lines.add(event.getString("type") + " " + origin.getString("channel") + " " + origin.getString("requestId"));
    });
    return lines;
  }
}
