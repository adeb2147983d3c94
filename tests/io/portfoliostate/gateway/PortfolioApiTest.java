package io.portfoliostate.gateway;

import static io.portfoliostate.fixtures.Api.trade;
import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.RunningNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The REST API of API.md end to end, against a real node and a real PostgreSQL, with exact figures. */
class PortfolioApiTest {

  @RegisterExtension
  static final RunningNode NODE = new RunningNode();

  /**
   * The state example of API.md: deposit 100,000; BUY 100 @ 151.75 (fee 2); SELL 115 @ 180 (fee 2)
   * closes 100 at +28.25 each (realized 2,825) and flips to 15 short at 180. Cash: 100,000 − 15,177
   * + 20,698 = 105,521.
   */
  @Test
  void recordsTheApiExampleExactly() {
    String id = api().createPortfolio("fund-a");
    assertThat(api().post(path(id, "cash-flows"), new JsonObject().put("flowId", "dep-1").put("type", "DEPOSIT")
        .put("currency", "USD").put("amount", "100000")).status()).isEqualTo(201);
    Api.Response buy = api().post(path(id, "trades"), trade("t-1", "AAPL", "BUY", "100", "151.75").put("fees", "2"));
    assertThat(buy.status()).isEqualTo(201);
    assertThat(buy.json().getJsonArray("cash").getJsonObject(0).getString("balance")).isEqualTo("84823");
    Api.Response sell = api().post(path(id, "trades"), trade("t-2", "AAPL", "SELL", "115", "180").put("fees", 2));
    assertThat(sell.status()).isEqualTo(201);
    assertThat(sell.json().getLong("version")).isEqualTo(4);
    assertThat(sell.header("ETag")).isEqualTo("\"4\"");

    JsonObject state = api().get("/api/v1/portfolios/" + id).json();
    assertThat(state.getLong("version")).isEqualTo(4);
    JsonObject position = state.getJsonArray("positions").getJsonObject(0);
    assertThat(position.getString("instrumentId")).isEqualTo("AAPL");
    assertThat(position.getString("strategy")).isEqualTo("default");
    assertThat(position.getString("quantity")).isEqualTo("-15");
    assertThat(position.getString("averageCost")).isEqualTo("180");
    assertThat(position.getString("realizedPnl")).isEqualTo("2825");
    assertThat(position.getString("fees")).isEqualTo("4");
    assertThat(position.getString("currency")).isEqualTo("USD");
    assertThat(state.getJsonArray("cash")).containsExactly(
        new JsonObject().put("currency", "USD").put("balance", "105521").put("balanceBase", "105521"));
  }

  /**
   * The API example again: the SELL of 115 flips the long of 100 to 15 short (an alert); a
   * withdrawal of 200,000 takes the 105,521 of cash to −94,479 (another). Both are recorded;
   * their events carry the alerts.
   */
  @Test
  void eventsThatOpenAShortOrDriveCashNegativeCarryAlerts() {
    String id = api().createPortfolio("alerts-1");
    assertThat(api().post(path(id, "cash-flows"), new JsonObject().put("flowId", "dep-1").put("type", "DEPOSIT")
        .put("currency", "USD").put("amount", "100000")).status()).isEqualTo(201);
    assertThat(api().post(path(id, "trades"), trade("t-1", "AAPL", "BUY", "100", "151.75").put("fees", "2"))
        .status()).isEqualTo(201);
    assertThat(api().post(path(id, "trades"), trade("t-2", "AAPL", "SELL", "115", "180").put("fees", "2"))
        .status()).isEqualTo(201);
    assertThat(api().post(path(id, "cash-flows"), new JsonObject().put("flowId", "wd-1").put("type", "WITHDRAWAL")
        .put("currency", "USD").put("amount", "200000")).status()).isEqualTo(201);
    // Deeper into the negative: nothing new.
    assertThat(api().post(path(id, "trades"), trade("t-3", "MSFT", "BUY", "1", "300")).status()).isEqualTo(201);

    JsonArray events = api().get(path(id, "events")).json().getJsonArray("events");
    assertThat(events).hasSize(6);
    for (int i : new int[] {0, 1, 2, 5}) {
      assertThat(events.getJsonObject(i).containsKey("alerts")).as("event %d has no alerts", i + 1).isFalse();
    }
    JsonObject sell = events.getJsonObject(3);
    String at = sell.getString("recordedAt");
    assertThat(sell.getJsonArray("alerts")).containsExactly(new JsonObject()
        .put("alertId", id + "/4/1").put("portfolioId", id).put("version", 4).put("type", "SHORT_OPENED")
        .put("severity", "WARNING").put("raisedAt", at)
        .put("message", "short position opened in AAPL (strategy default): -15")
        .put("instrumentId", "AAPL").put("strategy", "default").put("quantity", "-15").put("previousQuantity", "100"));
    JsonObject withdrawal = events.getJsonObject(4);
    assertThat(withdrawal.getJsonArray("alerts")).containsExactly(new JsonObject()
        .put("alertId", id + "/5/1").put("portfolioId", id).put("version", 5).put("type", "CASH_NEGATIVE")
        .put("severity", "WARNING").put("raisedAt", withdrawal.getString("recordedAt"))
        .put("message", "cash in USD went negative: -94479")
        .put("currency", "USD").put("balance", "-94479").put("previousBalance", "105521"));
  }

  @Test
  void refusesASecondPortfolioWithTheSameId() {
    api().createPortfolio("dup-1");
    Api.Response again = api().post("/api/v1/portfolios",
        new JsonObject().put("id", "dup-1").put("name", "Other").put("baseCurrency", "EUR"));
    assertThat(again.status()).isEqualTo(409);
    assertThat(again.contentType()).isEqualTo("application/problem+json");
    assertThat(again.json().getString("type")).isEqualTo("/problems/already-exists");
    assertThat(api().get("/api/v1/portfolios/dup-1").json().getString("baseCurrency")).isEqualTo("USD");
  }

  @Test
  void replaysATradeIdempotentlyAndRefusesOtherContent() {
    String id = api().createPortfolio("idem-1");
    JsonObject trade = trade("t-1", "MSFT", "BUY", "10", "300").put("fees", "1.5");
    Api.Response first = api().post(path(id, "trades"), trade);
    assertThat(first.status()).isEqualTo(201);
    assertThat(first.header("Idempotent-Replay")).isNull();

    // Same content written differently (10 vs 10.000, a number vs a string) is the same trade.
    Api.Response replay = api().post(path(id, "trades"),
        trade("t-1", "MSFT", "BUY", "10.000", "300.0").put("fees", 1.5));
    assertThat(replay.status()).isEqualTo(200);
    assertThat(replay.header("Idempotent-Replay")).isEqualTo("true");
    assertThat(replay.json()).isEqualTo(first.json());

    Api.Response conflict = api().post(path(id, "trades"), trade("t-1", "MSFT", "BUY", "11", "300"));
    assertThat(conflict.status()).isEqualTo(409);
    assertThat(conflict.json().getString("type")).isEqualTo("/problems/id-reused");

    // A later trade does not change what the replay of the first answers.
    api().post(path(id, "trades"), trade("t-2", "MSFT", "BUY", "5", "310"));
    Api.Response lateReplay = api().post(path(id, "trades"), trade);
    assertThat(lateReplay.status()).isEqualTo(200);
    assertThat(lateReplay.json()).isEqualTo(first.json());

    JsonObject state = api().get("/api/v1/portfolios/" + id).json();
    assertThat(state.getLong("version")).isEqualTo(3);
    assertThat(state.getJsonArray("positions").getJsonObject(0).getString("quantity")).isEqualTo("15");
    assertThat(state.getJsonArray("cash").getJsonObject(0).getString("balance")).isEqualTo("-4551.5");
  }

  @Test
  void flowIdsAndTradeIdsAreSeparateNamespaces() {
    String id = api().createPortfolio("idem-2");
    assertThat(api().post(path(id, "trades"), trade("x-1", "IBM", "BUY", "1", "100")).status()).isEqualTo(201);
    assertThat(api().post(path(id, "cash-flows"), new JsonObject().put("flowId", "x-1").put("type", "DEPOSIT")
        .put("currency", "USD").put("amount", "100")).status()).isEqualTo(201);
    Api.Response flowReplay = api().post(path(id, "cash-flows"), new JsonObject().put("flowId", "x-1")
        .put("type", "DEPOSIT").put("currency", "USD").put("amount", "100"));
    assertThat(flowReplay.status()).isEqualTo(200);
    assertThat(flowReplay.header("Idempotent-Replay")).isEqualTo("true");
    assertThat(api().get("/api/v1/portfolios/" + id + "/cash").json().getJsonArray("balances").getJsonObject(0)
        .getString("balance")).isEqualTo("0");
  }

  @Test
  void checksTheExpectedVersion() {
    String id = api().createPortfolio("occ-1");
    Api.Response stale = api().send("POST", path(id, "trades"), "application/json",
        trade("t-1", "X", "BUY", "1", "1").encode(), "If-Match", "\"7\"");
    assertThat(stale.status()).isEqualTo(412);
    assertThat(stale.json().getString("type")).isEqualTo("/problems/version-mismatch");
    Api.Response staleBody = api().post(path(id, "trades"), trade("t-1", "X", "BUY", "1", "1").put("expectedVersion", 0));
    assertThat(staleBody.status()).isEqualTo(412);
    assertThat(api().get("/api/v1/portfolios/" + id).json().getLong("version")).isEqualTo(1);

    Api.Response current = api().send("POST", path(id, "trades"), "application/json",
        trade("t-1", "X", "BUY", "1", "1").encode(), "If-Match", "\"1\"");
    assertThat(current.status()).isEqualTo(201);
    assertThat(current.json().getLong("version")).isEqualTo(2);
    Api.Response contradictory = api().send("POST", path(id, "trades"), "application/json",
        trade("t-2", "X", "BUY", "1", "1").put("expectedVersion", 2).encode(), "If-Match", "\"3\"");
    assertThat(contradictory.status()).isEqualTo(400);
    Api.Response negative = api().post(path(id, "trades"), trade("t-3", "X", "BUY", "1", "1").put("expectedVersion", -1));
    assertThat(negative.status()).isEqualTo(400);
    Api.Response batchWithIfMatch = api().send("POST", path(id, "trades:batch"), "application/json",
        new JsonObject().put("trades", new JsonArray().add(trade("t-4", "X", "BUY", "1", "1"))).encode(),
        "If-Match", "\"2\"");
    assertThat(batchWithIfMatch.status()).isEqualTo(400);
    assertThat(batchWithIfMatch.json().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("If-Match");
    assertThat(api().get("/api/v1/portfolios/" + id).json().getLong("version")).isEqualTo(2);
  }

  @Test
  void appliesEveryCashFlowTypeWithItsSign() {
    String id = api().createPortfolio("cash-1");
    String[][] flows = {{"DEPOSIT", "1000"}, {"WITHDRAWAL", "100"}, {"DIVIDEND", "12.5"}, {"INTEREST", "0.75"},
        {"FEE", "3"}, {"TAX", "2.25"}, {"TRANSFER_IN", "50"}, {"TRANSFER_OUT", "20"}};
    for (int i = 0; i < flows.length; i++) {
      assertThat(api().post(path(id, "cash-flows"), new JsonObject().put("flowId", "f-" + i).put("type", flows[i][0])
          .put("currency", "EUR").put("amount", flows[i][1])).status()).isEqualTo(201);
    }
    // 1000 − 100 + 12.5 + 0.75 − 3 − 2.25 + 50 − 20 = 938
    JsonObject cash = api().get("/api/v1/portfolios/" + id + "/cash").json();
    // No EUR/USD rate is known: the balance in base is null, never an error.
    assertThat(cash.getJsonArray("balances")).containsExactly(
        new JsonObject().put("currency", "EUR").put("balance", "938").putNull("balanceBase"));
    assertThat(cash.getLong("version")).isEqualTo(9);
  }

  @Test
  void convertsCashBetweenCurrenciesAtomically() {
    String id = api().createPortfolio("fx-1");
    api().post(path(id, "cash-flows"), new JsonObject().put("flowId", "d").put("type", "DEPOSIT")
        .put("currency", "EUR").put("amount", "1000"));
    Api.Response fx = api().post(path(id, "fx-conversions"), new JsonObject().put("conversionId", "c-1")
        .put("fromCurrency", "EUR").put("toCurrency", "USD").put("fromAmount", "250.5").put("rate", "1.0834"));
    assertThat(fx.status()).isEqualTo(201);
    // 250.5 × 1.0834 = 271.3917
    assertThat(fx.json().getJsonArray("cash")).containsExactly(
        new JsonObject().put("currency", "EUR").put("balance", "749.5"),
        new JsonObject().put("currency", "USD").put("balance", "271.3917"));
    assertThat(fx.json().getLong("version")).isEqualTo(3);
    Api.Response same = api().post(path(id, "fx-conversions"), new JsonObject().put("conversionId", "c-2")
        .put("fromCurrency", "EUR").put("toCurrency", "EUR").put("fromAmount", "1").put("rate", "1"));
    assertThat(same.status()).isEqualTo(400);
    assertThat(same.json().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("toCurrency");
  }

  @Test
  void setsTargetsAndRefusesWeightsAboveOne() {
    String id = api().createPortfolio("tgt-1");
    Api.Response set = api().put(path(id, "targets"), new JsonObject()
        .put("targets", new JsonObject().put("AAPL", "0.6").put("MSFT", 0.4)).put("driftThreshold", "0.05"));
    assertThat(set.status()).isEqualTo(200);
    assertThat(set.json().getJsonObject("targets")).isEqualTo(new JsonObject().put("AAPL", 0.6).put("MSFT", 0.4));
    assertThat(set.json().getDouble("driftThreshold")).isEqualTo(0.05);
    Api.Response tooMuch = api().put(path(id, "targets"), new JsonObject()
        .put("targets", new JsonObject().put("AAPL", "0.6").put("MSFT", "0.5")));
    assertThat(tooMuch.status()).isEqualTo(400);
    Api.Response negative = api().put(path(id, "targets"), new JsonObject()
        .put("targets", new JsonObject().put("AAPL", "-0.1")));
    assertThat(negative.status()).isEqualTo(400);
    assertThat(api().get("/api/v1/portfolios/" + id).json().getLong("version")).isEqualTo(2);
  }

  @Test
  void recordsABatchWithOneOutcomePerItem() {
    String id = api().createPortfolio("batch-1");
    JsonArray trades = new JsonArray()
        .add(trade("b-1", "AAPL", "BUY", "10", "100"))
        .add(trade("b-2", "AAPL", "BUY", "0", "100"))
        .add(trade("b-3", "AAPL", "SELL", "4", "110").put("fees", "1"))
        .add(trade("b-1", "AAPL", "BUY", "10", "100"))
        .add(trade("b-1", "AAPL", "BUY", "12", "100"));
    Api.Response batch = api().post(path(id, "trades:batch"), new JsonObject().put("trades", trades));
    assertThat(batch.status()).isEqualTo(200);
    JsonArray results = batch.json().getJsonArray("results");
    assertThat(results).hasSize(5);
    assertThat(results.getJsonObject(0).getInteger("status")).isEqualTo(201);
    assertThat(results.getJsonObject(1).getInteger("status")).isEqualTo(400);
    assertThat(results.getJsonObject(1).getJsonObject("problem").getJsonArray("errors").getJsonObject(0)
        .getString("field")).isEqualTo("trades[1].quantity");
    assertThat(results.getJsonObject(2).getInteger("status")).isEqualTo(201);
    assertThat(results.getJsonObject(2).getJsonObject("result").getJsonObject("position").getString("realizedPnl"))
        .isEqualTo("40");
    assertThat(results.getJsonObject(3).getInteger("status")).isEqualTo(200);
    assertThat(results.getJsonObject(3).getBoolean("replay")).isTrue();
    assertThat(results.getJsonObject(4).getInteger("status")).isEqualTo(409);
    JsonObject state = api().get("/api/v1/portfolios/" + id).json();
    assertThat(state.getLong("version")).isEqualTo(3);
    assertThat(state.getJsonArray("positions").getJsonObject(0).getString("quantity")).isEqualTo("6");
    // −1000 + 440 − 1 = −561
    assertThat(state.getJsonArray("cash").getJsonObject(0).getString("balance")).isEqualTo("-561");

    JsonArray tooMany = new JsonArray();
    for (int i = 0; i <= PortfolioHandlers.MAX_BATCH; i++) {
      tooMany.add(trade("m-" + i, "AAPL", "BUY", "1", "1"));
    }
    assertThat(api().post(path(id, "trades:batch"), new JsonObject().put("trades", tooMany)).status()).isEqualTo(400);
  }

  @Test
  void keepsLotsUnderFifoAndGroupsPositions() {
    api().createPortfolio(new JsonObject().put("id", "lots-1").put("name", "Lots").put("baseCurrency", "USD")
        .put("costMethod", "FIFO"));
    String id = "lots-1";
    api().post(path(id, "trades"), trade("l-1", "AAPL", "BUY", "10", "100").put("executedAt", "2026-01-01T10:00:00Z"));
    api().post(path(id, "trades"), trade("l-2", "AAPL", "BUY", "10", "120").put("executedAt", "2026-01-02T10:00:00Z"));
    api().post(path(id, "trades"), trade("l-3", "AAPL", "BUY", "5", "50").put("strategy", "hedge"));
    Api.Response sell = api().post(path(id, "trades"), trade("l-4", "AAPL", "SELL", "15", "130"));
    // FIFO: 10 @ 100 (+300) and 5 @ 120 (+50): realized 350; left one lot of 5 @ 120.
    JsonObject position = sell.json().getJsonObject("position");
    assertThat(position.getString("realizedPnl")).isEqualTo("350");
    assertThat(position.getString("quantity")).isEqualTo("5");
    assertThat(position.getString("averageCost")).isEqualTo("120");
    assertThat(position.getJsonArray("lots")).containsExactly(new JsonObject().put("quantity", "5")
        .put("price", "120").put("openedAt", "2026-01-02T10:00:00Z"));

    JsonObject byInstrument = api().get("/api/v1/portfolios/" + id + "/positions?groupBy=instrument").json();
    JsonObject aapl = byInstrument.getJsonArray("groups").getJsonObject(0);
    assertThat(aapl.getString("key")).isEqualTo("AAPL");
    assertThat(aapl.getJsonArray("totals").getJsonObject(0).getString("quantity")).isEqualTo("10");
    assertThat(aapl.getJsonArray("totals").getJsonObject(0).getString("costBasis")).isEqualTo("850");
    assertThat(aapl.getJsonArray("positions")).hasSize(2);
    JsonObject byStrategy = api().get("/api/v1/portfolios/" + id + "/positions?groupBy=strategy").json();
    assertThat(byStrategy.getJsonArray("groups").stream().map(g -> ((JsonObject) g).getString("key")))
        .containsExactly("default", "hedge");
    assertThat(api().get("/api/v1/portfolios/" + id + "/positions?groupBy=colour").status()).isEqualTo(400);
  }

  @Test
  void readsEarlierVersionsAndTheHistory() throws Exception {
    String id = api().createPortfolio("hist-1");
    api().post(path(id, "trades"), trade("h-1", "AAPL", "BUY", "10", "100"));
    Instant between = Instant.now();
    Thread.sleep(20);
    api().post(path(id, "trades"), trade("h-2", "AAPL", "BUY", "10", "200"));
    api().post(path(id, "trades"), trade("h-3", "AAPL", "SELL", "5", "300"));

    JsonObject v2 = api().get("/api/v1/portfolios/" + id + "?version=2").json();
    assertThat(v2.getLong("version")).isEqualTo(2);
    assertThat(v2.getJsonArray("positions").getJsonObject(0).getString("quantity")).isEqualTo("10");
    JsonObject v3 = api().get("/api/v1/portfolios/" + id + "?version=3").json();
    assertThat(v3.getJsonArray("positions").getJsonObject(0).getString("averageCost")).isEqualTo("150");
    // As the system knew it then (system time): version 2.
    JsonObject then = api().get("/api/v1/portfolios/" + id + "?knownAt=" + between).json();
    assertThat(then.getLong("version")).isEqualTo(2);
    assertThat(api().get("/api/v1/portfolios/" + id + "?version=9").status()).isEqualTo(404);
    assertThat(api().get("/api/v1/portfolios/" + id + "?version=0").status()).isEqualTo(400);
    assertThat(api().get("/api/v1/portfolios/" + id + "?knownAt=2020-01-01T00:00:00Z").status()).isEqualTo(404);
    // As of a business time before any trade was executed: the portfolio, holding nothing.
    JsonObject before = api().get("/api/v1/portfolios/" + id + "?asOf=2020-01-01T00:00:00Z").json();
    assertThat(before.getJsonArray("positions")).isEmpty();
    assertThat(before.getLong("version")).isEqualTo(4);
    assertThat(api().get("/api/v1/portfolios/" + id + "?asOf=yesterday").status()).isEqualTo(400);
    assertThat(api().get("/api/v1/portfolios/" + id + "?knownAt=yesterday").status()).isEqualTo(400);
    assertThat(api().get("/api/v1/portfolios/" + id + "?version=2&knownAt=" + between).status()).isEqualTo(400);

    JsonObject page = api().get("/api/v1/portfolios/" + id + "/events?afterVersion=1&limit=2").json();
    assertThat(page.getLong("currentVersion")).isEqualTo(4);
    assertThat(page.getJsonArray("events").stream().map(e -> ((JsonObject) e).getLong("version")))
        .containsExactly(2L, 3L);
    assertThat(page.getLong("nextAfterVersion")).isEqualTo(3);
    JsonObject event = page.getJsonArray("events").getJsonObject(0);
    assertThat(event.getString("type")).isEqualTo("TradeRecorded");
    assertThat(event.getJsonObject("data").getString("tradeId")).isEqualTo("h-1");
    JsonObject last = api().get("/api/v1/portfolios/" + id + "/events?afterVersion=3").json();
    assertThat(last.getJsonArray("events")).hasSize(1);
    assertThat(last.containsKey("nextAfterVersion")).isFalse();
  }

  @Test
  void listsAndPatchesPortfoliosInATree() {
    api().createPortfolio("tree-root");
    api().createPortfolio(new JsonObject().put("id", "tree-a").put("name", "A").put("baseCurrency", "USD")
        .put("parentId", "tree-root"));
    api().createPortfolio(new JsonObject().put("id", "tree-b").put("name", "B").put("baseCurrency", "EUR")
        .put("parentId", "tree-root"));
    JsonObject children = api().get("/api/v1/portfolios?parentId=tree-root").json();
    assertThat(children.getJsonArray("items").stream().map(i -> ((JsonObject) i).getString("id")))
        .containsExactly("tree-a", "tree-b");

    Api.Response orphan = api().post("/api/v1/portfolios", new JsonObject().put("id", "tree-c").put("name", "C")
        .put("baseCurrency", "USD").put("parentId", "no-such"));
    assertThat(orphan.status()).isEqualTo(400);
    assertThat(api().get("/api/v1/portfolios/tree-c").status()).isEqualTo(404);

    Api.Response renamed = api().patch("/api/v1/portfolios/tree-b", new JsonObject().put("name", "Bravo")
        .put("parentId", "tree-a"));
    assertThat(renamed.status()).isEqualTo(200);
    assertThat(renamed.json().getString("name")).isEqualTo("Bravo");
    assertThat(renamed.json().getString("parentId")).isEqualTo("tree-a");
    assertThat(api().get("/api/v1/portfolios?parentId=tree-a").json().getJsonArray("items").getJsonObject(0)
        .getString("name")).isEqualTo("Bravo");

    Api.Response cycle = api().patch("/api/v1/portfolios/tree-root", new JsonObject().put("parentId", "tree-b"));
    assertThat(cycle.status()).isEqualTo(409);
    assertThat(cycle.json().getString("type")).isEqualTo("/problems/parent-cycle");
    assertThat(cycle.json().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("parentId");

    JsonObject firstPage = api().get("/api/v1/portfolios?limit=1&after=tree-a").json();
    assertThat(firstPage.getJsonArray("items").getJsonObject(0).getString("id")).isEqualTo("tree-b");
    assertThat(firstPage.getString("nextAfter")).isEqualTo("tree-b");
  }

  @Test
  void changesTheCostMethodOnlyWithoutOpenPositions() {
    String id = api().createPortfolio("method-1");
    api().post(path(id, "trades"), trade("m-1", "AAPL", "BUY", "10", "100"));
    Api.Response refused = api().patch("/api/v1/portfolios/" + id, new JsonObject().put("costMethod", "HIFO"));
    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.json().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("costMethod");
    api().post(path(id, "trades"), trade("m-2", "AAPL", "SELL", "10", "100"));
    Api.Response allowed = api().patch("/api/v1/portfolios/" + id, new JsonObject().put("costMethod", "HIFO"));
    assertThat(allowed.status()).isEqualTo(200);
    assertThat(allowed.json().getString("costMethod")).isEqualTo("HIFO");
  }

  @Test
  void answersNotFoundForUnknownPortfolios() {
    for (Api.Response response : new Api.Response[] {
        api().get("/api/v1/portfolios/nobody"),
        api().get("/api/v1/portfolios/nobody/positions"),
        api().get("/api/v1/portfolios/nobody/events"),
        api().post(path("nobody", "trades"), trade("t", "AAPL", "BUY", "1", "1")),
        api().patch("/api/v1/portfolios/nobody", new JsonObject().put("name", "x")),
        api().get("/api/v1/nothing-here")}) {
      assertThat(response.status()).isEqualTo(404);
      assertThat(response.contentType()).isEqualTo("application/problem+json");
      assertThat(response.json().getInteger("status")).isEqualTo(404);
    }
  }

  @Test
  void servesHealthAndMetrics() {
    assertThat(api().get("/health/live").status()).isEqualTo(200);
    assertThat(api().get("/health/ready").json().getString("status")).isEqualTo("UP");
    api().createPortfolio("metrics-1");
    api().post(path("metrics-1", "trades"), trade("t", "AAPL", "BUY", "1", "1"));
    String metrics = api().get("/metrics").body();
    assertThat(metrics).contains("pstate_command_latency_seconds_count", "pstate_journal_batch_rows_count",
        "pstate_journal_queue_rows", "pstate_owner_queue_commands", "pstate_journal_commit_seconds",
        "pstate_journal_queue_wait_seconds", "pstate_owner_queue_wait_seconds");
  }

  @Test
  void aNodeAloneListsItselfAsTheWholeCluster() {
    api().createPortfolio("cluster-view-1");
    JsonObject view = api().get("/api/v1/cluster").json();
    assertThat(view.getBoolean("clustered")).isFalse();
    assertThat(view.getString("clusterName")).isNull();
    assertThat(view.getInteger("partitionCount")).isZero();
    JsonArray members = view.getJsonArray("members");
    assertThat(members).hasSize(1);
    JsonObject self = members.getJsonObject(0);
    assertThat(self.getString("nodeId")).isEqualTo(NODE.node().nodeId());
    assertThat(self.getBoolean("local")).isTrue();
    assertThat(self.getBoolean("reachable")).isTrue();
    assertThat(self.getInteger("httpPort")).isEqualTo(NODE.node().httpPort());
    assertThat(self.getLong("portfoliosLoaded")).isGreaterThanOrEqualTo(1);
  }

  private static String path(String id, String what) {
    return "/api/v1/portfolios/" + id + "/" + what;
  }

  private static Api api() {
    return NODE.api();
  }
}
