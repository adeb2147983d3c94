package io.portfoliostate.gateway;

import io.portfoliostate.domain.Decimals;
import io.portfoliostate.domain.PortfolioState;
import io.portfoliostate.domain.Position;
import io.portfoliostate.domain.valuation.CashLine;
import io.portfoliostate.domain.valuation.Exposures;
import io.portfoliostate.domain.valuation.GroupBy;
import io.portfoliostate.domain.valuation.PortfolioValuation;
import io.portfoliostate.domain.valuation.PositionGroup;
import io.portfoliostate.domain.valuation.PositionLine;
import io.portfoliostate.domain.valuation.WeightLine;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The JSON of valued reads (API.md): a state with its lines valued, grouped positions, weights
 * and exposures. Decimals are plain strings, ratios JSON numbers, and a figure that cannot be
 * computed (no price, no rate) is {@code null}, never an error.
 */
final class Valuations {

  private Valuations() {
  }

  /** The state of API.md: positions and cash with their valued figures, and the valuation. */
  static JsonObject portfolio(PortfolioState state, PortfolioValuation valuation) {
    return Representations.portfolio(state)
        .put("positions", positions(valuation.positions()))
        .put("cash", cash(valuation.cash()))
        .put("valuation", summary(valuation));
  }

  /** {@code {nav, complete, asOf}}. */
  static JsonObject summary(PortfolioValuation valuation) {
    return new JsonObject()
        .put("nav", Decimals.plain(valuation.nav()))
        .put("complete", valuation.complete())
        .put("asOf", valuation.asOf().toString());
  }

  static JsonArray positions(List<PositionLine> lines) {
    JsonArray positions = new JsonArray();
    lines.forEach(line -> positions.add(position(line)));
    return positions;
  }

  static JsonObject position(PositionLine line) {
    return Representations.position(line.position())
        .put("price", decimal(line.price()))
        .put("marketValue", decimal(line.marketValue()))
        .put("marketValueBase", decimal(line.marketValueBase()))
        .put("unrealizedPnl", decimal(line.unrealizedPnl()))
        .put("weight", line.weight());
  }

  static JsonArray cash(List<CashLine> lines) {
    JsonArray cash = new JsonArray();
    lines.forEach(line -> cash.add(new JsonObject()
        .put("currency", line.currency().value())
        .put("balance", Decimals.plain(line.balance()))
        .put("balanceBase", decimal(line.balanceBase()))));
    return cash;
  }

  /** The cash read: balances in local and base currency, their valued sum, and whether it is whole. */
  static JsonObject cashView(PortfolioState state, PortfolioValuation valuation) {
    boolean complete = valuation.cash().stream().allMatch(CashLine::valued);
    return new JsonObject().put("portfolioId", state.id().value())
        .put("version", state.version()).put("baseCurrency", state.baseCurrency().value())
        .put("balances", cash(valuation.cash()))
        .put("cashBase", Decimals.plain(valuation.cashBase()))
        .put("complete", complete)
        .put("asOf", valuation.asOf().toString());
  }

  /**
   * Groups in key order: sums in the base currency (of what is known; {@code complete} says
   * whether that is everything), per-currency totals of the positions as before, and the lines.
   */
  static JsonArray groups(List<PositionGroup> groups, GroupBy groupBy) {
    JsonArray result = new JsonArray();
    for (PositionGroup group : groups) {
      List<Position> members = new ArrayList<>(group.lines().size());
      group.lines().forEach(line -> members.add(line.position()));
      result.add(new JsonObject()
          .put("key", group.key())
          .put("marketValueBase", Decimals.plain(group.marketValueBase()))
          .put("costBase", Decimals.plain(group.costBase()))
          .put("unrealizedPnlBase", Decimals.plain(group.unrealizedPnlBase()))
          .put("realizedPnlBase", Decimals.plain(group.realizedPnlBase()))
          .put("weight", group.weight())
          .put("complete", group.complete())
          .put("totals", Representations.totals(members, groupBy == GroupBy.INSTRUMENT))
          .put("positions", positions(group.lines())));
    }
    return result;
  }

  /** {@code [{key, weight, targetWeight, drift, breached}]}. */
  static JsonArray weights(List<WeightLine> lines) {
    JsonArray weights = new JsonArray();
    lines.forEach(line -> weights.add(new JsonObject()
        .put("key", line.key())
        .put("weight", line.weight())
        .put("targetWeight", line.targetWeight())
        .put("drift", line.drift())
        .put("breached", line.breached())));
    return weights;
  }

  /** {@code {long, short, gross, net, bySector, byCountry, byCurrency, byAssetClass}} and whether all was valued. */
  static JsonObject exposures(PortfolioState state, PortfolioValuation valuation, Exposures exposures) {
    return new JsonObject()
        .put("portfolioId", state.id().value())
        .put("version", state.version())
        .put("long", exposures.longExposure())
        .put("short", exposures.shortExposure())
        .put("gross", exposures.gross())
        .put("net", exposures.net())
        .put("bySector", ratios(exposures.bySector()))
        .put("byCountry", ratios(exposures.byCountry()))
        .put("byCurrency", ratios(exposures.byCurrency()))
        .put("byAssetClass", ratios(exposures.byAssetClass()))
        .put("complete", exposures.complete())
        .put("asOf", valuation.asOf().toString());
  }

  private static JsonObject ratios(Map<String, Double> ratios) {
    JsonObject json = new JsonObject();
    ratios.forEach(json::put);
    return json;
  }

  private static String decimal(BigDecimal value) {
    return value == null ? null : Decimals.plain(value);
  }
}
