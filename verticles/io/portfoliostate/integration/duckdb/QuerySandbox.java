package io.portfoliostate.integration.duckdb;

import io.portfoliostate.integration.duckdb.AnalyticsQueries.PortfolioSet;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.temporal.TemporalAccessor;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.duckdb.DuckDBResultSetMetaData;
import org.duckdb.StatementReturnType;

/**
 * Runs a caller's read-only SQL (issue 16) where it can neither harm the store nor see what the
 * caller may not read. Each query gets:
 *
 * <ul>
 *   <li>its own scratch folder, into which the store (a trusted connection) copies, as Parquet,
 *       only the documented views the query names, filtered to the caller's portfolios;
 *   <li>its own throwaway in-memory DuckDB, locked down in the order DuckDB's security guide
 *       gives: {@code allowed_directories} (the scratch folder), {@code enable_external_access}
 *       off, community extensions, autoloading and autoinstalling off (at connect), a temp-space
 *       and a memory limit, views over the Parquet files, then {@code lock_configuration}. A DROP
 *       there drops nothing of the store's; a file outside the folder, a URL, ATTACH of a file,
 *       LOAD/INSTALL and every SET are refused by DuckDB itself;
 *   <li>a time limit ({@link Statement#setQueryTimeout}) and a row limit.
 * </ul>
 *
 * Blocking: runs on the store's reader threads. Expected refusals are {@link Refused} values
 * carrying their HTTP status (400, 408, 413).
 */
public final class QuerySandbox {

  /** The views a query may read, and how each is limited to a set of portfolios. */
  private static final Map<String, String> VIEWS = filters();

  /** A refusal of the query, with the status the gateway answers. */
  public static final class Refused extends Exception {
    private static final long serialVersionUID = 1L;
    private final int status;
    private final String slug;

    Refused(int status, String slug, String message) {
      super(message, null, false, false);
      this.status = status;
      this.slug = slug;
    }

    public int status() {
      return status;
    }

    public String slug() {
      return slug;
    }
  }

  /**
   * The bounds of a query.
   *
   * @param maxSqlChars the longest text accepted (413 beyond)
   * @param maxRows the most rows answered (413 beyond)
   * @param timeoutSeconds the time limit (408 beyond)
   * @param memoryLimit DuckDB's {@code memory_limit} of the throwaway database (413 when exceeded)
   * @param maxTempSize DuckDB's {@code max_temp_directory_size}
   */
  public record Limits(int maxSqlChars, int maxRows, int timeoutSeconds, String memoryLimit, String maxTempSize) {
  }

  private final AnalyticsStore store;
  private final Path scratchRoot;
  private final Limits limits;

  public QuerySandbox(AnalyticsStore store, Limits limits) {
    this.store = store;
    this.scratchRoot = store.folder().resolve("scratch");
    this.limits = limits;
  }

  /** The documented views a query may read. */
  public static java.util.Set<String> views() {
    return VIEWS.keySet();
  }

  /**
   * Runs {@code sql} with {@code parameters} over {@code set}'s portfolios: {@code {columns,
   * rows}}, each row an array. Blocks.
   */
  public JsonObject run(String sql, JsonObject parameters, PortfolioSet set) throws Refused, SQLException {
    if (sql.length() > limits.maxSqlChars()) {
      throw new Refused(413, "query-too-long", "the query is longer than " + limits.maxSqlChars() + " characters");
    }
    SqlText text = SqlText.of(sql);
    if (!text.single()) {
      throw new Refused(400, "query-refused", "one statement only");
    }
    if (!text.startsLikeARead()) {
      throw new Refused(400, "query-refused", "only reads are allowed (SELECT, WITH, FROM, ...); got "
          + (text.firstKeyword() == null ? "nothing" : text.firstKeyword()));
    }
    for (String name : text.parameters()) {
      if (!parameters.containsKey(name)) {
        throw new Refused(400, "query-refused", "parameter :" + name + " has no value in params");
      }
    }
    Path scratch = scratch();
    try {
      Map<String, Path> copied = new LinkedHashMap<>();
      for (Map.Entry<String, String> view : VIEWS.entrySet()) {
        if (text.mentions(view.getKey())) {
          copied.put(view.getKey(), copy(view.getKey(), view.getValue(), set, scratch));
        }
      }
      try (Connection sandbox = sandbox(scratch, copied)) {
        return execute(sandbox, text, parameters);
      }
    } finally {
      delete(scratch);
    }
  }

  /**
   * Checks {@code sql} as a saved query is checked before it is stored: the same reading of the
   * text as {@link #run}, and DuckDB preparing it in a locked sandbox over empty copies of the
   * views it names (so a missing view or column, a bad syntax or a statement that does not
   * return rows is refused), without running it. Returns the distinct parameter names it uses,
   * in order of first use. Blocks.
   */
  public List<String> check(String sql) throws Refused, SQLException {
    if (sql.length() > limits.maxSqlChars()) {
      throw new Refused(413, "query-too-long", "the query is longer than " + limits.maxSqlChars() + " characters");
    }
    SqlText text = SqlText.of(sql);
    if (!text.single()) {
      throw new Refused(400, "query-refused", "one statement only");
    }
    if (!text.startsLikeARead()) {
      throw new Refused(400, "query-refused", "only reads are allowed (SELECT, WITH, FROM, ...); got "
          + (text.firstKeyword() == null ? "nothing" : text.firstKeyword()));
    }
    Path scratch = scratch();
    try {
      Map<String, Path> copied = new LinkedHashMap<>();
      PortfolioSet nobody = PortfolioSet.listed(List.of());
      for (Map.Entry<String, String> view : VIEWS.entrySet()) {
        if (text.mentions(view.getKey())) {
          // Empty copies: the check needs the columns, never anybody's rows.
          copied.put(view.getKey(), copy(view.getKey(), view.getValue() == null ? "false" : view.getValue(),
              nobody, scratch));
        }
      }
      try (Connection sandbox = sandbox(scratch, copied);
          PreparedStatement statement = sandbox.prepareStatement(text.positional())) {
        if (statement.getMetaData() instanceof DuckDBResultSetMetaData meta
            && meta.getReturnType() != StatementReturnType.QUERY_RESULT) {
          throw new Refused(400, "query-refused", "only reads are allowed");
        }
      } catch (SQLException e) {
        throw refusal(e, 0);
      }
      return List.copyOf(new java.util.LinkedHashSet<>(text.parameters()));
    } finally {
      delete(scratch);
    }
  }

  /** Copies a view, limited to the set, into the scratch folder as Parquet, on this thread's trusted connection. */
  private Path copy(String view, String portfolioFilter, PortfolioSet set, Path scratch) throws SQLException {
    Path file = scratch.resolve(view + ".parquet");
    String where = portfolioFilter == null || set.parameter() == null && set.sql().endsWith("FROM portfolios") ? ""
        : " WHERE " + portfolioFilter.replace("{members}", members(set));
    try (Statement statement = store.reader().createStatement()) {
      statement.execute("COPY (SELECT * FROM " + view + where + ") TO " + literal(file.toString())
          + " (FORMAT parquet)");
    }
    return file;
  }

  /**
   * The set's members as SQL. Ids are identifiers (letters, digits, {@code . _ : -}: never a
   * quote), checked at the gateway, so they are safe as literals.
   */
  private static String members(PortfolioSet set) {
    if (set.parameter() == null) {
      return "(" + set.sql() + ")";
    }
    if (set.parameter().isEmpty()) {
      return "(" + set.sql().replace("string_split(?, ',')", "[]::VARCHAR[]") + ")";
    }
    StringBuilder list = new StringBuilder("[");
    for (String id : set.parameter().split(",")) {
      if (!io.portfoliostate.domain.Identifiers.isValid(id)) {
        throw new IllegalArgumentException("not an identifier: " + id);
      }
      list.append(list.length() > 1 ? "," : "").append('\'').append(id).append('\'');
    }
    list.append(']');
    return "(" + set.sql().replace("string_split(?, ',')", list.toString()) + ")";
  }

  Connection sandbox(Path scratch, Map<String, Path> copied) throws SQLException {
    Properties properties = new Properties();
    properties.setProperty("allow_community_extensions", "false");
    properties.setProperty("autoload_known_extensions", "false");
    properties.setProperty("autoinstall_known_extensions", "false");
    properties.setProperty("threads", "1");
    Connection connection = DriverManager.getConnection("jdbc:duckdb:", properties);
    try (Statement statement = connection.createStatement()) {
      statement.execute("SET allowed_directories = [" + literal(scratch.toString()) + "]");
      // Before external access goes off: DuckDB refuses to move the temp folder after.
      statement.execute("SET temp_directory = " + literal(scratch.resolve("tmp").toString()));
      statement.execute("SET enable_external_access = false");
      statement.execute("SET max_temp_directory_size = " + literal(limits.maxTempSize()));
      statement.execute("SET memory_limit = " + literal(limits.memoryLimit()));
      for (Map.Entry<String, Path> view : copied.entrySet()) {
        statement.execute("CREATE VIEW " + view.getKey() + " AS SELECT * FROM read_parquet("
            + literal(view.getValue().toString()) + ")");
      }
      statement.execute("SET lock_configuration = true");
    } catch (SQLException e) {
      connection.close();
      throw e;
    }
    return connection;
  }

  private JsonObject execute(Connection sandbox, SqlText text, JsonObject parameters) throws Refused, SQLException {
    long started = System.nanoTime();
    try (PreparedStatement statement = sandbox.prepareStatement(text.positional())) {
      if (statement.getMetaData() instanceof DuckDBResultSetMetaData meta
          && meta.getReturnType() != StatementReturnType.QUERY_RESULT) {
        throw new Refused(400, "query-refused", "only reads are allowed");
      }
      int index = 1;
      for (String name : text.parameters()) {
        Object value = parameters.getValue(name);
        statement.setObject(index++, value instanceof JsonObject || value instanceof JsonArray ? value.toString()
            : value);
      }
      statement.setQueryTimeout(limits.timeoutSeconds());
      try (ResultSet rows = statement.executeQuery()) {
        ResultSetMetaData meta = rows.getMetaData();
        JsonArray columns = new JsonArray();
        for (int i = 1; i <= meta.getColumnCount(); i++) {
          columns.add(new JsonObject().put("name", meta.getColumnLabel(i)).put("type", meta.getColumnTypeName(i)));
        }
        JsonArray out = new JsonArray();
        while (rows.next()) {
          if (out.size() == limits.maxRows()) {
            throw new Refused(413, "query-too-large", "the query returns more than " + limits.maxRows() + " rows");
          }
          JsonArray row = new JsonArray();
          for (int i = 1; i <= meta.getColumnCount(); i++) {
            row.add(value(rows.getObject(i)));
          }
          out.add(row);
        }
        return new JsonObject().put("columns", columns).put("rows", out);
      }
    } catch (SQLException e) {
      throw refusal(e, System.nanoTime() - started);
    }
  }

  /** What DuckDB's refusal means for the caller; a failure that is not the query's fault is rethrown. */
  private Refused refusal(SQLException e, long elapsedNanos) {
    String message = e.getMessage() == null ? "" : e.getMessage();
    String first = message.lines().findFirst().orElse(message);
    if (message.contains("INTERRUPT") || message.contains("nterrupted")
        || elapsedNanos >= limits.timeoutSeconds() * 1_000_000_000L && message.toLowerCase().contains("cancel")) {
      return new Refused(408, "query-timeout", "the query ran longer than " + limits.timeoutSeconds() + " s");
    }
    if (message.contains("Out of Memory") || message.contains("max_temp_directory_size")) {
      return new Refused(413, "query-too-large", "the query needs more memory than it may use: " + first);
    }
    if (message.contains("Permission Error") || message.contains("disabled") || message.contains("lock_configuration")
        || message.contains("locked")) {
      return new Refused(400, "query-refused", "not allowed: " + first);
    }
    return new Refused(400, "query-invalid", first);
  }

  private static Object value(Object value) {
    if (value == null || value instanceof String || value instanceof Boolean || value instanceof Integer
        || value instanceof Long || value instanceof Double || value instanceof Float || value instanceof Short) {
      return value;
    }
    if (value instanceof BigDecimal decimal) {
      return decimal.signum() == 0 ? "0" : decimal.stripTrailingZeros().toPlainString();
    }
    if (value instanceof TemporalAccessor || value instanceof java.util.Date) {
      return value.toString();
    }
    return value.toString();
  }

  private Path scratch() {
    try {
      Files.createDirectories(scratchRoot);
      return Files.createTempDirectory(scratchRoot, "q-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void delete(Path folder) {
    try (Stream<Path> files = Files.walk(folder)) {
      for (Path path : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (IOException e) {
      // A leftover scratch folder holds one query's copy; the next start clears the root.
    }
  }

  /** A SQL string literal of a path the service made (no quote in it; doubled if there were). */
  private static String literal(String text) {
    return "'" + text.replace("'", "''") + "'";
  }

  private static Map<String, String> filters() {
    Map<String, String> views = new LinkedHashMap<>();
    String byPortfolio = "portfolio_id IN {members}";
    for (String view : List.of("events", "trades", "trade_corrections", "cash_flows", "cash_movements", "splits",
        "positions", "cash", "portfolios", "daily_nav", "daily_returns", "daily_positions")) {
      views.put(view, byPortfolio);
    }
    views.put("portfolio_tree", "root_id IN {members} AND portfolio_id IN {members}");
    // Reference and market data: the same for every caller.
    for (String view : List.of("instruments", "instrument_factors", "prices", "fx_rates")) {
      views.put(view, null);
    }
    return views;
  }
}
