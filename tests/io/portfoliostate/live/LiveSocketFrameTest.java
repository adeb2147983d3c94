package io.portfoliostate.live;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A bridge frame written as bytes is byte for byte the text the bridge client got before. */
class LiveSocketFrameTest {

  private static final String BODY = "{\"portfolioId\":\"fund-a\",\"version\":7,\"note\":\"caf\u00e9 \ud83d\ude00 \\\"q\\\"\"}";

  /** The frame as it was made before: one text, through Jackson for the address. */
  private static Buffer asBefore(String address, String headers, String body) {
    return Buffer.buffer("{\"type\":\"rec\",\"address\":" + Json.encode(address) + ",\"headers\":" + headers
        + ",\"body\":" + body + "}");
  }

  @ParameterizedTest
  @ValueSource(strings = {"portfolio.updates.fund-a", "portfolio.valuation.A.b_c:d-1", "prices.BRK.B",
      "with \"quotes\"", "back\\slash", "tab\there", "new\nline", "caf\u00e9", "del\u007f", "", "x"})
  void aFrameIsTheTextItWasBefore(String address) {
    assertThat(LiveSocket.frame(address, BODY).getBytes()).isEqualTo(asBefore(address, "{}", BODY).getBytes());
    String headers = "{\"committedNanos\":\"123456789\"}";
    assertThat(LiveSocket.frame(address, headers, BODY).getBytes())
        .isEqualTo(asBefore(address, headers, BODY).getBytes());
  }

  @Test
  void aFrameIsExactlyItsBytesAndReadsBackAsTheBridgeMessage() {
    Buffer frame = LiveSocket.frame("portfolio.updates.fund-a", new JsonObject().put("version", 3));
    String text = "{\"type\":\"rec\",\"address\":\"portfolio.updates.fund-a\",\"headers\":{},\"body\":{\"version\":3}}";
    assertThat(frame.length()).isEqualTo(text.length());
    assertThat(frame.toString(StandardCharsets.UTF_8)).isEqualTo(text);
    assertThat(new JsonObject(LiveSocket.frame("a", BODY)).getJsonObject("body").getString("note"))
        .isEqualTo("caf\u00e9 \ud83d\ude00 \"q\"");
  }
}
