package io.portfoliostate.observability;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * Whether the node should get traffic: its start-up finished (migrations ran, verticles
 * deployed), it is not shutting down, it is a member of its cluster (when clustered), and the
 * database answers.
 */
public final class Readiness {

  private final Pool pool;
  private final BooleanSupplier clusterJoined;
  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicBoolean stopping = new AtomicBoolean();

  /** @param clusterJoined whether the node is a member of its cluster (always true alone) */
  public Readiness(Pool pool, BooleanSupplier clusterJoined) {
    this.pool = pool;
    this.clusterJoined = clusterJoined;
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
    return pool.query("SELECT 1").execute()
        .<Void>mapEmpty()
        .recover(e -> Future.failedFuture("database unreachable: " + e.getMessage()));
  }
}
