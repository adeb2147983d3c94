package io.portfoliostate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.fixtures.BothTransports;
import io.portfoliostate.fixtures.RawHttp;
import io.portfoliostate.fixtures.RawHttp2;
import io.portfoliostate.fixtures.RunningNode;
import io.portfoliostate.fixtures.TestKeys;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonObject;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A request refused before its body was read, over HTTP/2 in clear text (h2c with prior
 * knowledge, which the node accepts as Vert.x does by default), seen frame by frame
 * ({@link RawHttp2}); each client means to send 5 MB. The answer arrives whole, then the node
 * resets the stream with {@code NO_ERROR} (RFC 9113 §8.1) without ever opening its window: the
 * client could send no more than the stream's first window (65,535 bytes) past what the node had
 * read before the answer. The connection is neither closed nor stalled: the next stream on it
 * sends a body and is answered. Before, the stream was never ended, the client waited on its
 * window for ever, and the bytes it had sent, never read, kept the connection's window spent: no
 * other stream of the connection could send a byte of a body. On both transports, as
 * RefusedBodyDrainTest, whose HTTP/1.1 cases these are.
 */
@EnabledOnOs(value = OS.LINUX, architectures = "amd64")
class RefusedBodyHttp2Test {

  private static final int BODY_BYTES = 5_000_000;
  /** How long a client waits for a frame before it counts itself left waiting. */
  private static final int WAIT_MS = 3_000;
  /** {@code http.maxBodyBytes}, the test default. */
  private static final int MAX_BODY_BYTES = 1 << 20;
  /** {@code http.refusedBodyDrainBytes}, the default. */
  private static final int DRAIN_BYTES = 1 << 20;
  /** The most an HTTP/1.1 body's piece holds (Vert.x's decoder's chunks): a drain's last overshoot. */
  private static final int HTTP1_PIECE_BYTES = 8192;
  /** HTTP2-Settings of an upgrade: SETTINGS_INITIAL_WINDOW_SIZE 65,535, base64url. */
  private static final String UPGRADE_SETTINGS = "AAQAAP__";
  /** The largest DATA frame the client sends: the node reads a body by frames. */
  private static final int FRAME_BYTES = 16_384;

  @RegisterExtension
  static final BothTransports NODES = new BothTransports(new JsonObject());

  @ParameterizedTest
  @ValueSource(strings = {"nio", "epoll"})
  void anUnauthenticatedStreamIsAnsweredThenReset(String transport) throws Exception {
    RunningNode node = NODES.on(transport);
    RefusedBodyDrains before = RefusedBodyDrains.of(node);
    try (RawHttp2 h2 = RawHttp2.connect(node.node().httpPort())) {
      RawHttp2.Exchange refused = h2.exchange("POST", "/api/v1/portfolios/rbh-none/trades", BODY_BYTES, WAIT_MS,
          "content-type: application/json", "content-length: " + BODY_BYTES);
      assertAnsweredThenReset(refused, 401, "/problems/unauthenticated");
      assertThat(refused.header("www-authenticate")).isEqualTo("Bearer realm=\"portfolio-state\"");
      assertThat(refused.bodySent()).as("body bytes the node let in: the stream's first window, never reopened")
          .isEqualTo(RawHttp2.DEFAULT_WINDOW);
      assertTheConnectionGoesOn(h2, "rbh-after-401-" + transport);
    }
    assertReset(node, before);
  }

  @ParameterizedTest
  @ValueSource(strings = {"nio", "epoll"})
  void aBodyDeclaredOverTheLimitIsAnsweredOnItsHeadThenReset(String transport) throws Exception {
    RunningNode node = NODES.on(transport);
    RefusedBodyDrains before = RefusedBodyDrains.of(node);
    try (RawHttp2 h2 = RawHttp2.connect(node.node().httpPort())) {
      RawHttp2.Exchange refused = h2.exchange("POST", "/api/v1/portfolios/rbh-none/trades", BODY_BYTES, WAIT_MS,
          "authorization: Bearer " + TestKeys.ADMIN, "content-type: application/json",
          "content-length: " + BODY_BYTES);
      assertAnsweredThenReset(refused, 413, "/problems/body-too-large");
      assertThat(refused.json().getString("detail")).isEqualTo("the body exceeds 1048576 bytes");
      assertThat(refused.bodySent()).as("body bytes the node let in").isEqualTo(RawHttp2.DEFAULT_WINDOW);
      assertTheConnectionGoesOn(h2, "rbh-after-413-" + transport);
    }
    assertReset(node, before);
  }

  /**
   * A body of no declared length (HTTP/2 needs none) is read up to {@code http.maxBodyBytes},
   * then answered {@code 413}; past the answer, the client sends no more than the window it had.
   */
  @ParameterizedTest
  @ValueSource(strings = {"nio", "epoll"})
  void aBodyFoundOverTheLimitIsCutOffAtItsWindow(String transport) throws Exception {
    RunningNode node = NODES.on(transport);
    RefusedBodyDrains before = RefusedBodyDrains.of(node);
    try (RawHttp2 h2 = RawHttp2.connect(node.node().httpPort())) {
      RawHttp2.Exchange refused = h2.exchange("POST", "/api/v1/portfolios/rbh-none/trades", BODY_BYTES, WAIT_MS,
          "authorization: Bearer " + TestKeys.ADMIN, "content-type: application/json");
      assertAnsweredThenReset(refused, 413, "/problems/body-too-large");
      // The node reopens the window as it reads, up to the limit and at most one frame more.
      assertThat(refused.streamWindowOpened()).as("window the node reopened while it read the body")
          .isGreaterThan(MAX_BODY_BYTES - RawHttp2.DEFAULT_WINDOW).isLessThanOrEqualTo(MAX_BODY_BYTES + FRAME_BYTES);
      assertThat(refused.bodySent()).as("body bytes the node let in: what it read, and the window it did not reopen")
          .isEqualTo(refused.streamWindowOpened() + RawHttp2.DEFAULT_WINDOW);
      assertTheConnectionGoesOn(h2, "rbh-after-found-413-" + transport);
    }
    assertReset(node, before);
  }

  /**
   * A client that reads slowly: its streams' window for the node's DATA is closed, so the
   * answer's head goes out and its body waits. The stream is reset only once the answer is
   * written whole: a reset before would cancel the answer's body.
   */
  @ParameterizedTest
  @ValueSource(strings = {"nio", "epoll"})
  void aSlowReaderGetsTheWholeAnswerBeforeTheReset(String transport) throws Exception {
    RunningNode node = NODES.on(transport);
    RefusedBodyDrains before = RefusedBodyDrains.of(node);
    try (RawHttp2 h2 = RawHttp2.connect(node.node().httpPort(), 0)) {
      RawHttp2.Exchange waiting = h2.exchange("POST", "/api/v1/portfolios/rbh-none/trades", BODY_BYTES, WAIT_MS,
          "content-type: application/json", "content-length: " + BODY_BYTES);
      assertThat(waiting.status()).isEqualTo(401);
      assertThat(waiting.answerEnded()).as("the answer's body, sent with a closed window").isFalse();
      assertThat(waiting.reset()).as("reset while the answer waits").isNull();
      assertThat(waiting.stalled()).isTrue();

      h2.openWindow(waiting.stream(), RawHttp2.DEFAULT_WINDOW);
      RawHttp2.Exchange refused = h2.resume(waiting.stream(), WAIT_MS);
      assertAnsweredThenReset(refused, 401, "/problems/unauthenticated");
      assertThat(refused.bodySent()).as("body bytes the node let in").isEqualTo(RawHttp2.DEFAULT_WINDOW);
    }
    assertReset(node, before);
  }

  /**
   * The first request of an h2c upgrade sends its body as HTTP/1.1, outside HTTP/2's flow
   * control, to its end: the answer comes as HTTP/2 after the {@code 101}, then the node drains
   * the body as HTTP/1.1's (at most {@code http.refusedBodyDrainBytes}, 1 MiB, more) and closes
   * the connection, before the drain time. Before, the stream closed with the answer and the node
   * read all 50 MB (in 0.2 to 0.4 s), dropping it.
   */
  @ParameterizedTest
  @ValueSource(strings = {"nio", "epoll"})
  void anUpgradedRequestsBodyIsDrainedToTheLimitThenClosed(String transport) throws Exception {
    RunningNode node = NODES.on(transport);
    RefusedBodyDrains before = RefusedBodyDrains.of(node);
    long body = 50_000_000L;
    try (Socket socket = RawHttp.open(node.node().httpPort(), "POST", "/api/v1/portfolios/rbh-none/trades",
        "Connection: Upgrade, HTTP2-Settings", "Upgrade: h2c", "HTTP2-Settings: " + UPGRADE_SETTINGS,
        "Content-Type: application/json", "Content-Length: " + body)) {
      CompletableFuture<Long> writer = write(socket, body);
      socket.setSoTimeout(10_000);
      DataInputStream in = new DataInputStream(socket.getInputStream());
      StringBuilder head = new StringBuilder();
      while (head.indexOf("\r\n\r\n") < 0) {
        head.append((char) in.readUnsignedByte());
      }
      assertThat(head.toString()).startsWith("HTTP/1.1 101 ");
      // The answer on stream 1: its DATA up to END_STREAM (frames: 9 bytes of head, then payload).
      StringBuilder answer = new StringBuilder();
      boolean ended = false;
      while (!ended) {
        int length = in.readUnsignedShort() << 8 | in.readUnsignedByte();
        int type = in.readUnsignedByte();
        int flags = in.readUnsignedByte();
        int stream = in.readInt();
        byte[] payload = in.readNBytes(length);
        if (type == 0 && stream == 1) {
          answer.append(new String(payload, StandardCharsets.UTF_8));
          ended = (flags & 1) != 0;
        }
      }
      long answered = System.nanoTime();
      JsonObject problem = new JsonObject(answer.toString());
      assertThat(problem.getInteger("status")).isEqualTo(401);
      assertThat(problem.getString("type")).isEqualTo("/problems/unauthenticated");
      // Then whatever else (a GOAWAY) until the connection ends: a close, or a reset by the kernel.
      try {
        while (in.read() != -1) {
          continue;
        }
      } catch (IOException reset) {
        // ended
      }
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - answered))
          .as("ms from the answer to the close: at the byte limit, not the time limit (5 s)").isLessThan(5_000);
      assertThat(writer.get(30, TimeUnit.SECONDS)).as("body bytes the client could write").isLessThan(body);
    }
    RefusedBodyDrains after = RefusedBodyDrains.of(node);
    assertThat(after.ended("byte-limit") - before.ended("byte-limit"))
        .as("drains cut at the byte limit").isEqualTo(1.0);
    assertThat(after.total() - before.total()).as("refused bodies counted in all").isEqualTo(1.0);
    assertThat(after.bytes() - before.bytes()).as("bytes drained after the answer")
        .isGreaterThan(DRAIN_BYTES).isLessThanOrEqualTo(DRAIN_BYTES + HTTP1_PIECE_BYTES);
  }

  /** Writes {@code body} bytes of spaces until done or the node closes: the bytes written. */
  private static CompletableFuture<Long> write(Socket socket, long body) {
    return CompletableFuture.supplyAsync(() -> {
      byte[] piece = new byte[64 * 1024];
      Arrays.fill(piece, (byte) ' ');
      long written = 0;
      try {
        OutputStream out = socket.getOutputStream();
        while (written < body) {
          int length = (int) Math.min(piece.length, body - written);
          out.write(piece, 0, length);
          written += length;
        }
        out.flush();
      } catch (IOException closed) {
        // The node closed the connection.
      }
      return written;
    });
  }

  /** The router's own answers go the same way: no route, no body read. */
  @ParameterizedTest
  @ValueSource(strings = {"nio", "epoll"})
  void aBodyForNoRouteIsAnsweredThenReset(String transport) throws Exception {
    RunningNode node = NODES.on(transport);
    RefusedBodyDrains before = RefusedBodyDrains.of(node);
    try (RawHttp2 h2 = RawHttp2.connect(node.node().httpPort())) {
      RawHttp2.Exchange refused = h2.exchange("POST", "/api/v1/rbh-nowhere", BODY_BYTES, WAIT_MS,
          "authorization: Bearer " + TestKeys.ADMIN, "content-type: application/json",
          "content-length: " + BODY_BYTES);
      assertAnsweredThenReset(refused, 404, "/problems/not-found");
      assertThat(refused.json().getString("detail")).isEqualTo("no resource at /api/v1/rbh-nowhere");
      assertThat(refused.bodySent()).as("body bytes the node let in").isEqualTo(RawHttp2.DEFAULT_WINDOW);
      assertTheConnectionGoesOn(h2, "rbh-after-404-" + transport);
    }
    assertReset(node, before);
  }

  /** A refused stream with no body to come ended with its answer: nothing to reset. */
  @ParameterizedTest
  @ValueSource(strings = {"nio", "epoll"})
  void aRefusalWithNoBodyIsNotReset(String transport) throws Exception {
    RunningNode node = NODES.on(transport);
    RefusedBodyDrains before = RefusedBodyDrains.of(node);
    try (RawHttp2 h2 = RawHttp2.connect(node.node().httpPort())) {
      RawHttp2.Exchange refused = h2.exchange("POST", "/api/v1/prices", 0, WAIT_MS,
          "content-type: application/json");
      assertThat(refused.status()).as(refused.body()).isEqualTo(401);
      assertThat(refused.answerEnded()).isTrue();
      assertTheConnectionGoesOn(h2, "rbh-after-bodiless-" + transport);
      assertThat(h2.resets()).as("streams the node reset").isEmpty();
    }
    assertThat(RefusedBodyDrains.of(node)).as("nothing reset or drained").isEqualTo(before);
  }

  /**
   * An HTTP/2 client library (Vert.x's, h2c with prior knowledge) sending 5 MB gets the whole
   * answer, the reset notwithstanding, and its next request goes over the same connection.
   */
  @ParameterizedTest
  @ValueSource(strings = {"nio", "epoll"})
  void aClientLibraryGetsTheWholeAnswerAndKeepsItsConnection(String transport) throws Exception {
    RunningNode node = NODES.on(transport);
    RefusedBodyDrains before = RefusedBodyDrains.of(node);
    Vertx vertx = Vertx.vertx();
    try {
      HttpClient client = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
          .setHttp2ClearTextUpgrade(false).setDefaultHost("127.0.0.1").setDefaultPort(node.node().httpPort()));
      JsonObject refused = client.request(HttpMethod.POST, "/api/v1/portfolios/rbh-none/trades")
          .compose(request -> request.putHeader("Content-Type", "application/json")
              .send(Buffer.buffer(new byte[BODY_BYTES])))
          .compose(response -> response.body().map(body -> answer(response, body)))
          .await(30, TimeUnit.SECONDS);
      assertThat(refused.getInteger("status")).as(refused.encode()).isEqualTo(401);
      assertThat(refused.getJsonObject("problem").getString("type")).isEqualTo("/problems/unauthenticated");
      JsonObject next = client.request(HttpMethod.GET, "/health/live")
          .compose(request -> request.send())
          .compose(response -> response.body().map(body -> answer(response, body)))
          .await(30, TimeUnit.SECONDS);
      assertThat(next.getInteger("status")).isEqualTo(200);
      assertThat(next.getString("connection")).as("the same connection").isEqualTo(refused.getString("connection"));
    } finally {
      vertx.close().await(30, TimeUnit.SECONDS);
    }
    assertReset(node, before);
  }

  private static JsonObject answer(HttpClientResponse response, Buffer body) {
    return new JsonObject().put("status", response.statusCode()).put("problem", new JsonObject(body))
        .put("connection", String.valueOf(System.identityHashCode(response.request().connection())));
  }

  /**
   * The answer whole, ended (END_STREAM), then RST_STREAM {@code NO_ERROR} on its stream, with
   * no window reopened after it and the connection not closed.
   */
  private static void assertAnsweredThenReset(RawHttp2.Exchange refused, int status, String type) {
    assertThat(refused.status()).as(refused.body()).isEqualTo(status);
    assertThat(refused.header("content-type")).isEqualTo("application/problem+json");
    assertThat(refused.json().getString("type")).isEqualTo(type);
    assertThat(refused.json().getInteger("status")).isEqualTo(status);
    assertThat(refused.answerEnded()).as("the answer ended (END_STREAM)").isTrue();
    assertThat(refused.reset()).as("the stream's RST_STREAM error code").isEqualTo(0L);
    assertThat(refused.resetAfterAnswer()).as("reset after the whole answer").isTrue();
    assertThat(refused.stalled()).as("left waiting on a window").isFalse();
    assertThat(refused.goAway()).as("the connection ended").isFalse();
  }

  /**
   * The connection serves a body on a new stream: the refused stream's unread bytes went back to
   * the connection's window (a new portfolio, created), and a read.
   */
  private static void assertTheConnectionGoesOn(RawHttp2 h2, String portfolio) throws Exception {
    byte[] body = new JsonObject().put("id", portfolio).put("name", "After a refusal").put("baseCurrency", "EUR")
        .encode().getBytes(StandardCharsets.UTF_8);
    RawHttp2.Exchange created = h2.exchange("POST", "/api/v1/portfolios", body, WAIT_MS,
        "authorization: Bearer " + TestKeys.ADMIN, "content-type: application/json");
    assertThat(created.bodySent()).as("body bytes sent on the next stream").isEqualTo(body.length);
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    assertThat(created.reset()).isNull();
    RawHttp2.Exchange live = h2.exchange("GET", "/health/live", 0, WAIT_MS);
    assertThat(live.status()).isEqualTo(200);
    assertThat(live.json().getString("status")).isEqualTo("UP");
    assertThat(h2.goAway()).as("the connection ended").isFalse();
  }

  /** One stream reset, nothing drained: the bytes counter is HTTP/1.1's drain alone. */
  private static void assertReset(RunningNode node, RefusedBodyDrains before) {
    RefusedBodyDrains after = RefusedBodyDrains.of(node);
    assertThat(after.ended("stream-reset") - before.ended("stream-reset"))
        .as("streams reset after the answer").isEqualTo(1.0);
    assertThat(after.total() - before.total()).as("refused bodies counted in all").isEqualTo(1.0);
    assertThat(after.bytes() - before.bytes()).as("bytes drained").isEqualTo(0.0);
  }
}
