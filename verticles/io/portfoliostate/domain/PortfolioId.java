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

  @Override
  public String toString() {
    return value;
  }
}
