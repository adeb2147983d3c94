package io.portfoliostate.integration;

import static io.portfoliostate.fixtures.Api.trade;
import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.ChangeTopic;
import io.portfoliostate.fixtures.ServiceProcess;
import io.portfoliostate.fixtures.TestPulsar;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pulsar.client.api.PulsarClient;
import org.junit.jupiter.api.Test;

/**
 * The {@code portfolio-changes} and {@code portfolio-alerts} streams survive a SIGKILL of the
 * service (and of its PostgreSQL) in the middle of a stream of writes: after the restart the
 * topics hold every committed change and every alert exactly once, in version order per
 * portfolio. The killed publisher had published past its last saved cursor; the restarted one
 * must find that out from the broker and not repeat it. Every trade of the stream raises an
 * alert, so alerts are in flight when the kill comes.
 */
class ChangeStreamCrashTest {

  private static final int PORTFOLIOS = 10;

  @Test
  void theStreamIsCompleteWithoutDuplicatesAfterAKillAndRestart() throws Exception {
    String run = UUID.randomUUID().toString().substring(0, 8);
    String topicName = "changes-crash-" + run;
    String[] env = {
        "PSTATE_PULSAR_URL", TestPulsar.shared().serviceUrl(),
        "PSTATE_PULSAR_TRADE_TOPIC", "trades-crash-" + run,
        "PSTATE_PULSAR_CASH_TOPIC", "cash-crash-" + run,
        "PSTATE_PULSAR_PRICE_TOPIC", "prices-crash-" + run,
        "PSTATE_PULSAR_DEAD_LETTER_TOPIC", "dead-crash-" + run,
        "PSTATE_PULSAR_CHANGES_TOPIC", topicName,
        "PSTATE_PULSAR_ALERTS_TOPIC", "alerts-crash-" + run};
    Path dataDir = ServiceProcess.freshDataDir("changes-crash");
    List<String> ids = new ArrayList<>();
    try (PulsarClient client = PulsarClient.builder().serviceUrl(TestPulsar.shared().serviceUrl()).build();
        ChangeTopic topic = new ChangeTopic(client, topicName);
        ChangeTopic alerts = new ChangeTopic(client, "alerts-crash-" + run)) {
      ServiceProcess service = ServiceProcess.start(dataDir, env);
      try {
        Api api = service.api();
        for (int p = 0; p < PORTFOLIOS; p++) {
          ids.add(api.createPortfolio("crash-stream-" + p));
        }
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger acknowledged = new AtomicInteger();
        Thread writer = new Thread(() -> write(api, ids, stop, acknowledged), "writer");
        writer.start();
        // Kill once the stream is well under way, with writes and publishing in flight.
        topic.readUntil(300, ChangeTopic.catchUp());
        // A change is published once committed, which can be before its 201 reaches the writer:
        // wait for the acknowledgements too (at most 30 s), so that the kill comes after them.
        long acknowledgedBy = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (acknowledged.get() < 290 && System.nanoTime() < acknowledgedBy) {
          Thread.sleep(5);
        }
        ProcessHandle postgres = service.postgres().orElseThrow();
        service.kill();
        postgres.destroyForcibly();
        postgres.onExit().get(30, TimeUnit.SECONDS);
        stop.set(true);
        writer.join(60_000);
        // The 300 changes read before the kill include the 10 creations.
        assertThat(acknowledged.get()).isGreaterThanOrEqualTo(290);
      } finally {
        service.kill();
      }

      ServiceProcess restarted = ServiceProcess.start(dataDir, env);
      try {
        Api api = restarted.api();
        for (String id : ids) {
          assertThat(api.post("/api/v1/portfolios/" + id + "/trades", trade("after-restart", "AAPL", "SELL", "1", "101"))
              .status()).isEqualTo(201);
        }
        Map<String, List<JsonObject>> journals = new LinkedHashMap<>();
        ids.forEach(id -> journals.put(id, ChangeTopic.journal(api, id)));
        int total = journals.values().stream().mapToInt(List::size).sum();
        topic.readUntil(total, ChangeTopic.catchUp());
        List<JsonObject> messages = topic.drain(Duration.ofMillis(500));
        ChangeTopic.assertMatchesJournal(messages, journals);
        int alertCount = ChangeTopic.alertCount(journals);
        // One alert per trade acknowledged before the kill (see write); the SELL 1 after the restart raises none.
        assertThat(alertCount).isGreaterThanOrEqualTo(290);
        alerts.readUntil(alertCount, ChangeTopic.catchUp());
        ChangeTopic.assertAlertsMatchJournal(alerts.drain(Duration.ofMillis(300)), journals);
        assertThat(restarted.logText()).contains("Publishing committed changes to " + topicName);
      } finally {
        restarted.terminate();
      }
    }
  }

  /**
   * Trades on every portfolio in turn, 8 in flight (never two on one portfolio), until told to
   * stop or the service dies. Each raises an alert: the first BUY 1 drives cash negative, then
   * SELL 2 and BUY 2 alternate between a new short with cash above zero and a long with cash
   * below it.
   */
  private static void write(Api api, List<String> ids, AtomicBoolean stop, AtomicInteger acknowledged) {
    int sequence = 0;
    List<java.util.concurrent.CompletableFuture<Api.Response>> inFlight = new ArrayList<>();
    while (!stop.get()) {
      for (int i = 0; i < 8; i++, sequence++) {
        String id = ids.get(sequence % ids.size());
        int round = sequence / ids.size();
        JsonObject trade = round == 0 ? trade("t-" + sequence, "AAPL", "BUY", "1", "100")
            : trade("t-" + sequence, "AAPL", round % 2 == 1 ? "SELL" : "BUY", "2", "100");
        inFlight.add(api.postAsync("/api/v1/portfolios/" + id + "/trades", trade));
      }
      for (var response : inFlight) {
        try {
          if (response.join().status() == 201) {
            acknowledged.incrementAndGet();
          }
        } catch (RuntimeException refused) {
          // the service was killed: connection refused or reset
        }
      }
      inFlight.clear();
    }
  }
}
