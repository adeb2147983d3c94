package io.portfoliostate.integration.duckdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;
import org.junit.jupiter.api.Test;

/**
 * The feed's typed appends against a real DuckDB: each decimal read back exactly (both halves of the 128-bit value in the right order, negative values,
 * the 20 integer digits and 18 places the input rules allow, products rounded half-even at the
 * 18th place, as BigDecimal rounds them), and instants as microseconds, before and after the epoch.
 */
class ColumnsTest {

  private static final List<String> DECIMALS = List.of("0", "1", "-1", "150", "-15002", "0.000000000000000001",
      "-0.000000000000000001", "9.5", "12345678901234567890.123456789012345678",
      "-12345678901234567890.123456789012345678", "9223372036854775807", "-9223372036854775808",
      "9223372036854775808", "123.4567", "1844674407.3709551616", "18446744073709551616",
      // more than 18 places: rounded half-even at the 18th
      "0.0000000000000000005", "0.0000000000000000015", "-2.1234567890123456785", "1E+3");

  @Test
  void decimalsAreStoredExactly() throws Exception {
    try (DuckDBConnection connection = (DuckDBConnection) DriverManager.getConnection("jdbc:duckdb:");
        Statement statement = connection.createStatement()) {
      statement.execute("CREATE TABLE t (i INTEGER, d " + AnalyticsStore.DECIMAL + ")");
      try (DuckDBAppender appender = connection.createAppender("main", "t")) {
        for (int i = 0; i < DECIMALS.size(); i++) {
          appender.beginRow().append(i);
          Columns.decimal(appender, new BigDecimal(DECIMALS.get(i)));
          appender.endRow();
        }
      }
      List<String> stored = new ArrayList<>();
      try (ResultSet rows = statement.executeQuery("SELECT d FROM t ORDER BY i")) {
        while (rows.next()) {
          stored.add(rows.getBigDecimal(1).toPlainString());
        }
      }
      List<String> expected = new ArrayList<>();
      for (String text : DECIMALS) {
        expected.add(new BigDecimal(text).setScale(18, RoundingMode.HALF_EVEN).toPlainString());
      }
      assertThat(stored).isEqualTo(expected);
      assertThat(stored.subList(0, 3)).containsExactly("0.000000000000000000", "1.000000000000000000",
          "-1.000000000000000000");
      assertThat(stored.get(9)).isEqualTo("-12345678901234567890.123456789012345678");
      assertThat(stored.subList(16, 20)).containsExactly("0.000000000000000000", "0.000000000000000002",
          "-2.123456789012345678", "1000.000000000000000000");
      // Past DECIMAL(38,18) (21 integer digits): refused, not wrapped round.
      DuckDBAppender appender = connection.createAppender("main", "t");
      appender.beginRow().append(99);
      assertThatThrownBy(() -> Columns.decimal(appender, new BigDecimal("123456789012345678901.5")))
          .isInstanceOf(SQLException.class).hasMessageContaining("DECIMAL(38,18)");
      try {
        appender.close();
      } catch (SQLException e) {
        // The row left unfinished.
      }
    }
  }

  @Test
  void instantsAreStoredToTheMicrosecond() throws Exception {
    List<Instant> instants = List.of(Instant.parse("2026-12-01T10:00:00Z"), Instant.parse("2026-12-01T10:00:00.123456789Z"),
        Instant.parse("1969-12-31T23:59:59.999999Z"), Instant.parse("1900-01-01T00:00:00.5Z"));
    try (DuckDBConnection connection = (DuckDBConnection) DriverManager.getConnection("jdbc:duckdb:");
        Statement statement = connection.createStatement()) {
      statement.execute("SET TimeZone = 'UTC'");
      statement.execute("CREATE TABLE t (i INTEGER, moment TIMESTAMPTZ)");
      try (DuckDBAppender appender = connection.createAppender("main", "t")) {
        for (int i = 0; i < instants.size(); i++) {
          appender.beginRow().append(i);
          Columns.instant(appender, instants.get(i));
          appender.endRow();
        }
        appender.beginRow().append(instants.size());
        Columns.instantOrNull(appender, null);
        appender.endRow();
      }
      List<String> stored = new ArrayList<>();
      try (ResultSet rows = statement.executeQuery("SELECT epoch_us(moment), CAST(moment AS VARCHAR) FROM t ORDER BY i")) {
        while (rows.next()) {
          stored.add(rows.getString(1) + " " + rows.getString(2));
        }
      }
      assertThat(stored).containsExactly("1796119200000000 2026-12-01 10:00:00+00",
          "1796119200123456 2026-12-01 10:00:00.123456+00", "-1 1969-12-31 23:59:59.999999+00",
          "-2208988799500000 1900-01-01 00:00:00.5+00", "null null");
    }
  }
}
