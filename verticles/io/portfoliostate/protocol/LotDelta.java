package io.portfoliostate.protocol;

import io.portfoliostate.domain.Lot;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * A position's lots told against the same position's lots sent before in the same message, for
 * both encodings of the owner's results (the JSON of {@link MessageJson} and the binary of {@link
 * OwnerWire}). A trade changes a few lots and the book shares the others, the same {@link Lot}
 * objects, with the book before it; so the lots are told as runs {@code [from, to)} of the lots
 * before (a half-open range of their indexes) and the lots that are new, in order. A lot is
 * recognised by identity, not equality: a book rebuilt since shares nothing and is told lot by
 * lot, which is still exact.
 */
final class LotDelta {

  /** Where the runs and the new lots go, in the lots' order. */
  interface Sink {
    void run(int from, int to);

    void lot(Lot lot);
  }

  private LotDelta() {
  }

  static void tell(List<Lot> before, List<Lot> lots, Sink sink) {
    Map<Lot, Integer> indexBefore = new IdentityHashMap<>(before.size() * 2);
    int i = 0;
    for (Lot lot : before) {
      indexBefore.put(lot, i++);
    }
    int from = -1;
    int to = -1;
    for (Lot lot : lots) {
      Integer index = indexBefore.get(lot);
      if (index != null && from >= 0 && index == to) {
        to++;
        continue;
      }
      if (from >= 0) {
        sink.run(from, to);
        from = -1;
      }
      if (index != null) {
        from = index;
        to = index + 1;
      } else {
        sink.lot(lot);
      }
    }
    if (from >= 0) {
      sink.run(from, to);
    }
  }
}
