package io.portfoliostate.domain;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Which alerts an event raises, from the state before it and the state after it. A pure function
 * of the journal: replaying the same events raises the same alerts, which is what lets the
 * journal carry them as the outbox of the alerts stream.
 */
public final class AlertRules {

  private AlertRules() {
  }

  /**
   * The alerts {@code event} raised, cash first (in currency order), then the position.
   *
   * @param before the state before the event, or null before the portfolio's creation
   */
  public static List<Alert> raisedBy(PortfolioState before, PortfolioEvent event, PortfolioState after) {
    if (before == null) {
      return List.of();
    }
    // Null until an alert is found: most events raise none, and this runs for every event.
    List<Alert> alerts = null;
    // Few currencies per portfolio: comparing every balance is cheaper than knowing which changed.
    for (Map.Entry<CurrencyCode, BigDecimal> balance : after.cash().entrySet()) {
      if (balance.getValue().signum() < 0) {
        BigDecimal previous = before.cash().getOrDefault(balance.getKey(), BigDecimal.ZERO);
        if (previous.signum() >= 0) {
          alerts = add(alerts, new Alert.CashNegative(balance.getKey(), balance.getValue(), previous));
        }
      }
    }
    if (alerts != null && alerts.size() > 1) {
      alerts.sort((a, b) -> ((Alert.CashNegative) a).currency().compareTo(((Alert.CashNegative) b).currency()));
    }
    if (event instanceof TradeRecorded trade) {
      alerts = shortOpened(alerts, trade.positionKey(), before, after);
    } else if (event instanceof TradeCancelled || event instanceof TradeAmended) {
      // A restatement decides the same way on the positions it restated: a cancelled purchase can
      // leave a later sale short, an amended side can open one.
      Restatement restatement = event instanceof TradeCancelled cancel ? cancel.restatement()
          : ((TradeAmended) event).restatement();
      for (Position position : restatement.positions()) {
        alerts = shortOpened(alerts, position.key(), before, after);
      }
    }
    return alerts == null ? List.of() : alerts;
  }

  private static List<Alert> shortOpened(List<Alert> alerts, PositionKey key, PortfolioState before,
      PortfolioState after) {
    Position now = after.positions().get(key);
    Position was = before.positions().get(key);
    BigDecimal previous = was == null ? BigDecimal.ZERO : was.quantity();
    if (now != null && now.quantity().signum() < 0 && previous.signum() >= 0) {
      return add(alerts, new Alert.ShortOpened(key, now.quantity(), previous));
    }
    return alerts;
  }

  private static List<Alert> add(List<Alert> alerts, Alert alert) {
    List<Alert> list = alerts == null ? new ArrayList<>(2) : alerts;
    list.add(alert);
    return list;
  }
}
