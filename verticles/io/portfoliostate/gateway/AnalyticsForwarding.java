package io.portfoliostate.gateway;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Locale;
import java.util.Set;

/**
 * How a node without an analytics store ({@code analytics.enabled=false}) answers the analytics
 * routes: it passes each request, once its own guard has admitted it, to the HTTP gateway of a
 * node that keeps a store, and streams that node's answer back as it comes (status, headers and
 * body as the store node wrote them). So a caller gets the same answer from any node, and the
 * store's feed and daily series need not share the cores of the nodes that serve live subscribers
 * (docs/analytics.md, "Node roles").
 *
 * <p>Which node: every store node consumes {@link #ADDRESS} on the clustered event bus and answers
 * with its HTTP address; Vert.x picks one consumer per request, round-robin, so the forwarded
 * requests spread over the store nodes, and one that stops (its consumer goes with it) is asked no
 * more. With no store node, the event bus fails the request at once (no handlers), and the caller
 * gets a 503 problem with Retry-After. The address is reached only over the clustered event bus:
 * the SockJS bridge permits other addresses only.
 *
 * <p>Security: the request goes on with the caller's own credential ({@code Authorization} or
 * {@code X-API-Key}), and the store node authenticates it and applies the route's rule again, as
 * for a request of its own; nothing this node concluded about the caller is passed on or trusted
 * there. The store node's gateway is a public port, so a principal passed along would be a header
 * anyone could forge. The cost: the credential is checked on both nodes. It is counted against
 * the caller's rate limit once: the store node answers {@link #ADDRESS} with a secret of its own
 * too, which goes on in {@link AccessControl#FORWARDED} when this node's guard took a token for
 * the request (a client's header of that name is dropped), and a request carrying it takes no
 * token there ({@code AccessControl.chargedByForwarder}). A request this node let go free is
 * charged by the store node's own limit.
 *
 * <p>Bounds: the body was read here within the route's limit (413 as on any route); the answer
 * is not buffered but piped to the caller with back-pressure; the connection must open within
 * {@link #CONNECT_MS} and the answer go quiet for no longer than the gateway's analytics deadline
 * (an analytics read may wait {@code analytics.minSeqWaitMs} on the store node, whose own 503
 * then comes back like any answer).
 */
public final class AnalyticsForwarding implements Handler<RoutingContext> {

  /** The clustered address store nodes answer with their HTTP address. */
  public static final String ADDRESS = "pstate.analytics.store-nodes";
  /** How long the store nodes' address may take to answer, and a connection to one to open. */
  static final long CONNECT_MS = 2_000;
  /**
   * Headers of one connection, not of the request (RFC 9110 7.6.1), and those the client sets
   * itself: the length of the body it sends, and the host it connects to. {@code Accept-Encoding}
   * too: the store node answers uncompressed, and this node compresses as for its own answers.
   * And {@link AccessControl#FORWARDED}: this node sets its own, a client's never goes on to the
   * store node, and the store node's (it sends none) never comes back in an answer.
   */
  private static final Set<String> NOT_PASSED = Set.of("connection", "keep-alive", "proxy-connection",
      "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade", "host",
      "content-length", "expect", "accept-encoding", AccessControl.FORWARDED.toLowerCase(Locale.ROOT));

  private final Vertx vertx;
  private final HttpClient client;
  private final long answerQuietMs;

  /** @param answerQuietMs how long the store node's answer may go without a byte: the gateway's analytics deadline */
  AnalyticsForwarding(Vertx vertx, long answerQuietMs) {
    this.vertx = vertx;
    this.answerQuietMs = answerQuietMs;
    this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true)
        .setConnectTimeout((int) CONNECT_MS), new PoolOptions().setHttp1MaxSize(8));
  }

  /**
   * Makes this node one that forwarded analytics requests may go to: answers {@link #ADDRESS}
   * with {@code host} and {@code port} of its HTTP gateway, and the {@code secret} that marks a
   * request as forwarded to {@code access} (already charged against its caller's rate limit).
   * Completes once the cluster knows it.
   */
  public static Future<MessageConsumer<Void>> advertise(Vertx vertx, String host, int port, AccessControl access) {
    JsonObject address = new JsonObject().put("host", host).put("port", port)
        .put("secret", access.forwardedSecret());
    MessageConsumer<Void> consumer = vertx.eventBus().consumer(ADDRESS, message -> message.reply(address));
    return consumer.completion().map(consumer);
  }

  @Override
  public void handle(RoutingContext ctx) {
    vertx.eventBus().<JsonObject>request(ADDRESS, null, new DeliveryOptions().setSendTimeout(CONNECT_MS))
        .onComplete(found -> {
          if (found.failed()) {
            Problems.send(ctx, Problems.unavailable(noStore(found.cause())));
          } else {
            JsonObject at = found.result().body();
            forward(ctx, at.getString("host"), at.getInteger("port"), at.getString("secret"));
          }
        });
  }

  private static String noStore(Throwable failure) {
    if (failure instanceof ReplyException reply && reply.failureType() == ReplyFailure.NO_HANDLERS) {
      return "no node of the cluster keeps an analytics store; retry when one has started";
    }
    return "the nodes that keep an analytics store did not answer in time; retry shortly";
  }

  private void forward(RoutingContext ctx, String host, int port, String secret) {
    if (ctx.response().ended()) {
      return;
    }
    RequestOptions options = new RequestOptions().setMethod(ctx.request().method()).setHost(host).setPort(port)
        .setURI(ctx.request().uri()).setConnectTimeout(CONNECT_MS).setIdleTimeout(answerQuietMs);
    MultiMap headers = options.getHeaders() == null ? MultiMap.caseInsensitiveMultiMap() : options.getHeaders();
    ctx.request().headers().forEach(header -> {
      if (!NOT_PASSED.contains(header.getKey().toLowerCase(Locale.ROOT))) {
        headers.add(header.getKey(), header.getValue());
      }
    });
    // The store node logs and echoes the request under the id this node gave it.
    if (RequestIds.of(ctx) != null) {
      headers.set(RequestIds.HEADER, RequestIds.of(ctx));
    }
    // The store node takes no token only for a request this node's guard took one for. One this
    // node let go free (its limit off, or the bootstrap admin key it spares) is the store node's
    // to charge by its own settings: else a caller would escape the store node's limit by calling
    // through a node that has none. (A store node that gave no secret charges every request.)
    if (secret != null && AccessControl.tookToken(ctx)) {
      headers.set(AccessControl.FORWARDED, secret);
    }
    options.setHeaders(headers);
    client.request(options)
        .compose(request -> ctx.body().available() && ctx.body().buffer() != null
            ? request.send(ctx.body().buffer()) : request.send())
        .onComplete(answered -> {
          if (answered.failed()) {
            Problems.send(ctx, Problems.unavailable("the node that keeps an analytics store could not be "
                + "reached, or did not answer in time; retry shortly"));
          } else {
            relay(ctx, answered.result());
          }
        });
  }

  /** Streams the store node's answer to the caller, status and headers first. */
  private static void relay(RoutingContext ctx, HttpClientResponse answer) {
    HttpServerResponse response = ctx.response();
    if (response.ended() || response.headWritten()) {
      // This node's deadline answered first: the late answer is not wanted.
      HttpClientRequest request = answer.request();
      request.reset();
      return;
    }
    response.setStatusCode(answer.statusCode());
    if (answer.statusMessage() != null) {
      response.setStatusMessage(answer.statusMessage());
    }
    for (String name : answer.headers().names()) {
      if (!NOT_PASSED.contains(name.toLowerCase(Locale.ROOT)) || name.equalsIgnoreCase("content-length")) {
        response.headers().set(name, answer.headers().getAll(name));
      }
    }
    if (!response.headers().contains("Content-Length")) {
      response.setChunked(true);
    }
    // The caller gone, or the answer cut: the store node stops sending (its connection is reset).
    answer.pipeTo(response).onFailure(failure -> answer.request().reset());
  }
}
