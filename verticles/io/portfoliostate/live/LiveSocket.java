package io.portfoliostate.live;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.portfoliostate.security.Principal;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * One bridge socket as the live hub sees it: who is on it, and what is waiting for it. Touched
 * only on the socket's own context (the gateway event loop that accepted it): the hub hands
 * frames over with one task per context, never writes from its own thread.
 *
 * <p>The bridge writes to a socket without looking at its write queue; this class looks. While
 * the queue is full, changes and alerts wait in a bounded backlog (dropping one would break
 * the no-gap promise), a valuation replaces the one waiting for the same address (only the
 * latest value matters), and a socket that stays full longer than the configured time, or whose
 * backlog overflows, is closed with a reason (docs/live-updates.md, close codes).
 */
final class LiveSocket {

  /** WebSocket/SockJS close code of a slow consumer. */
  static final int SLOW_CONSUMER = 4000;
  /** Close code of a socket that registers too fast. */
  static final int REGISTRATION_FLOOD = 4001;
  /** Close code when the node stops. */
  static final int SHUTTING_DOWN = 4002;
  /** Close code when the socket's API key was revoked or expired while it was open. */
  static final int CREDENTIAL_REVOKED = 4003;
  /** WebSocket close code of a message over the size limit (RFC 6455). */
  static final int MESSAGE_TOO_BIG = 1009;

  /** The fixed parts of a bridge {@code rec} frame ({@link #frame}), as bytes. */
  private static final String EMPTY_HEADERS = "{}";
  private static final byte[] EMPTY_HEADER_BYTES = ascii(EMPTY_HEADERS);
  private static final byte[] REC_ADDRESS = ascii("{\"type\":\"rec\",\"address\":");
  private static final byte[] HEADERS = ascii(",\"headers\":");
  private static final byte[] BODY = ascii(",\"body\":");

  final SockJSSocket socket;
  final Context context;
  /**
   * The event loop the socket is on (made on it): the hub hands frames over once per event loop,
   * not once per socket, since every socket has a context of its own.
   */
  final Thread loop;
  final Principal principal;
  private final LiveMetrics metrics;
  private final int maxQueued;
  private final ArrayDeque<Buffer> backlog = new ArrayDeque<>();
  private final Map<String, Buffer> latestValuations = new LinkedHashMap<>();
  /** When (System.nanoTime) the write queue was first seen full without draining since; 0 if not. */
  private long fullSinceNanos;
  private boolean draining;
  private boolean closed;
  /** Registrations made in the current one-second window, and when it started. */
  private int registrationsInWindow;
  private long windowStartNanos;
  /** Registrations held now. */
  int registrations;
  /** The portfolio addresses registered, to check again when entitlements change (its context only). */
  final Set<String> portfolioAddresses = new HashSet<>();

  LiveSocket(SockJSSocket socket, Context context, Principal principal, LiveMetrics metrics, int maxQueued) {
    this.socket = socket;
    this.context = context;
    this.loop = Thread.currentThread();
    this.principal = principal;
    this.metrics = metrics;
    this.maxQueued = maxQueued;
  }

  /** Counts one registration; false when the socket made more than {@code perSecond} in the last second. */
  boolean countRegistration(int perSecond) {
    long now = System.nanoTime();
    if (now - windowStartNanos > 1_000_000_000L) {
      windowStartNanos = now;
      registrationsInWindow = 0;
    }
    return ++registrationsInWindow <= perSecond;
  }

  /**
   * A message that must arrive (a change, a snapshot, an alert, a price): written, or queued behind
   * the full queue.
   *
   * @return the write's completion when it was written now; null when it was queued or dropped
   */
  Future<Void> deliver(Buffer frame) {
    return deliver(frame, true);
  }

  /**
   * As {@link #deliver(Buffer)}; with {@code counted} false a write made now is not counted in
   * {@code pstate.live.sent}: the caller, writing one frame to many sockets of its event loop,
   * counts them in one update (one update of a counter the event loops share per socket was 3 %
   * of a busy node's CPU).
   */
  Future<Void> deliver(Buffer frame, boolean counted) {
    if (closed) {
      return null;
    }
    if (backlog.isEmpty() && !full()) {
      return write(frame, counted);
    }
    if (closed) {
      return null;
    }
    if (backlog.size() >= maxQueued) {
      metrics.dropped.increment(backlog.size() + 1 + latestValuations.size());
      close(SLOW_CONSUMER, "slow consumer: more than " + maxQueued + " messages waiting");
      return null;
    }
    backlog.add(frame);
    becameFull();
    return null;
  }

  /** A valuation: written, or kept as the latest for its address until the queue drains. */
  void offerValuation(String address, Buffer frame) {
    if (closed) {
      return;
    }
    if (backlog.isEmpty() && latestValuations.isEmpty() && !full()) {
      write(frame);
      return;
    }
    if (closed) {
      return;
    }
    if (latestValuations.put(address, frame) != null) {
      metrics.conflated.increment();
    }
    becameFull();
  }

  /** An error frame about one address: {@code {type: err, address, body, message}}. */
  void error(String address, String code, String message) {
    deliverFrame(new JsonObject().put("type", "err").put("address", address).put("body", code)
        .put("message", message));
  }

  private void deliverFrame(JsonObject frame) {
    if (!closed) {
      write(frame.toBuffer());
    }
  }

  /** Closes the socket when its queue has been full for longer than {@code timeoutNanos}. */
  void checkSlow(long now, long timeoutNanos, long timeoutMs) {
    if (!closed && fullSinceNanos != 0 && now - fullSinceNanos > timeoutNanos) {
      metrics.dropped.increment(backlog.size() + latestValuations.size());
      close(SLOW_CONSUMER, "slow consumer: write queue full for more than " + timeoutMs + " ms");
    }
  }

  void close(int code, String reason) {
    if (closed) {
      return;
    }
    closed = true;
    backlog.clear();
    latestValuations.clear();
    metrics.disconnects(switch (code) {
      case SLOW_CONSUMER -> "slow-consumer";
      case REGISTRATION_FLOOD -> "registration-flood";
      case CREDENTIAL_REVOKED -> "credential-revoked";
      case MESSAGE_TOO_BIG -> "message-too-big";
      default -> "shutdown";
    }).increment();
    socket.close(code, reason);
  }

  boolean isClosed() {
    return closed;
  }

  /** The socket is gone (closed by either side): nothing more is written. */
  void markClosed() {
    closed = true;
    backlog.clear();
    latestValuations.clear();
  }

  /**
   * Whether the socket's write queue is full. A socket the client just closed throws here
   * before the bridge reports it closed: it is closed for us from then on.
   */
  private boolean full() {
    try {
      return socket.writeQueueFull();
    } catch (IllegalStateException closedMeanwhile) {
      markClosed();
      return true;
    }
  }

  private void becameFull() {
    if (fullSinceNanos == 0) {
      fullSinceNanos = System.nanoTime();
    }
    if (!draining) {
      draining = true;
      try {
        socket.drainHandler(v -> drain());
      } catch (IllegalStateException closedMeanwhile) {
        // Closed by the client between the write and here, before the bridge reported it.
        markClosed();
      }
    }
  }

  private void drain() {
    draining = false;
    while (!closed && !backlog.isEmpty() && !full()) {
      write(backlog.poll());
    }
    if (backlog.isEmpty()) {
      var pending = latestValuations.values().iterator();
      while (!closed && pending.hasNext() && !full()) {
        write(pending.next());
        pending.remove();
      }
    }
    if (backlog.isEmpty() && latestValuations.isEmpty()) {
      fullSinceNanos = 0;
    } else if (!closed) {
      becameFull();
    }
  }

  private Future<Void> write(Buffer frame) {
    return write(frame, true);
  }

  private Future<Void> write(Buffer frame, boolean counted) {
    if (closed) {
      return null;
    }
    if (counted) {
      metrics.sent.increment();
    }
    return socket.write(frame);
  }

  /**
   * A bridge {@code rec} frame, as the event-bus bridge client expects it: encoded once per
   * message and written to every subscriber as is.
   */
  static Buffer frame(String address, JsonObject body) {
    return frame(address, body.encode());
  }

  /** A bridge {@code rec} frame around a body that is JSON text already. */
  static Buffer frame(String address, String body) {
    return frame(address, EMPTY_HEADERS, body);
  }

  /**
   * A bridge {@code rec} frame with headers and a body that are JSON text already: written as
   * bytes into a buffer of the frame's size. One text of the whole frame, its UTF-8 bytes and the
   * buffer's copy of them made three copies of every change (about 1 KB), and the address went
   * through Jackson each time; an address needs no escaping but in tests. The body's characters
   * are encoded straight into the buffer (Netty's UTF-8 writer), not into an array of their own
   * first: one copy of the body per change, the frame's.
   */
  static Buffer frame(String address, String headers, String body) {
    byte[] quotedAddress = quoted(address);
    boolean noHeaders = EMPTY_HEADERS.equals(headers);
    int headerBytes = noHeaders ? EMPTY_HEADER_BYTES.length : ByteBufUtil.utf8Bytes(headers);
    int bodyBytes = ByteBufUtil.utf8Bytes(body);
    int size = REC_ADDRESS.length + quotedAddress.length + HEADERS.length + headerBytes + BODY.length + bodyBytes + 1;
    ByteBuf frame = Unpooled.buffer(size, size);
    frame.writeBytes(REC_ADDRESS).writeBytes(quotedAddress).writeBytes(HEADERS);
    // Reserving the exact length: Netty's writeUtf8 alone reserves three bytes a character.
    if (noHeaders) {
      frame.writeBytes(EMPTY_HEADER_BYTES);
    } else {
      ByteBufUtil.reserveAndWriteUtf8(frame, headers, headerBytes);
    }
    frame.writeBytes(BODY);
    ByteBufUtil.reserveAndWriteUtf8(frame, body, bodyBytes);
    frame.writeByte('}');
    return BufferInternal.buffer(frame);
  }

  /** The address as a JSON string: in quotes as it is when no character needs escaping (every id does not), else as Jackson writes it. */
  private static byte[] quoted(String address) {
    int length = address.length();
    byte[] quoted = new byte[length + 2];
    quoted[0] = '"';
    for (int i = 0; i < length; i++) {
      char c = address.charAt(i);
      if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
        return io.vertx.core.json.Json.encode(address).getBytes(StandardCharsets.UTF_8);
      }
      quoted[i + 1] = (byte) c;
    }
    quoted[length + 1] = '"';
    return quoted;
  }

  private static byte[] ascii(String text) {
    return text.getBytes(StandardCharsets.US_ASCII);
  }
}
