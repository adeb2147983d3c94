package io.portfoliostate.shard;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.portfoliostate.config.Settings.OwnerSettings;
import io.portfoliostate.domain.PortfolioEvent;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.domain.PortfolioState;
import io.portfoliostate.persistence.SnapshotStore;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The portfolios one owner instance holds in memory, and when they leave it: released when their
 * partition moved to another node, passivated when idle, evicted (least recently used first)
 * when the instance holds more of them, or more estimated bytes, than its share of the node's
 * bounds; a portfolio that does not exist is never kept. What leaves changed is snapshotted, in
 * batches: one multi-row INSERT per chunk, then the chunk's older snapshots are thinned. Used
 * from the owner's event loop only.
 */
final class ResidentPortfolios {

  private static final Logger LOG = LoggerFactory.getLogger(ResidentPortfolios.class);
  /** Portfolios serialized and written per statement when snapshotting. */
  private static final int SNAPSHOT_CHUNK = 200;
  /** Snapshots a portfolio keeps however close together they are: its newest ones. */
  static final int KEEP_LATEST_SNAPSHOTS = 3;

  /** In access order: the first entry is the least recently used. */
  private final LinkedHashMap<PortfolioId, PortfolioEntity> entities = new LinkedHashMap<>(64, 0.75f, true);
  private final ShardMap shards;
  private final SnapshotStore snapshots;
  private final long passivateAfterNanos;
  private final int maxResident;
  private final long maxBytes;
  private final long snapshotEvery;
  private final Counter released;
  private final Counter evicted;
  private final Counter thinned;
  /** States that left memory changed and wait for the next batched snapshot write. */
  private List<PortfolioState> unsnapshotted = new ArrayList<>();
  private long residentBytes;
  private long releasedAtEpoch;

  ResidentPortfolios(ShardMap shards, SnapshotStore snapshots, OwnerSettings settings, MeterRegistry registry,
      Tags tags) {
    this.shards = shards;
    this.snapshots = snapshots;
    this.passivateAfterNanos = TimeUnit.SECONDS.toNanos(settings.passivateAfterSeconds());
    // Each owner instance holds its share of the node's bounds, so that together they keep them.
    this.maxResident = Math.max(1, settings.maxResident() / settings.instances());
    this.maxBytes = Math.max(1, (settings.maxResidentMb() * 1024L * 1024L) / settings.instances());
    this.snapshotEvery = Math.max(1, settings.snapshotEvery());
    this.releasedAtEpoch = shards.epoch();
    this.released = Counter.builder("pstate.owner.released")
        .description("Portfolios an owner let go because their partition moved to another node")
        .register(registry);
    this.evicted = Counter.builder("pstate.owner.evicted")
        .description("Idle portfolios evicted, least recently used first, to keep an owner within its residency bounds")
        .register(registry);
    this.thinned = Counter.builder("pstate.snapshots.thinned")
        .description("Older snapshots deleted because newer ones and one per snapshotEvery versions remain")
        .register(registry);
    registry.gauge("pstate.owner.portfolios.loaded", tags, entities, Map::size);
    registry.gauge("pstate.owner.portfolios.bytes", tags, this, resident -> resident.residentBytes);
  }

  PortfolioEntity get(PortfolioId id) {
    return entities.get(id);
  }

  /** Holds a new (loading) entity, evicting idle ones beyond the bounds to make room for it. */
  void put(PortfolioEntity entity) {
    // Room is made first, so that the gauge, read from another thread, never sees one too many.
    evictBeyondBounds(entity, 1);
    entities.put(entity.id, entity);
  }

  /**
   * After a load: a portfolio that does not exist and that nothing waits for (no create queued
   * or in flight) is forgotten at once, so a scan of unknown ids leaves nothing behind; one that
   * exists is counted at its size.
   */
  void loaded(PortfolioEntity entity) {
    if (entity.state == null && entity.isIdle()) {
      forget(entity);
    } else {
      resized(entity);
    }
  }

  /** Counts an entity at its current size (after a load), evicting beyond the bounds. */
  void resized(PortfolioEntity entity) {
    if (entities.get(entity.id) == entity) {
      counted(entity, entity.estimateBytes());
    }
  }

  /**
   * Counts an entity at its size after a commit from {@code before} by {@code events}, estimated
   * from what the events changed ({@link PortfolioEntity#estimateBytes(PortfolioState, List)}),
   * evicting beyond the bounds.
   */
  void resized(PortfolioEntity entity, PortfolioState before, List<PortfolioEvent> events) {
    if (entities.get(entity.id) == entity) {
      counted(entity, entity.estimateBytes(before, events));
    }
  }

  private void counted(PortfolioEntity entity, long bytes) {
    residentBytes += bytes - entity.countedBytes;
    entity.countedBytes = bytes;
    evictBeyondBounds(entity, 0);
  }

  /** Forgets {@code entity} if it is still the one held for its id. */
  void forget(PortfolioEntity entity) {
    if (entities.get(entity.id) == entity) {
      remove(entity);
    }
  }

  private void remove(PortfolioEntity entity) {
    entities.remove(entity.id);
    residentBytes -= entity.countedBytes;
    entity.countedBytes = 0;
  }

  Collection<PortfolioEntity> all() {
    return entities.values();
  }

  /**
   * Evicts idle portfolios, least recently used first, until this instance is within its bounds.
   * Busy ones (loading, queued commands, a write in flight) and {@code keep} stay: they may hold
   * the instance over its bounds for as long as they are busy.
   *
   * @param room portfolios about to be added, for which room is made too
   */
  private void evictBeyondBounds(PortfolioEntity keep, int room) {
    if (entities.size() + room <= maxResident && residentBytes <= maxBytes) {
      return;
    }
    Iterator<PortfolioEntity> eldestFirst = entities.values().iterator();
    while ((entities.size() + room > maxResident || residentBytes > maxBytes) && eldestFirst.hasNext()) {
      PortfolioEntity entity = eldestFirst.next();
      if (entity != keep && entity.isIdle()) {
        eldestFirst.remove();
        residentBytes -= entity.countedBytes;
        entity.countedBytes = 0;
        evicted.increment();
        snapshotLater(entity);
      }
    }
    if (unsnapshotted.size() >= SNAPSHOT_CHUNK) {
      flushSnapshots();
    }
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
      // The new owner loads them now: their snapshots should be there first.
      flushSnapshots();
    }
    if (!busy) {
      releasedAtEpoch = epoch;
    }
  }

  /** Lets go of one portfolio this node no longer owns. */
  void release(PortfolioEntity entity) {
    remove(entity);
    released.increment();
    snapshotLater(entity);
  }

  /**
   * Drops portfolios unused for a while (and unknown ids at once), then writes the snapshots of
   * what changed, as batches.
   */
  void passivateIdle() {
    long cutoff = System.nanoTime() - passivateAfterNanos;
    List<PortfolioEntity> idle = new ArrayList<>();
    for (PortfolioEntity entity : entities.values()) {
      if (entity.isIdle() && (entity.state == null || entity.lastUsedNanos < cutoff)) {
        idle.add(entity);
      }
    }
    for (PortfolioEntity entity : idle) {
      remove(entity);
      snapshotLater(entity);
    }
    flushSnapshots();
  }

  private void snapshotLater(PortfolioEntity entity) {
    if (entity.state != null && entity.state.version() > entity.snapshotVersion) {
      unsnapshotted.add(entity.state);
    }
  }

  /**
   * Writes the snapshots of portfolios that left memory changed: a multi-row INSERT per chunk on
   * the read pool (a handful of statements per sweep, not one per portfolio, so reads are not
   * starved), each followed by thinning that chunk's older snapshots. A failure costs only a
   * longer replay at the next load.
   */
  void flushSnapshots() {
    if (unsnapshotted.isEmpty()) {
      return;
    }
    List<PortfolioState> states = unsnapshotted;
    unsnapshotted = new ArrayList<>();
    writeChunks(states, 0).onFailure(e -> LOG.warn("Snapshots of {} portfolios failed", states.size(), e));
  }

  /**
   * Snapshots every portfolio changed since its last snapshot, and those that left memory
   * changed, a chunk per statement, so that thousands of portfolios neither block the loop nor
   * cost a round trip each.
   */
  Future<Void> snapshotAll() {
    List<PortfolioState> changed = unsnapshotted;
    unsnapshotted = new ArrayList<>();
    for (PortfolioEntity entity : entities.values()) {
      if (entity.state != null && entity.state.version() > entity.snapshotVersion) {
        changed.add(entity.state);
      }
    }
    return writeChunks(changed, 0);
  }

  private Future<Void> writeChunks(List<PortfolioState> changed, int from) {
    if (from >= changed.size()) {
      return Future.succeededFuture();
    }
    int to = Math.min(changed.size(), from + SNAPSHOT_CHUNK);
    List<PortfolioState> chunk = changed.subList(from, to);
    List<String> ids = new ArrayList<>(chunk.size());
    chunk.forEach(state -> ids.add(state.id().value()));
    return snapshots.saveAll(chunk)
        .compose(v -> snapshots.thin(ids, snapshotEvery, KEEP_LATEST_SNAPSHOTS))
        .compose(deleted -> {
          thinned.increment(deleted);
          return writeChunks(changed, to);
        });
  }
}
