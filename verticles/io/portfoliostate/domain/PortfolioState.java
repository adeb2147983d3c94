package io.portfoliostate.domain;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;

/**
 * The committed state of one portfolio at one version. Immutable: {@link PortfolioRules#evolve}
 * returns a new state, so a reader holding a state never sees a half-applied change.
 *
 * @param version the sequence number of the last event applied
 * @param positions every position ever opened, flat ones included
 * @param cash the balance per currency; a currency appears once any flow or trade touched it
 */
public record PortfolioState(
    PortfolioId id,
    String name,
    CurrencyCode baseCurrency,
    PortfolioId parentId,
    CostMethod costMethod,
    BigDecimal driftThreshold,
    Map<InstrumentId, BigDecimal> targets,
    long version,
    Instant createdAt,
    Instant updatedAt,
    Map<PositionKey, Position> positions,
    Map<CurrencyCode, BigDecimal> cash) {

  public PortfolioState {
    targets = Map.copyOf(targets);
    positions = Map.copyOf(positions);
    cash = Map.copyOf(cash);
  }

  /** The balance of one currency; 0 when it was never touched. */
  public BigDecimal balance(CurrencyCode currency) {
    return cash.getOrDefault(currency, BigDecimal.ZERO);
  }

  /** Whether any position is open (non-zero quantity). */
  public boolean holdsOpenPositions() {
    for (Position position : positions.values()) {
      if (!position.isFlat()) {
        return true;
      }
    }
    return false;
  }
}
