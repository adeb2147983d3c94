package io.portfoliostate.protocol;

import static io.portfoliostate.protocol.Json.decimal;

import io.portfoliostate.domain.Alert;
import io.portfoliostate.domain.PortfolioId;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;

/**
 * The alerts of one event as the journal stores them (a JSON array next to the event) and as
 * they leave the service: each element is one message of the alerts topic, complete in itself,
 * and {@code GET /events} shows the array on the event that raised it.
 *
 * <p>{@code alertId} is {@code <portfolioId>/<version>/<n>}: stable across replays and
 * redeliveries, so a consumer can de-duplicate on it ({@code /} never occurs in an identifier).
 */
public final class AlertJson {

  /** Every alert this service raises is a warning: a recorded fact that needs a look, not a failure. */
  static final String SEVERITY = "WARNING";

  private AlertJson() {
  }

  /** The journal's JSON text for the alerts of one event, or null when it raised none. */
  public static String toJournal(PortfolioId portfolio, long version, Instant raisedAt, List<Alert> alerts) {
    if (alerts.isEmpty()) {
      return null;
    }
    JsonArray array = new JsonArray();
    for (int i = 0; i < alerts.size(); i++) {
      array.add(toJson(portfolio, version, i + 1, raisedAt, alerts.get(i)));
    }
    return array.encode();
  }

  static JsonObject toJson(PortfolioId portfolio, long version, int n, Instant raisedAt, Alert alert) {
    JsonObject json = new JsonObject()
        .put("alertId", portfolio.value() + "/" + version + "/" + n)
        .put("portfolioId", portfolio.value())
        .put("version", version)
        .put("type", alert.type())
        .put("severity", SEVERITY)
        .put("raisedAt", raisedAt.toString());
    if (alert instanceof Alert.CashNegative cash) {
      return json
          .put("message", "cash in " + cash.currency().value() + " went negative: " + decimal(cash.balance()))
          .put("currency", cash.currency().value())
          .put("balance", decimal(cash.balance()))
          .put("previousBalance", decimal(cash.previousBalance()));
    }
    Alert.ShortOpened opened = (Alert.ShortOpened) alert;
    return json
        .put("message", "short position opened in " + opened.position().instrumentId().value() + " (strategy "
            + opened.position().strategy() + "): " + decimal(opened.quantity()))
        .put("instrumentId", opened.position().instrumentId().value())
        .put("strategy", opened.position().strategy())
        .put("quantity", decimal(opened.quantity()))
        .put("previousQuantity", decimal(opened.previousQuantity()));
  }
}
