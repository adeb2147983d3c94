package io.portfoliostate.live;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtension;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionData;
import io.netty.handler.codec.http.websocketx.extensions.compression.PerMessageDeflateClientExtensionHandshaker;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * {@link SharedDeflateEncoder} against Netty's own permessage-deflate decoder as a client sets it
 * up by default (with context takeover: it keeps one inflater and window across messages): every
 * message, whole or fragmented, text or binary, inflates to what was sent, in any order, and an
 * equal message is deflated once however many sockets and threads it is written from.
 */
class SharedDeflateEncoderTest {

  private final AtomicInteger deflated = new AtomicInteger();
  private final AtomicInteger reused = new AtomicInteger();
  private final SharedDeflateEncoder.Counters counters = new SharedDeflateEncoder.Counters() {
    @Override
    public void deflated() {
      deflated.incrementAndGet();
    }

    @Override
    public void reused() {
      reused.incrementAndGet();
    }
  };

  private final SharedDeflateEncoder.Shared shared = new SharedDeflateEncoder.Shared();

  /** A client's decoder: what the client's side of a default negotiation (context takeover) does. */
  private static EmbeddedChannel client() throws Exception {
    var extension = new PerMessageDeflateClientExtensionHandshaker()
        .handshakeExtension(new WebSocketExtensionData("permessage-deflate", Map.of()));
    return new EmbeddedChannel(extension.newExtensionDecoder());
  }

  /** Sends {@code frames} through an encoder and then a client's decoder; the messages the client reads. */
  private static List<String> roundTrip(EmbeddedChannel server, EmbeddedChannel client, WebSocketFrame... frames) {
    List<String> read = new ArrayList<>();
    for (WebSocketFrame frame : frames) {
      server.writeOutbound(frame);
      WebSocketFrame sent;
      while ((sent = server.readOutbound()) != null) {
        client.writeInbound(sent);
      }
      WebSocketFrame inflated;
      while ((inflated = client.readInbound()) != null) {
        String content = inflated.content().toString(StandardCharsets.UTF_8);
        read.add(inflated instanceof PingWebSocketFrame ? "[ping " + content + "]"
            : content + (inflated.isFinalFragment() ? "" : "…"));
        inflated.release();
      }
    }
    return read;
  }

  private static ByteBuf text(String value) {
    return Unpooled.copiedBuffer(value, StandardCharsets.UTF_8);
  }

  /** Each test's own portfolio: an event loop's recent messages outlive a test (the thread is JUnit's). */
  private final String fund = "fund-" + java.util.UUID.randomUUID();

  private String change(int version) {
    return "{\"type\":\"rec\",\"address\":\"portfolio.updates." + fund + "\",\"headers\":{},\"body\":{\"kind\":\"change\","
        + "\"fromVersion\":" + (version - 1) + ",\"version\":" + version + ",\"events\":[{\"type\":\"TradeExecuted\","
        + "\"instrumentId\":\"AAPL\",\"quantity\":\"100\",\"price\":\"187.25\"}]}}";
  }

  @Test
  void everyMessageInflatesOnAClientThatKeepsItsWindow() throws Exception {
    EmbeddedChannel server = new EmbeddedChannel(new SharedDeflateEncoder(6, counters, shared));
    EmbeddedChannel client = client();
    List<String> read = new ArrayList<>();
    List<String> sent = new ArrayList<>();
    for (int version = 1; version <= 50; version++) {
      String message = change(version);
      sent.add(message);
      read.addAll(roundTrip(server, client, version % 2 == 0 ? new TextWebSocketFrame(text(message))
          : new BinaryWebSocketFrame(text(message))));
    }
    assertThat(read).isEqualTo(sent);
    assertThat(deflated.get()).isEqualTo(50);
    assertThat(reused.get()).isZero();
  }

  @Test
  void theSameMessageToManySocketsIsDeflatedOnceAndEachSocketInflatesIt() throws Exception {
    List<EmbeddedChannel> servers = new ArrayList<>();
    List<EmbeddedChannel> clients = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      servers.add(new EmbeddedChannel(new SharedDeflateEncoder(6, counters, shared)));
      clients.add(client());
    }
    for (int version = 1; version <= 20; version++) {
      // One buffer, as the hub writes one frame to every subscriber; each write is its own frame.
      ByteBuf message = text(change(version));
      for (int i = 0; i < 10; i++) {
        List<String> read = roundTrip(servers.get(i), clients.get(i),
            new TextWebSocketFrame(message.retainedDuplicate()));
        assertThat(read).containsExactly(change(version));
      }
      message.release();
    }
    assertThat(deflated.get()).isEqualTo(20);
    assertThat(reused.get()).isEqualTo(20 * 9);
    // The copies are byte for byte the same frame.
    servers.get(0).writeOutbound(new TextWebSocketFrame(text(change(7))));
    servers.get(1).writeOutbound(new TextWebSocketFrame(text(change(7))));
    WebSocketFrame first = servers.get(0).readOutbound();
    WebSocketFrame second = servers.get(1).readOutbound();
    assertThat(first.rsv() & WebSocketExtension.RSV1).isEqualTo(WebSocketExtension.RSV1);
    assertThat(first.content()).isEqualTo(second.content());
    assertThat(first.content().readableBytes()).isLessThan(change(7).length());
  }

  @Test
  void theSameMessageOnFourThreadsIsDeflatedOnceForAllOfThem() throws Exception {
    // Four "event loops", each with three sockets and a client behind each, all sending one change.
    // They wait as long as it takes for the thread that deflates (on a busy machine a thread can
    // wait milliseconds for a core, and the node's loops then deflate for themselves).
    SharedDeflateEncoder.Shared patient = new SharedDeflateEncoder.Shared(TimeUnit.SECONDS.toNanos(10));
    int loops = 4;
    int socketsPerLoop = 3;
    java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(loops);
    try {
      java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(loops);
      List<java.util.concurrent.Future<List<String>>> reads = new ArrayList<>();
      for (int l = 0; l < loops; l++) {
        reads.add(threads.submit(() -> {
          List<EmbeddedChannel> servers = new ArrayList<>();
          List<EmbeddedChannel> clients = new ArrayList<>();
          for (int i = 0; i < socketsPerLoop; i++) {
            servers.add(new EmbeddedChannel(new SharedDeflateEncoder(6, counters, patient)));
            clients.add(client());
          }
          List<String> read = new ArrayList<>();
          for (int version = 1; version <= 10; version++) {
            together.await();
            for (int i = 0; i < socketsPerLoop; i++) {
              read.addAll(roundTrip(servers.get(i), clients.get(i), new TextWebSocketFrame(text(change(version)))));
            }
          }
          return read;
        }));
      }
      List<String> expected = new ArrayList<>();
      for (int version = 1; version <= 10; version++) {
        for (int i = 0; i < socketsPerLoop; i++) {
          expected.add(change(version));
        }
      }
      for (java.util.concurrent.Future<List<String>> read : reads) {
        assertThat(read.get(30, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(expected);
      }
    } finally {
      threads.shutdownNow();
    }
    // Ten changes, each deflated by one thread; the 110 other copies reused those bytes.
    assertThat(deflated.get()).isEqualTo(10);
    assertThat(reused.get()).isEqualTo(10 * (loops * socketsPerLoop - 1));
  }

  @Test
  void aFragmentedMessageIsOneStreamAndMixesWithWholeOnes() throws Exception {
    EmbeddedChannel server = new EmbeddedChannel(new SharedDeflateEncoder(6, counters, shared));
    EmbeddedChannel client = client();
    String big = "x".repeat(70_000) + "{\"kind\":\"snapshot\"}" + "y".repeat(70_000);
    List<String> read = new ArrayList<>();
    read.addAll(roundTrip(server, client, new TextWebSocketFrame(text(change(1)))));
    read.addAll(roundTrip(server, client,
        new TextWebSocketFrame(false, 0, text(big.substring(0, 65_536))),
        // A control frame may come between fragments: it is not compressed.
        new PingWebSocketFrame(text("ping")),
        new ContinuationWebSocketFrame(false, 0, text(big.substring(65_536, 131_072))),
        new ContinuationWebSocketFrame(true, 0, text(big.substring(131_072)))));
    read.addAll(roundTrip(server, client, new TextWebSocketFrame(text(change(2))),
        new TextWebSocketFrame(Unpooled.EMPTY_BUFFER), new TextWebSocketFrame(text(change(2)))));
    // The client's decoder hands fragments on one by one; joined they are the message.
    List<String> messages = new ArrayList<>();
    StringBuilder partial = new StringBuilder();
    for (String fragment : read) {
      if (fragment.startsWith("[ping")) {
        continue;
      }
      if (fragment.endsWith("…")) {
        partial.append(fragment, 0, fragment.length() - 1);
      } else {
        messages.add(partial + fragment);
        partial.setLength(0);
      }
    }
    assertThat(messages).containsExactly(change(1), big, change(2), "", change(2));
    // The ping went through as it was, between the fragments (control frames are never compressed).
    assertThat(read).contains("[ping ping]");
    assertThat(read.indexOf("[ping ping]")).isBetween(2, read.size() - 4);
    assertThat(reused.get()).isEqualTo(1);
  }

  @Test
  void aWindowSmallerThanTheJdksIsLeftToNetty() {
    assertThat(SharedDeflate.windowAllowed(null)).isTrue();
    assertThat(SharedDeflate.windowAllowed("permessage-deflate; client_max_window_bits")).isTrue();
    assertThat(SharedDeflate.windowAllowed("permessage-deflate; server_max_window_bits=15")).isTrue();
    assertThat(SharedDeflate.windowAllowed("permessage-deflate; server_max_window_bits=10")).isFalse();
    assertThat(SharedDeflate.windowAllowed("permessage-deflate; server_max_window_bits=\"9\"")).isFalse();
  }
}
