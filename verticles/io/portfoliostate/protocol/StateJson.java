package io.portfoliostate.protocol;

import static io.portfoliostate.protocol.Json.decimal;
import static io.portfoliostate.protocol.Json.putIfPresent;
import static io.portfoliostate.protocol.Json.text;

import io.portfoliostate.domain.CostMethod;
import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.Lot;
import io.portfoliostate.domain.PortfolioState;
import io.portfoliostate.domain.Position;
import io.portfoliostate.domain.PositionKey;
import io.portfoliostate.domain.Split;
import io.portfoliostate.domain.CashDividend;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The full state of a portfolio as JSON, exact to the last digit: the snapshot format. A
 * snapshot must rebuild a state equal to the replay of the journal it summarizes, so nothing is
 * rounded and the lots are kept.
 */
public final class StateJson {

  private StateJson() {
  }

  public static JsonObject toJson(PortfolioState state) {
    JsonObject json = new JsonObject()
        .put("id", state.id().value())
        .put("name", state.name())
        .put("baseCurrency", state.baseCurrency().value());
    putIfPresent(json, "parentId", text(state.parentId()));
    json.put("costMethod", state.costMethod().name())
        .put("driftThreshold", decimal(state.driftThreshold()))
        .put("targets", Json.targets(state.targets()))
        .put("version", state.version())
        .put("createdAt", text(state.createdAt()))
        .put("updatedAt", text(state.updatedAt()));
    JsonArray positions = new JsonArray();
    new TreeMap<>(state.positions()).values().forEach(position -> positions.add(position(position)));
    json.put("positions", positions);
    JsonObject cash = new JsonObject();
    new TreeMap<>(state.cash()).forEach((currency, balance) -> cash.put(currency.value(), decimal(balance)));
    json.put("cash", cash);
    JsonArray splits = new JsonArray();
    new TreeMap<>(state.splits()).values().forEach(ofInstrument -> ofInstrument.forEach(split ->
        splits.add(new JsonObject().put("actionId", split.actionId())
            .put("instrumentId", split.instrumentId().value()).put("ratio", split.ratio())
            .put("effectiveAt", text(split.effectiveAt())))));
    json.put("splits", splits);
    // Written only when some are set, so a state without own settings reads as it always did.
    if (!state.settings().isEmpty()) {
      json.put("settings", SettingsJson.toJson(state.settings()));
    }
    // Written only when there are some, so a state without dividends reads as it always did.
    if (!state.dividends().isEmpty()) {
      JsonArray dividends = new JsonArray();
      new TreeMap<>(state.dividends()).values().forEach(ofInstrument -> ofInstrument.forEach(dividend ->
          dividends.add(new JsonObject().put("actionId", dividend.actionId())
              .put("instrumentId", dividend.instrumentId().value())
              .put("amountPerShare", decimal(dividend.amountPerShare()))
              .put("effectiveAt", text(dividend.effectiveAt())))));
      json.put("dividends", dividends);
    }
    return json;
  }

  /** One position, exactly, lots included. */
  public static JsonObject position(Position position) {
    JsonArray lots = new JsonArray();
    for (Lot lot : position.lots()) {
      lots.add(lot(lot));
    }
    return positionWithoutLots(position).put("lots", lots);
  }

  /** A position's figures, exactly, without its lots (a message that sends them otherwise). */
  static JsonObject positionWithoutLots(Position position) {
    JsonObject json = new JsonObject()
        .put("instrumentId", position.key().instrumentId().value())
        .put("strategy", position.key().strategy())
        .put("currency", position.currency().value())
        .put("quantity", decimal(position.quantity()))
        .put("averageCost", decimal(position.averageCost()))
        .put("costBasis", decimal(position.costBasis()))
        .put("realizedPnl", decimal(position.realizedPnl()))
        .put("fees", decimal(position.fees()));
    putIfPresent(json, "openedAt", text(position.openedAt()));
    putIfPresent(json, "updatedAt", text(position.updatedAt()));
    putIfPresent(json, "lastExecutedAt", text(position.lastExecutedAt()));
    return json;
  }

  /** One open lot, exactly. */
  static JsonObject lot(Lot lot) {
    return new JsonObject()
        .put("quantity", decimal(lot.quantity()))
        .put("price", decimal(lot.price()))
        .put("openedAt", text(lot.openedAt()))
        .put("openedSeq", lot.openedSeq());
  }

  static Lot lot(JsonObject lot) {
    return new Lot(decimal(lot, "quantity"), decimal(lot, "price"), Json.instant(lot, "openedAt"),
        lot.getLong("openedSeq"));
  }

  public static PortfolioState fromJson(JsonObject json) {
    Map<PositionKey, Position> positions = new HashMap<>();
    for (Object item : json.getJsonArray("positions")) {
      Position position = position((JsonObject) item);
      positions.put(position.key(), position);
    }
    Map<CurrencyCode, BigDecimal> cash = new HashMap<>();
    json.getJsonObject("cash").forEach(entry ->
        cash.put(CurrencyCode.of(entry.getKey()), new BigDecimal((String) entry.getValue())));
    Map<InstrumentId, BigDecimal> targets = Json.targets(json.getJsonObject("targets"));
    // Snapshots taken before corporate actions existed have no splits: none was applied.
    Map<InstrumentId, List<Split>> splits = new HashMap<>();
    JsonArray applied = json.getJsonArray("splits");
    if (applied != null) {
      for (Object item : applied) {
        JsonObject split = (JsonObject) item;
        InstrumentId instrument = Json.instrumentId(split, "instrumentId");
        splits.computeIfAbsent(instrument, id -> new ArrayList<>()).add(Split.of(split.getString("actionId"),
            instrument, split.getString("ratio"), Json.instant(split, "effectiveAt")));
      }
    }
    Map<InstrumentId, List<CashDividend>> dividends = new HashMap<>();
    JsonArray paid = json.getJsonArray("dividends");
    if (paid != null) {
      for (Object item : paid) {
        JsonObject dividend = (JsonObject) item;
        InstrumentId instrument = Json.instrumentId(dividend, "instrumentId");
        dividends.computeIfAbsent(instrument, id -> new ArrayList<>()).add(new CashDividend(
            dividend.getString("actionId"), instrument, decimal(dividend, "amountPerShare"),
            Json.instant(dividend, "effectiveAt")));
      }
    }
    return new PortfolioState(Json.portfolioId(json, "id"), json.getString("name"),
        Json.currency(json, "baseCurrency"), Json.portfolioId(json, "parentId"),
        CostMethod.valueOf(json.getString("costMethod")), decimal(json, "driftThreshold"), targets,
        json.getLong("version"), Json.instant(json, "createdAt"), Json.instant(json, "updatedAt"),
        positions, cash, splits, dividends, SettingsJson.fromJson(json.getJsonObject("settings")));
  }

  public static Position position(JsonObject json) {
    List<Lot> lots = new ArrayList<>();
    for (Object item : json.getJsonArray("lots")) {
      lots.add(lot((JsonObject) item));
    }
    return position(json, lots);
  }

  /** A position from its figures in {@code json} and its {@code lots}, given apart. */
  static Position position(JsonObject json, List<Lot> lots) {
    PositionKey key = new PositionKey(Json.instrumentId(json, "instrumentId"), json.getString("strategy"));
    return new Position(key, Json.currency(json, "currency"), decimal(json, "quantity"),
        decimal(json, "averageCost"), decimal(json, "costBasis"), decimal(json, "realizedPnl"), decimal(json, "fees"),
        Json.instant(json, "openedAt"), Json.instant(json, "updatedAt"), lots, Json.instant(json, "lastExecutedAt"));
  }
}
