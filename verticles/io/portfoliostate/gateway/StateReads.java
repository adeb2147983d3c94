package io.portfoliostate.gateway;

import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.domain.PortfolioState;
import io.portfoliostate.integration.redis.PortfolioCache;
import io.portfoliostate.protocol.FailureCodes;
import io.portfoliostate.protocol.OwnerRequest;
import io.portfoliostate.shard.OwnerClient;
import io.vertx.core.Future;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Where a read of the current state comes from. By default ({@code consistency=strong}) the
 * owner answers with the latest committed state. With {@code consistency=cached} any node answers
 * from the shared Redis cache, stating the version and the age of what it serves; with
 * {@code minVersion=N} too, a cached state older than N is not served and the owner answers, so
 * a client reads its own writes. Redis off, slow or down: the owner answers.
 */
final class StateReads {

  static final String SERVED_FROM = "X-Served-From";

  private final OwnerClient owners;
  private final PortfolioCache cache;

  /** @param cache the Redis cache, or null when the node has none */
  StateReads(OwnerClient owners, PortfolioCache cache) {
    this.owners = owners;
    this.cache = cache;
  }

  /**
   * The state asked for, or a failed future (its problem is the caller's to send). Answers 400
   * itself (and returns null) for bad {@code consistency} or {@code minVersion} parameters.
   */
  Future<PortfolioState> read(RoutingContext ctx, PortfolioId id, Long version, Instant asOf, Instant knownAt) {
    String consistency = ctx.queryParams().get("consistency");
    if (consistency != null && !consistency.equals("strong") && !consistency.equals("cached")) {
      Problems.send(ctx, Problems.invalid(List.of(new RequestReader.FieldError("consistency",
          "must be strong (the owner's latest committed state) or cached (the shared cache, any node)"))));
      return null;
    }
    Long minVersion = HttpBodies.longParam(ctx, "minVersion", 1, Long.MAX_VALUE);
    if (ctx.response().ended()) {
      return null;
    }
    boolean cached = "cached".equals(consistency);
    if (cached && (version != null || asOf != null || knownAt != null)) {
      Problems.send(ctx, Problems.invalid(List.of(new RequestReader.FieldError("consistency",
          "cached reads serve the latest state; version, asOf and knownAt are read from the owner"))));
      return null;
    }
    if (cached && cache != null) {
      return cache.read(id).compose(hit -> {
        if (hit.isPresent() && (minVersion == null || hit.get().version() >= minVersion)) {
          PortfolioCache.CachedState state = hit.get();
          ctx.response().putHeader(SERVED_FROM, "cache");
          if (state.writtenAt() != null) {
            long ageMs = Math.max(0, Duration.between(state.writtenAt(), Instant.now()).toMillis());
            ctx.response().putHeader("Age", Long.toString(ageMs / 1000)).putHeader("X-Cache-Age-Ms", Long.toString(ageMs));
          }
          return Future.succeededFuture(state.state());
        }
        return fromOwner(ctx, id, null, null, null, minVersion);
      });
    }
    return fromOwner(ctx, id, version, asOf, knownAt, minVersion);
  }

  private Future<PortfolioState> fromOwner(RoutingContext ctx, PortfolioId id, Long version, Instant asOf,
      Instant knownAt, Long minVersion) {
    return owners.<PortfolioState>request(new OwnerRequest.Read(id, version, asOf, knownAt)).compose(state -> {
      if (minVersion != null && state.version() < minVersion) {
        return Future.failedFuture(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, FailureCodes.NO_SUCH_VERSION,
            "portfolio " + id + " has no version " + minVersion + " (it is at version " + state.version() + ")"));
      }
      ctx.response().putHeader(SERVED_FROM, "owner");
      return Future.succeededFuture(state);
    });
  }
}
