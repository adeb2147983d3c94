package io.portfoliostate.integration.pulsar;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.portfoliostate.config.Settings.PulsarSettings;
import io.portfoliostate.persistence.ChangeStreamStore;
import io.portfoliostate.persistence.ChangeStreamStore.Change;
import io.portfoliostate.persistence.ChangeStreamStore.Position;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.Lock;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pulsar.client.api.BatcherBuilder;
import org.apache.pulsar.client.api.MessageId;
import org.apache.pulsar.client.api.Producer;
import org.apache.pulsar.client.api.ProducerAccessMode;
import org.apache.pulsar.client.api.ProducerBuilder;
import org.apache.pulsar.client.api.PulsarClient;
import org.apache.pulsar.client.api.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes every committed change to the {@code portfolio-changes} topic: one message per
 * version, keyed by portfolio id, in version order per portfolio, with no gap and no duplicate,
 * whatever crashes. The journal is the outbox; this verticle follows it (see {@link
 * ChangeStreamStore}) and remembers how far it got.
 *
 * <p>One publisher at a time in the cluster: every node runs this verticle, and the one that
 * holds the cluster-wide lock {@value #LOCK} (a Hazelcast map lock, released by Hazelcast when
 * its member dies) publishes; the others wait for the lock. The producer is opened with
 * {@link ProducerAccessMode#ExclusiveWithFencing} under one fixed producer name, so even a node
 * that wrongly believes it still leads (a network partition) is fenced off by the broker.
 *
 * <p>No duplicates: the stream's order is fixed once read, so the n-th change always gets
 * sequence id n. A new leader resumes from the saved cursor and skips every change up to the
 * last sequence id the broker recorded for the producer name (Pulsar de-duplication must be on
 * for the topic: it also drops the producer's own resends after a broker restart). Nothing
 * missing: the cursor moves only past changes the broker acknowledged.
 *
 * <p>Alerts ride on the same stream: a change that raised alerts (its journal row carries them)
 * is followed by one message per alert on the alerts topic, under its own fixed producer name.
 * Alerts are numbered in stream order too (the n-th alert of the stream has sequence id n, kept
 * in the cursor next to the change's), so the same rule keeps them free of gaps and duplicates.
 * Drift alerts, which are not in the journal, follow their own outbox to the same topic under a
 * producer of their own ({@link DriftAlertPublisher}), while this node leads.
 */
public final class ChangePublisherVerticle extends VerticleBase {

  /** The cluster-wide lock whose holder publishes. */
  public static final String LOCK = "pstate.changes.publisher";

  private static final Logger LOG = LoggerFactory.getLogger(ChangePublisherVerticle.class);
  private static final long LOCK_WAIT_MS = 5_000;
  private static final long RETRY_MS = 1_000;
  private static final long STOP_WAIT_MS = 5_000;
  private static final int PAGE = 1_000;
  private static final long WATCH_EVERY_MS = 5_000;
  /** An open transaction older than this gets a warning: it holds the stream back. */
  private static final double WARN_AFTER_SECONDS = 30;

  private final PulsarSettings settings;
  private final ChangeStreamStore store;
  private final Clock clock;
  private final MeterRegistry registry;
  private Context context;
  private final PulsarClient client;
  private Producer<byte[]> producer;
  /** Null when alerts are not published. */
  private Producer<byte[]> alertProducer;
  /** Null when alerts are not published or not yet opened. */
  private Producer<byte[]> driftProducer;
  private DriftAlertPublisher drift;
  private Lock lock;
  private boolean leading;
  /** Counts leaderships, so that a poll timer of an earlier one never runs a second loop. */
  private long term;
  private boolean stopping;
  /** The last change the broker acknowledged. */
  private Position position = Position.START;
  /** The last change handed to the producer: the next page is read after it. */
  private Position sent = Position.START;
  /** Messages handed to the producer and not yet acknowledged by the broker. */
  private int unacknowledged;
  /** Completes when every page sent so far is acknowledged; fails if one was not. */
  private Future<Void> acks = Future.succeededFuture();
  /** True from an error until producer and lock are let go. */
  private boolean resigning;
  /** Sequence ids up to this one are in the topic already (the broker said so when the producer opened). */
  private long publishedThrough;
  /** The same for the alerts topic. */
  private long alertsPublishedThrough;
  /** The saved cursor of the changes stream, while leading. */
  private StreamCursor saved;
  private Future<?> cycle = Future.succeededFuture();
  private Counter published;
  private Counter alertsPublished;
  private Counter driftPublished;
  private Counter skipped;
  private Counter abdications;
  private Timer delay;
  /** Age of the oldest open writing transaction, as last seen by the leader. */
  private double oldestOpenSeconds;
  private long watchTimer = -1;

  /** @param client the node's Pulsar client (the node closes it) */
  public ChangePublisherVerticle(PulsarSettings settings, PulsarClient client, ChangeStreamStore store, Clock clock,
      MeterRegistry registry) {
    this.settings = settings;
    this.client = client;
    this.store = store;
    this.clock = clock;
    this.registry = registry;
  }

  @Override
  public Future<?> start() {
    context = vertx.getOrCreateContext();
    published = Counter.builder("pstate.changes.published")
        .description("Committed changes published to the changes topic and acknowledged by the broker")
        .register(registry);
    alertsPublished = Counter.builder("pstate.alerts.published")
        .description("Alerts published to the alerts topic and acknowledged by the broker")
        .register(registry);
    driftPublished = Counter.builder("pstate.alerts.drift.published")
        .description("Drift alerts published to the alerts topic and acknowledged by the broker")
        .register(registry);
    skipped = Counter.builder("pstate.changes.skipped")
        .description("Changes a new leader found in the topic already (published before a crash or hand-over)")
        .register(registry);
    abdications = Counter.builder("pstate.changes.abdications")
        .description("Times this node stopped publishing after an error (broker, database, fenced by another node)")
        .register(registry);
    delay = Timer.builder("pstate.changes.delay")
        .description("From a change's journal time to the broker's acknowledgement of its message")
        .publishPercentiles(0.5, 0.99).register(registry);
    registry.gauge("pstate.changes.leader", this, verticle -> verticle.leading ? 1 : 0);
    registry.gauge("pstate.changes.sequence", this, verticle -> verticle.position.sequenceId());
    Gauge.builder("pstate.changes.blocking.transaction", this, verticle -> verticle.oldestOpenSeconds)
        .description("Age of the oldest open transaction that has written (seconds): the stream cannot pass it")
        .baseUnit("seconds").register(registry);
    watchTimer = vertx.setPeriodic(WATCH_EVERY_MS, id -> watchOpenTransactions());
    campaign();
    return Future.succeededFuture();
  }

  /**
   * The stream reads only transactions below the oldest one still open, so a transaction left
   * open anywhere on the database server (a stuck session, a long migration) holds every change
   * after it back. The leader watches for one and says which.
   */
  private void watchOpenTransactions() {
    if (!leading) {
      oldestOpenSeconds = 0;
      return;
    }
    store.oldestOpenWriter().onSuccess(open -> {
      oldestOpenSeconds = open.map(ChangeStreamStore.OpenTransaction::ageSeconds).orElse(0.0);
      if (oldestOpenSeconds > WARN_AFTER_SECONDS) {
        LOG.warn("A transaction open for {} s (PostgreSQL process {}) holds back {}: changes committed after it "
            + "are published once it ends", Math.round(oldestOpenSeconds), open.get().pid(), settings.changesTopic());
      }
    });
  }

  /** Waits for the publisher lock; every node does, one holds it. */
  private void campaign() {
    if (stopping) {
      return;
    }
    vertx.sharedData().getLockWithTimeout(LOCK, LOCK_WAIT_MS).onComplete(acquired -> {
      if (acquired.failed()) {
        // Mostly the wait timing out while another node leads: ask again.
        vertx.setTimer(stopping ? 1 : 100, id -> campaign());
      } else if (stopping) {
        acquired.result().release();
      } else {
        lock = acquired.result();
        lead();
      }
    });
  }

  private void lead() {
    openProducer(settings.changesTopic(), settings.changesProducerName())
        .compose(opened -> {
          producer = opened;
          return settings.publishesAlerts()
              ? openProducer(settings.alertsTopic(), settings.alertsProducerName())
              : Future.succeededFuture(null);
        })
        .compose(opened -> {
          alertProducer = opened;
          return store.cursor(settings.changesTopic());
        })
        .onSuccess(cursor -> {
          long brokerLast = producer.getLastSequenceId();
          if (brokerLast < 0 && cursor.sequenceId() > 0) {
            LOG.warn("The broker knows no sequence id for producer {} on {} although {} changes were published: is "
                + "de-duplication off for the topic? Changes published after the last saved cursor may repeat",
                settings.changesProducerName(), settings.changesTopic(), cursor.sequenceId());
          }
          position = cursor;
          sent = cursor;
          unacknowledged = 0;
          acks = Future.succeededFuture();
          saved = new StreamCursor(store, settings.changesTopic(), clock, cursor);
          publishedThrough = Math.max(brokerLast, cursor.sequenceId());
          long alertsBrokerLast = alertProducer == null ? -1 : alertProducer.getLastSequenceId();
          alertsPublishedThrough = Math.max(alertsBrokerLast, cursor.alertSequenceId());
          leading = true;
          term++;
          LOG.info("Publishing committed changes to {} from this node, after change {} (the broker has up to {}){}",
              settings.changesTopic(), cursor.sequenceId(), brokerLast, alertProducer == null ? ""
                  : ", and alerts to " + settings.alertsTopic() + " after alert " + cursor.alertSequenceId()
                      + " (the broker has up to " + alertsBrokerLast + ")");
          follow(term);
          publishDriftAlerts(term);
        })
        .onFailure(this::abdicate);
  }

  /** Starts the drift alerts' outbox for this leadership, when alerts are published at all. */
  private void publishDriftAlerts(long leadership) {
    if (!settings.publishesAlerts()) {
      return;
    }
    String stream = settings.alertsTopic() + DriftAlertPublisher.STREAM_SUFFIX;
    openProducer(settings.alertsTopic(), settings.alertsProducerName() + DriftAlertPublisher.PRODUCER_SUFFIX)
        .compose(opened -> {
          if (leadership != term || !leading) {
            return close(opened).compose(v -> Future.failedFuture("no longer leading"));
          }
          driftProducer = opened;
          return store.cursor(stream);
        })
        .onSuccess(cursor -> {
          if (leadership != term || !leading) {
            return;
          }
          drift = new DriftAlertPublisher(vertx, context, store, driftProducer, stream, cursor,
              settings.changesPollMs(), clock, driftPublished, failure -> {
                if (leadership == term) {
                  abdicate(failure);
                }
              });
          drift.start();
        })
        .onFailure(failure -> {
          if (leadership == term && leading) {
            abdicate(failure);
          }
        });
  }

  /**
   * Opens one of the leader's producers. The changes producer is the exclusive one: opening it
   * fences off any other node that still believes it leads, which then stops and closes all its
   * producers. The alerts topic has two producers (the journal's alerts and the drift alerts),
   * and a topic takes only one exclusive producer, so both are shared; each keeps a fixed name,
   * which the broker lets only one connection hold at a time, and its de-duplication is per name.
   */
  private Future<Producer<byte[]>> openProducer(String topic, String producerName) {
    boolean changes = topic.equals(settings.changesTopic());
    ProducerBuilder<byte[]> builder = client.newProducer(Schema.BYTES)
        .topic(topic)
        .producerName(producerName)
        .accessMode(changes ? ProducerAccessMode.ExclusiveWithFencing : ProducerAccessMode.Shared)
        // Reading stops at PAGE unacknowledged messages, so at most one page more is pending:
        // PAGE changes, and their alerts (a change raises a few at most).
        .maxPendingMessages(10 * PAGE)
        // Through a broker restart the producer keeps resending; de-duplication drops repeats.
        .sendTimeout(0, TimeUnit.SECONDS);
    if (settings.changesBatching()) {
      // Batches of consecutive messages, whatever their keys: each batch is a run of the stream,
      // so "every sequence id up to the broker's last" stays a prefix of it.
      builder.enableBatching(true).batcherBuilder(BatcherBuilder.DEFAULT)
          .batchingMaxPublishDelay(1, TimeUnit.MILLISECONDS).batchingMaxMessages(PAGE);
    } else {
      // Consumers may read the topic Key_Shared, which needs one key per batch, but key-based
      // batches carry interleaved sequence ids (key A: 1, 3; key B: 2, 4), and then "every
      // sequence id up to the broker's last" is no longer a prefix of the stream:
      // de-duplication could drop or repeat a change. So no batches at all.
      builder.enableBatching(false);
    }
    return Future.fromCompletionStage(builder.createAsync(), context);
  }

  /**
   * One page of the stream, then the next: at once when the page was full, after a pause when
   * caught up. Pages are sent without waiting for the broker (the producer keeps them in order),
   * so a change waits for the next poll, not for the acknowledgement of the page before it; at
   * most {@value #PAGE} messages are unacknowledged before reading stops until they are.
   */
  private void follow(long leadership) {
    if (!leading || stopping || leadership != term) {
      return;
    }
    if (unacknowledged >= PAGE) {
      acks.onComplete(done -> follow(leadership));
      return;
    }
    Future<List<Change>> page = store.next(sent, PAGE);
    cycle = page;
    page.onSuccess(changes -> {
      if (!leading || stopping || leadership != term) {
        return;
      }
      try {
        publish(changes, leadership);
      } catch (RuntimeException unpublishable) {
        // A row the publisher cannot turn into messages (its alerts unreadable, say): stop and
        // say so rather than end this loop silently; the next leader starts at the same row.
        abdicate(unpublishable);
        return;
      }
      saved.saveNowAndThen(position);
      if (changes.size() == PAGE) {
        follow(leadership);
      } else {
        vertx.setTimer(settings.changesPollMs(), id -> follow(leadership));
      }
    }).onFailure(this::abdicate);
  }

  private void publish(List<Change> changes, long leadership) {
    if (changes.isEmpty()) {
      return;
    }
    List<CompletableFuture<MessageId>> sends = new ArrayList<>(changes.size());
    long sequenceId = sent.sequenceId();
    long alertSequenceId = sent.alertSequenceId();
    int alertCount = 0;
    for (Change change : changes) {
      sequenceId++;
      if (sequenceId <= publishedThrough) {
        skipped.increment();
      } else {
        sends.add(producer.newMessage()
            .key(change.portfolioId())
            .sequenceId(sequenceId)
            .eventTime(change.recordedAt().toEpochMilli())
            .property("version", Long.toString(change.version()))
            .value(message(change))
            .sendAsync());
      }
      if (change.alerts() == null) {
        continue;
      }
      // Numbered whether published or not: the n-th alert of the journal is always alert n.
      for (Object alert : new JsonArray(change.alerts())) {
        alertSequenceId++;
        if (alertProducer != null && alertSequenceId > alertsPublishedThrough) {
          JsonObject json = (JsonObject) alert;
          sends.add(alertProducer.newMessage()
              .key(change.portfolioId())
              .sequenceId(alertSequenceId)
              .eventTime(change.recordedAt().toEpochMilli())
              .property("type", json.getString("type"))
              .property("version", Long.toString(change.version()))
              .value(json.toBuffer().getBytes())
              .sendAsync());
          alertCount++;
        }
      }
    }
    Change last = changes.get(changes.size() - 1);
    Position reached = new Position(last.tx(), last.globalSeq(), sequenceId, alertSequenceId);
    sent = reached;
    int count = sends.size();
    int alertsSent = alertCount;
    unacknowledged += count;
    Future<Void> acknowledged = count == 0 ? Future.succeededFuture()
        : Future.fromCompletionStage(CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)), context);
    // In page order: the cursor never passes a page the broker has not acknowledged.
    acks = acks.compose(previous -> acknowledged).onComplete(done -> {
      if (leadership != term || !leading) {
        return;
      }
      if (done.failed()) {
        abdicate(done.cause());
        return;
      }
      position = reached;
      unacknowledged -= count;
      if (count > alertsSent) {
        published.increment(count - alertsSent);
        delay.record(Duration.between(last.recordedAt(), clock.instant()));
      }
      if (alertsSent > 0) {
        alertsPublished.increment(alertsSent);
      }
    });
  }

  /**
   * The message of one change: the version and its events, each as {@code GET /events} shows it.
   * Built as text around the journal's stored payload, which is already the event's JSON.
   */
  static byte[] message(Change change) {
    String recordedAt = change.recordedAt().toString();
    StringBuilder json = new StringBuilder(change.payload().length() + 200)
        .append("{\"portfolioId\":").append(Json.encode(change.portfolioId()))
        .append(",\"version\":").append(change.version())
        .append(",\"globalSeq\":").append(change.globalSeq())
        .append(",\"recordedAt\":\"").append(recordedAt)
        .append("\",\"events\":[{\"version\":").append(change.version())
        .append(",\"type\":").append(Json.encode(change.type()))
        .append(",\"recordedAt\":\"").append(recordedAt)
        .append("\",\"data\":").append(change.payload());
    if (change.alerts() != null) {
      json.append(",\"alerts\":").append(change.alerts());
    }
    json.append(",\"origin\":").append(change.origin() == null ? "null" : change.origin());
    json.append("}]}");
    return json.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** Stops leading after an error: saves what was acknowledged, lets go of producer and lock, campaigns again. */
  private void abdicate(Throwable cause) {
    if (stopping || resigning) {
      return;
    }
    resigning = true;
    abdications.increment();
    LOG.warn("Stopped publishing changes to {}: {}; campaigning again in {} ms", settings.changesTopic(),
        cause.toString(), RETRY_MS);
    resign().onComplete(done -> {
      resigning = false;
      vertx.setTimer(RETRY_MS, id -> campaign());
    });
  }

  private Future<Void> resign() {
    boolean wasLeading = leading;
    leading = false;
    Future<Void> driftStopped = drift == null ? Future.succeededFuture() : drift.stop(STOP_WAIT_MS);
    drift = null;
    Future<Void> cursorSaved = (wasLeading && saved != null ? saved.save(position) : Future.<Void>succeededFuture())
        .transform(ignored -> driftStopped);
    return cursorSaved.transform(ignored -> closeProducer()).onComplete(closed -> {
      if (lock != null) {
        lock.release();
        lock = null;
      }
    });
  }

  private Future<Void> closeProducer() {
    Future<Void> changes = close(producer);
    Future<Void> alerts = close(alertProducer);
    Future<Void> drifts = close(driftProducer);
    producer = null;
    alertProducer = null;
    driftProducer = null;
    return Future.join(changes, alerts, drifts).mapEmpty();
  }

  private Future<Void> close(Producer<byte[]> closing) {
    if (closing == null) {
      return Future.succeededFuture();
    }
    return Future.fromCompletionStage(closing.closeAsync(), context).otherwiseEmpty();
  }

  /**
   * Waits for the page in hand and the broker's acknowledgements (a few seconds at most), saves
   * the cursor and lets another node lead.
   */
  @Override
  public Future<?> stop() {
    stopping = true;
    vertx.cancelTimer(watchTimer);
    Promise<Void> settled = Promise.promise();
    cycle.transform(done -> acks).onComplete(done -> settled.tryComplete());
    long timer = vertx.setTimer(STOP_WAIT_MS, id -> settled.tryComplete());
    return settled.future()
        .compose(v -> {
          vertx.cancelTimer(timer);
          return resign();
        });
  }
}
