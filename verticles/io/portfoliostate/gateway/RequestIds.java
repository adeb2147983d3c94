package io.portfoliostate.gateway;

import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.util.UUID;

/**
 * The first handler of every {@code /api/*} request: gives the request an id, the client's own
 * {@code X-Request-Id} when it is usable (1 to 128 printable ASCII characters), else a new UUID.
 * The id is kept in the routing context under {@link #KEY} (the origin journaled with the
 * request's commands names it) and echoed in the response's {@code X-Request-Id}, on problems
 * too: a client, or an operator reading the journal, finds the request again by it.
 */
public final class RequestIds implements Handler<RoutingContext> {

  /** The request and response header. */
  public static final String HEADER = "X-Request-Id";
  /** Where the request's id is kept in the routing context. */
  public static final String KEY = "pstate.requestId";
  private static final int MAX_LENGTH = 128;

  @Override
  public void handle(RoutingContext ctx) {
    String given = ctx.request().getHeader(HEADER);
    String id = usable(given) ? given : UUID.randomUUID().toString();
    ctx.put(KEY, id);
    // Set before any handler answers, so that every answer (a problem included) carries it.
    ctx.response().putHeader(HEADER, id);
    ctx.next();
  }

  /** The request's id, or null outside {@code /api/*} (the handler did not run). */
  public static String of(RoutingContext ctx) {
    return ctx.get(KEY);
  }

  /**
   * Whether the client's id can be used as is: printable ASCII (space to tilde) only, so that it
   * cannot split a header or a log line, and short enough to store with every event.
   */
  static boolean usable(String id) {
    if (id == null || id.isEmpty() || id.length() > MAX_LENGTH) {
      return false;
    }
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      if (c < 0x20 || c > 0x7e) {
        return false;
      }
    }
    return true;
  }
}
