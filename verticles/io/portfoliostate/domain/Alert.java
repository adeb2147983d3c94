package io.portfoliostate.domain;

import java.math.BigDecimal;

/**
 * A condition that a recorded fact raised. Executed trades and cash movements are recorded even
 * when they drive cash negative or open a short (DOMAIN.md); those conditions are not errors but
 * need someone's attention, so the event that caused one carries an alert with it.
 *
 * <p>An alert is raised when the condition starts, not for every event while it lasts: a balance
 * that is already negative and falls further raises nothing new; one that recovers and goes
 * negative again raises a new alert.
 */
public sealed interface Alert permits Alert.CashNegative, Alert.ShortOpened {

  /** The kind, as the alert's {@code type} on the wire. */
  String type();

  /** A currency's balance went from zero or more to below zero. */
  record CashNegative(CurrencyCode currency, BigDecimal balance, BigDecimal previousBalance) implements Alert {
    public static final String TYPE = "CASH_NEGATIVE";

    @Override
    public String type() {
      return TYPE;
    }
  }

  /** A position went from flat or long to short: a new short, or a flip from long. */
  record ShortOpened(PositionKey position, BigDecimal quantity, BigDecimal previousQuantity) implements Alert {
    public static final String TYPE = "SHORT_OPENED";

    @Override
    public String type() {
      return TYPE;
    }
  }
}
