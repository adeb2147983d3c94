package io.portfoliostate.gateway;

import static io.portfoliostate.fixtures.Api.trade;
import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.RunningNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The timeline over REST (issue 13): cancels and amendments answered like a trade, idempotent,
 * refused clearly; back-dated trades restating the position; reads as of a business time
 * ({@code asOf}) and as known at a system time ({@code knownAt}), together too — against
 * hand-computed states, and on a journal long enough to be folded off the event loop.
 */
class TimelineApiTest {

  @RegisterExtension
  static final RunningNode NODE = new RunningNode();

  private static Api api() {
    return NODE.api();
  }

  private static String path(String id, String rest) {
    return "/api/v1/portfolios/" + id + "/" + rest;
  }

  private static JsonObject at(JsonObject trade, String executedAt) {
    return trade.put("executedAt", executedAt);
  }

  private static JsonObject position(JsonObject state) {
    return state.getJsonArray("positions").getJsonObject(0);
  }

  @Test
  void cancelsAndAmendmentsRestateThePositionAndAnswerLikeATrade() {
    String id = api().createPortfolio(new JsonObject().put("id", "tl-api-1").put("name", "T").put("baseCurrency",
        "USD").put("costMethod", "FIFO"));
    api().post(path(id, "trades"), at(trade("b1", "AAPL", "BUY", "10", "100"), "2026-11-02T10:00:00Z"));
    api().post(path(id, "trades"), at(trade("b2", "AAPL", "BUY", "10", "120"), "2026-11-03T10:00:00Z"));
    api().post(path(id, "trades"), at(trade("s1", "AAPL", "SELL", "10", "130"), "2026-11-05T10:00:00Z"));
    // Executed before b1, arriving last: the sale now closes it (FIFO): 10 · (130 − 80) = 500.
    Api.Response late = api().post(path(id, "trades"), at(trade("b0", "AAPL", "BUY", "10", "80"),
        "2026-11-01T10:00:00Z"));
    assertThat(late.status()).isEqualTo(201);
    assertThat(late.json().getJsonObject("position").getString("realizedPnl")).isEqualTo("500");

    Api.Response amended = api().post(path(id, "trades/b0:amend"), new JsonObject().put("price", "90")
        .put("reason", "confirmation"));
    assertThat(amended.status()).isEqualTo(200);
    assertThat(amended.json().getLong("version")).isEqualTo(6);
    assertThat(amended.json().getJsonObject("position").getString("realizedPnl")).isEqualTo("400");
    assertThat(amended.json().getJsonArray("cash").getJsonObject(0).getString("balance")).isEqualTo("-1800");
    // The same amendment again: a replay of the first answer.
    Api.Response again = api().post(path(id, "trades/b0:amend"), new JsonObject().put("price", "90")
        .put("reason", "confirmation"));
    assertThat(again.status()).isEqualTo(200);
    assertThat(again.header("Idempotent-Replay")).isEqualTo("true");
    assertThat(again.json()).isEqualTo(amended.json());
    // A different amendment against a version that is not the current one: 412, nothing changed.
    assertThat(api().send("POST", path(id, "trades/b0:amend"), "application/json",
        new JsonObject().put("price", "91").encode(), "If-Match", "\"5\"").status()).isEqualTo(412);

    Api.Response cancelled = api().post(path(id, "trades/b0:cancel"), new JsonObject().put("reason", "duplicate"));
    assertThat(cancelled.status()).isEqualTo(200);
    // Without b0: the sale closes b1: 10 · (130 − 100) = 300; open 10 @ 120; cash −1000 − 1200 + 1300.
    JsonObject position = cancelled.json().getJsonObject("position");
    assertThat(position.getString("realizedPnl")).isEqualTo("300");
    assertThat(position.getString("quantity")).isEqualTo("10");
    assertThat(cancelled.json().getJsonArray("cash").getJsonObject(0).getString("balance")).isEqualTo("-900");
    assertThat(api().post(path(id, "trades/b0:cancel"), new JsonObject().put("reason", "duplicate")).header(
        "Idempotent-Replay")).isEqualTo("true");

    JsonObject otherReason = api().post(path(id, "trades/b0:cancel"), new JsonObject().put("reason", "other")).json();
    assertThat(otherReason.getString("type")).isEqualTo("/problems/id-reused");
    Api.Response amendCancelled = api().post(path(id, "trades/b0:amend"), new JsonObject().put("price", "95"));
    assertThat(amendCancelled.status()).isEqualTo(409);
    assertThat(amendCancelled.json().getString("type")).isEqualTo("/problems/trade-cancelled");
    Api.Response unknown = api().post(path(id, "trades/nope:cancel"), new JsonObject());
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.json().getString("type")).isEqualTo("/problems/trade-not-found");
    Api.Response instrument = api().post(path(id, "trades/b1:amend"), new JsonObject().put("instrumentId", "MSFT"));
    assertThat(instrument.status()).isEqualTo(400);
    assertThat(instrument.json().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("instrumentId");
    assertThat(api().post(path(id, "trades/b1:amend"), new JsonObject().put("executedAt", "2999-01-01T00:00:00Z"))
        .status()).isEqualTo(400);
    assertThat(api().post(path(id, "trades"), at(trade("y", "AAPL", "BUY", "1", "1"), "-0001-01-01T00:00:00Z"))
        .status()).isEqualTo(400);
    assertThat(api().get("/api/v1/portfolios/" + id).json().getLong("version")).isEqualTo(7);

    JsonArray events = api().get(path(id, "events?afterVersion=5")).json().getJsonArray("events");
    assertThat(events.stream().map(e -> ((JsonObject) e).getString("type")).collect(Collectors.toList()))
        .containsExactly("TradeAmended", "TradeCancelled");
    JsonObject amendment = events.getJsonObject(0).getJsonObject("data");
    assertThat(amendment.getJsonObject("previous").getString("price")).isEqualTo("80");
    assertThat(amendment.getJsonObject("amended").getString("price")).isEqualTo("90");
    assertThat(amendment.getString("reason")).isEqualTo("confirmation");
    assertThat(events.getJsonObject(1).getJsonObject("data").getJsonObject("restated").getJsonArray("positions")
        .getJsonObject(0).getString("realizedPnl")).isEqualTo("300");
  }

  @Test
  void readsAsOfABusinessTimeAsKnownAtASystemTimeAndBoth() throws Exception {
    String id = api().createPortfolio(new JsonObject().put("id", "tl-api-2").put("name", "T").put("baseCurrency",
        "USD").put("costMethod", "FIFO"));
    api().post(path(id, "cash-flows"), new JsonObject().put("flowId", "d1").put("type", "DEPOSIT")
        .put("currency", "USD").put("amount", "10000").put("occurredAt", "2026-11-01T09:00:00Z"));
    api().post(path(id, "trades"), at(trade("s1", "AAPL", "SELL", "40", "110"), "2026-11-20T10:00:00Z"));
    Thread.sleep(20);
    Instant beforeTheLateTrade = Instant.now();
    Thread.sleep(20);
    // Executed on the 10th, recorded after the sale of the 20th.
    api().post(path(id, "trades"), at(trade("b1", "AAPL", "BUY", "100", "100"), "2026-11-10T10:00:00Z"));

    // As of the 15th, as known now: the purchase only.
    JsonObject mid = api().get("/api/v1/portfolios/" + id + "?asOf=2026-11-15T00:00:00Z").json();
    assertThat(position(mid).getString("quantity")).isEqualTo("100");
    assertThat(mid.getJsonArray("cash").getJsonObject(0).getString("balance")).isEqualTo("0");
    assertThat(mid.getLong("version")).isEqualTo(4);
    assertThat(mid.getJsonObject("valuation").getString("asOf")).isEqualTo("2026-11-15T00:00:00Z");
    // As of the 30th: 60 left, 400 realized (FIFO against the purchase executed before the sale).
    JsonObject end = api().get(path(id, "positions") + "?asOf=2026-11-30T00:00:00Z").json();
    assertThat(end.getJsonArray("positions").getJsonObject(0).getString("quantity")).isEqualTo("60");
    assertThat(end.getJsonArray("positions").getJsonObject(0).getString("realizedPnl")).isEqualTo("400");
    // As of the 30th, as known before the purchase was recorded: short 40.
    JsonObject known = api().get("/api/v1/portfolios/" + id + "?asOf=2026-11-30T00:00:00Z&knownAt="
        + beforeTheLateTrade).json();
    assertThat(position(known).getString("quantity")).isEqualTo("-40");
    assertThat(known.getLong("version")).isEqualTo(3);
    assertThat(known.getJsonArray("cash").getJsonObject(0).getString("balance")).isEqualTo("14400");
    // Known at that time alone: the same version, valued then.
    JsonObject recorded = api().get("/api/v1/portfolios/" + id + "?knownAt=" + beforeTheLateTrade).json();
    assertThat(recorded.getLong("version")).isEqualTo(3);
    assertThat(api().get(path(id, "cash") + "?asOf=2026-10-01T00:00:00Z").json().getJsonArray("balances"))
        .isNullOrEmpty();
  }

  @Test
  void aLongJournalIsFoldedAsOfABusinessTimeOffTheEventLoop() {
    String id = api().createPortfolio("tl-api-3");
    for (int batch = 0; batch < 3; batch++) {
      JsonArray trades = new JsonArray();
      for (int i = 0; i < 1_000; i++) {
        int n = batch * 1_000 + i;
        trades.add(at(trade("l" + n, "AAPL", "BUY", "1", "10"), Instant.parse("2026-01-01T00:00:00Z")
            .plusSeconds(n).toString()));
      }
      assertThat(api().post(path(id, "trades:batch"), new JsonObject().put("trades", trades)).status()).isEqualTo(200);
    }
    // 3,001 events: past the 2,000 folded on the owner's event loop.
    JsonObject half = api().get("/api/v1/portfolios/" + id + "?asOf=" + Instant.parse("2026-01-01T00:00:00Z")
        .plusSeconds(1_499)).json();
    assertThat(position(half).getString("quantity")).isEqualTo("1500");
    assertThat(half.getLong("version")).isEqualTo(3_001);
  }
}
