package io.portfoliostate.live;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts a {@link SharedDeflateEncoder} in place of Netty's permessage-deflate encoder on a bridge
 * WebSocket, once its handshake is done.
 *
 * <p>Vert.x does not let an application choose the encoder, so this reaches the connection's
 * Netty pipeline through Vert.x's connection class ({@code ConnectionBase.channel()}, public but
 * not API). Whatever does not look as expected — another connection class, no deflate encoder
 * (the client did not ask for compression, or a polling transport), a client that limits the
 * server's window below the 32 KB the JDK's deflater always uses — leaves the socket as it is:
 * Netty's encoder then compresses it, correctly, only at its per-socket cost.
 */
public final class SharedDeflate {

  private static final Logger LOG = LoggerFactory.getLogger(SharedDeflate.class);
  /** The name Netty gives its encoder in the pipeline (its class name; the class is not public). */
  private static final String NETTY_ENCODER =
      "io.netty.handler.codec.http.websocketx.extensions.compression.PerMessageDeflateEncoder";
  private static final Pattern SERVER_WINDOW = Pattern.compile("server_max_window_bits\\s*=\\s*\"?(\\d+)");
  /** The JDK's deflater always uses the largest window (2^15 bytes). */
  private static final int JDK_WINDOW_BITS = 15;
  private static volatile boolean warned;
  /** The recent messages of the sockets installed outside the bridge (one server per JVM: the bench's floor). */
  private static final SharedDeflateEncoder.Shared OUTSIDE_THE_BRIDGE = new SharedDeflateEncoder.Shared();

  private SharedDeflate() {
  }

  /**
   * As the bridge installs it, at the default level, counted nowhere: for a WebSocket served
   * outside the bridge that must compress as the bridge does (the floor of {@code LiveBench}, a
   * bare server measured in the same run as the bridge). Every socket installed so shares one
   * set of recent messages, as a node's bridge sockets do.
   */
  public static boolean install(HttpServerRequest request) {
    return install(request, io.vertx.core.http.HttpServerOptions.DEFAULT_WEBSOCKET_COMPRESSION_LEVEL,
        OUTSIDE_THE_BRIDGE, new SharedDeflateEncoder.Counters() {
          @Override
          public void deflated() {
          }

          @Override
          public void reused() {
          }
        });
  }

  /**
   * Replaces the deflate encoder of the WebSocket that {@code request} opened, if it has one;
   * true when it did. {@code shared}: the recent messages of the node's sockets, whichever event
   * loop they are on.
   */
  static boolean install(HttpServerRequest request, int level, SharedDeflateEncoder.Shared shared,
      SharedDeflateEncoder.Counters counters) {
    if (request == null || !windowAllowed(request.headers().get("Sec-WebSocket-Extensions"))) {
      return false;
    }
    Channel channel = channel(request.connection());
    if (channel == null) {
      return false;
    }
    ChannelPipeline pipeline = channel.pipeline();
    ChannelHandler netty = pipeline.get(NETTY_ENCODER);
    if (netty == null) {
      return false;
    }
    pipeline.replace(netty, "pstate-shared-deflate", new SharedDeflateEncoder(level, counters, shared));
    return true;
  }

  /**
   * Whether the client's offer lets the server compress with a 32 KB window: it does unless it
   * names a smaller {@code server_max_window_bits} (browsers do not).
   */
  static boolean windowAllowed(String offer) {
    if (offer == null) {
      return true;
    }
    Matcher bits = SERVER_WINDOW.matcher(offer);
    while (bits.find()) {
      if (Integer.parseInt(bits.group(1)) < JDK_WINDOW_BITS) {
        return false;
      }
    }
    return true;
  }

  private static Channel channel(HttpConnection connection) {
    if (connection instanceof io.vertx.core.net.impl.ConnectionBase base) {
      return base.channel();
    }
    if (!warned) {
      warned = true;
      LOG.warn("Bridge sockets keep Netty's per-socket compression: unexpected connection class {}",
          connection == null ? null : connection.getClass().getName());
    }
    return null;
  }
}
