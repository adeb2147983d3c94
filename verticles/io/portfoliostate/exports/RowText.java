package io.portfoliostate.exports;

import io.vertx.core.json.Json;
import java.util.List;

/**
 * The text formats of a row: a CSV line (RFC 4180: a cell with a comma, a quote or a line break
 * is quoted, quotes doubled; an empty cell is null) and an NDJSON line (decimals as the strings
 * the REST reads give, ratios as numbers, JSON columns nested as they are).
 */
public final class RowText {

  private RowText() {
  }

  /** The CSV header line of {@code dataset}, ending in CRLF. */
  public static String csvHeader(ExportDataset dataset) {
    StringBuilder line = new StringBuilder();
    List<ExportDataset.Column> columns = dataset.columns();
    for (int i = 0; i < columns.size(); i++) {
      if (i > 0) {
        line.append(',');
      }
      line.append(columns.get(i).name());
    }
    return line.append("\r\n").toString();
  }

  /** One row as a CSV line, ending in CRLF. */
  public static void csv(Object[] row, StringBuilder line) {
    for (int i = 0; i < row.length; i++) {
      if (i > 0) {
        line.append(',');
      }
      Object value = row[i];
      if (value == null) {
        continue;
      }
      String text = value instanceof Double number ? Json.encode(number) : value.toString();
      if (text.indexOf(',') >= 0 || text.indexOf('"') >= 0 || text.indexOf('\n') >= 0 || text.indexOf('\r') >= 0) {
        line.append('"').append(text.replace("\"", "\"\"")).append('"');
      } else {
        line.append(text);
      }
    }
    line.append("\r\n");
  }

  /** One row of {@code dataset} as an NDJSON line, ending in LF. */
  public static void ndjson(ExportDataset dataset, Object[] row, StringBuilder line) {
    List<ExportDataset.Column> columns = dataset.columns();
    line.append('{');
    for (int i = 0; i < row.length; i++) {
      ExportDataset.Column column = columns.get(i);
      if (i > 0) {
        line.append(',');
      }
      line.append('"').append(column.name()).append("\":");
      Object value = row[i];
      if (value == null) {
        line.append("null");
      } else if (column.type() == ExportDataset.Type.JSON) {
        line.append(value); // already JSON text, from our own encoder
      } else if (value instanceof String text) {
        line.append(Json.encode(text));
      } else {
        line.append(Json.encode(value));
      }
    }
    line.append("}\n");
  }
}
