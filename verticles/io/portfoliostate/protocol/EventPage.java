package io.portfoliostate.protocol;

import io.portfoliostate.domain.PortfolioEvent;
import java.time.Instant;
import java.util.List;

/** A page of a portfolio's journal, in version order. */
public record EventPage(List<Entry> events, long currentVersion) {

  public EventPage {
    events = List.copyOf(events);
  }

  /**
   * One journaled event with its version (sequence number) and when it was recorded.
   *
   * @param alerts the alerts the event raised, as the JSON array the journal keeps, or null
   * @param origin who caused the event, or null for an event journaled before origins were (V11)
   */
  public record Entry(long version, PortfolioEvent event, Instant recordedAt, String alerts, Origin origin) {

    /** An entry without an origin. */
    public Entry(long version, PortfolioEvent event, Instant recordedAt, String alerts) {
      this(version, event, recordedAt, alerts, null);
    }
  }
}
