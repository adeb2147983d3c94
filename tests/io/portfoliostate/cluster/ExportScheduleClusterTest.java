package io.portfoliostate.cluster;

import static io.portfoliostate.fixtures.Api.trade;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.portfoliostate.app.Node;
import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.TestCluster;
import io.portfoliostate.fixtures.TestDatabase;
import io.portfoliostate.fixtures.TestNode;
import io.portfoliostate.fixtures.TestPool;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A scheduled export configured on two clustered nodes runs once for its date: one node claims
 * it (V15), writes the Parquet file under a temporary name and renames it; the other node, and a
 * node that joins later, never write it again. The file holds the positions of every portfolio as
 * of the scheduled time, row by row as the REST reads give them.
 */
class ExportScheduleClusterTest {

  private static final String SCHEDULE = "eod-positions";

  @Test
  void aScheduleRunsOncePerDateAcrossTwoNodes() throws Exception {
    String database = TestDatabase.freshDatabaseUri();
    Instant asOf = LocalDate.now(ZoneOffset.UTC).atStartOfDay().toInstant(ZoneOffset.UTC);
    // The portfolios first, on a node without schedules: the scheduled nodes find them there.
    try (Node setup = TestNode.start(database)) {
      Api api = new Api(setup.httpPort());
      api.putInstrument("ES-A", new JsonObject().put("currency", "USD"));
      api.postPrices(new JsonObject().put("instrumentId", "ES-A").put("price", "50")
          .put("at", asOf.minus(3, ChronoUnit.DAYS).toString()));
      for (int p = 0; p < 4; p++) {
        String id = "es-" + p;
        api.createPortfolio(new JsonObject().put("id", id).put("name", id).put("baseCurrency", "USD"));
        assertThat(api.post("/api/v1/portfolios/" + id + "/trades", trade("t-1", "ES-A", "BUY", String.valueOf(10 + p),
            "40").put("executedAt", asOf.minus(2, ChronoUnit.DAYS).toString())).status()).isEqualTo(201);
        // Executed after the scheduled time: not in the file.
        assertThat(api.post("/api/v1/portfolios/" + id + "/trades", trade("t-2", "ES-A", "BUY", "1", "45"))
            .status()).isEqualTo(201);
      }
    }
    Path folder = Files.createTempDirectory("export-schedules");
    JsonObject overrides = new JsonObject().put("exports", new JsonObject().put("checkMs", 100).put("leaseMs", 3000)
        .put("schedules", new JsonArray().add(new JsonObject().put("name", SCHEDULE).put("dataset", "positions")
            .put("format", "parquet").put("time", "00:00").put("folder", folder.toString()))));
    try (TestCluster cluster = TestCluster.start(2, 3, database, overrides);
        TestPool pool = TestPool.open(database, "export-schedule")) {
      Path file = folder.resolve(LocalDate.now(ZoneOffset.UTC).toString()).resolve(SCHEDULE + ".parquet");
      Row run = awaitDone(pool);
      assertThat(run.getInteger("attempt")).as("claimed once").isEqualTo(1);
      assertThat(run.getLong("rows_written")).isEqualTo(4L);
      assertThat(run.getString("file")).isEqualTo(file.toString());
      assertThat(Files.isRegularFile(file)).isTrue();
      assertThat(run.getLong("bytes")).isEqualTo(Files.size(file));
      assertThat(leftovers(file.getParent())).as("no temporary file left").isEmpty();

      // Row by row the REST reads as of the scheduled time: the first buy only.
      Api api = new Api(cluster.node(0).httpPort());
      List<String> expected = new ArrayList<>();
      for (int p = 0; p < 4; p++) {
        JsonObject read = api.get("/api/v1/portfolios/es-" + p + "/positions?asOf=" + asOf).json();
        JsonObject position = read.getJsonArray("positions").getJsonObject(0);
        expected.add("es-" + p + " ES-A " + position.getString("quantity") + " " + position.getString("costBasis")
            + " " + position.getString("marketValue") + " " + read.getJsonObject("valuation").getString("asOf"));
      }
      assertThat(expected.get(0)).isEqualTo("es-0 ES-A 10 400 500 " + asOf);
      assertThat(parquet(file)).isEqualTo(expected);

      // Only one node wrote it; the other (and one that joins now) never does, however often they look.
      FileTime written = Files.getLastModifiedTime(file);
      Node joined = cluster.addNode();
      Thread.sleep(1_000);
      assertThat(Stream.of(cluster.node(0), cluster.node(1), joined).mapToDouble(ExportScheduleClusterTest::rows)
          .sorted().boxed().toList()).containsExactly(0.0, 0.0, 4.0);
      assertThat(Files.getLastModifiedTime(file)).isEqualTo(written);
      assertThat(awaitDone(pool).getInteger("attempt")).isEqualTo(1);
    }
  }

  private static double rows(Node node) {
    Counter counter = node.registry().find("pstate.export.rows").tags("kind", "schedule").counter();
    return counter == null ? 0 : counter.count();
  }

  private static Row awaitDone(TestPool pool) throws Exception {
    long deadline = System.currentTimeMillis() + 30_000;
    while (true) {
      var rows = TestPool.await(pool.pool().query("SELECT state, attempt, rows_written, bytes, file, failure"
          + " FROM export_schedule_runs WHERE schedule = '" + SCHEDULE + "'").execute());
      if (rows.size() == 1 && rows.iterator().next().getString("state").equals("DONE")) {
        return rows.iterator().next();
      }
      assertThat(System.currentTimeMillis()).as("the scheduled export is done in 30 s: " + (rows.size() == 0 ? "none"
          : rows.iterator().next().toJson())).isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  private static List<Path> leftovers(Path folder) throws Exception {
    try (Stream<Path> files = Files.list(folder)) {
      return files.filter(path -> path.getFileName().toString().startsWith(".")).toList();
    }
  }

  /** portfolio, instrument, quantity, cost basis, market value and asOf of each row, in file order. */
  static List<String> parquet(Path file) throws Exception {
    List<String> rows = new ArrayList<>();
    try (Connection duckdb = DriverManager.getConnection("jdbc:duckdb:");
        Statement statement = duckdb.createStatement();
        ResultSet result = statement.executeQuery("SELECT portfolioId, instrumentId, quantity, costBasis, marketValue,"
            + " \"asOf\" FROM read_parquet('" + file + "')")) {
      while (result.next()) {
        rows.add(result.getString(1) + " " + result.getString(2) + " " + plain(result.getBigDecimal(3)) + " "
            + plain(result.getBigDecimal(4)) + " " + plain(result.getBigDecimal(5)) + " " + result.getString(6));
      }
    }
    return rows;
  }

  private static String plain(BigDecimal value) {
    return value.signum() == 0 ? "0" : value.setScale(18, RoundingMode.HALF_EVEN).stripTrailingZeros().toPlainString();
  }
}
