package io.portfoliostate.integration;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.app.Node;
import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.TestDatabase;
import io.portfoliostate.fixtures.TestNode;
import io.portfoliostate.fixtures.TestPulsar;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.Schema;
import org.junit.jupiter.api.Test;

/**
 * Prices from Pulsar while the market-data writer is stuck (the {@code prices} table locked): a
 * write that fails or is refused leaves its messages to Pulsar's redelivery instead of holding
 * them and sending the same write again and again behind the first, and once the lock is gone
 * every price is stored.
 */
class PulsarPriceBackpressureTest {

  private static final int PRICES = 30;

  @Test
  void pricesThatCannotBeStoredAreLeftToPulsarAndStoredAfterTheRelease() throws Exception {
    String run = UUID.randomUUID().toString().substring(0, 8);
    String topic = "prices-" + run;
    String url = TestPulsar.shared().serviceUrl();
    String database = TestDatabase.freshDatabaseUri();
    try (PulsarClient client = PulsarClient.builder().serviceUrl(url).build();
        Producer<byte[]> producer = client.newProducer(Schema.BYTES).topic(topic).enableBatching(false).create();
        Node node = TestNode.start(database, new JsonObject()
            .put("database", new JsonObject().put("lockTimeoutMs", 60_000))
            .put("writers", new JsonObject().put("marketMaxQueuedRows", 1))
            .put("pulsar", new JsonObject().put("serviceUrl", url).put("tradeTopic", "trades-" + run)
                .put("cashTopic", "cash-" + run).put("priceTopic", topic).put("deadLetterTopic", "dead-" + run)
                .put("changesTopic", "").put("alertsTopic", "")))) {
      new Api(node.httpPort()).putInstrument("PXB", new JsonObject().put("currency", "USD"));
      try (Connection lock = TestDatabase.connect(database)) {
        lock.setAutoCommit(false);
        try (Statement statement = lock.createStatement()) {
          statement.execute("LOCK TABLE prices IN ACCESS EXCLUSIVE MODE");
        }
        for (int i = 0; i < PRICES; i++) {
          producer.send(new JsonObject().put("instrumentId", "PXB").put("price", String.valueOf(100 + i))
              .put("at", Instant.parse("2026-12-01T00:00:00Z").plusSeconds(i).toString()).encode()
              .getBytes(StandardCharsets.UTF_8));
          Thread.sleep(30);
        }
        // While the writer is stuck, the node holds only what the writer holds (one write running,
        // one queued): the rest went back to Pulsar rather than into a resend loop.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline && !(held(node) <= 5 && redelivered(node) >= PRICES - 5)) {
          Thread.sleep(100);
        }
        assertThat(held(node)).as("price messages held while the writer is stuck").isLessThanOrEqualTo(5);
        assertThat(redelivered(node)).as("price messages left to Pulsar's redelivery")
            .isGreaterThanOrEqualTo(PRICES - 5);
        lock.rollback();
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      while (System.nanoTime() < deadline && (stored(database) < PRICES || held(node) > 0)) {
        Thread.sleep(200);
      }
      assertThat(stored(database)).as("prices stored after the release").isEqualTo(PRICES);
      assertThat(held(node)).isZero();
    }
  }

  private static double held(Node node) {
    return node.registry().get("pstate.pulsar.in.held").gauge().value();
  }

  private static double redelivered(Node node) {
    return node.registry().find("pstate.pulsar.in").tag("result", "price_redelivered").counters().stream()
        .mapToDouble(c -> c.count()).sum();
  }

  private static long stored(String database) throws Exception {
    try (Connection connection = TestDatabase.connect(database);
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery("SELECT count(*) FROM prices WHERE instrument_id = 'PXB'")) {
      rows.next();
      return rows.getLong(1);
    }
  }
}
