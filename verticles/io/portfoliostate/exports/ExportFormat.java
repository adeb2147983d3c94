package io.portfoliostate.exports;

import java.util.Locale;
import java.util.Optional;

/** How an export is written. */
public enum ExportFormat {
  /** RFC 4180 CSV with a header line. */
  CSV("csv", "text/csv; charset=utf-8", "csv"),
  /** One JSON object per line (NDJSON); {@code json} names the same. */
  NDJSON("ndjson", "application/x-ndjson", "ndjson"),
  /** Apache Parquet, written by DuckDB. */
  PARQUET("parquet", "application/vnd.apache.parquet", "parquet");

  private final String wireName;
  private final String contentType;
  private final String extension;

  ExportFormat(String wireName, String contentType, String extension) {
    this.wireName = wireName;
    this.contentType = contentType;
    this.extension = extension;
  }

  public String wireName() {
    return wireName;
  }

  public String contentType() {
    return contentType;
  }

  public String extension() {
    return extension;
  }

  /** The format of a name ({@code json} is NDJSON), if there is one. */
  public static Optional<ExportFormat> parse(String name) {
    if (name == null) {
      return Optional.empty();
    }
    String lower = name.toLowerCase(Locale.ROOT);
    if (lower.equals("json")) {
      return Optional.of(NDJSON);
    }
    for (ExportFormat format : values()) {
      if (format.wireName.equals(lower)) {
        return Optional.of(format);
      }
    }
    return Optional.empty();
  }
}
