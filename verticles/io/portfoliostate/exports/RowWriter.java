package io.portfoliostate.exports;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;

/**
 * Writes the rows of one export into a file, on one worker thread at a time (never an event
 * loop): row by row, nothing kept in Java beyond a buffer.
 */
public interface RowWriter extends AutoCloseable {

  /** Appends one row (its values in the dataset's column order). */
  void write(Object[] row) throws IOException, SQLException;

  /** Completes the file; returns its size in bytes. */
  long finish() throws IOException, SQLException;

  /** Releases what the writer holds; after a failure, leaves no finished-looking file. */
  @Override
  void close();

  /** A writer of {@code format} into {@code file}; {@code memoryLimit} bounds DuckDB (Parquet). */
  static RowWriter open(ExportFormat format, ExportDataset dataset, Path file, String memoryLimit)
      throws IOException, SQLException {
    return format == ExportFormat.PARQUET ? new ParquetRowWriter(dataset, file, memoryLimit)
        : new TextRowWriter(format, dataset, file);
  }
}
