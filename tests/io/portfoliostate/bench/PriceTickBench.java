package io.portfoliostate.bench;

import io.portfoliostate.app.Node;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.domain.RecordTrade;
import io.portfoliostate.protocol.CommandEnvelope;
import io.portfoliostate.protocol.CommandOutcomes;
import io.portfoliostate.protocol.OwnerRequest;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Price ticks absorbed per second while {@code portfolios} portfolios hold the ticking
 * instruments: each portfolio gets one trade in each of {@code held} of the {@code instruments}
 * instruments, then {@code POST /api/v1/prices} requests of {@code batch} ticks each are sent
 * with {@code inFlight} requests outstanding for {@code seconds}, {@code runs} times; a tick
 * counts when its request was answered 2xx (after its COMMIT). Every tick has its own
 * observation time, so each is a row of price history. A tick revalues nothing: reads
 * value lazily, so the rate should not depend on how many portfolios hold the instrument.
 *
 * <p>Options (key=value): portfolios=10000 instruments=50 held=5 batch=500 inFlight=8
 * seconds=10 runs=3.
 */
public final class PriceTickBench {

  private static final AtomicLong SEQUENCE = new AtomicLong();

  private PriceTickBench() {
  }

  public static void main(String[] args) throws Exception {
    BenchSupport.Options options = new BenchSupport.Options(args);
    int portfolios = options.integer("portfolios", 10_000);
    int instrumentCount = options.integer("instruments", 50);
    int held = options.integer("held", 5);
    int batch = options.integer("batch", 500);
    int inFlight = options.integer("inFlight", 8);
    int seconds = options.integer("seconds", 10);
    int runs = options.integer("runs", 3);
    InstrumentId[] instruments = BenchSupport.instruments(instrumentCount);
    BenchSupport.printMachine("PriceTickBench", options);
    Path dataDir = BenchSupport.freshDataDir("price-ticks");
    Node node = BenchSupport.startNode(dataDir, options.settingOverrides());
    Vertx client = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    List<Double> rates = new ArrayList<>();
    try {
      BenchSupport.createPortfolios(node, portfolios);
      long seeding = System.nanoTime();
      for (int p = 0; p < portfolios; p++) {
        PortfolioId id = BenchSupport.portfolio(p);
        List<CommandEnvelope> trades = new ArrayList<>();
        for (int h = 0; h < held; h++) {
          InstrumentId instrument = instruments[(p + h) % instruments.length];
          RecordTrade trade = BenchSupport.randomTrade(id, "hold-" + h, new InstrumentId[] {instrument});
          trades.add(CommandEnvelope.of(trade));
        }
        BenchSupport.await(node.owners().<CommandOutcomes>request(new OwnerRequest.Execute(id, trades)), 60);
      }
      System.out.printf("each of %,d portfolios holds %d of %d instruments (seeded in %d ms)%n", portfolios, held,
          instrumentCount, BenchSupport.millisSince(seeding));
      HttpClientAgent http = client.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true),
          new PoolOptions().setHttp1MaxSize(inFlight));
      for (int run = 1; run <= runs + 1; run++) {
        AtomicLong ticks = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        long until = System.nanoTime() + seconds * 1_000_000_000L;
        long started = System.nanoTime();
        List<Future<Void>> loops = new ArrayList<>();
        for (int i = 0; i < inFlight; i++) {
          loops.add(loop(http, node.httpPort(), instruments, batch, until, ticks, errors));
        }
        BenchSupport.await(Future.all(loops), seconds + 60L);
        double rate = ticks.get() / ((System.nanoTime() - started) / 1e9);
        if (run == 1) {
          System.out.printf(Locale.ROOT, "warm-up: %,.0f ticks/s%n", rate);
          continue;
        }
        rates.add(rate);
        System.out.printf(Locale.ROOT, "run %d: %,d ticks in %d s = %,.0f durable price ticks/s, %d failed requests%n",
            run - 1, ticks.get(), seconds, rate, errors.get());
      }
      System.out.printf(Locale.ROOT, "%n=== PriceTickBench: median %,.0f price ticks/s (%,d portfolios holding the "
          + "instruments, %d ticks per request, %d requests in flight)%n", BenchSupport.median(rates), portfolios, batch,
          inFlight);
    } finally {
      BenchSupport.await(client.close(), 30);
      node.close();
    }
  }

  private static Future<Void> loop(HttpClientAgent http, int port, InstrumentId[] instruments, int batch, long until,
      AtomicLong ticks, AtomicLong errors) {
    if (System.nanoTime() >= until) {
      return Future.succeededFuture();
    }
    StringBuilder body = new StringBuilder(batch * 80).append('[');
    ThreadLocalRandom random = ThreadLocalRandom.current();
    for (int i = 0; i < batch; i++) {
      if (i > 0) {
        body.append(',');
      }
      body.append("{\"instrumentId\":\"").append(instruments[random.nextInt(instruments.length)].value())
          .append("\",\"currency\":\"USD\",\"price\":\"").append(100 + random.nextInt(100)).append('.')
          .append(random.nextInt(100)).append("\",\"at\":\"")
          // A distinct observation time per tick (microseconds apart, in the past): every tick is
          // a row of price history, none replaces another.
          .append(java.time.Instant.now().minusNanos(SEQUENCE.incrementAndGet() % 50_000_000L * 1000)).append("\"}");
    }
    body.append(']');
    RequestOptions request = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(port)
        .setURI("/api/v1/prices").putHeader("content-type", "application/json")
        .putHeader(BenchSupport.AUTHORIZATION, BenchSupport.ADMIN_BEARER);
    return http.request(request)
        .compose(req -> req.send(Buffer.buffer(body.toString())))
        .compose(response -> response.body().map(b -> response.statusCode()))
        .transform(result -> {
          if (result.succeeded() && result.result() / 100 == 2) {
            ticks.addAndGet(batch);
          } else {
            errors.incrementAndGet();
          }
          return loop(http, port, instruments, batch, until, ticks, errors);
        });
  }
}
