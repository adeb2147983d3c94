package io.portfoliostate.gateway;

import io.portfoliostate.domain.Decimals;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.valuation.CashLine;
import io.portfoliostate.domain.valuation.ConsolidatedValuation;
import io.portfoliostate.domain.valuation.Exposures;
import io.portfoliostate.domain.valuation.GroupBy;
import io.portfoliostate.domain.valuation.PortfolioValuation;
import io.portfoliostate.domain.valuation.PositionGroup;
import io.portfoliostate.domain.valuation.PositionLine;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.util.ArrayList;

/**
 * The JSON of consolidated views (docs/api.md, "Consolidated views"). Every view names the root
 * and its base currency and carries the breakdown ({@code portfolios}: each portfolio's version
 * read and its own NAV), so a reader always knows which states were summed.
 */
final class ConsolidatedJson {

  private ConsolidatedJson() {
  }

  /** Everything: netted positions, summed cash, the valuation and the breakdown. */
  static JsonObject whole(ConsolidatedValuation consolidated) {
    PortfolioValuation valuation = consolidated.valuation();
    return head(consolidated)
        .put("positions", positions(consolidated))
        .put("cash", Valuations.cash(valuation.cash()))
        .put("valuation", summary(consolidated))
        .put("portfolios", portfolios(consolidated));
  }

  /** The netted positions, or their groups. */
  static JsonObject positions(ConsolidatedValuation consolidated, GroupBy groupBy) {
    JsonObject json = head(consolidated);
    if (groupBy == null) {
      json.put("positions", positions(consolidated));
    } else {
      JsonArray groups = new JsonArray();
      for (PositionGroup group : consolidated.groups(groupBy)) {
        JsonArray lines = new JsonArray();
        group.lines().forEach(line -> lines.add(position(consolidated, line)));
        groups.add(new JsonObject()
            .put("key", group.key())
            .put("marketValueBase", Decimals.plain(group.marketValueBase()))
            .put("costBase", Decimals.plain(group.costBase()))
            .put("unrealizedPnlBase", Decimals.plain(group.unrealizedPnlBase()))
            .put("realizedPnlBase", Decimals.plain(group.realizedPnlBase()))
            .put("weight", group.weight())
            .put("complete", group.complete())
            .put("positions", lines));
      }
      json.put("groupBy", groupBy.apiName()).put("groups", groups);
    }
    return json.put("valuation", summary(consolidated)).put("portfolios", portfolios(consolidated));
  }

  /** Balances summed per currency and valued in the root's base. */
  static JsonObject cash(ConsolidatedValuation consolidated) {
    PortfolioValuation valuation = consolidated.valuation();
    return head(consolidated)
        .put("balances", Valuations.cash(valuation.cash()))
        .put("cashBase", Decimals.plain(valuation.cashBase()))
        .put("complete", valuation.cash().stream().allMatch(CashLine::valued))
        .put("asOf", valuation.asOf().toString())
        .put("portfolios", portfolios(consolidated));
  }

  /** Weights of the netted lines against the root's targets. */
  static JsonObject weights(ConsolidatedValuation consolidated) {
    return head(consolidated)
        .put("driftThreshold", consolidated.root().driftThreshold().doubleValue())
        .put("weights", Valuations.weights(consolidated.weights()))
        .put("valuation", summary(consolidated))
        .put("portfolios", portfolios(consolidated));
  }

  /** Exposures of the netted lines. */
  static JsonObject exposures(ConsolidatedValuation consolidated) {
    Exposures exposures = consolidated.exposures();
    JsonObject json = Valuations.exposures(consolidated.root(), consolidated.valuation(), exposures);
    json.remove("portfolioId");
    json.remove("version");
    return head(consolidated).mergeIn(json).put("portfolios", portfolios(consolidated));
  }

  private static JsonObject head(ConsolidatedValuation consolidated) {
    return new JsonObject()
        .put("portfolioId", consolidated.root().id().value())
        .put("baseCurrency", consolidated.root().baseCurrency().value())
        .put("portfolioCount", consolidated.portfolios().size());
  }

  private static JsonArray positions(ConsolidatedValuation consolidated) {
    JsonArray positions = new JsonArray();
    consolidated.valuation().positions().forEach(line -> positions.add(position(consolidated, line)));
    return positions;
  }

  /**
   * A netted line: quantity, signed cost and its average ({@code cost / quantity}, null when
   * flat), realized P&amp;L and fees summed, valued like a single portfolio's line, and which
   * portfolios hold it.
   */
  private static JsonObject position(ConsolidatedValuation consolidated, PositionLine line) {
    BigDecimal quantity = line.quantity();
    JsonArray holders = new JsonArray();
    consolidated.holdersOf(line).forEach(holding -> holders.add(new JsonObject()
        .put("portfolioId", holding.portfolioId().value())
        .put("quantity", Decimals.plain(holding.quantity()))));
    return new JsonObject()
        .put("instrumentId", line.key().instrumentId().value())
        .put("strategy", line.key().strategy())
        .put("currency", line.currency().value())
        .put("quantity", Decimals.plain(quantity))
        .put("cost", Decimals.plain(line.cost()))
        .put("averageCost", quantity.signum() == 0 ? null : Decimals.plain(line.position().averageCost()))
        .put("realizedPnl", Decimals.plain(line.position().realizedPnl()))
        .put("fees", Decimals.plain(line.position().fees()))
        .put("price", decimal(line.price()))
        .put("marketValue", decimal(line.marketValue()))
        .put("marketValueBase", decimal(line.marketValueBase()))
        .put("costBase", decimal(line.costBase()))
        .put("unrealizedPnl", decimal(line.unrealizedPnl()))
        .put("unrealizedPnlBase", decimal(line.unrealizedPnlBase()))
        .put("realizedPnlBase", decimal(line.realizedPnlBase()))
        .put("weight", line.weight())
        .put("holders", holders);
  }

  /** {@code {nav, complete, asOf, missing: {prices, rates}}}. */
  private static JsonObject summary(ConsolidatedValuation consolidated) {
    JsonArray prices = new JsonArray();
    for (InstrumentId id : consolidated.missing().prices()) {
      prices.add(id.value());
    }
    return Valuations.summary(consolidated.valuation())
        .put("missing", new JsonObject().put("prices", prices)
            .put("rates", new JsonArray(new ArrayList<>(consolidated.missing().rates()))));
  }

  private static JsonArray portfolios(ConsolidatedValuation consolidated) {
    JsonArray portfolios = new JsonArray();
    for (ConsolidatedValuation.Contribution one : consolidated.portfolios()) {
      portfolios.add(new JsonObject()
          .put("id", one.portfolioId().value())
          .put("parentId", one.parentId() == null ? null : one.parentId().value())
          .put("depth", one.depth())
          .put("baseCurrency", one.baseCurrency().value())
          .put("version", one.version())
          .put("nav", Decimals.plain(one.nav()))
          .put("complete", one.complete())
          .put("navInRootBase", Decimals.plain(one.navInRootBase()))
          .put("completeInRootBase", one.completeInRootBase()));
    }
    return portfolios;
  }

  private static String decimal(BigDecimal value) {
    return value == null ? null : Decimals.plain(value);
  }
}
