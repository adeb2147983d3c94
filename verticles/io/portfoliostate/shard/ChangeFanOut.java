package io.portfoliostate.shard;

import io.portfoliostate.protocol.Addresses;
import io.portfoliostate.protocol.ChangeBatch;
import io.portfoliostate.protocol.ChangeBatchCodec;
import io.portfoliostate.protocol.PortfolioChange;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Sends an owner's committed changes to the live hubs that follow them: this node's hub gets each
 * change at once, by reference (state included, no encoding); another node's hub gets the
 * changes of one turn of the owner's event loop in one {@link ChangeBatch}, each change encoded
 * once ({@link ChangeBatchCodec}) whatever the number of nodes that follow it.
 *
 * <p>A group COMMIT answers many portfolios' appends together, and their replies run one after
 * the other on the owner's loop: with one clustered message per change, 2,000 commits a second
 * were 2,000 sends (a frame, a lookup of the address's node, a wake-up of the hub's loop) to the
 * same node. The batch is sent by a task queued behind those replies, so it carries what they
 * committed. Order per portfolio is kept: its changes come from one owner, in one batch or in
 * batches sent in order over one connection. Used on the owner's event loop only.
 */
final class ChangeFanOut {

  /** Local only: this node's hub; no cluster lookup. */
  private static final DeliveryOptions LOCAL_ONLY = new DeliveryOptions().setLocalOnly(true);
  /**
   * To another node's hub: each change carries its own versions, a lost one shows as a gap. It
   * crosses as its events and a few facts, never the state: the hub there evolves its own copy,
   * so a commit costs the same whatever the size of the book.
   */
  private static final DeliveryOptions WATCHER_DELIVERY = new DeliveryOptions();

  private final String nodeId;
  private final EventBus bus;
  private final Context context;
  /** Changes for other nodes gathered during this turn, per node id; sent at its end. */
  private Map<String, ChangeBatch.Outgoing> outgoing = new HashMap<>(4);

  ChangeFanOut(String nodeId, EventBus bus, Context context) {
    this.nodeId = nodeId;
    this.bus = bus;
    this.context = context;
  }

  /**
   * Sends a committed change to every node in {@code watchers} (node id → when its interest
   * lapses, {@link System#nanoTime}); forgets lapsed ones.
   */
  void send(Map<String, Long> watchers, PortfolioChange change) {
    long now = System.nanoTime();
    Buffer encoded = null;
    Iterator<Map.Entry<String, Long>> each = watchers.entrySet().iterator();
    while (each.hasNext()) {
      Map.Entry<String, Long> watcher = each.next();
      String node = watcher.getKey();
      if (watcher.getValue() - now < 0) {
        each.remove();
      } else if (nodeId.equals(node)) {
        // The own node's hub also gets when it was committed, for its stage timers (same clock).
        bus.send(Addresses.live(node), change,
            new DeliveryOptions(LOCAL_ONLY).addHeader(PortfolioChange.COMMITTED_NANOS, Long.toString(now)));
      } else {
        if (encoded == null) {
          encoded = ChangeBatchCodec.encode(change, now);
        }
        batchFor(node).add(encoded);
      }
    }
  }

  private ChangeBatch.Outgoing batchFor(String node) {
    if (outgoing.isEmpty()) {
      context.runOnContext(v -> flush());
    }
    return outgoing.computeIfAbsent(node, n -> new ChangeBatch.Outgoing());
  }

  private void flush() {
    Map<String, ChangeBatch.Outgoing> batches = outgoing;
    outgoing = new HashMap<>(4);
    long now = System.nanoTime();
    batches.forEach((node, batch) -> bus.send(Addresses.live(node), batch.sentAt(now), WATCHER_DELIVERY));
  }
}
