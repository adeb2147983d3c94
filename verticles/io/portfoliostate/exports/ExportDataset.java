package io.portfoliostate.exports;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What can be exported, each a flat table: its columns in order. Decimal columns hold the exact
 * strings the REST reads give (CSV and NDJSON write them as they are; Parquet as
 * {@code DECIMAL(38,18)}).
 */
public enum ExportDataset {

  /** One row per position of each portfolio, valued as {@code GET .../positions?asOf=} values it. */
  POSITIONS("positions", false, List.of(
      text("portfolioId"), text("instrumentId"), text("strategy"), decimal("quantity"), decimal("averageCost"),
      decimal("costBasis"), decimal("realizedPnl"), decimal("fees"), text("currency"), text("openedAt"),
      text("updatedAt"), bigint("lots"), decimal("price"), decimal("marketValue"), decimal("marketValueBase"),
      decimal("unrealizedPnl"), real("weight"), bigint("version"), text("asOf"))),
  /** One row per open lot of each position (FIFO/LIFO/HIFO portfolios; an average-cost one has none). */
  LOTS("lots", false, List.of(
      text("portfolioId"), text("instrumentId"), text("strategy"), bigint("lot"), decimal("quantity"),
      decimal("price"), text("openedAt"), bigint("version"), text("asOf"))),
  /** One row per currency balance, as {@code GET .../cash?asOf=}. */
  CASH("cash", false, List.of(
      text("portfolioId"), text("currency"), decimal("balance"), decimal("balanceBase"), text("baseCurrency"),
      bigint("version"), text("asOf"))),
  /** One row per portfolio: its NAV, as {@code valuation} of {@code GET .../portfolios/{id}?asOf=}. */
  VALUATIONS("valuations", false, List.of(
      text("portfolioId"), text("name"), text("baseCurrency"), text("parentId"), decimal("nav"),
      decimal("cashBase"), bool("complete"), bigint("version"), text("asOf"))),
  /** One row per trade as recorded ({@code TradeRecorded}), executed by the export's time. */
  TRADES("trades", true, List.of(
      text("portfolioId"), bigint("version"), text("tradeId"), text("instrumentId"), text("strategy"),
      text("side"), decimal("quantity"), decimal("price"), text("currency"), decimal("fees"), text("executedAt"),
      text("recordedAt"))),
  /** One row per journal event recorded by the export's time, as {@code GET .../events} gives it. */
  EVENTS("events", true, List.of(
      text("portfolioId"), bigint("version"), text("type"), text("recordedAt"), json("data"), json("alerts"),
      json("origin"))),
  /**
   * One row per portfolio and weekday of a window: the daily series of {@code GET .../performance}
   * (date, NAV, net external flow, income, daily and cumulative time-weighted return), taken from
   * that read's own answer.
   */
  PERFORMANCE("performance", false, List.of(
      text("portfolioId"), text("date"), decimal("nav"), decimal("netFlow"), decimal("income"),
      real("dailyReturn"), real("cumulativeReturn")));

  /** The type of a column. */
  public enum Type {
    TEXT("VARCHAR"), DECIMAL("DECIMAL(38,18)"), DOUBLE("DOUBLE"), BIGINT("BIGINT"), BOOLEAN("BOOLEAN"),
    /** JSON text: a string cell in CSV and Parquet, a nested value in NDJSON. */
    JSON("VARCHAR");

    private final String duckdb;

    Type(String duckdb) {
      this.duckdb = duckdb;
    }

    /** The DuckDB type a Parquet file holds the column as. */
    public String duckdb() {
      return duckdb;
    }
  }

  /** One column. */
  public record Column(String name, Type type) {
  }

  private final String wireName;
  private final boolean longSeries;
  private final List<Column> columns;

  ExportDataset(String wireName, boolean longSeries, List<Column> columns) {
    this.wireName = wireName;
    this.longSeries = longSeries;
    this.columns = columns;
  }

  /** The dataset's name in paths and requests. */
  public String wireName() {
    return wireName;
  }

  /** Whether the dataset is taken over a window of days (performance), not as of a time. */
  public boolean windowed() {
    return this == PERFORMANCE;
  }

  /** Whether the dataset is a long series (trades, events), read page by page from the journal. */
  public boolean longSeries() {
    return longSeries;
  }

  public List<Column> columns() {
    return columns;
  }

  /** The dataset of a name, if there is one. */
  public static Optional<ExportDataset> parse(String name) {
    for (ExportDataset dataset : values()) {
      if (dataset.wireName.equals(name == null ? null : name.toLowerCase(Locale.ROOT))) {
        return Optional.of(dataset);
      }
    }
    return Optional.empty();
  }

  /** The names, for messages. */
  public static String names() {
    return String.join(", ", java.util.Arrays.stream(values()).map(ExportDataset::wireName).toList());
  }

  private static Column text(String name) {
    return new Column(name, Type.TEXT);
  }

  private static Column decimal(String name) {
    return new Column(name, Type.DECIMAL);
  }

  private static Column real(String name) {
    return new Column(name, Type.DOUBLE);
  }

  private static Column bigint(String name) {
    return new Column(name, Type.BIGINT);
  }

  private static Column bool(String name) {
    return new Column(name, Type.BOOLEAN);
  }

  private static Column json(String name) {
    return new Column(name, Type.JSON);
  }
}
