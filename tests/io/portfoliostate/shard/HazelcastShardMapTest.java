package io.portfoliostate.shard;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.protocol.Addresses;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The shard map's cache of owner addresses follows ownership exactly: two real Hazelcast members
 * on loopback, the first one's map asked for 300 portfolios before the second joins (every answer
 * then cached), after the partitions moved to it, and after it left. Each answer is compared with
 * the partition table read directly.
 */
class HazelcastShardMapTest {

  private static final int INSTANCES = 4;
  private final List<HazelcastInstance> members = new ArrayList<>();

  @AfterEach
  void stop() {
    members.forEach(HazelcastInstance::shutdown);
  }

  @Test
  void cachedAddressesFollowPartitionsThatMoveWhenAMemberJoinsAndLeaves() {
    String cluster = "shard-map-" + UUID.randomUUID();
    HazelcastInstance a = member(cluster, "node-a");
    HazelcastShardMap shards = new HazelcastShardMap(a, INSTANCES);
    List<PortfolioId> ids = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      ids.add(PortfolioId.of("p-" + i));
    }
    for (PortfolioId id : ids) {
      assertThat(shards.ownerAddress(id)).isEqualTo(Addresses.owner("node-a", ShardMap.instanceOf(id, INSTANCES)));
      assertThat(shards.ownerAddress(id)).isEqualTo(Addresses.owner("node-a", ShardMap.instanceOf(id, INSTANCES)));
    }

    HazelcastInstance b = member(cluster, "node-b");
    settled(a, 2);
    int onB = 0;
    for (PortfolioId id : ids) {
      String expected = fromTable(a, id);
      assertThat(shards.ownerAddress(id)).as("owner of %s after node-b joined", id).isEqualTo(expected);
      assertThat(shards.isLocal(id)).isEqualTo(expected.contains(".node-a."));
      onB += expected.contains(".node-b.") ? 1 : 0;
    }
    // Partitions did move: an address cached before the join would have been wrong for these.
    assertThat(onB).isBetween(60, 240);

    b.shutdown();
    members.remove(b);
    settled(a, 1);
    for (PortfolioId id : ids) {
      assertThat(shards.ownerAddress(id)).as("owner of %s after node-b left", id)
          .isEqualTo(Addresses.owner("node-a", ShardMap.instanceOf(id, INSTANCES)));
    }
  }

  @Test
  void aForgottenAddressIsLookedUpAgain() {
    HazelcastInstance a = member("shard-map-" + UUID.randomUUID(), "node-a");
    HazelcastShardMap shards = new HazelcastShardMap(a, INSTANCES);
    PortfolioId id = PortfolioId.of("fund-a");
    String first = shards.ownerAddress(id);
    assertThat(shards.ownerAddress(id)).isSameAs(first);
    shards.forget(id);
    String again = shards.ownerAddress(id);
    assertThat(again).isEqualTo(first).isNotSameAs(first);
  }

  private HazelcastInstance member(String cluster, String nodeId) {
    Config config = new Config().setClusterName(cluster).setInstanceName(cluster + "-" + nodeId);
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.getNetworkConfig().setPort(5901).setPortAutoIncrement(true);
    config.getNetworkConfig().getInterfaces().setEnabled(true).addInterface("127.0.0.1");
    JoinConfig join = config.getNetworkConfig().getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).addMember("127.0.0.1");
    config.getMemberAttributeConfig().setAttribute("__vertx.nodeId", nodeId);
    HazelcastInstance member = Hazelcast.newHazelcastInstance(config);
    members.add(member);
    return member;
  }

  private static void settled(HazelcastInstance member, int size) {
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (member.getCluster().getMembers().size() != size || !member.getPartitionService().isClusterSafe()) {
      assertThat(System.nanoTime()).as("cluster of %d settled within 60 s", size).isLessThan(deadline);
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
  }

  /** The owner's address from the partition table itself, no cache involved. */
  private static String fromTable(HazelcastInstance member, PortfolioId id) {
    String nodeId = member.getPartitionService().getPartition(id.value()).getOwner().getAttribute("__vertx.nodeId");
    return Addresses.owner(nodeId, ShardMap.instanceOf(id, INSTANCES));
  }
}
