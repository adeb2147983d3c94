package io.portfoliostate.shard;

import static io.portfoliostate.fixtures.Api.trade;
import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.app.Node;
import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.Instrument;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.ReferenceData;
import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.TestDatabase;
import io.portfoliostate.fixtures.TestNode;
import io.portfoliostate.fixtures.TestPulsar;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.apache.pulsar.client.api.Consumer;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.Schema;
import org.apache.pulsar.client.api.SubscriptionInitialPosition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A bug while deciding one command (here an instrument lookup that throws, standing in for any
 * defect in the rules) fails that command only: its caller gets a 500 problem without a stack
 * trace, the commands decided with it get their own outcomes, the owner's queue count comes back
 * to zero and the owner keeps serving; a command from Pulsar goes to the dead-letter topic with
 * the reason instead of being retried forever.
 */
class DecideFailureTest {

  private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
  private static final String TRADES = "trades-df-" + RUN;
  private static final String DEAD = "dead-df-" + RUN;
  private static final InstrumentId BOOM = InstrumentId.of("BOOM");

  private static PulsarClient client;
  private static Node node;
  private static Api api;

  /** The node's reference data, except that looking up BOOM throws. */
  private static final UnaryOperator<ReferenceData> THROWING = market -> new ReferenceData() {
    @Override
    public Optional<CurrencyCode> currencyOf(InstrumentId id) {
      if (id.equals(BOOM)) {
        throw new IllegalStateException("lookup of BOOM failed");
      }
      return market.currencyOf(id);
    }

    @Override
    public Optional<Instrument> instrument(InstrumentId id) {
      if (id.equals(BOOM)) {
        throw new IllegalStateException("lookup of BOOM failed");
      }
      return market.instrument(id);
    }
  };

  @BeforeAll
  static void start() throws Exception {
    String url = TestPulsar.shared().serviceUrl();
    client = PulsarClient.builder().serviceUrl(url).build();
    node = Node.start(TestNode.settings(TestDatabase.freshDatabaseUri(), new JsonObject()
        .put("owners", new JsonObject().put("instances", 1))
        .put("pulsar", new JsonObject().put("serviceUrl", url).put("tradeTopic", TRADES)
            .put("cashTopic", "cash-df-" + RUN).put("priceTopic", "prices-df-" + RUN).put("deadLetterTopic", DEAD)
            .put("changesTopic", "changes-df-" + RUN).put("changesProducerName", "changes-df-" + RUN)
            .put("alertsTopic", "alerts-df-" + RUN))), UnaryOperator.identity(), THROWING);
    api = new Api(node.httpPort());
  }

  @AfterAll
  static void stop() throws Exception {
    if (node != null) {
      node.close();
    }
    if (client != null) {
      client.close();
    }
  }

  @Test
  void aThrowingCommandFailsAloneAndTheOwnerStaysHealthy() throws Exception {
    String id = api.createPortfolio("df-http");
    assertThat(queuedCommands()).isZero();
    // Sent together so that good and bad commands are decided in the same batches.
    List<CompletableFuture<Api.Response>> good = new ArrayList<>();
    List<CompletableFuture<Api.Response>> bad = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      good.add(api.postAsync("/api/v1/portfolios/" + id + "/trades", trade("g-" + i, "AAPL", "BUY", "1", "10")));
      bad.add(api.postAsync("/api/v1/portfolios/" + id + "/trades", trade("b-" + i, "BOOM", "BUY", "1", "10")));
    }
    for (CompletableFuture<Api.Response> response : good) {
      assertThat(response.get(30, TimeUnit.SECONDS).status()).isEqualTo(201);
    }
    for (CompletableFuture<Api.Response> response : bad) {
      Api.Response failed = response.get(30, TimeUnit.SECONDS);
      assertThat(failed.status()).isEqualTo(500);
      assertThat(failed.contentType()).isEqualTo("application/problem+json");
      assertThat(failed.json().getString("detail")).doesNotContain("BOOM failed").doesNotContain("Exception")
          .doesNotContain("at io.");
    }
    assertThat(queuedCommands()).isZero();

    // The bad commands changed nothing; the owner keeps deciding.
    Api.Response after = api.post("/api/v1/portfolios/" + id + "/trades", trade("g-after", "AAPL", "BUY", "1", "10"));
    assertThat(after.status()).isEqualTo(201);
    assertThat(after.json().getLong("version")).isEqualTo(22);
    JsonObject state = api.get("/api/v1/portfolios/" + id).json();
    assertThat(state.getJsonArray("positions")).hasSize(1);
    assertThat(state.getJsonArray("positions").getJsonObject(0).getString("quantity")).isEqualTo("21");
    assertThat(queuedCommands()).isZero();
  }

  @Test
  void aThrowingCommandFromPulsarIsDeadLettered() throws Exception {
    String id = api.createPortfolio("df-pulsar");
    try (Producer<byte[]> trades = client.newProducer(Schema.BYTES).topic(TRADES).create();
        Consumer<byte[]> letters = client.newConsumer(Schema.BYTES).topic(DEAD).subscriptionName("check")
            .subscriptionInitialPosition(SubscriptionInitialPosition.Earliest).subscribe()) {
      publish(trades, new JsonObject().put("portfolioId", id).put("tradeId", "p-bad").put("instrumentId", "BOOM")
          .put("side", "BUY").put("quantity", "1").put("price", "10"));
      publish(trades, new JsonObject().put("portfolioId", id).put("tradeId", "p-good").put("instrumentId", "AAPL")
          .put("side", "BUY").put("quantity", "3").put("price", "10"));
      trades.flush();

      Message<byte[]> letter = letters.receive(30, TimeUnit.SECONDS);
      assertThat(letter).as("the throwing command's dead letter").isNotNull();
      letters.acknowledge(letter);
      assertThat(letter.getProperty("reason")).startsWith("internal");
      assertThat(new String(letter.getValue(), StandardCharsets.UTF_8)).contains("p-bad");

      JsonObject state = api.awaitVersion(id, 2, Duration.ofSeconds(30));
      assertThat(state.getJsonArray("positions").getJsonObject(0).getString("quantity")).isEqualTo("3");
      assertThat(queuedCommands()).isZero();
    }
  }

  private static void publish(Producer<byte[]> producer, JsonObject body) {
    producer.newMessage().key(body.getString("portfolioId")).value(body.encode().getBytes(StandardCharsets.UTF_8))
        .sendAsync();
  }

  /** The queued-command gauge summed over the node's owners. */
  private static double queuedCommands() {
    double sum = 0;
    for (String line : api.get("/metrics").body().split("\n")) {
      if (line.startsWith("pstate_owner_queue_commands{")) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return sum;
  }
}
