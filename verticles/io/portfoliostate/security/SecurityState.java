package io.portfoliostate.security;

import java.util.Map;

/**
 * A node's copy of what decides access: the entitlements (grants and the portfolio tree) and
 * the usable API keys, swapped whole when the security version moves. Every gateway instance
 * of the node reads it without locking: a check sees one consistent copy.
 */
public final class SecurityState {

  /**
   * One copy.
   *
   * @param version the security version it reflects
   * @param keysByHash the usable keys by the hash of their text
   */
  public record Copy(long version, Entitlements entitlements, Map<String, ApiKey> keysByHash) {
  }

  private volatile Copy copy = new Copy(-1, Entitlements.empty(), Map.of());

  public Copy copy() {
    return copy;
  }

  /** Takes {@code next} unless this node already holds a newer copy (two loads may cross). */
  public synchronized void offer(Copy next) {
    if (next.version() > copy.version()) {
      copy = next;
    }
  }

  public long version() {
    return copy.version();
  }
}
