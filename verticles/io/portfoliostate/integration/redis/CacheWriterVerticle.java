package io.portfoliostate.integration.redis;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.portfoliostate.config.Settings.CacheSettings;
import io.portfoliostate.domain.Decimals;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.domain.PortfolioState;
import io.portfoliostate.domain.valuation.Price;
import io.portfoliostate.protocol.Addresses;
import io.portfoliostate.protocol.MarketUpdate;
import io.portfoliostate.protocol.StateJson;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes committed portfolio states of this node's owners to Redis, off the write path: owners
 * hand over each committed state and go on; this verticle keeps only the latest state per
 * portfolio (a hot portfolio's intermediate versions are skipped), writes them in pipelined
 * batches, and when Redis is down keeps the latest ones, bounded, to write once it is back.
 * A cache failure never delays or fails a write.
 *
 * <p>It also keeps the latest price of every instrument in Redis ({@code pstate:prices}): the
 * prices this node's market-data writer committed (each node writes what it stored, so a tick is
 * written once), conflated per instrument and never replaced by an older observation.
 */
public final class CacheWriterVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(CacheWriterVerticle.class);
  private static final int BATCH = 500;
  private static final long RETRY_MS = 1000;

  private final Redis redis;
  private final String nodeId;
  private final CacheSettings settings;
  private final MeterRegistry registry;
  /** The latest committed state per portfolio not yet written, oldest first. */
  private final LinkedHashMap<PortfolioId, PortfolioState> pending = new LinkedHashMap<>();
  private MessageConsumer<PortfolioState> consumer;
  private MessageConsumer<MarketUpdate> prices;
  /** The latest committed price per instrument not yet written. */
  private final LinkedHashMap<InstrumentId, Price> pendingPrices = new LinkedHashMap<>();
  private boolean writingPrices;
  private boolean writing;
  private boolean failing;
  /** Writes failed and none succeeded since: log the failure once, and the recovery once. */
  private boolean recovering;
  private long retryTimer = -1;
  private Counter written;
  private Counter failed;
  private Counter dropped;
  private Timer batchTime;

  /** @param nodeId this node: of the market updates published cluster-wide, it caches its own */
  public CacheWriterVerticle(Redis redis, String nodeId, CacheSettings settings, MeterRegistry registry) {
    this.redis = redis;
    this.nodeId = nodeId;
    this.settings = settings;
    this.registry = registry;
  }

  @Override
  public Future<?> start() {
    written = Counter.builder("pstate.cache.writes").tag("result", "written")
        .description("Portfolio states written to Redis").register(registry);
    failed = Counter.builder("pstate.cache.writes").tag("result", "failed")
        .description("Portfolio states whose write to Redis failed (kept to retry unless superseded)")
        .register(registry);
    dropped = Counter.builder("pstate.cache.writes").tag("result", "dropped")
        .description("Portfolio states never written because too many waited (Redis down or slow)")
        .register(registry);
    batchTime = Timer.builder("pstate.cache.write.batch").description("Time to write one batch to Redis")
        .publishPercentiles(0.5, 0.99).register(registry);
    registry.gauge("pstate.cache.writes.pending", pending, Map::size);
    consumer = vertx.eventBus().localConsumer(Addresses.CACHE_PUT, message -> accept(message.body()));
    prices = vertx.eventBus().consumer(Addresses.MARKET_UPDATES, message -> {
      if (nodeId.equals(message.body().origin())) {
        acceptPrices(message.body().prices());
      }
    });
    return Future.all(consumer.completion(), prices.completion());
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(retryTimer);
    return Future.all(consumer.unregister(), prices.unregister());
  }

  private void accept(PortfolioState state) {
    PortfolioState waiting = pending.get(state.id());
    if (waiting != null && waiting.version() >= state.version()) {
      return;
    }
    if (waiting == null && pending.size() >= settings.maxPendingWrites()) {
      Iterator<PortfolioId> oldest = pending.keySet().iterator();
      oldest.next();
      oldest.remove();
      dropped.increment();
    }
    pending.put(state.id(), state);
    flush();
  }

  private void flush() {
    if (writing || failing || pending.isEmpty()) {
      return;
    }
    List<PortfolioState> batch = new ArrayList<>(Math.min(BATCH, pending.size()));
    Iterator<PortfolioState> states = pending.values().iterator();
    while (states.hasNext() && batch.size() < BATCH) {
      batch.add(states.next());
      states.remove();
    }
    List<Request> requests = new ArrayList<>(batch.size());
    String now = Long.toString(System.currentTimeMillis());
    String ttl = Long.toString(settings.ttlSeconds());
    for (PortfolioState state : batch) {
      requests.add(Request.cmd(Command.EVAL).arg(PortfolioCache.WRITE_IF_NEWER).arg(1)
          .arg(PortfolioCache.key(state.id())).arg(state.version()).arg(StateJson.toJson(state).encode())
          .arg(now).arg(ttl));
    }
    writing = true;
    long started = System.nanoTime();
    redis.batch(requests).timeout(settings.writeTimeoutMs(), TimeUnit.MILLISECONDS).onComplete(done -> {
      writing = false;
      batchTime.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
      if (done.succeeded()) {
        written.increment(batch.size());
        if (recovering) {
          recovering = false;
          LOG.info("Redis cache writes resumed");
        }
        flush();
      } else {
        failed.increment(batch.size());
        requeue(batch);
        if (!recovering) {
          recovering = true;
          LOG.warn("Redis cache writes fail ({}); retrying every {} ms, reads go to the owners meanwhile",
              done.cause().getMessage(), RETRY_MS);
        }
        failing = true;
        retryTimer = vertx.setTimer(RETRY_MS, id -> {
          failing = false;
          flush();
          flushPrices();
        });
      }
    });
  }

  private void acceptPrices(List<Price> committed) {
    for (Price price : committed) {
      Price waiting = pendingPrices.get(price.instrumentId());
      if (waiting == null || !waiting.at().isAfter(price.at())) {
        pendingPrices.put(price.instrumentId(), price);
      }
    }
    while (pendingPrices.size() > settings.maxPendingWrites()) {
      Iterator<InstrumentId> oldest = pendingPrices.keySet().iterator();
      oldest.next();
      oldest.remove();
      dropped.increment();
    }
    flushPrices();
  }

  /** Writes the waiting prices in batches; on failure they are dropped (the next ticks replace them). */
  private void flushPrices() {
    if (writingPrices || failing || pendingPrices.isEmpty()) {
      return;
    }
    List<Request> requests = new ArrayList<>(Math.min(BATCH, pendingPrices.size()));
    Iterator<Price> waiting = pendingPrices.values().iterator();
    while (waiting.hasNext() && requests.size() < BATCH) {
      Price price = waiting.next();
      waiting.remove();
      long micros = price.at().getEpochSecond() * 1_000_000L + price.at().getNano() / 1_000;
      JsonObject json = new JsonObject().put("price", Decimals.plain(price.price()))
          .put("currency", price.currency().value()).put("at", price.at().toString());
      requests.add(Request.cmd(Command.EVAL).arg(PortfolioCache.PRICE_IF_NEWER).arg(1).arg(PortfolioCache.PRICES_KEY)
          .arg(price.instrumentId().value()).arg(micros).arg(json.encode()));
    }
    writingPrices = true;
    redis.batch(requests).timeout(settings.writeTimeoutMs(), TimeUnit.MILLISECONDS).onComplete(done -> {
      writingPrices = false;
      if (done.succeeded()) {
        flushPrices();
      } else {
        failed.increment(requests.size());
      }
    });
  }

  /** Puts back what failed, unless a newer state of the same portfolio came meanwhile. */
  private void requeue(List<PortfolioState> batch) {
    for (PortfolioState state : batch) {
      if (!pending.containsKey(state.id()) && pending.size() < settings.maxPendingWrites()) {
        pending.put(state.id(), state);
      }
    }
  }
}
