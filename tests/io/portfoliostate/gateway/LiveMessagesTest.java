package io.portfoliostate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.domain.CashFlowRecorded;
import io.portfoliostate.domain.CashFlowType;
import io.portfoliostate.domain.CostMethod;
import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.PortfolioCreated;
import io.portfoliostate.domain.PortfolioEvent;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.domain.PortfolioRules;
import io.portfoliostate.domain.PortfolioState;
import io.portfoliostate.domain.PositionKey;
import io.portfoliostate.domain.Side;
import io.portfoliostate.domain.SplitApplied;
import io.portfoliostate.domain.TradeRecorded;
import io.portfoliostate.protocol.EventJson;
import io.portfoliostate.protocol.EventText;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A change message's summary is written straight into the message text; it must read as the
 * REST shapes it stands for: each touched position as {@link Representations#positionWithoutLots}
 * (in another strategy too, a position closed to zero as quantity "0")
 * and the cash as {@link Representations#cash}.
 */
class LiveMessagesTest {

  private static final PortfolioId ID = PortfolioId.of("lm-1");
  private static final Instant T0 = Instant.parse("2026-05-04T09:30:00.250Z");
  private static final InstrumentId AAPL = InstrumentId.of("AAPL");
  private static final InstrumentId MSFT = InstrumentId.of("MSFT");
  private static final String ODD_STRATEGY = "carry:x_1.b-2";

  private int seq;

  @Test
  void theSummaryReadsAsTheRestShapesOfTheTouchedPositionsAndTheCash() {
    PortfolioState state = PortfolioRules.evolve(null, new PortfolioCreated(ID, "LM", CurrencyCode.USD, null,
        CostMethod.FIFO, null, Map.of(), T0));
    state = PortfolioRules.evolve(state, new CashFlowRecorded("f-1", CashFlowType.DEPOSIT, CurrencyCode.of("EUR"),
        new BigDecimal("250.75"), null, T0, T0));
    state = apply(state, trade(MSFT, "default", Side.BUY, "4", "300.10"));

    // Trades: two lots of AAPL at prices whose average is a long quotient, one in another strategy.
    PortfolioState before = state;
    List<PortfolioEvent> events = List.of(trade(AAPL, "default", Side.BUY, "3", "170.01"),
        trade(AAPL, "default", Side.BUY, "7", "171.13"), trade(AAPL, ODD_STRATEGY, Side.BUY, "1", "99"));
    JsonObject summary = summaryOf(before, events);
    PortfolioState after = replay(before, events);
    assertThat(summary.getJsonArray("positions")).containsExactly(
        Representations.positionWithoutLots(after.positions().get(new PositionKey(AAPL, ODD_STRATEGY))),
        Representations.positionWithoutLots(after.positions().get(new PositionKey(AAPL, "default"))));
    assertThat(summary.getJsonArray("positions").getJsonObject(1).getString("averageCost"))
        .isEqualTo("170.794");
    assertThat(summary.getJsonArray("cash")).isEqualTo(Representations.cash(after.cash())).hasSize(2);
    assertThat(summary.getString("updatedAt")).isEqualTo(after.updatedAt().toString());

    // MSFT sold to zero, and a split (not a trade: every position that differs is shown).
    before = after;
    events = List.of(trade(MSFT, "default", Side.SELL, "4", "310"), new SplitApplied("s-1", AAPL, 2, 1, T0, T0));
    summary = summaryOf(before, events);
    after = replay(before, events);
    JsonArray positions = summary.getJsonArray("positions");
    assertThat(positions).hasSize(3);
    for (Object item : positions) {
      JsonObject position = (JsonObject) item;
      PositionKey key = new PositionKey(InstrumentId.of(position.getString("instrumentId")),
          position.getString("strategy"));
      if (after.positions().containsKey(key)) {
        assertThat(position).isEqualTo(Representations.positionWithoutLots(after.positions().get(key)));
      } else {
        assertThat(position).isEqualTo(new JsonObject().put("instrumentId", "MSFT").put("strategy", "default")
            .put("quantity", "0"));
      }
    }
    assertThat(after.positions().get(new PositionKey(AAPL, "default")).quantity()).isEqualByComparingTo("20");
  }

  private JsonObject summaryOf(PortfolioState before, List<PortfolioEvent> events) {
    PortfolioState after = replay(before, events);
    List<EventText> recorded = new ArrayList<>();
    long version = before.version();
    for (PortfolioEvent event : events) {
      recorded.add(new EventText(++version, EventJson.type(event), after.updatedAt(), EventJson.toJson(event).encode(),
          null));
    }
    LiveMessages.Change change = LiveMessages.change(before, before.version(), events, recorded, after);
    JsonObject body = new JsonObject(change.body());
    assertThat(body.getLong("version")).isEqualTo(after.version());
    assertThat(body.getJsonArray("events")).hasSize(events.size());
    return body.getJsonObject("summary");
  }

  private static PortfolioState replay(PortfolioState state, List<PortfolioEvent> events) {
    for (PortfolioEvent event : events) {
      state = PortfolioRules.evolve(state, event);
    }
    return state;
  }

  private static PortfolioState apply(PortfolioState state, PortfolioEvent event) {
    return PortfolioRules.evolve(state, event);
  }

  private TradeRecorded trade(InstrumentId instrument, String strategy, Side side, String quantity, String price) {
    seq++;
    Instant at = T0.plusSeconds(seq);
    return new TradeRecorded("t-" + seq, instrument, strategy, side, new BigDecimal(quantity), new BigDecimal(price),
        CurrencyCode.USD, BigDecimal.ZERO, at, at, List.of());
  }
}
