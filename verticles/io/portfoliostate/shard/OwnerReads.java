package io.portfoliostate.shard;

import io.portfoliostate.domain.timeline.BusinessTime;
import io.portfoliostate.persistence.JournalReader;
import io.portfoliostate.protocol.EventPage;
import io.portfoliostate.protocol.FailureCodes;
import io.portfoliostate.protocol.OwnerRequest;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The read side of an owner: answers from a portfolio's committed state, and from the journal
 * for earlier versions and the history. Runs on the owner's event loop, like the owner.
 */
final class OwnerReads {

  /** A longer journal is folded on a worker thread, not on the owner's event loop. */
  private static final int INLINE_FOLD_LIMIT = 2_000;

  private final Vertx vertx;
  private final JournalReader reader;

  OwnerReads(Vertx vertx, JournalReader reader) {
    this.vertx = vertx;
    this.reader = reader;
  }

  /**
   * The committed state: current, at a version, as known at a system time ({@code knownAt}: the
   * version recorded last by then), or as of a business time ({@code asOf}: the journal known now,
   * or known at {@code knownAt}, folded by {@link BusinessTime}).
   */
  void read(Message<OwnerRequest> message, PortfolioEntity entity, OwnerRequest.Read request) {
    entity.whenLoaded().onComplete(loaded -> {
      if (loaded.failed()) {
        message.fail(FailureCodes.UNAVAILABLE, "portfolio could not be loaded");
      } else if (entity.state == null) {
        message.fail(FailureCodes.NOT_FOUND, "portfolio " + request.portfolioId() + " does not exist");
      } else if (request.version() != null) {
        readVersion(message, entity, request.version());
      } else if (request.knownAt() != null) {
        reader.versionAsOf(entity.id, request.knownAt()).onComplete(version -> {
          if (version.failed()) {
            message.fail(FailureCodes.UNAVAILABLE, "journal unavailable");
          } else if (request.asOf() == null) {
            readVersion(message, entity, Math.min(version.result(), entity.version()));
          } else {
            readAsOf(message, entity, Math.min(version.result(), entity.version()), request.asOf());
          }
        });
      } else if (request.asOf() != null) {
        readAsOf(message, entity, entity.version(), request.asOf());
      } else {
        message.reply(entity.state);
      }
    });
  }

  /** The state as of business time {@code asOf}, as the journal up to {@code version} knows it. */
  private void readAsOf(Message<OwnerRequest> message, PortfolioEntity entity, long version, Instant asOf) {
    if (version < 1) {
      message.fail(FailureCodes.NO_SUCH_VERSION, "portfolio " + entity.id + " was not recorded yet then");
      return;
    }
    reader.eventsUpTo(entity.id, version)
        .compose(events -> events.size() <= INLINE_FOLD_LIMIT ? Future.succeededFuture(BusinessTime.asOf(events, asOf))
            // A long journal would hold every portfolio of this event loop.
            : vertx.executeBlocking(() -> BusinessTime.asOf(events, asOf), false))
        .onComplete(folded -> {
          if (folded.succeeded()) {
            message.reply(folded.result());
          } else {
            message.fail(FailureCodes.UNAVAILABLE, "journal unavailable");
          }
        });
  }

  private void readVersion(Message<OwnerRequest> message, PortfolioEntity entity, long version) {
    if (version < 1 || version > entity.version()) {
      message.fail(FailureCodes.NO_SUCH_VERSION, "portfolio " + entity.id + " has no version " + version
          + " (it is at version " + entity.version() + ")");
    } else if (version == entity.version()) {
      message.reply(entity.state);
    } else {
      reader.stateAt(entity.id, version).onComplete(replayed -> {
        if (replayed.succeeded()) {
          message.reply(replayed.result().state());
        } else {
          message.fail(FailureCodes.UNAVAILABLE, "journal unavailable");
        }
      });
    }
  }

  /** A page of the history, up to what the owner has committed. */
  void readEvents(Message<OwnerRequest> message, PortfolioEntity entity, OwnerRequest.ReadEvents request) {
    entity.whenLoaded().onComplete(loaded -> {
      if (loaded.failed()) {
        message.fail(FailureCodes.UNAVAILABLE, "portfolio could not be loaded");
        return;
      }
      if (entity.state == null) {
        message.fail(FailureCodes.NOT_FOUND, "portfolio " + request.portfolioId() + " does not exist");
        return;
      }
      long current = entity.version();
      reader.events(entity.id, request.afterVersion(), request.limit()).onComplete(events -> {
        if (events.failed()) {
          message.fail(FailureCodes.UNAVAILABLE, "journal unavailable");
        } else {
          // Only what this owner has committed and acknowledged is shown.
          List<EventPage.Entry> page = new ArrayList<>();
          events.result().stream().filter(e -> e.version() <= current).forEach(page::add);
          message.reply(new EventPage(page, current));
        }
      });
    });
  }
}
