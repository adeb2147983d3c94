package io.portfoliostate.persistence;

import io.portfoliostate.domain.Instrument;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.valuation.FxRate;
import io.portfoliostate.domain.valuation.Price;
import io.portfoliostate.market.MarketView;
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
 */
public final class MarketDataWriterVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(MarketDataWriterVerticle.class);
  /** Rows per transaction; a request is never split, so one larger request still goes alone. */
  private static final int MAX_BATCH_ROWS = 50_000;

  private final Database database;
  private final MarketView view;
  private final String nodeId;
  private final ArrayDeque<Message<MarketWrite>> buffer = new ArrayDeque<>();
  private boolean writing;
  private Pool pool;
  private MarketDataStore store;
  private MessageConsumer<MarketWrite> consumer;

  public MarketDataWriterVerticle(Database database, MarketView view, String nodeId) {
    this.database = database;
    this.view = view;
    this.nodeId = nodeId;
  }

  @Override
  public Future<?> start() {
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
    buffer.add(message);
    flush();
  }

  private void flush() {
    if (writing || buffer.isEmpty()) {
      return;
    }
    List<Message<MarketWrite>> batch = new ArrayList<>();
    int rows = 0;
    while (!buffer.isEmpty() && (batch.isEmpty() || rows + buffer.peek().body().size() <= MAX_BATCH_ROWS)) {
      rows += buffer.peek().body().size();
      batch.add(buffer.poll());
    }
    writing = true;
    write(batch).onComplete(done -> {
      writing = false;
      flush();
    });
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
        batch.forEach(message -> message.fail(FailureCodes.UNAVAILABLE, "market data could not be stored"));
        return Future.succeededFuture();
      }
      view.apply(instrumentRows, priceRows, rateRows);
      vertx.eventBus().publish(Addresses.MARKET_UPDATES, new MarketUpdate(nodeId, instrumentRows, priceRows,
          rateRows));
      // An instrument created by the batch counts as created for the first request that named it.
      Set<InstrumentId> created = new HashSet<>(result.result());
      for (Message<MarketWrite> message : batch) {
        Set<InstrumentId> mine = new HashSet<>();
        for (Instrument instrument : message.body().instruments()) {
          if (created.remove(instrument.id())) {
            mine.add(instrument.id());
          }
        }
        message.reply(new MarketWrite.Written(mine));
      }
      return Future.succeededFuture();
    });
  }
}
