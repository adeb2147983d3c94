package io.portfoliostate.app;

import io.portfoliostate.config.Settings;
import io.portfoliostate.config.SettingsLoader;
import io.portfoliostate.persistence.Database;
import io.portfoliostate.persistence.EmbeddedDatabase;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cluster on one machine from one command ({@code --dev-cluster N}): one embedded PostgreSQL
 * under the data directory, and N clustered nodes in this JVM, each with its own Vert.x,
 * Hazelcast member (loopback, ports 5701…) and HTTP port (the configured port, then the next
 * ones). For trying the cluster out: a node stopped here is not a process that dies; the
 * fault tests run nodes as separate processes.
 */
final class DevCluster implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(DevCluster.class);

  private final EmbeddedDatabase database;
  private final List<Node> nodes = new ArrayList<>();

  private DevCluster(EmbeddedDatabase database) {
    this.database = database;
  }

  static DevCluster start(JsonObject config, int size) throws Exception {
    Settings base = Settings.from(config);
    EmbeddedDatabase database = EmbeddedDatabase.start(
        base.dataDir().resolve("pg").toAbsolutePath().normalize(), base.database().embedded());
    DevCluster cluster = new DevCluster(database);
    try {
      int clusterPort = base.cluster().port();
      String members = IntStream.range(0, size).mapToObj(i -> "127.0.0.1:" + (clusterPort + i))
          .collect(Collectors.joining(","));
      for (int i = 0; i < size; i++) {
        JsonObject node = config.copy();
        SettingsLoader.put(node, "database.url", Database.embeddedUri(database.port()));
        SettingsLoader.put(node, "http.port", base.http().port() + i);
        SettingsLoader.put(node, "cluster.enabled", true);
        SettingsLoader.put(node, "cluster.host", "127.0.0.1");
        SettingsLoader.put(node, "cluster.port", clusterPort + i);
        SettingsLoader.put(node, "cluster.members", members);
        Node started = Node.start(Settings.from(node));
        cluster.nodes.add(started);
        LOG.atInfo().addKeyValue("node", started.nodeId()).addKeyValue("httpPort", started.httpPort())
            .log("Dev cluster node {} of {} started", i + 1, size);
      }
    } catch (Exception e) {
      cluster.close();
      throw e;
    }
    return cluster;
  }

  List<Node> nodes() {
    return nodes;
  }

  String describeDatabase() {
    return "embedded PostgreSQL on " + database.dataDirectory() + " (port " + database.port() + ")";
  }

  /** Stops the nodes one by one (each hands its portfolios to the others), then the database. */
  @Override
  public void close() throws java.io.IOException {
    for (int i = nodes.size() - 1; i >= 0; i--) {
      nodes.get(i).close();
    }
    database.close();
  }
}
