package io.portfoliostate.domain.valuation;

import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.domain.PortfolioState;
import io.portfoliostate.domain.PositionKey;
import java.math.BigDecimal;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * A portfolio and all its descendants valued as one (DOMAIN.md: a parent's consolidated view is
 * the sum of its descendants plus its own holdings), in the root's base currency. What
 * {@link Consolidation#value} returns.
 *
 * <p>{@link #valuation} has one line per (instrument, strategy, currency) with the tree's net
 * quantity, and one per cash currency with the tree's summed balance; every figure derived from
 * it (weights, groups, exposures) is therefore of the netted holdings, as if the tree were one
 * portfolio. {@link #portfolios} is the breakdown: each portfolio's own NAV, in its base and in
 * the root's, and the version that was read.
 *
 * @param root the root's state: its targets and drift threshold are the consolidated view's
 * @param valuation the netted lines in the root's base currency; its {@code portfolioId} and
 *     {@code version} are the root's
 * @param holders per line, the portfolios that hold it and their quantities, in breakdown order
 * @param portfolios the breakdown: the root first, then by depth, then by id
 * @param missing what the consolidated valuation lacked (empty when complete)
 */
public record ConsolidatedValuation(
    PortfolioState root,
    PortfolioValuation valuation,
    Map<LineKey, List<Holding>> holders,
    List<Contribution> portfolios,
    Missing missing) {

  public ConsolidatedValuation {
    holders = Map.copyOf(holders);
    portfolios = List.copyOf(portfolios);
  }

  /**
   * What a consolidated line sums over: a position key and its currency. Two portfolios may hold
   * the same instrument in different currencies (one without reference data is traded in each
   * portfolio's base currency): their quantities are not added, each currency is a line.
   */
  public record LineKey(PositionKey key, CurrencyCode currency) {
  }

  /** One portfolio's quantity in a consolidated line (0 for a flat position that keeps its P&amp;L). */
  public record Holding(PortfolioId portfolioId, BigDecimal quantity) {
  }

  /**
   * One portfolio of the tree, valued on its own.
   *
   * @param parentId null for the root of the view (whatever its own parent is)
   * @param depth 0 for the root, 1 for its children, …
   * @param version the version read from its owner
   * @param nav its NAV in its own base currency
   * @param complete whether every line of it was valued in its own base currency
   * @param navInRootBase its NAV with every line converted directly into the root's base
   *     currency; these add up to the consolidated NAV
   * @param completeInRootBase whether every line of it was valued in the root's base currency
   */
  public record Contribution(PortfolioId portfolioId, PortfolioId parentId, int depth, CurrencyCode baseCurrency,
      long version, BigDecimal nav, boolean complete, BigDecimal navInRootBase, boolean completeInRootBase) {
  }

  /**
   * What kept the consolidated valuation from being complete.
   *
   * @param prices instruments with a net open quantity and no usable price, in id order
   * @param rates conversions without a rate, as {@code FROM/TO} (either quote direction, or a
   *     cross through USD, would have done), in order
   */
  public record Missing(SortedSet<InstrumentId> prices, SortedSet<String> rates) {
    public Missing {
      prices = Collections.unmodifiableSortedSet(new TreeSet<>(prices));
      rates = Collections.unmodifiableSortedSet(new TreeSet<>(rates));
    }

    public boolean isEmpty() {
      return prices.isEmpty() && rates.isEmpty();
    }
  }

  /** The portfolios that hold {@code line}, with their quantities. */
  public List<Holding> holdersOf(PositionLine line) {
    return holders.getOrDefault(new LineKey(line.key(), line.currency()), List.of());
  }

  /** The consolidated weights against the root's targets and drift threshold. */
  public List<WeightLine> weights() {
    return TargetWeights.of(valuation, root.targets(), root.driftThreshold());
  }

  /** The exposures of the netted lines. */
  public Exposures exposures() {
    return Exposures.of(valuation);
  }

  /** The netted lines grouped. */
  public List<PositionGroup> groups(GroupBy groupBy) {
    return Grouping.by(valuation, groupBy);
  }
}
