package io.portfoliostate.bench;

import io.portfoliostate.app.Node;
import io.portfoliostate.persistence.Database;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;

/**
 * The journal of {@link LiveBench}'s durable floor: each message is committed to the node's
 * PostgreSQL before the floor hands it on, the leanest way a journal can be written, so that the
 * floor does the physical work the service does for a change (a durable COMMIT, then the
 * fan-out to the sockets) with none of the service's own work (no owner, no accounting, no bridge,
 * no hub, no analytics store).
 *
 * <p>Why: the goal is set from COMMIT to the client at 2,000 commits a second. The plain floor
 * (the fan-out alone) leaves PostgreSQL idle, while the service's commits keep it at 0.2–0.3 of a
 * core on the same two cores; the machine's floor for "a change committed, then delivered" has to
 * pay for the commits too.
 *
 * <p>Group commit, as the service's journal writer: the rows of the messages that came due are one
 * statement (bound as arrays and unnested) in its own implicit transaction, so one COMMIT (one WAL
 * flush, {@code synchronous_commit} on as the embedded server runs it) per batch; one batch is in
 * flight at a time on one connection, and the messages that come due meanwhile form the next. The
 * row is what the service's journal row holds at least: the portfolio, the sequence number (the
 * primary key) and the event as JSON (the change message's first event).
 */
final class DurableFloor {

  private static final String TABLE = "CREATE TABLE IF NOT EXISTS bench_floor_journal (portfolio_id text NOT NULL, "
      + "seq bigint NOT NULL, payload json NOT NULL, recorded_at timestamptz NOT NULL DEFAULT now(), "
      + "PRIMARY KEY (portfolio_id, seq))";
  private static final String INSERT = "INSERT INTO bench_floor_journal (portfolio_id, seq, payload) "
      + "SELECT p, s, d::json FROM UNNEST($1::text[], $2::bigint[], $3::text[]) AS u(p, s, d)";
  private static final Pattern EMBEDDED_PORT = Pattern.compile("\\(port (\\d+)\\)");

  private final Pool pool;
  private final String payload;
  /** Messages due and not yet in a batch: group, version and intended send time, in threes. */
  private final List<Long> waiting = new ArrayList<>();
  private boolean inFlight;
  private long commits;
  private long rows;
  private volatile Throwable failure;

  private DurableFloor(Pool pool, String payload) {
    this.pool = pool;
    this.payload = payload;
  }

  /** A pool of one connection to {@code node}'s embedded PostgreSQL on {@code vertx}, and the table. */
  static DurableFloor open(Node node, Vertx vertx, String template) throws Exception {
    Matcher port = EMBEDDED_PORT.matcher(node.describeDatabase());
    if (!port.find()) {
      throw new IllegalStateException("no embedded port in " + node.describeDatabase());
    }
    Pool pool = Database.fromUri(Database.embeddedUri(Integer.parseInt(port.group(1)))).pool(vertx, 1,
        "bench-durable-floor");
    BenchSupport.await(pool.query(TABLE).execute(), 30);
    var events = new JsonObject(template).getJsonObject("body").getJsonArray("events");
    String payload = events != null && !events.isEmpty() ? events.getJsonObject(0).encode() : "{}";
    return new DurableFloor(pool, payload);
  }

  /**
   * Takes the messages that came due ({@code due}: group, version, intended send time, in
   * threes) and commits them with the waiting ones unless a commit is in flight; after each
   * COMMIT, records each message's intended send to COMMIT in {@code committed} and hands the
   * batch on ({@code handOn}: group and version, in pairs).
   */
  synchronized void offer(List<Long> due, Histogram committed, Consumer<long[]> handOn) {
    waiting.addAll(due);
    if (!inFlight && !waiting.isEmpty()) {
      commitWaiting(committed, handOn);
    }
  }

  /** Whether nothing waits and no commit is in flight. */
  synchronized boolean idle() {
    return !inFlight && waiting.isEmpty();
  }

  /** Why a commit failed, or null: the floor stops and says so. */
  Throwable failure() {
    return failure;
  }

  private void commitWaiting(Histogram committed, Consumer<long[]> handOn) {
    long[] batch = waiting.stream().mapToLong(Long::longValue).toArray();
    waiting.clear();
    inFlight = true;
    int count = batch.length / 3;
    String[] portfolios = new String[count];
    Long[] seqs = new Long[count];
    String[] payloads = new String[count];
    for (int i = 0; i < count; i++) {
      portfolios[i] = "floor-" + batch[3 * i];
      seqs[i] = batch[3 * i + 1];
      payloads[i] = payload;
    }
    pool.preparedQuery(INSERT).execute(Tuple.of(portfolios, seqs, payloads)).onComplete(done -> {
      if (done.failed()) {
        failure = done.cause();
        return;
      }
      long now = System.nanoTime();
      long[] messages = new long[2 * count];
      for (int i = 0; i < count; i++) {
        messages[2 * i] = batch[3 * i];
        messages[2 * i + 1] = batch[3 * i + 1];
        committed.recordValue(Math.max(0, Math.min(BenchSupport.HISTOGRAM_MAX_MICROS,
            TimeUnit.NANOSECONDS.toMicros(now - batch[3 * i + 2]))));
      }
      handOn.accept(messages);
      synchronized (this) {
        commits++;
        rows += count;
        inFlight = false;
        if (!waiting.isEmpty()) {
          commitWaiting(committed, handOn);
        }
      }
    });
  }

  /** What was committed, for the report; fails if a commit did. */
  synchronized String describe() {
    if (failure != null) {
      throw new IllegalStateException("a commit of the durable floor failed", failure);
    }
    return String.format(Locale.ROOT, "%,d COMMITs of %.1f rows on average (%d-byte events), one connection, warm-up included",
        commits, rows / (double) Math.max(1, commits), payload.length());
  }

  void close() throws Exception {
    BenchSupport.await(pool.close(), 30);
  }
}
