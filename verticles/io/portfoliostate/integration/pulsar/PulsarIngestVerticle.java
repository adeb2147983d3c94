package io.portfoliostate.integration.pulsar;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.portfoliostate.config.Settings.PulsarSettings;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.domain.ReferenceData;
import io.portfoliostate.domain.Rejection;
import io.portfoliostate.domain.valuation.Price;
import io.portfoliostate.gateway.StreamMessages;
import io.portfoliostate.protocol.Addresses;
import io.portfoliostate.protocol.CommandEnvelope;
import io.portfoliostate.protocol.CommandOutcome;
import io.portfoliostate.protocol.CommandOutcomes;
import io.portfoliostate.protocol.MarketWrite;
import io.portfoliostate.protocol.Origin;
import io.portfoliostate.protocol.OwnerRequest;
import io.portfoliostate.shard.OwnerClient;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.pulsar.client.api.BatchReceivePolicy;
import org.apache.pulsar.client.api.Consumer;
import org.apache.pulsar.client.api.Message;
import org.apache.pulsar.client.api.Messages;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.PulsarClientException;
import org.apache.pulsar.client.api.Schema;
import org.apache.pulsar.client.api.SubscriptionType;
import org.apache.pulsar.client.impl.MultiplierRedeliveryBackoff;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A gateway for what arrives over Pulsar: commands ({@code trade-executions}, {@code
 * cash-movements}) and prices ({@code market-prices}, stored through the node's market-data
 * writer, a batch's prices in one write). Each command message is parsed like the same JSON posted over REST, sent to its
 * portfolio's owner, and acknowledged only after its effect is committed. A message that can
 * never apply (malformed, invalid, unknown portfolio, id reused with other content) goes to the
 * dead-letter topic with its reason and is acknowledged. A redelivered message is a replay of
 * its tradeId/flowId and changes nothing.
 *
 * <p>Trust: the events a message causes are journaled with a PULSAR origin (topic, message id,
 * and {@code pulsar:<producer name>} as principal). The service does not authenticate producers
 * itself: Pulsar's authorization on the topics decides who may publish commands.
 *
 * <p>Order: the subscription is Key_Shared by portfolio id (or Failover, one node per partition,
 * when configured so), so a portfolio's messages reach one node at a time, in order; here they are sent to the owner one group at a time per portfolio
 * (the messages waiting for a portfolio go together as one request, decided in order). A
 * transient failure (owner moving, journal unavailable) retries the same group with back-off
 * rather than negatively acknowledging it, which could let a later message overtake it.
 *
 * <p>Backpressure: at most {@code maxInFlight} messages are held between receipt and
 * acknowledgement; beyond that the verticle stops receiving and Pulsar keeps the rest.
 */
public final class PulsarIngestVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(PulsarIngestVerticle.class);
  private static final int MAX_GROUP = 200;
  private static final long MAX_RETRY_MS = 5_000;
  /** How long a batch of prices waits for the market-data writer before it is left to Pulsar's redelivery. */
  private static final long PRICE_WRITE_TIMEOUT_MS = 10_000;

  private final PulsarSettings settings;
  private final OwnerClient owners;
  private final ReferenceData reference;
  private final Clock clock;
  private final MeterRegistry registry;
  private final Map<PortfolioId, ArrayDeque<Pending>> waiting = new HashMap<>();
  private Context context;
  private final PulsarClient client;
  private Consumer<byte[]> consumer;
  private Producer<byte[]> deadLetters;
  private String tradeTopic;
  private String priceTopic;
  private int held;
  private boolean receiving;
  private boolean stopping;
  private Counter applied;
  private Counter replayed;
  private Counter deadLettered;
  private Counter retried;
  private Counter pricesRedelivered;
  private Counter partitionsTaken;

  /**
   * @param client the node's Pulsar client (the node closes it)
   * @param reference the node's instruments, for a price's default currency
   * @param clock stamps prices that carry no observation time
   */
  public PulsarIngestVerticle(PulsarSettings settings, PulsarClient client, OwnerClient owners,
      ReferenceData reference, Clock clock, MeterRegistry registry) {
    this.settings = settings;
    this.client = client;
    this.owners = owners;
    this.reference = reference;
    this.clock = clock;
    this.registry = registry;
  }

  private record Pending(Message<byte[]> message, CommandEnvelope envelope) {
  }

  @Override
  public Future<?> start() {
    context = vertx.getOrCreateContext();
    applied = messages("applied", "Messages whose command was recorded");
    replayed = messages("replayed", "Redelivered or duplicate messages, recognized by their id: nothing changed");
    deadLettered = messages("dead_lettered", "Messages that can never apply, sent to the dead-letter topic");
    retried = Counter.builder("pstate.pulsar.in.retries")
        .description("Groups of messages sent again to their owner after a transient failure").register(registry);
    pricesRedelivered = messages("price_redelivered",
        "Price messages not stored (writer busy or database unavailable), negatively acknowledged for redelivery");
    partitionsTaken = Counter.builder("pstate.pulsar.in.partitions_taken")
        .description("Partitions this node was made the active consumer of (Failover), each asked once more for "
            + "its unacknowledged messages").register(registry);
    registry.gauge("pstate.pulsar.in.held", this, verticle -> verticle.held);
    tradeTopic = qualified(settings.tradeTopic());
    priceTopic = qualified(settings.priceTopic());
    return Future.fromCompletionStage(client.newProducer(Schema.BYTES).topic(settings.deadLetterTopic())
            .enableBatching(false).createAsync(), context)
        .compose(producer -> {
          deadLetters = producer;
          var builder = client.newConsumer(Schema.BYTES);
          if (settings.subscriptionType().equals("Failover")) {
            // Hand-overs: logged, and the partition asked for once more (the broker can stall
            // one). Pulsar refuses the listener on any other subscription type.
            builder.consumerEventListener(new PartitionHandOver(context, () -> stopping, partitionsTaken::increment));
          }
          return Future.fromCompletionStage(builder
              .topics(List.of(settings.tradeTopic(), settings.cashTopic(), settings.priceTopic()))
              .subscriptionName(settings.subscription())
              .subscriptionType(SubscriptionType.valueOf(settings.subscriptionType()))
              .receiverQueueSize(Math.max(10, Math.min(1000, settings.maxInFlight())))
              // A price whose write failed comes back after 1 s, then 2, 4… up to a minute while
              // the writer stays stuck: no resend loop of this node's own.
              .negativeAckRedeliveryBackoff(MultiplierRedeliveryBackoff.builder().minDelayMs(1_000)
                  .maxDelayMs(60_000).multiplier(2).build())
              .batchReceivePolicy(BatchReceivePolicy.builder().maxNumMessages(500)
                  .timeout(5, TimeUnit.MILLISECONDS).build())
              .subscribeAsync(), context);
        })
        .onSuccess(subscribed -> {
          consumer = subscribed;
          LOG.info("Consuming {}, {} and {} from Pulsar (subscription {}, {})", settings.tradeTopic(),
              settings.cashTopic(), settings.priceTopic(), settings.subscription(), settings.subscriptionType());
          receive();
          reportPartitions();
        });
  }

  /**
   * The partitions of each topic consumed, as a gauge. Under Failover a node takes whole
   * partitions, so a topic without partitions is consumed by one node only: worth a warning.
   */
  private void reportPartitions() {
    for (String topic : List.of(settings.tradeTopic(), settings.cashTopic(), settings.priceTopic())) {
      Future.fromCompletionStage(client.getPartitionsForTopic(topic), context).onSuccess(partitions -> {
        int count = partitions.size();
        Gauge.builder("pstate.pulsar.in.partitions", () -> count).tag("topic", topic)
            .description("Partitions of a topic consumed (1: not partitioned)").register(registry);
        if (count < 2 && settings.subscriptionType().equals("Failover")) {
          LOG.warn("{} has no partitions: under a Failover subscription one node consumes all of it and the others "
              + "stand by; give it at least as many partitions as nodes", topic);
        }
      });
    }
  }

  private Counter messages(String result, String description) {
    return Counter.builder("pstate.pulsar.in").tag("result", result).description(description).register(registry);
  }

  /** Stops receiving, lets what is held be applied and acknowledged, then closes consumer and producer. */
  @Override
  public Future<?> stop() {
    stopping = true;
    return drained().compose(v -> close(consumer == null ? null : consumer.closeAsync()))
        .compose(v -> close(deadLetters == null ? null : deadLetters.closeAsync()));
  }

  private Future<Void> drained() {
    if (held == 0) {
      return Future.succeededFuture();
    }
    return vertx.timer(10, TimeUnit.MILLISECONDS).compose(id -> drained());
  }

  private Future<Void> close(java.util.concurrent.CompletableFuture<Void> closing) {
    return closing == null ? Future.succeededFuture()
        : Future.fromCompletionStage(closing, context).otherwise((Void) null);
  }

  private void receive() {
    if (receiving || stopping || held >= settings.maxInFlight()) {
      return;
    }
    receiving = true;
    Future.fromCompletionStage(consumer.batchReceiveAsync(), context).onComplete(batch -> {
      receiving = false;
      if (batch.succeeded()) {
        accept(batch.result());
      } else if (!stopping && !(batch.cause() instanceof PulsarClientException.AlreadyClosedException)) {
        LOG.warn("Receiving from Pulsar failed; trying again", batch.cause());
        vertx.setTimer(100, id -> receive());
        return;
      }
      receive();
    });
  }

  private void accept(Messages<byte[]> batch) {
    List<Message<byte[]>> priceMessages = new ArrayList<>();
    List<Price> prices = new ArrayList<>();
    for (Message<byte[]> message : batch) {
      held++;
      if (isTopic(message.getTopicName(), priceTopic)) {
        StreamMessages.ParsedPrice price = StreamMessages.parsePrice(message.getValue(), reference, clock.instant());
        if (price.ok()) {
          priceMessages.add(message);
          prices.add(price.price());
        } else {
          deadLetter(message, price.problem());
        }
        continue;
      }
      StreamMessages.Kind kind = isTradeTopic(message.getTopicName()) ? StreamMessages.Kind.TRADE
          : StreamMessages.Kind.CASH_FLOW;
      StreamMessages.Parsed parsed = StreamMessages.parse(kind, message.getValue());
      if (!parsed.ok()) {
        deadLetter(message, parsed.problem());
        continue;
      }
      PortfolioId id = parsed.envelope().command().portfolioId();
      // Trusted as the producer says: Pulsar's own authorization decides who may publish here.
      CommandEnvelope envelope = parsed.envelope().withOrigin(Origin.pulsar(message.getTopicName(),
          message.getMessageId().toString(), message.getProducerName()));
      ArrayDeque<Pending> queue = waiting.get(id);
      if (queue != null) {
        queue.add(new Pending(message, envelope));
      } else {
        queue = new ArrayDeque<>();
        queue.add(new Pending(message, envelope));
        waiting.put(id, queue);
        sendNext(id, queue);
      }
    }
    if (!prices.isEmpty()) {
      storePrices(priceMessages, prices);
    }
  }

  /**
   * Stores the batch's prices in one write through the node's market-data writer, then
   * acknowledges them. A failure (writer busy or full, database unavailable, no answer in time)
   * negatively acknowledges them: Pulsar delivers them again later, while this node resends
   * nothing itself, so that a stuck writer never gathers copies of one write behind the first.
   * Prices need no order (the latest is decided by observation time), and the write carries its
   * deadline, so the writer drops it unwritten if it is still queued when this node gives up.
   */
  private void storePrices(List<Message<byte[]>> messages, List<Price> prices) {
    MarketWrite write = new MarketWrite(List.of(), prices, List.of(), clock.instant());
    vertx.eventBus().request(Addresses.MARKET_WRITE, write, MarketWrite.delivery(PRICE_WRITE_TIMEOUT_MS))
        .onComplete(stored -> {
          if (stored.succeeded()) {
            applied.increment(messages.size());
            messages.forEach(this::acknowledge);
          } else {
            pricesRedelivered.increment(messages.size());
            LOG.debug("{} prices not stored ({}); Pulsar will deliver them again", messages.size(),
                stored.cause().getMessage());
            messages.forEach(message -> {
              consumer.negativeAcknowledge(message);
              released();
            });
          }
        });
  }

  /** Sends the messages waiting for one portfolio as one request; the next group after it. */
  private void sendNext(PortfolioId id, ArrayDeque<Pending> queue) {
    List<Pending> group = new ArrayList<>(Math.min(MAX_GROUP, queue.size()));
    while (!queue.isEmpty() && group.size() < MAX_GROUP) {
      group.add(queue.poll());
    }
    send(id, group, 50).onComplete(done -> {
      if (queue.isEmpty()) {
        waiting.remove(id);
      } else {
        sendNext(id, queue);
      }
    });
  }

  private Future<Void> send(PortfolioId id, List<Pending> group, long retryMs) {
    List<CommandEnvelope> commands = new ArrayList<>(group.size());
    group.forEach(pending -> commands.add(pending.envelope()));
    return owners.<CommandOutcomes>request(new OwnerRequest.Execute(id, commands))
        .compose(outcomes -> {
          for (int i = 0; i < group.size(); i++) {
            settle(group.get(i).message(), outcomes.outcomes().get(i));
          }
          return Future.<Void>succeededFuture();
        })
        .recover(failure -> {
          // Not recorded, or not known to be (the owner's node left, the journal failed): the
          // same commands again later; a repeat of a recorded one is a replay.
          retried.increment();
          LOG.debug("Messages for {} not applied yet ({}); retrying in {} ms", id, failure.getMessage(), retryMs);
          return vertx.timer(retryMs, TimeUnit.MILLISECONDS)
              .compose(t -> send(id, group, Math.min(MAX_RETRY_MS, retryMs * 2)));
        });
  }

  private void settle(Message<byte[]> message, CommandOutcome outcome) {
    if (outcome instanceof CommandOutcome.Recorded) {
      (((CommandOutcome.Recorded) outcome).replay() ? replayed : applied).increment();
      acknowledge(message);
      return;
    }
    Rejection rejection = ((CommandOutcome.Refused) outcome).rejection();
    String field = rejection.field() == null ? "" : rejection.field() + " ";
    deadLetter(message, rejection.reason().name().toLowerCase(java.util.Locale.ROOT) + ": " + field
        + rejection.detail());
  }

  /** Sends the message with its reason to the dead-letter topic, then acknowledges it. */
  private void deadLetter(Message<byte[]> message, String reason) {
    JsonObject letter = new JsonObject()
        .put("reason", reason)
        .put("topic", message.getTopicName())
        .put("key", message.hasKey() ? message.getKey() : null)
        .put("messageId", message.getMessageId().toString())
        .put("publishTime", message.getPublishTime())
        .put("payload", new String(message.getValue(), StandardCharsets.UTF_8));
    var send = deadLetters.newMessage().value(letter.toBuffer().getBytes()).property("reason", reason);
    if (message.hasKey()) {
      send.key(message.getKey());
    }
    Future.fromCompletionStage(send.sendAsync(), context).onComplete(sent -> {
      if (sent.succeeded()) {
        deadLettered.increment();
        acknowledge(message);
      } else {
        // Not parked: let Pulsar deliver it again rather than lose it.
        LOG.warn("Could not send a message to the dead-letter topic; it will be redelivered", sent.cause());
        consumer.negativeAcknowledge(message);
        released();
      }
    });
  }

  private void acknowledge(Message<byte[]> message) {
    consumer.acknowledgeAsync(message).whenComplete((v, e) -> {
      if (e != null) {
        LOG.warn("Acknowledging a message failed; Pulsar will redeliver it (a replay)", e);
      }
    });
    released();
  }

  private void released() {
    held--;
    receive();
  }

  private boolean isTradeTopic(String topic) {
    return isTopic(topic, tradeTopic);
  }

  private static boolean isTopic(String topic, String qualified) {
    return topic.equals(qualified) || topic.startsWith(qualified + "-partition-");
  }

  /** A topic name as Pulsar reports it on messages: {@code persistent://tenant/namespace/name}. */
  private static String qualified(String topic) {
    return topic.contains("://") ? topic : "persistent://public/default/" + topic;
  }
}
