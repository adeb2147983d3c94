package io.portfoliostate.gateway;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.util.concurrent.Callable;

/**
 * How an analytics request with {@code minSeq} waits for the store: asks {@code ready} on a
 * reader thread (DuckDB work stays off the event loop), and again every {@value #POLL_MS} ms
 * until it says yes or the deadline passes.
 */
final class StoreWait {

  private static final long POLL_MS = 10;

  private StoreWait() {
  }

  /** True once {@code ready} holds, false if {@code deadline} (epoch ms) passes first. */
  static Future<Boolean> until(Vertx vertx, WorkerExecutor readers, long deadline, Callable<Boolean> ready) {
    return readers.executeBlocking(ready, false).compose(held -> {
      if (held) {
        return Future.succeededFuture(true);
      }
      if (System.currentTimeMillis() >= deadline) {
        return Future.succeededFuture(false);
      }
      Promise<Boolean> later = Promise.promise();
      vertx.setTimer(POLL_MS, id -> until(vertx, readers, deadline, ready).onComplete(later));
      return later.future();
    });
  }
}
