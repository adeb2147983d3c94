package io.portfoliostate.shard;

import static io.portfoliostate.fixtures.Api.trade;
import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.app.Node;
import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.TestDatabase;
import io.portfoliostate.fixtures.TestNode;
import org.junit.jupiter.api.Test;

/**
 * A strong read never answers a version older than one already acknowledged, even while two
 * nodes both believe they own a portfolio (the forced-two-owners set-up of {@link FencingTest}):
 * the node that loaded last took the portfolio's ownership epoch, so the other can no longer
 * commit, and it answers reads from memory only while its read lease (confirmed against that
 * epoch) runs; the new owner acknowledges its first write only after the old lease ran out.
 */
class StaleReadTest {

  @Test
  void theOldOwnerDoesNotServeAVersionOlderThanAnAcknowledgedOne() throws Exception {
    String database = TestDatabase.freshDatabaseUri();
    try (Node first = TestNode.start(database); Node second = TestNode.start(database)) {
      Api a = new Api(first.httpPort());
      Api b = new Api(second.httpPort());
      a.createPortfolio("moved-1");
      // A holds version 1; then B loads it too: B is the new owner.
      assertThat(a.get("/api/v1/portfolios/moved-1").header("ETag")).isEqualTo("\"1\"");
      assertThat(b.get("/api/v1/portfolios/moved-1").header("ETag")).isEqualTo("\"1\"");

      Api.Response byB = b.post("/api/v1/portfolios/moved-1/trades", trade("b-1", "AAPL", "BUY", "10", "100"));
      assertThat(byB.status()).isEqualTo(201);
      assertThat(byB.json().getLong("version")).isEqualTo(2);

      // Version 2 is acknowledged: the confused node must not answer version 1 any more.
      Api.Response fromA = a.get("/api/v1/portfolios/moved-1");
      assertThat(fromA.status()).isEqualTo(200);
      assertThat(fromA.header("ETag")).isEqualTo("\"2\"");
      Api.Response atLeast2 = a.get("/api/v1/portfolios/moved-1?minVersion=2");
      assertThat(atLeast2.status()).isEqualTo(200);
      assertThat(atLeast2.json().getLong("version")).isEqualTo(2);

      // The old owner can no longer commit on top of what it held; its write is fenced and
      // retried against a fresh load, so nothing acknowledged is lost.
      Api.Response byA = a.post("/api/v1/portfolios/moved-1/trades", trade("a-1", "AAPL", "BUY", "5", "90"));
      assertThat(byA.status()).isEqualTo(201);
      assertThat(byA.json().getLong("version")).isEqualTo(3);
      assertThat(byA.json().getJsonObject("position").getString("quantity")).isEqualTo("15");
      Api.Response fromB = b.get("/api/v1/portfolios/moved-1");
      assertThat(fromB.header("ETag")).isEqualTo("\"3\"");
    }
  }
}
