package io.portfoliostate.bench;

import io.micrometer.core.instrument.Gauge;
import io.portfoliostate.app.Node;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A stuck market-data writer: the {@code prices} table is locked by another session ({@code LOCK
 * TABLE prices IN ACCESS EXCLUSIVE MODE}, held {@code hold} seconds), {@code posts} requests of
 * {@code rows} prices each are posted at once, and the benchmark reports how the node takes it:
 * the answers (status, time to answer), readiness and the heap while the lock holds, and after
 * the release how many rows are still written (by requests whose clients had their 503 long
 * before), until when, and how long the node takes to be ready again.
 *
 * <p>Options (key=value): posts=150 rows=2000 hold=20, and {@code set.<path>=value} settings.
 */
public final class WriterStallBench {

  private WriterStallBench() {
  }

  public static void main(String[] args) throws Exception {
    BenchSupport.Options options = new BenchSupport.Options(args);
    int posts = options.integer("posts", 150);
    int rows = options.integer("rows", 2000);
    int hold = options.integer("hold", 20);
    BenchSupport.printMachine("WriterStallBench", options);
    Path dataDir = BenchSupport.freshDataDir("writer-stall");
    Node node = BenchSupport.startNode(dataDir, options.settingOverrides());
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
    String base = "http://127.0.0.1:" + node.httpPort();
    try {
      send(http, "PUT", base + "/api/v1/instruments/STALL-1", new JsonObject().put("currency", "USD").encode()).join();
      long heapBefore = heapAfterGc();

      List<CompletableFuture<long[]>> answers = new ArrayList<>();
      long released;
      long start;
      try (Connection lock = BenchSupport.jdbc(node)) {
        lock.setAutoCommit(false);
        try (Statement statement = lock.createStatement()) {
          statement.execute("LOCK TABLE prices IN ACCESS EXCLUSIVE MODE");
        }
        start = System.nanoTime();
        for (int p = 0; p < posts; p++) {
          String body = prices(p, rows);
          long sent = System.nanoTime();
          answers.add(send(http, "POST", base + "/api/v1/prices", body)
              .thenApply(r -> new long[] {r.statusCode(), BenchSupport.millisSince(sent)}));
        }
        BenchSupport.sleep(3000);
        int readyDuring = send(http, "GET", base + "/health/ready", null).join().statusCode();
        long heapDuring = heapAfterGc();
        System.out.printf(Locale.ROOT, "lock held, 3 s after the posts: ready=%d, heap %d MB -> %d MB (+%d MB), "
            + "writer queue %s%n", readyDuring, heapBefore >> 20, heapDuring >> 20, (heapDuring - heapBefore) >> 20,
            gauge(node, "pstate.market.write.queue.rows"));
        BenchSupport.sleep(Math.max(0, TimeUnit.SECONDS.toMillis(hold) - BenchSupport.millisSince(start)));
        System.out.printf(Locale.ROOT, "answered before the release (%d s): %d of %d%n", hold,
            answers.stream().filter(CompletableFuture::isDone).count(), posts);
        lock.rollback();
        released = System.nanoTime();
      }
      CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
      Map<String, List<Double>> byStatus = new TreeMap<>();
      for (CompletableFuture<long[]> answer : answers) {
        long[] a = answer.join();
        byStatus.computeIfAbsent(Long.toString(a[0]), k -> new ArrayList<>()).add((double) a[1]);
      }
      byStatus.forEach((status, times) -> System.out.printf(Locale.ROOT,
          "status %s: %d posts, answered after median %.0f ms, max %.0f ms%n", status, times.size(),
          BenchSupport.median(times), times.stream().mapToDouble(Double::doubleValue).max().orElse(0)));

      long readyAfter = -1;
      long lastChange = 0;
      long count = -1;
      long deadline = released + TimeUnit.SECONDS.toNanos(180);
      while (System.nanoTime() < deadline) {
        if (readyAfter < 0 && send(http, "GET", base + "/health/ready", null).join().statusCode() == 200) {
          readyAfter = BenchSupport.millisSince(released);
        }
        long now = rows(node);
        if (now != count) {
          count = now;
          lastChange = BenchSupport.millisSince(released);
        } else if (readyAfter >= 0 && BenchSupport.millisSince(released) - lastChange > 10_000) {
          break;
        }
        BenchSupport.sleep(200);
      }
      int after = send(http, "POST", base + "/api/v1/prices", prices(posts, 1)).join().statusCode();
      System.out.printf(Locale.ROOT, "after the release: ready again after %d ms; %d price rows of the %d posts "
          + "written after the release, the last %d ms after the release; a new post: %d%n",
          readyAfter, count, posts, lastChange, after);
      System.out.printf(Locale.ROOT, "refused %s, expired %s%n", gauge(node, "pstate.market.write.refused"),
          gauge(node, "pstate.market.write.expired"));
    } finally {
      node.close();
    }
  }

  private static String prices(int post, int rows) {
    JsonArray prices = new JsonArray();
    Instant at = Instant.parse("2020-01-01T00:00:00Z").plusSeconds(post * 100_000L);
    for (int i = 0; i < rows; i++) {
      prices.add(new JsonObject().put("instrumentId", "STALL-1").put("price", "100." + i)
          .put("at", at.plusSeconds(i).toString()));
    }
    return prices.encode();
  }

  private static CompletableFuture<HttpResponse<String>> send(HttpClient http, String method, String uri,
      String body) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofSeconds(120))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
        .header(BenchSupport.AUTHORIZATION, BenchSupport.ADMIN_BEARER);
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    return http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static long rows(Node node) throws Exception {
    try (Connection connection = BenchSupport.jdbc(node);
        Statement statement = connection.createStatement();
        ResultSet result = statement.executeQuery("SELECT count(*) FROM prices WHERE instrument_id = 'STALL-1'")) {
      result.next();
      return result.getLong(1);
    }
  }

  private static String gauge(Node node, String name) {
    var meter = node.registry().find(name).meter();
    if (meter == null) {
      return "(none)";
    }
    return meter instanceof Gauge ? String.valueOf((long) ((Gauge) meter).value())
        : String.valueOf((long) meter.measure().iterator().next().getValue());
  }

  private static long heapAfterGc() {
    System.gc();
    BenchSupport.sleep(200);
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
