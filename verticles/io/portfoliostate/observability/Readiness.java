package io.portfoliostate.observability;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * Whether the node should get traffic: its start-up finished (migrations ran, verticles
 * deployed), it is not shutting down, it is a member of its cluster (when clustered), no writer
 * is stuck (a write running longer than its threshold, or a full queue: a node whose journal
 * cannot commit answers reads but no write), and the database answers on the read pool.
 */
public final class Readiness {

  private final Pool pool;
  private final BooleanSupplier clusterJoined;
  private final List<WriterHealth> writers;
  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicBoolean stopping = new AtomicBoolean();

  /**
   * @param clusterJoined whether the node is a member of its cluster (always true alone)
   * @param writers the node's writers, each of which must be able to take work
   */
  public Readiness(Pool pool, BooleanSupplier clusterJoined, List<WriterHealth> writers) {
    this.pool = pool;
    this.clusterJoined = clusterJoined;
    this.writers = List.copyOf(writers);
  }

  public void markStarted() {
    started.set(true);
  }

  public void markStopping() {
    stopping.set(true);
  }

  /** Succeeds when ready; fails with the reason otherwise. */
  public Future<Void> check() {
    if (stopping.get()) {
      return Future.failedFuture("shutting down");
    }
    if (!started.get()) {
      return Future.failedFuture("starting");
    }
    if (!clusterJoined.getAsBoolean()) {
      return Future.failedFuture("not a member of the cluster");
    }
    for (WriterHealth writer : writers) {
      String problem = writer.problem();
      if (problem != null) {
        return Future.failedFuture(problem);
      }
    }
    return pool.query("SELECT 1").execute()
        .<Void>mapEmpty()
        .recover(e -> Future.failedFuture("database unreachable: " + e.getMessage()));
  }
}
