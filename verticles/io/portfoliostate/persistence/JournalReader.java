package io.portfoliostate.persistence;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.portfoliostate.domain.PortfolioEvent;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.domain.PortfolioRules;
import io.portfoliostate.domain.PortfolioState;
import io.portfoliostate.domain.timeline.TradeLedger;
import io.portfoliostate.protocol.EventJson;
import io.portfoliostate.protocol.EventPage;
import io.portfoliostate.protocol.Origin;
import io.portfoliostate.protocol.StateJson;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the journal: a portfolio's current state (latest snapshot + journal tail), its state at
 * an earlier version or time, its change history, and its idempotency index. Everything read is
 * committed: the reader never sees an owner's in-flight batch.
 */
public final class JournalReader {

  private static final Logger LOG = LoggerFactory.getLogger(JournalReader.class);

  private static final String LATEST_SNAPSHOT =
      "SELECT seq, state FROM portfolio_snapshots WHERE portfolio_id = $1 AND seq <= $2 "
          + "ORDER BY seq DESC LIMIT 1";
  /**
   * What a load needs first, in one round trip: the latest version in the journal (null: the
   * portfolio does not exist, and the load ends here) and the latest snapshot.
   */
  private static final String EXISTS =
      "SELECT EXISTS (SELECT 1 FROM portfolio_events WHERE portfolio_id = $1) AS found";
  private static final String HEAD =
      "SELECT (SELECT max(seq) FROM portfolio_events WHERE portfolio_id = $1) AS latest, s.seq, s.state "
          + "FROM (SELECT 1) AS one LEFT JOIN LATERAL (SELECT seq, state FROM portfolio_snapshots "
          + "WHERE portfolio_id = $1 ORDER BY seq DESC LIMIT 1) AS s ON true";
  private static final String EVENTS_BETWEEN =
      "SELECT seq, type, payload FROM portfolio_events WHERE portfolio_id = $1 AND seq > $2 AND seq <= $3 "
          + "ORDER BY seq";
  /** The command ids of the last $2 events, oldest first (a range of the primary key). */
  private static final String RECENT_COMMANDS =
      "SELECT command_id, command_hash, seq FROM portfolio_events WHERE portfolio_id = $1 "
          + "AND seq > (SELECT coalesce(max(seq), 0) FROM portfolio_events WHERE portfolio_id = $1) - $2 "
          + "AND command_id IS NOT NULL ORDER BY seq";
  private static final String COMMANDS_BY_ID =
      "SELECT command_id, command_hash, seq FROM portfolio_events WHERE portfolio_id = $1 "
          + "AND command_id = ANY($2::text[])";
  /** The trade events of a portfolio up to a version: what its ledger is built from. */
  private static final String TRADE_EVENTS =
      "SELECT seq, type, payload::text AS payload FROM portfolio_events WHERE portfolio_id = $1 AND seq <= $2 "
          + "AND type IN ('TradeRecorded', 'TradeCancelled', 'TradeAmended', 'SplitApplied') ORDER BY seq";
  private static final String EVENT_TEXTS =
      "SELECT type, payload::text AS payload FROM portfolio_events WHERE portfolio_id = $1 AND seq <= $2 ORDER BY seq";
  private static final String VERSION_AS_OF =
      "SELECT max(seq) FROM portfolio_events WHERE portfolio_id = $1 AND recorded_at <= $2";
  private static final String EVENT_PAGE =
      "SELECT seq, type, payload, recorded_at, alerts::text AS alerts, origin::text AS origin FROM portfolio_events "
          + "WHERE portfolio_id = $1 "
          + "AND seq > $2 "
          + "ORDER BY seq LIMIT $3";

  /** A longer tail than this is replayed on a worker thread, not on the caller's event loop. */
  private static final int INLINE_REPLAY_LIMIT = 2_000;

  private final Vertx vertx;
  private final Pool pool;
  private final int idempotencyWindow;
  private final Counter unreadable;

  /**
   * @param idempotencyWindow how many recent command ids a loaded portfolio keeps in memory
   */
  public JournalReader(Vertx vertx, Pool pool, int idempotencyWindow) {
    this(vertx, pool, idempotencyWindow, new SimpleMeterRegistry());
  }

  /**
   * @param idempotencyWindow how many recent command ids a loaded portfolio keeps in memory
   * @param registry where unreadable snapshots are counted
   */
  public JournalReader(Vertx vertx, Pool pool, int idempotencyWindow, MeterRegistry registry) {
    this.vertx = vertx;
    this.pool = pool;
    this.idempotencyWindow = idempotencyWindow;
    this.unreadable = Counter.builder("pstate.snapshots.unreadable")
        .description("Snapshots that failed to parse; the load fell back to an older one or the journal")
        .register(registry);
  }

  /** A portfolio as loaded by its owner: null state when it does not exist. */
  public record Loaded(PortfolioState state, IdempotencyIndex index, long snapshotVersion) {
  }

  /**
   * Loads the current state and the recent idempotency window of a portfolio. A portfolio that
   * does not exist costs one query.
   */
  public Future<Loaded> load(PortfolioId id) {
    return pool.preparedQuery(HEAD).execute(Tuple.of(id.value())).compose(head -> {
      Row row = head.iterator().next();
      Long latest = row.getLong("latest");
      if (latest == null) {
        return Future.succeededFuture(new Loaded(null, new IdempotencyIndex(idempotencyWindow), 0));
      }
      Future<Snapshot> base = row.getLong("seq") == null ? Future.succeededFuture(Snapshot.NONE)
          : readable(id, row).map(Future::succeededFuture).orElseGet(() -> snapshotAtOrBelow(id, row.getLong("seq") - 1));
      Future<Replayed> state = base.compose(snapshot -> replayFrom(id, snapshot, Long.MAX_VALUE));
      Future<IdempotencyIndex> index = pool.preparedQuery(RECENT_COMMANDS)
          .execute(Tuple.of(id.value(), (long) idempotencyWindow))
          .map(rows -> {
            IdempotencyIndex recent = new IdempotencyIndex(idempotencyWindow);
            addAll(recent, rows);
            return recent;
          });
      return Future.all(state, index).map(both ->
          new Loaded(state.result().state(), index.result(), state.result().snapshotVersion()));
    });
  }

  /** Whether the journal holds any event of the portfolio: one index lookup. */
  public Future<Boolean> exists(PortfolioId id) {
    return pool.preparedQuery(EXISTS).execute(Tuple.of(id.value()))
        .map(rows -> rows.iterator().next().getBoolean("found"));
  }

  /** A state rebuilt from a snapshot and the events after it. */
  public record Replayed(PortfolioState state, long snapshotVersion) {
  }

  /** A readable snapshot: the state at {@code version}; no state and version 0 when none. */
  private record Snapshot(PortfolioState state, long version) {
    static final Snapshot NONE = new Snapshot(null, 0);
  }

  /** The state right after event {@code version} (or the latest if it has fewer); null state when none. */
  public Future<Replayed> stateAt(PortfolioId id, long version) {
    return snapshotAtOrBelow(id, version).compose(snapshot -> replayFrom(id, snapshot, version));
  }

  /** The newest readable snapshot at or below {@code version}: an unreadable one is skipped. */
  private Future<Snapshot> snapshotAtOrBelow(PortfolioId id, long version) {
    if (version < 1) {
      return Future.succeededFuture(Snapshot.NONE);
    }
    return pool.preparedQuery(LATEST_SNAPSHOT).execute(Tuple.of(id.value(), version)).compose(rows -> {
      if (rows.size() == 0) {
        return Future.succeededFuture(Snapshot.NONE);
      }
      Row row = rows.iterator().next();
      return readable(id, row).map(Future::succeededFuture)
          .orElseGet(() -> snapshotAtOrBelow(id, row.getLong("seq") - 1));
    });
  }

  /**
   * The snapshot in {@code row} (columns seq and state), or empty when it cannot be read back as
   * the state of this portfolio at that version. A snapshot is only a shortcut: a bad one must
   * cost a longer replay, never the portfolio.
   */
  private Optional<Snapshot> readable(PortfolioId id, Row row) {
    long seq = row.getLong("seq");
    try {
      Object json = row.getJson("state");
      if (!(json instanceof JsonObject)) {
        throw new IllegalArgumentException("not a JSON object");
      }
      PortfolioState state = StateJson.fromJson((JsonObject) json);
      if (state.version() != seq || !state.id().equals(id)) {
        throw new IllegalArgumentException("it holds " + state.id() + " at version " + state.version());
      }
      return Optional.of(new Snapshot(state, seq));
    } catch (RuntimeException e) {
      unreadable.increment();
      LOG.warn("Snapshot of portfolio {} at version {} is unreadable ({}); loading from an older one or the journal",
          id, seq, e.toString());
      return Optional.empty();
    }
  }

  private Future<Replayed> replayFrom(PortfolioId id, Snapshot snapshot, long version) {
    return pool.preparedQuery(EVENTS_BETWEEN).execute(Tuple.of(id.value(), snapshot.version(), version))
        .compose(events -> events.size() <= INLINE_REPLAY_LIMIT
            ? Future.succeededFuture(new Replayed(replay(id, snapshot.state(), events), snapshot.version()))
            // A long tail (snapshots missing) would block every portfolio on this event loop.
            : vertx.executeBlocking(() -> new Replayed(replay(id, snapshot.state(), events), snapshot.version()), false));
  }

  /**
   * The portfolio's trades as they stood at {@code version}: its trade, cancel and amendment events
   * (and its splits, which place a trade recorded converted by them), folded into a ledger off the
   * event loop when there are many.
   */
  public Future<TradeLedger> ledger(PortfolioId id, long version) {
    return pool.preparedQuery(TRADE_EVENTS).execute(Tuple.of(id.value(), version)).compose(rows ->
        rows.size() <= INLINE_REPLAY_LIMIT ? Future.succeededFuture(ledgerOf(rows))
            : vertx.executeBlocking(() -> ledgerOf(rows), false));
  }

  private static TradeLedger ledgerOf(RowSet<Row> rows) {
    TradeLedger ledger = TradeLedger.EMPTY;
    for (Row row : rows) {
      // Text parsed here, on the worker for a long history (see eventsUpTo).
      ledger = ledger.evolve(EventJson.fromJson(row.getString("type"), new JsonObject(row.getString("payload"))),
          row.getLong("seq"));
    }
    return ledger;
  }

  /**
   * The portfolio's events up to {@code version}, in order: what a read as of a business time
   * folds ({@link io.portfoliostate.domain.timeline.BusinessTime}).
   */
  public Future<List<PortfolioEvent>> eventsUpTo(PortfolioId id, long version) {
    // Payloads as text, parsed here: a long journal is parsed on a worker thread, not on the
    // caller's event loop (the client would decode every JSON payload on the loop).
    return pool.preparedQuery(EVENT_TEXTS).execute(Tuple.of(id.value(), version)).compose(rows ->
        rows.size() <= INLINE_REPLAY_LIMIT ? Future.succeededFuture(parsed(rows))
            : vertx.executeBlocking(() -> parsed(rows), false));
  }

  private static List<PortfolioEvent> parsed(RowSet<Row> rows) {
    List<PortfolioEvent> events = new ArrayList<>(rows.size());
    for (Row row : rows) {
      events.add(EventJson.fromJson(row.getString("type"), new JsonObject(row.getString("payload"))));
    }
    return events;
  }

  /** The version current at {@code time} (0 when the portfolio did not exist yet). */
  public Future<Long> versionAsOf(PortfolioId id, Instant time) {
    return pool.preparedQuery(VERSION_AS_OF)
        .execute(Tuple.of(id.value(), OffsetDateTime.ofInstant(time, ZoneOffset.UTC)))
        .map(rows -> {
          Long version = rows.iterator().next().getLong(0);
          return version == null ? 0L : version;
        });
  }

  /** Up to {@code limit} events after {@code afterVersion}. */
  public Future<List<EventPage.Entry>> events(PortfolioId id, long afterVersion, int limit) {
    return pool.preparedQuery(EVENT_PAGE).execute(Tuple.of(id.value(), afterVersion, limit))
        .map(rows -> {
          List<EventPage.Entry> entries = new ArrayList<>(rows.size());
          for (Row row : rows) {
            entries.add(new EventPage.Entry(row.getLong("seq"), event(row),
                row.getOffsetDateTime("recorded_at").toInstant(), row.getString("alerts"),
                Origin.fromText(row.getString("origin"))));
          }
          return entries;
        });
  }

  private static PortfolioState replay(PortfolioId id, PortfolioState start, RowSet<Row> events) {
    PortfolioState state = start;
    for (Row row : events) {
      long seq = row.getLong("seq");
      long expected = state == null ? 1 : state.version() + 1;
      if (seq != expected) {
        throw new IllegalStateException("journal of " + id + " has a gap: expected " + expected + ", found " + seq);
      }
      state = PortfolioRules.evolve(state, event(row));
    }
    return state;
  }

  private static PortfolioEvent event(Row row) {
    return EventJson.fromJson(row.getString("type"), (JsonObject) row.getJson("payload"));
  }

  /** Adds to {@code index} whichever of {@code commandIds} the journal holds; returns how many. */
  public Future<Integer> lookUp(PortfolioId id, List<String> commandIds, IdempotencyIndex index) {
    return pool.preparedQuery(COMMANDS_BY_ID)
        .execute(Tuple.of(id.value(), (Object) commandIds.toArray(new String[0])))
        .map(rows -> {
          addAll(index, rows);
          return rows.size();
        });
  }

  private static void addAll(IdempotencyIndex index, RowSet<Row> rows) {
    for (Row row : rows) {
      index.put(row.getString(0), row.getLong(1), row.getLong(2));
    }
  }
}
