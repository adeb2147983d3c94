package io.portfoliostate.persistence;

import io.portfoliostate.config.Settings;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL server run from the binaries of a Maven artifact, on a data directory that
 * survives restarts. Used when no external database is configured, so that one command runs
 * the whole service.
 */
public final class EmbeddedDatabase implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedDatabase.class);

  private final EmbeddedPostgres postgres;
  private final Path dataDirectory;

  private EmbeddedDatabase(EmbeddedPostgres postgres, Path dataDirectory) {
    this.postgres = postgres;
    this.dataDirectory = dataDirectory;
  }

  /**
   * Starts PostgreSQL on {@code dataDirectory}, creating it on first use. fsync stays on:
   * acknowledged writes must survive a crash of the machine, not only of the JVM.
   */
  public static EmbeddedDatabase start(Path dataDirectory, Settings.EmbeddedSettings settings)
      throws IOException {
    Files.createDirectories(dataDirectory.getParent());
    stopOrphan(dataDirectory);
    EmbeddedPostgres postgres = EmbeddedPostgres.builder()
        .setDataDirectory(dataDirectory)
        .setCleanDataDirectory(false)
        // The node stops the database itself, after draining; a hook of its own would stop it
        // concurrently with the drain and fail the last journal writes.
        .setRegisterShutdownHook(false)
        .setPort(settings.port()) // 0: zonky picks a free port
        .setPGStartupWait(Duration.ofSeconds(60))
        .setServerConfig("listen_addresses", "127.0.0.1")
        .setServerConfig("fsync", "on")
        .setServerConfig("synchronous_commit", "on")
        // A checkpoint every few seconds under load costs tail latency; a larger WAL spaces them.
        .setServerConfig("max_wal_size", settings.maxWalSize())
        .setServerConfig("checkpoint_timeout", "15min")
        .setServerConfig("shared_buffers", settings.sharedBuffers())
        .setServerConfig("max_connections", "200")
        // The journal holds one advisory lock per portfolio of a batch (JournalWrites): room for
        // every batch in flight, many times over (the lock table has this many per connection).
        .setServerConfig("max_locks_per_transaction", "1024")
        .start();
    return new EmbeddedDatabase(postgres, dataDirectory);
  }

  /**
   * A node killed with SIGKILL leaves its PostgreSQL running (it is a separate process) and
   * holding the data directory. That server is ours and has committed everything it
   * acknowledged, so it is stopped cleanly before a new one starts on the same directory.
   */
  private static void stopOrphan(Path dataDirectory) throws IOException {
    Path pidFile = dataDirectory.resolve("postmaster.pid");
    if (!Files.isRegularFile(pidFile)) {
      return;
    }
    List<String> lines = Files.readAllLines(pidFile);
    if (lines.isEmpty()) {
      return;
    }
    long pid;
    try {
      pid = Long.parseLong(lines.get(0).trim());
    } catch (NumberFormatException e) {
      return;
    }
    Optional<ProcessHandle> process = ProcessHandle.of(pid)
        .filter(p -> p.info().command().map(c -> c.endsWith("postgres")).orElse(false));
    if (process.isEmpty()) {
      return;
    }
    LOG.warn("Stopping a PostgreSQL left running on {} by an earlier node (pid {})", dataDirectory, pid);
    process.get().destroy();
    try {
      process.get().onExit().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IOException("PostgreSQL pid " + pid + " did not stop; it still holds " + dataDirectory, e);
    }
  }

  public int port() {
    return postgres.getPort();
  }

  public Path dataDirectory() {
    return dataDirectory;
  }

  @Override
  public void close() throws IOException {
    postgres.close();
  }
}
