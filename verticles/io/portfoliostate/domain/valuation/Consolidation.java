package io.portfoliostate.domain.valuation;

import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.Decimals;
import io.portfoliostate.domain.Instrument;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.domain.PortfolioState;
import io.portfoliostate.domain.Position;
import io.portfoliostate.domain.ReferenceData;
import io.portfoliostate.domain.valuation.ConsolidatedValuation.Contribution;
import io.portfoliostate.domain.valuation.ConsolidatedValuation.Holding;
import io.portfoliostate.domain.valuation.ConsolidatedValuation.LineKey;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Values a tree of portfolios as one (DOMAIN.md: a parent's consolidated view is the sum of its
 * descendants plus its own holdings). Stateless and pure, like {@link Valuation}.
 *
 * <p>The holdings are summed first and valued after: per (instrument, strategy, currency) the
 * net quantity, the signed cost ({@code sign(q)·costBasis} of each portfolio), realized P&amp;L
 * and fees; per currency the cash balance. A long in one portfolio and a short in another net
 * out, so the consolidated line's market value is {@code Σq · price}, and exposures, weights and
 * groups are of the netted lines: a tree long 100 here and short 100 there is flat, not 200
 * gross. Every line is converted into the root's base currency directly, at the same rate for
 * every portfolio (each portfolio's breakdown figure {@code navInRootBase} is converted the same
 * way, so the breakdown adds up to the consolidated NAV).
 *
 * <p>A netted line's cost may have any sign (long 100 bought at 10 and short 90 sold at 50 is a
 * net long 10 with a cost of −3,500): it is still what the line's unrealized P&amp;L is measured
 * from, {@code unrealizedPnl = marketValue − cost}, which is the sum of the portfolios'
 * unrealized P&amp;L. A line that nets to zero has a market value of 0 (with or without a
 * price) and an unrealized P&amp;L of {@code −cost}, price-independent.
 */
public final class Consolidation {

  /**
   * One portfolio of the tree.
   *
   * @param parentId its parent in the tree; null for the root
   * @param depth 0 for the root
   */
  public record Member(PortfolioState state, PortfolioId parentId, int depth) {
  }

  private Consolidation() {
  }

  /**
   * The consolidated valuation of {@code members} at {@code asOf}.
   *
   * @param members the root first (depth 0), then its descendants in the order the breakdown
   *     lists them; each portfolio once
   * @throws IllegalArgumentException when the first member is not the only one at depth 0, or a
   *     portfolio appears twice
   */
  public static ConsolidatedValuation value(List<Member> members, MarketData market, ReferenceData reference,
      Instant asOf) {
    if (members.isEmpty() || members.get(0).depth() != 0) {
      throw new IllegalArgumentException("the root comes first, at depth 0");
    }
    PortfolioState root = members.get(0).state();
    CurrencyCode base = root.baseCurrency();
    Map<LineKey, Sum> lines = new TreeMap<>(Comparator.comparing(LineKey::key)
        .thenComparing(LineKey::currency));
    Map<CurrencyCode, BigDecimal> cash = new TreeMap<>();
    Map<CurrencyCode, BigDecimal> cashRates = new HashMap<>();
    List<Contribution> portfolios = new ArrayList<>(members.size());
    Set<PortfolioId> seen = new HashSet<>();
    for (Member member : members) {
      PortfolioState state = member.state();
      if (!seen.add(state.id()) || (member.depth() == 0 && member != members.get(0))) {
        throw new IllegalArgumentException("portfolio " + state.id() + " is given twice or is a second root");
      }
      PortfolioValuation own = Valuation.value(state, market, reference, asOf);
      PortfolioValuation inRoot = state.baseCurrency().equals(base) ? own
          : Valuation.value(state, base, market, reference, asOf);
      portfolios.add(new Contribution(state.id(), member.depth() == 0 ? null : member.parentId(), member.depth(),
          state.baseCurrency(), state.version(), own.nav(), own.complete(), inRoot.nav(), inRoot.complete()));
      for (PositionLine line : inRoot.positions()) {
        lines.computeIfAbsent(new LineKey(line.key(), line.currency()), key -> new Sum(line)).add(state.id(), line);
      }
      for (CashLine line : inRoot.cash()) {
        cash.merge(line.currency(), line.balance(), BigDecimal::add);
        if (line.fxRate() != null) {
          cashRates.put(line.currency(), line.fxRate());
        }
      }
    }

    List<PositionLine> positions = new ArrayList<>(lines.size());
    Map<LineKey, List<Holding>> holders = new LinkedHashMap<>();
    TreeSet<InstrumentId> unpriced = new TreeSet<>();
    TreeSet<String> unrated = new TreeSet<>();
    for (Map.Entry<LineKey, Sum> entry : lines.entrySet()) {
      PositionLine line = entry.getValue().line();
      positions.add(line);
      holders.put(entry.getKey(), List.copyOf(entry.getValue().holders));
      if (!line.valued()) {
        if (line.price() == null) {
          // No price, or one quoted in a currency with no rate into the position's.
          Optional<Price> quote = market.price(line.key().instrumentId());
          if (quote.isPresent()) {
            unrated.add(quote.get().currency().value() + "/" + line.currency().value());
          } else {
            unpriced.add(line.key().instrumentId());
          }
        } else {
          unrated.add(line.currency().value() + "/" + base.value());
        }
      }
    }
    List<CashLine> cashLines = new ArrayList<>(cash.size());
    for (Map.Entry<CurrencyCode, BigDecimal> balance : cash.entrySet()) {
      CashLine line = new CashLine(balance.getKey(), balance.getValue(), cashRates.get(balance.getKey()), null);
      if (!line.valued()) {
        unrated.add(line.currency().value() + "/" + base.value());
      }
      cashLines.add(line);
    }

    BigDecimal nav = BigDecimal.ZERO;
    boolean complete = true;
    for (PositionLine line : positions) {
      complete &= line.valued();
      nav = line.valued() ? nav.add(line.marketValueBase()) : nav;
    }
    for (CashLine line : cashLines) {
      complete &= line.valued();
      nav = line.valued() ? nav.add(line.balanceBase()) : nav;
    }
    for (int i = 0; i < positions.size(); i++) {
      positions.set(i, positions.get(i).weighed(nav));
    }
    for (int i = 0; i < cashLines.size(); i++) {
      cashLines.set(i, cashLines.get(i).weighed(nav));
    }
    PortfolioValuation valuation = new PortfolioValuation(root.id(), root.version(), base, asOf, positions,
        cashLines, nav, complete);
    return new ConsolidatedValuation(root, valuation, holders, portfolios,
        new ConsolidatedValuation.Missing(unpriced, unrated));
  }

  /**
   * The running sum of one consolidated line. Every portfolio's line of it has the same price and
   * rate (one market, one currency), so they are taken from the first.
   */
  private static final class Sum {
    private final Position first;
    private final Instrument instrument;
    private final BigDecimal price;
    private final BigDecimal fxRate;
    private BigDecimal quantity = BigDecimal.ZERO;
    private BigDecimal cost = BigDecimal.ZERO;
    private BigDecimal realized = BigDecimal.ZERO;
    private BigDecimal fees = BigDecimal.ZERO;
    private final List<Holding> holders = new ArrayList<>();

    Sum(PositionLine line) {
      this.first = line.position();
      this.instrument = line.instrument();
      this.price = line.price();
      this.fxRate = line.fxRate();
    }

    void add(PortfolioId holder, PositionLine line) {
      Position position = line.position();
      quantity = quantity.add(position.quantity());
      cost = cost.add(line.cost());
      realized = realized.add(position.realizedPnl());
      fees = fees.add(position.fees());
      holders.add(new Holding(holder, position.quantity()));
    }

    /**
     * The netted line. Position keeps an unsigned cost basis and the quantity's sign; a netted
     * cost may have either sign, so the basis is stored such that {@link PositionLine#cost()}
     * gives back the signed sum: {@code costBasis = sign(q)·cost} (the cost itself when flat),
     * and the average is {@code cost / q}, the price at which the net line breaks even.
     */
    PositionLine line() {
      BigDecimal costBasis = quantity.signum() < 0 ? cost.negate() : cost;
      BigDecimal average = quantity.signum() == 0 ? BigDecimal.ZERO
          : costBasis.divide(quantity.abs(), Decimals.QUOTIENT);
      Position net = new Position(first.key(), first.currency(), quantity, average, costBasis, realized, fees,
          null, null, List.of());
      return new PositionLine(net, instrument, price, fxRate, null);
    }
  }
}
