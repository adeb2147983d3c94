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

  // Written out rather than left to the record's generated (method-handle) versions: ids are
  // hashed on every command, and these are measurably cheaper on that path.
  @Override
  public boolean equals(Object other) {
    return this == other || (other instanceof InstrumentId && value.equals(((InstrumentId) other).value));
  }

  @Override
  public int hashCode() {
    return value.hashCode();
  }

  @Override
  public String toString() {
    return value;
  }
}
