package io.portfoliostate.exports;

import static io.portfoliostate.fixtures.Api.trade;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.RunningNode;
import io.portfoliostate.fixtures.TestKeys;
import io.portfoliostate.fixtures.TestPool;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Exports through the REST API on a real node (real PostgreSQL journal, Parquet written and read
 * back by real DuckDB): every format read back and compared row by row with the REST reads of
 * the same portfolios as of the same business time; a reader's exports hold only its
 * portfolios and another caller's job does not exist for it (404); a job's progress, then its
 * file; bad input changes nothing.
 */
class ExportApiTest {

  /** Between the two AAPL buys of ex-a: business time at which ex-a held 50, not 60. */
  private static final String AS_OF = "2026-03-01T12:00:00Z";
  private static final Path DIR = tempDir();

  @RegisterExtension
  static final RunningNode NODE = new RunningNode(new JsonObject().put("exports", new JsonObject()
      .put("dir", DIR.toString()).put("maxDirectPortfolios", 3).put("maxJobsPerCaller", 2)
      .put("pausePerPortfolioMs", 150)));

  private static TestPool pool;

  private static Api api() {
    return NODE.api();
  }

  private static Path tempDir() {
    try {
      return Files.createTempDirectory("exports-test");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /**
   * Prices observed 2026-01-01: AAPL 200 USD, SAP 120 EUR; EUR/USD 1.25.
   * ex-a (USD, FIFO): deposit 20,000 USD (2026-02-01); buy 50 AAPL @ 180 (2026-03-01T10:00),
   * 10 AAPL @ 190 (2026-03-02). ex-b (EUR, under ex-a): deposit 10,000 EUR (2026-02-01); buy
   * 40 SAP @ 100 (2026-02-15). ex-c (USD, root): deposit 10,000 USD; sell 10 SAP @ 110 (a short).
   * ex-d (USD, root): nothing but its creation.
   */
  @BeforeAll
  static void portfolios() throws Exception {
    pool = TestPool.open(NODE.databaseUri(), "export-test");
    api().putInstrument("AAPL", new JsonObject().put("currency", "USD").put("sector", "Technology"));
    api().putInstrument("SAP", new JsonObject().put("currency", "EUR").put("sector", "Technology"));
    String observed = "2026-01-01T00:00:00Z";
    expect(api().post("/api/v1/prices", new JsonArray()
        .add(new JsonObject().put("instrumentId", "AAPL").put("price", "200").put("at", observed))
        .add(new JsonObject().put("instrumentId", "SAP").put("price", "120").put("at", observed))), 200);
    expect(api().post("/api/v1/fx-rates", new JsonArray().add(new JsonObject().put("base", "EUR").put("quote", "USD")
        .put("rate", "1.25").put("at", observed))), 200);
    create("ex-a", "USD", null, "FIFO");
    deposit("ex-a", "USD", "20000", "2026-02-01T00:00:00Z");
    record("ex-a", trade("a-1", "AAPL", "BUY", "50", "180").put("executedAt", "2026-03-01T10:00:00Z"));
    record("ex-a", trade("a-2", "AAPL", "BUY", "10", "190").put("executedAt", "2026-03-02T10:00:00Z"));
    create("ex-b", "EUR", "ex-a", "AVERAGE");
    deposit("ex-b", "EUR", "10000", "2026-02-01T00:00:00Z");
    record("ex-b", trade("b-1", "SAP", "BUY", "40", "100").put("executedAt", "2026-02-15T10:00:00Z"));
    create("ex-c", "USD", null, "AVERAGE");
    deposit("ex-c", "USD", "10000", "2026-02-01T00:00:00Z");
    record("ex-c", trade("c-1", "SAP", "SELL", "10", "110").put("executedAt", "2026-02-20T10:00:00Z"));
    create("ex-d", "USD", null, "AVERAGE");
  }

  @AfterAll
  static void close() throws Exception {
    pool.close();
  }

  // ---- every format against the REST reads --------------------------------------------------

  @Test
  void positionsAsCsvAreTheRestReadsRowByRow() {
    Api.Response response = api().get("/api/v1/exports/positions?root=ex-a&asOf=" + AS_OF);
    assertThat(response.status()).as(response.body()).isEqualTo(200);
    assertThat(response.contentType()).startsWith("text/csv");
    assertThat(response.header("Content-Disposition")).isEqualTo("attachment; filename=\"positions.csv\"");
    List<Map<String, String>> rows = csv(response.body());
    assertThat(rows).isEqualTo(restPositions(List.of("ex-a", "ex-b"), AS_OF));
    // As of then ex-a held the first buy only: 50 AAPL at 180 (FIFO: one lot), valued at 200.
    assertThat(rows.get(0)).containsEntry("portfolioId", "ex-a").containsEntry("quantity", "50")
        .containsEntry("averageCost", "180").containsEntry("costBasis", "9000").containsEntry("lots", "1")
        .containsEntry("price", "200").containsEntry("marketValue", "10000").containsEntry("unrealizedPnl", "1000");
    assertThat(rows.get(1)).containsEntry("portfolioId", "ex-b").containsEntry("instrumentId", "SAP")
        .containsEntry("quantity", "40").containsEntry("marketValue", "4800").containsEntry("marketValueBase", "4800");
  }

  @Test
  void cashAndValuationsAsNdjsonAreTheRestReadsOfEveryPortfolio() {
    Api.Response cash = api().get("/api/v1/exports/cash?format=ndjson&portfolios=ex-a,ex-b,ex-c&asOf=" + AS_OF);
    assertThat(cash.status()).as(cash.body()).isEqualTo(200);
    assertThat(cash.contentType()).isEqualTo("application/x-ndjson");
    List<JsonObject> expected = new ArrayList<>();
    for (String id : List.of("ex-a", "ex-b", "ex-c")) {
      JsonObject read = api().get("/api/v1/portfolios/" + id + "/cash?asOf=" + AS_OF).json();
      for (Object line : read.getJsonArray("balances")) {
        JsonObject balance = (JsonObject) line;
        expected.add(new JsonObject().put("portfolioId", id).put("currency", balance.getString("currency"))
            .put("balance", balance.getString("balance")).put("balanceBase", balance.getString("balanceBase"))
            .put("baseCurrency", read.getString("baseCurrency")).put("version", read.getLong("version"))
            .put("asOf", read.getString("asOf")));
      }
    }
    assertThat(ndjson(cash.body())).isEqualTo(expected);
    // ex-a: 20,000 − 50 × 180 = 11,000 by then; ex-c: 10,000 USD and +1,100 EUR from the short sale.
    assertThat(expected.get(0).getString("balance")).isEqualTo("11000");
    assertThat(expected).extracting(line -> line.getString("portfolioId") + " " + line.getString("currency"))
        .containsExactly("ex-a USD", "ex-b EUR", "ex-c EUR", "ex-c USD");

    // Every portfolio the admin may read (all four), one valuation each.
    Api.Response valuations = api().get("/api/v1/exports/valuations?format=json&portfolios=ex-a,ex-c,ex-d&asOf="
        + AS_OF);
    assertThat(valuations.status()).as(valuations.body()).isEqualTo(200);
    List<JsonObject> navs = ndjson(valuations.body());
    assertThat(navs).extracting(line -> line.getString("portfolioId")).containsExactly("ex-a", "ex-c", "ex-d");
    for (JsonObject line : navs) {
      JsonObject read = api().get("/api/v1/portfolios/" + line.getString("portfolioId") + "?asOf=" + AS_OF).json();
      assertThat(line.getString("nav")).isEqualTo(read.getJsonObject("valuation").getString("nav"));
      assertThat(line.getBoolean("complete")).isEqualTo(read.getJsonObject("valuation").getBoolean("complete"));
      assertThat(line.getString("asOf")).isEqualTo(read.getJsonObject("valuation").getString("asOf"));
      assertThat(line.getLong("version")).isEqualTo(read.getLong("version"));
      assertThat(line.getString("baseCurrency")).isEqualTo(read.getString("baseCurrency"));
    }
    // ex-a: 11,000 cash + 50 × 200 = 21,000.
    assertThat(navs.get(0).getString("nav")).isEqualTo("21000");
  }

  @Test
  void positionsAndLotsAsParquetReadWithDuckDbAreTheRestReads() throws Exception {
    byte[] file = bytes("/api/v1/exports/positions?format=parquet&portfolios=ex-a,ex-c", TestKeys.ADMIN);
    List<Map<String, Object>> rows = parquet(file);
    List<Map<String, String>> expected = restPositions(List.of("ex-a", "ex-c"), null);
    assertThat(rows).hasSize(expected.size()).hasSize(2);
    for (int i = 0; i < rows.size(); i++) {
      Map<String, Object> row = rows.get(i);
      Map<String, String> rest = expected.get(i);
      for (ExportDataset.Column column : ExportDataset.POSITIONS.columns()) {
        Object value = row.get(column.name());
        String want = rest.get(column.name());
        String what = column.name() + " of row " + i;
        if (want == null) {
          assertThat(value).as(what).isNull();
        } else if (column.type() == ExportDataset.Type.DECIMAL) {
          // DECIMAL(38,18): a quotient with more places (an average cost) is rounded at the 18th.
          assertThat((BigDecimal) value).as(what)
              .isEqualByComparingTo(new BigDecimal(want).setScale(18, java.math.RoundingMode.HALF_EVEN));
        } else if (column.type() == ExportDataset.Type.DOUBLE) {
          assertThat((Double) value).as(what).isEqualTo(Double.parseDouble(want));
        } else {
          assertThat(String.valueOf(value)).as(what).isEqualTo(want);
        }
      }
    }
    // Now ex-a holds both buys: 60 AAPL in two FIFO lots; ex-c is short 10 SAP.
    assertThat((BigDecimal) rows.get(0).get("quantity")).isEqualByComparingTo("60");
    assertThat((BigDecimal) rows.get(1).get("quantity")).isEqualByComparingTo("-10");

    List<Map<String, Object>> lots = parquet(bytes("/api/v1/exports/lots?format=parquet&portfolios=ex-a",
        TestKeys.ADMIN));
    JsonArray restLots = api().get("/api/v1/portfolios/ex-a/positions").json().getJsonArray("positions")
        .getJsonObject(0).getJsonArray("lots");
    assertThat(lots).hasSize(2).hasSize(restLots.size());
    for (int i = 0; i < lots.size(); i++) {
      assertThat((BigDecimal) lots.get(i).get("quantity"))
          .isEqualByComparingTo(restLots.getJsonObject(i).getString("quantity"));
      assertThat((BigDecimal) lots.get(i).get("price")).isEqualByComparingTo(restLots.getJsonObject(i).getString("price"));
      assertThat(lots.get(i).get("openedAt")).isEqualTo(restLots.getJsonObject(i).getString("openedAt"));
      assertThat(lots.get(i).get("lot")).isEqualTo((long) i + 1);
    }
  }

  @Test
  void tradesAndEventsAreTheJournalAsGetEventsGivesIt() {
    List<JsonObject> events = ndjson(api().get("/api/v1/exports/events?format=ndjson&root=ex-a").body());
    List<JsonObject> expected = new ArrayList<>();
    for (String id : List.of("ex-a", "ex-b")) {
      for (JsonObject event : api().journal(id)) {
        expected.add(new JsonObject().put("portfolioId", id).put("version", event.getLong("version"))
            .put("type", event.getString("type")).put("recordedAt", event.getString("recordedAt"))
            .put("data", event.getJsonObject("data")).put("alerts", event.getJsonArray("alerts"))
            .put("origin", event.getJsonObject("origin")));
      }
    }
    assertThat(events).isEqualTo(expected);

    // Trades executed by AS_OF only: ex-a's first buy and ex-b's buy, as CSV.
    List<Map<String, String>> trades = csv(api().get("/api/v1/exports/trades?root=ex-a&asOf=" + AS_OF).body());
    assertThat(trades).extracting(row -> row.get("tradeId")).containsExactly("a-1", "b-1");
    List<JsonObject> recorded = expected.stream().filter(e -> e.getString("type").equals("TradeRecorded")).toList();
    for (Map<String, String> row : trades) {
      JsonObject event = recorded.stream().filter(e -> e.getJsonObject("data").getString("tradeId")
          .equals(row.get("tradeId"))).findFirst().orElseThrow();
      JsonObject data = event.getJsonObject("data");
      assertThat(row).containsEntry("portfolioId", event.getString("portfolioId"))
          .containsEntry("version", String.valueOf(event.getLong("version")))
          .containsEntry("instrumentId", data.getString("instrumentId")).containsEntry("side", data.getString("side"))
          .containsEntry("quantity", data.getString("quantity")).containsEntry("price", data.getString("price"))
          .containsEntry("fees", data.getString("fees")).containsEntry("executedAt", data.getString("executedAt"))
          .containsEntry("recordedAt", event.getString("recordedAt"));
    }
  }

  // ---- entitlements ------------------------------------------------------------------------

  // ---- the performance series ---------------------------------------------------------------

  /** The series of GET .../performance over the window, one JSON object per weekday. */
  private static List<JsonObject> restSeries(String id, String window) {
    Api.Response read = api().get("/api/v1/portfolios/" + id + "/performance?" + window);
    expect(read, 200);
    return read.json().getJsonArray("series").stream().map(JsonObject.class::cast).toList();
  }

  /** ex-a's subtree (ex-a, ex-b) over five weeks: each row is the performance read's, string for string. */
  @Test
  void thePerformanceSeriesIsThePerformanceReadOfEachPortfolioInEveryFormat() throws Exception {
    String window = "from=2026-02-02&to=2026-03-06";
    List<JsonObject> expected = new ArrayList<>();
    for (String id : List.of("ex-a", "ex-b")) {
      for (JsonObject point : restSeries(id, window)) {
        expected.add(new JsonObject().put("portfolioId", id).mergeIn(point));
      }
    }
    // 25 weekdays each; ex-a's NAV moves with its AAPL bought at 180 and 190 and valued at 200.
    assertThat(expected).hasSize(50);
    assertThat(expected.get(0).getString("date")).isEqualTo("2026-02-02");
    assertThat(expected.get(0).getString("nav")).isEqualTo("20000");
    assertThat(expected.stream().filter(row -> row.getString("portfolioId").equals("ex-a")
        && row.getString("date").equals("2026-03-02")).findFirst().orElseThrow().getString("nav")).isEqualTo("21100");

    Api.Response csv = api().get("/api/v1/exports/performance?root=ex-a&" + window);
    expect(csv, 200);
    assertThat(csv.contentType()).startsWith("text/csv");
    List<Map<String, String>> csvRows = csv(csv.body());
    assertThat(csvRows).hasSameSizeAs(expected);
    for (int i = 0; i < csvRows.size(); i++) {
      JsonObject want = expected.get(i);
      Map<String, String> row = csvRows.get(i);
      for (ExportDataset.Column column : ExportDataset.PERFORMANCE.columns()) {
        Object value = want.getValue(column.name());
        assertThat(row.get(column.name())).as(column.name() + " of row " + i)
            .isEqualTo(value == null ? null : value instanceof String text ? text : io.vertx.core.json.Json.encode(value));
      }
    }

    Api.Response ndjson = api().get("/api/v1/exports/performance?format=ndjson&portfolios=ex-a,ex-b&" + window);
    expect(ndjson, 200);
    assertThat(ndjson(ndjson.body())).containsExactlyElementsOf(expected);

    List<Map<String, Object>> parquet = parquet(bytes("/api/v1/exports/performance?format=parquet&root=ex-a&"
        + window, TestKeys.ADMIN));
    assertThat(parquet).hasSameSizeAs(expected);
    for (int i = 0; i < parquet.size(); i++) {
      JsonObject want = expected.get(i);
      Map<String, Object> row = parquet.get(i);
      for (ExportDataset.Column column : ExportDataset.PERFORMANCE.columns()) {
        Object value = row.get(column.name());
        Object rest = want.getValue(column.name());
        String what = column.name() + " of row " + i;
        if (rest == null) {
          assertThat(value).as(what).isNull();
        } else if (column.type() == ExportDataset.Type.DECIMAL) {
          assertThat((BigDecimal) value).as(what).isEqualByComparingTo((String) rest);
        } else if (column.type() == ExportDataset.Type.DOUBLE) {
          assertThat((Double) value).as(what).isEqualTo(((Number) rest).doubleValue());
        } else {
          assertThat(value).as(what).isEqualTo(rest);
        }
      }
    }

    // As a job, with a period: the same rows as the read with the same period.
    Api.Response started = api().post("/api/v1/export-jobs", new JsonObject().put("dataset", "performance")
        .put("format", "ndjson").put("portfolios", new JsonArray().add("ex-b")).put("period", "ITD")
        .put("to", "2026-03-06"));
    assertThat(started.status()).as(started.body()).isEqualTo(202);
    JsonObject job = awaitDone(api(), started.header("Location"));
    assertThat(job.getString("state")).as(job.encode()).isEqualTo("DONE");
    assertThat(job.getJsonObject("request").getString("period")).isEqualTo("ITD");
    Api.Response file = api().get(started.header("Location") + "/file");
    expect(file, 200);
    List<JsonObject> itd = restSeries("ex-b", "period=ITD&to=2026-03-06").stream()
        .map(point -> new JsonObject().put("portfolioId", "ex-b").mergeIn(point)).toList();
    assertThat(itd).isNotEmpty();
    assertThat(ndjson(file.body())).containsExactlyElementsOf(itd);
    assertThat(job.getLong("rowsWritten")).isEqualTo((long) itd.size());

    // A window the read refuses is refused alike; asOf is not the performance series' time.
    assertProblem(api().get("/api/v1/exports/performance?root=ex-a&from=2026-03-06&to=2026-02-02"), 400, "from");
    assertProblem(api().get("/api/v1/exports/performance?root=ex-a&asOf=" + AS_OF), 400, "asOf");
    assertProblem(api().get("/api/v1/exports/performance?root=ex-a&period=5Y"), 400, "period");
    assertProblem(api().get("/api/v1/exports/performance?root=ex-a&period=YTD&from=2026-01-02"), 400, "period");
    assertProblem(api().get("/api/v1/exports/positions?root=ex-a&from=2026-01-02"), 400, "from");
  }

  @Test
  void aReaderExportsOnlyItsPortfoliosAndSeesOnlyItsJobs() throws Exception {
    String reader = newKey("export reader");
    grant(reader, "read", "ex-b");
    Api asReader = api().asBearer(reader);

    // Without a set: everything it may read, which is ex-b alone.
    Api.Response mine = asReader.get("/api/v1/exports/valuations");
    assertThat(mine.status()).as(mine.body()).isEqualTo(200);
    assertThat(csv(mine.body())).extracting(row -> row.get("portfolioId")).containsExactly("ex-b");
    // ex-a (its parent) and ex-c are not its own: 404, as if they did not exist.
    assertThat(asReader.get("/api/v1/exports/positions?portfolios=ex-b,ex-c").status()).isEqualTo(404);
    assertThat(asReader.get("/api/v1/exports/positions?root=ex-a").status()).isEqualTo(404);
    assertThat(asReader.post("/api/v1/export-jobs", new JsonObject().put("dataset", "cash").put("root", "ex-a"))
        .status()).isEqualTo(404);

    // Its own job: everything it may read, in its file; the admin's job does not exist for it.
    Api.Response started = asReader.post("/api/v1/export-jobs", new JsonObject().put("dataset", "positions"));
    assertThat(started.status()).as(started.body()).isEqualTo(202);
    String job = started.header("Location");
    JsonObject done = awaitDone(asReader, job);
    assertThat(done.getInteger("portfoliosTotal")).isEqualTo(1);
    Api.Response file = asReader.get(job + "/file");
    assertThat(csv(file.body())).extracting(row -> row.get("portfolioId")).containsExactly("ex-b");
    assertThat(api().get(job).status()).as("the global admin sees every job").isEqualTo(200);

    Api.Response admins = api().post("/api/v1/export-jobs", new JsonObject().put("dataset", "cash")
        .put("portfolios", new JsonArray().add("ex-b")));
    String adminJob = admins.header("Location");
    awaitDone(api(), adminJob);
    Api.Response hidden = asReader.get(adminJob);
    assertThat(hidden.status()).isEqualTo(404);
    assertThat(hidden.contentType()).isEqualTo("application/problem+json");
    assertThat(asReader.get(adminJob + "/file").status()).isEqualTo(404);
    // The same answer as for a job that never existed, so the reader learns nothing of it.
    String jobId = adminJob.substring(adminJob.lastIndexOf('/') + 1);
    assertThat(asReader.get("/api/v1/export-jobs/exp-00000000-0000-0000-0000-000000000000").body()
        .replace("exp-00000000-0000-0000-0000-000000000000", jobId)).isEqualTo(hidden.body());
  }

  // ---- jobs --------------------------------------------------------------------------------

  @Test
  void aJobReportsItsProgressThenItsParquetFileIsTheStreamedRows() throws Exception {
    double rowsBefore = counter("pstate.export.rows", "job", "positions", "parquet");
    Api.Response started = api().post("/api/v1/export-jobs", new JsonObject().put("dataset", "positions")
        .put("format", "parquet").put("asOf", AS_OF));
    assertThat(started.status()).as(started.body()).isEqualTo(202);
    String location = started.header("Location");
    assertThat(location).isEqualTo("/api/v1/export-jobs/" + started.json().getString("jobId"));
    assertThat(started.json().getString("state")).isEqualTo("RUNNING");

    // Four portfolios, 150 ms apart (exports.pausePerPortfolioMs): the job is seen on its way.
    List<JsonObject> seen = new ArrayList<>();
    JsonObject job;
    long deadline = System.currentTimeMillis() + 30_000;
    do {
      job = api().get(location).json();
      seen.add(job);
      assertThat(System.currentTimeMillis()).as("the job finishes in 30 s").isLessThan(deadline);
      Thread.sleep(25);
    } while (job.getString("state").equals("RUNNING"));
    assertThat(job.getString("state")).as(job.encode()).isEqualTo("DONE");
    assertThat(seen).anySatisfy(progress -> {
      assertThat(progress.getString("state")).isEqualTo("RUNNING");
      assertThat(progress.getDouble("percentage")).isGreaterThan(0.0).isLessThan(100.0);
    });
    for (int i = 1; i < seen.size(); i++) {
      assertThat(seen.get(i).getLong("rowsWritten")).isGreaterThanOrEqualTo(seen.get(i - 1).getLong("rowsWritten"));
    }
    assertThat(job.getDouble("percentage")).isEqualTo(100.0);
    assertThat(job.getInteger("portfoliosTotal")).isEqualTo(4);
    assertThat(job.getLong("rowsWritten")).isEqualTo(3L);
    assertThat(job.getString("file")).isEqualTo(location + "/file");

    List<Map<String, Object>> rows = parquet(bytes(location + "/file", TestKeys.ADMIN));
    assertThat(job.getLong("bytes")).isPositive();
    List<Map<String, String>> expected = restPositions(List.of("ex-a", "ex-b", "ex-c", "ex-d"), AS_OF);
    assertThat(rows).extracting(row -> row.get("portfolioId") + " " + row.get("instrumentId") + " "
            + ((BigDecimal) row.get("quantity")).stripTrailingZeros().toPlainString() + " "
            + ((BigDecimal) row.get("marketValueBase")).stripTrailingZeros().toPlainString())
        .containsExactlyElementsOf(expected.stream().map(row -> row.get("portfolioId") + " "
            + row.get("instrumentId") + " " + row.get("quantity") + " " + row.get("marketValueBase")).toList());
    assertThat(counter("pstate.export.rows", "job", "positions", "parquet") - rowsBefore).isEqualTo(3.0);
    assertThat(Files.list(DIR).map(path -> path.getFileName().toString()))
        .as("only whole files are left in the folder").noneMatch(name -> name.endsWith(".part"));
  }

  @Test
  void aCallerRunsAtMostItsLimitOfJobsAtOnce() throws Exception {
    String key = newKey("export limits");
    grant(key, "read", "ex-a");
    Api caller = api().asBearer(key);
    JsonObject body = new JsonObject().put("dataset", "events").put("portfolios", new JsonArray().add("ex-a")
        .add("ex-b"));
    String first = caller.post("/api/v1/export-jobs", body).header("Location");
    String second = caller.post("/api/v1/export-jobs", body).header("Location");
    Api.Response third = caller.post("/api/v1/export-jobs", body);
    assertThat(third.status()).as(third.body()).isEqualTo(429);
    assertThat(third.json().getString("type")).isEqualTo("/problems/too-many-export-jobs");
    assertThat(awaitDone(caller, first).getString("state")).isEqualTo("DONE");
    awaitDone(caller, second);
    assertThat(caller.post("/api/v1/export-jobs", body).status()).isEqualTo(202);
  }

  // ---- bad input ---------------------------------------------------------------------------

  @Test
  void badInputIsAProblemAndStartsNothing() throws Exception {
    long jobsBefore = jobCount();
    assertProblem(api().get("/api/v1/exports/holdings"), 400, "dataset");
    assertProblem(api().get("/api/v1/exports/positions?format=xlsx"), 400, "format");
    assertProblem(api().get("/api/v1/exports/positions?asOf=yesterday"), 400, "asOf");
    assertProblem(api().get("/api/v1/exports/positions?root=ex-a&portfolios=ex-b"), 400, "root");
    assertProblem(api().get("/api/v1/exports/positions?portfolios=ex-a,,ex-b"), 400, "portfolios");
    assertProblem(api().get("/api/v1/exports/positions?limit=5"), 400, "limit");
    // Four portfolios are more than a stream may span here (exports.maxDirectPortfolios = 3).
    Api.Response tooMany = api().get("/api/v1/exports/positions");
    assertThat(tooMany.status()).as(tooMany.body()).isEqualTo(413);
    assertThat(tooMany.json().getString("type")).isEqualTo("/problems/export-too-large");
    assertProblem(api().post("/api/v1/export-jobs", new JsonObject().put("dataset", "positions").put("colour", "red")),
        400, "colour");
    assertProblem(api().post("/api/v1/export-jobs", new JsonObject().put("format", "csv")), 400, "dataset");
    assertProblem(api().post("/api/v1/export-jobs", new JsonObject().put("dataset", "cash").put("portfolios", "ex-a")),
        400, "portfolios");
    assertProblem(api().post("/api/v1/export-jobs", new JsonArray().add("cash")), 400, "body");
    Api.Response notJson = api().send("POST", "/api/v1/export-jobs", "text/plain", "dataset=cash");
    assertThat(notJson.status()).isEqualTo(415);
    assertThat(api().get("/api/v1/export-jobs/not-a-job").status()).isEqualTo(404);
    assertThat(jobCount()).as("no job was recorded").isEqualTo(jobsBefore);
  }

  // ---- helpers -----------------------------------------------------------------------------

  private static void assertProblem(Api.Response response, int status, String field) {
    assertThat(response.status()).as(response.body()).isEqualTo(status);
    assertThat(response.contentType()).isEqualTo("application/problem+json");
    assertThat(response.body()).contains("\"" + field + "\"").doesNotContain("Exception");
  }

  private static long jobCount() throws Exception {
    return TestPool.await(pool.pool().query("SELECT count(*) FROM export_jobs").execute()).iterator().next()
        .getLong(0);
  }

  private static double counter(String name, String kind, String dataset, String format) {
    Counter counter = NODE.node().registry().find(name).tags("kind", kind, "dataset", dataset, "format", format)
        .counter();
    return counter == null ? 0 : counter.count();
  }

  private static JsonObject awaitDone(Api caller, String location) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 30_000;
    while (true) {
      JsonObject job = caller.get(location).json();
      if (!job.getString("state").equals("RUNNING")) {
        return job;
      }
      assertThat(System.currentTimeMillis()).as("job " + location + " finishes in 30 s").isLessThan(deadline);
      Thread.sleep(25);
    }
  }

  /** The rows of the positions export as the REST reads give them, field by field. */
  private static List<Map<String, String>> restPositions(List<String> ids, String asOf) {
    List<Map<String, String>> rows = new ArrayList<>();
    for (String id : ids) {
      JsonObject read = api().get("/api/v1/portfolios/" + id + "/positions" + (asOf == null ? "" : "?asOf=" + asOf))
          .json();
      for (Object item : read.getJsonArray("positions")) {
        JsonObject p = (JsonObject) item;
        Map<String, String> row = new LinkedHashMap<>();
        row.put("portfolioId", id);
        for (String field : List.of("instrumentId", "strategy", "quantity", "averageCost", "costBasis", "realizedPnl",
            "fees", "currency", "openedAt", "updatedAt")) {
          row.put(field, p.getString(field));
        }
        row.put("lots", String.valueOf(p.getJsonArray("lots").size()));
        for (String field : List.of("price", "marketValue", "marketValueBase", "unrealizedPnl")) {
          row.put(field, p.getString(field));
        }
        row.put("weight", p.getValue("weight") == null ? null : io.vertx.core.json.Json.encode(p.getValue("weight")));
        row.put("version", String.valueOf(read.getLong("version")));
        row.put("asOf", read.getJsonObject("valuation").getString("asOf"));
        rows.add(row);
      }
    }
    return rows;
  }

  /** RFC 4180: the first line names the columns; an empty unquoted cell is null. */
  static List<Map<String, String>> csv(String text) {
    List<List<String>> lines = new ArrayList<>();
    List<String> cells = new ArrayList<>();
    StringBuilder cell = new StringBuilder();
    boolean quoted = false;
    boolean wasQuoted = false;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (quoted) {
        if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
          cell.append('"');
          i++;
        } else if (c == '"') {
          quoted = false;
        } else {
          cell.append(c);
        }
      } else if (c == '"') {
        quoted = true;
        wasQuoted = true;
      } else if (c == ',' || c == '\r') {
        if (c == ',') {
          cells.add(cell.length() == 0 && !wasQuoted ? null : cell.toString());
          cell.setLength(0);
          wasQuoted = false;
        }
      } else if (c == '\n') {
        cells.add(cell.length() == 0 && !wasQuoted ? null : cell.toString());
        cell.setLength(0);
        wasQuoted = false;
        lines.add(cells);
        cells = new ArrayList<>();
      } else {
        cell.append(c);
      }
    }
    assertThat(cells).as("the file ends with a line break").isEmpty();
    List<String> header = lines.get(0);
    List<Map<String, String>> rows = new ArrayList<>();
    for (List<String> line : lines.subList(1, lines.size())) {
      assertThat(line).hasSameSizeAs(header);
      Map<String, String> row = new LinkedHashMap<>();
      for (int i = 0; i < header.size(); i++) {
        row.put(header.get(i), line.get(i));
      }
      rows.add(row);
    }
    return rows;
  }

  static List<JsonObject> ndjson(String text) {
    List<JsonObject> rows = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (!line.isEmpty()) {
        rows.add(new JsonObject(line));
      }
    }
    return rows;
  }

  /** The rows of a Parquet file, read by DuckDB, in file order. */
  static List<Map<String, Object>> parquet(byte[] content) throws Exception {
    Path file = Files.createTempFile(DIR, "read-", ".parquet");
    Files.write(file, content);
    try (Connection duckdb = DriverManager.getConnection("jdbc:duckdb:");
        Statement statement = duckdb.createStatement();
        ResultSet result = statement.executeQuery("SELECT * FROM read_parquet('" + file + "')")) {
      ResultSetMetaData meta = result.getMetaData();
      List<Map<String, Object>> rows = new ArrayList<>();
      while (result.next()) {
        Map<String, Object> row = new LinkedHashMap<>();
        for (int i = 1; i <= meta.getColumnCount(); i++) {
          row.put(meta.getColumnName(i), result.getObject(i));
        }
        rows.add(row);
      }
      return rows;
    } finally {
      Files.deleteIfExists(file);
    }
  }

  /** A body as bytes (Parquet is binary: not through the text client). */
  private static byte[] bytes(String path, String key) throws Exception {
    HttpResponse<byte[]> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + NODE.node().httpPort() + path))
        .header("Authorization", "Bearer " + key).build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(response.statusCode()).as(new String(response.body(), java.nio.charset.StandardCharsets.UTF_8))
        .isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/vnd.apache.parquet");
    return response.body();
  }

  private static void create(String id, String currency, String parent, String costMethod) {
    JsonObject body = new JsonObject().put("id", id).put("name", id).put("baseCurrency", currency)
        .put("costMethod", costMethod);
    api().createPortfolio(parent == null ? body : body.put("parentId", parent));
  }

  private static void deposit(String id, String currency, String amount, String at) {
    expect(api().post("/api/v1/portfolios/" + id + "/cash-flows", new JsonObject().put("flowId", "dep-" + id)
        .put("type", "DEPOSIT").put("currency", currency).put("amount", amount).put("occurredAt", at)), 201);
  }

  private static void record(String portfolio, JsonObject trade) {
    expect(api().post("/api/v1/portfolios/" + portfolio + "/trades", trade), 201);
  }

  private static String newKey(String name) {
    Api.Response created = api().post("/api/v1/api-keys", new JsonObject().put("name", name));
    expect(created, 201);
    return created.json().getString("key");
  }

  private static void grant(String key, String role, String portfolio) {
    expect(api().post("/api/v1/grants", new JsonObject().put("granteeType", "API_KEY")
        .put("grantee", io.portfoliostate.security.ApiKeySecret.keyId(key).orElseThrow()).put("role", role)
        .put("portfolioId", portfolio)), 201);
  }

  private static void expect(Api.Response response, int status) {
    assertThat(response.status()).as(response.body()).isEqualTo(status);
  }
}
