package io.portfoliostate.domain;

/** A position is kept per instrument and strategy; the strategy defaults to {@value #DEFAULT_STRATEGY}. */
public record PositionKey(InstrumentId instrumentId, String strategy) implements Comparable<PositionKey> {

  public static final String DEFAULT_STRATEGY = "default";

  public PositionKey {
    if (instrumentId == null) {
      throw new DomainViolation("instrumentId", "is required");
    }
    Identifiers.require(strategy, "strategy");
  }

  public static PositionKey of(InstrumentId instrumentId, String strategy) {
    return new PositionKey(instrumentId, strategy == null ? DEFAULT_STRATEGY : strategy);
  }

  @Override
  public boolean equals(Object other) {
    return this == other || (other instanceof PositionKey
        && instrumentId.equals(((PositionKey) other).instrumentId) && strategy.equals(((PositionKey) other).strategy));
  }

  @Override
  public int hashCode() {
    return 31 * instrumentId.hashCode() + strategy.hashCode();
  }

  @Override
  public int compareTo(PositionKey other) {
    int byInstrument = instrumentId.compareTo(other.instrumentId);
    return byInstrument != 0 ? byInstrument : strategy.compareTo(other.strategy);
  }
}
