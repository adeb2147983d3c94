package io.portfoliostate.live;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageEncoder;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtension;
import io.netty.util.concurrent.FastThreadLocal;
import java.util.Arrays;
import java.util.List;
import java.util.zip.Deflater;

/**
 * permessage-deflate (RFC 7692) for what the server sends on a bridge socket, with every message
 * compressed on its own, so that the same message written to many sockets is deflated once per
 * event loop instead of once per socket.
 *
 * <p>Netty's own encoder keeps one compressor per socket and, by default, compresses each message
 * against the socket's previous ones ("context takeover"). That is the best ratio, but the same
 * change written to ten subscribers is deflated ten times, each in its own 300 KB of zlib state:
 * with 1,000 subscribers it was the bridge's largest cost (BENCHMARKS.md). A sender may always
 * choose not to refer to earlier messages — the receiver keeps its window, the sender just never
 * points into it (RFC 7692 §7.2.1 makes it a duty only under {@code server_no_context_takeover}) —
 * and then a message's compressed bytes depend on the message alone. So this encoder compresses
 * each message from an empty window, and keeps, per event-loop thread, the last few messages it
 * compressed: a message equal byte for byte to one of them is sent with the same compressed bytes.
 * The hub hands one frame to every subscriber of an event loop in one task, so those copies meet
 * the cache one after another.
 *
 * <p>It replaces Netty's encoder on a socket once the handshake is done ({@link
 * SharedDeflate#install}); frames Netty compressed before (a SockJS open frame) referred only to
 * what the client had already inflated, so the switch is safe at any message boundary. A message
 * larger than the maximum frame size arrives here as fragments: it is compressed as one stream
 * across them, by a compressor of this socket's own that lives only for that message.
 */
final class SharedDeflateEncoder extends MessageToMessageEncoder<WebSocketFrame> {

  /** How many recent messages each event loop remembers: enough for one task's copies and the next commit's. */
  static final int REMEMBERED = 8;
  /** Messages larger than this are compressed for their socket only (a snapshot, not a broadcast). */
  static final int LARGEST_REMEMBERED = 256 * 1024;
  /** The tail every sync-flushed deflate block ends with, which RFC 7692 removes from the frame. */
  private static final byte[] TAIL = {0, 0, (byte) 0xff, (byte) 0xff};
  /** An empty message, compressed (RFC 7692 §7.2.3.6: a single empty stored block). */
  private static final byte[] EMPTY = {0};

  private static final FastThreadLocal<Recent> RECENT = new FastThreadLocal<>() {
    @Override
    protected Recent initialValue() {
      return new Recent();
    }
  };

  private final int level;
  private final Counters counters;
  /** The compressor of a fragmented message in progress on this socket; null between messages. */
  private Deflater fragmented;

  /** Counts for the meters: messages deflated and messages that reused another copy's bytes. */
  interface Counters {
    void deflated();

    void reused();
  }

  SharedDeflateEncoder(int level, Counters counters) {
    super(WebSocketFrame.class);
    this.level = level;
    this.counters = counters;
  }

  @Override
  public boolean acceptOutboundMessage(Object msg) throws Exception {
    if (!super.acceptOutboundMessage(msg)) {
      return false;
    }
    WebSocketFrame frame = (WebSocketFrame) msg;
    if (frame instanceof ContinuationWebSocketFrame) {
      return fragmented != null;
    }
    // A frame with RSV1 set is compressed already; control frames are never compressed.
    return (frame instanceof TextWebSocketFrame || frame instanceof BinaryWebSocketFrame)
        && (frame.rsv() & WebSocketExtension.RSV1) == 0;
  }

  @Override
  protected void encode(ChannelHandlerContext ctx, WebSocketFrame frame, List<Object> out) {
    ByteBuf content = frame.content();
    boolean first = !(frame instanceof ContinuationWebSocketFrame);
    ByteBuf compressed;
    if (first && frame.isFinalFragment()) {
      compressed = Unpooled.wrappedBuffer(whole(content));
    } else {
      compressed = Unpooled.wrappedBuffer(fragment(content, frame.isFinalFragment()));
    }
    int rsv = first ? frame.rsv() | WebSocketExtension.RSV1 : frame.rsv();
    if (frame instanceof TextWebSocketFrame) {
      out.add(new TextWebSocketFrame(frame.isFinalFragment(), rsv, compressed));
    } else if (frame instanceof BinaryWebSocketFrame) {
      out.add(new BinaryWebSocketFrame(frame.isFinalFragment(), rsv, compressed));
    } else {
      out.add(new ContinuationWebSocketFrame(frame.isFinalFragment(), rsv, compressed));
    }
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) throws Exception {
    if (fragmented != null) {
      fragmented.end();
      fragmented = null;
    }
    super.handlerRemoved(ctx);
  }

  /** A whole message in one frame: the bytes of an equal recent message, or deflated now and remembered. */
  private byte[] whole(ByteBuf content) {
    int length = content.readableBytes();
    if (length == 0) {
      return EMPTY;
    }
    byte[] array;
    int offset;
    if (content.hasArray()) {
      array = content.array();
      offset = content.arrayOffset() + content.readerIndex();
    } else {
      array = new byte[length];
      content.getBytes(content.readerIndex(), array);
      offset = 0;
    }
    Recent recent = RECENT.get();
    byte[] known = recent.find(array, offset, length);
    if (known != null) {
      counters.reused();
      return known;
    }
    Deflater deflater = recent.deflater(level);
    deflater.reset();
    deflater.setInput(array, offset, length);
    byte[] compressed = withoutTail(recent.deflate(deflater));
    counters.deflated();
    if (length <= LARGEST_REMEMBERED) {
      recent.remember(Arrays.copyOfRange(array, offset, offset + length), compressed);
    }
    return compressed;
  }

  /** One fragment of a message sent in several frames: one stream across them, tail removed at the end. */
  private byte[] fragment(ByteBuf content, boolean last) {
    if (fragmented == null) {
      fragmented = new Deflater(level, true);
    }
    byte[] input = new byte[content.readableBytes()];
    content.getBytes(content.readerIndex(), input);
    fragmented.setInput(input);
    byte[] compressed = RECENT.get().deflate(fragmented);
    counters.deflated();
    if (last) {
      fragmented.end();
      fragmented = null;
      return withoutTail(compressed);
    }
    return compressed;
  }

  private static byte[] withoutTail(byte[] compressed) {
    int end = compressed.length - TAIL.length;
    if (end < 0 || !Arrays.equals(compressed, end, compressed.length, TAIL, 0, TAIL.length)) {
      // A sync flush always ends so; anything else is a bug, not something to send.
      throw new IllegalStateException("deflate output does not end with a sync-flush marker");
    }
    return Arrays.copyOf(compressed, end);
  }

  /**
   * One event loop's recent messages and their compressed bytes, its compressor and its scratch
   * space. Used only by the event loop's own thread: no locking.
   */
  private static final class Recent {
    private final byte[][] plain = new byte[REMEMBERED][];
    private final byte[][] compressed = new byte[REMEMBERED][];
    private int next;
    private Deflater deflater;
    private int deflaterLevel;
    private byte[] scratch = new byte[16 * 1024];

    byte[] find(byte[] array, int offset, int length) {
      // Newest first: the copies of one message come one after another.
      for (int i = 0; i < REMEMBERED; i++) {
        int slot = Math.floorMod(next - 1 - i, REMEMBERED);
        byte[] candidate = plain[slot];
        if (candidate != null && candidate.length == length
            && Arrays.equals(candidate, 0, length, array, offset, offset + length)) {
          return compressed[slot];
        }
      }
      return null;
    }

    void remember(byte[] message, byte[] deflated) {
      plain[next] = message;
      compressed[next] = deflated;
      next = (next + 1) % REMEMBERED;
    }

    Deflater deflater(int level) {
      if (deflater == null || deflaterLevel != level) {
        if (deflater != null) {
          deflater.end();
        }
        deflater = new Deflater(level, true);
        deflaterLevel = level;
      }
      return deflater;
    }

    /** Everything the deflater holds for its input so far, sync-flushed. */
    byte[] deflate(Deflater deflater) {
      int size = 0;
      while (true) {
        int written = deflater.deflate(scratch, size, scratch.length - size, Deflater.SYNC_FLUSH);
        size += written;
        if (size < scratch.length) {
          return Arrays.copyOf(scratch, size);
        }
        scratch = Arrays.copyOf(scratch, scratch.length * 2);
      }
    }
  }
}
