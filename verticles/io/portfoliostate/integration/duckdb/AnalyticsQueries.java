package io.portfoliostate.integration.duckdb;

import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.valuation.SetAnalytics.Balance;
import io.portfoliostate.domain.valuation.SetAnalytics.Holding;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.time.LocalDate;
import java.util.List;

/**
 * The reads behind the cross-portfolio analytics: which portfolios a set holds, and their
 * holdings and cash, folded by the store's views. Blocking: run on the store's reader threads.
 */
public final class AnalyticsQueries {

  /**
   * A set of portfolios, as SQL that lists its ids. Ids are joined with commas and split in SQL:
   * an identifier never contains a comma (DOMAIN.md), and one parameter holds any number of them.
   */
  public record PortfolioSet(String sql, String parameter) {

    /** Every portfolio (a caller who may read everything). */
    public static PortfolioSet all() {
      return new PortfolioSet("SELECT portfolio_id FROM portfolios", null);
    }

    /** Exactly these portfolios (each already checked readable). */
    public static PortfolioSet listed(List<String> ids) {
      return new PortfolioSet("SELECT DISTINCT unnest(string_split(?, ',')) AS portfolio_id", String.join(",", ids));
    }

    /** These portfolios and everything below them. */
    public static PortfolioSet subtrees(List<String> roots) {
      return new PortfolioSet("SELECT DISTINCT portfolio_id FROM portfolio_tree "
          + "WHERE list_contains(string_split(?, ','), root_id)", String.join(",", roots));
    }

    int bind(PreparedStatement statement, int index) throws SQLException {
      if (parameter == null) {
        return index;
      }
      statement.setString(index, parameter);
      return index + 1;
    }
  }

  /** What a set holds: its members, their non-zero holdings and their cash. */
  public record SetContents(List<String> portfolioIds, List<Holding> holdings, List<Balance> cash) {
  }

  private AnalyticsQueries() {
  }

  /** The members of {@code set} with their holdings (strategies summed) and cash balances. Blocks. */
  public static SetContents contents(Connection connection, PortfolioSet set) throws SQLException {
    List<String> ids = members(connection, set);
    List<Holding> holdings = new ArrayList<>();
    try (PreparedStatement statement = connection.prepareStatement(
        "WITH members AS (" + set.sql() + ") SELECT p.portfolio_id, p.instrument_id, sum(p.quantity) AS quantity "
            + "FROM positions p JOIN members m ON m.portfolio_id = p.portfolio_id "
            + "GROUP BY p.portfolio_id, p.instrument_id HAVING sum(p.quantity) <> 0 "
            + "ORDER BY p.portfolio_id, p.instrument_id")) {
      set.bind(statement, 1);
      try (ResultSet rows = statement.executeQuery()) {
        while (rows.next()) {
          holdings.add(new Holding(rows.getString(1), InstrumentId.of(rows.getString(2)),
              rows.getBigDecimal(3).stripTrailingZeros()));
        }
      }
    }
    List<Balance> cash = new ArrayList<>();
    try (PreparedStatement statement = connection.prepareStatement(
        "WITH members AS (" + set.sql() + ") SELECT c.portfolio_id, c.currency, c.balance "
            + "FROM cash c JOIN members m ON m.portfolio_id = c.portfolio_id ORDER BY c.portfolio_id, c.currency")) {
      set.bind(statement, 1);
      try (ResultSet rows = statement.executeQuery()) {
        while (rows.next()) {
          cash.add(new Balance(rows.getString(1), CurrencyCode.of(rows.getString(2)),
              rows.getBigDecimal(3).stripTrailingZeros()));
        }
      }
    }
    return new SetContents(ids, holdings, cash);
  }

  /** One weekday of a portfolio's daily series as the store holds it (texts exact, as the performance read gives them). */
  public record NavPoint(LocalDate date, String nav, String netFlow, String income, Double dailyReturn) {
  }

  /** A portfolio's daily series over a window. */
  public record NavSeries(String portfolioId, String baseCurrency, List<NavPoint> points) {
  }

  /** The members of {@code set}, by id. Blocks. */
  public static List<String> members(Connection connection, PortfolioSet set) throws SQLException {
    List<String> ids = new ArrayList<>();
    try (PreparedStatement statement = connection.prepareStatement(
        "SELECT portfolio_id FROM (" + set.sql() + ") ORDER BY portfolio_id")) {
      set.bind(statement, 1);
      try (ResultSet rows = statement.executeQuery()) {
        while (rows.next()) {
          ids.add(rows.getString(1));
        }
      }
    }
    return ids;
  }

  /**
   * How many members of {@code set} wait for a refresh of their daily series since a change the
   * feed read among its first {@code upTo} changes ({@code daily_pending.seq} is the store's count
   * of changes read after the batch that marked it, {@link AnalyticsStore#changesCommitted}; not
   * a {@code global_seq}), not counting new prices. Later changes do not count: a reader waiting
   * for its own write waits for what the store had read by then, not for every trade after it
   * (under a steady flow some member of a large set is always pending). Blocks.
   */
  public static long seriesPending(Connection connection, PortfolioSet set, long upTo) throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(
        "WITH members AS (" + set.sql() + ") SELECT count(DISTINCT p.portfolio_id) FROM daily_pending p "
            + "JOIN members m ON m.portfolio_id = p.portfolio_id LEFT JOIN daily_done d "
            + "ON d.portfolio_id = p.portfolio_id WHERE p.seq <= ? AND (d.seq IS NULL OR p.seq > d.seq)")) {
      int index = set.bind(statement, 1);
      statement.setLong(index, upTo);
      try (ResultSet rows = statement.executeQuery()) {
        rows.next();
        return rows.getLong(1);
      }
    }
  }

  /**
   * How many members of {@code set} wait for a recomputation that a refresh up to number
   * {@code refresh} saw pending (a price or rate it read, a new day, a change of the feed): what
   * {@code minPriceSeq} waits to be none. Blocks.
   */
  public static long pricesPending(Connection connection, PortfolioSet set, long refresh) throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(
        "WITH members AS (" + set.sql() + ") SELECT count(*) FROM daily_mark_refresh r JOIN members m "
            + "ON m.portfolio_id = r.portfolio_id WHERE r.refresh <= ?")) {
      int index = set.bind(statement, 1);
      statement.setLong(index, refresh);
      try (ResultSet rows = statement.executeQuery()) {
        rows.next();
        return rows.getLong(1);
      }
    }
  }

  /** How many portfolios' daily series are computed and wait for no recomputation. Blocks. */
  public static long seriesUpToDate(Connection connection) throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(
        "SELECT count(*) FROM daily_done d WHERE NOT EXISTS (SELECT 1 FROM daily_pending p "
            + "WHERE p.portfolio_id = d.portfolio_id AND p.seq > d.seq) "
            + "AND NOT EXISTS (SELECT 1 FROM daily_marks m WHERE m.portfolio_id = d.portfolio_id)")) {
      try (ResultSet rows = statement.executeQuery()) {
        rows.next();
        return rows.getLong(1);
      }
    }
  }

  /** The daily series of every member of {@code set} from {@code from} to {@code to}, by portfolio and date. Blocks. */
  public static List<NavSeries> navs(Connection connection, PortfolioSet set, LocalDate from, LocalDate to)
      throws SQLException {
    List<NavSeries> series = new ArrayList<>();
    try (PreparedStatement statement = connection.prepareStatement(
        "WITH members AS (" + set.sql() + ") SELECT n.portfolio_id, n.base_currency, n.date, n.nav, n.net_flow, "
            + "n.income, n.daily_return FROM daily_nav n JOIN members m ON m.portfolio_id = n.portfolio_id "
            + "WHERE n.date BETWEEN ? AND ? ORDER BY n.portfolio_id, n.date")) {
      int index = set.bind(statement, 1);
      statement.setObject(index, from);
      statement.setObject(index + 1, to);
      try (ResultSet rows = statement.executeQuery()) {
        NavSeries current = null;
        while (rows.next()) {
          String id = rows.getString(1);
          if (current == null || !current.portfolioId().equals(id)) {
            current = new NavSeries(id, rows.getString(2), new ArrayList<>());
            series.add(current);
          }
          double value = rows.getDouble(7);
          Double dailyReturn = rows.wasNull() ? null : value;
          current.points().add(new NavPoint(rows.getObject(3, LocalDate.class), rows.getString(4), rows.getString(5),
              rows.getString(6), dailyReturn));
        }
      }
    }
    return series;
  }

  /** Daily returns of a set over a window: one row per portfolio, one column per date, NaN where none. */
  public record ReturnMatrix(List<String> portfolioIds, List<LocalDate> dates, double[][] returns) {
  }

  /**
   * The daily returns of every member of {@code set} in [{@code from}, {@code to}], laid out for
   * {@code Correlation}: the dates are those on which at least one member has a return. Blocks.
   */
  public static ReturnMatrix returns(Connection connection, PortfolioSet set, LocalDate from, LocalDate to)
      throws SQLException {
    List<String> ids = members(connection, set);
    java.util.Map<String, Integer> row = new java.util.HashMap<>();
    for (int i = 0; i < ids.size(); i++) {
      row.put(ids.get(i), i);
    }
    List<LocalDate> dates = new ArrayList<>();
    java.util.Map<LocalDate, Integer> column = new java.util.HashMap<>();
    List<String> portfolios = new ArrayList<>();
    List<LocalDate> days = new ArrayList<>();
    List<Double> values = new ArrayList<>();
    try (PreparedStatement statement = connection.prepareStatement(
        "WITH members AS (" + set.sql() + ") SELECT r.portfolio_id, r.date, r.daily_return FROM daily_returns r "
            + "JOIN members m ON m.portfolio_id = r.portfolio_id WHERE r.date BETWEEN ? AND ? ORDER BY r.date")) {
      int index = set.bind(statement, 1);
      statement.setObject(index, from);
      statement.setObject(index + 1, to);
      try (ResultSet rows = statement.executeQuery()) {
        while (rows.next()) {
          LocalDate date = rows.getObject(2, LocalDate.class);
          if (!column.containsKey(date)) {
            column.put(date, dates.size());
            dates.add(date);
          }
          portfolios.add(rows.getString(1));
          days.add(date);
          values.add(rows.getDouble(3));
        }
      }
    }
    double[][] returns = new double[ids.size()][dates.size()];
    for (double[] line : returns) {
      java.util.Arrays.fill(line, Double.NaN);
    }
    for (int k = 0; k < values.size(); k++) {
      Integer i = row.get(portfolios.get(k));
      if (i != null) {
        returns[i][column.get(days.get(k))] = values.get(k);
      }
    }
    return new ReturnMatrix(ids, dates, returns);
  }
}
