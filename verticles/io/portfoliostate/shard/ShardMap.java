package io.portfoliostate.shard;

import io.portfoliostate.domain.PortfolioId;
import java.util.List;

/**
 * Finds the owner of a portfolio: the event-bus address of the one owner verticle that holds it.
 * On one node, portfolios spread over the owner instances by hash; in a cluster the node comes
 * from Hazelcast's partition table and the instance from the same hash.
 */
public interface ShardMap {

  /** The address of the owner of {@code id}, as known now. */
  String ownerAddress(PortfolioId id);

  /**
   * The address {@link #ownerAddress} gave for {@code id} was refused (not the owner, nobody
   * listening, its node gone): the next call looks the owner up again instead of answering from
   * what it remembered. Nothing to do for a map that remembers nothing.
   */
  default void forget(PortfolioId id) {
  }

  /** Whether this node owns {@code id} now. An owner refuses a portfolio it does not own. */
  boolean isLocal(PortfolioId id);

  /**
   * A number that changes whenever ownership may have moved (a member came or went, partitions
   * migrated), so owners know when to look for portfolios to release.
   */
  long epoch();

  /**
   * Whether ownership is at rest: no partition migrating and every backup in sync. Portfolios
   * may move while this is false.
   */
  boolean settled();

  /**
   * Calls {@code listener} with the node id of every member that leaves the cluster (stopped or
   * found dead), on a thread of the cluster's, not an event loop.
   */
  void onMemberLeft(java.util.function.Consumer<String> listener);

  /** The nodes that own portfolios, this one included. */
  List<ClusterMember> members();

  /** The owner instance, within a node, that holds {@code id}. */
  static int instanceOf(PortfolioId id, int instances) {
    return Math.floorMod(id.value().hashCode(), instances);
  }
}
