package io.portfoliostate.protocol;

import io.portfoliostate.domain.PortfolioState;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageCodec;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The codec of every message type the service sends on the event bus: a wire format for what
 * crosses nodes (gateway ↔ owner, published changes), local-only for what stays in a node
 * (owner → its node's journal writer).
 */
public final class Codecs {

  private static final Map<Class<?>, MessageCodec<?, ?>> CODECS = new LinkedHashMap<>();

  static {
    // The owner path in binary (OwnerWire); its JSON form of the version before is registered by name below.
    wire(OwnerRequest.Execute.class, OwnerWire.EXECUTE);
    wire(OwnerRequest.Read.class, JsonWireCodec.of(OwnerRequest.Read.class, MessageJson::read, MessageJson::read));
    wire(OwnerRequest.ReadEvents.class,
        JsonWireCodec.of(OwnerRequest.ReadEvents.class, MessageJson::readEvents, MessageJson::readEvents));
    wire(OwnerRequest.Watch.class, JsonWireCodec.of(OwnerRequest.Watch.class, MessageJson::watch, MessageJson::watch));
    wire(CommandOutcomes.class, OwnerWire.OUTCOMES);
    wire(EventPage.class, JsonWireCodec.of(EventPage.class, MessageJson::eventPage, MessageJson::eventPage));
    wire(PortfolioState.class, JsonWireCodec.of(PortfolioState.class, StateJson::toJson, StateJson::fromJson));
    wire(PortfolioChange.class, JsonWireCodec.of(PortfolioChange.class, MessageJson::change, MessageJson::change));
    wire(MarketUpdate.class, JsonWireCodec.of(MarketUpdate.class, MarketJson::update, MarketJson::update));
    wire(JournalAppend.class, LocalCodec.of(JournalAppend.class));
    wire(MarketWrite.class, LocalCodec.of(MarketWrite.class));
    wire(MarketWrite.Written.class, LocalCodec.of(MarketWrite.Written.class));
  }

  private Codecs() {
  }

  private static <T> void wire(Class<T> type, MessageCodec<T, T> codec) {
    CODECS.put(type, codec);
  }

  /** Registers every codec as the default codec of its type. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public static void registerAll(EventBus bus) {
    CODECS.forEach((type, codec) -> bus.registerDefaultCodec((Class) type, (MessageCodec) codec));
    // Sent as the gathered wire form, received decoded (a codec of two types).
    bus.registerDefaultCodec(ChangeBatch.Outgoing.class, ChangeBatchCodec.INSTANCE);
    // What a node of the version before sends and understands, during a rolling upgrade (OwnerWire).
    bus.registerCodec(OwnerWire.LEGACY_EXECUTE);
    bus.registerCodec(OwnerWire.LEGACY_OUTCOMES);
  }

  /** The codec of {@code type}. */
  @SuppressWarnings("unchecked")
  public static <T> MessageCodec<T, T> of(Class<T> type) {
    MessageCodec<T, T> codec = (MessageCodec<T, T>) CODECS.get(type);
    if (codec == null) {
      throw new IllegalArgumentException("no codec for " + type.getName());
    }
    return codec;
  }
}
