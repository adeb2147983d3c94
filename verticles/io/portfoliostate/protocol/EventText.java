package io.portfoliostate.protocol;

import java.time.Instant;

/**
 * One event of a committed change as the journal recorded it: its version, type, time, its
 * payload as JSON text and the alerts it raised as JSON text. The owner encodes these once for
 * the journal; handing the same text to the live hub spares the hub evolving the events again
 * and encoding them again for every commit someone follows.
 *
 * @param data the event's payload as {@link EventJson} writes it
 * @param alerts the alerts the event raised, as the JSON array {@link AlertJson#toJournal} writes;
 *     null for none
 */
public record EventText(long version, String type, Instant recordedAt, String data, String alerts) {

  /** The event of a journal row. */
  public static EventText of(JournalAppend.Row row) {
    return new EventText(row.seq(), row.type(), row.recordedAt(), row.payload(), row.alerts());
  }
}
