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
}
