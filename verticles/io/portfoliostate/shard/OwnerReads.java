package io.portfoliostate.shard;

import io.portfoliostate.persistence.JournalReader;
import io.portfoliostate.protocol.EventPage;
import io.portfoliostate.protocol.FailureCodes;
import io.portfoliostate.protocol.OwnerRequest;
import io.vertx.core.eventbus.Message;
import java.util.ArrayList;
import java.util.List;

/**
 * The read side of an owner: answers from a portfolio's committed state, and from the journal
 * for earlier versions and the history. Runs on the owner's event loop, like the owner.
 */
final class OwnerReads {

  private final JournalReader reader;

  OwnerReads(JournalReader reader) {
    this.reader = reader;
  }

  /** The committed state: current, at a version, or as of a time. */
  void read(Message<OwnerRequest> message, PortfolioEntity entity, OwnerRequest.Read request) {
    entity.whenLoaded().onComplete(loaded -> {
      if (loaded.failed()) {
        message.fail(FailureCodes.UNAVAILABLE, "portfolio could not be loaded");
      } else if (entity.state == null) {
        message.fail(FailureCodes.NOT_FOUND, "portfolio " + request.portfolioId() + " does not exist");
      } else if (request.version() != null) {
        readVersion(message, entity, request.version());
      } else if (request.asOf() != null) {
        reader.versionAsOf(entity.id, request.asOf()).onComplete(version -> {
          if (version.failed()) {
            message.fail(FailureCodes.UNAVAILABLE, "journal unavailable");
          } else {
            readVersion(message, entity, Math.min(version.result(), entity.version()));
          }
        });
      } else {
        message.reply(entity.state);
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
