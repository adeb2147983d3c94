package io.portfoliostate.domain.valuation;

import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.Decimals;
import io.portfoliostate.domain.Instrument;
import io.portfoliostate.domain.PortfolioState;
import io.portfoliostate.domain.Position;
import io.portfoliostate.domain.ReferenceData;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Values a portfolio state against market data (DOMAIN.md, Valuation). Stateless, like a Strata
 * pricer: the same state, market and reference data give the same valuation, so a read, a
 * simulation and a historical as-of all value alike.
 */
public final class Valuation {

  private Valuation() {
  }

  /**
   * The valuation of {@code state} at {@code asOf}.
   *
   * <p>Each position is priced at its instrument's latest price in {@code market}; a price quoted
   * in another currency than the position's is converted at the market's rate (unvalued when
   * none). The market is taken as given: the caller passes the snapshot that stands for
   * {@code asOf}.
   *
   * @param reference supplies each line's classification; an unknown instrument is still valued
   */
  public static PortfolioValuation value(PortfolioState state, MarketData market, ReferenceData reference,
      Instant asOf) {
    return value(state, state.baseCurrency(), market, reference, asOf);
  }

  /**
   * The valuation of {@code state} at {@code asOf} in {@code base} rather than its own base
   * currency: how a consolidated view values each portfolio of a tree in the root's currency,
   * converting every line directly (not the portfolio's NAV through its own base, which would
   * take two rates, and a cross rate need not equal the product of its legs).
   */
  public static PortfolioValuation value(PortfolioState state, CurrencyCode base, MarketData market,
      ReferenceData reference, Instant asOf) {
    List<PositionLine> positions = new ArrayList<>(state.positions().size());
    List<Position> held = new ArrayList<>(state.positions().values());
    held.sort(Comparator.comparing(Position::key));
    for (Position position : held) {
      Instrument instrument = reference.instrument(position.key().instrumentId()).orElse(null);
      BigDecimal rate = market.fx(position.currency(), base).orElse(null);
      positions.add(new PositionLine(position, instrument, localPrice(position, market), rate, null));
    }
    List<CashLine> cash = new ArrayList<>(state.cash().size());
    for (Map.Entry<CurrencyCode, BigDecimal> balance : state.cash().entrySet()) {
      cash.add(new CashLine(balance.getKey(), balance.getValue(),
          market.fx(balance.getKey(), base).orElse(null), null));
    }
    cash.sort(Comparator.comparing(CashLine::currency));

    BigDecimal nav = BigDecimal.ZERO;
    boolean complete = true;
    for (PositionLine line : positions) {
      complete &= line.valued();
      nav = line.valued() ? nav.add(line.marketValueBase()) : nav;
    }
    for (CashLine line : cash) {
      complete &= line.valued();
      nav = line.valued() ? nav.add(line.balanceBase()) : nav;
    }
    for (int i = 0; i < positions.size(); i++) {
      positions.set(i, positions.get(i).weighed(nav));
    }
    for (int i = 0; i < cash.size(); i++) {
      cash.set(i, cash.get(i).weighed(nav));
    }
    return new PortfolioValuation(state.id(), state.version(), base, asOf, positions, cash, nav, complete);
  }

  /** The latest price in the position's currency, converted when quoted in another; null when unknown. */
  private static BigDecimal localPrice(Position position, MarketData market) {
    Optional<Price> quote = market.price(position.key().instrumentId());
    if (quote.isEmpty()) {
      return null;
    }
    Price price = quote.get();
    if (price.currency().equals(position.currency())) {
      return price.price();
    }
    return market.fx(price.currency(), position.currency())
        .map(rate -> price.price().multiply(rate, Decimals.QUOTIENT))
        .orElse(null);
  }
}
