package io.portfoliostate.integration.duckdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.portfoliostate.config.Settings;
import io.portfoliostate.config.SettingsLoader;
import io.portfoliostate.integration.duckdb.AnalyticsQueries.PortfolioSet;
import io.portfoliostate.market.MarketView;
import io.portfoliostate.persistence.ChangeStreamStore.Change;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Custom SQL against a real DuckDB store: named parameters, the views limited to a set of
 * portfolios, and every escape refused — first by the service's reading of the text, and, for
 * what gets past it, by the sandboxed database itself (tested directly too).
 */
class QuerySandboxTest {

  private static final Instant AT = Instant.parse("2026-12-01T10:00:00Z");
  private static final Settings.AnalyticsSettings SETTINGS =
      Settings.from(SettingsLoader.loadJson(Map.of())).analytics();

  @TempDir
  Path folder;
  @TempDir
  Path outside;

  private AnalyticsStore store;
  private QuerySandbox sandbox;
  private long seq;

  private Change change(String portfolio, long version, String type, JsonObject payload) {
    seq++;
    return new Change(seq, seq, portfolio, version, type, payload.encode(), AT, null, null);
  }

  private JsonObject trade(String id, String instrument, String quantity) {
    return new JsonObject().put("tradeId", id).put("instrumentId", instrument).put("strategy", "default")
        .put("side", "BUY").put("quantity", quantity).put("price", "10").put("currency", "USD").put("fees", "0")
        .put("executedAt", AT.toString()).put("at", AT.toString());
  }

  private JsonObject created(String id, String parent) {
    JsonObject json = new JsonObject().put("portfolioId", id).put("name", id).put("baseCurrency", "USD")
        .put("costMethod", "AVERAGE").put("driftThreshold", "0.02").put("targets", new JsonObject());
    return (parent == null ? json : json.put("parentId", parent)).put("at", AT.toString());
  }

  /** root with a child kid; other, a root of its own. Each buys one instrument. */
  @BeforeEach
  void store() throws Exception {
    store = AnalyticsStore.open(folder, SETTINGS);
    List<Change> journal = new ArrayList<>();
    journal.add(change("root", 1, "PortfolioCreated", created("root", null)));
    journal.add(change("root", 2, "TradeRecorded", trade("r1", "AAPL", "5")));
    journal.add(change("kid", 1, "PortfolioCreated", created("kid", "root")));
    journal.add(change("kid", 2, "TradeRecorded", trade("k1", "MSFT", "7")));
    journal.add(change("other", 1, "PortfolioCreated", created("other", null)));
    journal.add(change("other", 2, "TradeRecorded", trade("o1", "SAP", "9")));
    new AnalyticsFeedVerticle(store, null, new MarketView(), SETTINGS, new SimpleMeterRegistry()).append(journal);
    sandbox = new QuerySandbox(store, new QuerySandbox.Limits(2_000, 5, 1, "64MB", "16MB"));
  }

  @AfterEach
  void close() {
    store.close();
  }

  private JsonArray rows(String sql, JsonObject params, PortfolioSet set) throws Exception {
    return sandbox.run(sql, params, set).getJsonArray("rows");
  }

  private QuerySandbox.Refused refused(String sql) {
    return refused(sandbox, sql);
  }

  private static QuerySandbox.Refused refused(QuerySandbox sandbox, String sql) {
    try {
      sandbox.run(sql, new JsonObject(), PortfolioSet.all());
    } catch (QuerySandbox.Refused e) {
      return e;
    } catch (SQLException e) {
      throw new AssertionError("not a refusal: " + e, e);
    }
    throw new AssertionError("ran: " + sql);
  }

  @Test
  void aQueryWithNamedParametersReadsTheViews() throws Exception {
    JsonObject answer = sandbox.run("SELECT portfolio_id, quantity::INTEGER AS q FROM positions "
        + "WHERE quantity > :least AND portfolio_id <> :skip ORDER BY 1", new JsonObject().put("least", 6)
        .put("skip", "nobody"), PortfolioSet.all());
    assertThat(answer.getJsonArray("columns")).containsExactly(
        new JsonObject().put("name", "portfolio_id").put("type", "VARCHAR"),
        new JsonObject().put("name", "q").put("type", "INTEGER"));
    assertThat(answer.getJsonArray("rows")).containsExactly(new JsonArray().add("kid").add(7),
        new JsonArray().add("other").add(9));
  }

  @Test
  void theViewsHoldOnlyTheSetsPortfolios() throws Exception {
    String sql = "SELECT (SELECT string_agg(DISTINCT portfolio_id, ',' ORDER BY portfolio_id) FROM events), "
        + "(SELECT count(*) FROM trades), (SELECT count(*) FROM portfolios), (SELECT count(*) FROM portfolio_tree)";
    assertThat(rows(sql, new JsonObject(), PortfolioSet.subtrees(List.of("root"))))
        .containsExactly(new JsonArray().add("kid,root").add(2L).add(2L).add(3L));
    assertThat(rows(sql, new JsonObject(), PortfolioSet.listed(List.of("other"))))
        .containsExactly(new JsonArray().add("other").add(1L).add(1L).add(1L));
    assertThat(rows(sql, new JsonObject(), PortfolioSet.subtrees(List.of())))
        .containsExactly(new JsonArray().addNull().add(0L).add(0L).add(0L));
    assertThat(rows(sql, new JsonObject(), PortfolioSet.all()))
        .containsExactly(new JsonArray().add("kid,other,root").add(3L).add(3L).add(4L));
  }

  @Test
  void everyEscapeIsRefusedAndTheStoreKeepsServing() throws Exception {
    Path secret = Files.writeString(outside.resolve("secret.csv"), "a,b\n1,2\n");
    for (String sql : List.of("SELECT * FROM read_csv('/etc/passwd')", "SELECT * FROM read_text('/etc/passwd')",
        "SELECT * FROM '" + secret + "'", "SELECT * FROM glob('/etc/*')",
        "SELECT * FROM read_parquet('https://example.org/x.parquet')")) {
      QuerySandbox.Refused refusal = refused(sql);
      assertThat(refusal.status()).as(sql).isEqualTo(400);
      assertThat(refusal.getMessage()).as(sql).doesNotContain("\n");
    }
    for (String sql : List.of("COPY (SELECT 1) TO '" + outside.resolve("x.csv") + "'",
        "ATTACH '" + outside.resolve("x.db") + "' AS x", "SET memory_limit = '10GB'", "PRAGMA threads = 8",
        "INSTALL httpfs", "LOAD httpfs", "DROP VIEW trades", "CREATE TABLE t AS SELECT 1",
        "INSERT INTO trades SELECT * FROM trades", "DELETE FROM trades", "SELECT 1; DROP VIEW trades",
        "EXPORT DATABASE '" + outside + "'")) {
      QuerySandbox.Refused refusal = refused(sql);
      assertThat(refusal.status()).as(sql).isEqualTo(400);
      assertThat(refusal.slug()).as(sql).isEqualTo("query-refused");
    }
    assertThat(Files.list(outside).toList()).containsExactly(secret);
    assertThat(rows("SELECT count(*) FROM trades", new JsonObject(), PortfolioSet.all()))
        .containsExactly(new JsonArray().add(3L));
  }

  /** What gets past the reading of the text meets DuckDB's own locks. */
  @Test
  void theSandboxedDatabaseItselfRefusesFilesSettingsAndExtensions() throws Exception {
    Path scratch = Files.createDirectories(folder.resolve("scratch-test"));
    try (Connection connection = sandbox.sandbox(scratch, Map.of())) {
      for (String sql : List.of("SELECT * FROM read_csv('/etc/passwd')",
          "COPY (SELECT 1) TO '" + outside.resolve("x.csv") + "'", "ATTACH '" + outside.resolve("x.db") + "' AS x",
          "SET memory_limit = '10GB'", "SET enable_external_access = true", "SET allowed_directories = ['/']",
          "SET lock_configuration = false", "INSTALL httpfs", "LOAD httpfs")) {
        try (Statement statement = connection.createStatement()) {
          assertThatThrownBy(() -> statement.execute(sql)).as(sql).isInstanceOf(SQLException.class);
        }
      }
      Statement statement = connection.createStatement();
      // Its own scratch folder is the one place it may write: a drop there drops nothing of the store's.
      statement.execute("COPY (SELECT 1) TO '" + scratch.resolve("ok.csv") + "'");
      statement.execute("CREATE TABLE mine AS SELECT 1 AS x");
      statement.execute("DROP TABLE mine");
    }
    assertThat(Files.list(outside).toList()).isEmpty();
    assertThat(rows("SELECT count(*) FROM events", new JsonObject(), PortfolioSet.all()))
        .containsExactly(new JsonArray().add(6L));
  }

  @Test
  void tooLongTooManyRowsTooSlowAndMissingParametersAreRefused() throws Exception {
    assertThat(refused("SELECT " + "1 + ".repeat(600) + "1").status()).isEqualTo(413);
    assertThat(refused("SELECT * FROM range(6)").status()).isEqualTo(413);
    assertThat(rows("SELECT * FROM range(5)", new JsonObject(), PortfolioSet.all())).hasSize(5);
    assertThat(refused("SELECT :missing").status()).isEqualTo(400);
    long started = System.nanoTime();
    QuerySandbox.Refused slow = refused("SELECT count(*) FROM range(10000000000000) t(i) WHERE hash(i) % 7 = 3");
    assertThat(slow.status()).as(slow.getMessage()).isEqualTo(408);
    assertThat((System.nanoTime() - started) / 1_000_000).isBetween(900L, 5_000L);
    // The memory limit, with a time limit long enough that a loaded machine reaches it first.
    QuerySandbox patient = new QuerySandbox(store, new QuerySandbox.Limits(2_000, 5, 60, "64MB", "16MB"));
    QuerySandbox.Refused big = refused(patient, "SELECT max(length(s)) FROM (SELECT string_agg(i::VARCHAR, ',') AS s "
        + "FROM range(50000000) t(i))");
    assertThat(big.status()).as(big.getMessage()).isEqualTo(413);
  }
}
