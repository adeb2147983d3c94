package io.portfoliostate.security;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.portfoliostate.config.Settings.RateLimitSettings;
import java.time.Duration;
import java.util.OptionalLong;

/**
 * A token bucket per principal on this node: {@code burst} requests at once, refilled
 * continuously at {@code requestsPerSecond}. The buckets of callers not seen for ten minutes
 * are dropped (a returning caller starts with a full bucket), and at most 100,000 are kept, so
 * a flood of distinct callers cannot grow the map. Per node, not per cluster: a caller spread
 * over n nodes by a load balancer gets up to n times the rate — the limit protects each node,
 * and a shared counter would cost a round trip per request.
 */
public final class RateLimits {

  private static final long FULL_RATE_PERIOD_SECONDS = 1_000;

  private final RateLimitSettings settings;
  private final Cache<String, Bucket> buckets = Caffeine.newBuilder().maximumSize(100_000)
      .expireAfterAccess(Duration.ofMinutes(10)).build();

  public RateLimits(RateLimitSettings settings) {
    this.settings = settings;
  }

  /**
   * Whether {@code principal}'s requests take a token here: the limit is on, the caller is
   * authenticated, and it is not the bootstrap admin key left alone.
   *
   * @param bootstrapAdmin whether the caller is the bootstrap admin key (left alone unless configured)
   */
  public boolean applies(Principal principal, boolean bootstrapAdmin) {
    return settings.enabled() && principal.kind() != Principal.Kind.UNAUTHENTICATED
        && (!bootstrapAdmin || settings.limitBootstrapAdmin());
  }

  /**
   * Takes one request from {@code principal}'s bucket: a caller the limit {@link #applies} to.
   *
   * @return empty when the request may go; else the nanoseconds until it could
   */
  public OptionalLong take(Principal principal) {
    Bucket bucket = buckets.get(principal.kind() + ":" + principal.subject(), name -> newBucket());
    ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
    return probe.isConsumed() ? OptionalLong.empty() : OptionalLong.of(probe.getNanosToWaitForRefill());
  }

  private Bucket newBucket() {
    // A fractional rate (0.5 per second) as whole tokens over a longer period, refilled greedily
    // (continuously), which is the same rate.
    long tokens = Math.max(1, Math.round(settings.requestsPerSecond() * FULL_RATE_PERIOD_SECONDS));
    return Bucket.builder().addLimit(Bandwidth.builder().capacity(settings.burst())
        .refillGreedy(tokens, Duration.ofSeconds(FULL_RATE_PERIOD_SECONDS)).build()).build();
  }
}
