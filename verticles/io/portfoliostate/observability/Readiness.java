package io.portfoliostate.observability;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Whether the node should get traffic: its start-up finished (migrations ran, verticles
 * deployed), it is not shutting down, and the database answers.
 */
public final class Readiness {

  private final Pool pool;
  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicBoolean stopping = new AtomicBoolean();

  public Readiness(Pool pool) {
    this.pool = pool;
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
    return pool.query("SELECT 1").execute()
        .<Void>mapEmpty()
        .recover(e -> Future.failedFuture("database unreachable: " + e.getMessage()));
  }
}
