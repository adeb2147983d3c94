package io.portfoliostate.domain.valuation;

import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.PortfolioState;
import io.portfoliostate.domain.Position;
import java.math.BigDecimal;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * What {@link Valuation#value} reads from a market for one state: the instruments it prices and
 * the quoted pairs its conversions may look up. An as-of valuation fetches just these from the
 * price and rate history rather than the whole market of that time; valued with a market that
 * holds only them, a state values exactly as with the whole market (a property test keeps the
 * two in step).
 */
public final class MarketNeeds {

  /** A quoted pair {@code base/quote}, as stored: 1 base buys the rate in quote. */
  public record Pair(CurrencyCode base, CurrencyCode quote) {
  }

  private MarketNeeds() {
  }

  /**
   * The instruments of every position of {@code state}, flat ones too: each position gets a
   * line, and a flat line shows its price like any other.
   */
  public static Set<InstrumentId> instruments(PortfolioState state) {
    Set<InstrumentId> instruments = new LinkedHashSet<>();
    for (Position position : state.positions().values()) {
      instruments.add(position.key().instrumentId());
    }
    return instruments;
  }

  /**
   * The pairs whose rates the valuation of {@code state} may read, given the prices it will find
   * ({@code prices}, at most one per instrument): each position's currency and each cash
   * currency to the base, and each price quoted in another currency than its position's to that
   * position's, each conversion by {@link MarketData#fx}'s order (direct, inverse, both legs of
   * a cross through USD).
   */
  public static Set<Pair> pairs(PortfolioState state, Collection<Price> prices) {
    CurrencyCode base = state.baseCurrency();
    Set<Pair> pairs = new LinkedHashSet<>();
    Map<InstrumentId, CurrencyCode> priced = new HashMap<>();
    for (Price price : prices) {
      priced.put(price.instrumentId(), price.currency());
    }
    for (Position position : state.positions().values()) {
      conversion(position.currency(), base, pairs);
      CurrencyCode quoted = priced.get(position.key().instrumentId());
      if (quoted != null) {
        conversion(quoted, position.currency(), pairs);
      }
    }
    for (Map.Entry<CurrencyCode, BigDecimal> balance : state.cash().entrySet()) {
      conversion(balance.getKey(), base, pairs);
    }
    return pairs;
  }

  /** The pairs {@link MarketData#fx}{@code (from, to)} may read. */
  private static void conversion(CurrencyCode from, CurrencyCode to, Set<Pair> pairs) {
    if (from.equals(to)) {
      return;
    }
    pairs.add(new Pair(from, to));
    pairs.add(new Pair(to, from));
    if (from.equals(CurrencyCode.USD) || to.equals(CurrencyCode.USD)) {
      return;
    }
    pairs.add(new Pair(from, CurrencyCode.USD));
    pairs.add(new Pair(CurrencyCode.USD, from));
    pairs.add(new Pair(CurrencyCode.USD, to));
    pairs.add(new Pair(to, CurrencyCode.USD));
  }
}
