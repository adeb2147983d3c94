package io.portfoliostate.live;

import io.portfoliostate.domain.Identifiers;
import io.portfoliostate.domain.PortfolioId;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a bridge address names: a portfolio and what of it ({@code portfolio.updates.<id>},
 * {@code portfolio.valuation.<id>}, {@code portfolio.alerts.<id>}), or an instrument's prices
 * ({@code prices.<id>}). The same identifiers as the API's (1-64 of A-Z a-z 0-9 . _ : -).
 *
 * @param kind for a portfolio address; null for prices
 * @param portfolio for a portfolio address; null for prices
 * @param instrumentId for a prices address; null otherwise
 */
record Target(LiveHub.Kind kind, PortfolioId portfolio, String instrumentId) {

  /** The identifier rule as a regular expression, for the bridge's permitted addresses. */
  static final String ID = "[A-Za-z0-9._:-]{1,64}";
  static final String UPDATES = "portfolio\\.updates\\." + ID;
  static final String VALUATION = "portfolio\\.valuation\\." + ID;
  static final String ALERTS = "portfolio\\.alerts\\." + ID;
  static final String PRICES = "prices\\." + ID;
  private static final Pattern ADDRESS = Pattern.compile(
      "(?:portfolio\\.(updates|valuation|alerts)|(prices))\\.(" + ID + ")");

  /** The target of {@code address}, or null when it is none of the bridge's addresses. */
  static Target of(String address) {
    if (address == null) {
      return null;
    }
    Matcher m = ADDRESS.matcher(address);
    if (!m.matches() || !Identifiers.isValid(m.group(3))) {
      return null;
    }
    if (m.group(2) != null) {
      return new Target(null, null, m.group(3));
    }
    LiveHub.Kind kind = switch (m.group(1)) {
      case "updates" -> LiveHub.Kind.UPDATES;
      case "valuation" -> LiveHub.Kind.VALUATION;
      default -> LiveHub.Kind.ALERTS;
    };
    return new Target(kind, PortfolioId.of(m.group(3)), null);
  }
}
