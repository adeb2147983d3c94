package io.portfoliostate.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import io.portfoliostate.config.Settings;
import io.portfoliostate.config.SettingsLoader;
import io.portfoliostate.shard.HazelcastShardMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The three Hazelcast configurations of {@code cluster-config/} load, join the way they say, and
 * carry what Vert.x needs; the node's cluster settings override them.
 */
class HazelcastConfigsTest {

  private static Settings.ClusterSettings cluster(Map<String, String> environment) {
    return Settings.from(SettingsLoader.loadJson(environment)).cluster();
  }

  @Test
  void loopbackJoinsByTcpOnLoopbackWithFastFailureDetection() {
    Config config = HazelcastConfigs.load(cluster(Map.of("PSTATE_CLUSTER", "true")), 4);
    JoinConfig join = config.getNetworkConfig().getJoin();
    assertThat(join.getTcpIpConfig().isEnabled()).isTrue();
    assertThat(join.getTcpIpConfig().getMembers()).containsExactly("127.0.0.1");
    assertThat(join.getMulticastConfig().isEnabled()).isFalse();
    assertThat(config.getNetworkConfig().getInterfaces().getInterfaces()).containsExactly("127.0.0.1");
    assertThat(config.getProperty("hazelcast.max.no.heartbeat.seconds")).isEqualTo("5");
    assertThat(config.getProperty("hazelcast.heartbeat.interval.seconds")).isEqualTo("1");
    assertThat(config.getClusterName()).isEqualTo("pstate");
    assertThat(config.getNetworkConfig().getPort()).isEqualTo(5701);
    assertThat(config.getMultiMapConfig("__vertx.subs").getBackupCount()).isEqualTo(1);
    assertThat(config.getMemberAttributeConfig().getAttribute(HazelcastShardMap.MEMBER_OWNER_INSTANCES)).isEqualTo("4");
  }

  @Test
  void tcpTakesItsMembersHostAndPortFromTheEnvironment() {
    Config config = HazelcastConfigs.load(cluster(Map.of("PSTATE_CLUSTER", "true", "PSTATE_CLUSTER_CONFIG", "tcp",
        "PSTATE_CLUSTER_MEMBERS", "10.0.0.11,10.0.0.12:5801", "PSTATE_CLUSTER_HOST", "10.0.0.13",
        "PSTATE_CLUSTER_PORT", "5801", "PSTATE_CLUSTER_NAME", "prod", "PSTATE_CLUSTER_PUBLIC_HOST", "203.0.113.7")), 2);
    JoinConfig join = config.getNetworkConfig().getJoin();
    assertThat(join.getTcpIpConfig().isEnabled()).isTrue();
    assertThat(join.getTcpIpConfig().getMembers()).containsExactly("10.0.0.11", "10.0.0.12:5801");
    assertThat(join.getKubernetesConfig().isEnabled()).isFalse();
    assertThat(config.getNetworkConfig().getInterfaces().isEnabled()).isTrue();
    assertThat(config.getNetworkConfig().getInterfaces().getInterfaces()).containsExactly("10.0.0.13");
    assertThat(config.getNetworkConfig().getPublicAddress()).isEqualTo("203.0.113.7");
    assertThat(config.getNetworkConfig().getPort()).isEqualTo(5801);
    assertThat(config.getClusterName()).isEqualTo("prod");
  }

  @Test
  void kubernetesDiscoversMembersThroughTheService() {
    Config config = HazelcastConfigs.load(cluster(Map.of("PSTATE_CLUSTER", "true",
        "PSTATE_CLUSTER_CONFIG", "kubernetes")), 2);
    JoinConfig join = config.getNetworkConfig().getJoin();
    assertThat(join.getKubernetesConfig().isEnabled()).isTrue();
    assertThat(join.getTcpIpConfig().isEnabled()).isFalse();
    assertThat(join.getMulticastConfig().isEnabled()).isFalse();
    assertThat(join.getKubernetesConfig().getProperties()).containsKey("service-name");
  }
}
