package io.portfoliostate.protocol;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;

/**
 * Passes an immutable message between verticles of one node without copying it: the
 * {@code transform} returns the same object. Messages that cross nodes in a cluster are given
 * a wire format of their own; these are the node-local ones.
 */
public final class LocalCodec<T> implements MessageCodec<T, T> {

  private final Class<T> type;

  private LocalCodec(Class<T> type) {
    this.type = type;
  }

  public static <T> LocalCodec<T> of(Class<T> type) {
    return new LocalCodec<>(type);
  }

  @Override
  public void encodeToWire(Buffer buffer, T message) {
    throw new IllegalStateException(type.getSimpleName() + " is a node-local message");
  }

  @Override
  public T decodeFromWire(int pos, Buffer buffer) {
    throw new IllegalStateException(type.getSimpleName() + " is a node-local message");
  }

  @Override
  public T transform(T message) {
    return message;
  }

  @Override
  public String name() {
    return "local:" + type.getName();
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }
}
