package io.portfoliostate.bench;

import io.portfoliostate.app.Node;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * What a correction of a long position costs (issue 13): one node in this JVM, one portfolio
 * holding one position of {@code trades} trades (buys and sells alternating, one second apart),
 * then, one request at a time, from sending the request to the durable answer (after COMMIT):
 *
 * <ul>
 *   <li>{@code first}: the first correction of the portfolio, which reads its trades from the
 *       journal (the ledger) before folding;</li>
 *   <li>{@code amend}: an amendment of the price of the position's first trade (every one a new
 *       price), which folds the whole position again;</li>
 *   <li>{@code cancel}: a cancel of one of the first trades;</li>
 *   <li>{@code backdated}: a trade executed before every trade of the position;</li>
 *   <li>{@code in-order}: a trade executed after every other, into another portfolio: the same
 *       path without a fold, the floor of this machine;</li>
 *   <li>{@code full fold}: {@code GET ?asOf=} far ahead, which folds the portfolio's whole journal
 *       from PostgreSQL: what recomputing from the trade list costs.</li>
 * </ul>
 *
 * <p>Options (key=value): trades=10000 samples=200 method=AVERAGE (or FIFO, LIFO, HIFO).
 */
public final class TimelineBench {

  private static final Instant START = Instant.parse("2025-01-06T09:00:00Z");

  private TimelineBench() {
  }

  public static void main(String[] args) throws Exception {
    BenchSupport.Options options = new BenchSupport.Options(args);
    int trades = options.integer("trades", 10_000);
    int samples = options.integer("samples", 200);
    String method = options.string("method", "AVERAGE");
    BenchSupport.printMachine("TimelineBench", options);
    Node node = BenchSupport.startNode(BenchSupport.freshDataDir("timeline"));
    HttpClient http = HttpClient.newHttpClient();
    String base = "http://127.0.0.1:" + node.httpPort() + "/api/v1/portfolios";
    try {
      post(http, base, new JsonObject().put("id", "tl").put("name", "Timeline").put("baseCurrency", "USD")
          .put("costMethod", method), 201);
      post(http, base, new JsonObject().put("id", "floor").put("name", "Floor").put("baseCurrency", "USD"), 201);
      long loading = System.nanoTime();
      for (int from = 0; from < trades; from += 1_000) {
        JsonArray batch = new JsonArray();
        for (int i = from; i < Math.min(trades, from + 1_000); i++) {
          batch.add(trade("t" + i, i % 2 == 0 ? "BUY" : "SELL", i % 2 == 0 ? "10" : "9", "100",
              START.plusSeconds(i)));
        }
        post(http, base + "/tl/trades:batch", new JsonObject().put("trades", batch), 200);
      }
      System.out.printf("loaded %d trades in one position in %d ms%n", trades, BenchSupport.millisSince(loading));

      long first = System.nanoTime();
      post(http, base + "/tl/trades/t0:amend", new JsonObject().put("price", "99"), 200);
      System.out.printf("first correction (reads the ledger, then folds): %.1f ms%n",
          (System.nanoTime() - first) / 1e6);

      Histogram amend = new Histogram(BenchSupport.HISTOGRAM_MAX_MICROS, 3);
      Histogram cancel = new Histogram(BenchSupport.HISTOGRAM_MAX_MICROS, 3);
      Histogram backdated = new Histogram(BenchSupport.HISTOGRAM_MAX_MICROS, 3);
      Histogram inOrder = new Histogram(BenchSupport.HISTOGRAM_MAX_MICROS, 3);
      // Interleaved, so that a slow spell of this shared machine falls on all of them alike.
      for (int n = 0; n < samples; n++) {
        int i = n;
        amend.recordValue(timed(() -> post(http, base + "/tl/trades/t0:amend",
            new JsonObject().put("price", price(i)), 200)));
        int target = 2 + 2 * i;
        cancel.recordValue(timed(() -> post(http, base + "/tl/trades/t" + target + ":cancel",
            new JsonObject().put("reason", "bench"), 200)));
        backdated.recordValue(timed(() -> post(http, base + "/tl/trades", trade("early" + i, "BUY", "1", "95",
            START.minusSeconds(1 + i)), 201)));
        inOrder.recordValue(timed(() -> post(http, base + "/floor/trades", trade("floor" + i, "BUY", "1", "95",
            null), 201)));
      }
      Histogram fullFold = new Histogram(BenchSupport.HISTOGRAM_MAX_MICROS, 3);
      for (int i = 0; i < Math.min(samples, 20); i++) {
        fullFold.recordValue(timed(() -> get(http, base + "/tl?asOf=2099-01-01T00:00:00Z")));
      }
      print("amend first trade", amend, inOrder);
      print("cancel an early trade", cancel, inOrder);
      print("back-dated trade", backdated, inOrder);
      print("in-order trade (floor)", inOrder, inOrder);
      print("full fold of the journal (GET ?asOf)", fullFold, inOrder);
    } finally {
      node.close();
    }
  }

  private static String price(int i) {
    return "100." + String.format("%04d", i + 1);
  }

  private static JsonObject trade(String id, String side, String quantity, String price, Instant executedAt) {
    JsonObject trade = new JsonObject().put("tradeId", id).put("instrumentId", "AAPL").put("side", side)
        .put("quantity", quantity).put("price", price);
    return executedAt == null ? trade : trade.put("executedAt", executedAt.toString());
  }

  private interface Call {
    void run() throws Exception;
  }

  private static long timed(Call call) throws Exception {
    long started = System.nanoTime();
    call.run();
    return TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - started);
  }

  private static void print(String what, Histogram h, Histogram floor) {
    System.out.printf("%-38s n=%d p50=%.2f ms p99=%.2f ms max=%.2f ms; p50 / floor p50 = %.1f%n", what,
        h.getTotalCount(), h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0,
        h.getMaxValue() / 1000.0, (double) h.getValueAtPercentile(50) / floor.getValueAtPercentile(50));
  }

  private static void post(HttpClient http, String url, JsonObject body, int status) throws Exception {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url))
        .header("Content-Type", "application/json").header(BenchSupport.AUTHORIZATION, BenchSupport.ADMIN_BEARER)
        .POST(HttpRequest.BodyPublishers.ofString(body.encode())).build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != status) {
      throw new IllegalStateException(url + " answered " + response.statusCode() + ": " + response.body());
    }
  }

  private static void get(HttpClient http, String url) throws Exception {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url))
        .header(BenchSupport.AUTHORIZATION, BenchSupport.ADMIN_BEARER).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IllegalStateException(url + " answered " + response.statusCode() + ": " + response.body());
    }
  }
}
