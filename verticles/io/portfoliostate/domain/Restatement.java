package io.portfoliostate.domain;

import java.util.List;

/**
 * What a trade folded out of execution order changed: the positions it touches, folded again in
 * execution order from their surviving trades (DOMAIN.md, Time), and the positions no surviving
 * trade is left in (a cancelled opening trade), which a fresh replay would never have made.
 *
 * <p>Recorded in the event, not recomputed when the journal is replayed: the fold needs the trade
 * history of the position, which a state does not carry, and the journal must rebuild the state
 * by itself. It is also what {@code GET /events} shows a reader: the position as restated.
 *
 * @param positions the restated positions, whole (lots included)
 * @param removed the positions that no longer exist
 */
public record Restatement(List<Position> positions, List<PositionKey> removed) {

  public Restatement {
    positions = List.copyOf(positions);
    removed = List.copyOf(removed);
  }

  /** The state's positions with this restatement applied. */
  public java.util.Map<PositionKey, Position> applyTo(java.util.Map<PositionKey, Position> before) {
    org.pcollections.PMap<PositionKey, Position> after = before instanceof org.pcollections.PMap
        ? (org.pcollections.PMap<PositionKey, Position>) before : org.pcollections.HashTreePMap.from(before);
    for (PositionKey key : removed) {
      after = after.minus(key);
    }
    for (Position position : positions) {
      after = after.plus(position.key(), position);
    }
    return after;
  }
}
