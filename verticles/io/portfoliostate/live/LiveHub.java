package io.portfoliostate.live;

import io.portfoliostate.config.Settings.LiveSettings;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.domain.PortfolioState;
import io.portfoliostate.domain.PositionKey;
import io.portfoliostate.domain.valuation.Price;
import io.portfoliostate.domain.valuation.PortfolioValuation;
import io.portfoliostate.domain.valuation.Valuation;
import io.portfoliostate.gateway.LiveMessages;
import io.portfoliostate.market.MarketSnapshot;
import io.portfoliostate.market.MarketView;
import io.portfoliostate.persistence.JournalReader;
import io.portfoliostate.protocol.Addresses;
import io.portfoliostate.protocol.ChangeBatch;
import io.portfoliostate.protocol.MarketUpdate;
import io.portfoliostate.protocol.OwnerRequest;
import io.portfoliostate.protocol.PortfolioChange;
import io.portfoliostate.shard.OwnerClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's live hub: one subscription per followed portfolio for the whole node, fanned out to
 * the node's bridge sockets. Interest is registered with the portfolio's owner (an {@link
 * OwnerRequest.Watch}, renewed every {@code renewMs}); the owner sends each commit to the
 * following nodes only, so a commit nobody follows costs the owner one null check and no
 * cluster lookup, and 1,000 sockets on one portfolio cost one message per commit per node.
 *
 * <p>The hub keeps each followed portfolio's state at the last version it delivered and checks
 * every change against it: a duplicate is dropped, a gap (a change lost while the portfolio
 * moved, or sent before this node's interest reached a new owner) is read from the journal
 * first. A change's body, a valuation, a price is encoded once and written to every socket as
 * is. Everything here runs on the hub's own context; sockets are written on theirs.
 */
public final class LiveHub extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(LiveHub.class);
  private static final long SLOW_CHECK_MS = 250;

  /** What a registration follows. */
  enum Kind {
    UPDATES, VALUATION, ALERTS
  }

  /** One socket's registration on a followed portfolio. */
  private static final class Sub {
    final Set<Kind> kinds = new HashSet<>(4);
    /** Live frames held while a resume replays from the journal: versions and frames. */
    List<Held> held;
  }

  private record Held(long version, Buffer frame) {
  }

  /**
   * Where a change without alerts goes, worked out once for the registrations as they are: the
   * sockets registered for its updates, by event loop, and the registrations holding their live
   * frames for a resume. At 2,000 commits a second the registrations rarely change between two
   * commits, and grouping every socket again for every change was work per copy, not per change.
   * Its lists are never changed once made (the socket loops read them): a change of registration
   * drops it ({@link Followed#registrationsChanged}), and the next change makes a new one.
   */
  private record Recipients(Map<Thread, List<LiveSocket>> updatesByLoop, List<Sub> holding) {
  }

  /** A portfolio followed by this node. */
  private final class Followed {
    final PortfolioId id;
    final String updatesAddress;
    final String valuationAddress;
    final String alertsAddress;
    final Map<LiveSocket, Sub> subs = new LinkedHashMap<>();
    /** The state at the last version delivered; null until the owner answered the first Watch. */
    PortfolioState state;
    /** Changes that arrived before the first answer, or while a gap is read from the journal. */
    final List<PortfolioChange> pending = new ArrayList<>();
    boolean filling;
    /** Subscriptions waiting for the first answer: socket, kind, fromVersion (or null). */
    final List<Object[]> waiting = new ArrayList<>();
    long lastValuationNanos;
    boolean valuationScheduled;
    Buffer latestValuation;
    boolean valuationStale = true;
    /** Where a change without alerts goes; null until needed again after a change of registration. */
    Recipients recipients;

    Followed(PortfolioId id) {
      this.id = id;
      this.updatesAddress = Addresses.updates(id);
      this.valuationAddress = Addresses.valuation(id);
      this.alertsAddress = Addresses.alerts(id);
    }

    void registrationsChanged() {
      recipients = null;
    }

    Recipients recipients() {
      if (recipients == null) {
        Map<Thread, List<LiveSocket>> byLoop = new HashMap<>(4);
        List<Sub> holding = new ArrayList<>(0);
        for (Map.Entry<LiveSocket, Sub> entry : subs.entrySet()) {
          Sub sub = entry.getValue();
          if (!sub.kinds.contains(Kind.UPDATES)) {
            continue;
          }
          if (sub.held != null) {
            holding.add(sub);
          } else {
            byLoop.computeIfAbsent(entry.getKey().loop, loop -> new ArrayList<>()).add(entry.getKey());
          }
        }
        recipients = new Recipients(byLoop, holding);
      }
      return recipients;
    }

    boolean has(Kind kind) {
      for (Sub sub : subs.values()) {
        if (sub.kinds.contains(kind)) {
          return true;
        }
      }
      return false;
    }
  }

  private final String nodeId;
  private final LiveSettings settings;
  private final OwnerClient owners;
  private final JournalReader reader;
  private final MarketView market;
  private final LiveMetrics metrics;
  private final LiveStages stages;
  /** The hand-offs not run yet: whether the fan-out is behind, for work that can wait. */
  private final FanOutBacklog backlog;
  /** While a live change is handled: when the hub got it, and when it was committed (or got). */
  private long receivedNanos;
  private long originNanos;
  /** While a live change is handled: the owner's COMMIT time, when known on this machine; else 0. */
  private long committedNanos;
  private final Map<PortfolioId, Followed> followed = new HashMap<>();
  private final Map<String, Set<LiveSocket>> prices = new HashMap<>();
  /** Every address each socket holds, to forget it whole when it closes. */
  private final Map<LiveSocket, Set<String>> sockets = new HashMap<>();
  private Context hub;
  /** This node's owners' changes ({@link PortfolioChange}) and other nodes' ({@link ChangeBatch}). */
  private MessageConsumer<Object> changes;
  private MessageConsumer<MarketUpdate> ticks;
  private MessageConsumer<JsonObject> drift;
  private long renewTimer;
  private long slowTimer;

  public LiveHub(String nodeId, LiveSettings settings, OwnerClient owners, JournalReader reader, MarketView market,
      MeterRegistry registry) {
    this(nodeId, settings, owners, reader, market, registry, new FanOutBacklog(settings.behindMs()));
  }

  /** @param backlog where the hub counts its hand-offs, for the node's work that waits while it is behind */
  public LiveHub(String nodeId, LiveSettings settings, OwnerClient owners, JournalReader reader, MarketView market,
      MeterRegistry registry, FanOutBacklog backlog) {
    this.backlog = backlog;
    this.nodeId = nodeId;
    this.settings = settings;
    this.owners = owners;
    this.reader = reader;
    this.market = market;
    this.metrics = new LiveMetrics(registry);
    this.stages = new LiveStages(registry);
  }

  @Override
  public Future<?> start() {
    hub = context;
    changes = vertx.eventBus().consumer(Addresses.live(nodeId), message -> {
      if (message.body() instanceof ChangeBatch batch) {
        onBatch(batch);
      } else {
        String committed = message.headers().get(PortfolioChange.COMMITTED_NANOS);
        onChange((PortfolioChange) message.body(), committed == null ? 0 : Long.parseLong(committed));
      }
    });
    ticks = vertx.eventBus().localConsumer(Addresses.LIVE_MARKET, message -> onMarket(message.body()));
    drift = vertx.eventBus().consumer(Addresses.LIVE_ALERTS, message -> onDriftAlert(message.body()));
    renewTimer = vertx.setPeriodic(settings.renewMs(), id -> renew());
    slowTimer = vertx.setPeriodic(SLOW_CHECK_MS, id -> checkSlow());
    return Future.all(changes.completion(), ticks.completion(), drift.completion());
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(renewTimer);
    vertx.cancelTimer(slowTimer);
    for (LiveSocket socket : sockets.keySet()) {
      socket.context.runOnContext(v -> socket.close(LiveSocket.SHUTTING_DOWN, "node shutting down"));
    }
    return Future.all(changes.unregister(), ticks.unregister(), drift.unregister());
  }

  LiveMetrics metrics() {
    return metrics;
  }

  /** How many portfolios this node follows now (tests, metrics). */
  public int followedCount() {
    return metrics.followed.get();
  }

  // ---------------------------------------------------------------------------------------------
  // Registrations (called from the sockets' contexts)

  /** The socket registered for a portfolio address; the bridge already checked the caller may read it. */
  void subscribe(LiveSocket socket, String address, Kind kind, PortfolioId id, Long fromVersion) {
    hub.runOnContext(v -> {
      sockets.computeIfAbsent(socket, s -> new HashSet<>()).add(address);
      metrics.subscribers.incrementAndGet();
      Followed f = followed.get(id);
      if (f == null) {
        f = new Followed(id);
        followed.put(id, f);
        metrics.followed.set(followed.size());
        follow(f);
      }
      if (f.state == null) {
        f.waiting.add(new Object[] {socket, kind, fromVersion});
      } else {
        start(f, socket, kind, fromVersion);
      }
    });
  }

  /** The socket registered for an instrument's prices. */
  void subscribePrices(LiveSocket socket, String address, String instrumentId) {
    hub.runOnContext(v -> {
      sockets.computeIfAbsent(socket, s -> new HashSet<>()).add(address);
      metrics.subscribers.incrementAndGet();
      prices.computeIfAbsent(instrumentId, i -> new HashSet<>()).add(socket);
    });
  }

  void unsubscribe(LiveSocket socket, String address) {
    hub.runOnContext(v -> {
      Set<String> held = sockets.get(socket);
      if (held != null && held.remove(address)) {
        forget(socket, address);
      }
    });
  }

  void closed(LiveSocket socket) {
    hub.runOnContext(v -> {
      Set<String> held = sockets.remove(socket);
      if (held != null) {
        held.forEach(address -> forget(socket, address));
      }
    });
  }

  private void forget(LiveSocket socket, String address) {
    metrics.subscribers.decrementAndGet();
    Target target = Target.of(address);
    if (target == null) {
      return;
    }
    if (target.instrumentId() != null) {
      Set<LiveSocket> subs = prices.get(target.instrumentId());
      if (subs != null && subs.remove(socket) && subs.isEmpty()) {
        prices.remove(target.instrumentId());
      }
      return;
    }
    Followed f = followed.get(target.portfolio());
    if (f == null) {
      return;
    }
    Sub sub = f.subs.get(socket);
    if (sub != null) {
      f.registrationsChanged();
      sub.kinds.remove(target.kind());
      if (sub.kinds.isEmpty()) {
        f.subs.remove(socket);
      }
    }
    f.waiting.removeIf(w -> w[0] == socket && w[1] == target.kind());
    if (f.subs.isEmpty() && f.waiting.isEmpty()) {
      // The owner's lease on this node's interest runs out by itself; changes until then are ignored.
      followed.remove(f.id);
      metrics.followed.set(followed.size());
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Following a portfolio

  private Future<PortfolioState> watch(PortfolioId id) {
    return owners.request(new OwnerRequest.Watch(id, nodeId, settings.interestLeaseMs()));
  }

  private void follow(Followed f) {
    watch(f.id).onComplete(answer -> {
      if (followed.get(f.id) != f) {
        return;
      }
      if (answer.failed()) {
        boolean missing = answer.cause().getMessage() != null && answer.cause().getMessage().contains("does not exist");
        for (Object[] w : f.waiting) {
          LiveSocket socket = (LiveSocket) w[0];
          String address = address(f, (Kind) w[1]);
          socket.context.runOnContext(v -> socket.error(address, missing ? "not_found" : "unavailable",
              missing ? "no portfolio " + f.id : "the portfolio could not be followed now; register again"));
        }
        f.waiting.clear();
        if (f.subs.isEmpty()) {
          followed.remove(f.id);
          metrics.followed.set(followed.size());
        }
        return;
      }
      f.state = answer.result();
      List<Object[]> waiting = new ArrayList<>(f.waiting);
      f.waiting.clear();
      for (Object[] w : waiting) {
        start(f, (LiveSocket) w[0], (Kind) w[1], (Long) w[2]);
      }
      List<PortfolioChange> early = new ArrayList<>(f.pending);
      f.pending.clear();
      early.forEach(change -> apply(f, change));
    });
  }

  /**
   * Renews every interest, asking the owner for its version only (the state, with every open lot,
   * would cross the cluster every second). An answer newer than what was delivered means a change
   * was missed, or is still on its way: the owner's reply goes straight back to this node, while
   * the change it sent before may wait for the cluster's lookup of this hub's address, and was
   * seen to arrive more than 250 ms after the reply on a loaded machine. So the hub reads the
   * versions from the journal only if it is still behind one renewal period later; a change that
   * arrives meanwhile is delivered as it came (with all the events of its commit).
   */
  private void renew() {
    for (Followed f : new ArrayList<>(followed.values())) {
      if (f.state == null) {
        continue;
      }
      owners.<Object>request(new OwnerRequest.Watch(f.id, nodeId, settings.interestLeaseMs(), false))
          .onSuccess(answer -> {
            long version = versionOf(answer);
            if (behind(f, version)) {
              vertx.setTimer(settings.renewMs(), t -> {
                if (behind(f, version)) {
                  fill(f, version, answer instanceof PortfolioState state ? state : null);
                }
              });
            }
          });
    }
  }

  /** The version a renewal answered: a number, or a state from an owner of the version before. */
  private static long versionOf(Object answer) {
    return answer instanceof PortfolioState state ? state.version() : ((Number) answer).longValue();
  }

  private boolean behind(Followed f, long ownersVersion) {
    return followed.get(f.id) == f && !f.filling && ownersVersion > f.state.version();
  }

  private void start(Followed f, LiveSocket socket, Kind kind, Long fromVersion) {
    Sub sub = f.subs.computeIfAbsent(socket, s -> new Sub());
    sub.kinds.add(kind);
    f.registrationsChanged();
    PortfolioState state = f.state;
    if (kind == Kind.VALUATION) {
      Buffer frame = valuationFrame(f);
      socket.context.runOnContext(v -> socket.offerValuation(f.valuationAddress, frame));
    } else if (kind == Kind.UPDATES) {
      if (fromVersion == null) {
        Buffer frame = LiveSocket.frame(f.updatesAddress, LiveMessages.snapshot(state));
        socket.context.runOnContext(v -> socket.deliver(frame));
      } else if (fromVersion == state.version()) {
        // Up to date: live changes follow.
      } else if (fromVersion > state.version() || state.version() - fromVersion > settings.maxResumeVersions()) {
        String reason = fromVersion > state.version()
            ? "version " + fromVersion + " is ahead of the portfolio's " + state.version()
            : (state.version() - fromVersion) + " versions behind (at most " + settings.maxResumeVersions()
                + " are replayed)";
        Buffer frame = LiveSocket.frame(f.updatesAddress, LiveMessages.resync(state, reason));
        socket.context.runOnContext(v -> socket.deliver(frame));
      } else {
        resume(f, socket, sub, fromVersion, state.version());
      }
    }
  }

  /** Replays versions after {@code fromVersion} from the journal to one socket, then what arrived meanwhile. */
  private void resume(Followed f, LiveSocket socket, Sub sub, long fromVersion, long through) {
    sub.held = new ArrayList<>();
    f.registrationsChanged();
    replay(f.id, null, fromVersion, (int) (through - fromVersion)).onComplete(replayed -> {
      List<Held> held = sub.held;
      sub.held = null;
      f.registrationsChanged();
      if (f.subs.get(socket) != sub) {
        return;
      }
      List<Buffer> frames = new ArrayList<>();
      long last;
      if (replayed.failed() || replayed.result().last() == null
          || replayed.result().last().version() < through) {
        if (replayed.failed()) {
          LOG.warn("Could not replay {} after {} for a resume", f.id, fromVersion, replayed.cause());
        }
        // Not brought up to date change by change: the current state then, and what follows.
        frames.add(LiveSocket.frame(f.updatesAddress, LiveMessages.resync(f.state, "the missed changes "
            + "could not be read")));
        last = f.state.version();
      } else {
        replayed.result().changes().forEach(change -> frames.add(LiveSocket.frame(f.updatesAddress, change.body())));
        last = replayed.result().last().version();
      }
      for (Held h : held) {
        if (h.version() > last) {
          frames.add(h.frame());
        }
      }
      socket.context.runOnContext(v -> frames.forEach(socket::deliver));
    });
  }

  /** The changes after {@code fromVersion} read from the journal, one per event, and the state they reach. */
  private Future<LiveMessages.Replayed> replay(PortfolioId id, PortfolioState from, long fromVersion, int limit) {
    Future<PortfolioState> start = from != null || fromVersion == 0 ? Future.succeededFuture(from)
        : reader.stateAt(id, fromVersion).map(JournalReader.Replayed::state);
    return start.compose(state -> reader.events(id, fromVersion, limit)
        .map(entries -> LiveMessages.replayed(state, entries)));
  }

  // ---------------------------------------------------------------------------------------------
  // Changes

  /**
   * Another node's owner's changes of one turn of its event loop, in its commit order. When both
   * nodes read one clock (one machine: {@link ChangeBatch#sameClock}), their times count as this
   * node's own do: the trip between the nodes is timed ({@code crossing}), and {@code queued}
   * and {@code delivered} run from the owner's COMMIT as for a local change; otherwise from this
   * hub's receipt.
   */
  private void onBatch(ChangeBatch batch) {
    boolean sameClock = batch.sameClock();
    if (sameClock) {
      LiveStages.record(stages.crossing, batch.sentNanos(), System.nanoTime());
    }
    for (int i = 0; i < batch.changes().size(); i++) {
      onChange(batch.changes().get(i), sameClock ? batch.committedNanos()[i] : 0);
    }
  }

  private void onChange(PortfolioChange change, long committedNanos) {
    long received = System.nanoTime();
    LiveStages.record(stages.queued, committedNanos, received);
    if (committedNanos != 0) {
      backlog.reachedHub(received - committedNanos, received);
    }
    Followed f = followed.get(change.portfolioId());
    if (f == null) {
      return; // no longer followed here; the owner forgets this node when its lease runs out
    }
    if (f.state == null || f.filling) {
      f.pending.add(change);
      return;
    }
    receivedNanos = received;
    originNanos = committedNanos != 0 ? committedNanos : received;
    this.committedNanos = committedNanos;
    try {
      apply(f, change);
    } finally {
      receivedNanos = 0;
      originNanos = 0;
      this.committedNanos = 0;
    }
  }

  /**
   * Delivers one change that follows the last delivered version. A change from this node's owner
   * carries its state; one from another node carries only its events, which evolve the hub's own
   * copy ({@link PortfolioChange#stateAfter}, the owner's code). A copy that does not evolve to
   * the owner's facts is not the owner's: the subscribers are resynchronised from the owner.
   */
  private void apply(Followed f, PortfolioChange change) {
    long version = change.version();
    if (version <= f.state.version()) {
      return; // already delivered (read from the journal after a gap)
    }
    if (change.fromVersion() != f.state.version()) {
      f.pending.add(change);
      fill(f, version, change.state());
      return;
    }
    PortfolioState after;
    try {
      after = change.stateAfter(f.state);
    } catch (RuntimeException diverged) {
      LOG.warn("Portfolio {}: the change to version {} does not apply to this node's copy; resync from the owner",
          f.id, version, diverged);
      metrics.diverged.increment();
      resyncFromOwner(f, "this node's copy of the portfolio was read again");
      return;
    }
    LiveMessages.Change body = change.recorded().isEmpty()
        ? LiveMessages.change(f.state, change.fromVersion(), change.events(), after)
        : LiveMessages.change(f.state, change.fromVersion(), change.events(), change.recorded(), after);
    f.state = after;
    publish(f, version, body.body(), body.alerts());
  }

  /**
   * Delivers one change (and its alerts) to the portfolio's subscribers, and revalues. One task
   * per socket event loop carries the frame to all its sockets; while a live change is handled,
   * the tasks time their stages ({@link LiveStages}).
   */
  private void publish(Followed f, long version, String body, List<JsonObject> alerts) {
    Buffer frame = settings.commitStamps() && committedNanos != 0
        ? LiveSocket.frame(f.updatesAddress, "{\"committedNanos\":\"" + committedNanos + "\"}", body)
        : LiveSocket.frame(f.updatesAddress, body);
    if (alerts.isEmpty()) {
      Recipients recipients = f.recipients();
      for (Sub sub : recipients.holding()) {
        sub.held.add(new Held(version, frame));
      }
      handOff(recipients.updatesByLoop(), frame);
      f.valuationStale = true;
      scheduleValuation(f);
      return;
    }
    List<Buffer> alertFrames = new ArrayList<>(alerts.size());
    alerts.forEach(alert -> alertFrames.add(LiveSocket.frame(f.alertsAddress, alert)));
    Map<Thread, List<LiveSocket>> updates = new HashMap<>(4);
    PerLoop perLoop = perLoop();
    for (Map.Entry<LiveSocket, Sub> entry : f.subs.entrySet()) {
      LiveSocket socket = entry.getKey();
      Sub sub = entry.getValue();
      boolean withAlerts = !alertFrames.isEmpty() && sub.kinds.contains(Kind.ALERTS);
      if (sub.kinds.contains(Kind.UPDATES)) {
        if (sub.held != null) {
          sub.held.add(new Held(version, frame));
        } else if (!withAlerts) {
          updates.computeIfAbsent(socket.loop, c -> new ArrayList<>()).add(socket);
          continue;
        } else {
          perLoop.add(socket, () -> socket.deliver(frame));
        }
      }
      if (withAlerts) {
        perLoop.add(socket, () -> alertFrames.forEach(socket::deliver));
      }
    }
    handOff(updates, frame);
    perLoop.run();
    f.valuationStale = true;
    scheduleValuation(f);
  }

  /** Hands each event loop the change frame for its sockets, timed from the change's origin. */
  private void handOff(Map<Thread, List<LiveSocket>> updatesByLoop, Buffer frame) {
    long origin = originNanos;
    long handed = System.nanoTime();
    updatesByLoop.forEach((loop, sockets) -> backlog.handOff(loop, sockets.get(0).context,
        () -> writeTimed(sockets, frame, origin, handed)));
    LiveStages.record(stages.hub, receivedNanos, handed);
  }

  /** On a socket's event loop: writes one change frame to its sockets, timing the stages. */
  private void writeTimed(List<LiveSocket> sockets, Buffer frame, long origin, long handed) {
    long started = System.nanoTime();
    Future<Void> last = null;
    int sent = 0;
    for (LiveSocket socket : sockets) {
      Future<Void> written = socket.deliver(frame, false);
      if (written != null) {
        last = written;
        sent++;
      }
    }
    if (sent > 0) {
      metrics.sent.increment(sent);
    }
    if (origin == 0) {
      return; // read from the journal, not a live change: not timed
    }
    long wrote = System.nanoTime();
    LiveStages.record(stages.handoff, handed, started);
    LiveStages.record(stages.write, started, wrote);
    if (last != null) {
      last.onComplete(done -> {
        long flushed = System.nanoTime();
        LiveStages.record(stages.flushed, wrote, flushed);
        LiveStages.record(stages.delivered, origin, flushed);
      });
    }
  }

  /**
   * A change was missed: reads the versions after the last delivered one, through {@code
   * through}, from the journal and delivers them, then what waited. If they cannot be read (or are
   * too many), the subscribers get a resync with {@code newer}, the newest state known, or, when
   * the change that showed the gap came from another node without its state, with the owner's.
   */
  private void fill(Followed f, long through, PortfolioState newer) {
    f.filling = true;
    long after = f.state.version();
    int missing = (int) Math.min(Integer.MAX_VALUE, through - after);
    Future<LiveMessages.Replayed> read = missing > settings.maxResumeVersions()
        ? Future.failedFuture("too far behind") : replay(f.id, f.state, after, missing);
    read.onComplete(replayed -> {
      f.filling = false;
      if (followed.get(f.id) != f) {
        return;
      }
      if (replayed.succeeded() && replayed.result().last() != null && replayed.result().last().version() > after) {
        for (LiveMessages.Change change : replayed.result().changes()) {
          publish(f, change.version(), change.body(), change.alerts());
        }
        f.state = replayed.result().last();
      } else if (newer != null && newer.version() > after) {
        LOG.info("Portfolio {}: versions after {} could not be replayed; resync at {}", f.id, after,
            newer.version());
        resync(f, newer, "changes were missed");
      } else if (through > after) {
        LOG.info("Portfolio {}: versions after {} could not be replayed; resync from the owner", f.id, after);
        resyncFromOwner(f, "changes were missed");
        return;
      }
      applyPending(f);
    });
  }

  /**
   * Reads the owner's state and sends it to every subscriber as a resync; the changes that wait
   * meanwhile follow it. If the owner cannot answer now, this is tried again after {@code renewMs}.
   */
  private void resyncFromOwner(Followed f, String reason) {
    f.filling = true;
    watch(f.id).onComplete(answer -> {
      f.filling = false;
      if (followed.get(f.id) != f) {
        return;
      }
      if (answer.failed() || answer.result() == null) {
        f.filling = true;
        vertx.setTimer(settings.renewMs(), t -> {
          if (followed.get(f.id) == f) {
            resyncFromOwner(f, reason);
          }
        });
        return;
      }
      resync(f, answer.result(), reason);
      applyPending(f);
    });
  }

  /** Replaces what the subscribers have with {@code state}. */
  private void resync(Followed f, PortfolioState state, String reason) {
    f.state = state;
    Buffer frame = LiveSocket.frame(f.updatesAddress, LiveMessages.resync(state, reason));
    PerLoop perLoop = perLoop();
    f.subs.forEach((socket, sub) -> {
      if (sub.kinds.contains(Kind.UPDATES)) {
        perLoop.add(socket, () -> socket.deliver(frame));
      }
    });
    perLoop.run();
    f.valuationStale = true;
    scheduleValuation(f);
  }

  /** The changes that waited for a fill or a resync, in the order they came. */
  private void applyPending(Followed f) {
    List<PortfolioChange> waiting = new ArrayList<>(f.pending);
    f.pending.clear();
    for (PortfolioChange change : waiting) {
      if (f.filling) {
        f.pending.add(change);
      } else {
        apply(f, change);
      }
    }
  }

  /** A drift alert stored by some node's monitor: to this node's sockets on the portfolio's alerts. */
  private void onDriftAlert(JsonObject alert) {
    Followed f = followed.get(PortfolioId.of(alert.getString("portfolioId")));
    if (f == null) {
      return;
    }
    Buffer frame = LiveSocket.frame(f.alertsAddress, LiveMessages.alert(alert));
    PerLoop perLoop = perLoop();
    f.subs.forEach((socket, sub) -> {
      if (sub.kinds.contains(Kind.ALERTS)) {
        perLoop.add(socket, () -> socket.deliver(frame));
      }
    });
    perLoop.run();
  }

  // ---------------------------------------------------------------------------------------------
  // Valuations and prices

  private void onMarket(MarketUpdate update) {
    for (Price price : update.prices()) {
      Set<LiveSocket> subs = prices.get(price.instrumentId().value());
      if (subs != null && !subs.isEmpty()) {
        Buffer frame = LiveSocket.frame(Addresses.prices(price.instrumentId().value()), LiveMessages.price(price));
        PerLoop perLoop = perLoop();
        subs.forEach(socket -> perLoop.add(socket, () -> socket.deliver(frame)));
        perLoop.run();
      }
    }
    boolean rates = !update.rates().isEmpty();
    Set<String> priced = new HashSet<>();
    update.prices().forEach(price -> priced.add(price.instrumentId().value()));
    for (Followed f : followed.values()) {
      if (f.state != null && (rates || holdsAny(f.state, priced))) {
        f.valuationStale = true;
        scheduleValuation(f);
      }
    }
  }

  private static boolean holdsAny(PortfolioState state, Set<String> instruments) {
    for (PositionKey key : state.positions().keySet()) {
      if (instruments.contains(key.instrumentId().value())) {
        return true;
      }
    }
    return false;
  }

  /** At most {@code valuationsPerSecond} per portfolio: now if the last was long enough ago, else once, later. */
  private void scheduleValuation(Followed f) {
    if (f.valuationScheduled || !f.has(Kind.VALUATION)) {
      return;
    }
    long interval = TimeUnit.SECONDS.toNanos(1) / settings.valuationsPerSecond();
    long wait = f.lastValuationNanos + interval - System.nanoTime();
    if (wait <= 0) {
      pushValuation(f);
      return;
    }
    f.valuationScheduled = true;
    vertx.setTimer(Math.max(1, TimeUnit.NANOSECONDS.toMillis(wait)), id -> {
      f.valuationScheduled = false;
      if (followed.get(f.id) == f) {
        pushValuation(f);
      }
    });
  }

  /** Values the portfolio once and offers the result to every valuation subscriber. */
  private void pushValuation(Followed f) {
    f.lastValuationNanos = System.nanoTime();
    Buffer frame = valuationFrame(f);
    PerLoop perLoop = perLoop();
    f.subs.forEach((socket, sub) -> {
      if (sub.kinds.contains(Kind.VALUATION)) {
        perLoop.add(socket, () -> socket.offerValuation(f.valuationAddress, frame));
      }
    });
    perLoop.run();
  }

  private Buffer valuationFrame(Followed f) {
    if (f.valuationStale || f.latestValuation == null) {
      MarketSnapshot snapshot = market.snapshot();
      Instant latest = snapshot.latestAt();
      Instant asOf = latest == null || latest.isBefore(f.state.updatedAt()) ? f.state.updatedAt() : latest;
      PortfolioValuation valuation = Valuation.value(f.state, snapshot.market(), snapshot, asOf);
      f.latestValuation = LiveSocket.frame(f.valuationAddress, LiveMessages.valuation(f.state, valuation));
      f.valuationStale = false;
    }
    return f.latestValuation;
  }

  // ---------------------------------------------------------------------------------------------

  private void checkSlow() {
    long now = System.nanoTime();
    long timeoutNanos = TimeUnit.MILLISECONDS.toNanos(settings.slowClientTimeoutMs());
    PerLoop perLoop = perLoop();
    for (LiveSocket socket : sockets.keySet()) {
      perLoop.add(socket, () -> socket.checkSlow(now, timeoutNanos, settings.slowClientTimeoutMs()));
    }
    perLoop.run();
  }

  /**
   * Tasks for sockets, grouped by the event loop the sockets are on: one hand-off per event loop,
   * run on the context of its first socket. Each socket has a context of its own (a duplicate of
   * its connection's, made for its request), so grouping by context made one hand-off per socket;
   * the sockets of one event loop are all written from its thread, whichever of their contexts
   * runs the task.
   */
  private PerLoop perLoop() {
    return new PerLoop(backlog);
  }

  private static final class PerLoop {
    private final FanOutBacklog backlog;
    private final Map<Thread, Context> contexts = new HashMap<>(4);
    private final Map<Thread, List<Runnable>> tasks = new HashMap<>(4);

    PerLoop(FanOutBacklog backlog) {
      this.backlog = backlog;
    }

    void add(LiveSocket socket, Runnable task) {
      contexts.putIfAbsent(socket.loop, socket.context);
      tasks.computeIfAbsent(socket.loop, t -> new ArrayList<>()).add(task);
    }

    /** Hands each event loop its tasks, counted in the backlog (on the hub's thread). */
    void run() {
      tasks.forEach((loop, list) -> backlog.handOff(loop, contexts.get(loop), () -> list.forEach(Runnable::run)));
    }
  }

  private static String address(Followed f, Kind kind) {
    return switch (kind) {
      case UPDATES -> f.updatesAddress;
      case VALUATION -> f.valuationAddress;
      case ALERTS -> f.alertsAddress;
    };
  }
}
