package io.portfoliostate.gateway;

import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.domain.RecordTrade;
import io.portfoliostate.domain.ReferenceData;
import io.portfoliostate.protocol.CommandEnvelope;
import io.vertx.core.MultiMap;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.TemporalAccessor;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * Reads a broker's or custodian's CSV statement into the same commands as the REST routes
 * (issue 16): each row becomes the JSON body a client would send, and {@link CommandParsers}
 * checks it, so a row is refused for exactly the reasons a request would be. The options
 * (which column holds which field, constants for missing columns, delimiter, decimal separator,
 * date format) come from the query string; the file is read record by record (Apache Commons
 * CSV) from its UTF-8 bytes, and a row limit stops a file that is too long.
 */
final class CsvImport {

  /** What the rows of a file are. */
  enum Kind {
    TRADES("trades", List.of("tradeId", "instrumentId", "side", "quantity", "price", "fees", "currency",
        "executedAt", "strategy"), Set.of("tradeId", "instrumentId", "side", "quantity", "price")),
    CASH_FLOWS("cash-flows", List.of("flowId", "type", "amount", "currency", "occurredAt", "instrumentId"),
        Set.of("flowId", "type", "amount", "currency"));

    final String wireName;
    final List<String> fields;
    final Set<String> required;

    Kind(String wireName, List<String> fields, Set<String> required) {
      this.wireName = wireName;
      this.fields = fields;
      this.required = required;
    }
  }

  private static final Set<String> DECIMALS = Set.of("quantity", "price", "fees", "amount");
  private static final Set<String> TIMES = Set.of("executedAt", "occurredAt");
  /** Enumerations whose values a statement may write in lower case ("buy"). */
  private static final Set<String> UPPER_CASED = Set.of("side", "type");
  private static final Set<String> OPTIONS = Set.of("kind", "dryRun", "validRowsOnly", "delimiter", "decimal",
      "dateFormat", "zone");

  /** The import's options, read from the query string. */
  record Options(Kind kind, Map<String, String> columns, Map<String, String> constants, char delimiter,
      char decimal, DateTimeFormatter dateFormat, String datePattern, ZoneId zone, boolean dryRun,
      boolean validRowsOnly) {
  }

  /**
   * One data row: its first line in the file, the command it becomes (null when it is bad), and
   * what is wrong with it, each error naming our field and the CSV column it came from.
   */
  record Row(int line, CommandEnvelope envelope, List<RowError> errors) {
  }

  /** One problem with a row. {@code column} is null for a constant or a rule across fields. */
  record RowError(String field, String column, String message) {
    String reason() {
      return (field == null ? "" : field + (column == null ? "" : " (column " + column + ")") + " ")
          + message;
    }
  }

  /** The file cannot be read as a whole: 400 (or 413 beyond the row limit). */
  static final class Unreadable extends Exception {
    private static final long serialVersionUID = 1L;
    final int status;

    Unreadable(int status, String message) {
      super(message, null, false, false);
      this.status = status;
    }
  }

  private CsvImport() {
  }

  /** The options of the query string; null when an error was added. */
  static Options options(MultiMap query, List<RequestReader.FieldError> errors) {
    int before = errors.size();
    for (String name : query.names()) {
      boolean mapping = name.startsWith("col.") || name.startsWith("const.");
      if (!mapping && !OPTIONS.contains(name)) {
        errors.add(new RequestReader.FieldError(name, "is not an option of an import (kind, dryRun, validRowsOnly, "
            + "delimiter, decimal, dateFormat, zone, col.<field>, const.<field>)"));
      } else if (query.getAll(name).size() > 1) {
        errors.add(new RequestReader.FieldError(name, "is given more than once"));
      }
    }
    String kindText = query.get("kind");
    Kind kind = null;
    for (Kind k : Kind.values()) {
      if (k.wireName.equals(kindText)) {
        kind = k;
      }
    }
    if (kind == null) {
      errors.add(new RequestReader.FieldError("kind", "must be trades or cash-flows"));
    }
    Map<String, String> columns = new LinkedHashMap<>();
    Map<String, String> constants = new LinkedHashMap<>();
    for (String name : query.names()) {
      boolean column = name.startsWith("col.");
      if (!column && !name.startsWith("const.")) {
        continue;
      }
      String field = name.substring(name.indexOf('.') + 1);
      String value = query.get(name);
      if (kind != null && !kind.fields.contains(field)) {
        errors.add(new RequestReader.FieldError(name, field + " is not a field of " + kind.wireName + " (fields: "
            + String.join(", ", kind.fields) + ")"));
      } else if (value == null || value.isEmpty()) {
        errors.add(new RequestReader.FieldError(name, "must not be empty"));
      } else {
        (column ? columns : constants).put(field, value);
      }
    }
    for (String field : columns.keySet()) {
      if (constants.containsKey(field)) {
        errors.add(new RequestReader.FieldError("const." + field, "cannot be combined with col." + field));
      }
    }
    Character delimiter = character(query, "delimiter", ',', errors);
    Character decimal = character(query, "decimal", '.', errors);
    if (decimal != null && decimal != '.' && decimal != ',') {
      errors.add(new RequestReader.FieldError("decimal", "must be . or ,"));
    }
    if (delimiter != null && (delimiter == '"' || Character.isLetterOrDigit(delimiter))) {
      errors.add(new RequestReader.FieldError("delimiter", "must be a punctuation character or tab"));
    }
    String pattern = query.get("dateFormat");
    DateTimeFormatter format = null;
    if (pattern != null) {
      try {
        format = DateTimeFormatter.ofPattern(pattern, Locale.ROOT);
      } catch (IllegalArgumentException e) {
        errors.add(new RequestReader.FieldError("dateFormat", "is not a date pattern (e.g. dd.MM.yyyy HH:mm): "
            + e.getMessage()));
      }
    }
    ZoneId zone = java.time.ZoneOffset.UTC;
    if (query.get("zone") != null) {
      try {
        zone = ZoneId.of(query.get("zone"));
      } catch (java.time.DateTimeException e) {
        errors.add(new RequestReader.FieldError("zone", "is not a time zone (e.g. UTC, Europe/Zurich)"));
      }
    }
    Boolean dryRun = flag(query, "dryRun", errors);
    Boolean validRowsOnly = flag(query, "validRowsOnly", errors);
    if (errors.size() > before) {
      return null;
    }
    return new Options(kind, columns, constants, delimiter, decimal, format, pattern, zone, dryRun, validRowsOnly);
  }

  private static Character character(MultiMap query, String name, char otherwise, List<RequestReader.FieldError> errors) {
    String value = query.get(name);
    if (value == null) {
      return otherwise;
    }
    if (value.equals("tab") || value.equals("\t")) {
      return '\t';
    }
    if (value.length() != 1) {
      errors.add(new RequestReader.FieldError(name, "must be one character (or tab)"));
      return null;
    }
    return value.charAt(0);
  }

  private static Boolean flag(MultiMap query, String name, List<RequestReader.FieldError> errors) {
    String value = query.get(name);
    if (value == null || value.equals("false")) {
      return false;
    }
    if (value.equals("true")) {
      return true;
    }
    errors.add(new RequestReader.FieldError(name, "must be true or false"));
    return false;
  }

  /**
   * Reads every data row of {@code body} into a command or its errors, in file order. Blocks
   * (a worker's job).
   */
  static List<Row> read(byte[] body, Options options, PortfolioId portfolio, ReferenceData reference, int maxRows)
      throws Unreadable {
    int offset = body.length >= 3 && (body[0] & 0xff) == 0xEF && (body[1] & 0xff) == 0xBB && (body[2] & 0xff) == 0xBF
        ? 3 : 0;
    // REPORT, not the default REPLACE: a file in another encoding is refused, not imported with
    // replacement characters in its ids.
    Reader reader = new InputStreamReader(new ByteArrayInputStream(body, offset, body.length - offset),
        StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT));
    CSVFormat format = CSVFormat.DEFAULT.builder().setDelimiter(options.delimiter()).setTrim(true)
        .setIgnoreEmptyLines(true).get();
    List<Row> rows = new ArrayList<>();
    try (CSVParser parser = CSVParser.builder().setReader(reader).setFormat(format).get()) {
      Iterator<CSVRecord> records = parser.iterator();
      if (!records.hasNext()) {
        throw new Unreadable(400, "the file is empty: it needs a header line and at least one row");
      }
      List<String> header = records.next().toList();
      Map<String, Integer> index = columns(header, options);
      long lastLine = parser.getCurrentLineNumber();
      while (records.hasNext()) {
        CSVRecord record = records.next();
        int line = (int) lastLine + 1;
        lastLine = parser.getCurrentLineNumber();
        if (rows.size() == maxRows) {
          throw new Unreadable(413, "the file has more than " + maxRows + " rows; split it");
        }
        rows.add(row(record, line, index, options, portfolio, reference));
      }
      if (rows.isEmpty()) {
        throw new Unreadable(400, "the file has a header line but no rows");
      }
      return rows;
    } catch (UncheckedIOException | IOException e) {
      Throwable cause = e instanceof UncheckedIOException ? e.getCause() : e;
      if (cause instanceof CharacterCodingException || cause != null && cause.getCause() instanceof CharacterCodingException) {
        throw new Unreadable(400, "the file is not UTF-8 text (after " + rows.size() + " rows); save it as UTF-8");
      }
      throw new Unreadable(400, "the file is not CSV after " + rows.size() + " rows: " + firstLine(cause));
    } catch (IllegalStateException e) {
      throw new Unreadable(400, "the file is not CSV after " + rows.size() + " rows: " + firstLine(e));
    }
  }

  private static String firstLine(Throwable e) {
    String message = e == null || e.getMessage() == null ? "unreadable" : e.getMessage();
    return message.lines().findFirst().orElse(message);
  }

  /** Our field → its column's index, from the mapping or, unmapped, a column named like the field. */
  private static Map<String, Integer> columns(List<String> header, Options options) throws Unreadable {
    Map<String, Integer> index = new LinkedHashMap<>();
    List<String> problems = new ArrayList<>();
    for (String field : options.kind().fields) {
      String column = options.columns().get(field);
      int at = header.indexOf(column != null ? column : field);
      if (column != null && at < 0) {
        problems.add("col." + field + " names column " + column + ", which the header does not have");
      } else if (at >= 0 && !options.constants().containsKey(field)) {
        index.put(field, at);
      }
      if (options.kind().required.contains(field) && !index.containsKey(field)
          && !options.constants().containsKey(field) && at < 0 && column == null) {
        problems.add(field + " is required: map it to a column (col." + field + "=...) or give a constant (const."
            + field + "=...)");
      }
    }
    if (!problems.isEmpty()) {
      throw new Unreadable(400, String.join("; ", problems) + " (the header has: " + String.join(", ", header) + ")");
    }
    return index;
  }

  private static Row row(CSVRecord record, int line, Map<String, Integer> index, Options options,
      PortfolioId portfolio, ReferenceData reference) {
    Map<String, Object> json = new LinkedHashMap<>();
    Map<String, String> sources = new LinkedHashMap<>();
    List<RowError> errors = new ArrayList<>();
    options.constants().forEach((field, value) -> {
      json.put(field, value);
      sources.put(field, null);
    });
    for (Map.Entry<String, Integer> column : index.entrySet()) {
      String field = column.getKey();
      String columnName = options.columns().getOrDefault(field, field);
      sources.put(field, columnName);
      if (column.getValue() >= record.size()) {
        errors.add(new RowError(field, columnName, "is missing: the row has " + record.size() + " columns"));
        continue;
      }
      String value = record.get(column.getValue());
      if (value.isEmpty()) {
        continue;
      }
      json.put(field, value);
    }
    for (Map.Entry<String, Object> entry : json.entrySet()) {
      String field = entry.getKey();
      String value = (String) entry.getValue();
      if (DECIMALS.contains(field) && options.decimal() == ',') {
        if (value.indexOf('.') >= 0) {
          errors.add(new RowError(field, sources.get(field), "has a '.' where the decimal separator is ',' "
              + "(no grouping separators): " + value));
        }
        entry.setValue(value.replace(',', '.'));
      } else if (TIMES.contains(field) && options.dateFormat() != null) {
        try {
          entry.setValue(instant(value, options).toString());
        } catch (DateTimeParseException e) {
          errors.add(new RowError(field, sources.get(field), "'" + value + "' does not match the date format "
              + options.datePattern()));
        }
      } else if (UPPER_CASED.contains(field)) {
        entry.setValue(value.toUpperCase(Locale.ROOT));
      }
    }
    if (!errors.isEmpty()) {
      return new Row(line, null, errors);
    }
    CommandParsers.Parsed parsed = options.kind() == Kind.TRADES ? CommandParsers.trade(portfolio, json, "", null)
        : CommandParsers.cashFlow(portfolio, json, null);
    if (!parsed.ok()) {
      for (RequestReader.FieldError error : parsed.errors()) {
        String field = error.field();
        errors.add(new RowError(field, sources.get(field), error.message()));
      }
      return new Row(line, null, errors);
    }
    // The owner's own rule, checked here too so that a dry run shows it: a trade's currency must
    // be its instrument's.
    if (parsed.envelope().command() instanceof RecordTrade trade && trade.currency() != null) {
      CurrencyCode known = reference.currencyOf(trade.instrumentId()).orElse(null);
      if (known != null && !known.equals(trade.currency())) {
        errors.add(new RowError("currency", sources.get("currency"), "instrument " + trade.instrumentId()
            + " trades in " + known + ", not " + trade.currency()));
        return new Row(line, null, errors);
      }
    }
    return new Row(line, parsed.envelope(), List.of());
  }

  /** A statement's time in the import's pattern: a date alone is the start of that day, in {@code zone}. */
  private static java.time.Instant instant(String value, Options options) {
    TemporalAccessor parsed = options.dateFormat().parseBest(value, ZonedDateTime::from, LocalDateTime::from,
        LocalDate::from);
    if (parsed instanceof ZonedDateTime zoned) {
      return zoned.toInstant();
    }
    if (parsed instanceof LocalDateTime local) {
      return local.atZone(options.zone()).toInstant();
    }
    return ((LocalDate) parsed).atStartOfDay(options.zone()).toInstant();
  }
}
