package io.portfoliostate.gateway;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.StreamResetException;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What becomes of the body of a request answered before its body was read: a refusal by the
 * access guard ({@code 401}, {@code 403}, {@code 404}, {@code 429}), a body declared over the
 * limit ({@code 413}), an import refused on its headers ({@code 415}, {@code 400}, {@code 429}),
 * any problem sent while the body is still coming. {@link Problems#send} hands every answer here
 * first ({@link #beforeAnswer}); one instance per gateway is put in each request's context by the
 * router's first route ({@link #attach}).
 *
 * <p>Left alone, Vert.x reads such a body to its end and drops it, however long it is: a refused,
 * even unauthenticated, client could push any amount through a connection kept open for it.
 * Closing at once is no better: closing a connection while bytes it received are still unread
 * makes the kernel send a reset instead of a normal close, and a reset can destroy the answer in
 * the client's buffers before the client reads it, or fail the client's send before it reads at
 * all (on epoll it did, issue 14). So, as HTTP servers do after an early answer (Tomcat's
 * {@code maxSwallowSize}), the answer goes with {@code Connection: close}, then the rest of the
 * body is read and dropped, and only at its end is the connection closed: an ordinary close, the
 * answer safe. The read is bounded ({@code http.refusedBodyDrainBytes},
 * {@code http.refusedBodyDrainMs}): a client that goes on sending megabytes after it was refused,
 * or stops half way, is closed at the limit, a reset then being its own doing.
 *
 * <p>A request with no body, or whose body was read whole (a handler's refusal after the body
 * handler), is answered as any other: its keep-alive connection stays open.
 *
 * <p>HTTP/2 (h2c, which Vert.x accepts by default) needs neither the drain nor the close: a
 * stream's body comes only as far as the server opens the stream's flow-control window, so the
 * paused body, never read, leaves the client at most that window (65,535 bytes) to send, and
 * closing the connection would end its other streams too. Left as it was, though, the refused
 * stream never ended: the client waited on a window that never opened, and the bytes it had sent,
 * unread, kept the connection's window spent, so no other stream of the connection could send a
 * body either. So, once the answer is out whole ({@link #afterAnswer}), the stream is reset with
 * {@code NO_ERROR}, which RFC 9113 §8.1 provides for exactly this: a complete response sent
 * before the request's body, the client asked to stop sending it without error (and not to
 * discard the response). The reset closes the stream; its unread bytes go back to the
 * connection's window, and the connection and its other streams go on. The exception: the first
 * request of an h2c upgrade ({@code Upgrade: h2c} on HTTP/1.1) sends its body framed as HTTP/1.1,
 * outside flow control, to its end. Its stream closes with the answer (Netty counts an upgrade's
 * stream as half-closed by the client from the start) and Vert.x would read the rest of the body
 * to its end, dropping it, with no handler of the stream seeing those bytes: so they are counted
 * where Vert.x's upgrade handler reads them, and that body is drained and its connection closed
 * as HTTP/1.1's ({@link #drainUpgradeThenClose}).
 *
 * <p>A body can also stop coming because its client went away: the connection (or, over HTTP/2,
 * the stream) closed before the body's end, or the client reset its HTTP/2 stream (a cancelled
 * request), the body handler failing the request with Vert.x's {@link HttpClosedException} or
 * {@link StreamResetException}. That is no fault of the node and nothing can be answered, so
 * {@link #clientGone} counts it and logs it at INFO, instead of the 500 path's ERROR.
 */
final class RefusedBodies {

  /** The key of the gateway's instance in a request's context. */
  private static final String KEY = "refusedBodies";
  /** Marks a request whose body waits, paused, for its answer to go out. */
  private static final String DRAINING = "refusedBodyDraining";
  /** RST_STREAM's error code for "stop sending, nothing went wrong" (RFC 9113 §7). */
  private static final long NO_ERROR = 0;
  private static final Logger LOG = LoggerFactory.getLogger(RefusedBodies.class);

  private final Vertx vertx;
  private final long maxBytes;
  private final long maxMs;
  private final Counter bodyEnded;
  private final Counter byteLimit;
  private final Counter timeLimit;
  private final Counter connectionLost;
  private final Counter streamReset;
  private final Counter dropped;
  private final Counter bodiesAbandoned;

  RefusedBodies(Vertx vertx, long maxBytes, long maxMs, MeterRegistry registry) {
    this.vertx = vertx;
    this.maxBytes = maxBytes;
    this.maxMs = maxMs;
    this.bodyEnded = drains(registry, "body-end");
    this.byteLimit = drains(registry, "byte-limit");
    this.timeLimit = drains(registry, "time-limit");
    this.connectionLost = drains(registry, "connection-lost");
    this.streamReset = drains(registry, "stream-reset");
    this.dropped = Counter.builder("pstate.http.refused.body.bytes").baseUnit("bytes")
        .description("Bytes of refused requests' bodies read and dropped after the answer").register(registry);
    this.bodiesAbandoned = Counter.builder("pstate.http.bodies.abandoned")
        .description("Requests whose client went away (connection or stream closed) before their body's end")
        .register(registry);
  }

  private static Counter drains(MeterRegistry registry, String end) {
    return Counter.builder("pstate.http.refused.bodies").tag("end", end)
        .description("Bodies drained after an answer sent before they were read, by how the drain ended")
        .register(registry);
  }

  /** The router's first handler: makes this instance the one {@link #beforeAnswer} finds. */
  void attach(RoutingContext ctx) {
    ctx.put(KEY, this);
    ctx.next();
  }

  /**
   * Called with every answer about to be sent: when the request's body is still to come, stops
   * reading it until the answer is on its way and arranges the bounded drain and the close.
   */
  static void beforeAnswer(RoutingContext ctx) {
    RefusedBodies bodies = ctx.get(KEY);
    if (bodies != null && bodyPending(ctx.request())) {
      bodies.closeAfterAnswer(ctx);
    }
  }

  /**
   * Called with every failure of a request before the gateway answers it: whether the failure is
   * the client's going away before the request's body ended (the connection, or the HTTP/2
   * stream, closed while the body handler waited for the rest, or the stream reset by the
   * client). Such a request is counted and logged at INFO with its id, and is not answered:
   * there is nobody left to answer. Paging operations staff (the 500 path logs at ERROR) because
   * a client stalled and left would train them to ignore the page. Only the request's own
   * closing qualifies: a body that had arrived whole means the closed connection was another's
   * (a forwarded request's, say), a real failure that goes the 500 path as before.
   */
  static boolean clientGone(RoutingContext ctx) {
    RefusedBodies bodies = ctx.get(KEY);
    Throwable failure = ctx.failure();
    // Vert.x marks a stream the client reset as ended before the body handler fails the request
    // (its response not yet closed): over HTTP/2 the reset is the request's own. The gateway's
    // clients of other servers (AnalyticsForwarding, the OIDC keys) speak HTTP/1.1, so no
    // StreamResetException of theirs can be taken for it.
    boolean cancelled = failure instanceof StreamResetException && ctx.request().version() == HttpVersion.HTTP_2;
    boolean closedBeforeBody = failure instanceof HttpClosedException && !ctx.request().isEnded();
    if (bodies == null || !(cancelled || closedBeforeBody)) {
      return false;
    }
    bodies.bodiesAbandoned.increment();
    LOG.info("Client gone before the body of {} {} ended (request {}): {}", ctx.request().method(),
        ctx.request().path(), RequestIds.of(ctx), failure.getMessage());
    return true;
  }

  /**
   * Whether some of the request's body is still to be read. A request without a body is not
   * always marked ended when the router runs (its end comes just after its head), hence the
   * headers: HTTP/1.x has a body only with a Content-Length above 0 or a Transfer-Encoding.
   */
  private static boolean bodyPending(HttpServerRequest request) {
    if (request.isEnded()) {
      return false;
    }
    if (request.version() == HttpVersion.HTTP_2) {
      return true;
    }
    if (request.headers().contains("Transfer-Encoding")) {
      return true;
    }
    String length = request.getHeader("Content-Length");
    try {
      return length != null && Long.parseLong(length.trim()) > 0;
    } catch (NumberFormatException malformed) {
      return false; // refused by the HTTP decoder before any route
    }
  }

  private void closeAfterAnswer(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    // Nothing of the body is read until the answer is on its way.
    request.pause();
    ctx.put(DRAINING, Boolean.TRUE);
    // HTTP/2 resets the stream alone once the answer is out (afterAnswer): the connection and
    // its other streams go on.
    if (request.version() != HttpVersion.HTTP_2) {
      ctx.response().putHeader("Connection", "close");
      // Through the context's end handlers: the response has a single end handler, which the
      // context's (an import's place, given back at the end) would otherwise lose.
      ctx.addEndHandler(sent -> {
        if (sent.succeeded()) {
          drainThenClose(request);
        } else {
          connectionLost.increment();
          request.connection().close();
        }
      });
    }
  }

  /**
   * Called with the write of every answer {@link #beforeAnswer} saw: over HTTP/2, when the body
   * was still to come, resets the stream with {@code NO_ERROR} once the answer is written whole.
   * After the write, not at the response's end: a reset sent while the answer still waited for
   * the client's window would cancel the answer. The first request of an h2c upgrade, whose
   * HTTP/1.1 body is still coming, has its body drained instead ({@link #drainUpgradeThenClose}).
   */
  static void afterAnswer(RoutingContext ctx, Future<Void> written) {
    RefusedBodies bodies = ctx.get(KEY);
    if (bodies != null && draining(ctx) && ctx.request().version() == HttpVersion.HTTP_2) {
      written.onComplete(sent -> {
        if (sent.succeeded() && upgradeBodyComing(ctx.request())) {
          bodies.drainUpgradeThenClose(ctx.request());
        } else {
          bodies.resetStream(ctx.request(), sent.succeeded());
        }
      });
    }
  }

  /**
   * Whether {@code request} is the first of an h2c upgrade whose HTTP/1.1 body is still coming:
   * Vert.x's upgrade handler, {@code "h2c"} in the connection's pipeline, turns that body's pieces
   * into the stream's data and leaves only at the body's end (Vert.x 5's Http1xUpgradeToH2CHandler).
   */
  private static boolean upgradeBodyComing(HttpServerRequest request) {
    return request.connection() instanceof ConnectionBase connection
        && connection.channel().pipeline().get("h2c") != null;
  }

  /**
   * The rest of an h2c upgrade's HTTP/1.1 body, its stream closed with the answer: counted as
   * Vert.x's upgrade handler reads it (a handler just before it, on the connection's event loop,
   * as the drain's timer), then the connection closed as {@link #drainThenClose} does.
   */
  private void drainUpgradeThenClose(HttpServerRequest request) {
    Drain drain = new Drain(request.connection());
    drain.timer = vertx.setTimer(maxMs, fired -> drain.close(timeLimit));
    ((ConnectionBase) request.connection()).channel().pipeline().addBefore("h2c", null,
        new ChannelInboundHandlerAdapter() {
          @Override
          public void channelRead(ChannelHandlerContext ctx, Object message) {
            if (message instanceof HttpContent piece) {
              drain.took(piece.content().readableBytes());
              if (message instanceof LastHttpContent) {
                drain.close(bodyEnded);
              }
            }
            ctx.fireChannelRead(message);
          }
        });
  }

  private void resetStream(HttpServerRequest request, boolean answered) {
    if (!answered) {
      // The stream (reset by the client) or its connection was gone before the answer went out.
      connectionLost.increment();
      return;
    }
    request.response().reset(NO_ERROR).onSuccess(reset -> streamReset.increment());
    // Refused (by Vert.x) when the client's body had all arrived meanwhile: both sides ended, the
    // stream is closed already, nothing to stop. So is a request without a body: its end came
    // with its head, taken before the answer's write completes (Vert.x flushes after a read).
  }

  /** Reads and drops the rest of {@code request}'s body (up to the limits), then closes its connection. */
  private void drainThenClose(HttpServerRequest request) {
    HttpConnection connection = request.connection();
    if (request.isEnded()) {
      bodyEnded.increment();
      connection.close();
      return;
    }
    Drain drain = new Drain(connection);
    drain.timer = vertx.setTimer(maxMs, fired -> drain.close(timeLimit));
    request.exceptionHandler(failure -> drain.close(connectionLost));
    request.endHandler(end -> drain.close(bodyEnded));
    request.handler(chunk -> drain.took(chunk.length()));
    request.resume();
  }

  /** Whether {@code ctx}'s request is being drained: it must stay paused until its answer is out. */
  static boolean draining(RoutingContext ctx) {
    return ctx.get(DRAINING) != null;
  }

  /** One body being drained, on its connection's event loop. */
  private final class Drain {
    private final HttpConnection connection;
    private long read;
    long timer;
    private boolean closed;

    Drain(HttpConnection connection) {
      this.connection = connection;
    }

    /**
     * Counts {@code bytes} more of the body read and dropped, and closes past the byte limit.
     * Pieces the connection had taken off the socket with the one that passed the limit still
     * come through after the close: dropped, not counted (the drain read no more).
     */
    void took(long bytes) {
      if (!closed) {
        read += bytes;
        dropped.increment(bytes);
        if (read > maxBytes) {
          close(byteLimit);
        }
      }
    }

    void close(Counter end) {
      if (!closed) {
        closed = true;
        end.increment();
        vertx.cancelTimer(timer);
        connection.close();
      }
    }
  }
}
