package io.portfoliostate.bench;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.portfoliostate.app.Node;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.domain.RecordTrade;
import io.portfoliostate.integration.duckdb.AnalyticsQueries;
import io.portfoliostate.integration.duckdb.AnalyticsStore;
import io.portfoliostate.protocol.CommandEnvelope;
import io.portfoliostate.protocol.CommandOutcomes;
import io.portfoliostate.protocol.OwnerRequest;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What reading the stored prices from PostgreSQL costs the analytics store's daily series, at a
 * steady rate of price ticks (issue 16, {@code minPriceSeq}). One node with its store;
 * {@code portfolios} portfolios each hold {@code held} of {@code instruments} instruments; then,
 * {@code runs} times for {@code seconds}, {@code rate} ticks a second are posted over REST in
 * requests of {@code batch} (paced, not as fast as possible), while every
 * {@code probeMs} one more price is posted and {@code GET /api/v1/analytics/nav} of a portfolio
 * holding it is asked with that write's {@code marketSeq} as {@code minPriceSeq}.
 *
 * <p>Per run: the refreshes' read of prices and rates from PostgreSQL
 * ({@code pstate.analytics.series.priceRead}: the horizon and the grouped read, mean and max),
 * the rows it read per refresh, the whole refresh's mean time ({@code pstate.analytics.series.refresh})
 * and so the read's share of it, and the delay from a price write's answer to the first
 * series answer that includes it (p50, p99).
 *
 * <p>Options (key=value): portfolios=200 instruments=50 held=5 rate=2000 batch=100 seconds=20
 * runs=3 probeMs=500.
 */
public final class PriceSeqBench {

  private PriceSeqBench() {
  }

  public static void main(String[] args) throws Exception {
    BenchSupport.Options options = new BenchSupport.Options(args);
    int portfolios = options.integer("portfolios", 200);
    int instrumentCount = options.integer("instruments", 50);
    int held = options.integer("held", 5);
    int rate = options.integer("rate", 2000);
    int batch = options.integer("batch", 100);
    int seconds = options.integer("seconds", 20);
    int runs = options.integer("runs", 3);
    int probeMs = options.integer("probeMs", 500);
    InstrumentId[] instruments = BenchSupport.instruments(instrumentCount);
    BenchSupport.printMachine("PriceSeqBench", options);
    Path dataDir = BenchSupport.freshDataDir("price-seq");
    Node node = BenchSupport.startNode(dataDir, options.settingOverrides());
    Vertx client = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    List<Double> readMeans = new ArrayList<>();
    List<Double> shares = new ArrayList<>();
    List<Double> delays50 = new ArrayList<>();
    List<Double> delays99 = new ArrayList<>();
    try {
      BenchSupport.createPortfolios(node, portfolios);
      for (int p = 0; p < portfolios; p++) {
        PortfolioId id = BenchSupport.portfolio(p);
        List<CommandEnvelope> trades = new ArrayList<>();
        for (int h = 0; h < held; h++) {
          InstrumentId instrument = instruments[(p + h) % instruments.length];
          trades.add(CommandEnvelope.of(BenchSupport.randomTrade(id, "hold-" + h, new InstrumentId[] {instrument})));
        }
        BenchSupport.await(node.owners().<CommandOutcomes>request(new OwnerRequest.Execute(id, trades)), 60);
      }
      BenchSupport.postPrices(node, instruments);
      AnalyticsStore store = node.analyticsStore();
      long seeding = System.nanoTime();
      while (AnalyticsQueries.seriesUpToDate(store.reader()) < portfolios) {
        Thread.sleep(100);
      }
      System.out.printf("each of %,d portfolios holds %d of %d instruments; series computed in %d ms%n", portfolios,
          held, instrumentCount, BenchSupport.millisSince(seeding));
      HttpClientAgent http = client.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true),
          new PoolOptions().setHttp1MaxSize(16));
      Timer reads = node.registry().find("pstate.analytics.series.priceRead").timer();
      Timer refreshes = node.registry().find("pstate.analytics.series.refresh").timer();
      Counter rows = node.registry().find("pstate.analytics.series.prices").counter();
      for (int run = 0; run <= runs; run++) {
        long readCount = reads.count();
        double readNanos = reads.totalTime(TimeUnit.NANOSECONDS);
        long refreshCount = refreshes.count();
        double refreshNanos = refreshes.totalTime(TimeUnit.NANOSECONDS);
        double rowsBefore = rows.count();
        AtomicLong ticks = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        long every = 1000L * batch / rate;
        long timer = client.setPeriodic(every, id -> post(http, node.httpPort(), instruments, batch, ticks, errors));
        List<Double> delays = Collections.synchronizedList(new ArrayList<>());
        long until = System.nanoTime() + seconds * 1_000_000_000L;
        while (System.nanoTime() < until) {
          delays.add(probe(node.httpPort(), instruments[0]));
          Thread.sleep(probeMs);
        }
        client.cancelTimer(timer);
        long unavailable = delays.stream().filter(d -> d.isNaN()).count();
        delays.removeIf(d -> d.isNaN());
        long runReads = reads.count() - readCount;
        double readMean = (reads.totalTime(TimeUnit.NANOSECONDS) - readNanos) / Math.max(1, runReads) / 1e6;
        double refreshMean = (refreshes.totalTime(TimeUnit.NANOSECONDS) - refreshNanos)
            / Math.max(1, refreshes.count() - refreshCount) / 1e6;
        Collections.sort(delays);
        long probes = delays.size() + unavailable;
        if (delays.isEmpty()) {
          // Every probe ran out of time: no delay to report.
          delays.add(Double.NaN);
        }
        double p50 = delays.get(delays.size() / 2);
        double p99 = delays.get(Math.min(delays.size() - 1, (int) Math.ceil(delays.size() * 0.99) - 1));
        String line = String.format(Locale.ROOT, "%,d ticks in %d s (%,.0f/s, %d failed requests); %d reads of "
            + "PostgreSQL: mean %.2f ms, max %.2f ms, %,.0f rows each; refresh mean %.1f ms (the read %.1f %% of it); "
            + "price write -> series answer with it: p50 %.0f ms, p99 %.0f ms, max %.0f ms (%d probes, %d answered 503)",
            ticks.get(), seconds, ticks.get() / (double) seconds, errors.get(), runReads, readMean,
            reads.max(TimeUnit.MILLISECONDS), (rows.count() - rowsBefore) / Math.max(1, runReads), refreshMean,
            100 * readMean / refreshMean, p50, p99, delays.get(delays.size() - 1), probes, unavailable);
        if (run == 0) {
          System.out.println("warm-up: " + line);
          continue;
        }
        System.out.println("run " + run + ": " + line);
        readMeans.add(readMean);
        shares.add(100 * readMean / refreshMean);
        delays50.add(p50);
        delays99.add(p99);
      }
      System.out.printf(Locale.ROOT, "%n=== PriceSeqBench: at %,d ticks/s the refresh's read of PostgreSQL takes "
          + "median %.2f ms (%.1f %% of a refresh); price write -> series answer with it p50 %.0f ms, p99 %.0f ms "
          + "(medians of %d runs)%n", rate, BenchSupport.median(readMeans), BenchSupport.median(shares),
          BenchSupport.median(delays50), BenchSupport.median(delays99), runs);
    } finally {
      BenchSupport.await(client.close(), 30);
      node.close();
    }
  }

  /** One batch of ticks of random instruments, each with its own observation time (a row each). */
  private static void post(HttpClientAgent http, int port, InstrumentId[] instruments, int batch, AtomicLong ticks,
      AtomicLong errors) {
    StringBuilder body = new StringBuilder(batch * 80).append('[');
    ThreadLocalRandom random = ThreadLocalRandom.current();
    Instant now = Instant.now();
    for (int i = 0; i < batch; i++) {
      if (i > 0) {
        body.append(',');
      }
      body.append("{\"instrumentId\":\"").append(instruments[random.nextInt(instruments.length)].value())
          .append("\",\"currency\":\"USD\",\"price\":\"").append(100 + random.nextInt(100)).append('.')
          .append(random.nextInt(100)).append("\",\"at\":\"").append(now.minusNanos(1000L * i)).append("\"}");
    }
    body.append(']');
    RequestOptions request = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(port)
        .setURI("/api/v1/prices").putHeader("content-type", "application/json")
        .putHeader(BenchSupport.AUTHORIZATION, BenchSupport.ADMIN_BEARER);
    http.request(request).compose(req -> req.send(Buffer.buffer(body.toString())))
        .compose(response -> response.body().map(b -> response.statusCode()))
        .onComplete(result -> {
          if (result.succeeded() && result.result() / 100 == 2) {
            ticks.addAndGet(batch);
          } else {
            errors.incrementAndGet();
          }
        });
  }

  /**
   * Posts one price of {@code instrument} and reads portfolio 0's series (it holds it) with the
   * write's marketSeq: the milliseconds from the write's answer to the read's.
   */
  private static double probe(int port, InstrumentId instrument) throws Exception {
    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    String price = "[{\"instrumentId\":\"" + instrument.value() + "\",\"currency\":\"USD\",\"price\":\""
        + (100 + ThreadLocalRandom.current().nextInt(100)) + "\"}]";
    java.net.http.HttpResponse<String> written = http.send(java.net.http.HttpRequest.newBuilder(
            java.net.URI.create("http://127.0.0.1:" + port + "/api/v1/prices"))
        .header("Content-Type", "application/json").header(BenchSupport.AUTHORIZATION, BenchSupport.ADMIN_BEARER)
        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(price)).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
    long answered = System.nanoTime();
    long seq = new JsonObject(written.body()).getLong("marketSeq");
    java.net.http.HttpResponse<String> read = http.send(java.net.http.HttpRequest.newBuilder(
            java.net.URI.create("http://127.0.0.1:" + port + "/api/v1/analytics/nav?portfolios="
                + BenchSupport.portfolio(0).value() + "&minPriceSeq=" + seq))
        .header(BenchSupport.AUTHORIZATION, BenchSupport.ADMIN_BEARER).GET().build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
    if (read.statusCode() == 503) {
      // Not there within analytics.minSeqWaitMs: counted apart.
      return Double.NaN;
    }
    if (read.statusCode() != 200) {
      throw new IllegalStateException("nav with minPriceSeq: " + read.statusCode() + " " + read.body());
    }
    return (System.nanoTime() - answered) / 1e6;
  }
}
