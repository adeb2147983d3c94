package io.portfoliostate.app;

import ch.qos.logback.classic.LoggerContext;
import io.portfoliostate.config.Settings;
import io.portfoliostate.config.SettingsLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs one node: {@code java -jar portfolio-state-service.jar}. SIGTERM stops it gracefully. */
public final class Main {

  private static final Logger LOG = LoggerFactory.getLogger(Main.class);

  private Main() {
  }

  public static void main(String[] args) throws Exception {
    Settings settings = SettingsLoader.load();
    long started = System.nanoTime();
    Node node;
    try {
      node = Node.start(settings);
    } catch (Exception e) {
      LOG.error("Start-up failed", e);
      System.exit(1);
      return;
    }
    LOG.atInfo()
        .addKeyValue("node", node.nodeId())
        .addKeyValue("httpPort", node.httpPort())
        .addKeyValue("data", node.describeDatabase())
        .addKeyValue("startMs", (System.nanoTime() - started) / 1_000_000)
        .log("Portfolio State Service started");
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      LOG.info("Stopping: draining commands, flushing the journal, snapshotting");
      try {
        node.close();
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
}
