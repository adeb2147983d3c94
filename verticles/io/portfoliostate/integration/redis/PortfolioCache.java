package io.portfoliostate.integration.redis;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.portfoliostate.config.Settings.CacheSettings;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.domain.PortfolioState;
import io.portfoliostate.protocol.StateJson;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The shared read cache of committed portfolio states in Redis: one hash per portfolio with its
 * version, its state (the exact snapshot JSON) and when it was written. Any node reads it; only
 * the owner's node writes it ({@link CacheWriterVerticle}), and a write never replaces a newer
 * version, so the cache only ever moves forward even when two nodes write while a portfolio moves.
 *
 * <p>A read that finds Redis slow or down is a miss, never an error: the caller asks the owner.
 */
public final class PortfolioCache {

  /**
   * Sets the hash only when it holds an older version (or nothing): writers racing during an
   * ownership move, or a retried batch, cannot move the cache backwards.
   */
  static final String WRITE_IF_NEWER = """
      local current = redis.call('HGET', KEYS[1], 'version')
      if current and tonumber(current) >= tonumber(ARGV[1]) then return 0 end
      redis.call('HSET', KEYS[1], 'version', ARGV[1], 'state', ARGV[2], 'writtenAt', ARGV[3])
      redis.call('EXPIRE', KEYS[1], ARGV[4])
      return 1""";

  /** The hash of latest prices: field {@code <instrumentId>} the price JSON, {@code <id>:at} its time. */
  static final String PRICES_KEY = "pstate:prices";

  /**
   * Sets an instrument's latest price only when it is newer (by observation time, in
   * microseconds) than the one cached: late or replayed ticks never move it backwards.
   */
  static final String PRICE_IF_NEWER = """
      local current = redis.call('HGET', KEYS[1], ARGV[1] .. ':at')
      if current and tonumber(current) >= tonumber(ARGV[2]) then return 0 end
      redis.call('HSET', KEYS[1], ARGV[1], ARGV[3], ARGV[1] .. ':at', ARGV[2])
      return 1""";

  private final Redis redis;
  private final CacheSettings settings;
  private final Counter hits;
  private final Counter misses;
  private final Counter errors;

  public PortfolioCache(Redis redis, CacheSettings settings, MeterRegistry registry) {
    this.redis = redis;
    this.settings = settings;
    this.hits = reads(registry, "hit");
    this.misses = reads(registry, "miss");
    this.errors = reads(registry, "error");
  }

  private static Counter reads(MeterRegistry registry, String result) {
    return Counter.builder("pstate.cache.reads").tag("result", result)
        .description("Cached reads: hit, miss (not cached) or error (Redis slow or down: served by the owner)")
        .register(registry);
  }

  static String key(PortfolioId id) {
    return "pstate:portfolio:" + id.value();
  }

  /** The cached state of {@code id}, or empty when it is not cached or Redis does not answer in time. */
  public Future<Optional<CachedState>> read(PortfolioId id) {
    return redis.send(Request.cmd(Command.HMGET).arg(key(id)).arg("version").arg("state").arg("writtenAt"))
        .timeout(settings.readTimeoutMs(), TimeUnit.MILLISECONDS)
        .map(this::parse)
        .otherwise(failure -> {
          errors.increment();
          return Optional.empty();
        });
  }

  private Optional<CachedState> parse(Response fields) {
    if (fields == null || fields.size() < 3 || fields.get(0) == null || fields.get(1) == null) {
      misses.increment();
      return Optional.empty();
    }
    hits.increment();
    PortfolioState state = StateJson.fromJson(new JsonObject(fields.get(1).toBuffer()));
    Instant writtenAt = fields.get(2) == null ? null : Instant.ofEpochMilli(fields.get(2).toLong());
    return Optional.of(new CachedState(fields.get(0).toLong(), state, writtenAt));
  }

  /** A cached state and when its node wrote it. */
  public record CachedState(long version, PortfolioState state, Instant writtenAt) {
  }
}
