package io.portfoliostate.shard;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.partition.MigrationListener;
import com.hazelcast.partition.MigrationState;
import com.hazelcast.partition.Partition;
import com.hazelcast.partition.PartitionService;
import com.hazelcast.partition.ReplicaMigrationEvent;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.protocol.Addresses;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The shard map of a clustered node: a portfolio belongs to the member that owns its Hazelcast
 * partition (the partition of its id), and within that member to the owner instance its hash
 * picks. Membership and migration are Hazelcast's; this only reads the partition table.
 *
 * <p>Every node must run the same number of owner instances, since the gateway computes the
 * instance part of the address itself; {@link #MEMBER_OWNER_INSTANCES} carries each member's
 * count so a node with another count is routed to correctly anyway.
 *
 * <p>Owner addresses are cached per portfolio for the current {@link #epoch}: a lookup in the
 * partition table serializes the id to find its partition, and every owner request made one (on
 * two nodes at 2,000 commits a second, about 1 % of the CPU). The epoch changes, and the cache is
 * dropped, whenever ownership may have moved; because Hazelcast tells its listeners after the
 * table changed, an address can be stale for a moment after a move, and the owner it names
 * refuses the request ({@code NOT_OWNER}, or nobody listens): the owner client then {@link
 * #forget}s it, and its retry looks the owner up again. {@link #isLocal}, the owner's own check
 * that fences a stale request, is never cached.
 */
public final class HazelcastShardMap implements ShardMap {

  /** Member attribute: how many owner instances the member runs. */
  public static final String MEMBER_OWNER_INSTANCES = "pstate.ownerInstances";
  private static final String VERTX_NODE_ID = "__vertx.nodeId";

  private final HazelcastInstance hazelcast;
  private final PartitionService partitions;
  private final int localInstances;
  private final AtomicLong epoch = new AtomicLong();
  private final List<Consumer<String>> leftListeners = new CopyOnWriteArrayList<>();
  /** Owner addresses looked up in the epoch each holds; dropped whole when the epoch moves. */
  private final Map<PortfolioId, Owner> owners = new ConcurrentHashMap<>();

  /** An owner address as looked up while the epoch was {@code epoch}. */
  private record Owner(long epoch, String address) {
  }

  /** More portfolios than a node routes to between two moves: the cache starts again rather than grow. */
  static final int MAX_CACHED = 1 << 16;

  public HazelcastShardMap(HazelcastInstance hazelcast, int localInstances) {
    this.hazelcast = hazelcast;
    this.partitions = hazelcast.getPartitionService();
    this.localInstances = localInstances;
    partitions.addMigrationListener(new MigrationListener() {
      @Override
      public void migrationStarted(MigrationState state) {
        moved();
      }

      @Override
      public void migrationFinished(MigrationState state) {
        moved();
      }

      @Override
      public void replicaMigrationCompleted(ReplicaMigrationEvent event) {
        if (event.getReplicaIndex() == 0) {
          moved();
        }
      }

      @Override
      public void replicaMigrationFailed(ReplicaMigrationEvent event) {
        moved();
      }
    });
    hazelcast.getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent event) {
        moved();
      }

      @Override
      public void memberRemoved(MembershipEvent event) {
        moved();
        String nodeId = nodeIdOf(event.getMember());
        leftListeners.forEach(listener -> listener.accept(nodeId));
      }
    });
  }

  @Override
  public String ownerAddress(PortfolioId id) {
    // The epoch is read before the table: an entry looked up while ownership moved carries the
    // epoch before the move, and is never served after it.
    long now = epoch.get();
    Owner cached = owners.get(id);
    if (cached != null && cached.epoch == now) {
      return cached.address;
    }
    Member owner = owner(id);
    if (owner == null) {
      // No owner while the partition table is being rebuilt: an address nobody listens on,
      // which the owner client answers by asking again a moment later.
      return Addresses.owner("unassigned", 0);
    }
    String address = Addresses.owner(nodeIdOf(owner), ShardMap.instanceOf(id, instancesOf(owner)));
    if (owners.size() >= MAX_CACHED) {
      owners.clear();
    }
    owners.put(id, new Owner(now, address));
    return address;
  }

  @Override
  public void forget(PortfolioId id) {
    owners.remove(id);
  }

  /** Ownership may have moved: a new epoch, and no address of the old one is served again. */
  private void moved() {
    epoch.incrementAndGet();
    owners.clear();
  }

  @Override
  public boolean isLocal(PortfolioId id) {
    Member owner = owner(id);
    return owner != null && owner.localMember();
  }

  @Override
  public long epoch() {
    return epoch.get();
  }

  @Override
  public void onMemberLeft(Consumer<String> listener) {
    leftListeners.add(listener);
  }

  @Override
  public boolean settled() {
    return partitions.isClusterSafe();
  }

  @Override
  public List<ClusterMember> members() {
    Map<UUID, Integer> owned = new HashMap<>();
    for (Partition partition : partitions.getPartitions()) {
      Member owner = partition.getOwner();
      if (owner != null) {
        owned.merge(owner.getUuid(), 1, Integer::sum);
      }
    }
    List<ClusterMember> members = new ArrayList<>();
    for (Member member : hazelcast.getCluster().getMembers()) {
      members.add(new ClusterMember(nodeIdOf(member),
          member.getAddress().getHost() + ":" + member.getAddress().getPort(), member.localMember(),
          owned.getOrDefault(member.getUuid(), 0)));
    }
    members.sort(Comparator.comparing(ClusterMember::address));
    return members;
  }

  private Member owner(PortfolioId id) {
    return partitions.getPartition(id.value()).getOwner();
  }

  /**
   * The member's Vert.x node id, which owner addresses start with: vertx-hazelcast keeps it in
   * a member attribute (it is not the member's UUID).
   */
  private static String nodeIdOf(Member member) {
    String nodeId = member.getAttribute(VERTX_NODE_ID);
    return nodeId == null ? member.getUuid().toString() : nodeId;
  }

  private int instancesOf(Member member) {
    if (member.localMember()) {
      return localInstances;
    }
    String attribute = member.getAttribute(MEMBER_OWNER_INSTANCES);
    return attribute == null ? localInstances : Integer.parseInt(attribute);
  }
}
