package io.portfoliostate.persistence;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.portfoliostate.config.Settings;
import io.portfoliostate.observability.WriterHealth;
import io.portfoliostate.protocol.Addresses;
import io.portfoliostate.protocol.FailureCodes;
import io.portfoliostate.protocol.JournalAppend;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.sqlclient.Pool;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit: writes the events of many portfolios in one multi-row INSERT and one
 * transaction, and answers each owner only after COMMIT.
 *
 * <p>Appends that arrive while a batch is committing wait in a buffer and go out together in the
 * next batch, so the batch size follows the load: one append at a time when idle (lowest
 * latency), thousands under load (highest throughput). A second batch overlaps the first only
 * when enough rows wait ({@code concurrentWriteMinRows}): overlapping COMMITs raise throughput
 * under load but lengthen the latency tail under light load.
 *
 * <p>Bounded: at most {@code writers.journalMaxQueuedRows} rows wait for a slot; an append beyond
 * that is refused at once (nothing written; its owner answers "retry with the same ids"). Each
 * statement runs under the pool's statement and lock timeouts, so a hung one fails and frees its
 * slot; the oldest running write is reported to readiness.
 */
public final class JournalWriterVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(JournalWriterVerticle.class);

  private final Database database;
  private final Settings.JournalSettings settings;
  private final MeterRegistry registry;
  private final Settings.WriterSettings limits;
  private final WriterHealth health;

  /** When each running batch started ({@link System#nanoTime()}), oldest first. */
  private final List<Long> running = new ArrayList<>();
  private final ArrayDeque<Message<JournalAppend>> buffer = new ArrayDeque<>();
  /** When each buffered append arrived, in buffer order: the wait for a free write slot is measured. */
  private final ArrayDeque<Long> arrivals = new ArrayDeque<>();
  private int bufferedRows;
  private int inFlight;
  private Pool pool;
  private JournalWrites writes;
  private MessageConsumer<JournalAppend> consumer;
  private DistributionSummary batchRows;
  private Timer commitTime;
  private Timer queueWait;
  private Counter refused;

  /**
   * @param limits the bound of the writer's queue
   * @param health where this writer reports its oldest running write and a full queue, for readiness
   */
  public JournalWriterVerticle(Database database, Settings.JournalSettings settings, Settings.WriterSettings limits,
      WriterHealth health, MeterRegistry registry) {
    this.database = database;
    this.settings = settings;
    this.limits = limits;
    this.health = health;
    this.registry = registry;
  }

  @Override
  public Future<?> start() {
    pool = database.pool(vertx, settings.connections(), "journal-writer");
    writes = new JournalWrites(pool);
    batchRows = DistributionSummary.builder("pstate.journal.batch.rows")
        .description("Events written per journal transaction").publishPercentiles(0.5, 0.99)
        .register(registry);
    queueWait = Timer.builder("pstate.journal.queue.wait")
        .description("Time an append waits in the writer's buffer for a write slot")
        .publishPercentiles(0.5, 0.99, 0.999).register(registry);
    commitTime = Timer.builder("pstate.journal.commit")
        .description("Time to write and commit one journal batch").publishPercentiles(0.5, 0.99, 0.999)
        .register(registry);
    registry.gauge("pstate.journal.queue.rows", this, writer -> writer.bufferedRows);
    refused = Counter.builder("pstate.journal.refused")
        .description("Appends refused because the journal writer's queue was full").register(registry);
    // Local: an owner writes through its own node's writer, never another node's.
    consumer = vertx.eventBus().localConsumer(Addresses.JOURNAL_APPEND, this::onAppend);
    return consumer.completion();
  }

  /** Stops taking appends and waits until everything buffered is committed. */
  @Override
  public Future<?> stop() {
    return consumer.unregister().compose(v -> drained()).eventually(() -> pool.close());
  }

  private Future<Void> drained() {
    if (buffer.isEmpty() && inFlight == 0) {
      return Future.succeededFuture();
    }
    return vertx.timer(5, TimeUnit.MILLISECONDS).compose(id -> drained());
  }

  private void onAppend(Message<JournalAppend> message) {
    int rows = message.body().rows().size();
    // An append larger than the bound still goes when nothing waits, or it could never go.
    if (!buffer.isEmpty() && bufferedRows + rows > limits.journalMaxQueuedRows()) {
      refused.increment();
      message.fail(FailureCodes.OVERLOADED, "the journal writer is busy (its queue is full); nothing was written");
      return;
    }
    buffer.add(message);
    arrivals.add(System.nanoTime());
    bufferedRows += rows;
    flush();
    report();
  }

  private void report() {
    health.update(!running.isEmpty(), running.isEmpty() ? 0 : running.get(0),
        bufferedRows >= limits.journalMaxQueuedRows());
  }

  private void flush() {
    while (!buffer.isEmpty() && inFlight < settings.maxInFlight()
        && (inFlight == 0 || bufferedRows >= settings.concurrentWriteMinRows())) {
      List<Message<JournalAppend>> batch = takeBatch();
      inFlight++;
      Long started = System.nanoTime();
      running.add(started);
      write(batch).onComplete(done -> {
        inFlight--;
        running.remove(started);
        commitTime.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        flush();
      });
    }
    report();
  }

  /** Whole appends (a portfolio's events are never split) up to maxBatchRows, at least one. */
  private List<Message<JournalAppend>> takeBatch() {
    List<Message<JournalAppend>> batch = new ArrayList<>();
    int rows = 0;
    while (!buffer.isEmpty()) {
      int next = buffer.peek().body().rows().size();
      if (!batch.isEmpty() && rows + next > settings.maxBatchRows()) {
        break;
      }
      batch.add(buffer.poll());
      queueWait.record(System.nanoTime() - arrivals.poll(), TimeUnit.NANOSECONDS);
      rows += next;
    }
    bufferedRows -= rows;
    batchRows.record(rows);
    return batch;
  }

  /**
   * Writes a batch. When some row did not insert, some owner in the batch is stale (or some
   * parent change would close a cycle): the transaction is rolled back and every append is
   * written again on its own, so that only the offending append fails and a portfolio's events
   * are all written or none.
   */
  private Future<Void> write(List<Message<JournalAppend>> batch) {
    List<JournalAppend> appends = new ArrayList<>(batch.size());
    batch.forEach(message -> appends.add(message.body()));
    return writes.insert(appends).transform(result -> {
      if (result.succeeded()) {
        health.succeeded();
        batch.forEach(message -> message.reply(null));
        return Future.succeededFuture();
      }
      if (result.cause() instanceof JournalWrites.FenceConflict
          || result.cause() instanceof JournalWrites.TreeConflict) {
        return writeEachAlone(batch);
      }
      LOG.error("Journal batch of {} appends failed", batch.size(), result.cause());
      health.failed();
      batch.forEach(message -> message.fail(FailureCodes.UNAVAILABLE, "journal unavailable"));
      return Future.succeededFuture();
    });
  }

  private Future<Void> writeEachAlone(List<Message<JournalAppend>> batch) {
    List<Future<Void>> each = new ArrayList<>(batch.size());
    for (Message<JournalAppend> message : batch) {
      each.add(writes.insert(List.of(message.body())).transform(result -> {
        if (result.succeeded()) {
          health.succeeded();
          message.reply(null);
        } else if (result.cause() instanceof JournalWrites.FenceConflict
            && ((JournalWrites.FenceConflict) result.cause()).onCommandId()) {
          message.fail(FailureCodes.DUPLICATE_COMMAND, "a command id of " + message.body().portfolioId()
              + " was already recorded");
        } else if (result.cause() instanceof JournalWrites.TreeConflict) {
          message.fail(FailureCodes.PARENT_CYCLE, "the parent of " + message.body().portfolioId()
              + " would make it its own ancestor");
        } else if (result.cause() instanceof JournalWrites.FenceConflict) {
          message.fail(FailureCodes.NOT_OWNER, "sequence already written: not the owner of "
              + message.body().portfolioId());
        } else {
          LOG.error("Journal append for {} failed", message.body().portfolioId(), result.cause());
          health.failed();
          message.fail(FailureCodes.UNAVAILABLE, "journal unavailable");
        }
        return Future.<Void>succeededFuture();
      }));
    }
    return Future.join(each).mapEmpty();
  }

  /** Whether a failed request to the writer carries {@code code} (a fence conflict of some kind). */
  public static boolean failedWith(Throwable failure, int code) {
    return failure instanceof ReplyException
        && ((ReplyException) failure).failureType() == ReplyFailure.RECIPIENT_FAILURE
        && ((ReplyException) failure).failureCode() == code;
  }
}
