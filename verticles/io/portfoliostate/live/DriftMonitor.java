package io.portfoliostate.live;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.portfoliostate.config.Settings.LiveSettings;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.domain.PortfolioState;
import io.portfoliostate.domain.PositionKey;
import io.portfoliostate.domain.valuation.DriftRules;
import io.portfoliostate.domain.valuation.PortfolioValuation;
import io.portfoliostate.domain.valuation.TargetWeights;
import io.portfoliostate.domain.valuation.Valuation;
import io.portfoliostate.domain.valuation.WeightLine;
import io.portfoliostate.market.MarketSnapshot;
import io.portfoliostate.market.MarketView;
import io.portfoliostate.persistence.DriftAlertStore;
import io.portfoliostate.protocol.Addresses;
import io.portfoliostate.protocol.MarketUpdate;
import io.portfoliostate.protocol.OwnerRequest;
import io.portfoliostate.shard.OwnerClient;
import io.portfoliostate.shard.ShardMap;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Raises drift alerts ({@code DRIFT_BREACHED}, {@code DRIFT_RECOVERED}) for the portfolios with
 * targets that this node's owners hold: on each commit they hand over, and on each price or FX
 * tick of something such a portfolio holds, at most {@code valuationsPerSecond} times a second
 * per portfolio. Transitions follow {@link DriftRules} (hysteresis); each alert is stored in
 * {@code drift_alerts} before it is delivered, and only the node whose INSERT made the row
 * delivers it, so it is raised once even while a portfolio moves between nodes. Delivered to
 * every node's live hub ({@link Addresses#LIVE_ALERTS}), which hands it to the sockets
 * registered on {@code portfolio.alerts.<id>}.
 *
 * <p>A portfolio is watched from the moment its owner loads it. So that a portfolio with targets
 * that nothing has loaded since a restart or a move is watched too, the monitor looks up every
 * {@code driftScanMs} which portfolios have targets ({@link DriftAlertStore#portfoliosWithTargets})
 * and reads the ones this node owns and does not watch yet, a few at a time, through their owner.
 */
public final class DriftMonitor extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(DriftMonitor.class);
  static final String BREACHED = "DRIFT_BREACHED";
  static final String RECOVERED = "DRIFT_RECOVERED";

  /** A portfolio watched for drift, with the last alert of each of its lines. */
  private static final class Watched {
    PortfolioState state;
    Map<String, DriftAlertStore.Last> last;
    boolean busy;
    boolean dirty;
    long lastNanos;
    boolean scheduled;
  }

  private final LiveSettings settings;
  private final DriftAlertStore store;
  private final MarketView market;
  private final ShardMap shards;
  private final OwnerClient owners;
  private final Clock clock;
  private final Map<PortfolioId, Watched> watched = new HashMap<>();
  private final Counter raised;
  private MessageConsumer<PortfolioState> states;
  private MessageConsumer<MarketUpdate> ticks;
  private long scanTimer = -1;
  /** Portfolios a scan read that have no targets now (they were cleared): not read again by scans. */
  private final Set<PortfolioId> cleared = new HashSet<>();

  /** Portfolios the owners are asked to read at once by a scan: a restart must not stampede them. */
  private static final int SCAN_READS_IN_FLIGHT = 8;
  /** The first scan waits for the node's shards to settle a little. */
  private static final long FIRST_SCAN_MS = 1_000;

  public DriftMonitor(LiveSettings settings, DriftAlertStore store, MarketView market, ShardMap shards,
      OwnerClient owners, Clock clock, MeterRegistry registry) {
    this.settings = settings;
    this.store = store;
    this.market = market;
    this.shards = shards;
    this.owners = owners;
    this.clock = clock;
    this.raised = Counter.builder("pstate.alerts.drift")
        .description("Drift alerts raised (breaches and recoveries), stored once cluster-wide").register(registry);
  }

  @Override
  public Future<?> start() {
    states = vertx.eventBus().localConsumer(Addresses.DRIFT_STATES, message -> onState(message.body()));
    ticks = vertx.eventBus().localConsumer(Addresses.LIVE_MARKET, message -> onMarket(message.body()));
    scanTimer = vertx.setTimer(Math.min(FIRST_SCAN_MS, settings.driftScanMs()), id -> scan());
    return Future.all(states.completion(), ticks.completion());
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(scanTimer);
    return Future.succeededFuture();
  }

  /** Watches the portfolios with targets this node owns that nothing has loaded yet; then again later. */
  private void scan() {
    store.portfoliosWithTargets().compose(ids -> {
      Iterator<PortfolioId> unwatched = ids.stream()
          .filter(id -> !watched.containsKey(id) && !cleared.contains(id) && shards.isLocal(id)).iterator();
      List<Future<Void>> lanes = new ArrayList<>(SCAN_READS_IN_FLIGHT);
      for (int i = 0; i < SCAN_READS_IN_FLIGHT; i++) {
        lanes.add(readEach(unwatched));
      }
      return Future.join(lanes);
    }).onComplete(done -> {
      if (done.failed()) {
        LOG.warn("Could not look for portfolios with targets to watch for drift: {}", done.cause().toString());
      }
      scanTimer = vertx.setTimer(settings.driftScanMs(), id -> scan());
    });
  }

  /** Reads the next portfolio through its owner and watches it, until none is left. */
  private Future<Void> readEach(Iterator<PortfolioId> ids) {
    if (!ids.hasNext()) {
      return Future.succeededFuture();
    }
    PortfolioId id = ids.next();
    return owners.<PortfolioState>request(OwnerRequest.Read.current(id))
        .onSuccess(state -> {
          if (state != null && state.targets().isEmpty()) {
            cleared.add(id);
          } else if (state != null && shards.isLocal(id)) {
            onState(state);
          }
        })
        .<Void>mapEmpty()
        .otherwiseEmpty() // gone, moved or busy: the next scan tries again
        .compose(v -> readEach(ids));
  }

  private void onState(PortfolioState state) {
    cleared.remove(state.id());
    Watched w = watched.get(state.id());
    if (w == null) {
      if (state.targets().isEmpty()) {
        return;
      }
      w = new Watched();
      watched.put(state.id(), w);
    }
    if (w.state == null || state.version() >= w.state.version()) {
      w.state = state;
    }
    schedule(state.id(), w);
  }

  private void onMarket(MarketUpdate update) {
    boolean rates = !update.rates().isEmpty();
    Set<String> priced = new HashSet<>();
    update.prices().forEach(price -> priced.add(price.instrumentId().value()));
    watched.forEach((id, w) -> {
      if (rates || holdsAny(w.state, priced)) {
        schedule(id, w);
      }
    });
  }

  private static boolean holdsAny(PortfolioState state, Set<String> instruments) {
    for (PositionKey key : state.positions().keySet()) {
      if (instruments.contains(key.instrumentId().value())) {
        return true;
      }
    }
    for (var target : state.targets().keySet()) {
      if (instruments.contains(target.value())) {
        return true;
      }
    }
    return false;
  }

  private void schedule(PortfolioId id, Watched w) {
    if (w.busy) {
      w.dirty = true;
      return;
    }
    if (w.scheduled) {
      return;
    }
    long interval = TimeUnit.SECONDS.toNanos(1) / settings.valuationsPerSecond();
    long wait = w.lastNanos + interval - System.nanoTime();
    if (wait <= 0) {
      evaluate(id, w);
    } else {
      w.scheduled = true;
      vertx.setTimer(Math.max(1, TimeUnit.NANOSECONDS.toMillis(wait)), t -> {
        w.scheduled = false;
        evaluate(id, w);
      });
    }
  }

  private void evaluate(PortfolioId id, Watched w) {
    if (watched.get(id) != w) {
      return;
    }
    if (!shards.isLocal(id)) {
      // Moved: the new owner's node watches it from its load on.
      watched.remove(id);
      return;
    }
    w.busy = true;
    w.dirty = false;
    w.lastNanos = System.nanoTime();
    Future<Map<String, DriftAlertStore.Last>> last = w.last != null ? Future.succeededFuture(w.last) : store.last(id);
    last.compose(known -> {
      w.last = known;
      PortfolioState state = w.state;
      MarketSnapshot snapshot = market.snapshot();
      Instant latest = snapshot.latestAt();
      Instant asOf = latest == null || latest.isBefore(state.updatedAt()) ? state.updatedAt() : latest;
      PortfolioValuation valuation = Valuation.value(state, snapshot.market(), snapshot, asOf);
      List<WeightLine> lines = TargetWeights.of(state, valuation);
      Set<String> breached = new HashSet<>();
      known.forEach((key, l) -> {
        if (l.breached()) {
          breached.add(key);
        }
      });
      double threshold = state.driftThreshold().doubleValue();
      List<DriftRules.Transition> transitions = DriftRules.transitions(lines, breached, threshold,
          settings.driftRecoverFraction());
      Future<Void> chain = Future.succeededFuture();
      for (DriftRules.Transition transition : transitions) {
        chain = chain.compose(v -> raise(state, w, transition, threshold));
      }
      return chain;
    }).onComplete(done -> {
      w.busy = false;
      if (done.failed()) {
        LOG.warn("Drift of {} could not be checked", id, done.cause());
        // Read the lines' last alerts again next time: another node may have raised one.
        w.last = null;
      }
      if (w.dirty) {
        schedule(id, w);
      }
    });
  }

  private Future<Void> raise(PortfolioState state, Watched w, DriftRules.Transition transition, double threshold) {
    WeightLine line = transition.line();
    DriftAlertStore.Last previous = w.last.get(line.key());
    int n = previous == null ? 1 : previous.n() + 1;
    String type = transition.breached() ? BREACHED : RECOVERED;
    JsonObject alert = alert(state, line, n, type, threshold, clock.instant());
    return store.raise(state.id(), line.key(), n, type, alert).map(inserted -> {
      if (inserted) {
        w.last.put(line.key(), new DriftAlertStore.Last(n, transition.breached()));
        raised.increment();
        vertx.eventBus().publish(Addresses.LIVE_ALERTS, alert);
      } else {
        w.last = null; // raised by another node: learn its numbering on the next evaluation
      }
      return null;
    });
  }

  /** The alert's JSON: as the alerts topic's, with the line's figures. */
  static JsonObject alert(PortfolioState state, WeightLine line, int n, String type, double threshold, Instant at) {
    String verb = BREACHED.equals(type) ? "drifted to " : "is back at ";
    return new JsonObject()
        .put("alertId", state.id().value() + "/drift/" + line.key() + "/" + n)
        .put("portfolioId", state.id().value())
        .put("version", state.version())
        .put("type", type)
        .put("severity", "WARNING")
        .put("raisedAt", at.toString())
        .put("message", line.key() + " " + verb + round(line.weight()) + " against its target "
            + round(line.targetWeight()) + " (threshold " + round(threshold) + ")")
        .put("key", line.key())
        .put("weight", line.weight())
        .put("targetWeight", line.targetWeight())
        .put("drift", line.drift())
        .put("threshold", threshold);
  }

  private static String round(double value) {
    return BigDecimal.valueOf(value).setScale(4, java.math.RoundingMode.HALF_EVEN).stripTrailingZeros().toPlainString();
  }
}
