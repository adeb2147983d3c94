package io.portfoliostate.actions;

import io.portfoliostate.config.Settings.CorporateActionSettings;
import io.portfoliostate.domain.ApplyCorporateAction;
import io.portfoliostate.domain.CorporateAction;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.domain.PortfolioState;
import io.portfoliostate.domain.Position;
import io.portfoliostate.market.MarketView;
import io.portfoliostate.protocol.CommandJson;
import io.portfoliostate.persistence.CorporateActionStore;
import io.portfoliostate.persistence.CorporateActionStore.PortfolioStatus;
import io.portfoliostate.persistence.CorporateActionStore.Progress;
import io.portfoliostate.persistence.CorporateActionStore.Status;
import io.portfoliostate.persistence.CorporateActionStore.StoredAction;
import io.portfoliostate.protocol.Addresses;
import io.portfoliostate.protocol.CommandEnvelope;
import io.portfoliostate.protocol.CommandOutcome;
import io.portfoliostate.protocol.CommandOutcomes;
import io.portfoliostate.protocol.Origin;
import io.portfoliostate.protocol.OwnerRequest;
import io.portfoliostate.shard.OwnerClient;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives corporate actions to every holder: sends {@code ApplyCorporateAction} to each holder's
 * owner, a bounded number at a time, and records each outcome. One instance per node.
 *
 * <p>Which node drives an action is decided by a lease in the database (the action's row): the
 * node that received the action starts at once (or at its effective time), and every node
 * sweeps the unfinished actions periodically, so that an action whose node died (its lease ran
 * out), whose time came while no node was up, or whose holders were unavailable, is taken up
 * again. Correctness does not rest on the lease: the owner recognizes {@code ca:<actionId>}, so
 * an action sent twice to a portfolio applies once; the lease only saves the work twice.
 *
 * <p>Late holders (a portfolio whose trade executed before the action arrives after the fan-out
 * read the holders): every node's owners know every action (the node's market view, loaded at
 * start, told of each action stored through a cluster-wide publication and refreshed at every
 * sweep), and an owner applies an effective action the portfolio has not dealt with when such a
 * trade arrives. The sweep then finds these applications in the journal and adds them to the
 * action's progress. DONE means the fan-out to the holders it read is finished; late holders
 * still join the progress afterwards.
 */
public final class CorporateActionVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(CorporateActionVerticle.class);
  /** Late holders recorded per sweep at most. */
  private static final int LATE_BATCH = 500;

  private final String nodeId;
  private final CorporateActionStore store;
  private final OwnerClient owners;
  private final Clock clock;
  private final CorporateActionSettings settings;
  private final MarketView known;
  /** Actions changed since then are read again at the next sweep (a publication may be lost). */
  private Instant actionsSince;
  /** Late holders recorded in the journal since then are looked for at the next sweep. */
  private Instant lateSince = Instant.EPOCH;
  private final Set<String> driving = new HashSet<>();
  private final Map<String, Long> timers = new HashMap<>();
  private MessageConsumer<String> consumer;
  private long sweepTimer;
  private boolean stopping;

  /**
   * @param known the node's view, which its owners decide with: every action stored is made known
   *     there
   */
  public CorporateActionVerticle(String nodeId, CorporateActionStore store, OwnerClient owners, Clock clock,
      CorporateActionSettings settings, MarketView known) {
    this.known = known;
    this.nodeId = nodeId;
    this.store = store;
    this.owners = owners;
    this.clock = clock;
    this.settings = settings;
  }

  @Override
  public Future<?> start() {
    actionsSince = clock.instant().minus(overlap());
    consumer = vertx.eventBus().localConsumer(Addresses.CORPORATE_ACTIONS,
        message -> store.action(message.body()).onSuccess(stored -> {
          if (stored != null) {
            // Known here before the fan-out starts; elsewhere as soon as the publication arrives.
            known.addActionOrigins(List.of(stored.origin()));
            known.addActions(List.of(stored.action()));
            vertx.eventBus().publish(Addresses.CORPORATE_ACTION_UPDATES,
                CommandJson.action(stored.action()).put("origin", stored.origin().toJson()));
          }
          schedule(stored);
        }));
    sweepTimer = vertx.setPeriodic(1, settings.sweepMs(), id -> sweep());
    return consumer.completion();
  }

  /** Lets every fan-out in progress end (each records what it did and lets go of its lease). */
  @Override
  public Future<?> stop() {
    stopping = true;
    vertx.cancelTimer(sweepTimer);
    timers.values().forEach(vertx::cancelTimer);
    return consumer.unregister().compose(v -> idle(System.nanoTime() + TimeUnit.SECONDS.toNanos(20)));
  }

  private Future<Void> idle(long deadline) {
    if (driving.isEmpty() || System.nanoTime() > deadline) {
      return Future.succeededFuture();
    }
    return vertx.timer(10, TimeUnit.MILLISECONDS).compose(id -> idle(deadline));
  }

  private void sweep() {
    store.unfinished().onSuccess(actions -> actions.forEach(this::schedule))
        .onFailure(e -> LOG.warn("Could not look for unfinished corporate actions", e));
    Instant started = clock.instant();
    store.changedSince(actionsSince).onSuccess(actions -> {
      known.addActionOrigins(actions.stream().map(StoredAction::origin).toList());
      known.addActions(actions.stream().map(StoredAction::action).toList());
      actionsSince = started.minus(overlap());
    }).onFailure(e -> LOG.warn("Could not read the corporate actions changed lately", e));
    store.lateApplications(lateSince, LATE_BATCH)
        .compose(late -> Future.all(late.stream().map(store::recordLate).toList()).map(all -> late.size()))
        .onSuccess(found -> {
          // A full batch leaves more to find: the same window is read again at the next sweep.
          if (found < LATE_BATCH) {
            lateSince = started.minus(overlap());
          }
        })
        .onFailure(e -> LOG.warn("Could not look for late holders of corporate actions", e));
  }

  /**
   * How far back each sweep reads again what it read before: rows are stamped with their node's
   * clock before COMMIT, so a row may appear later than its time says (clock skew, a slow commit).
   */
  private Duration overlap() {
    return Duration.ofMillis(Math.max(60_000, 3L * settings.sweepMs()));
  }

  /** Drives the action now when it is effective, else at its time (once per node). */
  private void schedule(StoredAction stored) {
    if (stored == null || stopping || stored.status() == Status.DONE) {
      return;
    }
    CorporateAction action = stored.action();
    long wait = Duration.between(clock.instant(), action.effectiveAt()).toMillis();
    if (wait <= 0) {
      drive(action, stored.origin());
    } else if (!timers.containsKey(action.actionId())) {
      timers.put(action.actionId(), vertx.setTimer(wait, id -> {
        timers.remove(action.actionId());
        drive(action, stored.origin());
      }));
    }
  }

  /** Fans {@code action} out, its events journaled with {@code origin} (the poster's). */
  private void drive(CorporateAction action, Origin origin) {
    String id = action.actionId();
    if (stopping || !driving.add(id)) {
      return;
    }
    store.claim(id, nodeId, settings.leaseSeconds())
        .compose(claimed -> claimed ? fanOut(action, origin) : Future.succeededFuture())
        .onComplete(done -> {
          driving.remove(id);
          if (done.failed()) {
            LOG.warn("Corporate action {} stopped; it will be resumed", id, done.cause());
          }
        });
  }

  /** Sends the action to every holder not dealt with yet, then records the action DONE or not. */
  private Future<Void> fanOut(CorporateAction action, Origin origin) {
    String id = action.actionId();
    long renewal = vertx.setPeriodic(TimeUnit.SECONDS.toMillis(settings.leaseSeconds()) / 3,
        t -> store.claim(id, nodeId, settings.leaseSeconds()));
    return Future.all(store.holders(action.instrumentId()), store.progress(id)).compose(both -> {
      List<PortfolioId> holders = both.resultAt(0);
      List<Progress> progress = both.resultAt(1);
      Set<PortfolioId> settled = new HashSet<>();
      progress.stream().filter(p -> !p.retrying()).forEach(p -> settled.add(p.portfolioId()));
      List<PortfolioId> todo = new ArrayList<>();
      holders.stream().filter(p -> !settled.contains(p)).forEach(todo::add);
      Iterator<PortfolioId> next = todo.iterator();
      AtomicInteger unsettled = new AtomicInteger();
      List<Future<Void>> workers = new ArrayList<>();
      for (int i = 0; i < Math.min(settings.maxInFlight(), todo.size()); i++) {
        workers.add(work(next, action, origin, unsettled));
      }
      return Future.all(workers).compose(all -> {
        // Stopped half-way: whatever was not sent yet is sent by whoever resumes the action.
        boolean done = unsettled.get() == 0 && !next.hasNext();
        return store.release(id, nodeId, done ? Status.DONE : Status.APPLYING);
      });
    }).onComplete(v -> vertx.cancelTimer(renewal));
  }

  private Future<Void> work(Iterator<PortfolioId> next, CorporateAction action, Origin origin,
      AtomicInteger unsettled) {
    if (stopping || !next.hasNext()) {
      return Future.succeededFuture();
    }
    PortfolioId portfolio = next.next();
    return apply(portfolio, action, origin)
        .compose(progress -> {
          if (progress.retrying()) {
            unsettled.incrementAndGet();
          }
          return store.record(action.actionId(), progress);
        })
        .recover(failure -> {
          unsettled.incrementAndGet();
          LOG.warn("Could not record corporate action {} for {}", action.actionId(), portfolio, failure);
          return Future.succeededFuture();
        })
        .compose(v -> work(next, action, origin, unsettled));
  }

  private Future<Progress> apply(PortfolioId portfolio, CorporateAction action, Origin origin) {
    OwnerRequest request = new OwnerRequest.Execute(portfolio,
        List.of(CommandEnvelope.of(new ApplyCorporateAction(portfolio, action)).withOrigin(origin)));
    return owners.<CommandOutcomes>request(request).map(outcomes -> {
      CommandOutcome outcome = outcomes.outcomes().get(0);
      if (outcome instanceof CommandOutcome.Refused) {
        return new Progress(portfolio, PortfolioStatus.FAILED, null,
            ((CommandOutcome.Refused) outcome).rejection().detail(), false, clock.instant());
      }
      PortfolioState after = ((CommandOutcome.Recorded) outcome).result().portfolio();
      boolean held = holds(after, action);
      return new Progress(portfolio, held ? PortfolioStatus.APPLIED : PortfolioStatus.SKIPPED, after.version(),
          held ? null : "no open position in " + action.instrumentId(), false, clock.instant());
    }).otherwise(failure -> new Progress(portfolio, PortfolioStatus.FAILED, null,
        failure.getMessage() + "; retried later", true, clock.instant()));
  }

  private static boolean holds(PortfolioState state, CorporateAction action) {
    for (Position position : state.positions().values()) {
      if (position.key().instrumentId().equals(action.instrumentId()) && !position.isFlat()) {
        return true;
      }
    }
    return false;
  }
}
