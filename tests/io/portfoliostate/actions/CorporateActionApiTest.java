package io.portfoliostate.actions;

import static io.portfoliostate.fixtures.Api.trade;
import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.RunningNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Corporate actions through the REST API against a real node and PostgreSQL (DOMAIN.md,
 * Corporate actions), with exact figures: splits on long and short positions under AVERAGE and
 * FIFO, dividends received and paid, holders without a position skipped, an action posted
 * twice applied once, a late trade converted, a future action waiting for its time, and bad
 * input refused with nothing stored. Each test uses its own instrument, so they do not meet.
 */
class CorporateActionApiTest {

  @RegisterExtension
  static final RunningNode NODE = new RunningNode();

  private static final String ACTIONS = "/api/v1/corporate-actions";
  private static final Instant PAST = Instant.parse("2026-01-01T00:00:00Z");

  @Test
  void splitsRestateLongAndShortPositionsUnderAverageAndFifoAndSkipHoldersWithoutAPosition() {
    String avg = portfolio("spl-avg", "AVERAGE");
    deposit(avg, "10000");
    trades(avg, trade("a1", "SPL", "BUY", "100", "150").put("fees", "1"),
        trade("a2", "SPL", "SELL", "30", "200").put("strategy", "hedge"));
    String fifo = portfolio("spl-fifo", "FIFO");
    trades(fifo, trade("f1", "SPL", "BUY", "100", "15"), trade("f2", "SPL", "BUY", "50", "18"),
        trade("f3", "SPL", "SELL", "40", "20"));
    String flat = portfolio("spl-flat", "AVERAGE");
    trades(flat, trade("x1", "SPL", "BUY", "10", "100"), trade("x2", "SPL", "SELL", "10", "110"));
    String other = portfolio("spl-other", "AVERAGE");
    trades(other, trade("o1", "OTHER1", "BUY", "10", "100"));
    JsonObject avgBefore = state(avg);

    JsonObject posted = post(split("spl-2-1", "SPL", "2:1", PAST));
    JsonObject done = awaitDone("spl-2-1");

    assertThat(posted.getString("ratio")).isEqualTo("2:1");
    assertThat(done.getJsonArray("portfolios")).containsExactly(
        new JsonObject().put("portfolioId", "spl-avg").put("status", "APPLIED").put("version", 5),
        new JsonObject().put("portfolioId", "spl-fifo").put("status", "APPLIED").put("version", 5),
        new JsonObject().put("portfolioId", "spl-flat").put("status", "SKIPPED").put("version", 4)
            .put("detail", "no open position in SPL"));
    assertThat(done.getJsonObject("counts")).isEqualTo(new JsonObject().put("portfolios", 3).put("APPLIED", 2)
        .put("SKIPPED", 1).put("FAILED", 0));
    // AVERAGE: long 100 @ 150 (fees apart) → 200 @ 75; short 30 @ 200 → 60 @ 100.
    JsonObject avgLong = position(avg, "SPL", "default");
    assertThat(avgLong.getString("quantity")).isEqualTo("200");
    assertThat(avgLong.getString("averageCost")).isEqualTo("75");
    assertThat(avgLong.getString("costBasis")).isEqualTo(position(avgBefore, "SPL", "default").getString("costBasis"));
    JsonObject avgShort = position(avg, "SPL", "hedge");
    assertThat(avgShort.getString("quantity")).isEqualTo("-60");
    assertThat(avgShort.getString("averageCost")).isEqualTo("100");
    assertThat(avgShort.getString("realizedPnl")).isEqualTo("0");
    assertThat(state(avg).getJsonArray("cash")).isEqualTo(avgBefore.getJsonArray("cash"));
    // FIFO: 40 of the 15 lot sold (realized 200): lots 60 @ 15 and 50 @ 18 → 120 @ 7.5 and 100 @ 9.
    JsonObject fifoLong = position(fifo, "SPL", "default");
    assertThat(fifoLong.getString("quantity")).isEqualTo("220");
    assertThat(fifoLong.getString("realizedPnl")).isEqualTo("200");
    assertThat(lots(fifoLong)).containsExactly("120@7.5", "100@9");
    assertThat(position(flat, "SPL", "default").getString("quantity")).isEqualTo("0");
    assertThat(state(other).getLong("version")).isEqualTo(2L);

    // A reverse split 1:10 on what the 2:1 left: 200 → 20 @ 750; short −60 → −6 @ 1000; lots 12 @ 75, 10 @ 90.
    post(split("spl-1-10", "SPL", "1:10", PAST));
    awaitDone("spl-1-10");

    assertThat(position(avg, "SPL", "default").getString("quantity")).isEqualTo("20");
    assertThat(position(avg, "SPL", "default").getString("averageCost")).isEqualTo("750");
    assertThat(position(avg, "SPL", "hedge").getString("quantity")).isEqualTo("-6");
    assertThat(position(avg, "SPL", "hedge").getString("averageCost")).isEqualTo("1000");
    assertThat(lots(position(fifo, "SPL", "default"))).containsExactly("12@75", "10@90");
    assertThat(position(fifo, "SPL", "default").getString("realizedPnl")).isEqualTo("200");
    assertThat(state(avg).getJsonArray("cash")).isEqualTo(avgBefore.getJsonArray("cash"));
  }

  @Test
  void aDividendCreditsALongAndDebitsAShortExactly() {
    String lng = portfolio("div-long", "AVERAGE");
    deposit(lng, "1000");
    trades(lng, trade("l1", "DIV", "BUY", "150", "10"));
    String sht = portfolio("div-short", "AVERAGE");
    deposit(sht, "1000");
    trades(sht, trade("s1", "DIV", "SELL", "40", "10"));

    post(dividend("div-q1", "DIV", "0.24", PAST));
    awaitDone("div-q1");

    // 1000 − 1500 + 150 · 0.24 = −464; 1000 + 400 − 40 · 0.24 = 1390.4
    assertThat(cash(lng)).isEqualTo("-464");
    assertThat(cash(sht)).isEqualTo("1390.4");
    JsonArray events = api().get("/api/v1/portfolios/div-short/events?afterVersion=3").json().getJsonArray("events");
    assertThat(events).hasSize(1);
    assertThat(events.getJsonObject(0).getString("type")).isEqualTo("DividendApplied");
  }

  @Test
  void theSameActionPostedTwiceAppliesOnceAndOtherContentUnderItsIdIsAConflict() {
    String id = portfolio("twice-1", "AVERAGE");
    trades(id, trade("t1", "TWICE", "BUY", "10", "10"));
    JsonObject body = dividend("twice-div", "TWICE", "1.5", PAST);

    Api.Response first = api().post(ACTIONS, body);
    awaitDone("twice-div");
    Api.Response again = api().post(ACTIONS, body.copy().put("amountPerShare", "1.50"));
    Api.Response other = api().post(ACTIONS, body.copy().put("amountPerShare", "2"));

    assertThat(first.status()).isEqualTo(201);
    assertThat(first.header("Location")).isEqualTo(ACTIONS + "/twice-div");
    assertThat(again.status()).isEqualTo(200);
    assertThat(again.json().getString("status")).isEqualTo("DONE");
    assertThat(again.json().getJsonArray("portfolios")).hasSize(1);
    assertThat(other.status()).isEqualTo(409);
    assertThat(other.contentType()).isEqualTo("application/problem+json");
    assertThat(awaitDone("twice-div").getString("amountPerShare")).isEqualTo("1.5");
    // −100 for the trade, +15 once.
    assertThat(cash(id)).isEqualTo("-85");
    assertThat(state(id).getLong("version")).isEqualTo(3L);
  }

  @Test
  void aLateTradeExecutedBeforeTheSplitIsFoldedBeforeItAndFlagged() {
    String id = portfolio("late-1", "AVERAGE");
    trades(id, trade("e1", "LATE", "BUY", "100", "50").put("executedAt", "2026-01-01T10:00:00Z"));
    post(split("late-split", "LATE", "2:1", Instant.parse("2026-01-02T00:00:00Z")));
    awaitDone("late-split");

    trades(id, trade("e2", "LATE", "BUY", "10", "60").put("executedAt", "2026-01-01T12:00:00Z"),
        trade("e3", "LATE", "BUY", "10", "31").put("executedAt", "2026-01-03T12:00:00Z"));

    // 100 @ 50 and 10 @ 60 before the split (200 @ 25 and 20 @ 30 after it), then 10 @ 31:
    // 230 @ (5000 + 600 + 310) / 230.
    JsonObject position = position(id, "LATE", "default");
    assertThat(position.getString("quantity")).isEqualTo("230");
    assertThat(position.getString("costBasis")).isEqualTo("5910");
    JsonArray events = api().get("/api/v1/portfolios/late-1/events?afterVersion=3").json().getJsonArray("events");
    assertThat(events).hasSize(2);
    JsonObject converted = events.getJsonObject(0);
    assertThat(converted.getString("type")).isEqualTo("TradeRecorded");
    // As sent: the journal keeps the fact as it arrived; its restated position carries it through the split.
    assertThat(payload(converted).getString("quantity")).isEqualTo("10");
    assertThat(payload(converted).getString("price")).isEqualTo("60");
    assertThat(payload(converted).getJsonObject("restated").getJsonArray("positions").getJsonObject(0)
        .getString("costBasis")).isEqualTo("5600");
    assertThat(payload(converted).getJsonArray("adjustedBy")).containsExactly("late-split");
    assertThat(payload(events.getJsonObject(1)).getString("quantity")).isEqualTo("10");
    assertThat(payload(events.getJsonObject(1)).containsKey("adjustedBy")).isFalse();
  }

  @Test
  void aFutureActionWaitsForItsTime() throws InterruptedException {
    String id = portfolio("future-1", "AVERAGE");
    trades(id, trade("u1", "FUT", "BUY", "10", "10"));
    Instant effective = Instant.now().plusSeconds(2).truncatedTo(ChronoUnit.MILLIS);

    JsonObject posted = post(dividend("fut-div", "FUT", "0.5", effective));
    Thread.sleep(500);
    JsonObject waiting = api().get(ACTIONS + "/fut-div").json();
    JsonObject done = awaitDone("fut-div");

    assertThat(posted.getString("status")).isEqualTo("PENDING");
    assertThat(waiting.getString("status")).isEqualTo("PENDING");
    assertThat(waiting.getJsonArray("portfolios")).isEmpty();
    assertThat(done.getString("effectiveAt")).isEqualTo(effective.toString());
    assertThat(Instant.parse(done.getString("updatedAt"))).isAfterOrEqualTo(effective);
    assertThat(cash(id)).isEqualTo("-95");
  }

  @Test
  void badInputIsRefusedAndNothingIsStored() {
    JsonObject good = split("bad-1", "BAD", "2:1", PAST);
    List<JsonObject> bad = new ArrayList<>(List.of(
        good.copy().put("actionId", "bad-no-ratio").put("ratio", (String) null),
        good.copy().put("actionId", "bad-zero").put("ratio", "0:1"),
        good.copy().put("actionId", "bad-one").put("ratio", "1:1"),
        good.copy().put("actionId", "bad-text").put("ratio", "two:one"),
        dividend("bad-div-0", "BAD", "0", PAST),
        dividend("bad-div-neg", "BAD", "-1", PAST),
        dividend("bad-div-missing", "BAD", "1", PAST).put("amountPerShare", (String) null),
        dividend("bad-div-ratio", "BAD", "1", PAST).put("ratio", "2:1"),
        good.copy().put("actionId", "bad-type").put("type", "SPINOFF"),
        good.copy().put("actionId", "bad id!"),
        good.copy().put("actionId", "bad-instr").put("instrumentId", "no such/instrument"),
        good.copy().put("actionId", "bad-zone").put("effectiveAt", "2026-01-01T00:00:00"),
        good.copy().put("actionId", "bad-field").put("note", "hello"),
        good.copy().put("actionId", "bad-split-amount").put("amountPerShare", "1")));
    bad.forEach(body -> {
      body.getMap().values().removeIf(java.util.Objects::isNull);
      Api.Response response = api().post(ACTIONS, body);
      assertThat(response.status()).as(body.encode()).isEqualTo(400);
      assertThat(response.contentType()).isEqualTo("application/problem+json");
      assertThat(response.json().getJsonArray("errors")).as(body.encode()).isNotEmpty();
    });
    for (String id : List.of("bad-no-ratio", "bad-zero", "bad-one", "bad-text", "bad-div-0", "bad-div-neg",
        "bad-div-missing", "bad-div-ratio", "bad-type", "bad-instr", "bad-zone", "bad-field", "bad-split-amount")) {
      assertThat(api().get(ACTIONS + "/" + id).status()).as(id).isEqualTo(404);
    }
    assertThat(api().send("POST", ACTIONS, "application/json", "{\"actionId\":").status()).isEqualTo(400);
    assertThat(api().get(ACTIONS + "/bad%20id").status()).isEqualTo(400);
  }

  // ---- helpers ---------------------------------------------------------------------------

  private static Api api() {
    return NODE.api();
  }

  private static JsonObject split(String actionId, String instrument, String ratio, Instant effectiveAt) {
    return new JsonObject().put("actionId", actionId).put("instrumentId", instrument).put("type", "SPLIT")
        .put("ratio", ratio).put("effectiveAt", effectiveAt.toString());
  }

  private static JsonObject dividend(String actionId, String instrument, String amount, Instant effectiveAt) {
    return new JsonObject().put("actionId", actionId).put("instrumentId", instrument).put("type", "CASH_DIVIDEND")
        .put("amountPerShare", amount).put("effectiveAt", effectiveAt.toString());
  }

  private static JsonObject post(JsonObject action) {
    Api.Response response = api().post(ACTIONS, action);
    assertThat(response.status()).as(response.body()).isEqualTo(201);
    return response.json();
  }

  /** Polls the action until it is DONE (at most 15 seconds). */
  static JsonObject awaitDone(String actionId) {
    long deadline = System.nanoTime() + 15_000_000_000L;
    while (true) {
      JsonObject action = api().get(ACTIONS + "/" + actionId).json();
      if ("DONE".equals(action.getString("status")) || System.nanoTime() > deadline) {
        assertThat(action.getString("status")).as(action.encode()).isEqualTo("DONE");
        return action;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  private static String portfolio(String id, String costMethod) {
    return api().createPortfolio(new JsonObject().put("id", id).put("name", id).put("baseCurrency", "USD")
        .put("costMethod", costMethod));
  }

  private static void deposit(String id, String amount) {
    Api.Response response = api().post("/api/v1/portfolios/" + id + "/cash-flows", new JsonObject()
        .put("flowId", "dep-" + id).put("type", "DEPOSIT").put("currency", "USD").put("amount", amount));
    assertThat(response.status()).as(response.body()).isEqualTo(201);
  }

  private static void trades(String id, JsonObject... trades) {
    for (JsonObject trade : trades) {
      Api.Response response = api().post("/api/v1/portfolios/" + id + "/trades", trade.put("currency", "USD"));
      assertThat(response.status()).as(response.body()).isEqualTo(201);
    }
  }

  private static JsonObject state(String id) {
    return api().get("/api/v1/portfolios/" + id).json();
  }

  private static JsonObject position(String id, String instrument, String strategy) {
    return position(state(id), instrument, strategy);
  }

  private static JsonObject position(JsonObject state, String instrument, String strategy) {
    for (Object item : state.getJsonArray("positions")) {
      JsonObject position = (JsonObject) item;
      if (position.getString("instrumentId").equals(instrument) && position.getString("strategy").equals(strategy)) {
        return position;
      }
    }
    throw new AssertionError("no position " + instrument + "/" + strategy + " in " + state.encode());
  }

  private static List<String> lots(JsonObject position) {
    List<String> lots = new ArrayList<>();
    position.getJsonArray("lots").forEach(lot -> lots.add(((JsonObject) lot).getString("quantity") + "@"
        + ((JsonObject) lot).getString("price")));
    return lots;
  }

  private static String cash(String id) {
    JsonArray cash = state(id).getJsonArray("cash");
    assertThat(cash).hasSize(1);
    return cash.getJsonObject(0).getString("balance");
  }

  private static JsonObject payload(JsonObject event) {
    return event.getJsonObject("data");
  }
}
