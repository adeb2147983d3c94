package io.portfoliostate.persistence;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.portfoliostate.config.Settings;
import io.portfoliostate.domain.Instrument;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.valuation.FxRate;
import io.portfoliostate.domain.valuation.Price;
import io.portfoliostate.market.MarketView;
import io.portfoliostate.observability.WriterHealth;
import io.portfoliostate.protocol.Addresses;
import io.portfoliostate.protocol.FailureCodes;
import io.portfoliostate.protocol.MarketUpdate;
import io.portfoliostate.protocol.MarketWrite;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.sqlclient.Pool;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes instruments, prices and FX rates to PostgreSQL, and answers only after COMMIT. Requests
 * that arrive while a batch is committing go out together in the next one (group commit, as
 * for the journal), one transaction at a time so that arrival order is commit order.
 *
 * <p>After COMMIT it applies the batch to its node's {@link MarketView} (so the client that wrote
 * reads its write on this node), publishes it to every node, and answers. Nothing is revalued:
 * portfolios are valued when read.
 *
 * <p>Bounded: at most {@code writers.marketMaxQueuedRows} rows wait behind the batch being
 * written; a request beyond that is refused at once, so that a stuck database costs callers a fast 503 rather
 * than memory and a late write. A request whose caller has stopped waiting (its deadline header,
 * see {@link MarketWrite#delivery}) is dropped unwritten when its turn comes.
 */
public final class MarketDataWriterVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(MarketDataWriterVerticle.class);
  /** Rows per transaction; a request is never split, so one larger request still goes alone. */
  private static final int MAX_BATCH_ROWS = 50_000;

  private final Database database;
  private final MarketView view;
  private final String nodeId;
  private final Settings.WriterSettings settings;
  private final WriterHealth health;
  private final MeterRegistry registry;
  private final ArrayDeque<Message<MarketWrite>> buffer = new ArrayDeque<>();
  private int bufferedRows;
  private boolean writing;
  /** {@link System#nanoTime()} when the running write started. */
  private long started;
  private Counter refused;
  private Counter expired;
  private Pool pool;
  private MarketDataStore store;
  private MessageConsumer<MarketWrite> consumer;

  /** @param health where this writer reports a running write and a full queue, for readiness */
  public MarketDataWriterVerticle(Database database, MarketView view, String nodeId, Settings.WriterSettings settings,
      WriterHealth health, MeterRegistry registry) {
    this.database = database;
    this.view = view;
    this.nodeId = nodeId;
    this.settings = settings;
    this.health = health;
    this.registry = registry;
  }

  @Override
  public Future<?> start() {
    refused = Counter.builder("pstate.market.write.refused")
        .description("Market data requests refused because the writer's queue was full").register(registry);
    expired = Counter.builder("pstate.market.write.expired")
        .description("Queued market data requests dropped unwritten: their caller had stopped waiting")
        .register(registry);
    registry.gauge("pstate.market.write.queue.rows", this, writer -> writer.bufferedRows);
    pool = database.pool(vertx, 1, "market-writer");
    store = new MarketDataStore(pool);
    consumer = vertx.eventBus().localConsumer(Addresses.MARKET_WRITE, this::onWrite);
    return consumer.completion();
  }

  /** Stops taking writes and waits until what was buffered is committed and answered. */
  @Override
  public Future<?> stop() {
    return consumer.unregister().compose(v -> drained()).eventually(() -> pool.close());
  }

  private Future<Void> drained() {
    if (buffer.isEmpty() && !writing) {
      return Future.succeededFuture();
    }
    return vertx.timer(5, TimeUnit.MILLISECONDS).compose(id -> drained());
  }

  private void onWrite(Message<MarketWrite> message) {
    int rows = message.body().size();
    // A request larger than the bound still goes when nothing waits, or it could never go.
    if (!buffer.isEmpty() && bufferedRows + rows > settings.marketMaxQueuedRows()) {
      // Nothing was written: the caller may send the same request again later.
      refused.increment();
      message.fail(FailureCodes.UNAVAILABLE, "the market data writer is busy (its queue is full); retry later");
      return;
    }
    buffer.add(message);
    bufferedRows += rows;
    flush();
    report(writing ? started : 0);
  }

  private void flush() {
    if (writing) {
      return;
    }
    List<Message<MarketWrite>> batch = new ArrayList<>();
    int rows = 0;
    long now = System.currentTimeMillis();
    while (!buffer.isEmpty() && (batch.isEmpty() || rows + buffer.peek().body().size() <= MAX_BATCH_ROWS)) {
      Message<MarketWrite> next = buffer.poll();
      bufferedRows -= next.body().size();
      if (expired(next, now)) {
        // Its caller has its timeout already: writing it now would only surprise a retry.
        expired.increment();
        next.fail(FailureCodes.UNAVAILABLE, "not written: the request's deadline passed while it was queued");
        continue;
      }
      rows += next.body().size();
      batch.add(next);
    }
    if (batch.isEmpty()) {
      report(0);
      return;
    }
    writing = true;
    started = System.nanoTime();
    report(started);
    write(batch).onComplete(done -> {
      writing = false;
      flush();
    });
  }

  private static boolean expired(Message<MarketWrite> message, long nowMillis) {
    String deadline = message.headers().get(MarketWrite.DEADLINE_HEADER);
    return deadline != null && Long.parseLong(deadline) <= nowMillis;
  }

  private void report(long writeStarted) {
    health.update(writing, writeStarted, bufferedRows >= settings.marketMaxQueuedRows());
  }

  /**
   * Folds the batch (the later of two rows for one key wins, as it would have had it been
   * written after), writes it, and answers every request in it.
   */
  private Future<Void> write(List<Message<MarketWrite>> batch) {
    Map<InstrumentId, Instrument> instruments = new LinkedHashMap<>();
    Map<List<Object>, Price> prices = new LinkedHashMap<>();
    Map<List<Object>, FxRate> rates = new LinkedHashMap<>();
    Instant recordedAt = batch.get(batch.size() - 1).body().recordedAt();
    for (Message<MarketWrite> message : batch) {
      message.body().instruments().forEach(instrument -> instruments.put(instrument.id(), instrument));
      message.body().prices().forEach(price -> prices.put(List.of(price.instrumentId(), price.at()), price));
      message.body().rates().forEach(rate -> rates.put(List.of(rate.base(), rate.quote(), rate.at()), rate));
    }
    List<Instrument> instrumentRows = new ArrayList<>(instruments.values());
    List<Price> priceRows = new ArrayList<>(prices.values());
    List<FxRate> rateRows = new ArrayList<>(rates.values());
    return store.write(instrumentRows, priceRows, rateRows, recordedAt).transform(result -> {
      if (result.failed()) {
        LOG.error("Market data batch of {} requests failed", batch.size(), result.cause());
        health.failed();
        batch.forEach(message -> message.fail(FailureCodes.UNAVAILABLE, "market data could not be stored"));
        return Future.succeededFuture();
      }
      health.succeeded();
      view.apply(instrumentRows, priceRows, rateRows);
      vertx.eventBus().publish(Addresses.MARKET_UPDATES, new MarketUpdate(nodeId, instrumentRows, priceRows,
          rateRows));
      // An instrument created by the batch counts as created for the first request that named it.
      Set<InstrumentId> created = new HashSet<>(result.result().created());
      // Each request is answered with the batch's highest market_seq: its own rows drew numbers in
      // the same transaction, which a reader of the market order reads whole (docs/analytics.md).
      long marketSeq = result.result().marketSeq();
      for (Message<MarketWrite> message : batch) {
        Set<InstrumentId> mine = new HashSet<>();
        for (Instrument instrument : message.body().instruments()) {
          if (created.remove(instrument.id())) {
            mine.add(instrument.id());
          }
        }
        message.reply(new MarketWrite.Written(mine, marketSeq));
      }
      return Future.succeededFuture();
    });
  }
}
