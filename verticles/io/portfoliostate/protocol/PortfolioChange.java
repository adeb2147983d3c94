package io.portfoliostate.protocol;

import io.portfoliostate.domain.PortfolioEvent;
import io.portfoliostate.domain.PortfolioState;
import java.util.List;

/**
 * One committed change of a portfolio, sent to the nodes that follow it after COMMIT: the events
 * of one journal write, the state they produced, and the events as the journal recorded them.
 *
 * @param recorded the events as text with their alerts, one per event in order ({@link
 *     EventText}); empty when the sender did not give them (the receiver then derives them from
 *     {@code events})
 */
public record PortfolioChange(PortfolioState state, long fromVersion, List<PortfolioEvent> events,
    List<EventText> recorded) {
  public PortfolioChange {
    events = List.copyOf(events);
    recorded = recorded == null ? List.of() : List.copyOf(recorded);
    if (!recorded.isEmpty() && recorded.size() != events.size()) {
      throw new IllegalArgumentException(recorded.size() + " recorded events for " + events.size() + " events");
    }
  }

  /** A change without the recorded text of its events. */
  public PortfolioChange(PortfolioState state, long fromVersion, List<PortfolioEvent> events) {
    this(state, fromVersion, events, List.of());
  }

  /** A change from the journal rows of its events (the text the owner wrote). */
  public static PortfolioChange committed(PortfolioState state, long fromVersion, List<PortfolioEvent> events,
      List<JournalAppend.Row> rows) {
    return new PortfolioChange(state, fromVersion, events, rows.stream().map(EventText::of).toList());
  }
}
