package io.portfoliostate.domain.valuation;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Groups a valuation's position lines by one key (DOMAIN.md, Valuation; API.md, {@code ?groupBy=}). */
public final class Grouping {

  private Grouping() {
  }

  /**
   * The position lines of {@code valuation} grouped by {@code groupBy}, in key order. Cash is not
   * a position and is not grouped; the groups' market values and weights add up to the positions'.
   */
  public static List<PositionGroup> by(PortfolioValuation valuation, GroupBy groupBy) {
    Map<String, List<PositionLine>> groups = new TreeMap<>();
    for (PositionLine line : valuation.positions()) {
      groups.computeIfAbsent(groupBy.keyOf(line), key -> new ArrayList<>()).add(line);
    }
    List<PositionGroup> result = new ArrayList<>(groups.size());
    for (Map.Entry<String, List<PositionLine>> group : groups.entrySet()) {
      result.add(group(group.getKey(), group.getValue(), valuation.nav()));
    }
    return result;
  }

  private static PositionGroup group(String key, List<PositionLine> lines, BigDecimal nav) {
    BigDecimal marketValue = BigDecimal.ZERO;
    BigDecimal cost = BigDecimal.ZERO;
    BigDecimal unrealized = BigDecimal.ZERO;
    BigDecimal realized = BigDecimal.ZERO;
    boolean complete = true;
    for (PositionLine line : lines) {
      BigDecimal[] figures = {line.marketValueBase(), line.costBase(), line.unrealizedPnlBase(),
          line.realizedPnlBase()};
      for (BigDecimal figure : figures) {
        complete &= figure != null;
      }
      marketValue = plus(marketValue, figures[0]);
      cost = plus(cost, figures[1]);
      unrealized = plus(unrealized, figures[2]);
      realized = plus(realized, figures[3]);
    }
    return new PositionGroup(key, lines, marketValue, cost, unrealized, realized, Ratios.of(marketValue, nav),
        complete);
  }

  private static BigDecimal plus(BigDecimal sum, BigDecimal figure) {
    return figure == null ? sum : sum.add(figure);
  }
}
