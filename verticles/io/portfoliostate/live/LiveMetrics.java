package io.portfoliostate.live;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicInteger;

/** The bridge's meters ({@code pstate.live.*}): subscribers, messages sent, conflated, dropped, disconnects. */
final class LiveMetrics implements SharedDeflateEncoder.Counters {

  final AtomicInteger subscribers = new AtomicInteger();
  final AtomicInteger followed = new AtomicInteger();
  final Counter sent;
  final Counter conflated;
  final Counter dropped;
  final Counter refused;
  final Counter revoked;
  final Counter diverged;
  /** Messages deflated for bridge sockets, and copies that reused another copy's compressed bytes. */
  final Counter deflated;
  final Counter deflateReused;
  private final MeterRegistry registry;

  LiveMetrics(MeterRegistry registry) {
    this.registry = registry;
    registry.gauge("pstate.live.subscribers", subscribers);
    registry.gauge("pstate.live.portfolios.followed", followed);
    sent = Counter.builder("pstate.live.sent")
        .description("Messages written to bridge sockets (snapshots, changes, valuations, alerts, prices)")
        .register(registry);
    conflated = Counter.builder("pstate.live.conflated")
        .description("Valuations replaced by a newer one before a slow socket could take them").register(registry);
    dropped = Counter.builder("pstate.live.dropped")
        .description("Messages discarded because their socket was closed as a slow consumer").register(registry);
    refused = Counter.builder("pstate.live.refused")
        .description("Bridge registrations and frames refused (addresses, entitlements, floods)").register(registry);
    revoked = Counter.builder("pstate.live.revoked")
        .description("Registrations dropped because their caller may no longer read the portfolio").register(registry);
    diverged = Counter.builder("pstate.live.diverged")
        .description("Changes from another node that did not evolve this node's copy to the owner's state "
            + "(the subscribers were resynchronised)").register(registry);
    deflated = Counter.builder("pstate.live.deflate").tag("result", "deflated")
        .description("Messages compressed for bridge sockets (shared compression), by whether each was deflated "
            + "or reused the bytes of an equal message deflated for another socket").register(registry);
    deflateReused = Counter.builder("pstate.live.deflate").tag("result", "reused")
        .description("Messages compressed for bridge sockets (shared compression), by whether each was deflated "
            + "or reused the bytes of an equal message deflated for another socket").register(registry);
  }

  @Override
  public void deflated() {
    deflated.increment();
  }

  @Override
  public void reused() {
    deflateReused.increment();
  }

  Counter disconnects(String reason) {
    return Counter.builder("pstate.live.disconnects").tag("reason", reason)
        .description("Bridge sockets the server closed, by reason").register(registry);
  }
}
