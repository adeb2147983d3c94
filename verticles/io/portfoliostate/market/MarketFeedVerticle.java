package io.portfoliostate.market;

import io.portfoliostate.protocol.Addresses;
import io.portfoliostate.protocol.MarketUpdate;
import io.portfoliostate.protocol.Origin;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.portfoliostate.protocol.CommandJson;
import java.util.List;

/**
 * Keeps the node's {@link MarketView} in step with the cluster: applies every market update
 * another node committed and published. Its own node's updates it skips, since the writer
 * applied them before answering (applying them again could undo a later correction with the
 * same observation time). It also learns every corporate action stored anywhere in the cluster.
 */
public final class MarketFeedVerticle extends VerticleBase {

  private static final DeliveryOptions LOCAL_ONLY = new DeliveryOptions().setLocalOnly(true);

  private final String nodeId;
  private final MarketView view;
  private MessageConsumer<MarketUpdate> consumer;
  private MessageConsumer<JsonObject> actions;

  public MarketFeedVerticle(String nodeId, MarketView view) {
    this.nodeId = nodeId;
    this.view = view;
  }

  @Override
  public Future<?> start() {
    consumer = vertx.eventBus().consumer(Addresses.MARKET_UPDATES, message -> {
      MarketUpdate update = message.body();
      if (!nodeId.equals(update.origin())) {
        view.apply(update.instruments(), update.prices(), update.rates());
      }
      // After the view has it: the live hub values with the view (nobody listening costs a
      // local lookup).
      vertx.eventBus().publish(Addresses.LIVE_MARKET, update, LOCAL_ONLY);
    });
    // Every node's own too: the action is stored before it is published, never applied before.
    actions = vertx.eventBus().consumer(Addresses.CORPORATE_ACTION_UPDATES, message -> {
      // Who posted it first: an owner may apply it as soon as the action is known.
      Origin origin = Origin.fromJson(message.body().getJsonObject("origin"));
      if (origin != null) {
        view.addActionOrigins(List.of(origin));
      }
      view.addActions(List.of(CommandJson.action(message.body())));
    });
    return Future.all(consumer.completion(), actions.completion());
  }
}
