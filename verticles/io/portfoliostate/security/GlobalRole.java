package io.portfoliostate.security;

import java.util.Optional;

/**
 * Roles that are not about one portfolio. {@code admin} implies the others and every
 * portfolio role on every portfolio.
 */
public enum GlobalRole {
  /** Instruments, prices and FX rates. */
  MARKET_DATA("market-data"),
  /** Corporate actions, the cluster view, metrics. */
  OPERATIONS("operations"),
  /** Everything, API keys and grants included. */
  ADMIN("admin");

  private final String wireName;

  GlobalRole(String wireName) {
    this.wireName = wireName;
  }

  /** The name used in tokens, keys and the API. */
  public String wireName() {
    return wireName;
  }

  /** The role a claim or key value names, if any (unknown values are ignored, not errors). */
  public static Optional<GlobalRole> fromWireName(String name) {
    for (GlobalRole role : values()) {
      if (role.wireName.equals(name)) {
        return Optional.of(role);
      }
    }
    return Optional.empty();
  }
}
