package io.portfoliostate.exports;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** CSV or NDJSON into a file, through a 64 KB buffer. */
final class TextRowWriter implements RowWriter {

  private final ExportFormat format;
  private final ExportDataset dataset;
  private final Path file;
  private final BufferedWriter out;
  private final StringBuilder line = new StringBuilder(256);

  TextRowWriter(ExportFormat format, ExportDataset dataset, Path file) throws IOException {
    this.format = format;
    this.dataset = dataset;
    this.file = file;
    this.out = new BufferedWriter(new OutputStreamWriter(Files.newOutputStream(file), StandardCharsets.UTF_8),
        1 << 16);
    if (format == ExportFormat.CSV) {
      out.write(RowText.csvHeader(dataset));
    }
  }

  @Override
  public void write(Object[] row) throws IOException {
    line.setLength(0);
    if (format == ExportFormat.CSV) {
      RowText.csv(row, line);
    } else {
      RowText.ndjson(dataset, row, line);
    }
    out.append(line);
  }

  @Override
  public long finish() throws IOException {
    out.close();
    return Files.size(file);
  }

  @Override
  public void close() {
    try {
      out.close();
    } catch (IOException ignored) {
      // closing after a failure: the file is deleted by the caller
    }
  }
}
