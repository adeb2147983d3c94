package io.portfoliostate.exports;

import static io.portfoliostate.fixtures.Api.trade;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.portfoliostate.app.Node;
import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.TestDatabase;
import io.portfoliostate.fixtures.TestNode;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A scheduled export of the {@code performance} series takes the window its schedule names
 * (issue 16): {@code period} (here MTD) or {@code days} (here 7) ending at the run's date, and
 * from inception without either. Each file's rows are the weekdays of exactly that window, with
 * the NAVs worked out by hand, and cell for cell the series of {@code GET .../performance} over
 * the same window.
 *
 * <p>The portfolio, relative to today T: 10,000 USD deposited on the weekday at or before T−30, 100 EP-A bought at 10
 * (T−20), EP-A priced 10 until it is priced 11 on R (the weekday at or before T−3). Its NAV is
 * 10,000 every day before R and 10,100 from R on.
 */
class ExportSchedulePerformanceTest {

  @Test
  void aPerformanceScheduleWritesTheWindowItNames() throws Exception {
    String database = TestDatabase.freshDatabaseUri();
    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    LocalDate rise = weekdayAtOrBefore(today.minusDays(3));
    // A weekday: the ITD window's first row is the inception's day, and a deposit on a weekend
    // would fall before the first weekday row (the test failed on days when T−30 was a Saturday).
    LocalDate inception = weekdayAtOrBefore(today.minusDays(30));
    // The portfolio first, on a node without schedules: the scheduled node finds it there.
    try (Node setup = TestNode.start(database)) {
      Api api = new Api(setup.httpPort());
      api.putInstrument("EP-A", new JsonObject().put("currency", "USD"));
      api.postPrices(new JsonObject().put("instrumentId", "EP-A").put("price", "10")
          .put("at", today.minusDays(40).atTime(12, 0).toInstant(ZoneOffset.UTC).toString()));
      api.postPrices(new JsonObject().put("instrumentId", "EP-A").put("price", "11")
          .put("at", rise.atTime(12, 0).toInstant(ZoneOffset.UTC).toString()));
      api.createPortfolio(new JsonObject().put("id", "ep-1").put("name", "ep-1").put("baseCurrency", "USD"));
      assertThat(api.post("/api/v1/portfolios/ep-1/cash-flows", new JsonObject().put("flowId", "dep-1")
          .put("type", "DEPOSIT").put("currency", "USD").put("amount", "10000")
          .put("occurredAt", inception.atTime(9, 0).toInstant(ZoneOffset.UTC).toString())).status()).isEqualTo(201);
      assertThat(api.post("/api/v1/portfolios/ep-1/trades", trade("t-1", "EP-A", "BUY", "100", "10")
          .put("executedAt", today.minusDays(20).atTime(10, 0).toInstant(ZoneOffset.UTC).toString())).status())
          .isEqualTo(201);
    }
    Path folder = Files.createTempDirectory("export-performance-schedules");
    JsonArray schedules = new JsonArray()
        .add(schedule("nav-mtd", folder).put("period", "MTD"))
        .add(schedule("nav-7d", folder).put("days", 7))
        .add(schedule("nav-itd", folder));
    try (Node node = TestNode.start(database, new JsonObject().put("exports", new JsonObject().put("checkMs", 100)
        .put("schedules", schedules)))) {
      Api api = new Api(node.httpPort());
      Path dated = folder.resolve(today.toString());

      List<Map<String, String>> mtd = rows(dated.resolve("nav-mtd.csv"));
      assertWindow(mtd, today.withDayOfMonth(1).minusDays(1), today, rise);
      assertThat(mtd).isEqualTo(restSeries(api, "period=MTD&to=" + today));

      List<Map<String, String>> week = rows(dated.resolve("nav-7d.csv"));
      assertWindow(week, today.minusDays(7), today, rise);
      assertThat(week).isEqualTo(restSeries(api, "from=" + today.minusDays(7) + "&to=" + today));
      // Seven days hold the rise and no flow: the window's return is 10,100 / 10,000 − 1.
      assertThat(Double.parseDouble(week.get(week.size() - 1).get("cumulativeReturn"))).isCloseTo(0.01,
          within(1e-12));

      List<Map<String, String>> itd = rows(dated.resolve("nav-itd.csv"));
      assertWindow(itd, inception, today, rise);
      assertThat(itd.get(0).get("netFlow")).as("the deposit on the first day").isEqualTo("10000");
      assertThat(itd).isEqualTo(restSeries(api, "period=ITD&to=" + today));
      assertThat(itd.size()).isGreaterThan(week.size());
    }
  }

  private static JsonObject schedule(String name, Path folder) {
    return new JsonObject().put("name", name).put("dataset", "performance").put("format", "csv").put("time", "00:00")
        .put("root", "ep-1").put("folder", folder.toString());
  }

  /** The rows are the weekdays from {@code from} through {@code to}, valued 10,000 before {@code rise}, 10,100 from it. */
  private static void assertWindow(List<Map<String, String>> rows, LocalDate from, LocalDate to, LocalDate rise) {
    List<String> dates = new ArrayList<>();
    List<String> navs = new ArrayList<>();
    for (LocalDate day = from; !day.isAfter(to); day = day.plusDays(1)) {
      if (day.getDayOfWeek() != DayOfWeek.SATURDAY && day.getDayOfWeek() != DayOfWeek.SUNDAY) {
        dates.add(day.toString());
        navs.add(day.isBefore(rise) ? "10000" : "10100");
      }
    }
    assertThat(rows).extracting(row -> row.get("portfolioId")).containsOnly("ep-1");
    assertThat(rows).extracting(row -> row.get("date")).containsExactlyElementsOf(dates);
    assertThat(rows).extracting(row -> row.get("nav")).containsExactlyElementsOf(navs);
  }

  private static LocalDate weekdayAtOrBefore(LocalDate day) {
    while (day.getDayOfWeek() == DayOfWeek.SATURDAY || day.getDayOfWeek() == DayOfWeek.SUNDAY) {
      day = day.minusDays(1);
    }
    return day;
  }

  /** The series of GET .../performance over a window, as the export's CSV cells. */
  private static List<Map<String, String>> restSeries(Api api, String window) {
    Api.Response read = api.get("/api/v1/portfolios/ep-1/performance?" + window);
    assertThat(read.status()).as(read.body()).isEqualTo(200);
    List<Map<String, String>> rows = new ArrayList<>();
    for (Object item : read.json().getJsonArray("series")) {
      JsonObject point = (JsonObject) item;
      Map<String, String> row = new LinkedHashMap<>();
      row.put("portfolioId", "ep-1");
      for (ExportDataset.Column column : ExportDataset.PERFORMANCE.columns().subList(1, 7)) {
        Object value = point.getValue(column.name());
        row.put(column.name(), value == null ? null : value instanceof String text ? text : Json.encode(value));
      }
      rows.add(row);
    }
    return rows;
  }

  /** The rows of a scheduled CSV file once it is in place (its cells hold no delimiter or quote). */
  private static List<Map<String, String>> rows(Path file) throws Exception {
    long deadline = System.currentTimeMillis() + 30_000;
    while (!Files.isRegularFile(file)) {
      assertThat(System.currentTimeMillis()).as(file + " is written in 30 s").isLessThan(deadline);
      Thread.sleep(50);
    }
    List<String> lines = Files.readAllLines(file);
    String[] header = lines.get(0).split(",", -1);
    assertThat(header).containsExactlyElementsOf(ExportDataset.PERFORMANCE.columns().stream()
        .map(ExportDataset.Column::name).toList());
    List<Map<String, String>> rows = new ArrayList<>();
    for (String line : lines.subList(1, lines.size())) {
      String[] cells = line.split(",", -1);
      Map<String, String> row = new LinkedHashMap<>();
      for (int i = 0; i < header.length; i++) {
        row.put(header[i], cells[i].isEmpty() ? null : cells[i]);
      }
      rows.add(row);
    }
    return rows;
  }
}
