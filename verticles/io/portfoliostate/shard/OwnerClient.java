package io.portfoliostate.shard;

import io.portfoliostate.config.Settings.RoutingSettings;
import io.portfoliostate.protocol.Addresses;
import io.portfoliostate.protocol.FailureCodes;
import io.portfoliostate.protocol.OwnerRequest;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * How every gateway (HTTP, stream consumers, bridges) reaches the owner of a portfolio: resolve
 * the owner, send, and when the answer is "not owner" (or nobody is listening yet, as while a
 * shard moves, or the owner's node is unreachable or has just left) re-resolve and retry, for a
 * bounded time. A retried command is safe: the owner that finally takes it decides it against
 * committed state, and tradeId/flowId make a repeated write a replay.
 *
 * <p>A node that dies never answers the requests it had received; the event bus would let them
 * wait for the full owner timeout. So requests in flight are tracked per owner node, and when
 * the cluster declares a node gone, its requests fail at once and go to the new owner.
 */
public final class OwnerClient {

  private static final long FIRST_BACKOFF_MS = 5;
  private static final long MAX_BACKOFF_MS = 200;

  private final Vertx vertx;
  private final ShardMap shards;
  private final RoutingSettings settings;
  private final Map<String, Set<InFlight>> inFlight = new ConcurrentHashMap<>();
  /**
   * Nodes that left or are leaving, and since when: a leaving node's owners stop listening
   * before its partitions move, and for a moment after a member leaves the partition table may
   * still name it; a request sent there would only time out. Kept for a minute after leaving.
   */
  private final Map<String, Long> departed = new ConcurrentHashMap<>();

  public OwnerClient(Vertx vertx, ShardMap shards, RoutingSettings settings) {
    this.vertx = vertx;
    this.shards = shards;
    this.settings = settings;
    shards.onMemberLeft(this::ownerNodeLeft);
  }

  /** Sends {@code request} to its portfolio's owner and returns the reply body. */
  public <T> Future<T> request(OwnerRequest request) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.notOwnerRetryMs());
    return attempt(request, deadline, FIRST_BACKOFF_MS);
  }

  private <T> Future<T> attempt(OwnerRequest request, long deadline, long backoffMs) {
    return send(request).map(OwnerClient::<T>body)
        .recover(failure -> {
          if (isRetryable(failure) && System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoffMs) < deadline) {
            return vertx.timer(backoffMs, TimeUnit.MILLISECONDS)
                .compose(id -> attempt(request, deadline, Math.min(backoffMs * 2, MAX_BACKOFF_MS)));
          }
          return Future.failedFuture(failure);
        });
  }

  private Future<Message<Object>> send(OwnerRequest request) {
    String address = shards.ownerAddress(request.portfolioId());
    String node = Addresses.ownerNode(address);
    if (departed.containsKey(node)) {
      return Future.failedFuture(new ReplyException(ReplyFailure.ERROR, "the owner's node left the cluster"));
    }
    Set<InFlight> toNode = inFlight.computeIfAbsent(node, id -> ConcurrentHashMap.newKeySet());
    InFlight pending = new InFlight(Promise.promise(), vertx.getOrCreateContext());
    toNode.add(pending);
    if (departed.containsKey(node)) {
      // The node left between the check above and now: its in-flight set may be gone already.
      toNode.remove(pending);
      return Future.failedFuture(new ReplyException(ReplyFailure.ERROR, "the owner's node left the cluster"));
    }
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(settings.ownerTimeoutMs());
    vertx.eventBus().request(address, request, options).onComplete(answer -> {
      toNode.remove(pending);
      if (answer.succeeded()) {
        pending.promise.tryComplete(answer.result());
      } else {
        pending.promise.tryFail(answer.cause());
      }
    });
    return pending.promise.future();
  }

  /**
   * Another node announced that it is leaving: send it nothing more (requests for its
   * portfolios retry until the partitions have moved); what it already received it answers.
   */
  public void peerLeaving(String nodeId) {
    departed.put(nodeId, System.nanoTime());
  }

  /** Fails what the departed node will never answer; each failure is retried at the new owner. */
  private void ownerNodeLeft(String nodeId) {
    long now = System.nanoTime();
    departed.values().removeIf(left -> now - left > TimeUnit.MINUTES.toNanos(1));
    departed.put(nodeId, now);
    Set<InFlight> lost = inFlight.remove(nodeId);
    if (lost == null) {
      return;
    }
    for (InFlight pending : lost) {
      pending.context.runOnContext(v -> pending.promise.tryFail(
          new ReplyException(ReplyFailure.ERROR, "the owner's node left the cluster")));
    }
  }

  @SuppressWarnings("unchecked")
  private static <T> T body(Message<Object> message) {
    return (T) message.body();
  }

  private static boolean isRetryable(Throwable failure) {
    if (!(failure instanceof ReplyException)) {
      return false;
    }
    ReplyException reply = (ReplyException) failure;
    // ERROR: the owner's node could not be reached or left; its partitions are moving.
    return reply.failureType() == ReplyFailure.NO_HANDLERS
        || reply.failureType() == ReplyFailure.ERROR
        || (reply.failureType() == ReplyFailure.RECIPIENT_FAILURE && reply.failureCode() == FailureCodes.NOT_OWNER);
  }

  private record InFlight(Promise<Message<Object>> promise, Context context) {
  }
}
