package io.portfoliostate.gateway;

import io.portfoliostate.domain.Alert;
import io.portfoliostate.domain.AlertRules;
import io.portfoliostate.domain.Decimals;
import io.portfoliostate.domain.PortfolioEvent;
import io.portfoliostate.domain.PortfolioRules;
import io.portfoliostate.domain.PortfolioState;
import io.portfoliostate.domain.Position;
import io.portfoliostate.domain.PositionKey;
import io.portfoliostate.domain.TradeRecorded;
import io.portfoliostate.domain.valuation.PortfolioValuation;
import io.portfoliostate.domain.valuation.Price;
import io.portfoliostate.domain.valuation.TargetWeights;
import io.portfoliostate.protocol.AlertJson;
import io.portfoliostate.protocol.EventJson;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The bodies of the messages the SockJS bridge sends (docs/live-updates.md), in the REST API's
 * shapes: a live client and a polling one read the same JSON.
 */
public final class LiveMessages {

  private LiveMessages() {
  }

  /** {@code {kind: snapshot, portfolioId, version, state}}. */
  public static JsonObject snapshot(PortfolioState state) {
    return new JsonObject().put("kind", "snapshot").put("portfolioId", state.id().value())
        .put("version", state.version()).put("state", Representations.portfolio(state));
  }

  /** {@code {kind: resync, portfolioId, version, reason, state}}. */
  public static JsonObject resync(PortfolioState state, String reason) {
    return new JsonObject().put("kind", "resync").put("portfolioId", state.id().value())
        .put("version", state.version()).put("reason", reason).put("state", Representations.portfolio(state));
  }

  /**
   * A change: the events that took {@code before} (at {@code fromVersion}) to {@code after},
   * with their alerts, and a summary of the positions they touched and every cash balance.
   *
   * @param before the state before the change, or null before the portfolio's creation
   */
  public static Change change(PortfolioState before, long fromVersion, List<PortfolioEvent> events,
      PortfolioState after) {
    JsonArray eventsJson = new JsonArray();
    List<JsonObject> alerts = new ArrayList<>();
    Set<PositionKey> touched = new TreeSet<>();
    PortfolioState state = before;
    long version = fromVersion;
    for (PortfolioEvent event : events) {
      version++;
      // The state after each event, as the owner evolved it: the alerts are then exactly the
      // journal's (AlertRules is a pure function of before, event, after).
      PortfolioState next = PortfolioRules.evolve(state, event);
      JsonObject json = new JsonObject().put("version", version).put("type", EventJson.type(event))
          .put("recordedAt", after.updatedAt().toString()).put("data", EventJson.toJson(event));
      List<Alert> raised = AlertRules.raisedBy(state, event, next);
      if (!raised.isEmpty()) {
        JsonArray array = new JsonArray(AlertJson.toJournal(after.id(), version, after.updatedAt(), raised));
        json.put("alerts", array);
        array.forEach(alert -> alerts.add(((JsonObject) alert).copy().put("kind", "alert")));
      }
      eventsJson.add(json);
      if (event instanceof TradeRecorded trade) {
        touched.add(trade.positionKey());
      } else if (state != null && next != null && !state.positions().equals(next.positions())) {
        // A corporate action, a cancel or amend: every position that differs.
        for (PositionKey key : next.positions().keySet()) {
          if (!next.positions().get(key).equals(state.positions().get(key))) {
            touched.add(key);
          }
        }
        for (PositionKey key : state.positions().keySet()) {
          if (!next.positions().containsKey(key)) {
            touched.add(key);
          }
        }
      }
      state = next;
    }
    JsonArray positions = new JsonArray();
    for (PositionKey key : touched) {
      Position position = after.positions().get(key);
      if (position != null) {
        positions.add(Representations.position(position));
      } else {
        positions.add(new JsonObject().put("instrumentId", key.instrumentId().value())
            .put("strategy", key.strategy()).put("quantity", "0"));
      }
    }
    JsonObject summary = new JsonObject().put("updatedAt", after.updatedAt().toString())
        .put("positions", positions).put("cash", Representations.cash(after.cash()));
    JsonObject body = new JsonObject().put("kind", "change").put("portfolioId", after.id().value())
        .put("fromVersion", fromVersion).put("version", after.version()).put("events", eventsJson)
        .put("summary", summary);
    return new Change(body, alerts);
  }

  /** A change's body, and the alerts its events raised (each a body of its own). */
  public record Change(JsonObject body, List<JsonObject> alerts) {
  }

  /** {@code {kind: valuation, portfolioId, version, asOf, baseCurrency, nav, complete, positions, cash, weights}}. */
  public static JsonObject valuation(PortfolioState state, PortfolioValuation valuation) {
    return new JsonObject().put("kind", "valuation").put("portfolioId", state.id().value())
        .put("version", state.version()).put("asOf", valuation.asOf().toString())
        .put("baseCurrency", state.baseCurrency().value())
        .put("nav", Decimals.plain(valuation.nav())).put("complete", valuation.complete())
        .put("positions", Valuations.positions(valuation.positions()))
        .put("cash", Valuations.cash(valuation.cash()))
        .put("weights", Valuations.weights(TargetWeights.of(state, valuation)));
  }

  /** {@code {kind: price, instrumentId, price, currency, at}}. */
  public static JsonObject price(Price price) {
    return new JsonObject().put("kind", "price").put("instrumentId", price.instrumentId().value())
        .put("price", Decimals.plain(price.price()))
        .put("currency", price.currency() == null ? null : price.currency().value())
        .put("at", price.at() == null ? null : price.at().toString());
  }

  /** An alert body: the alert's JSON (as on the alerts topic) with {@code kind: alert}. */
  public static JsonObject alert(JsonObject alert) {
    return alert.copy().put("kind", "alert");
  }

  static String plain(BigDecimal value) {
    return Decimals.plain(value);
  }
}
