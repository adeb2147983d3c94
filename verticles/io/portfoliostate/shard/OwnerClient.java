package io.portfoliostate.shard;

import io.portfoliostate.config.Settings.RoutingSettings;
import io.portfoliostate.domain.IdempotentCommand;
import io.portfoliostate.protocol.Addresses;
import io.portfoliostate.protocol.CommandEnvelope;
import io.portfoliostate.protocol.FailureCodes;
import io.portfoliostate.protocol.OwnerRequest;
import io.portfoliostate.protocol.OwnerWire;
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
 * bounded time. Only what cannot be applied twice is retried after it may have reached an
 * owner: reads, and commands that all carry an id (tradeId, flowId, conversionId) or an
 * Idempotency-Key, whose repetition is a replay. A command without either (a create, PATCH or
 * targets without a key) is retried only when it surely reached no owner (no handler, "not
 * owner", a node known gone before sending); when its node is lost while it is in flight, or no
 * answer comes in time, it fails as {@link OutcomeUnknown}.
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
  /**
   * Nodes of the version before, found in a rolling upgrade: they answered a binary command
   * request with "no codec" (having decoded nothing) and are sent the JSON form from then on.
   */
  private final Set<String> olderNodes = ConcurrentHashMap.newKeySet();

  public OwnerClient(Vertx vertx, ShardMap shards, RoutingSettings settings) {
    this.vertx = vertx;
    this.shards = shards;
    this.settings = settings;
    shards.onMemberLeft(this::ownerNodeLeft);
  }

  /**
   * A command may or may not have been applied: its owner did not answer in time, or its node
   * was lost while the command was in flight. {@link #retrySafe} tells whether sending it again
   * is a replay (every command carries an id or an idempotency key) or may apply it twice.
   */
  public static final class OutcomeUnknown extends RuntimeException {
    private final boolean retrySafe;

    OutcomeUnknown(String message, boolean retrySafe) {
      super(message, null, false, false);
      this.retrySafe = retrySafe;
    }

    public boolean retrySafe() {
      return retrySafe;
    }
  }

  /** The request was not sent: its owner's node is known to have left. Always safe to retry. */
  private static final class NotSent extends ReplyException {
    NotSent() {
      super(ReplyFailure.ERROR, "the owner's node left the cluster");
    }
  }

  /** The longest the owner path takes (retries, then the owner timeout); the gateway waits longer. */
  public long ownerPathMs() {
    return settings.ownerPathMs();
  }

  /** How long one owner request waits for its answer. */
  public long ownerTimeoutMs() {
    return settings.ownerTimeoutMs();
  }

  /** Sends {@code request} to its portfolio's owner and returns the reply body. */
  public <T> Future<T> request(OwnerRequest request) {
    return request(request, settings.ownerTimeoutMs());
  }

  /**
   * As {@link #request(OwnerRequest)}, waiting up to {@code timeoutMs} for the answer: for a
   * request known to take longer than a command (an imported file as one batch).
   */
  public <T> Future<T> request(OwnerRequest request, long timeoutMs) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.notOwnerRetryMs());
    return attempt(request, deadline, FIRST_BACKOFF_MS, timeoutMs);
  }

  private <T> Future<T> attempt(OwnerRequest request, long deadline, long backoffMs, long timeoutMs) {
    return send(request, timeoutMs).map(OwnerClient::<T>body)
        .recover(failure -> {
          // The shard map may remember an owner that moved: whatever failed, look it up again.
          shards.forget(request.portfolioId());
          if (isRetryable(failure, request)
              && System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoffMs) < deadline) {
            return vertx.timer(backoffMs, TimeUnit.MILLISECONDS)
                .compose(id -> attempt(request, deadline, Math.min(backoffMs * 2, MAX_BACKOFF_MS), timeoutMs));
          }
          return Future.failedFuture(outcome(failure, request, timeoutMs));
        });
  }

  private Future<Message<Object>> send(OwnerRequest request, long timeoutMs) {
    String address = shards.ownerAddress(request.portfolioId());
    String node = Addresses.ownerNode(address);
    if (departed.containsKey(node)) {
      return Future.failedFuture(new NotSent());
    }
    Set<InFlight> toNode = inFlight.computeIfAbsent(node, id -> ConcurrentHashMap.newKeySet());
    InFlight pending = new InFlight(Promise.promise(), vertx.getOrCreateContext());
    toNode.add(pending);
    if (departed.containsKey(node)) {
      // The node left between the check above and now: its in-flight set may be gone already.
      toNode.remove(pending);
      return Future.failedFuture(new NotSent());
    }
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(timeoutMs);
    if (request instanceof OwnerRequest.Execute && olderNodes.contains(node)) {
      options.setCodecName(OwnerWire.LEGACY_EXECUTE.name());
    }
    vertx.eventBus().request(address, request, options).onComplete(answer -> {
      toNode.remove(pending);
      if (answer.succeeded()) {
        pending.promise.tryComplete(answer.result());
      } else {
        if (answer.cause() instanceof ReplyException refused && OwnerWire.unknownCodec(refused.getMessage())) {
          olderNodes.add(node);
        }
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

  private static boolean isRetryable(Throwable failure, OwnerRequest request) {
    if (!(failure instanceof ReplyException)) {
      return false;
    }
    ReplyException reply = (ReplyException) failure;
    // Not delivered, refused unread, or never sent: no owner applied it.
    // A node of the version before, that could not read the binary form: it read nothing; sent again in JSON.
    if (failure instanceof NotSent || reply.failureType() == ReplyFailure.NO_HANDLERS
        || reply.failureType() == ReplyFailure.ERROR && OwnerWire.unknownCodec(reply.getMessage())
        || (reply.failureType() == ReplyFailure.RECIPIENT_FAILURE && reply.failureCode() == FailureCodes.NOT_OWNER)) {
      return true;
    }
    // ERROR: the owner's node could not be reached or left with the request in flight; the
    // owner may have committed it before it went. Only a replay is safe to send again.
    return reply.failureType() == ReplyFailure.ERROR && replayable(request);
  }

  /** Whether sending the request twice cannot apply it twice: a read, or commands that all carry an id or key. */
  static boolean replayable(OwnerRequest request) {
    if (!(request instanceof OwnerRequest.Execute)) {
      return true;
    }
    for (CommandEnvelope envelope : ((OwnerRequest.Execute) request).commands()) {
      // A batch's items all carry ids: sent twice, the second is a replay item by item.
      if (!(envelope.command() instanceof IdempotentCommand) && envelope.idempotencyKey() == null
          && !(envelope.command() instanceof io.portfoliostate.domain.ApplyBatch)) {
        return false;
      }
    }
    return true;
  }

  /** A command's failure as the caller should see it: "outcome unknown" when it may have been applied. */
  private Throwable outcome(Throwable failure, OwnerRequest request, long timeoutMs) {
    if (!(request instanceof OwnerRequest.Execute) || !(failure instanceof ReplyException)
        || failure instanceof NotSent) {
      return failure;
    }
    ReplyFailure type = ((ReplyException) failure).failureType();
    if (type == ReplyFailure.TIMEOUT) {
      return new OutcomeUnknown("the owner did not answer within " + timeoutMs + " ms",
          replayable(request));
    }
    if (type == ReplyFailure.ERROR) {
      return new OutcomeUnknown("the owner's node was lost with the command in flight", replayable(request));
    }
    return failure;
  }

  private record InFlight(Promise<Message<Object>> promise, Context context) {
  }
}
