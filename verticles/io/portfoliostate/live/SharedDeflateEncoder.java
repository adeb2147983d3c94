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
 * node instead of once per socket.
 *
 * <p>Netty's own encoder keeps one compressor per socket and, by default, compresses each message
 * against the socket's previous ones ("context takeover"). That is the best ratio, but the same
 * change written to ten subscribers is deflated ten times, each in its own 300 KB of zlib state:
 * with 1,000 subscribers it was the bridge's largest cost (BENCHMARKS.md). A sender may always
 * choose not to refer to earlier messages — the receiver keeps its window, the sender just never
 * points into it (RFC 7692 §7.2.1 makes it a duty only under {@code server_no_context_takeover}) —
 * and then a message's compressed bytes depend on the message alone. So this encoder compresses
 * each message from an empty window and looks for an equal message in two places: the last few
 * its event loop sent (no locking: the hub hands one frame to every subscriber of an event loop
 * in one task, so those copies meet one after another), then the node's recent messages of every
 * event loop ({@link Shared}): a node's sockets are spread over its gateway event loops, and a
 * change followed on four of them was deflated four times when each loop kept its own.
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
  private final Shared shared;
  /** The compressor of a fragmented message in progress on this socket; null between messages. */
  private Deflater fragmented;

  /** Counts for the meters: messages deflated and messages that reused another copy's bytes. */
  interface Counters {
    void deflated();

    void reused();
  }

  /** @param shared the node's recent messages, one for all the encoders of its sockets */
  SharedDeflateEncoder(int level, Counters counters, Shared shared) {
    super(WebSocketFrame.class);
    this.level = level;
    this.counters = counters;
    this.shared = shared;
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
    // The first event loop to send a message deflates it; the others take its bytes.
    Deflated entry = length <= Shared.LARGEST ? shared.find(array, offset, length, level) : null;
    byte[] compressed = null;
    if (entry != null && !entry.mine()) {
      compressed = entry.await(shared.waitNanos);
      if (compressed != null) {
        counters.reused();
      }
    }
    if (compressed == null) {
      try {
        Deflater deflater = recent.deflater(level);
        deflater.reset();
        deflater.setInput(array, offset, length);
        compressed = withoutTail(recent.deflate(deflater));
      } catch (RuntimeException e) {
        if (entry != null && entry.mine()) {
          entry.abandon();
        }
        throw e;
      }
      counters.deflated();
      if (entry != null && entry.mine()) {
        entry.done(compressed);
      }
    }
    if (length <= LARGEST_REMEMBERED) {
      recent.remember(entry != null ? entry.plain : Arrays.copyOfRange(array, offset, offset + length), compressed);
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
   * A node's recent messages and their compressed bytes, whichever event loop deflated them: the
   * first loop to send a message claims it and deflates it, and a loop that finds it claimed
   * waits for those bytes (a deflate of a change takes tens of microseconds) instead of deflating
   * it again. Bounded: the last {@value #REMEMBERED} messages of at most {@value #LARGEST} bytes
   * each (a change is about 1 KB; a snapshot goes to one socket and is not worth sharing). A
   * loop that waits longer than {@link #WAIT_NANOS} (the claiming thread lost its core) deflates
   * the message itself: on two busy cores a thread can wait for its turn for milliseconds, and
   * an event loop should not wait that long for 30 µs of work. One lock, held while the ring is searched, taken once per message and
   * event loop, not once per socket.
   */
  static final class Shared {
    /** 128 ms of changes at 2,000 commits a second: a loop that far behind deflates for itself. */
    static final int REMEMBERED = 256;
    static final int LARGEST = 32 * 1024;
    static final long WAIT_NANOS = 2_000_000;
    private final Deflated[] ring = new Deflated[REMEMBERED];
    private final long waitNanos;
    private int next;

    Shared() {
      this(WAIT_NANOS);
    }

    /** @param waitNanos how long a loop waits for another's deflate of a message before deflating it itself */
    Shared(long waitNanos) {
      this.waitNanos = waitNanos;
    }

    /** An equal message's entry, or a new one claimed by this thread, which must deflate it. */
    synchronized Deflated find(byte[] array, int offset, int length, int level) {
      // Newest first: the other loops look up a change within milliseconds of the first.
      for (int i = 0; i < REMEMBERED; i++) {
        Deflated candidate = ring[Math.floorMod(next - 1 - i, REMEMBERED)];
        if (candidate == null) {
          break; // the ring fills in order: nothing older
        }
        if (candidate.level == level && candidate.plain.length == length
            && Arrays.equals(candidate.plain, 0, length, array, offset, offset + length)) {
          return candidate;
        }
      }
      Deflated claimed = new Deflated(Arrays.copyOfRange(array, offset, offset + length), level);
      ring[next] = claimed;
      next = (next + 1) % REMEMBERED;
      return claimed;
    }
  }

  /** One message of {@link Shared}: its text, and its compressed bytes once its deflating thread has them. */
  static final class Deflated {
    final byte[] plain;
    final int level;
    private final Thread deflating = Thread.currentThread();
    private byte[] compressed;
    private boolean abandoned;

    Deflated(byte[] plain, int level) {
      this.plain = plain;
      this.level = level;
    }

    boolean mine() {
      return deflating == Thread.currentThread();
    }

    synchronized void done(byte[] bytes) {
      compressed = bytes;
      notifyAll();
    }

    synchronized void abandon() {
      abandoned = true;
      notifyAll();
    }

    /** The compressed bytes, waiting at most {@code waitNanos} for them; null when not had in time. */
    synchronized byte[] await(long waitNanos) {
      long deadline = System.nanoTime() + waitNanos;
      while (compressed == null && !abandoned) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return null;
        }
        try {
          wait(left / 1_000_000, (int) (left % 1_000_000));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return null;
        }
      }
      return compressed;
    }
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
