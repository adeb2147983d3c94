package io.portfoliostate.security;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.portfoliostate.persistence.SecurityStore;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the node's {@link SecurityState} current: polls the one-row security version every
 * {@code refreshMs} (a primary-key read) and reloads keys, grants and parent links when it
 * moved. Every key or grant change, and every change of a parent, bumps the version in its own
 * transaction, so a change reaches every node of a cluster within {@code refreshMs} plus one
 * load. When the database cannot be read the node keeps its last copy (and serves nothing
 * that needs the database anyway) and says so in the log.
 */
public final class SecurityRefreshVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(SecurityRefreshVerticle.class);
  private static final long WARN_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);

  private final SecurityStore store;
  private final SecurityState state;
  private final long refreshMs;
  private final MeterRegistry registry;
  private long timer;
  private boolean polling;
  private long lastWarnNanos;
  private volatile long lastCheckedNanos = System.nanoTime();

  public SecurityRefreshVerticle(SecurityStore store, SecurityState state, long refreshMs, MeterRegistry registry) {
    this.store = store;
    this.state = state;
    this.refreshMs = refreshMs;
    this.registry = registry;
  }

  /** Loads the current copy into {@code state}: done once before the gateway serves. */
  public static Future<Void> load(SecurityStore store, SecurityState state) {
    return store.load().map(snapshot -> {
      state.offer(copy(snapshot));
      return null;
    });
  }

  static SecurityState.Copy copy(SecurityStore.Snapshot snapshot) {
    return new SecurityState.Copy(snapshot.version(),
        Entitlements.of(snapshot.grants(), snapshot.parents(), snapshot.version()), snapshot.keysByHash());
  }

  @Override
  public Future<?> start() {
    Gauge.builder("pstate.security.version", state, SecurityState::version)
        .description("The security version (keys, grants, parent links) this node enforces").register(registry);
    Gauge.builder("pstate.security.check.age", this, self -> (System.nanoTime() - self.lastCheckedNanos) / 1e9)
        .baseUnit("seconds").description("Time since this node last checked the security version")
        .register(registry);
    timer = vertx.setPeriodic(refreshMs, id -> poll());
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return Future.succeededFuture();
  }

  private void poll() {
    if (polling) {
      return;
    }
    polling = true;
    store.version()
        .compose(version -> version == state.version() ? Future.succeededFuture() : load(store, state)
            .onSuccess(v -> LOG.debug("Security version {} loaded", state.version())))
        .onComplete(result -> {
          polling = false;
          if (result.succeeded()) {
            lastCheckedNanos = System.nanoTime();
          } else if (System.nanoTime() - lastWarnNanos > WARN_EVERY_NANOS) {
            lastWarnNanos = System.nanoTime();
            LOG.warn("Cannot check for changed keys and grants (keeping version {}): {}", state.version(),
                result.cause().toString());
          }
        });
  }
}
