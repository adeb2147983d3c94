package io.portfoliostate.shard;

import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.protocol.Addresses;

/** The shard map of a node that owns every portfolio itself. */
public final class LocalShardMap implements ShardMap {

  private final String nodeId;
  private final int instances;

  public LocalShardMap(String nodeId, int instances) {
    this.nodeId = nodeId;
    this.instances = instances;
  }

  @Override
  public String ownerAddress(PortfolioId id) {
    return Addresses.owner(nodeId, ShardMap.instanceOf(id, instances));
  }
}
