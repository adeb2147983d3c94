package io.portfoliostate.exports;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;

/**
 * Parquet written by DuckDB: rows go through an appender into a table of a scratch DuckDB
 * database file next to the target (so a large export spills to disk, not to the Java heap, and
 * DuckDB's {@code memory_limit} bounds what it keeps in memory), then one
 * {@code COPY ... TO 'file' (FORMAT parquet)} writes the file and the scratch database is deleted.
 * Decimals are {@code DECIMAL(38,18)}: exact for every amount the service accepts.
 */
final class ParquetRowWriter implements RowWriter {

  private final ExportDataset dataset;
  private final Path file;
  private final Path scratch;
  private final DuckDBConnection connection;
  private final DuckDBAppender appender;
  private final List<ExportDataset.Column> columns;
  private final java.util.concurrent.locks.Lock lock;

  ParquetRowWriter(ExportDataset dataset, Path file, String memoryLimit) throws SQLException, IOException {
    this.dataset = dataset;
    this.file = file;
    this.columns = dataset.columns();
    this.scratch = file.resolveSibling(file.getFileName() + ".duckdb");
    Files.deleteIfExists(scratch);
    Properties properties = new Properties();
    // Nothing is loaded or installed: parquet is built into the jar.
    properties.setProperty("autoload_known_extensions", "false");
    properties.setProperty("autoinstall_known_extensions", "false");
    this.connection = (DuckDBConnection) DriverManager.getConnection("jdbc:duckdb:" + scratch.toAbsolutePath(),
        properties);
    try (Statement statement = connection.createStatement()) {
      statement.execute("SET memory_limit = '" + memoryLimit.replace("'", "") + "'");
      statement.execute("SET threads = 1");
      // Decimals are staged as their text and cast once, column by column, when the file is
      // written: DuckDB's vectorised cast is far cheaper than a BigDecimal per appended value.
      StringBuilder create = new StringBuilder("CREATE TABLE export_rows (");
      for (int i = 0; i < columns.size(); i++) {
        ExportDataset.Column column = columns.get(i);
        create.append(i == 0 ? "" : ", ").append('"').append(column.name()).append("\" ")
            .append(column.type() == ExportDataset.Type.DECIMAL ? "VARCHAR" : column.type().duckdb());
      }
      statement.execute(create.append(')').toString());
      this.appender = connection.createAppender(DuckDBConnection.DEFAULT_SCHEMA, "export_rows");
      // The export's batches run one after the other, but not always on the same thread of the
      // export pool: the appender's own lock orders them (it is never contended).
      this.lock = appender.unsafeBreakThreadConfinement();
    } catch (SQLException e) {
      connection.close();
      throw e;
    }
  }

  @Override
  public void write(Object[] row) throws SQLException {
    lock.lock();
    try {
      append(row);
    } finally {
      lock.unlock();
    }
  }

  private void append(Object[] row) throws SQLException {
    appender.beginRow();
    for (int i = 0; i < row.length; i++) {
      Object value = row[i];
      if (value == null) {
        appender.appendNull();
        continue;
      }
      switch (columns.get(i).type()) {
        case DOUBLE -> appender.append(((Number) value).doubleValue());
        case BIGINT -> appender.append(((Number) value).longValue());
        case BOOLEAN -> appender.append((boolean) (Boolean) value);
        default -> appender.append(value.toString());
      }
    }
    appender.endRow();
  }

  @Override
  public long finish() throws SQLException, IOException {
    lock.lock();
    try {
      appender.close();
    } finally {
      lock.unlock();
    }
    try (Statement statement = connection.createStatement()) {
      StringBuilder select = new StringBuilder("SELECT ");
      for (int i = 0; i < columns.size(); i++) {
        ExportDataset.Column column = columns.get(i);
        String name = '"' + column.name() + '"';
        select.append(i == 0 ? "" : ", ").append(column.type() == ExportDataset.Type.DECIMAL
            ? "CAST(" + name + " AS " + column.type().duckdb() + ") AS " + name : name);
      }
      statement.execute("COPY (" + select + " FROM export_rows) TO '"
          + file.toAbsolutePath().toString().replace("'", "''") + "' (FORMAT parquet, COMPRESSION zstd)");
    }
    close();
    return Files.size(file);
  }

  @Override
  public void close() {
    lock.lock();
    try {
      if (!appender.isClosed()) {
        appender.close();
      }
    } catch (SQLException ignored) {
      // closing after a failure
    } finally {
      lock.unlock();
    }
    try {
      connection.close();
    } catch (SQLException ignored) {
      // the same
    }
    try {
      Files.deleteIfExists(scratch);
      Files.deleteIfExists(scratch.resolveSibling(scratch.getFileName() + ".wal"));
    } catch (IOException ignored) {
      // a scratch file left behind is removed with the job's folder
    }
  }

  @Override
  public String toString() {
    return "parquet " + dataset.wireName() + " -> " + file;
  }
}
