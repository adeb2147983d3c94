package io.portfoliostate.protocol;

import io.portfoliostate.domain.PortfolioState;
import io.vertx.core.eventbus.EventBus;

/**
 * Registers the codec of every message type the service sends on the event bus: a wire format
 * for what crosses nodes (gateway ↔ owner, published changes), local-only for what stays in a
 * node (owner → its node's journal writer).
 */
public final class Codecs {

  private Codecs() {
  }

  public static void registerAll(EventBus bus) {
    JsonWireCodec.register(bus, OwnerRequest.Execute.class, MessageJson::execute, MessageJson::execute);
    JsonWireCodec.register(bus, OwnerRequest.Read.class, MessageJson::read, MessageJson::read);
    JsonWireCodec.register(bus, OwnerRequest.ReadEvents.class, MessageJson::readEvents, MessageJson::readEvents);
    JsonWireCodec.register(bus, CommandOutcomes.class, MessageJson::outcomes, MessageJson::outcomes);
    JsonWireCodec.register(bus, EventPage.class, MessageJson::eventPage, MessageJson::eventPage);
    JsonWireCodec.register(bus, PortfolioState.class, StateJson::toJson, StateJson::fromJson);
    JsonWireCodec.register(bus, PortfolioChange.class, MessageJson::change, MessageJson::change);
    LocalCodec.register(bus, JournalAppend.class);
  }
}
