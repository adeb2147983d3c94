package io.portfoliostate.app;

import ch.qos.logback.classic.LoggerContext;
import io.portfoliostate.config.Settings;
import io.portfoliostate.config.SettingsLoader;
import io.vertx.core.json.JsonObject;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one node: {@code java -jar portfolio-state-service.jar}; or a cluster of N nodes on one
 * machine with one embedded PostgreSQL: {@code ... --dev-cluster N}. SIGTERM stops gracefully.
 */
public final class Main {

  private static final Logger LOG = LoggerFactory.getLogger(Main.class);

  private Main() {
  }

  public static void main(String[] args) throws Exception {
    JsonObject config = SettingsLoader.loadJson(System.getenv());
    int devClusterSize = devClusterSize(args);
    long started = System.nanoTime();
    AutoCloseable running;
    try {
      running = devClusterSize > 0 ? startDevCluster(config, devClusterSize, started) : startNode(config, started);
    } catch (Exception e) {
      LOG.error("Start-up failed", e);
      System.exit(1);
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      LOG.info("Stopping: draining commands, flushing the journal, snapshotting");
      try {
        running.close();
        LOG.info("Stopped");
      } catch (Exception e) {
        LOG.error("Stop failed", e);
      } finally {
        // Logging is asynchronous: flush what is queued before the JVM exits.
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext) {
          ((LoggerContext) LoggerFactory.getILoggerFactory()).stop();
        }
      }
    }, "shutdown"));
  }

  private static Node startNode(JsonObject config, long started) throws Exception {
    Node node = Node.start(Settings.from(config));
    LOG.atInfo()
        .addKeyValue("node", node.nodeId())
        .addKeyValue("httpPort", node.httpPort())
        .addKeyValue("data", node.describeDatabase())
        .addKeyValue("clustered", Settings.from(config).cluster().enabled())
        .addKeyValue("transport", node.transport())
        .addKeyValue("startMs", (System.nanoTime() - started) / 1_000_000)
        .log("Portfolio State Service started");
    return node;
  }

  private static DevCluster startDevCluster(JsonObject config, int size, long started) throws Exception {
    DevCluster cluster = DevCluster.start(config, size);
    LOG.atInfo()
        .addKeyValue("nodes", size)
        .addKeyValue("httpPorts", cluster.nodes().stream().map(node -> Integer.toString(node.httpPort()))
            .collect(Collectors.joining(",")))
        .addKeyValue("data", cluster.describeDatabase())
        .addKeyValue("startMs", (System.nanoTime() - started) / 1_000_000)
        .log("Portfolio State Service dev cluster started");
    return cluster;
  }

  /** {@code --dev-cluster N} (N ≥ 1), or 0 for a single node. */
  private static int devClusterSize(String[] args) {
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--dev-cluster")) {
        if (i + 1 >= args.length || !args[i + 1].matches("[1-9]\\d?")) {
          throw new IllegalArgumentException("--dev-cluster needs a node count between 1 and 99");
        }
        return Integer.parseInt(args[i + 1]);
      }
    }
    if (args.length > 0) {
      throw new IllegalArgumentException("unknown arguments; the only one is --dev-cluster N");
    }
    return 0;
  }
}
