package io.portfoliostate.app;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.config.XmlConfigBuilder;
import com.hazelcast.config.YamlConfigBuilder;
import io.portfoliostate.config.Settings.ClusterSettings;
import io.portfoliostate.shard.HazelcastShardMap;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.Set;

/**
 * Builds the Hazelcast configuration of a clustered node: one of the files in
 * {@code cluster-config/} (or a file of the operator's), then the node's cluster settings on top,
 * so the usual changes (name, port, members, addresses) need no file of one's own.
 */
final class HazelcastConfigs {

  private static final Set<String> BUILT_IN = Set.of("loopback", "tcp", "kubernetes");

  private HazelcastConfigs() {
  }

  static Config load(ClusterSettings settings, int ownerInstances) {
    Config config = read(settings.config());
    config.setClusterName(settings.name());
    NetworkConfig network = config.getNetworkConfig();
    network.setPort(settings.port()).setPortAutoIncrement(true);
    if (!settings.host().isBlank()) {
      network.getInterfaces().setEnabled(true).clear().addInterface(settings.host());
      config.setProperty("hazelcast.socket.bind.any", "false");
    }
    if (!settings.publicHost().isBlank()) {
      network.setPublicAddress(settings.publicHost());
    }
    if (!settings.members().isEmpty()) {
      JoinConfig join = network.getJoin();
      join.getMulticastConfig().setEnabled(false);
      join.getAutoDetectionConfig().setEnabled(false);
      join.getKubernetesConfig().setEnabled(false);
      join.getTcpIpConfig().setEnabled(true).setMembers(settings.members());
    }
    config.getMemberAttributeConfig()
        .setAttribute(HazelcastShardMap.MEMBER_OWNER_INSTANCES, Integer.toString(ownerInstances));
    return config;
  }

  private static Config read(String name) {
    Properties variables = new Properties();
    variables.putAll(System.getenv());
    variables.putAll(System.getProperties());
    if (BUILT_IN.contains(name)) {
      String file = "cluster-config/hazelcast-" + name + ".yaml";
      Path local = Path.of(file);
      if (Files.isRegularFile(local)) {
        return readFile(local, variables);
      }
      try (InputStream in = HazelcastConfigs.class.getClassLoader().getResourceAsStream(file)) {
        if (in == null) {
          throw new IllegalStateException(file + " is neither in the working folder nor in the jar");
        }
        return new YamlConfigBuilder(in).setProperties(variables).build();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return readFile(Path.of(name), variables);
  }

  private static Config readFile(Path path, Properties variables) {
    try (InputStream in = Files.newInputStream(path)) {
      String file = path.getFileName().toString();
      return file.endsWith(".xml")
          ? new XmlConfigBuilder(in).setProperties(variables).build()
          : new YamlConfigBuilder(in).setProperties(variables).build();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read cluster configuration " + path, e);
    }
  }
}
