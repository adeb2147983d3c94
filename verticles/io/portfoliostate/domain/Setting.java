package io.portfoliostate.domain;

import java.math.BigDecimal;

/**
 * The settings a portfolio inherits from its nearest ancestor when it has no value of its own.
 * Each is named by its path in the API; its value is kept as canonical text (an instrument id,
 * or a decimal in plain notation) so that two equal values are equal strings, in the journal and
 * in the catalog alike.
 *
 * <p>The cost method and the drift threshold are not here: every portfolio has its own, because
 * the figures its owner computes from them (lots, breaches) must follow from its journal alone.
 */
public enum Setting {

  /** The instrument performance is measured against. */
  BENCHMARK_INSTRUMENT_ID("benchmarkInstrumentId"),
  /** The annual risk-free rate (Sharpe), a fraction in [-1, 1]. */
  RISK_FREE_RATE("riskFreeRate"),
  /** Alert when the drawdown exceeds this fraction. */
  MAX_DRAWDOWN("alertThresholds.maxDrawdown"),
  /** Alert when the annualized volatility exceeds this fraction. */
  VOLATILITY("alertThresholds.volatility"),
  /** Alert when the 1-day 95 % VaR exceeds this fraction of NAV. */
  VAR95("alertThresholds.var95");

  /** The prefix of the settings that live in the {@code alertThresholds} object. */
  public static final String ALERT_THRESHOLDS = "alertThresholds.";

  private final String path;

  Setting(String path) {
    this.path = path;
  }

  /** The setting's field in the API, e.g. {@code alertThresholds.maxDrawdown}. */
  public String path() {
    return path;
  }

  /** The name within {@code alertThresholds}, or null for a top-level setting. */
  public String thresholdName() {
    return path.startsWith(ALERT_THRESHOLDS) ? path.substring(ALERT_THRESHOLDS.length()) : null;
  }

  /**
   * The value a portfolio has when neither it nor any ancestor sets one: a risk-free rate of 0
   * (Sharpe is then the plain return over volatility); no benchmark and no alert threshold.
   */
  public String defaultValue() {
    return this == RISK_FREE_RATE ? "0" : null;
  }

  /** The setting of a path, or null when there is none. */
  public static Setting ofPath(String path) {
    for (Setting setting : values()) {
      if (setting.path.equals(path)) {
        return setting;
      }
    }
    return null;
  }

  /**
   * Checks a value and returns its canonical text.
   *
   * @throws DomainViolation naming the setting's path when the value breaks its rule
   */
  public String canonical(String value) {
    if (value == null) {
      throw new DomainViolation(path, "is required");
    }
    if (this == BENCHMARK_INSTRUMENT_ID) {
      if (!Identifiers.isValid(value)) {
        throw new DomainViolation(path, "must be 1-64 characters of A-Z a-z 0-9 . _ : -");
      }
      return value;
    }
    BigDecimal number;
    try {
      number = Decimals.parse(value);
    } catch (IllegalArgumentException e) {
      throw new DomainViolation(path, e.getMessage());
    }
    if (this == RISK_FREE_RATE) {
      if (number.abs().compareTo(BigDecimal.ONE) > 0) {
        throw new DomainViolation(path, "must be an annual rate between -1 and 1 (0.03 is 3 %)");
      }
    } else if (number.signum() <= 0) {
      throw new DomainViolation(path, "must be a fraction greater than zero (0.1 is 10 %)");
    }
    return Decimals.plain(number);
  }
}
