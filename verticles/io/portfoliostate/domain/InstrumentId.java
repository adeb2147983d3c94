package io.portfoliostate.domain;

/** Identifier of Instrument (see {@link Identifiers} for the rule). */
public record InstrumentId(String value) implements Comparable<InstrumentId> {

  public InstrumentId {
    Identifiers.require(value, "instrumentId");
  }

  public static InstrumentId of(String value) {
    return new InstrumentId(value);
  }

  @Override
  public int compareTo(InstrumentId other) {
    return value.compareTo(other.value);
  }

  @Override
  public String toString() {
    return value;
  }
}
