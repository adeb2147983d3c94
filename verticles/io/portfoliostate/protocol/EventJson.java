package io.portfoliostate.protocol;

import static io.portfoliostate.protocol.Json.decimal;
import static io.portfoliostate.protocol.Json.putIfPresent;
import static io.portfoliostate.protocol.Json.text;

import io.portfoliostate.domain.CashFlowRecorded;
import io.portfoliostate.domain.CashFlowType;
import io.portfoliostate.domain.CostMethod;
import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.DividendApplied;
import io.portfoliostate.domain.SplitApplied;
import io.portfoliostate.domain.FxConverted;
import io.portfoliostate.domain.PortfolioCreated;
import io.portfoliostate.domain.PortfolioEvent;
import io.portfoliostate.domain.PortfolioUpdated;
import io.portfoliostate.domain.Side;
import io.portfoliostate.domain.TargetsSet;
import io.portfoliostate.domain.TradeRecorded;
import io.portfoliostate.domain.TradeCancelled;
import io.portfoliostate.domain.TradeAmended;
import io.portfoliostate.domain.Restatement;
import io.portfoliostate.domain.Position;
import io.portfoliostate.domain.PositionKey;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.portfoliostate.domain.InstrumentId;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The journal's event format: a type name and a JSON payload. The format is a contract with
 * every journal ever written, so it is mapped field by field here, not by reflection: renaming a
 * Java field can never silently change what old rows mean.
 */
public final class EventJson {

  private EventJson() {
  }

  /** The type name stored with the event. */
  public static String type(PortfolioEvent event) {
    return event.getClass().getSimpleName();
  }

  /**
   * The payload as JSON text: what {@code toJson(event).encode()} gives, character for character.
   * A plain trade, the event of nearly every commit, is written straight into the text; building
   * its tree of JSON objects and encoding it through Jackson's data binding was the owner's
   * largest allocation per commit (BENCHMARKS.md, issue 14, h/alloc17). Every other event, and
   * a trade that crossed a split or was restated, goes through {@link #toJson}.
   */
  public static String encode(PortfolioEvent event) {
    if (event instanceof TradeRecorded e && !e.convertedBySplits() && !e.adjusted() && e.restated() == null) {
      StringBuilder out = new StringBuilder(320);
      out.append("{\"tradeId\":");
      JsonText.string(out, e.tradeId());
      out.append(",\"instrumentId\":");
      JsonText.string(out, e.instrumentId().value());
      out.append(",\"strategy\":");
      JsonText.string(out, e.strategy());
      out.append(",\"side\":");
      JsonText.string(out, e.side().name());
      out.append(",\"quantity\":");
      JsonText.string(out, decimal(e.quantity()));
      out.append(",\"price\":");
      JsonText.string(out, decimal(e.price()));
      out.append(",\"currency\":");
      JsonText.string(out, e.currency().value());
      out.append(",\"fees\":");
      JsonText.string(out, decimal(e.fees()));
      out.append(",\"executedAt\":");
      JsonText.instant(out, e.executedAt());
      out.append(",\"at\":");
      JsonText.instant(out, e.at());
      return out.append('}').toString();
    }
    return toJson(event).encode();
  }

  public static JsonObject toJson(PortfolioEvent event) {
    if (event instanceof TradeRecorded) {
      TradeRecorded e = (TradeRecorded) event;
      JsonObject json = trade(e);
      // Written only when the trade crossed a split: older rows have no such field.
      if (e.adjusted()) {
        json.put("adjustedBy", new JsonArray(new ArrayList<>(e.adjustedBy())));
      }
      return e.restated() == null ? json : json.put("restated", restatement(e.restated()));
    }
    if (event instanceof TradeCancelled) {
      TradeCancelled e = (TradeCancelled) event;
      JsonObject json = new JsonObject().put("tradeId", e.tradeId());
      putIfPresent(json, "reason", e.reason());
      return json.put("cancelled", trade(e.cancelled()))
          .put("restated", restatement(e.restatement()))
          .put("at", text(e.at()));
    }
    if (event instanceof TradeAmended) {
      TradeAmended e = (TradeAmended) event;
      JsonObject json = new JsonObject().put("tradeId", e.tradeId()).put("amendment", e.amendment());
      putIfPresent(json, "reason", e.reason());
      return json.put("previous", trade(e.previous()))
          .put("amended", trade(e.amended()))
          .put("restated", restatement(e.restatement()))
          .put("key", e.key())
          .put("at", text(e.at()));
    }
    return others(event);
  }

  /** A trade's own fields (a version kept by a cancel or an amendment has no others). */
  private static JsonObject trade(TradeRecorded e) {
    JsonObject json = new JsonObject()
        .put("tradeId", e.tradeId())
        .put("instrumentId", e.instrumentId().value())
        .put("strategy", e.strategy())
        .put("side", e.side().name())
        .put("quantity", decimal(e.quantity()))
        .put("price", decimal(e.price()))
        .put("currency", e.currency().value())
        .put("fees", decimal(e.fees()))
        .put("executedAt", text(e.executedAt()))
        .put("at", text(e.at()));
    // A version recorded converted by splits (before the timeline) says so; see TradeLedger.
    return e.convertedBySplits() ? json.put("adjustedBy", new JsonArray(new ArrayList<>(e.adjustedBy()))) : json;
  }

  private static TradeRecorded trade(JsonObject json) {
    return new TradeRecorded(json.getString("tradeId"), Json.instrumentId(json, "instrumentId"),
        json.getString("strategy"), Side.valueOf(json.getString("side")),
        decimal(json, "quantity"), decimal(json, "price"), Json.currency(json, "currency"),
        decimal(json, "fees"), Json.instant(json, "executedAt"), Json.instant(json, "at"),
        strings(json.getJsonArray("adjustedBy")));
  }

  private static JsonObject restatement(Restatement restatement) {
    JsonArray positions = new JsonArray();
    restatement.positions().forEach(position -> positions.add(StateJson.position(position)));
    JsonArray removed = new JsonArray();
    restatement.removed().forEach(key -> removed.add(new JsonObject()
        .put("instrumentId", key.instrumentId().value()).put("strategy", key.strategy())));
    return new JsonObject().put("positions", positions).put("removed", removed);
  }

  private static Restatement restatement(JsonObject json) {
    List<Position> positions = new ArrayList<>();
    json.getJsonArray("positions").forEach(item -> positions.add(StateJson.position((JsonObject) item)));
    List<PositionKey> removed = new ArrayList<>();
    json.getJsonArray("removed").forEach(item -> removed.add(new PositionKey(
        Json.instrumentId((JsonObject) item, "instrumentId"), ((JsonObject) item).getString("strategy"))));
    return new Restatement(positions, removed);
  }

  private static JsonObject others(PortfolioEvent event) {
    if (event instanceof SplitApplied) {
      SplitApplied e = (SplitApplied) event;
      return new JsonObject()
          .put("actionId", e.actionId())
          .put("instrumentId", e.instrumentId().value())
          .put("numerator", e.numerator())
          .put("denominator", e.denominator())
          .put("effectiveAt", text(e.effectiveAt()))
          .put("at", text(e.at()));
    }
    if (event instanceof DividendApplied) {
      DividendApplied e = (DividendApplied) event;
      JsonObject amounts = new JsonObject();
      e.amounts().forEach((currency, amount) -> amounts.put(currency.value(), decimal(amount)));
      JsonObject json = new JsonObject()
          .put("actionId", e.actionId())
          .put("instrumentId", e.instrumentId().value())
          .put("amountPerShare", decimal(e.amountPerShare()))
          .put("effectiveAt", text(e.effectiveAt()))
          .put("amounts", amounts)
          .put("at", text(e.at()));
      return e.tradeId() == null ? json : json.put("tradeId", e.tradeId());
    }
    if (event instanceof CashFlowRecorded) {
      CashFlowRecorded e = (CashFlowRecorded) event;
      JsonObject json = new JsonObject()
          .put("flowId", e.flowId())
          .put("type", e.type().name())
          .put("currency", e.currency().value())
          .put("amount", decimal(e.amount()));
      putIfPresent(json, "instrumentId", e.instrumentId() == null ? null : e.instrumentId().value());
      return json.put("occurredAt", text(e.occurredAt())).put("at", text(e.at()));
    }
    if (event instanceof FxConverted) {
      FxConverted e = (FxConverted) event;
      return new JsonObject()
          .put("conversionId", e.conversionId())
          .put("fromCurrency", e.fromCurrency().value())
          .put("toCurrency", e.toCurrency().value())
          .put("fromAmount", decimal(e.fromAmount()))
          .put("rate", decimal(e.rate()))
          .put("toAmount", decimal(e.toAmount()))
          .put("at", text(e.at()));
    }
    if (event instanceof PortfolioCreated) {
      PortfolioCreated e = (PortfolioCreated) event;
      JsonObject json = new JsonObject()
          .put("portfolioId", e.portfolioId().value())
          .put("name", e.name())
          .put("baseCurrency", e.baseCurrency().value());
      putIfPresent(json, "parentId", text(e.parentId()));
      json.put("costMethod", e.costMethod().name())
          .put("driftThreshold", decimal(e.driftThreshold()))
          .put("targets", Json.targets(e.targets()));
      // Written only when some are set: older rows have no settings, and read as none.
      if (!e.settings().isEmpty()) {
        json.put("settings", SettingsJson.toJson(e.settings()));
      }
      return json.put("at", text(e.at()));
    }
    if (event instanceof PortfolioUpdated) {
      PortfolioUpdated e = (PortfolioUpdated) event;
      JsonObject json = new JsonObject();
      putIfPresent(json, "name", e.name());
      putIfPresent(json, "parentId", text(e.parentId()));
      putIfPresent(json, "driftThreshold", decimal(e.driftThreshold()));
      putIfPresent(json, "costMethod", e.costMethod() == null ? null : e.costMethod().name());
      // A parent left unchanged is an absent parentId; a parent removed says so explicitly. Both
      // written only when they happen, so older rows read as they always did.
      if (e.parentCleared()) {
        json.put("parentCleared", true);
      }
      if (!e.settings().isEmpty()) {
        json.put("settings", SettingsJson.toJson(e.settings()));
      }
      if (!e.clearedSettings().isEmpty()) {
        json.put("clearedSettings", SettingsJson.paths(e.clearedSettings()));
      }
      return json.put("at", text(e.at()));
    }
    if (event instanceof TargetsSet) {
      TargetsSet e = (TargetsSet) event;
      JsonObject json = new JsonObject().put("targets", Json.targets(e.targets()));
      putIfPresent(json, "driftThreshold", decimal(e.driftThreshold()));
      return json.put("at", text(e.at()));
    }
    throw new IllegalStateException("unmapped event " + event.getClass().getSimpleName());
  }

  /**
   * An event from its type and payload text: what {@code fromJson(type, new JsonObject(data))}
   * gives. A plain trade (its ten fields, each a string or null) is read with Jackson's streaming
   * parser straight into the event, without the map of a {@link JsonObject}: another node's hub
   * reads every change it follows so (BENCHMARKS.md, issue 14, h/alloc17). Anything else — another
   * type, a field more, a value that is not a string — goes through {@link #fromJson}, which
   * answers it or fails as before.
   */
  public static PortfolioEvent decode(String type, String data) {
    if ("TradeRecorded".equals(type)) {
      TradeRecorded trade = plainTrade(data);
      if (trade != null) {
        return trade;
      }
    }
    return fromJson(type, new JsonObject(data));
  }

  private static final JsonFactory PARSERS = new JsonFactory();

  /** A trade of the plain fields only; null when the text holds anything else. */
  private static TradeRecorded plainTrade(String data) {
    String tradeId = null;
    String instrumentId = null;
    String strategy = null;
    String side = null;
    String quantity = null;
    String price = null;
    String currency = null;
    String fees = null;
    String executedAt = null;
    String at = null;
    try (JsonParser in = PARSERS.createParser(data)) {
      if (in.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      JsonToken token;
      while ((token = in.nextToken()) == JsonToken.FIELD_NAME) {
        String field = in.currentName();
        JsonToken value = in.nextToken();
        if (value != JsonToken.VALUE_STRING && value != JsonToken.VALUE_NULL) {
          return null;
        }
        String text = value == JsonToken.VALUE_NULL ? null : in.getText();
        switch (field) {
          case "tradeId" -> tradeId = text;
          case "instrumentId" -> instrumentId = text;
          case "strategy" -> strategy = text;
          case "side" -> side = text;
          case "quantity" -> quantity = text;
          case "price" -> price = text;
          case "currency" -> currency = text;
          case "fees" -> fees = text;
          case "executedAt" -> executedAt = text;
          case "at" -> at = text;
          default -> {
            return null;
          }
        }
      }
      if (token != JsonToken.END_OBJECT || in.nextToken() != null || side == null) {
        return null;
      }
    } catch (IOException malformed) {
      return null;
    }
    return new TradeRecorded(tradeId, instrumentId == null ? null : InstrumentId.of(instrumentId), strategy,
        Side.valueOf(side), quantity == null ? null : new BigDecimal(quantity),
        price == null ? null : new BigDecimal(price), currency == null ? null : CurrencyCode.of(currency),
        fees == null ? null : new BigDecimal(fees), executedAt == null ? null : InstantText.parse(executedAt),
        at == null ? null : InstantText.parse(at), List.of(), null);
  }

  public static PortfolioEvent fromJson(String type, JsonObject json) {
    switch (type) {
      case "TradeRecorded":
        JsonObject restated = json.getJsonObject("restated");
        return new TradeRecorded(json.getString("tradeId"), Json.instrumentId(json, "instrumentId"),
            json.getString("strategy"), Side.valueOf(json.getString("side")),
            decimal(json, "quantity"), decimal(json, "price"), Json.currency(json, "currency"),
            decimal(json, "fees"), Json.instant(json, "executedAt"), Json.instant(json, "at"),
            strings(json.getJsonArray("adjustedBy")), restated == null ? null : restatement(restated));
      case "TradeCancelled":
        return new TradeCancelled(json.getString("tradeId"), json.getString("reason"),
            trade(json.getJsonObject("cancelled")), restatement(json.getJsonObject("restated")),
            Json.instant(json, "at"));
      case "TradeAmended":
        return new TradeAmended(json.getString("tradeId"), json.getInteger("amendment"), json.getString("reason"),
            trade(json.getJsonObject("previous")), trade(json.getJsonObject("amended")),
            restatement(json.getJsonObject("restated")), json.getString("key"), Json.instant(json, "at"));
      case "SplitApplied":
        return new SplitApplied(json.getString("actionId"), Json.instrumentId(json, "instrumentId"),
            json.getLong("numerator"), json.getLong("denominator"), Json.instant(json, "effectiveAt"),
            Json.instant(json, "at"));
      case "DividendApplied":
        Map<CurrencyCode, BigDecimal> amounts = new TreeMap<>();
        json.getJsonObject("amounts").forEach(entry ->
            amounts.put(CurrencyCode.of(entry.getKey()), new BigDecimal((String) entry.getValue())));
        return new DividendApplied(json.getString("actionId"), Json.instrumentId(json, "instrumentId"),
            decimal(json, "amountPerShare"), Json.instant(json, "effectiveAt"), amounts, Json.instant(json, "at"),
            json.getString("tradeId"));
      case "CashFlowRecorded":
        return new CashFlowRecorded(json.getString("flowId"), CashFlowType.valueOf(json.getString("type")),
            Json.currency(json, "currency"), decimal(json, "amount"), Json.instrumentId(json, "instrumentId"),
            Json.instant(json, "occurredAt"), Json.instant(json, "at"));
      case "FxConverted":
        return new FxConverted(json.getString("conversionId"), Json.currency(json, "fromCurrency"),
            Json.currency(json, "toCurrency"), decimal(json, "fromAmount"), decimal(json, "rate"),
            decimal(json, "toAmount"), Json.instant(json, "at"));
      case "PortfolioCreated":
        return new PortfolioCreated(Json.portfolioId(json, "portfolioId"), json.getString("name"),
            Json.currency(json, "baseCurrency"), Json.portfolioId(json, "parentId"),
            CostMethod.valueOf(json.getString("costMethod")), decimal(json, "driftThreshold"),
            Json.targets(json.getJsonObject("targets")), Json.instant(json, "at"),
            SettingsJson.fromJson(json.getJsonObject("settings")));
      case "PortfolioUpdated":
        String method = json.getString("costMethod");
        return new PortfolioUpdated(json.getString("name"), Json.portfolioId(json, "parentId"),
            decimal(json, "driftThreshold"), method == null ? null : CostMethod.valueOf(method),
            Json.instant(json, "at"), json.getBoolean("parentCleared", false),
            SettingsJson.fromJson(json.getJsonObject("settings")),
            SettingsJson.settings(json.getJsonArray("clearedSettings")));
      case "TargetsSet":
        return new TargetsSet(Json.targets(json.getJsonObject("targets")), decimal(json, "driftThreshold"),
            Json.instant(json, "at"));
      default:
        throw new IllegalStateException("unknown event type " + type);
    }
  }

  private static List<String> strings(JsonArray array) {
    List<String> values = new ArrayList<>();
    if (array != null) {
      array.forEach(value -> values.add((String) value));
    }
    return values;
  }
}
