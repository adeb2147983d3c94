package io.portfoliostate.protocol;

import io.portfoliostate.domain.Instrument;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.valuation.FxRate;
import io.portfoliostate.domain.valuation.Price;
import io.vertx.core.eventbus.DeliveryOptions;
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

  /**
   * The header that carries when the requester stops waiting (epoch milliseconds): the writer
   * drops a request still queued then rather than write what nobody waits for any more.
   */
  public static final String DEADLINE_HEADER = "pstate-deadline";

  /** Options for a request to the writer that its caller waits {@code timeoutMs} for, deadline included. */
  public static DeliveryOptions delivery(long timeoutMs) {
    return new DeliveryOptions().setSendTimeout(timeoutMs).setLocalOnly(true)
        .addHeader(DEADLINE_HEADER, Long.toString(System.currentTimeMillis() + timeoutMs));
  }

  /** How many rows it writes. */
  public int size() {
    return instruments.size() + prices.size() + rates.size();
  }

  /**
   * The writer's answer, after COMMIT.
   *
   * @param marketSeq the highest {@code market_seq} the prices and rates of the request's
   *     transaction drew (0 when it held none): what {@code minPriceSeq} takes
   */
  public record Written(Set<InstrumentId> createdInstruments, long marketSeq) {
    public Written {
      createdInstruments = Set.copyOf(createdInstruments);
    }
  }
}
