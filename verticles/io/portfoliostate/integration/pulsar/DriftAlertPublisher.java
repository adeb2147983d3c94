package io.portfoliostate.integration.pulsar;

import io.micrometer.core.instrument.Counter;
import io.portfoliostate.persistence.ChangeStreamStore;
import io.portfoliostate.persistence.ChangeStreamStore.DriftAlert;
import io.portfoliostate.persistence.ChangeStreamStore.Position;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.apache.pulsar.client.api.MessageId;
import org.apache.pulsar.client.api.Producer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the stored drift alerts ({@code drift_alerts}) to the alerts topic, for the node that
 * leads the change stream ({@link ChangePublisherVerticle}) and only while it leads.
 *
 * <p>Drift alerts are not in the journal (they follow prices, not commands), so they cannot ride
 * on the change stream's alert numbering. They are a second outbox with the same rules: read in
 * {@code (tx, seq)} order over finished transactions ({@link ChangeStreamStore#nextDriftAlerts}),
 * the n-th drift alert published with sequence id n under a producer name of its own (the alerts
 * producer's name + {@value #PRODUCER_SUFFIX}), a cursor saved under the stream name {@code
 * <alertsTopic>}{@value #STREAM_SUFFIX}, and on taking over, everything up to the broker's last
 * sequence id for that producer skipped. So each drift alert reaches the topic once, whatever
 * node raised it and whatever crashes, exactly like the journal's alerts.
 */
final class DriftAlertPublisher {

  static final String STREAM_SUFFIX = "#drift";
  static final String PRODUCER_SUFFIX = "-drift";

  private static final Logger LOG = LoggerFactory.getLogger(DriftAlertPublisher.class);
  private static final int PAGE = 1_000;

  private final Vertx vertx;
  private final Context context;
  private final ChangeStreamStore store;
  private final Producer<byte[]> producer;
  private final StreamCursor saved;
  private final long pollMs;
  private final Counter published;
  private final Consumer<Throwable> onError;
  /** The last alert handed to the producer, and the last the broker acknowledged. */
  private Position sent;
  private Position position;
  private final long publishedThrough;
  private int unacknowledged;
  private Future<Void> acks = Future.succeededFuture();
  private Future<?> cycle = Future.succeededFuture();
  private boolean running;
  private long timer = -1;

  /**
   * @param producer the drift producer, opened by the leader (which closes it)
   * @param cursor where the stream was last saved
   * @param onError called once when publishing cannot go on: the leader steps down
   */
  DriftAlertPublisher(Vertx vertx, Context context, ChangeStreamStore store, Producer<byte[]> producer,
      String stream, Position cursor, long pollMs, Clock clock, Counter published, Consumer<Throwable> onError) {
    this.vertx = vertx;
    this.context = context;
    this.store = store;
    this.producer = producer;
    this.saved = new StreamCursor(store, stream, clock, cursor);
    this.pollMs = pollMs;
    this.published = published;
    this.onError = onError;
    this.sent = cursor;
    this.position = cursor;
    this.publishedThrough = Math.max(producer.getLastSequenceId(), cursor.sequenceId());
  }

  void start() {
    running = true;
    LOG.info("Publishing drift alerts to {} after drift alert {} (the broker has up to {})", producer.getTopic(),
        sent.sequenceId(), producer.getLastSequenceId());
    follow();
  }

  /** Stops reading, waits (at most {@code waitMs}) for what is in flight, and saves the cursor. */
  Future<Void> stop(long waitMs) {
    running = false;
    vertx.cancelTimer(timer);
    Promise<Void> settled = Promise.promise();
    cycle.transform(done -> acks).onComplete(done -> settled.tryComplete());
    long wait = vertx.setTimer(waitMs, id -> settled.tryComplete());
    return settled.future().compose(v -> {
      vertx.cancelTimer(wait);
      return saved.save(position);
    });
  }

  private void follow() {
    if (!running) {
      return;
    }
    if (unacknowledged >= PAGE) {
      acks.onComplete(done -> follow());
      return;
    }
    Future<List<DriftAlert>> page = store.nextDriftAlerts(sent, PAGE);
    cycle = page;
    page.onSuccess(alerts -> {
      if (!running) {
        return;
      }
      publish(alerts);
      saved.saveNowAndThen(position);
      if (alerts.size() == PAGE) {
        follow();
      } else {
        timer = vertx.setTimer(pollMs, id -> follow());
      }
    }).onFailure(this::fail);
  }

  private void publish(List<DriftAlert> alerts) {
    if (alerts.isEmpty()) {
      return;
    }
    List<CompletableFuture<MessageId>> sends = new ArrayList<>(alerts.size());
    long sequenceId = sent.sequenceId();
    for (DriftAlert alert : alerts) {
      sequenceId++;
      if (sequenceId <= publishedThrough) {
        continue; // in the topic already: published before a crash or a hand-over
      }
      JsonObject json = new JsonObject(alert.alert());
      sends.add(producer.newMessage()
          .key(alert.portfolioId())
          .sequenceId(sequenceId)
          .eventTime(alert.raisedAt().toEpochMilli())
          .property("type", alert.type())
          .property("version", Long.toString(json.getLong("version")))
          .value(alert.alert().getBytes(StandardCharsets.UTF_8))
          .sendAsync());
    }
    DriftAlert last = alerts.get(alerts.size() - 1);
    Position reached = new Position(last.tx(), last.seq(), sequenceId, 0);
    sent = reached;
    int count = sends.size();
    unacknowledged += count;
    Future<Void> acknowledged = count == 0 ? Future.succeededFuture()
        : Future.fromCompletionStage(CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)), context);
    // In page order: the cursor never passes a page the broker has not acknowledged.
    acks = acks.compose(previous -> acknowledged).onComplete(done -> {
      if (done.failed()) {
        fail(done.cause());
        return;
      }
      position = reached;
      unacknowledged -= count;
      published.increment(count);
    });
  }

  private void fail(Throwable cause) {
    if (running) {
      running = false;
      onError.accept(cause);
    }
  }
}
