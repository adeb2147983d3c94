package io.portfoliostate.protocol;

import io.portfoliostate.domain.PortfolioState;
import io.vertx.core.eventbus.EventBus;

/** Registers the codec of every message type the service sends on the event bus. */
public final class Codecs {

  private Codecs() {
  }

  public static void registerAll(EventBus bus) {
    LocalCodec.register(bus, OwnerRequest.Execute.class);
    LocalCodec.register(bus, OwnerRequest.Read.class);
    LocalCodec.register(bus, OwnerRequest.ReadEvents.class);
    LocalCodec.register(bus, CommandOutcomes.class);
    LocalCodec.register(bus, EventPage.class);
    LocalCodec.register(bus, PortfolioState.class);
    LocalCodec.register(bus, JournalAppend.class);
    LocalCodec.register(bus, PortfolioChange.class);
  }
}
