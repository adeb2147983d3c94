package io.portfoliostate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.micrometer.core.instrument.Counter;
import io.portfoliostate.fixtures.BothTransports;
import io.portfoliostate.fixtures.RawHttp;
import io.portfoliostate.fixtures.RawHttp2;
import io.portfoliostate.fixtures.RunningNode;
import io.portfoliostate.fixtures.TestKeys;
import io.vertx.core.json.JsonObject;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

/**
 * A client that sends the head of a POST with a body (a valid key, a {@code content-length}),
 * stalls before the body, then goes away: the node logs that the client left, at INFO with the
 * request's id, counts it ({@code pstate.http.bodies.abandoned}), and logs nothing at ERROR (what
 * operations staff are paged on). Before, the body handler's {@code HttpClosedException}
 * ("Stream was closed", "Connection was closed"), or {@code StreamResetException} ("Stream
 * reset: 8") for a cancelled stream, went the 500 path: "Internal error ref=..." at ERROR, from
 * Problems. Over HTTP/2
 * (h2c, {@link RawHttp2}) and HTTP/1.1 ({@link RawHttp}), on both transports.
 */
@EnabledOnOs(value = OS.LINUX, architectures = "amd64")
class ClientGoneLogTest {

  /** The body the client declares and never sends. */
  private static final int DECLARED_BYTES = 1_000;
  /** RST_STREAM's error code for a client that no longer wants the stream (RFC 9113 §7). */
  private static final long CANCEL = 0x8;
  /** How long the node has to notice the client's going: the loopback close arrives at once. */
  private static final long NOTICE_MS = 5_000;

  @RegisterExtension
  static final BothTransports NODES = new BothTransports(new JsonObject());

  private final ListAppender<ILoggingEvent> log = new ListAppender<>();
  private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);

  @BeforeEach
  void captureTheLog() {
    log.start();
    root.addAppender(log);
  }

  @AfterEach
  void stopCapturing() {
    root.detachAppender(log);
    log.stop();
  }

  @ParameterizedTest
  @ValueSource(strings = {"nio", "epoll"})
  void anHttp2ClientGoneBeforeItsBodyIsNoError(String transport) throws Exception {
    RunningNode node = NODES.on(transport);
    String requestId = "cgl-h2-" + transport;
    double before = abandoned(node);
    try (RawHttp2 h2 = RawHttp2.connect(node.node().httpPort())) {
      stalledPost(h2, requestId);
      // A later stream of the same connection answered: the node has taken the stalled one's head.
      assertThat(h2.exchange("GET", "/health/live", 0, 3_000).status()).isEqualTo(200);
    }
    assertTheClientsGoingIsNoError(requestId);
    assertThat(abandoned(node) - before).as("requests counted as abandoned by their client").isEqualTo(1.0);
  }

  /** A client that cancels its stream (RST_STREAM {@code CANCEL}) and keeps its connection. */
  @ParameterizedTest
  @ValueSource(strings = {"nio", "epoll"})
  void anHttp2StreamCancelledBeforeItsBodyIsNoError(String transport) throws Exception {
    RunningNode node = NODES.on(transport);
    String requestId = "cgl-h2-cancel-" + transport;
    double before = abandoned(node);
    try (RawHttp2 h2 = RawHttp2.connect(node.node().httpPort())) {
      int stream = stalledPost(h2, requestId);
      assertThat(h2.exchange("GET", "/health/live", 0, 3_000).status()).isEqualTo(200);
      h2.resetStream(stream, CANCEL);
      // The connection goes on after the cancel.
      assertThat(h2.exchange("GET", "/health/live", 0, 3_000).status()).isEqualTo(200);
      assertTheClientsGoingIsNoError(requestId);
    }
    assertThat(abandoned(node) - before).as("requests counted as abandoned by their client").isEqualTo(1.0);
  }

  @ParameterizedTest
  @ValueSource(strings = {"nio", "epoll"})
  void anHttp1ClientGoneBeforeItsBodyIsNoError(String transport) throws Exception {
    RunningNode node = NODES.on(transport);
    String requestId = "cgl-h1-" + transport;
    double before = abandoned(node);
    try (Socket socket = RawHttp.open(node.node().httpPort(), "POST", "/api/v1/portfolios/cgl-none/trades",
        "Authorization: Bearer " + TestKeys.ADMIN, "Content-Type: application/json",
        "Content-Length: " + DECLARED_BYTES, "X-Request-Id: " + requestId)) {
      // The first bytes of the body, then nothing: the node is reading the body when the client goes.
      socket.getOutputStream().write("{\"instrument\"".getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      // Closed at once: on one socket, the node reads the head and those bytes before the close.
    }
    assertTheClientsGoingIsNoError(requestId);
    assertThat(abandoned(node) - before).as("requests counted as abandoned by their client").isEqualTo(1.0);
  }

  /** Opens a stream for a POST that declares a body and sends none of it; returns the stream's id. */
  private static int stalledPost(RawHttp2 h2, String requestId) throws java.io.IOException {
    return h2.openStream("POST", "/api/v1/portfolios/cgl-none/trades",
        "authorization: Bearer " + TestKeys.ADMIN, "content-type: application/json",
        "content-length: " + DECLARED_BYTES, "x-request-id: " + requestId);
  }

  /** Waits for the node's line about {@code requestId}'s client going (or any ERROR), then checks both. */
  private void assertTheClientsGoingIsNoError(String requestId) throws InterruptedException {
    waitFor(() -> !errors().isEmpty() || !goneLines(requestId).isEmpty());
    assertThat(errors()).as("ERROR lines logged while the client went away").isEmpty();
    assertThat(goneLines(requestId)).as("the node's line about the client gone, with the request's id")
        .singleElement().extracting(ILoggingEvent::getLevel).isEqualTo(Level.INFO);
  }

  private List<String> errors() {
    return snapshot().stream().filter(event -> event.getLevel() == Level.ERROR)
        .map(event -> event.getLoggerName() + " - " + event.getFormattedMessage()
            + (event.getThrowableProxy() == null ? "" : " " + event.getThrowableProxy().getClassName() + ": "
                + event.getThrowableProxy().getMessage()))
        .toList();
  }

  private List<ILoggingEvent> goneLines(String requestId) {
    return snapshot().stream().filter(event -> event.getLoggerName().equals(RefusedBodies.class.getName())
        && event.getFormattedMessage().contains(requestId)).toList();
  }

  private List<ILoggingEvent> snapshot() {
    synchronized (log) {
      return List.copyOf(log.list);
    }
  }

  /** The node's count of requests whose client went away before their body's end. */
  private static double abandoned(RunningNode node) {
    Counter abandoned = node.node().registry().find("pstate.http.bodies.abandoned").counter();
    return abandoned == null ? 0 : abandoned.count();
  }

  private static void waitFor(BooleanSupplier done) throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(NOTICE_MS);
    while (!done.getAsBoolean() && System.nanoTime() < until) {
      Thread.sleep(20);
    }
  }
}
