package io.portfoliostate.live;

import io.portfoliostate.config.Settings.LiveSettings;
import io.portfoliostate.gateway.AccessControl;
import io.portfoliostate.security.PortfolioRole;
import io.portfoliostate.security.Principal;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.bridge.BridgeEventType;
import io.vertx.ext.bridge.PermittedOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.sockjs.BridgeEvent;
import io.vertx.ext.web.handler.sockjs.SockJSBridgeOptions;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandlerOptions;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SockJS event-bus bridge at {@code /eventbus} (docs/live-updates.md): Vert.x's bridge
 * parses the frames, keeps the permitted addresses (regexes, nothing inbound) and pings; this
 * class checks every registration against the caller's entitlements and hands it to the node's
 * {@link LiveHub}, which writes the messages itself (the bridge would write without looking at
 * the socket's write queue, and once per socket instead of once per node).
 *
 * <p>The caller is authenticated before the bridge sees the request (the route's guard, with
 * the credential in {@code access_token} or a header); its principal is the one of the request
 * that opened the socket.
 *
 * <p>Entitlements can change while a socket is open. Every second the bridge looks whether the
 * node's security version moved (a key, grant or parent link changed); if it did, each socket's
 * credential and registrations are checked again: a socket whose API key was revoked or expired
 * is closed ({@value LiveSocket#CREDENTIAL_REVOKED}), and a registration on a portfolio its
 * caller may no longer read is dropped with an {@code access_revoked} error frame.
 */
public final class LiveBridge {

  private static final Logger LOG = LoggerFactory.getLogger(LiveBridge.class);

  private final LiveHub hub;
  private final AccessControl access;
  private final LiveSettings settings;
  private final Map<SockJSSocket, LiveSocket> sockets = new ConcurrentHashMap<>();
  /** The messages the node's sockets were sent lately, compressed: each is deflated once per node. */
  private final SharedDeflateEncoder.Shared deflated = new SharedDeflateEncoder.Shared();
  private static final long RECHECK_EVERY_MS = 1_000;
  /** The security version the open sockets were last checked against. */
  private long checkedVersion;

  public LiveBridge(Vertx vertx, LiveHub hub, AccessControl access, LiveSettings settings) {
    this.hub = hub;
    this.access = access;
    this.settings = settings;
    this.checkedVersion = access.securityVersion();
    // Cancelled when the node's Vert.x closes.
    vertx.setPeriodic(RECHECK_EVERY_MS, id -> recheckIfSecurityChanged());
  }

  private void recheckIfSecurityChanged() {
    long version = access.securityVersion();
    if (version == checkedVersion) {
      return;
    }
    checkedVersion = version;
    for (LiveSocket live : sockets.values()) {
      live.context.runOnContext(v -> recheck(live));
    }
  }

  /** On the socket's context: closes it if its credential is gone, drops what it may no longer read. */
  private void recheck(LiveSocket live) {
    if (live.isClosed()) {
      return;
    }
    if (!access.stillValid(live.principal)) {
      live.close(LiveSocket.CREDENTIAL_REVOKED, "credential revoked or expired");
      return;
    }
    for (String address : List.copyOf(live.portfolioAddresses)) {
      Target target = Target.of(address);
      access.roleOn(live.principal, target.portfolio(), PortfolioRole.READ).onSuccess(role -> {
        if ((role.isEmpty() || !role.get().includes(PortfolioRole.READ)) && live.portfolioAddresses.remove(address)) {
          hub.metrics().revoked.increment();
          hub.unsubscribe(live, address);
          live.error(address, "access_revoked", live.principal.name() + " may no longer read portfolio "
              + target.portfolio().value() + "; the registration is dropped");
        }
      });
    }
  }

  /** The node's access control, which the gateway's routes share with the bridge. */
  public AccessControl access() {
    return access;
  }

  /** Whether the HTTP server accepts permessage-deflate from bridge clients ({@code live.compression}). */
  public boolean compression() {
    return settings.compression();
  }

  /** The largest frame a client may send (the HTTP server's WebSocket frame and message limit). */
  public int maxFrameBytes() {
    return settings.maxFrameBytes();
  }

  /** The sub-router to mount at {@code /eventbus/*}. */
  public Router router(Vertx vertx) {
    SockJSHandlerOptions options = new SockJSHandlerOptions()
        // No session cookie: nothing here is sticky to a session, and no cookie means no CSRF surface.
        .setInsertJSESSIONID(false)
        .setRegisterWriteHandler(false);
    SockJSBridgeOptions bridge = new SockJSBridgeOptions()
        .addOutboundPermitted(new PermittedOptions().setAddressRegex(Target.UPDATES))
        .addOutboundPermitted(new PermittedOptions().setAddressRegex(Target.VALUATION))
        .addOutboundPermitted(new PermittedOptions().setAddressRegex(Target.ALERTS))
        .addOutboundPermitted(new PermittedOptions().setAddressRegex(Target.PRICES))
        // One more than ours, so that a client meets our refusal (with its address) first.
        .setMaxHandlersPerSocket(settings.maxRegistrations() + 1)
        .setMaxAddressLength(200);
    Router router = SockJSHandler.create(vertx, options).bridge(bridge, this::onEvent);
    // The polling transports (xhr_send and the like) read their frames from a body: bounded as a
    // WebSocket frame is, and read before SockJS's own routes.
    router.post().order(-1).handler(BodyHandler.create(false).setBodyLimit(settings.maxFrameBytes()));
    return router;
  }

  private void onEvent(BridgeEvent event) {
    BridgeEventType type = event.type();
    SockJSSocket socket = event.socket();
    switch (type) {
      case SOCKET_CREATED -> {
        Principal principal = socket.routingContext() == null ? null
            : socket.routingContext().get(AccessControl.PRINCIPAL);
        if (principal == null) {
          // Cannot happen behind the route's guard; refuse rather than serve someone unknown.
          event.complete(false);
          return;
        }
        LiveSocket live = new LiveSocket(socket, Vertx.currentContext(), principal, hub.metrics(),
            settings.maxQueuedPerSocket());
        sockets.put(socket, live);
        if (settings.compression() && settings.sharedCompression()) {
          // A WebSocket's handshake is done by now (its encoders are in place); a polling transport has none.
          SharedDeflate.install(socket.routingContext().request(),
              HttpServerOptions.DEFAULT_WEBSOCKET_COMPRESSION_LEVEL, deflated, hub.metrics());
        }
        event.complete(true);
        // After the bridge has set up the socket (it sets an exception handler that only logs).
        live.context.runOnContext(v -> socket.exceptionHandler(failure -> onFailure(live, failure)));
      }
      case REGISTER -> register(event, sockets.get(socket));
      case REGISTERED -> registered(event, sockets.get(socket));
      case UNREGISTER -> {
        LiveSocket live = sockets.get(socket);
        JsonObject raw = event.getRawMessage();
        if (live != null && raw != null && raw.getValue("address") instanceof String address) {
          live.registrations--;
          live.portfolioAddresses.remove(address);
          hub.unsubscribe(live, address);
        }
        event.complete(true);
      }
      case SOCKET_CLOSED -> {
        LiveSocket live = sockets.remove(socket);
        if (live != null) {
          live.markClosed();
          hub.closed(live);
        }
        event.complete(true);
      }
      case SEND, PUBLISH -> {
        // Nothing inbound: every write goes through the REST API.
        hub.metrics().refused.increment();
        event.complete(false);
      }
      default -> event.complete(true);
    }
  }

  /**
   * A failure on a socket. With permessage-deflate the frame-size limit applies to the frame as
   * sent (compressed); once inflated, a message over {@code maxFrameBytes} is refused by Vert.x
   * with an exception on the socket and the socket would stay open, so it is closed here as the
   * uncompressed case is (1009).
   */
  private void onFailure(LiveSocket live, Throwable failure) {
    if (failure instanceof IllegalStateException && failure.getMessage() != null
        && failure.getMessage().contains("max message size")) {
      hub.metrics().refused.increment();
      live.close(LiveSocket.MESSAGE_TOO_BIG, "message too big: more than " + settings.maxFrameBytes() + " bytes");
    } else if (!live.isClosed()) {
      LOG.debug("Bridge socket of {} failed: {}", live.principal.name(), failure.toString());
    }
  }

  private void register(BridgeEvent event, LiveSocket live) {
    JsonObject raw = event.getRawMessage();
    String address = raw == null || !(raw.getValue("address") instanceof String a) ? null : a;
    Target target = Target.of(address);
    if (live == null || address == null || target == null) {
      // Not ours: the bridge refuses it (access_denied) or reports the malformed frame.
      event.complete(true);
      return;
    }
    if (!live.countRegistration(settings.registrationsPerSecond())) {
      hub.metrics().refused.increment();
      event.complete(false);
      live.close(LiveSocket.REGISTRATION_FLOOD, "registration flood: more than " + settings.registrationsPerSecond()
          + " per second");
      return;
    }
    if (live.registrations >= settings.maxRegistrations()) {
      refuse(event, live, address, "too_many_registrations", "at most " + settings.maxRegistrations()
          + " registrations per socket");
      return;
    }
    Object from = raw.getJsonObject("headers") == null ? null : raw.getJsonObject("headers").getValue("fromVersion");
    if (from != null && (target.kind() != LiveHub.Kind.UPDATES || fromVersion(from) == null)) {
      refuse(event, live, address, "bad_request", target.kind() != LiveHub.Kind.UPDATES
          ? "fromVersion applies to portfolio.updates.<id> only" : "fromVersion must be a version: 0 or more");
      return;
    }
    if (target.portfolio() == null) {
      live.registrations++;
      event.complete(true);
      return;
    }
    access.roleOn(live.principal, target.portfolio(), PortfolioRole.READ).onComplete(role -> {
      if (role.succeeded() && role.result().isPresent() && role.result().get().includes(PortfolioRole.READ)) {
        live.registrations++;
        event.complete(true);
      } else if (role.failed()) {
        refuse(event, live, address, "unavailable", "the caller's entitlements could not be checked; register again");
      } else {
        // As the REST API answers 404 for both: a portfolio it may not read looks missing.
        refuse(event, live, address, "not_found", "no portfolio " + target.portfolio().value()
            + " (or not readable by " + live.principal.name() + ")");
      }
    });
  }

  private void refuse(BridgeEvent event, LiveSocket live, String address, String code, String message) {
    hub.metrics().refused.increment();
    live.error(address, code, message);
    event.complete(false);
  }

  private void registered(BridgeEvent event, LiveSocket live) {
    JsonObject raw = event.getRawMessage();
    Target target = raw == null ? null : Target.of(raw.getString("address"));
    if (live != null && target != null) {
      String address = raw.getString("address");
      if (target.portfolio() == null) {
        hub.subscribePrices(live, address, target.instrumentId());
      } else {
        JsonObject headers = raw.getJsonObject("headers");
        Long from = headers == null ? null : fromVersion(headers.getValue("fromVersion"));
        live.portfolioAddresses.add(address);
        hub.subscribe(live, address, target.kind(), target.portfolio(), from);
      }
    }
    event.complete(true);
  }

  /** A version from a header: a number or a decimal string, 0 or more; null when it is neither. */
  static Long fromVersion(Object value) {
    if (value instanceof Number number && number.doubleValue() == number.longValue() && number.longValue() >= 0) {
      return number.longValue();
    }
    if (value instanceof String text && text.matches("[0-9]{1,18}")) {
      return Long.parseLong(text);
    }
    return null;
  }
}
