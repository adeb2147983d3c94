package io.portfoliostate.protocol;

import io.portfoliostate.domain.Instrument;
import io.portfoliostate.domain.valuation.FxRate;
import io.portfoliostate.domain.valuation.Price;
import java.util.List;

/**
 * Market data that was just committed: instruments (replaced whole), prices and FX rates. A
 * node's market-data writer publishes one per transaction on {@link Addresses#MARKET_UPDATES}
 * so that every node's market view learns of it; the writing node has applied it already.
 *
 * @param origin the id of the node that wrote it (its own view skips the message)
 */
public record MarketUpdate(String origin, List<Instrument> instruments, List<Price> prices, List<FxRate> rates) {

  public MarketUpdate {
    instruments = List.copyOf(instruments);
    prices = List.copyOf(prices);
    rates = List.copyOf(rates);
  }
}
