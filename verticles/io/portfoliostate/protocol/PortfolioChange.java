package io.portfoliostate.protocol;

import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.PortfolioEvent;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.domain.PortfolioRules;
import io.portfoliostate.domain.PortfolioState;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * One committed change of a portfolio, sent to the nodes that follow it after COMMIT: the events
 * of one journal write, the events as the journal recorded them, and the state they produced.
 *
 * <p>Within the owner's node the change is handed over by reference, state included. To another
 * node it crosses without the state (which holds every open lot of every position: its encoding
 * grows with the book), with a few facts to check against instead: the receiving hub evolves its
 * own copy of the state with the same {@link PortfolioRules#evolve} the owner used ({@link
 * #stateAfter}), so the message's size and cost follow the events, not the book.
 *
 * @param portfolioId the portfolio
 * @param fromVersion the version before the change (0 before the portfolio's creation)
 * @param version the version after it
 * @param state the state after the change; null when the change crossed nodes
 * @param events the events, in order
 * @param recorded the events as text with their alerts, one per event in order ({@link
 *     EventText}); empty when the sender did not give them (the receiver then derives them from
 *     {@code events})
 * @param positionCount how many positions the state after the change holds (flat ones included)
 * @param cash every cash balance after the change
 */
public record PortfolioChange(PortfolioId portfolioId, long fromVersion, long version, PortfolioState state,
    List<PortfolioEvent> events, List<EventText> recorded, int positionCount, Map<CurrencyCode, BigDecimal> cash) {
  /**
   * A header on a change delivered within its owner's node: {@link System#nanoTime} when the owner
   * sent it after COMMIT, for the hub's stage timers.
   */
  public static final String COMMITTED_NANOS = "committedNanos";

  public PortfolioChange {
    events = List.copyOf(events);
    recorded = recorded == null ? List.of() : List.copyOf(recorded);
    if (!recorded.isEmpty() && recorded.size() != events.size()) {
      throw new IllegalArgumentException(recorded.size() + " recorded events for " + events.size() + " events");
    }
  }

  /** A change with its state, as its owner committed it. */
  public PortfolioChange(PortfolioState state, long fromVersion, List<PortfolioEvent> events,
      List<EventText> recorded) {
    this(state.id(), fromVersion, state.version(), state, events, recorded, state.positions().size(), state.cash());
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

  /**
   * The state after this change: the one it carries, or else {@code before} evolved by its
   * events, checked against the change's facts (its versions, position count and cash).
   *
   * @param before the state at {@link #fromVersion}, or null before the portfolio's creation
   * @throws IllegalStateException when {@code before} is not at {@code fromVersion}, an event does
   *     not apply, or the result disagrees with the owner's facts: the receiver's copy is not the
   *     owner's, and must be read again
   */
  public PortfolioState stateAfter(PortfolioState before) {
    if (state != null) {
      return state;
    }
    long at = before == null ? 0 : before.version();
    if (at != fromVersion) {
      throw new IllegalStateException("change from version " + fromVersion + " applied to version " + at);
    }
    PortfolioState after = before;
    for (PortfolioEvent event : events) {
      after = PortfolioRules.evolve(after, event);
    }
    if (after.version() != version) {
      throw new IllegalStateException("evolved to version " + after.version() + ", the owner is at " + version);
    }
    if (after.positions().size() != positionCount) {
      throw new IllegalStateException("evolved to " + after.positions().size() + " positions at version " + version
          + ", the owner has " + positionCount);
    }
    if (!sameBalances(after.cash(), cash)) {
      throw new IllegalStateException("evolved to cash " + after.cash() + " at version " + version + ", the owner has "
          + cash);
    }
    return after;
  }

  private static boolean sameBalances(Map<CurrencyCode, BigDecimal> mine, Map<CurrencyCode, BigDecimal> owners) {
    if (mine.size() != owners.size()) {
      return false;
    }
    for (Map.Entry<CurrencyCode, BigDecimal> balance : owners.entrySet()) {
      BigDecimal other = mine.get(balance.getKey());
      if (other == null || other.compareTo(balance.getValue()) != 0) {
        return false;
      }
    }
    return true;
  }
}
