package io.portfoliostate.gateway;

import io.portfoliostate.domain.CommandResult;
import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.Decimals;
import io.portfoliostate.domain.Lot;
import io.portfoliostate.domain.PortfolioState;
import io.portfoliostate.domain.Position;
import io.portfoliostate.protocol.EventJson;
import io.portfoliostate.protocol.EventPage;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The API's JSON shapes (API.md): decimals as plain strings, times as ISO-8601 UTC. */
final class Representations {

  private Representations() {
  }

  static JsonObject portfolio(PortfolioState state) {
    // Ratios are JSON numbers (DOMAIN.md); the exact decimals stay in the journal.
    JsonObject targets = new JsonObject();
    new TreeMap<>(state.targets()).forEach((id, weight) -> targets.put(id.value(), weight.doubleValue()));
    return new JsonObject()
        .put("id", state.id().value())
        .put("name", state.name())
        .put("baseCurrency", state.baseCurrency().value())
        .put("parentId", state.parentId() == null ? null : state.parentId().value())
        .put("costMethod", state.costMethod().name())
        .put("driftThreshold", state.driftThreshold().doubleValue())
        .put("targets", targets)
        .put("settings", SettingsViews.own(state))
        .put("version", state.version())
        .put("createdAt", state.createdAt().toString())
        .put("updatedAt", state.updatedAt().toString())
        .put("positions", positions(state))
        .put("cash", cash(state.cash()));
  }

  static JsonArray positions(PortfolioState state) {
    JsonArray positions = new JsonArray();
    new TreeMap<>(state.positions()).values().forEach(p -> positions.add(position(p)));
    return positions;
  }

  static JsonObject position(Position p) {
    JsonArray lots = new JsonArray();
    for (Lot lot : p.lots()) {
      lots.add(new JsonObject()
          .put("quantity", Decimals.plain(lot.quantity()))
          .put("price", Decimals.plain(lot.price()))
          .put("openedAt", lot.openedAt().toString()));
    }
    return positionWithoutLots(p).put("lots", lots);
  }

  /** A position as {@link #position} shows it, without its open lots (the live change summary). */
  static JsonObject positionWithoutLots(Position p) {
    return new JsonObject()
        .put("instrumentId", p.key().instrumentId().value())
        .put("strategy", p.key().strategy())
        .put("quantity", Decimals.plain(p.quantity()))
        .put("averageCost", Decimals.plain(p.averageCost()))
        .put("costBasis", Decimals.plain(p.costBasis()))
        .put("realizedPnl", Decimals.plain(p.realizedPnl()))
        .put("fees", Decimals.plain(p.fees()))
        .put("currency", p.currency().value())
        .put("openedAt", p.openedAt() == null ? null : p.openedAt().toString())
        .put("updatedAt", p.updatedAt() == null ? null : p.updatedAt().toString());
  }

  static JsonArray cash(Map<CurrencyCode, BigDecimal> balances) {
    JsonArray cash = new JsonArray();
    new TreeMap<>(balances).forEach((currency, balance) ->
        cash.add(new JsonObject().put("currency", currency.value()).put("balance", Decimals.plain(balance))));
    return cash;
  }

  /**
   * Positions summed per currency (in currency order): cost basis (signed: a short's cost is
   * negative), realized P&L and fees, and the net quantity when the positions are of one
   * instrument (units of different instruments do not add up).
   */
  static JsonArray totals(List<Position> positions, boolean withQuantity) {
    Map<CurrencyCode, BigDecimal[]> byCurrency = new TreeMap<>();
    for (Position p : positions) {
      BigDecimal[] sums = byCurrency.computeIfAbsent(p.currency(),
          c -> new BigDecimal[] {BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO});
      sums[0] = sums[0].add(p.quantity());
      sums[1] = sums[1].add(p.costBasis().multiply(BigDecimal.valueOf(p.quantity().signum())));
      sums[2] = sums[2].add(p.realizedPnl());
      sums[3] = sums[3].add(p.fees());
    }
    JsonArray totals = new JsonArray();
    byCurrency.forEach((currency, sums) -> {
      JsonObject total = new JsonObject().put("currency", currency.value());
      if (withQuantity) {
        total.put("quantity", Decimals.plain(sums[0]));
      }
      totals.add(total.put("costBasis", Decimals.plain(sums[1]))
          .put("realizedPnl", Decimals.plain(sums[2])).put("fees", Decimals.plain(sums[3])));
    });
    return totals;
  }

  /** The answer to a recorded command: the version, and what it touched. */
  static JsonObject result(CommandResult result) {
    if (result.portfolio() != null) {
      return portfolio(result.portfolio());
    }
    JsonObject json = new JsonObject()
        .put("portfolioId", result.portfolioId().value())
        .put("version", result.version());
    if (result.position() != null) {
      json.put("position", position(result.position()));
    }
    return json.put("cash", cash(result.cash()));
  }

  static JsonObject events(String portfolioId, EventPage page) {
    JsonArray events = new JsonArray();
    long last = 0;
    for (EventPage.Entry entry : page.events()) {
      JsonObject event = new JsonObject()
          .put("version", entry.version())
          .put("type", EventJson.type(entry.event()))
          .put("recordedAt", entry.recordedAt().toString())
          .put("data", EventJson.toJson(entry.event()));
      if (entry.alerts() != null) {
        event.put("alerts", new JsonArray(entry.alerts()));
      }
      // Null, not absent, for an event journaled before origins were: nobody recorded its cause.
      event.put("origin", entry.origin() == null ? null : entry.origin().toJson());
      events.add(event);
      last = entry.version();
    }
    JsonObject json = new JsonObject()
        .put("portfolioId", portfolioId)
        .put("currentVersion", page.currentVersion())
        .put("events", events);
    if (last > 0 && last < page.currentVersion()) {
      json.put("nextAfterVersion", last);
    }
    return json;
  }
}
