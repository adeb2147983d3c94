package io.portfoliostate.protocol;

import io.portfoliostate.domain.Instrument;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.valuation.FxRate;
import io.portfoliostate.domain.valuation.Price;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * A request to the node's market-data writer: store these instruments, prices and rates,
 * validated already, in one transaction. Node-local (the gateway writes through its own node).
 *
 * @param recordedAt when the gateway accepted them: stored as the instruments' {@code updated_at}
 *     and the prices' and rates' {@code recorded_at}
 */
public record MarketWrite(List<Instrument> instruments, List<Price> prices, List<FxRate> rates, Instant recordedAt) {

  public MarketWrite {
    instruments = List.copyOf(instruments);
    prices = List.copyOf(prices);
    rates = List.copyOf(rates);
  }

  /** How many rows it writes. */
  public int size() {
    return instruments.size() + prices.size() + rates.size();
  }

  /** The writer's answer, after COMMIT. */
  public record Written(Set<InstrumentId> createdInstruments) {
    public Written {
      createdInstruments = Set.copyOf(createdInstruments);
    }
  }
}
