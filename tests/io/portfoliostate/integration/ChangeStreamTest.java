package io.portfoliostate.integration;

import static io.portfoliostate.fixtures.Api.trade;
import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.app.Node;
import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.ChangeTopic;
import io.portfoliostate.fixtures.TestCluster;
import io.portfoliostate.fixtures.TestDatabase;
import io.portfoliostate.fixtures.TestNode;
import io.portfoliostate.fixtures.TestPulsar;
import io.portfoliostate.integration.pulsar.ChangePublisherVerticle;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.pulsar.client.api.PulsarClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The {@code portfolio-changes} and {@code portfolio-alerts} streams against a real broker: every
 * committed change once, in version order per portfolio, carrying its events, and every alert
 * the journal carries once; a restarted publisher that lost its cursor publishes no duplicate
 * (the broker's record of the producer's last sequence id); and when the publishing node leaves
 * the cluster another takes over with nothing missing or repeated. The SIGKILL case is
 * {@code ChangeStreamCrashTest}.
 */
class ChangeStreamTest {

  private static PulsarClient client;

  @BeforeAll
  static void connect() throws Exception {
    client = PulsarClient.builder().serviceUrl(TestPulsar.shared().serviceUrl()).build();
  }

  @AfterAll
  static void disconnect() throws Exception {
    if (client != null) {
      client.close();
    }
  }

  /** Pulsar settings with topics of this test's own: the broker is shared by the test classes. */
  private static JsonObject pulsar(String run) {
    return pulsar(run, false);
  }

  private static JsonObject pulsar(String run, boolean batching) {
    return new JsonObject().put("pulsar", TestPulsar.shared().settingsFor(run).put("changesBatching", batching));
  }

  private static String run() {
    return UUID.randomUUID().toString().substring(0, 8);
  }

  @Test
  void everyCommittedChangeIsPublishedOnceInVersionOrderWithItsEvents() throws Exception {
    String run = run();
    String database = TestDatabase.freshDatabaseUri();
    List<String> ids = new ArrayList<>();
    try (ChangeTopic topic = new ChangeTopic(client, "changes-" + run);
        ChangeTopic alerts = new ChangeTopic(client, "alerts-" + run)) {
      Node node = TestNode.start(database, pulsar(run));
      try {
        Api api = new Api(node.httpPort());
        ids.addAll(createPortfolios(api, "stream-" + run, 8));
        writeConcurrently(api, ids, "a", 25);
        swing(api, ids, "a");
        JsonArray batch = new JsonArray();
        for (int t = 0; t < 60; t++) {
          batch.add(trade("batch-" + t, "MSFT", t % 3 == 2 ? "SELL" : "BUY", "3", "300"));
        }
        assertThat(api.post("/api/v1/portfolios/" + ids.get(0) + "/trades:batch", new JsonObject().put("trades", batch))
            .status()).isEqualTo(200);
        assertThat(api.patch("/api/v1/portfolios/" + ids.get(1), new JsonObject().put("name", "Renamed")).status())
            .isEqualTo(200);

        Map<String, List<JsonObject>> journals = journals(api, ids);
        int total = journals.values().stream().mapToInt(List::size).sum();
        assertThat(total).isEqualTo(8 * 28 + 60 + 1);
        topic.readUntil(total, ChangeTopic.catchUp());
        List<JsonObject> messages = topic.drain(Duration.ofMillis(500));
        ChangeTopic.assertMatchesJournal(messages, journals);
        assertThat(node.registry().get("pstate.changes.published").counter().count()).isEqualTo(total);
        // Per portfolio: the first buy drives cash negative; the swing opens a short, then cash negative again.
        assertThat(ChangeTopic.alertCount(journals)).isEqualTo(8 * 3);
        alerts.readUntil(8 * 3, ChangeTopic.catchUp());
        ChangeTopic.assertAlertsMatchJournal(alerts.drain(Duration.ofMillis(300)), journals);
        assertThat(node.registry().get("pstate.alerts.published").counter().count()).isEqualTo(8 * 3);
        assertThat(node.registry().get("pstate.alerts.raised").counter().count()).isEqualTo(8 * 3);
        assertThat(node.registry().get("pstate.changes.leader").gauge().value()).isEqualTo(1.0);
      } finally {
        node.close();
      }
      // A graceful stop saves how far the stream got.
      assertThat(savedSequenceId(database, "changes-" + run)).isEqualTo(8 * 28 + 60 + 1);
    }
  }

  /** With batches too ({@code pulsar.changesBatching}): the broker's last sequence id is then a batch's last. */
  @ParameterizedTest(name = "batching {0}")
  @ValueSource(booleans = {false, true})
  void aPublisherThatLostItsCursorPublishesNoDuplicate(boolean batching) throws Exception {
    String run = run();
    String database = TestDatabase.freshDatabaseUri();
    List<String> ids = new ArrayList<>();
    try (ChangeTopic topic = new ChangeTopic(client, "changes-" + run);
        ChangeTopic alerts = new ChangeTopic(client, "alerts-" + run)) {
      Node node = TestNode.start(database, pulsar(run, batching));
      try {
        Api api = new Api(node.httpPort());
        ids.addAll(createPortfolios(api, "lost-" + run, 4));
        writeConcurrently(api, ids, "a", 10);
        topic.readUntil(4 * 11, ChangeTopic.catchUp());
        alerts.readUntil(4, ChangeTopic.catchUp());
      } finally {
        node.close();
      }
      // As if the node had died before it ever saved its cursor: only the broker knows.
      try (Connection connection = TestDatabase.connect(database); Statement sql = connection.createStatement()) {
        assertThat(sql.executeUpdate("DELETE FROM stream_cursors")).isEqualTo(1);
      }
      node = TestNode.start(database, pulsar(run, batching));
      try {
        Api api = new Api(node.httpPort());
        writeConcurrently(api, ids, "b", 5);
        swing(api, ids, "b");
        Map<String, List<JsonObject>> journals = journals(api, ids);
        topic.readUntil(4 * 18, ChangeTopic.catchUp());
        List<JsonObject> messages = topic.drain(Duration.ofMillis(500));
        ChangeTopic.assertMatchesJournal(messages, journals);
        assertThat(node.registry().get("pstate.changes.skipped").counter().count()).isEqualTo(4 * 11);
        if (batching) {
          assertThat(topic.largestBatch()).as("changes came in batches").isGreaterThan(1);
        } else {
          assertThat(topic.largestBatch()).as("changes came one by one").isLessThanOrEqualTo(1);
        }
        // The 4 alerts of the first run are in the topic already; only the swing's 8 are new.
        alerts.readUntil(4 * 3, ChangeTopic.catchUp());
        ChangeTopic.assertAlertsMatchJournal(alerts.drain(Duration.ofMillis(300)), journals);
        assertThat(node.registry().get("pstate.alerts.published").counter().count()).isEqualTo(4 * 2);
      } finally {
        node.close();
      }
    }
  }

  @Test
  void aTransactionLeftOpenHoldsTheStreamBackUntilItEnds() throws Exception {
    String run = run();
    String database = TestDatabase.freshDatabaseUri();
    try (ChangeTopic topic = new ChangeTopic(client, "changes-" + run)) {
      Node node = TestNode.start(database, pulsar(run));
      try {
        Api api = new Api(node.httpPort());
        String id = api.createPortfolio("held-" + run);
        assertThat(topic.readUntil(1, ChangeTopic.catchUp())).hasSize(1);
        try (Connection open = TestDatabase.connect(database)) {
          open.setAutoCommit(false);
          try (Statement sql = open.createStatement()) {
            // A transaction id taken, as by any writer, and the transaction left open.
            sql.execute("SELECT pg_current_xact_id()");
          }
          assertThat(api.post("/api/v1/portfolios/" + id + "/trades", trade("t-1", "AAPL", "BUY", "5", "100")).status())
              .isEqualTo(201);
          // Committed after the open transaction began: it may not pass it, or a publisher could
          // later miss something that transaction commits before it.
          assertThat(topic.drain(Duration.ofSeconds(1))).hasSize(1);
          long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
          while (node.registry().get("pstate.changes.blocking.transaction").gauge().value() <= 0) {
            assertThat(System.nanoTime()).as("the open transaction shows in the gauge").isLessThan(deadline);
            Thread.sleep(100);
          }
          open.rollback();
        }
        topic.readUntil(2, ChangeTopic.catchUp());
        ChangeTopic.assertMatchesJournal(topic.drain(Duration.ofMillis(300)),
            Map.of(id, ChangeTopic.journal(api, id)));
      } finally {
        node.close();
      }
    }
  }

  @Test
  void whenThePublishingNodeLeavesAnotherTakesOverWithNothingMissingOrRepeated() throws Exception {
    String run = run();
    List<String> ids = new ArrayList<>();
    try (ChangeTopic topic = new ChangeTopic(client, "changes-" + run);
        ChangeTopic alerts = new ChangeTopic(client, "alerts-" + run);
        // With batches: the unbatched hand-over is ClusterFailoverTest's (SIGKILL, 3 processes).
        TestCluster cluster = TestCluster.start(2, 2, TestDatabase.freshDatabaseUri(), pulsar(run, true))) {
      int leader = awaitLeader(cluster);
      int other = 1 - leader;
      assertThat(leaderGauge(cluster.node(other))).isZero();
      Api api = new Api(cluster.node(other).httpPort());
      ids.addAll(createPortfolios(api, "failover-" + run, 6));
      // Writes go on while the leader stops: the other node answers them and then publishes.
      CompletableFuture<Void> during = CompletableFuture.runAsync(() -> writeConcurrently(api, ids, "during", 20));
      Thread.sleep(200);
      cluster.stop(leader);
      during.get();
      writeConcurrently(api, ids, "after", 5);
      swing(api, ids, "after");
      assertThat(awaitLeader(cluster)).isEqualTo(other);

      Map<String, List<JsonObject>> journals = journals(api, ids);
      topic.readUntil(6 * 28, ChangeTopic.catchUp());
      List<JsonObject> messages = topic.drain(Duration.ofMillis(500));
      ChangeTopic.assertMatchesJournal(messages, journals);
      alerts.readUntil(6 * 3, ChangeTopic.catchUp());
      ChangeTopic.assertAlertsMatchJournal(alerts.drain(Duration.ofMillis(300)), journals);
    }
  }

  /** {@code count} USD portfolios named {@code <prefix>-0}, {@code <prefix>-1}, ... */
  private static List<String> createPortfolios(Api api, String prefix, int count) {
    List<String> ids = new ArrayList<>();
    for (int p = 0; p < count; p++) {
      ids.add(api.createPortfolio(prefix + "-" + p));
    }
    return ids;
  }

  /** {@code perPortfolio} trades on each portfolio, all portfolios at once. */
  private static void writeConcurrently(Api api, List<String> ids, String prefix, int perPortfolio) {
    List<CompletableFuture<Api.Response>> sent = new ArrayList<>();
    for (int t = 0; t < perPortfolio; t++) {
      for (String id : ids) {
        sent.add(api.postAsync("/api/v1/portfolios/" + id + "/trades",
            trade(prefix + "-" + t, "AAPL", "BUY", Integer.toString(t + 1), "100")));
      }
    }
    sent.forEach(response -> assertThat(response.join().status()).isEqualTo(201));
  }

  /**
   * On each portfolio (long some AAPL, cash negative from buying it): a SELL of 1,000 opens a
   * short and brings cash above zero, then a BUY of 2,000 drives cash negative again: two alerts.
   */
  private static void swing(Api api, List<String> ids, String prefix) {
    for (String id : ids) {
      assertThat(api.post("/api/v1/portfolios/" + id + "/trades", trade(prefix + "-short", "AAPL", "SELL", "1000", "100"))
          .status()).isEqualTo(201);
      assertThat(api.post("/api/v1/portfolios/" + id + "/trades", trade(prefix + "-long", "AAPL", "BUY", "2000", "100"))
          .status()).isEqualTo(201);
    }
  }

  private static Map<String, List<JsonObject>> journals(Api api, List<String> ids) {
    Map<String, List<JsonObject>> journals = new LinkedHashMap<>();
    ids.forEach(id -> journals.put(id, ChangeTopic.journal(api, id)));
    return journals;
  }

  private static double leaderGauge(Node node) {
    return node.registry().get("pstate.changes.leader").gauge().value();
  }

  /** The index of the node holding {@value ChangePublisherVerticle#LOCK} and publishing. */
  private static int awaitLeader(TestCluster cluster) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      List<Node> nodes = cluster.nodes();
      for (int i = 0; i < nodes.size(); i++) {
        if (nodes.get(i) != null && leaderGauge(nodes.get(i)) == 1.0) {
          return i;
        }
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no node publishes changes");
  }

  private static long savedSequenceId(String database, String stream) throws Exception {
    try (Connection connection = TestDatabase.connect(database); Statement sql = connection.createStatement();
        ResultSet row = sql.executeQuery("SELECT sequence_id FROM stream_cursors WHERE stream = '" + stream + "'")) {
      assertThat(row.next()).isTrue();
      return row.getLong(1);
    }
  }
}
