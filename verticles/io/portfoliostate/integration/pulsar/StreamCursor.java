package io.portfoliostate.integration.pulsar;

import io.portfoliostate.persistence.ChangeStreamStore;
import io.portfoliostate.persistence.ChangeStreamStore.Position;
import io.vertx.core.Future;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How far one outbound stream got, saved in {@code stream_cursors} now and then (at most every
 * {@value #SAVE_EVERY_MS} ms while it moves) and when its publisher stops. Saving is an
 * optimisation: the broker's record of the producer's last sequence id covers whatever was
 * published after the last save, so a failed save is only logged. Used on its publisher's
 * context only.
 */
final class StreamCursor {

  private static final Logger LOG = LoggerFactory.getLogger(StreamCursor.class);
  private static final long SAVE_EVERY_MS = 500;

  private final ChangeStreamStore store;
  private final String stream;
  private final Clock clock;
  private long savedSequenceId;
  private long savedAt;

  /** @param saved where the stream was when last saved (read at start) */
  StreamCursor(ChangeStreamStore store, String stream, Clock clock, Position saved) {
    this.store = store;
    this.stream = stream;
    this.clock = clock;
    this.savedSequenceId = saved.sequenceId();
  }

  /** Saves {@code reached} if it moved and the last save is long enough ago. */
  void saveNowAndThen(Position reached) {
    long now = clock.millis();
    if (reached.sequenceId() > savedSequenceId && now - savedAt >= SAVE_EVERY_MS) {
      savedAt = now;
      save(reached);
    }
  }

  /** Saves {@code reached} unless a save got as far; never fails. */
  Future<Void> save(Position reached) {
    if (reached.sequenceId() <= savedSequenceId) {
      return Future.succeededFuture();
    }
    return store.save(stream, reached, clock.instant())
        .onSuccess(saved -> savedSequenceId = Math.max(savedSequenceId, reached.sequenceId()))
        .otherwise(failure -> {
          LOG.warn("Could not save the cursor of {} (it is saved again later): {}", stream, failure.toString());
          return null;
        });
  }
}
