package io.portfoliostate.bench;

import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.fixtures.ServiceProcess;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The service as a process of its own (as {@code java -jar} runs it), for benchmarks whose load
 * generator must not share the service's JVM: its GC pauses and threads then stop only the
 * service, never the clock of the requests. Set up over the public HTTP API only.
 */
final class ServerProcessTarget implements AutoCloseable {

  private final ServiceProcess service;
  private final HttpClient http = HttpClient.newHttpClient();

  private ServerProcessTarget(ServiceProcess service) {
    this.service = service;
  }

  /** Starts the service on {@code dataDir} with this JVM's heap and collector flags. */
  static ServerProcessTarget start(Path dataDir) throws Exception {
    List<String> jvm = new ArrayList<>();
    ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(argument -> argument.startsWith("-Xm") || argument.matches("-XX:[+-]Use\\w+GC")
            || argument.startsWith("-XX:MaxGCPauseMillis"))
        .forEach(jvm::add);
    long started = System.nanoTime();
    ServiceProcess service = ServiceProcess.start(dataDir, jvm, "PSTATE_LOG_LEVEL", "WARN");
    System.out.printf("service process started in %d ms with %s, HTTP on 127.0.0.1:%d (in the CPU lines below it "
        + "counts as 'other processes')%n", BenchSupport.millisSince(started), jvm, service.port());
    return new ServerProcessTarget(service);
  }

  int port() {
    return service.port();
  }

  /** Portfolios bench-0 .. bench-(count-1), 32 requests at a time. */
  void createPortfolios(int count) throws Exception {
    long started = System.nanoTime();
    eachPortfolio(count, i -> post("/api/v1/portfolios", new JsonObject().put("id", BenchSupport.portfolio(i).value())
        .put("name", "Bench " + i).put("baseCurrency", "USD"), 201));
    System.out.printf("created %,d portfolios in %d ms%n", count, BenchSupport.millisSince(started));
  }

  /**
   * {@code trades} random trades per portfolio in one {@code trades:batch} each, as the in-JVM
   * seeding does (spread: trade t in instrument t).
   */
  void seed(int portfolios, int trades, InstrumentId[] instruments, boolean spread) throws Exception {
    if (trades <= 0) {
      return;
    }
    long started = System.nanoTime();
    eachPortfolio(portfolios, i -> {
      JsonArray batch = new JsonArray();
      ThreadLocalRandom random = ThreadLocalRandom.current();
      for (int t = 0; t < trades; t++) {
        InstrumentId instrument = spread ? instruments[t % instruments.length]
            : instruments[random.nextInt(instruments.length)];
        batch.add(new JsonObject().put("tradeId", "seed-" + t).put("instrumentId", instrument.value())
            .put("side", random.nextBoolean() ? "BUY" : "SELL").put("quantity", 1 + random.nextInt(100))
            .put("price", String.format(Locale.ROOT, "%.2f", (1000 + random.nextInt(20_000)) / 100.0)));
      }
      return post("/api/v1/portfolios/" + BenchSupport.portfolio(i).value() + "/trades:batch",
          new JsonObject().put("trades", batch), 200);
    });
    System.out.printf("seeded %,d trades (%d per portfolio) in %d ms%n", (long) portfolios * trades, trades,
        BenchSupport.millisSince(started));
  }

  /** The service's own latency quantiles, scraped from {@code /metrics}. */
  void printServerLatency() throws Exception {
    String metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port() + "/metrics"))
            .header(BenchSupport.AUTHORIZATION, BenchSupport.ADMIN_BEARER).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    for (String line : metrics.split("\n")) {
      if ((line.startsWith("pstate_command_latency_seconds{") || line.startsWith("pstate_journal_commit_seconds{"))
          && line.contains("quantile=")) {
        System.out.println("       server " + line);
      }
    }
  }

  private interface Request {
    CompletableFuture<Void> send(int portfolio);
  }

  private void eachPortfolio(int count, Request request) throws Exception {
    Semaphore inFlight = new Semaphore(32);
    List<CompletableFuture<Void>> sent = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      inFlight.acquire();
      sent.add(request.send(i).whenComplete((done, failure) -> inFlight.release()));
    }
    CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get();
  }

  private CompletableFuture<Void> post(String path, JsonObject body, int expected) {
    return http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port() + path))
            .header("Content-Type", "application/json").header(BenchSupport.AUTHORIZATION, BenchSupport.ADMIN_BEARER)
            .POST(HttpRequest.BodyPublishers.ofString(body.encode())).build(),
        HttpResponse.BodyHandlers.ofString()).thenAccept(response -> {
          if (response.statusCode() != expected) {
            throw new IllegalStateException("POST " + path + " answered " + response.statusCode() + ": "
                + response.body());
          }
        });
  }

  @Override
  public void close() throws Exception {
    service.terminate();
  }
}
