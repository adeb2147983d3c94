package io.portfoliostate.security;

import java.util.Optional;

/**
 * What a grant allows on a portfolio and all its descendants. Each role includes the ones
 * before it: {@code trade} can read, {@code admin} can trade.
 */
public enum PortfolioRole {
  /** Every read: state, positions, cash, weights, exposures, events, consolidated views. */
  READ("read"),
  /** Read, plus trades, cash flows, FX conversions and targets. */
  TRADE("trade"),
  /** Trade, plus changing the portfolio, creating children and managing grants on the subtree. */
  ADMIN("admin");

  private final String wireName;

  PortfolioRole(String wireName) {
    this.wireName = wireName;
  }

  public String wireName() {
    return wireName;
  }

  /** Whether holding this role allows what {@code needed} allows. */
  public boolean includes(PortfolioRole needed) {
    return ordinal() >= needed.ordinal();
  }

  public static Optional<PortfolioRole> fromWireName(String name) {
    for (PortfolioRole role : values()) {
      if (role.wireName.equals(name)) {
        return Optional.of(role);
      }
    }
    return Optional.empty();
  }
}
