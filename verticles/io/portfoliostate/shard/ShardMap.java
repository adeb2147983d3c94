package io.portfoliostate.shard;

import io.portfoliostate.domain.PortfolioId;

/**
 * Finds the owner of a portfolio: the event-bus address of the one owner verticle that holds it.
 * On one node, portfolios spread over the owner instances by hash; in a cluster the node comes
 * from Hazelcast's partition table and the instance from the same hash.
 */
public interface ShardMap {

  /** The address of the owner of {@code id}, as known now. */
  String ownerAddress(PortfolioId id);

  /** The owner instance, within a node, that holds {@code id}. */
  static int instanceOf(PortfolioId id, int instances) {
    return Math.floorMod(id.value().hashCode(), instances);
  }
}
