package io.portfoliostate.shard;

import io.portfoliostate.config.Settings.RoutingSettings;
import io.portfoliostate.protocol.FailureCodes;
import io.portfoliostate.protocol.OwnerRequest;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import java.util.concurrent.TimeUnit;

/**
 * How every gateway (HTTP, stream consumers, bridges) reaches the owner of a portfolio: resolve
 * the owner, send, and when the answer is "not owner" (or nobody is listening yet, as while a
 * shard moves, or the owner's node is unreachable, as when it just died) re-resolve and retry,
 * for a bounded time. A retried command is safe: the owner that finally takes it decides it
 * against committed state, and tradeId/flowId make a repeated write a replay.
 */
public final class OwnerClient {

  private static final long FIRST_BACKOFF_MS = 5;
  private static final long MAX_BACKOFF_MS = 200;

  private final Vertx vertx;
  private final ShardMap shards;
  private final RoutingSettings settings;

  public OwnerClient(Vertx vertx, ShardMap shards, RoutingSettings settings) {
    this.vertx = vertx;
    this.shards = shards;
    this.settings = settings;
  }

  /** Sends {@code request} to its portfolio's owner and returns the reply body. */
  public <T> Future<T> request(OwnerRequest request) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.notOwnerRetryMs());
    return attempt(request, deadline, FIRST_BACKOFF_MS);
  }

  private <T> Future<T> attempt(OwnerRequest request, long deadline, long backoffMs) {
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(settings.ownerTimeoutMs());
    return vertx.eventBus().<T>request(shards.ownerAddress(request.portfolioId()), request, options)
        .map(Message::body)
        .recover(failure -> {
          if (isRetryable(failure) && System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoffMs) < deadline) {
            return vertx.timer(backoffMs, TimeUnit.MILLISECONDS)
                .compose(id -> attempt(request, deadline, Math.min(backoffMs * 2, MAX_BACKOFF_MS)));
          }
          return Future.failedFuture(failure);
        });
  }

  private static boolean isRetryable(Throwable failure) {
    if (!(failure instanceof ReplyException)) {
      return false;
    }
    ReplyException reply = (ReplyException) failure;
    // ERROR: the owner's node could not be reached (it died); its partitions are about to move.
    return reply.failureType() == ReplyFailure.NO_HANDLERS
        || reply.failureType() == ReplyFailure.ERROR
        || (reply.failureType() == ReplyFailure.RECIPIENT_FAILURE && reply.failureCode() == FailureCodes.NOT_OWNER);
  }
}
