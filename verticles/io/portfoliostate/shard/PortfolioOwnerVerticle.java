package io.portfoliostate.shard;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.portfoliostate.config.Settings.OwnerSettings;
import io.portfoliostate.domain.AmendTrade;
import io.portfoliostate.domain.ApplyBatch;
import io.portfoliostate.domain.PortfolioState;
import io.portfoliostate.domain.timeline.TradeLedger;
import io.portfoliostate.domain.CancelTrade;
import io.portfoliostate.domain.CommandResult;
import io.portfoliostate.domain.PortfolioCommand;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.domain.ReferenceData;
import io.portfoliostate.domain.Rejection;
import io.portfoliostate.persistence.IdempotencyIndex;
import io.portfoliostate.persistence.JournalReader;
import io.portfoliostate.persistence.JournalWriterVerticle;
import io.portfoliostate.persistence.OwnerEpochs;
import io.portfoliostate.persistence.SnapshotStore;
import io.portfoliostate.protocol.Addresses;
import io.portfoliostate.protocol.CommandOutcome;
import io.portfoliostate.protocol.EventPage;
import io.portfoliostate.protocol.FailureCodes;
import io.portfoliostate.protocol.JournalAppend;
import io.portfoliostate.protocol.Origin;
import io.portfoliostate.protocol.OwnerRequest;
import io.portfoliostate.protocol.PortfolioChange;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns portfolios: holds their committed state, decides their commands and is the only writer
 * of their journals. One instance per event loop; a portfolio always lands on the same
 * instance, so its commands run on one thread, in order.
 *
 * <p>While a portfolio's journal write is in flight, its new commands queue; when the write
 * commits they are decided together against the new state and written as one append. Replies
 * go out only after COMMIT, and the state readers see is swapped in only then.
 */
public final class PortfolioOwnerVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(PortfolioOwnerVerticle.class);
  /** The most events one portfolio puts into one journal append. */
  private static final int MAX_ROWS_PER_APPEND = 1000;
  /** From this many items an {@link ApplyBatch} is decided on a worker (see decideOffTheLoop). */
  static final int OFF_LOOP_BATCH_ITEMS = 1_000;
  /** How often an owner looks whether partitions moved, to let go of what it no longer owns. */
  private static final long OWNERSHIP_CHECK_MS = 250;
  /**
   * Local only: the journal writer is this node's. Without it a clustered event bus asks
   * Hazelcast for the address's remote subscribers on every send, and, finding none, caches
   * nothing — a remote lookup per journal write.
   */
  private static final DeliveryOptions JOURNAL_DELIVERY = new DeliveryOptions().setSendTimeout(60_000)
      .setLocalOnly(true);
  /**
   * Committed states are handed to this node's cache writer only, for the same reason: a
   * clustered send to an address costs a Hazelcast lookup when nobody subscribed. Live
   * subscribers (the SockJS bridge, on any node) are reached through an interest registry
   * instead of a cluster-wide publish: each following node's hub registers with a {@link
   * OwnerRequest.Watch}, and a commit is sent to those nodes only (none: nothing is sent).
   */
  private static final DeliveryOptions LOCAL_ONLY = new DeliveryOptions().setLocalOnly(true);

  private final String nodeId;
  private final int instance;
  private final OwnerSettings settings;
  private final JournalReader reader;
  private final SnapshotStore snapshots;
  /**
   * Periodic snapshots waiting for the one being written. They are written one at a time: when
   * portfolios trade at the same pace (a program trading all of them, or a benchmark's round
   * robin) they reach {@code snapshotEvery} together, and one encode and INSERT each at once
   * made a burst of up to a few hundred milliseconds on this event loop and in PostgreSQL that
   * the live fan-out queued behind (issue 14's late copies at 19.4–20.2 s of every run). One at a
   * time, each encode runs when the previous write comes back, between other work. The snapshot
   * points do not move; a snapshot is only a shortcut for loading (the journal is the record), so
   * waiting in this queue costs nothing but the wait.
   */
  private final ArrayDeque<PortfolioState> snapshotsWaiting = new ArrayDeque<>();
  private boolean snapshotWriting;
  private final OwnerEpochs epochs;
  private final long leaseNanos;
  private final ReferenceData reference;
  private final java.util.function.Function<String, Origin> actionOrigins;
  private final MeterRegistry registry;
  private final Clock clock;
  private final ShardMap shards;
  private final boolean cacheStates;
  private ResidentPortfolios entities;
  private ChangeFanOut fanOut;
  /** Made in {@link #start}: it folds long journals on this verticle's Vert.x, known only once deployed. */
  private OwnerReads reads;
  private int queuedCommands;
  private MessageConsumer<OwnerRequest> consumer;
  private Timer commandLatency;
  private Timer queueWait;
  private Timer ledgerLoads;
  private long sweepTimer;
  private long ownershipTimer;
  private long leaseTimer;
  private boolean renewing;
  private Counter refusedNotOwner;
  private Counter fenced;
  private Counter alertsRaised;

  /** @param cacheStates hand every committed state to the node's Redis cache writer */
  public PortfolioOwnerVerticle(String nodeId, int instance, OwnerSettings settings, ShardMap shards,
      JournalReader reader, SnapshotStore snapshots, OwnerEpochs epochs, ReferenceData reference,
      MeterRegistry registry, Clock clock, boolean cacheStates) {
    this.nodeId = nodeId;
    this.instance = instance;
    this.settings = settings;
    this.reader = reader;
    this.snapshots = snapshots;
    this.epochs = epochs;
    this.leaseNanos = TimeUnit.MILLISECONDS.toNanos(settings.readLeaseMs());
    this.reference = reference;
    // The node's market view knows the actions and who posted them; a bare reference (tests) does not.
    this.actionOrigins = reference instanceof Origin.OfActions ? ((Origin.OfActions) reference)::actionOrigin
        : actionId -> null;
    this.registry = registry;
    this.clock = clock;
    this.shards = shards;
    this.cacheStates = cacheStates;
  }

  @Override
  public Future<?> start() {
    reads = new OwnerReads(vertx, reader);
    Tags tags = Tags.of("instance", Integer.toString(instance));
    commandLatency = Timer.builder("pstate.command.latency")
        .description("From an owner receiving a command request to its reply (after COMMIT)")
        .publishPercentiles(0.5, 0.99, 0.999).register(registry);
    queueWait = Timer.builder("pstate.owner.queue.wait")
        .description("Time a command waits in its portfolio's queue (load, or the write before it) until decided")
        .publishPercentiles(0.5, 0.99, 0.999).register(registry);
    ledgerLoads = Timer.builder("pstate.owner.ledger.load")
        .description("Reading a portfolio's trades from the journal, the first time a cancel, an amendment or a "
            + "back-dated trade needs them")
        .publishPercentiles(0.5, 0.99).register(registry);
    registry.gauge("pstate.owner.queue.commands", tags, this, owner -> owner.queuedCommands);
    entities = new ResidentPortfolios(shards, snapshots, settings, registry, tags);
    fanOut = new ChangeFanOut(nodeId, vertx.eventBus(), context);
    long sweepSeconds = Math.max(1, Math.min(10, settings.passivateAfterSeconds()));
    sweepTimer = vertx.setPeriodic(TimeUnit.SECONDS.toMillis(sweepSeconds), id -> entities.passivateIdle());
    refusedNotOwner = Counter.builder("pstate.owner.refused.not_owner")
        .description("Requests an owner refused because it does not own the portfolio (the gateway retries)")
        .register(registry);
    fenced = Counter.builder("pstate.owner.fenced")
        .description("Journal writes refused because another owner had written the portfolio (a stale owner)")
        .register(registry);
    alertsRaised = Counter.builder("pstate.alerts.raised")
        .description("Alerts raised by committed events (negative cash, a new short), journaled with them")
        .register(registry);
    ownershipTimer = vertx.setPeriodic(OWNERSHIP_CHECK_MS, id -> entities.releaseMoved());
    // Renewed well before they run out, so that a portfolio read steadily never waits for a query.
    leaseTimer = vertx.setPeriodic(Math.max(10, settings.readLeaseMs() / 4), id -> renewLeases());
    consumer = vertx.eventBus().consumer(Addresses.owner(nodeId, instance), this::onRequest);
    return consumer.completion();
  }

  /** Drains: stops taking requests, lets queued commands commit, snapshots what changed. */
  @Override
  public Future<?> stop() {
    vertx.cancelTimer(sweepTimer);
    vertx.cancelTimer(ownershipTimer);
    vertx.cancelTimer(leaseTimer);
    return consumer.unregister().compose(v -> idle()).compose(v -> snapshotsWritten())
        .compose(v -> entities.snapshotAll());
  }

  /** Completes once no periodic snapshot waits or is being written. */
  private Future<Void> snapshotsWritten() {
    if (snapshotWriting || !snapshotsWaiting.isEmpty()) {
      return vertx.timer(5, TimeUnit.MILLISECONDS).compose(id -> snapshotsWritten());
    }
    return Future.succeededFuture();
  }

  /** Writes {@code state}'s snapshot after those waiting (see {@link #snapshotsWaiting}). */
  private void saveSnapshot(PortfolioState state) {
    snapshotsWaiting.add(state);
    if (!snapshotWriting) {
      writeNextSnapshot();
    }
  }

  private void writeNextSnapshot() {
    PortfolioState state = snapshotsWaiting.poll();
    snapshotWriting = state != null;
    if (state != null) {
      snapshots.save(state).onComplete(written -> {
        if (written.failed()) {
          LOG.warn("Snapshot of {} at {} failed", state.id(), state.version(), written.cause());
        }
        writeNextSnapshot();
      });
    }
  }

  private Future<Void> idle() {
    for (PortfolioEntity entity : entities.all()) {
      if (!entity.isIdle()) {
        return vertx.timer(5, TimeUnit.MILLISECONDS).compose(id -> idle());
      }
    }
    return Future.succeededFuture();
  }

  private void onRequest(Message<OwnerRequest> message) {
    OwnerRequest request = message.body();
    if (!shards.isLocal(request.portfolioId())) {
      // The partition moved (or the sender's table is older than ours): the gateway retries.
      refusedNotOwner.increment();
      message.fail(FailureCodes.NOT_OWNER, "not the owner of " + request.portfolioId());
      PortfolioEntity entity = entities.get(request.portfolioId());
      if (entity != null && entity.isIdle()) {
        entities.release(entity);
      }
      return;
    }
    if (request instanceof OwnerRequest.Execute) {
      execute(message, (OwnerRequest.Execute) request);
    } else if (request instanceof OwnerRequest.Read) {
      OwnerRequest.Read read = (OwnerRequest.Read) request;
      readable(read.portfolioId()).onComplete(entity -> {
        if (entity.failed()) {
          failRead(message, entity.cause());
        } else if (entity.result() == null) {
          message.fail(FailureCodes.NOT_FOUND, "portfolio " + read.portfolioId() + " does not exist");
        } else {
          reads.read(message, entity.result(), read);
        }
      });
    } else if (request instanceof OwnerRequest.ReadEvents) {
      OwnerRequest.ReadEvents page = (OwnerRequest.ReadEvents) request;
      readable(page.portfolioId()).onComplete(entity -> {
        if (entity.failed()) {
          failRead(message, entity.cause());
        } else if (entity.result() == null) {
          message.fail(FailureCodes.NOT_FOUND, "portfolio " + page.portfolioId() + " does not exist");
        } else {
          reads.readEvents(message, entity.result(), page);
        }
      });
    } else if (request instanceof OwnerRequest.Watch) {
      watch(message, (OwnerRequest.Watch) request);
    } else {
      message.fail(FailureCodes.BAD_REQUEST, "unknown request " + request.getClass().getSimpleName());
    }
  }

  /**
   * Records (or renews) a node's interest in a portfolio and answers its current state. Both on
   * this thread, between commits: every change committed after the answered version is sent to
   * the node, so its hub misses nothing unless the portfolio moves to another owner (the hub
   * notices a gap by version and reads it from the journal).
   */
  private void watch(Message<OwnerRequest> message, OwnerRequest.Watch watch) {
    readable(watch.portfolioId()).onComplete(found -> {
      if (found.failed()) {
        failRead(message, found.cause());
      } else if (found.result() == null) {
        message.fail(FailureCodes.NOT_FOUND, "portfolio " + watch.portfolioId() + " does not exist");
      } else if (!shards.isLocal(watch.portfolioId())) {
        refusedNotOwner.increment();
        message.fail(FailureCodes.NOT_OWNER, "not the owner of " + watch.portfolioId());
      } else {
        PortfolioEntity entity = found.result();
        if (entity.watchers == null) {
          entity.watchers = new java.util.HashMap<>(4);
        }
        entity.watchers.put(watch.nodeId(), System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(watch.leaseMs()));
        // A renewal wants the version only: the state, with every open lot, is not sent every second.
        message.reply(watch.stateWanted() ? entity.state : (Object) entity.state.version());
      }
    });
  }

  /** Sends a committed change to every node that follows the portfolio; forgets lapsed ones. */
  private void sendToWatchers(PortfolioEntity entity, PortfolioChange change) {
    fanOut.send(entity.watchers, change);
    if (entity.watchers.isEmpty()) {
      entity.watchers = null;
    }
  }

  private void execute(Message<OwnerRequest> message, OwnerRequest.Execute request) {
    int size = request.commands().size();
    if (queuedCommands + size > settings.maxQueuedCommands()) {
      message.fail(FailureCodes.OVERLOADED, "owner queue full");
      return;
    }
    PendingReply reply = new PendingReply(message, size);
    PortfolioEntity entity = entity(request.portfolioId());
    for (int slot = 0; slot < size; slot++) {
      entity.queue.add(new PendingCommand(reply, slot, request.commands().get(slot)));
    }
    queuedCommands += size;
    drain(entity);
  }

  /**
   * The entity a read answers from, or null when the portfolio does not exist. A portfolio not in
   * memory is first looked up in the journal (one index lookup): an unknown id is then answered
   * without a claim, a load or an entry left behind, so a scan of unknown ids neither fills
   * memory nor writes an ownership row per id. Answering "not found" from the journal is as strong
   * as an owner's answer: every version acknowledged before the lookup started is in it.
   */
  private Future<PortfolioEntity> readable(PortfolioId id) {
    if (entities.get(id) != null) {
      return current(read(entity(id)));
    }
    return reader.exists(id).compose(exists -> exists ? current(read(entity(id))) : Future.succeededFuture(null));
  }

  private static PortfolioEntity read(PortfolioEntity entity) {
    entity.lastReadNanos = System.nanoTime();
    return entity;
  }

  private PortfolioEntity entity(PortfolioId id) {
    PortfolioEntity entity = entities.get(id);
    if (entity == null) {
      PortfolioEntity loading = new PortfolioEntity(id);
      entities.put(loading);
      // The claim comes first: once it committed, the previous owner can commit nothing more,
      // so the load below sees every version that was ever acknowledged.
      long claimSent = System.nanoTime();
      epochs.claim(id, settings.readLeaseMs()).compose(claim -> {
        loading.epoch = claim.epoch();
        loading.leaseUntilNanos = claimSent + leaseNanos;
        loading.writableAtNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(claim.previousLeaseMs());
        return reader.load(id);
      }).onComplete(loaded -> {
        if (loaded.succeeded()) {
          loading.state = loaded.result().state();
          loading.index = loaded.result().index();
          loading.snapshotVersion = loaded.result().snapshotVersion();
          loading.loaded.complete();
          if (loading.state != null && !loading.state.targets().isEmpty()) {
            vertx.eventBus().send(Addresses.DRIFT_STATES, loading.state, LOCAL_ONLY);
          }
          drain(loading);
          entities.loaded(loading);
        } else {
          LOG.error("Could not load portfolio {}", id, loaded.cause());
          drop(loading, FailureCodes.UNAVAILABLE, "portfolio could not be loaded");
          loading.loaded.fail(loaded.cause());
        }
      });
      entity = loading;
    }
    entity.lastUsedNanos = System.nanoTime();
    return entity;
  }

  /** Decides everything queued for a portfolio, unless its previous batch is still being written. */
  private void drain(PortfolioEntity entity) {
    if (!entity.isReady() || entity.writing || entity.queue.isEmpty()) {
      return;
    }
    if (!shards.isLocal(entity.id)) {
      // The partition moved while these commands waited: deciding them here would write as a
      // stale owner. The gateway retries them at the new owner.
      refusedNotOwner.increment(entity.queue.size());
      drop(entity, FailureCodes.NOT_OWNER, "not the owner of " + entity.id);
      return;
    }
    long leaseLeft = entity.writableAtNanos - System.nanoTime();
    if (leaseLeft > 0) {
      // The previous owner may still answer reads from memory until its lease runs out; a write
      // acknowledged before then could be followed by a stale read there.
      if (!entity.waitingForLease) {
        entity.waitingForLease = true;
        vertx.setTimer(Math.max(1, TimeUnit.NANOSECONDS.toMillis(leaseLeft) + 1), id -> {
          entity.waitingForLease = false;
          drain(entity);
        });
      }
      return;
    }
    while (entity.isReady() && !entity.writing && !entity.loadingLedger && !entity.queue.isEmpty()) {
      if (entity.queue.peek().envelope.command() instanceof ApplyBatch large
          && large.items().size() >= OFF_LOOP_BATCH_ITEMS) {
        decideOffTheLoop(entity);
        return;
      }
      int before = entity.queue.size();
      long decidedNanos = System.nanoTime();
      CommandBatch batch = CommandBatch.decide(entity.state, entity.ledger, entity.index, entity.queue,
          MAX_ROWS_PER_APPEND, clock.instant(), reference, actionOrigins);
      batch.snapshotWhenLarge(settings.snapshotEvery());
      batch.forEachCommand(pending -> queueWait.record(decidedNanos - pending.queuedNanos, TimeUnit.NANOSECONDS));
      queuedCommands -= before - entity.queue.size();
      if (!submit(entity, batch)) {
        return;
      }
    }
  }

  /**
   * A large {@link ApplyBatch} (an imported file: up to 100,000 items) is decided on a worker:
   * deciding and encoding it takes seconds, which on the event loop would stall every other
   * portfolio of this owner. Meanwhile the portfolio counts as writing, so nothing else of it is
   * decided, its committed state, index and trades stay as they are (they change only on this
   * loop, after a commit), and reads go on from the committed state.
   */
  private void decideOffTheLoop(PortfolioEntity entity) {
    PendingCommand head = entity.queue.poll();
    queuedCommands--;
    entity.writing = true;
    PortfolioState state = entity.state;
    TradeLedger ledger = entity.ledger;
    IdempotencyIndex index = entity.index;
    Instant now = clock.instant();
    long decidedNanos = System.nanoTime();
    vertx.executeBlocking(() -> {
      CommandBatch decided = CommandBatch.decide(state, ledger, index, new ArrayDeque<>(List.of(head)),
          MAX_ROWS_PER_APPEND, now, reference, actionOrigins);
      // Encoding the state of a large file's portfolio takes a while too: here, not on the loop.
      decided.snapshotWhenLarge(settings.snapshotEvery());
      return decided;
    }, false).onComplete(decided -> {
          entity.writing = false;
          if (decided.failed()) {
            LOG.error("Deciding a batch of {} failed", entity.id, decided.cause());
            head.reply.fail(FailureCodes.INTERNAL, "an internal error occurred; nothing was recorded");
            drain(entity);
            return;
          }
          CommandBatch batch = decided.result();
          if (batch.ledgerNeeded) {
            entity.queue.addFirst(head);
            queuedCommands++;
            loadLedger(entity);
            return;
          }
          queueWait.record(decidedNanos - head.queuedNanos, TimeUnit.NANOSECONDS);
          if (submit(entity, batch)) {
            drain(entity);
          }
        });
  }

  /**
   * Delivers a decided batch's outcomes, at once when it wrote nothing, else after its append
   * is committed; returns whether the caller may decide on (false: a write or a ledger load is
   * under way, which drains the queue when done).
   */
  private boolean submit(PortfolioEntity entity, CommandBatch batch) {
    batch.earlierReplays.forEach(replay -> replayEarlier(entity, replay));
    if (!batch.hasEvents()) {
      batch.deliverWithoutWrite();
      recordLatency(batch);
      if (batch.ledgerNeeded) {
        loadLedger(entity);
        return false;
      }
      return true;
    }
    JournalAppend append;
    try {
      append = batch.append(entity.epoch);
    } catch (RuntimeException bug) {
      // Nothing was written and the state is unchanged: fail the batch's requests, go on.
      LOG.error("Building the journal append of {} failed", entity.id, bug);
      failBatch(batch, FailureCodes.INTERNAL, "an internal error occurred; nothing was recorded");
      return true;
    }
    entity.writing = true;
    vertx.eventBus().request(Addresses.JOURNAL_APPEND, append, JOURNAL_DELIVERY)
        .onComplete(written -> {
          entity.writing = false;
          if (written.succeeded()) {
            committed(entity, batch);
            drain(entity);
          } else if (JournalWriterVerticle.failedWith(written.cause(), FailureCodes.DUPLICATE_COMMAND)) {
            lookUpOldIdsAndDecideAgain(entity, batch);
          } else if (JournalWriterVerticle.failedWith(written.cause(), FailureCodes.PARENT_CYCLE)
              && batch.parentChange != null) {
            refuseParentChangeAndDecideAgain(entity, batch);
          } else if (JournalWriterVerticle.failedWith(written.cause(), FailureCodes.NOT_OWNER)) {
            LOG.warn("Portfolio {} was written by another owner; dropping it", entity.id);
            fenced.increment();
            failBatch(batch, FailureCodes.NOT_OWNER, "not the owner of " + entity.id);
            drop(entity, FailureCodes.NOT_OWNER, "not the owner of " + entity.id);
          } else {
            // The outcome is unknown (the COMMIT may have happened): reload before deciding again.
            failBatch(batch, FailureCodes.UNAVAILABLE, "journal unavailable; retry with the same ids");
            drop(entity, FailureCodes.UNAVAILABLE, "journal unavailable; retry with the same ids");
          }
        });
    return false;
  }

  /**
   * The journal refused the append because one of its command ids was recorded before the
   * window of ids kept in memory. Nothing was written and the state is intact: look the ids up,
   * then decide the same commands again, in the same order; the old ones are now replays.
   */
  private void lookUpOldIdsAndDecideAgain(PortfolioEntity entity, CommandBatch batch) {
    entity.writing = true;
    reader.lookUp(entity.id, batch.newIdempotencyKeys(), entity.index).onComplete(found -> {
      entity.writing = false;
      if (found.failed()) {
        LOG.error("Could not look up command ids of {}", entity.id, found.cause());
        failBatch(batch, FailureCodes.UNAVAILABLE, "journal unavailable; retry with the same ids");
        drop(entity, FailureCodes.UNAVAILABLE, "journal unavailable; retry with the same ids");
      } else if (found.result() > 0) {
        queuedCommands += batch.requeue(entity.queue);
        drain(entity);
      } else {
        // No id of the batch is in the journal: another owner wrote it meanwhile.
        failBatch(batch, FailureCodes.NOT_OWNER, "not the owner of " + entity.id);
        drop(entity, FailureCodes.NOT_OWNER, "not the owner of " + entity.id);
      }
    });
  }

  /**
   * The journal refused the append because its parent change would close a cycle (another
   * parent change committed first). Nothing was written and the state is intact: refuse that
   * change and decide the batch's commands again, in the same order.
   */
  private void refuseParentChangeAndDecideAgain(PortfolioEntity entity, CommandBatch batch) {
    batch.parentChange.refusal = Rejection.of(Rejection.Reason.PARENT_CYCLE,
        "would make the portfolio its own ancestor");
    queuedCommands += batch.requeue(entity.queue);
    drain(entity);
  }

  private void committed(PortfolioEntity entity, CommandBatch batch) {
    entity.state = batch.after;
    entity.ledger = batch.ledger;
    if (entity.index == null) {
      entity.index = new IdempotencyIndex(settings.idempotencyWindow());
    }
    batch.committed(entity.index);
    entities.resized(entity, batch.before, batch.events);
    recordLatency(batch);
    if (batch.alertsRaised > 0) {
      alertsRaised.increment(batch.alertsRaised);
    }
    if (entity.watchers != null) {
      // With the text the journal got: the hubs neither evolve nor encode the events again.
      sendToWatchers(entity, PortfolioChange.committed(batch.after,
          batch.before == null ? 0 : batch.before.version(), batch.events, batch.rows));
    }
    if (cacheStates) {
      vertx.eventBus().send(Addresses.CACHE_PUT, batch.after, LOCAL_ONLY);
    }
    if (!batch.after.targets().isEmpty() || batch.before != null && !batch.before.targets().isEmpty()) {
      // Drift is against targets: a portfolio without any has nothing to drift from.
      vertx.eventBus().send(Addresses.DRIFT_STATES, batch.after, LOCAL_ONLY);
    }
    if (batch.snapshot != null) {
      // Committed with the events (a large batch): nothing more to write.
      entity.snapshotVersion = batch.snapshot.version();
    } else if (batch.after.version() - entity.snapshotVersion >= settings.snapshotEvery()) {
      entity.snapshotVersion = batch.after.version();
      saveSnapshot(batch.after);
    }
  }

  /**
   * Reads the portfolio's trades from the journal (up to the committed version: nothing is being
   * written meanwhile, deciding waits), then decides on. A failed read fails the waiting commands:
   * their senders retry as for any unavailable journal.
   */
  private void loadLedger(PortfolioEntity entity) {
    entity.loadingLedger = true;
    long version = entity.version();
    long started = System.nanoTime();
    reader.ledger(entity.id, version).onComplete(loaded -> {
      entity.loadingLedger = false;
      if (loaded.succeeded() && entity.version() == version && entities.get(entity.id) == entity) {
        entity.ledger = loaded.result();
        ledgerLoads.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        drain(entity);
      } else if (entities.get(entity.id) == entity) {
        LOG.warn("Could not read the trades of {}", entity.id, loaded.cause());
        drop(entity, FailureCodes.UNAVAILABLE, "journal unavailable");
      }
    });
  }

  /** The original result of a command recorded in an earlier batch, rebuilt from the journal. */
  private void replayEarlier(PortfolioEntity entity, CommandBatch.EarlierReplay replay) {
    PendingCommand pending = replay.command();
    PortfolioCommand command = pending.envelope.command();
    if (command instanceof CancelTrade || command instanceof AmendTrade) {
      // Their result names the trade's position, which only their event tells.
      Future.all(reader.stateAt(entity.id, replay.version()), reader.events(entity.id, replay.version() - 1, 1))
          .onComplete(read -> {
            if (read.succeeded()) {
              JournalReader.Replayed state = read.result().resultAt(0);
              List<EventPage.Entry> events = read.result().resultAt(1);
              pending.reply.complete(pending.slot, new CommandOutcome.Recorded(CommandResult.of(command,
                  state.state(), events.stream().map(EventPage.Entry::event).toList()), true));
            } else {
              pending.reply.fail(FailureCodes.UNAVAILABLE, "journal unavailable");
            }
          });
      return;
    }
    if (entity.state != null && entity.state.version() == replay.version()) {
      pending.reply.complete(pending.slot, new CommandOutcome.Recorded(
          CommandResult.of(pending.envelope.command(), entity.state), true));
      return;
    }
    reader.stateAt(entity.id, replay.version()).onComplete(replayed -> {
      if (replayed.succeeded()) {
        pending.reply.complete(pending.slot, new CommandOutcome.Recorded(
            CommandResult.of(pending.envelope.command(), replayed.result().state()), true));
      } else {
        pending.reply.fail(FailureCodes.UNAVAILABLE, "journal unavailable");
      }
    });
  }

  /**
   * The entity to answer a strong read from: {@code entity} while its read lease runs (no query),
   * else after confirming that this owner still holds its epoch. When another owner claimed it
   * since, the stale copy is forgotten and the portfolio claimed and loaded afresh.
   */
  private Future<PortfolioEntity> current(PortfolioEntity entity) {
    return entity.whenLoaded().transform(loaded -> {
      if (loaded.failed() || System.nanoTime() < entity.leaseUntilNanos) {
        return Future.succeededFuture(entity);
      }
      long sent = System.nanoTime();
      return epochs.renew(List.of(entity.id.value()), List.of(entity.epoch), settings.readLeaseMs())
          .compose(confirmed -> {
            if (confirmed.contains(entity.id.value())) {
              entity.leaseUntilNanos = Math.max(entity.leaseUntilNanos, sent + leaseNanos);
              return Future.succeededFuture(entity);
            }
            fenced.increment();
            if (!entity.isIdle() || entities.get(entity.id) != entity) {
              // A write in flight will be fenced by the journal; the gateway retries the read.
              return Future.failedFuture(new NotCurrent());
            }
            LOG.info("Portfolio {} was claimed by another owner; loading it again", entity.id);
            entities.forget(entity);
            PortfolioEntity fresh = entity(entity.id);
            return fresh.whenLoaded().transform(v -> Future.succeededFuture(fresh));
          });
    });
  }

  /** Renews, in one statement, the read leases of the portfolios read lately. */
  private void renewLeases() {
    if (renewing) {
      return;
    }
    long sent = System.nanoTime();
    List<PortfolioEntity> renewed = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    List<Long> held = new ArrayList<>();
    for (PortfolioEntity entity : entities.all()) {
      // Read lately and past half its lease: each is renewed about once per half lease.
      if (entity.isReady() && sent - entity.lastReadNanos < leaseNanos
          && entity.leaseUntilNanos - sent < leaseNanos / 2) {
        renewed.add(entity);
        ids.add(entity.id.value());
        held.add(entity.epoch);
      }
    }
    if (renewed.isEmpty()) {
      return;
    }
    renewing = true;
    epochs.renew(ids, held, settings.readLeaseMs()).onComplete(confirmed -> {
      renewing = false;
      if (confirmed.failed()) {
        LOG.warn("Could not renew read leases; strong reads will confirm their portfolio first", confirmed.cause());
        return;
      }
      for (PortfolioEntity entity : renewed) {
        if (confirmed.result().contains(entity.id.value())) {
          entity.leaseUntilNanos = Math.max(entity.leaseUntilNanos, sent + leaseNanos);
        } else {
          // Claimed by another owner: the next read confirms, finds out and loads afresh.
          entity.leaseUntilNanos = 0;
        }
      }
    });
  }

  /** Another owner holds the portfolio now and this one is still busy with it. */
  private static final class NotCurrent extends RuntimeException {
    NotCurrent() {
      super("another owner claimed the portfolio", null, false, false);
    }
  }

  private void failRead(Message<OwnerRequest> message, Throwable failure) {
    if (failure instanceof NotCurrent) {
      refusedNotOwner.increment();
      message.fail(FailureCodes.NOT_OWNER, "not the owner of " + message.body().portfolioId());
    } else {
      LOG.warn("Could not confirm the read lease of {}", message.body().portfolioId(), failure);
      message.fail(FailureCodes.UNAVAILABLE, "portfolio state could not be confirmed; retry shortly");
    }
  }

  private void failBatch(CommandBatch batch, int code, String reason) {
    batch.replies().forEach(reply -> reply.fail(code, reason));
  }

  /** Forgets a portfolio; what was queued for it fails and is retried against a fresh load. */
  private void drop(PortfolioEntity entity, int code, String reason) {
    entities.forget(entity);
    queuedCommands -= entity.queue.size();
    entity.queue.forEach(pending -> pending.reply.fail(code, reason));
    entity.queue.clear();
  }

  private void recordLatency(CommandBatch batch) {
    long now = System.nanoTime();
    for (PendingReply reply : batch.replies()) {
      commandLatency.record(now - reply.receivedNanos(), TimeUnit.NANOSECONDS);
    }
  }
}
