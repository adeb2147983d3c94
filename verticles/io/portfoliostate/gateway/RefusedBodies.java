package io.portfoliostate.gateway;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.RoutingContext;

/**
 * Answers to requests refused before their body was read (an import refused on its headers:
 * {@code 415}, {@code 400}, {@code 429}), and what becomes of the body the client is still
 * sending.
 *
 * <p>Closing a connection while bytes it received are still unread makes the kernel send a
 * reset instead of a normal close, and a reset can destroy the answer in the client's buffers
 * before the client reads it, or fail the client's send before it reads at all (on epoll it did,
 * issue 14). So, as HTTP servers do after an early answer (Tomcat's {@code maxSwallowSize}), the
 * answer goes with {@code Connection: close}, then the rest of the body is read and dropped, and
 * only at its end is the connection closed: an ordinary close, the answer safe. The read is
 * bounded ({@code http.refusedBodyDrainBytes}, {@code http.refusedBodyDrainMs}): a client that
 * goes on sending megabytes after it was refused, or stops half way, is closed at the limit, a
 * reset then being its own doing.
 */
final class RefusedBodies {

  private final Vertx vertx;
  private final long maxBytes;
  private final long maxMs;

  RefusedBodies(Vertx vertx, long maxBytes, long maxMs) {
    this.vertx = vertx;
    this.maxBytes = maxBytes;
    this.maxMs = maxMs;
  }

  /** Answers {@code problem} to a request whose body was not read, then drains the body and closes. */
  void refuse(RoutingContext ctx, Problems.Problem problem) {
    HttpServerRequest request = ctx.request();
    // Nothing of the body is read until the answer is on its way.
    request.pause();
    if (request.version() != HttpVersion.HTTP_2) {
      // HTTP/2 ends the stream alone: the connection and its other streams go on.
      ctx.response().putHeader("Connection", "close");
      ctx.response().endHandler(sent -> drainThenClose(request));
    }
    Problems.send(ctx, problem);
  }

  /** Reads and drops the rest of {@code request}'s body (up to the limits), then closes its connection. */
  private void drainThenClose(HttpServerRequest request) {
    HttpConnection connection = request.connection();
    if (request.isEnded()) {
      connection.close();
      return;
    }
    Drain drain = new Drain(connection);
    drain.timer = vertx.setTimer(maxMs, fired -> drain.close());
    request.exceptionHandler(failure -> drain.close());
    request.endHandler(end -> drain.close());
    request.handler(chunk -> {
      drain.read += chunk.length();
      if (drain.read > maxBytes) {
        drain.close();
      }
    });
    request.resume();
  }

  /** One body being drained, on its connection's event loop. */
  private final class Drain {
    private final HttpConnection connection;
    long read;
    long timer;
    private boolean closed;

    Drain(HttpConnection connection) {
      this.connection = connection;
    }

    void close() {
      if (!closed) {
        closed = true;
        vertx.cancelTimer(timer);
        connection.close();
      }
    }
  }
}
