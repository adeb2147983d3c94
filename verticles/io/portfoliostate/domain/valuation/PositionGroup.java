package io.portfoliostate.domain.valuation;

import java.math.BigDecimal;
import java.util.List;

/**
 * The position lines that share a {@link GroupBy} key, summed in the base currency (DOMAIN.md,
 * Valuation: grouping sums market value, costs and P&amp;L, and weights).
 *
 * <p>Sums cover the figures that are known; {@code complete} is false when any line lacks one
 * (an unpriced position, a currency without a rate), so a reader never mistakes a partial sum
 * for the whole. Cost is signed like the quantity, so that in a complete group, as in a line,
 * {@code marketValueBase − costBase = unrealizedPnlBase} (to the 34-digit rounding of converted
 * amounts).
 *
 * @param lines the group's lines, flat positions included (they carry realized P&amp;L)
 * @param weight marketValueBase / NAV; null when NAV ≤ 0
 * @param complete whether every figure of every line is known
 */
public record PositionGroup(
    String key,
    List<PositionLine> lines,
    BigDecimal marketValueBase,
    BigDecimal costBase,
    BigDecimal unrealizedPnlBase,
    BigDecimal realizedPnlBase,
    Double weight,
    boolean complete) {

  public PositionGroup {
    lines = List.copyOf(lines);
  }
}
