package io.portfoliostate.shard;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.domain.PortfolioState;
import io.portfoliostate.persistence.SnapshotStore;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The portfolios one owner instance holds in memory, and when they leave it: released when their
 * partition moved to another node, passivated when idle, snapshotted (if changed) either way and
 * all together at shutdown. Used from the owner's event loop only.
 */
final class ResidentPortfolios {

  private static final Logger LOG = LoggerFactory.getLogger(ResidentPortfolios.class);
  /** Portfolios serialized and written per statement when snapshotting at shutdown. */
  private static final int SNAPSHOT_CHUNK = 200;

  private final Map<PortfolioId, PortfolioEntity> entities = new HashMap<>();
  private final ShardMap shards;
  private final SnapshotStore snapshots;
  private final long passivateAfterNanos;
  private final Counter released;
  private long releasedAtEpoch;

  ResidentPortfolios(ShardMap shards, SnapshotStore snapshots, long passivateAfterSeconds, MeterRegistry registry,
      Tags tags) {
    this.shards = shards;
    this.snapshots = snapshots;
    this.passivateAfterNanos = TimeUnit.SECONDS.toNanos(passivateAfterSeconds);
    this.releasedAtEpoch = shards.epoch();
    this.released = Counter.builder("pstate.owner.released")
        .description("Portfolios an owner let go because their partition moved to another node")
        .register(registry);
    registry.gauge("pstate.owner.portfolios.loaded", tags, entities, Map::size);
  }

  PortfolioEntity get(PortfolioId id) {
    return entities.get(id);
  }

  void put(PortfolioEntity entity) {
    entities.put(entity.id, entity);
  }

  /** Forgets {@code entity} if it is still the one held for its id. */
  void forget(PortfolioEntity entity) {
    if (entities.get(entity.id) == entity) {
      entities.remove(entity.id);
    }
  }

  Collection<PortfolioEntity> all() {
    return entities.values();
  }

  /**
   * After ownership moved, lets go of the portfolios this node no longer owns: each idle one is
   * snapshotted (if changed) and forgotten, so the new owner loads it from a short tail. One
   * with a write in flight is left to finish it (the journal fences it if the new owner wrote
   * first) and is released on a later check.
   */
  void releaseMoved() {
    long epoch = shards.epoch();
    if (epoch == releasedAtEpoch) {
      return;
    }
    boolean busy = false;
    List<PortfolioEntity> moved = new ArrayList<>();
    for (PortfolioEntity entity : entities.values()) {
      if (!shards.isLocal(entity.id)) {
        if (entity.isIdle()) {
          moved.add(entity);
        } else {
          busy = true;
        }
      }
    }
    moved.forEach(this::release);
    if (!moved.isEmpty()) {
      LOG.info("Released {} portfolios whose partitions moved to other nodes", moved.size());
    }
    if (!busy) {
      releasedAtEpoch = epoch;
    }
  }

  /** Lets go of one portfolio this node no longer owns. */
  void release(PortfolioEntity entity) {
    entities.remove(entity.id);
    released.increment();
    snapshotIfChanged(entity);
  }

  /** Drops portfolios unused for a while (and unknown ids at once), snapshotting what changed. */
  void passivateIdle() {
    long cutoff = System.nanoTime() - passivateAfterNanos;
    List<PortfolioEntity> idle = new ArrayList<>();
    for (PortfolioEntity entity : entities.values()) {
      if (entity.isIdle() && (entity.state == null || entity.lastUsedNanos < cutoff)) {
        idle.add(entity);
      }
    }
    for (PortfolioEntity entity : idle) {
      entities.remove(entity.id);
      snapshotIfChanged(entity);
    }
  }

  private void snapshotIfChanged(PortfolioEntity entity) {
    if (entity.state != null && entity.state.version() > entity.snapshotVersion) {
      snapshots.save(entity.state).onFailure(e -> LOG.warn("Snapshot of {} failed", entity.id, e));
    }
  }

  /**
   * Snapshots every portfolio changed since its last snapshot, a chunk per event-loop turn and a
   * statement per chunk, so that thousands of portfolios neither block the loop nor cost a round
   * trip each.
   */
  Future<Void> snapshotAll() {
    List<PortfolioState> changed = new ArrayList<>();
    for (PortfolioEntity entity : entities.values()) {
      if (entity.state != null && entity.state.version() > entity.snapshotVersion) {
        changed.add(entity.state);
      }
    }
    return snapshotChunks(changed, 0);
  }

  private Future<Void> snapshotChunks(List<PortfolioState> changed, int from) {
    if (from >= changed.size()) {
      return Future.succeededFuture();
    }
    int to = Math.min(changed.size(), from + SNAPSHOT_CHUNK);
    return snapshots.saveAll(changed.subList(from, to)).compose(v -> snapshotChunks(changed, to));
  }
}
