package io.portfoliostate.protocol;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.json.JsonObject;
import java.util.function.Function;

/**
 * A message that may cross nodes: passed as the same immutable object within a node (no copy,
 * as {@link LocalCodec}), and as length-prefixed JSON between nodes.
 */
public final class JsonWireCodec<T> implements MessageCodec<T, T> {

  private final Class<T> type;
  private final Function<T, JsonObject> encoder;
  private final Function<JsonObject, T> decoder;

  private JsonWireCodec(Class<T> type, Function<T, JsonObject> encoder, Function<JsonObject, T> decoder) {
    this.type = type;
    this.encoder = encoder;
    this.decoder = decoder;
  }

  public static <T> JsonWireCodec<T> of(Class<T> type, Function<T, JsonObject> encoder,
      Function<JsonObject, T> decoder) {
    return new JsonWireCodec<>(type, encoder, decoder);
  }

  @Override
  public void encodeToWire(Buffer buffer, T message) {
    Buffer json = encoder.apply(message).toBuffer();
    buffer.appendInt(json.length()).appendBuffer(json);
  }

  @Override
  public T decodeFromWire(int pos, Buffer buffer) {
    int length = buffer.getInt(pos);
    return decoder.apply(new JsonObject(buffer.getBuffer(pos + 4, pos + 4 + length)));
  }

  @Override
  public T transform(T message) {
    return message;
  }

  @Override
  public String name() {
    return "json:" + type.getName();
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }
}
