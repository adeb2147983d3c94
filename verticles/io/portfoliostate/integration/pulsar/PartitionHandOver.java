package io.portfoliostate.integration.pulsar;

import io.vertx.core.Context;
import java.util.function.BooleanSupplier;
import org.apache.pulsar.client.api.Consumer;
import org.apache.pulsar.client.api.ConsumerEventListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a node does when a Failover subscription moves a partition to it or away from it: logs
 * it, and asks the broker once more for a partition it has just been given.
 *
 * <p>Why the second ask: the broker can leave a partition's dispatcher waiting for new entries at
 * a hand-over although entries are already there. Its messages then stay undelivered until the
 * next message is published to that partition, which on a quiet partition may be never. With two
 * plain consumers on a 4-partition topic, one closed while messages were being published, 4 of 100
 * hand-overs stalled so on a 4.0.7 broker and 3 of 100 on 4.2.4 (the broker's statistics: the
 * partition's backlog above zero, the new consumer active with all its permits, the cursor waiting
 * for a read at an entry that exists). Asking for the unacknowledged messages again ({@code
 * redeliverUnacknowledgedMessages}: the broker cancels the waiting read, rewinds to the last
 * acknowledgement and reads) a second after the hand-over delivered them in 100 of 100.
 * {@code PulsarHandOverTest} repeats it.
 *
 * <p>The ask is sent once per hand-over, {@link #ASK_AGAIN_MS} after the broker says the node is
 * the partition's active consumer. The broker says so when it issues its own hand-over read (after
 * its {@code activeConsumerFailoverDelayTimeMillis}), so a second later that read has long been
 * sent. Messages the node already holds that come again are replays of their ids: they change
 * nothing. Pulsar refuses such a listener on any subscription type but Failover.
 */
public final class PartitionHandOver implements ConsumerEventListener {

  private static final Logger LOG = LoggerFactory.getLogger(PartitionHandOver.class);
  static final long ASK_AGAIN_MS = 1_000;

  private final Context context;
  private final BooleanSupplier stopping;
  private final Runnable askedAgain;

  /**
   * @param context where the timer runs (the consuming verticle's)
   * @param stopping true once the consumer is closing: no ask then
   * @param askedAgain counts each ask
   */
  public PartitionHandOver(Context context, BooleanSupplier stopping, Runnable askedAgain) {
    this.context = context;
    this.stopping = stopping;
    this.askedAgain = askedAgain;
  }

  @Override
  public void becameActive(Consumer<?> partitionConsumer, int partition) {
    LOG.info("Consuming {} (this node, consumer {}, is its active consumer)", partitionConsumer.getTopic(),
        partitionConsumer.getConsumerName());
    // Called on a Pulsar client thread: the timer is set on the verticle's context.
    context.runOnContext(v -> context.owner().setTimer(ASK_AGAIN_MS, id -> {
      if (!stopping.getAsBoolean() && partitionConsumer.isConnected()) {
        askedAgain.run();
        partitionConsumer.redeliverUnacknowledgedMessages();
      }
    }));
  }

  @Override
  public void becameInactive(Consumer<?> partitionConsumer, int partition) {
    LOG.info("Standing by for {} (another node consumes it)", partitionConsumer.getTopic());
  }
}
