package io.portfoliostate.integration.duckdb;

import io.portfoliostate.persistence.ChangeStreamStore.Change;
import io.portfoliostate.persistence.MarketDataStore;
import io.portfoliostate.persistence.PerformanceHistory;
import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * Journal changes for the analytics store's tests, numbered as the journal numbers them (a
 * transaction id and a global sequence that only grow): a portfolio's creation and its deposits
 * of 100 USD, all at one moment. One instance per test, so that its sequence starts afresh.
 */
final class StoreChanges {

  static final Instant AT = Instant.parse("2026-12-01T10:00:00Z");

  private long seq;

  Change change(String portfolio, long version, String type, JsonObject payload) {
    seq += 3;
    return new Change(100 + seq, seq, portfolio, version, type, payload.encode(), AT, null, null);
  }

  Change created(String id) {
    return change(id, 1, "PortfolioCreated", new JsonObject().put("portfolioId", id).put("name", id)
        .put("baseCurrency", "USD").put("costMethod", "AVERAGE").put("driftThreshold", "0.02")
        .put("targets", new JsonObject()).put("at", AT.toString()));
  }

  Change deposit(String id, long version) {
    return change(id, version, "CashFlowRecorded", new JsonObject().put("flowId", "d" + version)
        .put("type", "DEPOSIT").put("currency", "USD").put("amount", "100").put("occurredAt", AT.toString())
        .put("at", AT.toString()));
  }

  /** A price history that nothing in these tests reads (no refresh values a day). */
  static PerformanceHistory noHistory() {
    return PerformanceHistory.sharing(new MarketDataStore(null));
  }
}
