package io.portfoliostate.live;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Where a change's time goes between its owner's commit and its socket writes, one timer per
 * stage ({@code pstate.live.stage{stage=...}}), all from {@link System#nanoTime}: on this node, or
 * on another node of the same machine, whose clock is this one's:
 *
 * <ul>
 *   <li>{@code crossing}: another node's owner sent a batch of changes (at the end of the event-loop
 *       turn that committed them) until this hub receives it: the clustered event bus, both
 *       codecs. Only when both nodes read one clock ({@code ChangeBatch#sameClock}: one machine);
 *   <li>{@code queued}: the owner handed the change on (after COMMIT) until the hub starts on it;
 *       for another node's change the batching and the crossing included, on one clock only;
 *   <li>{@code hub}: the hub's own work on it: checks, evolving a copy, the message, the frame, and
 *       handing it to the sockets' event loops;
 *   <li>{@code handoff}: the hand-off until the socket's event loop runs it (one per event loop and
 *       change);
 *   <li>{@code write}: that task writing the frame to its sockets (compression included);
 *   <li>{@code flushed}: the task's last write until Netty reports it written to the connection;
 *   <li>{@code delivered}: the commit (or the hub's receipt, for another node's change on another
 *       clock) until that write is flushed: the server's share of a subscriber's latency.
 * </ul>
 *
 * <p>Cheap enough to stay on (a few timer updates per change and event loop, not per socket).
 * Each timer keeps a percentile histogram (1 µs to 10 s) that a benchmark reads before and after
 * a phase.
 */
final class LiveStages {

  final Timer crossing;
  final Timer queued;
  final Timer hub;
  final Timer handoff;
  final Timer write;
  final Timer flushed;
  final Timer delivered;

  LiveStages(MeterRegistry registry) {
    crossing = timer(registry, "crossing");
    queued = timer(registry, "queued");
    hub = timer(registry, "hub");
    handoff = timer(registry, "handoff");
    write = timer(registry, "write");
    flushed = timer(registry, "flushed");
    delivered = timer(registry, "delivered");
  }

  private static Timer timer(MeterRegistry registry, String stage) {
    return Timer.builder("pstate.live.stage").tag("stage", stage)
        .description("Time of a live change in one stage between its commit and its socket writes")
        .publishPercentileHistogram().minimumExpectedValue(Duration.ofNanos(1_000))
        .maximumExpectedValue(Duration.ofSeconds(10)).register(registry);
  }

  static void record(Timer timer, long fromNanos, long toNanos) {
    if (fromNanos != 0) {
      timer.record(Math.max(0, toNanos - fromNanos), TimeUnit.NANOSECONDS);
    }
  }
}
