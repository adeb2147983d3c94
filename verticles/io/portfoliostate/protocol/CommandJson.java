package io.portfoliostate.protocol;

import static io.portfoliostate.protocol.Json.decimal;
import static io.portfoliostate.protocol.Json.putIfPresent;
import static io.portfoliostate.protocol.Json.text;

import io.portfoliostate.domain.ApplyBatch;
import io.portfoliostate.domain.ApplyCorporateAction;
import io.portfoliostate.domain.IdempotentCommand;
import io.portfoliostate.domain.CashDividend;
import io.portfoliostate.domain.CashFlowType;
import io.portfoliostate.domain.CorporateAction;
import io.portfoliostate.domain.Split;
import io.portfoliostate.domain.ConvertFx;
import io.portfoliostate.domain.CostMethod;
import io.portfoliostate.domain.CreatePortfolio;
import io.portfoliostate.domain.PortfolioCommand;
import io.portfoliostate.domain.RecordCashFlow;
import io.portfoliostate.domain.RecordTrade;
import io.portfoliostate.domain.CancelTrade;
import io.portfoliostate.domain.AmendTrade;
import io.portfoliostate.domain.SetTargets;
import io.portfoliostate.domain.Side;
import io.portfoliostate.domain.UpdatePortfolio;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * Commands as JSON, for the clustered event bus: a gateway on one node sends a command to the
 * owner on another. Decoding builds the command through its constructor, so a command is
 * validated again on the owner's side and nothing unvalidated reaches the rules.
 */
public final class CommandJson {

  private CommandJson() {
  }

  public static JsonObject toJson(PortfolioCommand command) {
    JsonObject json = new JsonObject().put("portfolioId", command.portfolioId().value());
    if (command instanceof ApplyBatch batch) {
      JsonArray items = new JsonArray(new ArrayList<>(batch.items().size()));
      batch.items().forEach(item -> items.add(toJson(item)));
      return json.put("type", "ApplyBatch").put("skipRefused", batch.skipRefused()).put("items", items);
    }
    if (command instanceof RecordTrade) {
      RecordTrade c = (RecordTrade) command;
      json.put("type", "RecordTrade").put("tradeId", c.tradeId()).put("instrumentId", c.instrumentId().value())
          .put("side", c.side().name()).put("quantity", decimal(c.quantity())).put("price", decimal(c.price()))
          .put("fees", decimal(c.fees())).put("strategy", c.strategy());
      putIfPresent(json, "currency", c.currency() == null ? null : c.currency().value());
      return putIfPresent(json, "executedAt", text(c.executedAt()));
    }
    if (command instanceof RecordCashFlow) {
      RecordCashFlow c = (RecordCashFlow) command;
      json.put("type", "RecordCashFlow").put("flowId", c.flowId()).put("flowType", c.type().name())
          .put("currency", c.currency().value()).put("amount", decimal(c.amount()));
      putIfPresent(json, "instrumentId", c.instrumentId() == null ? null : c.instrumentId().value());
      return putIfPresent(json, "occurredAt", text(c.occurredAt()));
    }
    if (command instanceof ConvertFx) {
      ConvertFx c = (ConvertFx) command;
      return json.put("type", "ConvertFx").put("conversionId", c.conversionId())
          .put("fromCurrency", c.fromCurrency().value()).put("toCurrency", c.toCurrency().value())
          .put("fromAmount", decimal(c.fromAmount())).put("rate", decimal(c.rate()));
    }
    if (command instanceof CancelTrade) {
      CancelTrade c = (CancelTrade) command;
      json.put("type", "CancelTrade").put("tradeId", c.tradeId());
      return putIfPresent(json, "reason", c.reason());
    }
    if (command instanceof AmendTrade) {
      AmendTrade c = (AmendTrade) command;
      json.put("type", "AmendTrade").put("tradeId", c.tradeId());
      putIfPresent(json, "side", c.side() == null ? null : c.side().name());
      putIfPresent(json, "quantity", c.quantity() == null ? null : decimal(c.quantity()));
      putIfPresent(json, "price", c.price() == null ? null : decimal(c.price()));
      putIfPresent(json, "fees", c.fees() == null ? null : decimal(c.fees()));
      putIfPresent(json, "currency", c.currency() == null ? null : c.currency().value());
      putIfPresent(json, "strategy", c.strategy());
      putIfPresent(json, "executedAt", text(c.executedAt()));
      return putIfPresent(json, "reason", c.reason());
    }
    if (command instanceof ApplyCorporateAction) {
      return json.put("type", "ApplyCorporateAction").put("action", action(((ApplyCorporateAction) command).action()));
    }
    if (command instanceof CreatePortfolio) {
      CreatePortfolio c = (CreatePortfolio) command;
      json.put("type", "CreatePortfolio").put("name", c.name()).put("baseCurrency", c.baseCurrency().value());
      putIfPresent(json, "parentId", text(c.parentId()));
      putIfPresent(json, "costMethod", c.costMethod() == null ? null : c.costMethod().name());
      putIfPresent(json, "parentCostMethod", c.parentCostMethod() == null ? null : c.parentCostMethod().name());
      if (!c.settings().isEmpty()) {
        json.put("settings", SettingsJson.toJson(c.settings()));
      }
      return json.put("driftThreshold", decimal(c.driftThreshold())).put("targets", Json.targets(c.targets()));
    }
    if (command instanceof UpdatePortfolio) {
      UpdatePortfolio c = (UpdatePortfolio) command;
      json.put("type", "UpdatePortfolio");
      putIfPresent(json, "name", c.name());
      putIfPresent(json, "parentId", text(c.parentId()));
      putIfPresent(json, "driftThreshold", decimal(c.driftThreshold()));
      if (c.clearParent()) {
        json.put("clearParent", true);
      }
      if (!c.settings().isEmpty()) {
        json.put("settings", SettingsJson.toJson(c.settings()));
      }
      if (!c.clearedSettings().isEmpty()) {
        json.put("clearedSettings", SettingsJson.paths(c.clearedSettings()));
      }
      return putIfPresent(json, "costMethod", c.costMethod() == null ? null : c.costMethod().name());
    }
    if (command instanceof SetTargets) {
      SetTargets c = (SetTargets) command;
      json.put("type", "SetTargets").put("targets", Json.targets(c.targets()));
      return putIfPresent(json, "driftThreshold", decimal(c.driftThreshold()));
    }
    throw new IllegalStateException("unmapped command " + command.getClass().getSimpleName());
  }

  public static PortfolioCommand fromJson(JsonObject json) {
    String type = json.getString("type");
    switch (type) {
      case "RecordTrade":
        return new RecordTrade(Json.portfolioId(json, "portfolioId"), json.getString("tradeId"),
            Json.instrumentId(json, "instrumentId"), Side.valueOf(json.getString("side")),
            decimal(json, "quantity"), decimal(json, "price"), Json.currency(json, "currency"),
            decimal(json, "fees"), json.getString("strategy"), Json.instant(json, "executedAt"));
      case "CancelTrade":
        return new CancelTrade(Json.portfolioId(json, "portfolioId"), json.getString("tradeId"),
            json.getString("reason"));
      case "AmendTrade":
        String side = json.getString("side");
        return new AmendTrade(Json.portfolioId(json, "portfolioId"), json.getString("tradeId"),
            side == null ? null : Side.valueOf(side), decimal(json, "quantity"), decimal(json, "price"),
            decimal(json, "fees"), Json.currency(json, "currency"), json.getString("strategy"),
            Json.instant(json, "executedAt"), json.getString("reason"));
      case "RecordCashFlow":
        return new RecordCashFlow(Json.portfolioId(json, "portfolioId"), json.getString("flowId"),
            CashFlowType.valueOf(json.getString("flowType")), Json.currency(json, "currency"),
            decimal(json, "amount"), Json.instrumentId(json, "instrumentId"), Json.instant(json, "occurredAt"));
      case "ConvertFx":
        return new ConvertFx(Json.portfolioId(json, "portfolioId"), json.getString("conversionId"),
            Json.currency(json, "fromCurrency"), Json.currency(json, "toCurrency"),
            decimal(json, "fromAmount"), decimal(json, "rate"));
      case "CreatePortfolio":
        return new CreatePortfolio(Json.portfolioId(json, "portfolioId"), json.getString("name"),
            Json.currency(json, "baseCurrency"), Json.portfolioId(json, "parentId"),
            costMethod(json.getString("costMethod")), decimal(json, "driftThreshold"),
            Json.targets(json.getJsonObject("targets")), SettingsJson.fromJson(json.getJsonObject("settings")),
            costMethod(json.getString("parentCostMethod")));
      case "UpdatePortfolio":
        String method = json.getString("costMethod");
        return new UpdatePortfolio(Json.portfolioId(json, "portfolioId"), json.getString("name"),
            Json.portfolioId(json, "parentId"), decimal(json, "driftThreshold"),
            method == null ? null : CostMethod.valueOf(method), json.getBoolean("clearParent", false),
            SettingsJson.fromJson(json.getJsonObject("settings")),
            SettingsJson.settings(json.getJsonArray("clearedSettings")));
      case "SetTargets":
        return new SetTargets(Json.portfolioId(json, "portfolioId"), Json.targets(json.getJsonObject("targets")),
            decimal(json, "driftThreshold"));
      case "ApplyCorporateAction":
        return new ApplyCorporateAction(Json.portfolioId(json, "portfolioId"), action(json.getJsonObject("action")));
      case "ApplyBatch":
        JsonArray items = json.getJsonArray("items");
        List<IdempotentCommand> commands = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
          PortfolioCommand item = fromJson(items.getJsonObject(i));
          if (!(item instanceof IdempotentCommand)) {
            throw new io.portfoliostate.domain.DomainViolation("items[" + i + "]", "must be a trade or a cash flow");
          }
          commands.add((IdempotentCommand) item);
        }
        return new ApplyBatch(Json.portfolioId(json, "portfolioId"), commands, json.getBoolean("skipRefused", false));
      default:
        throw new IllegalStateException("unknown command type " + type);
    }
  }

  private static CostMethod costMethod(String name) {
    return name == null ? null : CostMethod.valueOf(name);
  }

  /** A corporate action as JSON, in the fields of the API: also how it is stored. */
  public static JsonObject action(CorporateAction action) {
    JsonObject json = new JsonObject().put("actionId", action.actionId())
        .put("instrumentId", action.instrumentId().value());
    if (action instanceof Split) {
      json.put("type", "SPLIT").put("ratio", ((Split) action).ratio());
    } else {
      json.put("type", "CASH_DIVIDEND").put("amountPerShare", decimal(((CashDividend) action).amountPerShare()));
    }
    return json.put("effectiveAt", text(action.effectiveAt()));
  }

  public static CorporateAction action(JsonObject json) {
    String actionId = json.getString("actionId");
    if ("SPLIT".equals(json.getString("type"))) {
      return Split.of(actionId, Json.instrumentId(json, "instrumentId"), json.getString("ratio"),
          Json.instant(json, "effectiveAt"));
    }
    return new CashDividend(actionId, Json.instrumentId(json, "instrumentId"), decimal(json, "amountPerShare"),
        Json.instant(json, "effectiveAt"));
  }
}
