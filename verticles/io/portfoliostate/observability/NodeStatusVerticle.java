package io.portfoliostate.observability;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.portfoliostate.protocol.Addresses;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.function.Consumer;
import java.util.function.IntSupplier;

/**
 * What a node says to the others about itself, and hears from them: for {@code GET
 * /api/v1/cluster}, where it serves HTTP, how many owner instances it runs and how many
 * portfolios its owners hold in memory (any node's gateway asks every member); and the notice
 * of a peer that is about to leave, so this node stops sending to it.
 */
public final class NodeStatusVerticle extends VerticleBase {

  private final String nodeId;
  private final int ownerInstances;
  private final IntSupplier httpPort;
  private final MeterRegistry registry;
  private final Consumer<String> peerLeaving;
  private final Instant startedAt = Instant.now();

  /** @param peerLeaving told the id of another node that announced it is leaving */
  public NodeStatusVerticle(String nodeId, int ownerInstances, IntSupplier httpPort, MeterRegistry registry,
      Consumer<String> peerLeaving) {
    this.nodeId = nodeId;
    this.peerLeaving = peerLeaving;
    this.ownerInstances = ownerInstances;
    this.httpPort = httpPort;
    this.registry = registry;
  }

  @Override
  public Future<?> start() {
    Future<Void> status = vertx.eventBus().<Object>consumer(Addresses.nodeStatus(nodeId),
        message -> message.reply(status())).completion();
    Future<Void> leaving = vertx.eventBus().<String>consumer(Addresses.nodeLeaving(nodeId), message -> {
      peerLeaving.accept(message.body());
      message.reply(null);
    }).completion();
    return Future.all(status, leaving);
  }

  private JsonObject status() {
    double loaded = registry.find("pstate.owner.portfolios.loaded").gauges().stream()
        .mapToDouble(Gauge::value).sum();
    return new JsonObject()
        .put("nodeId", nodeId)
        .put("httpPort", httpPort.getAsInt())
        .put("ownerInstances", ownerInstances)
        .put("portfoliosLoaded", (long) loaded)
        .put("startedAt", startedAt.toString());
  }
}
