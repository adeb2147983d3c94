package io.portfoliostate.bench;

import static io.portfoliostate.bench.BenchSupport.latencyLine;

import io.micrometer.core.instrument.Timer;
import io.portfoliostate.app.Node;
import io.portfoliostate.fixtures.TestKeys;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Latency of {@code GET /api/v1/portfolios/{id}/performance} for one year of daily performance
 * (the case: 500 positions, 5,000 events, a year of daily prices), through the HTTP API
 * of one node with its embedded PostgreSQL, authentication on.
 *
 * <p>The book: {@code positions} instruments (one in five in EUR, with a daily EUR/USD rate),
 * each priced every weekday of the year at 16:00 UTC (a random walk); a deposit on the first
 * day and one every month; one opening buy per instrument on the first days, then trades (buys
 * and sells of a few units, some sells past zero into shorts) spread over the year by
 * {@code executedAt} until the journal holds {@code events} events. Everything goes through the
 * API, as a client would write it.
 *
 * <p>Measured, one request at a time: the <b>first call</b> (the JVM has run the code only in
 * the node's warm-up, if {@code http.performance.warmUp} is on: {@code set.http.performance.warmUp=false}
 * measures a JVM that never ran it), then {@code calls} calls of the same window (kept whole), the
 * <b>first call of a second portfolio</b> of the same shape on the now warm node (its journal read
 * and parsed, its year folded; the prices already kept), then, for how the cost grows with the
 * days, calls each with a window never asked before (a year, half and a quarter of one, starting a
 * day later each call). The node's timers ({@code pstate.performance.fold} and
 * {@code .compute}: the work on the workers) split each figure into fold, compute and the rest
 * (statements, JSON, HTTP).
 *
 * <p>Options (key=value): positions=500 events=5000 days=261 (weekdays of prices, ending today)
 * calls=50.
 */
public final class PerformanceBench {

  private static final String ID = "perf-bench";
  /** A second portfolio of the same shape, read only once, last: a first read on a warm node. */
  private static final String OTHER = "perf-bench-2";

  private PerformanceBench() {
  }

  public static void main(String[] args) throws Exception {
    BenchSupport.Options options = new BenchSupport.Options(args);
    int positions = options.integer("positions", 500);
    int events = options.integer("events", 5_000);
    int days = options.integer("days", 261);
    int calls = options.integer("calls", 50);

    BenchSupport.printMachine("PerformanceBench", options);
    Path dataDir = BenchSupport.freshDataDir("performance");
    JsonObject overrides = new JsonObject().put("security", new JsonObject()
        .put("adminKeyFile", TestKeys.adminKeyFile().toString())).mergeIn(options.settingOverrides(), true);
    Node node = BenchSupport.startNode(dataDir, overrides);
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
    String base = "http://127.0.0.1:" + node.httpPort();
    try {
      List<LocalDate> weekdays = weekdays(days);
      long started = System.nanoTime();
      int written = setUp(client, base, positions, events, weekdays);
      book(client, base, OTHER, positions, events, weekdays, new Random(43));
      System.out.printf(Locale.ROOT, "set up %d instruments, %,d prices, %,d events in %,d ms%n", positions,
          positions * weekdays.size(), written, BenchSupport.millisSince(started));

      LocalDate from = weekdays.get(0);
      LocalDate to = weekdays.get(weekdays.size() - 1);
      String year = base + "/api/v1/portfolios/" + ID + "/performance?from=" + from + "&to=" + to;
      Timer compute = node.registry().timer("pstate.performance.compute");
      Timer fold = node.registry().timer("pstate.performance.fold");

      String floorUrl = base + "/api/v1/instruments/PB0";
      get(client, floorUrl);
      Histogram floor = measure(client, i -> floorUrl, calls, compute, fold, "floor (GET one instrument)");

      long firstCpu = processCpuNanos();
      long firstStarted = System.nanoTime();
      String first = get(client, year);
      double firstMs = (System.nanoTime() - firstStarted) / 1e6;
      double firstCpuMs = (processCpuNanos() - firstCpu) / 1e6;
      double firstCompute = compute.totalTime(TimeUnit.MILLISECONDS);
      double firstFold = fold.totalTime(TimeUnit.MILLISECONDS);
      JsonObject answer = new JsonObject(first);
      System.out.printf(Locale.ROOT, "first call: %.1f ms (fold %.1f ms, compute %.1f ms, JVM CPU %.1f ms); %,d bytes, %d points, "
          + "complete %s, TWR %s, NAV at the end %s%n", firstMs, firstFold, firstCompute, firstCpuMs, first.length(),
          answer.getJsonArray("series").size(),
          answer.getBoolean("complete"), answer.getValue("twr"),
          answer.getJsonArray("series").getJsonObject(answer.getJsonArray("series").size() - 1).getString("nav"));

      Histogram repeated = measure(client, i -> year, calls, compute, fold, "1 year, same window (kept)");
      // The first read of a portfolio never asked before, on a node warm from the reads above:
      // its journal read and parsed, its year folded; the prices are the node's already.
      double otherFold = fold.totalTime(TimeUnit.MILLISECONDS);
      double otherCompute = compute.totalTime(TimeUnit.MILLISECONDS);
      long otherCpu = processCpuNanos();
      long otherStarted = System.nanoTime();
      get(client, base + "/api/v1/portfolios/" + OTHER + "/performance?from=" + from + "&to=" + to);
      double otherMs = (System.nanoTime() - otherStarted) / 1e6;
      String otherLine = String.format(Locale.ROOT, "%.1f ms (fold %.1f ms, compute %.1f ms, JVM CPU %.1f ms)", otherMs,
          fold.totalTime(TimeUnit.MILLISECONDS) - otherFold, compute.totalTime(TimeUnit.MILLISECONDS) - otherCompute,
          (processCpuNanos() - otherCpu) / 1e6);
      System.out.println("first call of another portfolio on the warm node: " + otherLine);
      List<String> lines = new ArrayList<>();
      for (int share : new int[] {1, 2, 4}) {
        // A window never asked before on every call: it starts one calendar day later each time.
        LocalDate start = weekdays.get(weekdays.size() - weekdays.size() / share).minusDays(calls + 1L);
        String label = (share == 1 ? "1 year" : (weekdays.size() / share) + " days") + ", a new window each call";
        Histogram h = measure(client, i -> base + "/api/v1/portfolios/" + ID + "/performance?from="
            + start.plusDays(i) + "&to=" + to, calls, compute, fold, label);
        lines.add(String.format(Locale.ROOT, "%s: %s", label, latencyLine(h)));
      }
      System.out.println();
      System.out.printf(Locale.ROOT, "=== PerformanceBench summary (%d positions, %,d events, %d days of prices)%n",
          positions, written, weekdays.size());
      System.out.printf(Locale.ROOT, "FLOOR    %s%n", latencyLine(floor));
      System.out.printf(Locale.ROOT, "FIRST    %.1f ms (fold %.1f ms, compute %.1f ms, JVM CPU %.1f ms) = %.1f x the floor's p50%n",
          firstMs, firstFold, firstCompute, firstCpuMs, firstMs / BenchSupport.ms(floor.getValueAtPercentile(50)));
      System.out.printf(Locale.ROOT, "REPEATED %4d days, same window (kept): %s%n", weekdays.size(), latencyLine(repeated));
      System.out.printf(Locale.ROOT, "OTHER    first call of another portfolio, warm node: %s%n", otherLine);
      Timer warmUp = node.registry().find("pstate.performance.warmup").timer();
      System.out.printf(Locale.ROOT, "WARM-UP  %s%n", warmUp == null || warmUp.count() == 0 ? "none"
          : String.format(Locale.ROOT, "%d rounds at start, %.1f ms of wall time in all (slowest round %.1f ms), "
              + "%.1f ms of CPU", warmUp.count(), warmUp.totalTime(TimeUnit.MILLISECONDS),
              warmUp.max(TimeUnit.MILLISECONDS),
              node.registry().timer("pstate.performance.warmup.cpu").totalTime(TimeUnit.MILLISECONDS)));
      lines.forEach(line -> System.out.println("REPEATED " + line));
    } finally {
      node.close();
      System.out.println("node closed; data left in " + dataDir);
    }
  }

  /** {@code count} sequential calls; prints the mean of the node's fold and compute timers per call. */
  private static Histogram measure(HttpClient client, java.util.function.IntFunction<String> url, int count,
      Timer compute, Timer fold, String label) throws Exception {
    Histogram histogram = new Histogram(BenchSupport.HISTOGRAM_MAX_MICROS, 3);
    double computeBefore = compute.totalTime(TimeUnit.MILLISECONDS);
    double foldBefore = fold.totalTime(TimeUnit.MILLISECONDS);
    double[] cpu = new double[count];
    for (int i = 0; i < count; i++) {
      String target = url.apply(i);
      long cpuStarted = processCpuNanos();
      long started = System.nanoTime();
      get(client, target);
      histogram.recordValue(Math.min(TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - started),
          BenchSupport.HISTOGRAM_MAX_MICROS));
      cpu[i] = (processCpuNanos() - cpuStarted) / 1e6;
    }
    java.util.Arrays.sort(cpu);
    double computeMean = (compute.totalTime(TimeUnit.MILLISECONDS) - computeBefore) / count;
    double foldMean = (fold.totalTime(TimeUnit.MILLISECONDS) - foldBefore) / count;
    System.out.printf(Locale.ROOT, "%s: %s (fold mean %.1f ms, compute mean %.1f ms; JVM CPU per call p50 %.1f p99 %.1f ms)%n",
        label, latencyLine(histogram), foldMean, computeMean, cpu[count / 2],
        cpu[Math.min(count - 1, (int) Math.ceil(count * 0.99) - 1)]);
    return histogram;
  }

  /**
   * CPU time of this JVM (the node and the client; PostgreSQL is another process): on a shared VM
   * whose other load stretches wall-clock times, what a call costs on its own.
   */
  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
        .getOperatingSystemMXBean()).getProcessCpuTime();
  }

  /** The last {@code count} weekdays up to today. */
  private static List<LocalDate> weekdays(int count) {
    List<LocalDate> dates = new ArrayList<>();
    for (LocalDate date = LocalDate.now(); dates.size() < count; date = date.minusDays(1)) {
      if (date.getDayOfWeek() != DayOfWeek.SATURDAY && date.getDayOfWeek() != DayOfWeek.SUNDAY) {
        dates.add(0, date);
      }
    }
    return dates;
  }

  /** The book over HTTP; returns the number of events journaled. */
  private static int setUp(HttpClient client, String base, int positions, int events, List<LocalDate> weekdays)
      throws Exception {
    Random random = new Random(42);
    for (int i = 0; i < positions; i++) {
      send(client, "PUT", base + "/api/v1/instruments/PB" + i, new JsonObject().put("currency", currency(i))
          .put("sector", "Sector" + (i % 11)).put("country", "C" + (i % 7)));
    }
    double[] level = new double[positions];
    for (int i = 0; i < positions; i++) {
      level[i] = 20 + random.nextInt(200);
    }
    JsonArray prices = new JsonArray();
    JsonArray rates = new JsonArray();
    double eurUsd = 1.08;
    for (LocalDate day : weekdays) {
      String at = day + "T16:00:00Z";
      for (int i = 0; i < positions; i++) {
        level[i] = Math.max(1, level[i] * (1 + random.nextGaussian() * 0.015));
        prices.add(new JsonObject().put("instrumentId", "PB" + i).put("price", String.format(Locale.ROOT, "%.2f",
            level[i])).put("at", at));
        if (prices.size() == 5_000) {
          send(client, "POST", base + "/api/v1/prices", prices);
          prices = new JsonArray();
        }
      }
      eurUsd *= 1 + random.nextGaussian() * 0.004;
      rates.add(new JsonObject().put("base", "EUR").put("quote", "USD")
          .put("rate", String.format(Locale.ROOT, "%.5f", eurUsd)).put("at", at));
    }
    if (!prices.isEmpty()) {
      send(client, "POST", base + "/api/v1/prices", prices);
    }
    send(client, "POST", base + "/api/v1/fx-rates", rates);
    return book(client, base, ID, positions, events, weekdays, random);
  }

  /** A portfolio of the bench's shape, its trades drawn from {@code random}; returns the events journaled. */
  private static int book(HttpClient client, String base, String id, int positions, int events,
      List<LocalDate> weekdays, Random random) throws Exception {
    send(client, "POST", base + "/api/v1/portfolios", new JsonObject().put("id", id).put("name", "Bench")
        .put("baseCurrency", "USD"));
    int written = 1;
    String path = base + "/api/v1/portfolios/" + id;
    LocalDate first = weekdays.get(0);
    int flows = 0;
    for (int month = 0; month < 12 && written < events; month++) {
      LocalDate day = first.plusMonths(month);
      send(client, "POST", path + "/cash-flows", new JsonObject().put("flowId", "dep-" + month).put("type", "DEPOSIT")
          .put("currency", "USD").put("amount", month == 0 ? "5000000" : "100000")
          .put("occurredAt", day + "T08:00:00Z"));
      written++;
      flows++;
    }
    send(client, "POST", path + "/cash-flows", new JsonObject().put("flowId", "dep-eur").put("type", "DEPOSIT")
        .put("currency", "EUR").put("amount", "1000000").put("occurredAt", first + "T08:00:00Z"));
    written++;
    JsonArray batch = new JsonArray();
    int trade = 0;
    while (written + batch.size() < events) {
      int instrument = trade < positions ? trade : random.nextInt(positions);
      LocalDate day = trade < positions ? weekdays.get(trade % 5)
          : weekdays.get(5 + random.nextInt(weekdays.size() - 5));
      boolean sell = trade >= positions && random.nextInt(3) == 0;
      batch.add(new JsonObject().put("tradeId", "bt-" + trade).put("instrumentId", "PB" + instrument)
          .put("side", sell ? "SELL" : "BUY").put("quantity", String.valueOf(trade < positions ? 100
              : 1 + random.nextInt(sell ? 150 : 40)))
          .put("price", String.format(Locale.ROOT, "%.2f", 20 + random.nextInt(200) + random.nextDouble()))
          .put("fees", "1").put("executedAt", day + "T1" + random.nextInt(6) + ":00:00Z"));
      trade++;
      if (batch.size() == 500) {
        send(client, "POST", path + "/trades:batch", new JsonObject().put("trades", batch));
        written += batch.size();
        batch = new JsonArray();
      }
    }
    if (!batch.isEmpty()) {
      send(client, "POST", path + "/trades:batch", new JsonObject().put("trades", batch));
      written += batch.size();
    }
    System.out.printf("journal: 1 creation, %d deposits, %d trades%n", flows + 1, trade);
    return written;
  }

  private static String currency(int instrument) {
    return instrument % 5 == 4 ? "EUR" : "USD";
  }

  private static String get(HttpClient client, String url) throws Exception {
    HttpResponse<String> answer = client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(120))
        .header(BenchSupport.AUTHORIZATION, BenchSupport.ADMIN_BEARER).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    if (answer.statusCode() != 200) {
      throw new IllegalStateException(url + " answered " + answer.statusCode() + ": " + answer.body());
    }
    return answer.body();
  }

  private static void send(HttpClient client, String method, String url, Object body) throws Exception {
    HttpResponse<String> answer = client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(120))
        .header(BenchSupport.AUTHORIZATION, BenchSupport.ADMIN_BEARER).header("Content-Type", "application/json")
        .method(method, HttpRequest.BodyPublishers.ofString(body.toString())).build(),
        HttpResponse.BodyHandlers.ofString());
    if (answer.statusCode() >= 300) {
      throw new IllegalStateException(method + " " + url + " answered " + answer.statusCode() + ": " + answer.body());
    }
  }
}
