package io.portfoliostate.persistence;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.portfoliostate.config.Settings;
import io.portfoliostate.domain.PortfolioId;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps each long journal's text up to a sequence number in {@code journal_text_prefix} (V20;
 * docs/performance.md, "The journal's prefix"): a performance read's first read of the journal is
 * then that one row plus the events after it ({@link PerformanceHistory#prefixed}).
 *
 * <p>Low priority, in the background, never in the commit path: on its own connection, one step
 * at a time — a look at the next {@code scanPortfolios} portfolios (their journal's end, one probe
 * each) or the extension of one portfolio's prefix — with a pause after each, and a longer sleep
 * once a look at every portfolio found nothing to do. A prefix is extended when its journal has
 * {@code stepEvents} events past it, or {@code stepFraction} of the prefix's events if that is more
 * (and has at least {@code minEvents}: {@code JournalPrefixSettings.due}): read as a first read
 * would (the prefix and the events after it), the new events' text cut to the kept form on a
 * worker, and the whole written in one upsert. The step grows with the prefix because the upsert
 * rewrites the whole text: with a fixed step a journal of n events would cost n × its growth.
 *
 * <p>Safe on several nodes and after a kill: the upsert is one statement (a half-written prefix is
 * never visible) and never moves {@code through_seq} backwards within a form; a prefix covers
 * only events without a gap from the first (an event committed after a later one is not skipped).
 * What a prefix holds is the journal's text in journal order, so every kind of event (corrections,
 * back-dated trades, corporate actions) reads from it as from the journal: the fold does the rest.
 */
public final class JournalPrefixVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(JournalPrefixVerticle.class);

  /** Pauses an extension waits in a row for the live fan-out to catch up, at most. */
  static final int MOST_WAITS = 25;

  /**
   * The next {@code $2} portfolios after {@code $1} in id order, each with its journal's end and
   * where its prefix of {@code $3}'s form stops (0: none): a probe of the primary key each.
   */
  private static final String LOOK =
      "SELECT p.id, coalesce(e.last, 0) AS last, coalesce(x.through_seq, 0) AS through "
          + "FROM (SELECT id FROM portfolios WHERE id > $1 ORDER BY id LIMIT $2) p "
          + "CROSS JOIN LATERAL (SELECT max(seq) AS last FROM portfolio_events WHERE portfolio_id = p.id) e "
          + "LEFT JOIN journal_text_prefix x ON x.portfolio_id = p.id AND x.form = $3 ORDER BY p.id";

  /**
   * One statement: a new prefix, or a longer one (or one of a newer form) in place of the stored
   * one. Never shorter: two nodes extending the same prefix at once leave the longer.
   */
  static final String UPSERT =
      "INSERT INTO journal_text_prefix (portfolio_id, form, through_seq, event_count, text) VALUES ($1, $2, $3, $3, $4) "
          + "ON CONFLICT (portfolio_id) DO UPDATE SET form = EXCLUDED.form, through_seq = EXCLUDED.through_seq, "
          + "event_count = EXCLUDED.event_count, text = EXCLUDED.text, written_at = now() "
          + "WHERE journal_text_prefix.form < EXCLUDED.form "
          + "OR (journal_text_prefix.form = EXCLUDED.form AND journal_text_prefix.through_seq < EXCLUDED.through_seq)";

  private final Database database;
  private final Settings.JournalPrefixSettings settings;
  private final MeterRegistry registry;
  /** Portfolios found behind by the last look, extended one per step. */
  private final ArrayDeque<String> behind = new ArrayDeque<>();
  private final AtomicInteger queued = new AtomicInteger();
  /** The last portfolio id looked at: the next look starts after it ("" from the first). */
  private String cursor = "";
  private Pool pool;
  private PerformanceHistory history;
  private Counter extended;
  private Counter extendedEvents;
  private Timer extending;
  private boolean stopped;
  private long timer = -1;
  /** Whether the node's live fan-out is behind: an extension then waits a step or a few. */
  private final BooleanSupplier liveBehind;
  /** Steps waited in a row for the live fan-out. */
  private int waited;

  /**
   * @param liveBehind whether the node's live fan-out is behind ({@code FanOutBacklog}): an
   *     extension (a burst of a core's work for a long journal) then waits, a pause at a time, at
   *     most {@link #MOST_WAITS} pauses in a row, so that it never starves
   */
  public JournalPrefixVerticle(Database database, Settings.JournalPrefixSettings settings, MeterRegistry registry,
      BooleanSupplier liveBehind) {
    this.database = database;
    this.settings = settings;
    this.registry = registry;
    this.liveBehind = liveBehind;
  }

  public JournalPrefixVerticle(Database database, Settings.JournalPrefixSettings settings, MeterRegistry registry) {
    this(database, settings, registry, () -> false);
  }

  @Override
  public Future<?> start() {
    // One connection of its own: the job never takes a connection a read or a commit waits for.
    pool = database.pool(vertx, 1, "prefixes");
    history = PerformanceHistory.on(pool);
    extended = Counter.builder("pstate.journal.prefix.extended")
        .description("Journal prefixes written or extended by this node's background job").register(registry);
    extendedEvents = Counter.builder("pstate.journal.prefix.events")
        .description("Events added to journal prefixes by this node's background job").register(registry);
    extending = Timer.builder("pstate.journal.prefix.extend")
        .description("Time to extend one journal prefix: its read, the new events cut to the kept form, the upsert")
        .register(registry);
    io.micrometer.core.instrument.Gauge.builder("pstate.journal.prefix.behind", queued, AtomicInteger::get)
        .description("Portfolios the last look found with a prefix to write or extend, not yet done").register(registry);
    if (settings.intervalMs() > 0) {
      next(settings.pauseMs());
    }
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    // What the job did in this node's life: the operator's (and a benchmark's) measure of its share.
    LOG.info("Journal prefixes: {} written or extended, {} events added, {} ms of extensions in all",
        (long) extended.count(), (long) extendedEvents.count(), Math.round(extending.totalTime(TimeUnit.MILLISECONDS)));
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    return pool.close();
  }

  private void next(long delayMs) {
    if (!stopped) {
      timer = vertx.setTimer(Math.max(1, delayMs), id -> step());
    }
  }

  /** One step: extend the next portfolio found behind, or look at the next portfolios. */
  private void step() {
    timer = -1;
    if (!behind.isEmpty() && waited < MOST_WAITS && liveBehind.getAsBoolean()) {
      waited++;
      next(settings.pauseMs());
      return;
    }
    waited = 0;
    String portfolio = behind.poll();
    queued.set(behind.size());
    if (portfolio != null) {
      long started = System.nanoTime();
      extend(PortfolioId.of(portfolio)).onComplete(done -> {
        extending.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        if (done.failed()) {
          LOG.warn("The journal prefix of {} was not extended: {}", portfolio, done.cause().toString());
        }
        next(settings.pauseMs());
      });
      return;
    }
    look().onComplete(looked -> {
      if (looked.failed()) {
        LOG.warn("Looking for journal prefixes to extend failed: {}", looked.cause().toString());
        next(settings.intervalMs());
      } else {
        // Every portfolio looked at and none behind: sleep; else go on at the job's pace.
        next(looked.result() && behind.isEmpty() ? settings.intervalMs() : settings.pauseMs());
      }
    });
  }

  /** Looks at the next portfolios; true when it reached the last one (the next look starts over). */
  private Future<Boolean> look() {
    return pool.preparedQuery(LOOK).execute(Tuple.of(cursor, settings.scanPortfolios(), PerformanceHistory.PREFIX_FORM))
        .map(rows -> {
          for (Row row : rows) {
            cursor = row.getString(0);
            long last = row.getLong(1);
            long through = row.getLong(2);
            if (settings.due(last, through)) {
              behind.add(cursor);
            }
          }
          queued.set(behind.size());
          boolean wrapped = rows.size() < settings.scanPortfolios();
          if (wrapped) {
            cursor = "";
          }
          return wrapped;
        });
  }

  /**
   * Reads the portfolio's prefix and the events after it (the whole journal when it has none),
   * cuts what has no gap from the prefix on to the kept form on a worker, and upserts the longer
   * prefix; nothing when nothing new is without a gap.
   */
  Future<Void> extend(PortfolioId id) {
    return history.prefixed(id).compose(read -> read.prefix() != null
        ? Future.succeededFuture(read) : history.journal(id).map(all -> new PerformanceHistory.Prefixed(
            read.end(), PerformanceHistory.JournalText.EMPTY, all)))
        .compose(read -> vertx.executeBlocking(() -> extended(read), false).compose(prefix -> {
          if (prefix == null) {
            return Future.<Void>succeededFuture();
          }
          long through = prefix.size();
          Buffer text = Buffer.buffer(prefix.text().getBytes(StandardCharsets.UTF_8));
          return pool.preparedQuery(UPSERT).execute(Tuple.of(id.value(), PerformanceHistory.PREFIX_FORM, through, text))
              .map(rows -> {
                if (rows.rowCount() > 0) {
                  extended.increment();
                  extendedEvents.increment(through - read.prefix().size());
                }
                return null;
              });
        }));
  }

  /**
   * The prefix {@code read} extends to: its stored prefix (or none) followed by the events after
   * it that have no gap, in the kept form; null when there is no such event.
   */
  static PerformanceHistory.JournalText extended(PerformanceHistory.Prefixed read) {
    PerformanceHistory.JournalText base = read.prefix();
    PerformanceHistory.JournalText tail = read.tail();
    int contiguous = tail.contiguousAfter(base.size());
    if (contiguous == 0) {
      return null;
    }
    PerformanceHistory.JournalText added = tail.head(contiguous);
    PerformanceHistory.JournalText.Part part = added.part(0, 1);
    if (part.events().size() != contiguous) {
      throw new IllegalStateException("the journal's text has " + part.events().size() + " lines for "
          + contiguous + " events");
    }
    return base.append(added.ofParts(List.of(part)));
  }
}
