package io.portfoliostate.observability;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.portfoliostate.protocol.Addresses;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.function.IntSupplier;

/**
 * Answers, for its node, what {@code GET /api/v1/cluster} shows of each member: where it serves
 * HTTP, how many owner instances it runs, and how many portfolios its owners hold in memory.
 * Any node's gateway asks every member over the event bus.
 */
public final class NodeStatusVerticle extends VerticleBase {

  private final String nodeId;
  private final int ownerInstances;
  private final IntSupplier httpPort;
  private final MeterRegistry registry;
  private final Instant startedAt = Instant.now();

  public NodeStatusVerticle(String nodeId, int ownerInstances, IntSupplier httpPort, MeterRegistry registry) {
    this.nodeId = nodeId;
    this.ownerInstances = ownerInstances;
    this.httpPort = httpPort;
    this.registry = registry;
  }

  @Override
  public Future<?> start() {
    return vertx.eventBus().<Object>consumer(Addresses.nodeStatus(nodeId), message -> message.reply(status()))
        .completion();
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
