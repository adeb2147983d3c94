package io.portfoliostate.domain;

/** Identifier of Portfolio (see {@link Identifiers} for the rule). */
public record PortfolioId(String value) implements Comparable<PortfolioId> {

  public PortfolioId {
    Identifiers.require(value, "portfolioId");
  }

  public static PortfolioId of(String value) {
    return new PortfolioId(value);
  }

  @Override
  public int compareTo(PortfolioId other) {
    return value.compareTo(other.value);
  }

  // Written out rather than left to the record's generated (method-handle) versions: ids are
  // hashed on every command, and these are measurably cheaper on that path.
  @Override
  public boolean equals(Object other) {
    return this == other || (other instanceof PortfolioId && value.equals(((PortfolioId) other).value));
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
