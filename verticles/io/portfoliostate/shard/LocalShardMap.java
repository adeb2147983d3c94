package io.portfoliostate.shard;

import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.protocol.Addresses;
import java.util.List;

/** The shard map of a node that is not clustered: it owns every portfolio itself. */
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

  @Override
  public boolean isLocal(PortfolioId id) {
    return true;
  }

  @Override
  public long epoch() {
    return 0;
  }

  @Override
  public boolean settled() {
    return true;
  }

  @Override
  public void onMemberLeft(java.util.function.Consumer<String> listener) {
    // Alone: nobody leaves.
  }

  @Override
  public List<ClusterMember> members() {
    return List.of(new ClusterMember(nodeId, null, true, 0));
  }
}
