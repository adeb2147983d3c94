package io.portfoliostate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.BothTransports;
import io.portfoliostate.fixtures.RawHttp;
import io.portfoliostate.fixtures.RunningNode;
import io.portfoliostate.fixtures.TestKeys;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
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
 * Every answer sent before a request's body was read, not only an import's, leaves the client at
 * most {@code http.refusedBodyDrainBytes} more to send: the access guard's {@code 401},
 * {@code 403}, hidden {@code 404} and {@code 429} on routes with a body, and the {@code 413} of a
 * body over {@code http.maxBodyBytes} (declared, or found while reading a chunked one). Each
 * client here sends 5 MB: its answer arrives whole, with {@code Connection: close}, and the node
 * reads at most the drain limit of the rest (its counter {@code pstate.http.refused.body.bytes})
 * before it closes, well before the drain time. Before, Vert.x read such a body to its end, all
 * 5 MB, keeping the connection open for it. A refused request without a body, or whose body was
 * read whole, keeps its keep-alive connection. On both transports, as RefusedImportBodyTest.
 */
@EnabledOnOs(value = OS.LINUX, architectures = "amd64")
class RefusedBodyDrainTest {

  private static final int DRAIN_BYTES = 256 * 1024;
  private static final int DRAIN_MS = 3_000;
  private static final int BODY_BYTES = 5_000_000;
  /**
   * The most body bytes the node reads in one piece: the last piece read may take the drain past
   * its limit by this much (Vert.x's HTTP/1.x decoder hands a body over in pieces of at most
   * {@code HttpServerOptions.DEFAULT_MAX_CHUNK_SIZE} bytes).
   */
  private static final int PIECE_BYTES = 8192;

  @RegisterExtension
  static final BothTransports NODES = new BothTransports(new JsonObject()
      .put("http", new JsonObject().put("refusedBodyDrainBytes", DRAIN_BYTES).put("refusedBodyDrainMs", DRAIN_MS))
      // One request per key for 100 s (the bootstrap admin key is not limited): a key's second
      // request is refused.
      .put("security", new JsonObject().put("rateLimit", new JsonObject().put("requestsPerSecond", 0.01)
          .put("burst", 1))));

  @ParameterizedTest
  @ValueSource(strings = {"nio", "epoll"})
  void anUnauthenticatedClientSendsAtMostTheDrainLimit(String transport) throws Exception {
    RunningNode node = NODES.on(transport);
    RawHttp.Answer refused = refusedWhileSending(node, "POST", "/api/v1/portfolios/rbd-none/trades",
        "Content-Type: application/json");
    assertProblem(refused, 401, "/problems/unauthenticated");
    assertThat(refused.header("WWW-Authenticate")).isEqualTo("Bearer realm=\"portfolio-state\"");
  }

  @ParameterizedTest
  @ValueSource(strings = {"nio", "epoll"})
  void aClientWithoutTheRoleSendsAtMostTheDrainLimit(String transport) throws Exception {
    RunningNode node = NODES.on(transport);
    RawHttp.Answer refused = refusedWhileSending(node, "POST", "/api/v1/prices",
        "Authorization: Bearer " + key(node, "operations"), "Content-Type: application/json");
    assertProblem(refused, 403, "/problems/forbidden");
    assertThat(refused.json().getString("detail")).isEqualTo("needs the global role market-data");
  }

  /**
   * A portfolio the caller may not read answers as a missing one; the check reads the
   * portfolio's ancestry from the database, the request paused meanwhile.
   */
  @ParameterizedTest
  @ValueSource(strings = {"nio", "epoll"})
  void aClientRefusedAfterTheDatabaseIsAskedSendsAtMostTheDrainLimit(String transport) throws Exception {
    RunningNode node = NODES.on(transport);
    String portfolio = "rbd-hidden-" + transport;
    node.api().createPortfolio(portfolio);
    RawHttp.Answer refused = refusedWhileSending(node, "POST", "/api/v1/portfolios/" + portfolio + "/trades",
        "Authorization: Bearer " + key(node, "operations"), "Content-Type: application/json");
    assertProblem(refused, 404, "/problems/not-found");
    assertThat(node.api().get("/api/v1/portfolios/" + portfolio).json().getLong("version")).isEqualTo(1L);
  }

  @ParameterizedTest
  @ValueSource(strings = {"nio", "epoll"})
  void aRateLimitedClientSendsAtMostTheDrainLimit(String transport) throws Exception {
    RunningNode node = NODES.on(transport);
    String key = key(node, "market-data");
    // The key's one request of the bucket.
    assertThat(node.api().asBearer(key).get("/api/v1/instruments/RBD-NONE").status()).isEqualTo(404);
    RawHttp.Answer refused = refusedWhileSending(node, "POST", "/api/v1/prices",
        "Authorization: Bearer " + key, "Content-Type: application/json");
    assertProblem(refused, 429, "/problems/rate-limited");
    assertThat(refused.header("Retry-After")).isEqualTo("100");
  }

  @ParameterizedTest
  @ValueSource(strings = {"nio", "epoll"})
  void aBodyDeclaredOverTheLimitIsAnsweredOnItsHeadAndCutOff(String transport) throws Exception {
    RunningNode node = NODES.on(transport);
    RawHttp.Answer refused = refusedWhileSending(node, "POST", "/api/v1/portfolios/rbd-none/trades",
        "Authorization: Bearer " + TestKeys.ADMIN, "Content-Type: application/json");
    assertProblem(refused, 413, "/problems/body-too-large");
    assertThat(refused.json().getString("detail")).isEqualTo("the body exceeds 1048576 bytes");
  }

  /**
   * A chunked body declares no length: the node reads it up to {@code http.maxBodyBytes} (1 MiB),
   * answers 413, and then reads at most the drain limit more.
   */
  @ParameterizedTest
  @ValueSource(strings = {"nio", "epoll"})
  void aChunkedBodyOverTheLimitIsCutOffAfterTheDrainLimit(String transport) throws Exception {
    RunningNode node = NODES.on(transport);
    RefusedBodyDrains before = RefusedBodyDrains.of(node);
    try (Socket socket = RawHttp.open(node.node().httpPort(), "POST", "/api/v1/portfolios/rbd-none/trades",
        "Authorization: Bearer " + TestKeys.ADMIN, "Content-Type: application/json",
        "Transfer-Encoding: chunked")) {
      RawHttp.Answer refused = answeredAndClosed(socket, write(socket, true));
      assertProblem(refused, 413, "/problems/body-too-large");
    }
    assertDrainedToTheLimit(node, before);
  }

  /**
   * Refused requests without a body, or whose body was read whole before the answer, are
   * answered like any other: the keep-alive connection serves the next request.
   */
  @ParameterizedTest
  @ValueSource(strings = {"nio", "epoll"})
  void aRefusalWithNoBodyLeftToReadKeepsTheConnection(String transport) throws Exception {
    RunningNode node = NODES.on(transport);
    RefusedBodyDrains before = RefusedBodyDrains.of(node);
    try (Socket socket = RawHttp.open(node.node().httpPort(), "POST", "/api/v1/prices",
        "Content-Type: application/json", "Content-Length: 0")) {
      socket.setSoTimeout(10_000);
      RawHttp.Answer bodiless = RawHttp.read(socket.getInputStream());
      assertProblem(bodiless, 401, "/problems/unauthenticated");
      assertThat(bodiless.header("Connection")).isNull();

      RawHttp.sendHead(socket, "GET", "/api/v1/cluster");
      RawHttp.Answer read = RawHttp.read(socket.getInputStream());
      assertThat(read.status()).as(read.body()).isEqualTo(401);
      assertThat(read.header("Connection")).isNull();

      // Read whole by the body handler, then refused by the route's handler.
      byte[] malformed = "{\"prices\": [".getBytes(StandardCharsets.UTF_8);
      RawHttp.sendHead(socket, "POST", "/api/v1/prices", "Authorization: Bearer " + TestKeys.ADMIN,
          "Content-Type: application/json", "Content-Length: " + malformed.length);
      socket.getOutputStream().write(malformed);
      socket.getOutputStream().flush();
      RawHttp.Answer invalid = RawHttp.read(socket.getInputStream());
      assertProblem(invalid, 400, "/problems/malformed-json");
      assertThat(invalid.header("Connection")).isNull();

      RawHttp.sendHead(socket, "GET", "/health/live");
      RawHttp.Answer live = RawHttp.read(socket.getInputStream());
      assertThat(live.status()).isEqualTo(200);
      assertThat(live.json().getString("status")).isEqualTo("UP");
    }
    assertThat(RefusedBodyDrains.of(node)).as("nothing drained").isEqualTo(before);
  }

  /**
   * Sends {@code method target} declaring a body of {@link #BODY_BYTES}, and writes it from
   * another thread while the answer is read: the answer is whole and says {@code Connection:
   * close}, the connection ends before the drain time, and the node read past the drain limit
   * by at most one piece.
   */
  private static RawHttp.Answer refusedWhileSending(RunningNode node, String method, String target,
      String... headers) throws Exception {
    RefusedBodyDrains before = RefusedBodyDrains.of(node);
    String[] all = Arrays.copyOf(headers, headers.length + 1);
    all[headers.length] = "Content-Length: " + BODY_BYTES;
    RawHttp.Answer answer;
    try (Socket socket = RawHttp.open(node.node().httpPort(), method, target, all)) {
      answer = answeredAndClosed(socket, write(socket, false));
    }
    assertDrainedToTheLimit(node, before);
    return answer;
  }

  /**
   * The answer read while {@code writer} sends the body: a problem with {@code Connection:
   * close}, after which the connection ends before the drain time.
   */
  private static RawHttp.Answer answeredAndClosed(Socket socket, CompletableFuture<Long> writer) throws Exception {
    socket.setSoTimeout(10_000);
    RawHttp.Answer answer = RawHttp.read(socket.getInputStream());
    long answered = System.nanoTime();
    assertThat(answer.header("Content-Type")).isEqualTo("application/problem+json");
    assertThat(answer.header("Connection")).as(answer.body()).isEqualTo("close");
    assertThat(answer.json().getInteger("status")).isEqualTo(answer.status());
    // The node closes at the drain limit with the client's bytes unread: the end reads as an
    // end of stream or, the kernel having reset the connection, as a failure.
    int next;
    try {
      next = socket.getInputStream().read();
    } catch (IOException reset) {
      next = -1;
    }
    assertThat(next).as("the connection ends after the answer").isEqualTo(-1);
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - answered))
        .as("ms from the answer to the close: at the byte limit, not the time limit").isLessThan(DRAIN_MS);
    writer.get(30, TimeUnit.SECONDS);
    return answer;
  }

  private static void assertDrainedToTheLimit(RunningNode node, RefusedBodyDrains before) {
    RefusedBodyDrains after = RefusedBodyDrains.of(node);
    assertThat(after.ended("byte-limit") - before.ended("byte-limit")).as("drains cut at the byte limit").isEqualTo(1.0);
    assertThat(after.total() - before.total()).as("drains in all: none ended otherwise").isEqualTo(1.0);
    assertThat(after.bytes() - before.bytes()).as("bytes of the body read after the answer")
        .isGreaterThan(DRAIN_BYTES).isLessThanOrEqualTo(DRAIN_BYTES + PIECE_BYTES);
  }

  /**
   * Writes {@link #BODY_BYTES} of body (in HTTP chunks with {@code chunked}) until done or the
   * node closes: the bytes written.
   */
  private static CompletableFuture<Long> write(Socket socket, boolean chunked) {
    return CompletableFuture.supplyAsync(() -> {
      byte[] piece = new byte[16 * 1024];
      Arrays.fill(piece, (byte) ' ');
      byte[] chunkHead = (Integer.toHexString(piece.length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
      byte[] crlf = "\r\n".getBytes(StandardCharsets.US_ASCII);
      long written = 0;
      try {
        OutputStream out = socket.getOutputStream();
        while (written < BODY_BYTES) {
          int length = (int) Math.min(piece.length, BODY_BYTES - written);
          if (chunked) {
            out.write(chunkHead);
            out.write(piece);
            out.write(crlf);
          } else {
            out.write(piece, 0, length);
          }
          written += length;
        }
        out.flush();
      } catch (IOException closed) {
        // The node closed the connection: what it did not read is the kernel's to drop.
      }
      return written;
    });
  }

  private static void assertProblem(RawHttp.Answer answer, int status, String type) {
    assertThat(answer.status()).as(answer.body()).isEqualTo(status);
    assertThat(answer.json().getString("type")).isEqualTo(type);
  }

  /** A new API key with one global role. */
  private static String key(RunningNode node, String role) {
    Api.Response created = node.api().post("/api/v1/api-keys", new JsonObject().put("name", "rbd-" + role)
        .put("roles", new JsonArray().add(role)));
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    return created.json().getString("key");
  }
}
