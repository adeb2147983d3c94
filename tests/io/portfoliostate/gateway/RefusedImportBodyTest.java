package io.portfoliostate.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.BothTransports;
import io.portfoliostate.fixtures.RawHttp;
import io.portfoliostate.fixtures.RunningNode;
import io.portfoliostate.fixtures.TestKeys;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * An import refused before its body is read ({@code 429} too-many-imports, answered while the
 * client is still sending) reaches the client on either transport: the node answers, then reads
 * and drops what the client still sends (up to {@code http.refusedBodyDrainBytes} and
 * {@code http.refusedBodyDrainMs}) and only then closes. Closing with the body unread made the
 * kernel reset the connection, which on epoll lost the answer (issue 14's note): the first test
 * failed here on epoll before the drain. Past either limit the connection is closed all the same.
 */
@EnabledOnOs(value = OS.LINUX, architectures = "amd64")
class RefusedImportBodyTest {

  /** Refusals per transport: before the drain, epoll lost an answer within the first few. */
  private static final int REFUSALS = 20;
  private static final int DRAIN_BYTES = 256 * 1024;
  private static final int DRAIN_MS = 1500;

  @RegisterExtension
  static final BothTransports NODES = new BothTransports(new JsonObject()
      .put("http", new JsonObject().put("refusedBodyDrainBytes", DRAIN_BYTES).put("refusedBodyDrainMs", DRAIN_MS))
      .put("imports", new JsonObject().put("maxConcurrent", 1)));

  /**
   * While an import whose body is on its way holds the node's one place, clients send whole files
   * at once, without waiting for an answer (as any HTTP client does): each gets its {@code 429},
   * the raw ones then a clean end of stream (not a reset), the JDK's client its answer.
   */
  @ParameterizedTest
  @ValueSource(strings = {"nio", "epoll"})
  void theAnswerToARefusedImportArrivesWhileTheClientStillSends(String transport) throws Exception {
    RunningNode node = NODES.on(transport);
    Api api = node.api();
    String holder = "rib-" + transport;
    api.createPortfolio(holder + "-x");
    byte[] refusedFile = csv(2_000); // about 60 KiB: a file sent in several segments
    whileAnImportHoldsThePlace(node, holder, () -> {
      for (int i = 0; i < REFUSALS; i++) {
        try (Socket second = open(node, holder + "-x", refusedFile.length)) {
          second.setSoTimeout(10_000);
          try {
            second.getOutputStream().write(refusedFile);
            second.getOutputStream().flush();
            RawHttp.Answer refused = RawHttp.read(second.getInputStream());
            assertThat(refused.status()).as(refused.body()).isEqualTo(429);
            assertThat(new JsonObject(refused.body()).getString("type")).isEqualTo("/problems/too-many-imports");
            assertThat(refused.headers()).containsEntry("connection", "close");
            assertThat(second.getInputStream().read()).as("the connection ends cleanly after the answer")
                .isEqualTo(-1);
          } catch (IOException reset) {
            fail("refusal " + (i + 1) + " of " + REFUSALS + " on " + transport + ": " + reset, reset);
          }
        }
        Api.Response refused = api.send("POST", "/api/v1/portfolios/" + holder + "-x/imports?kind=trades", "text/csv",
            new String(refusedFile, StandardCharsets.UTF_8));
        assertThat(refused.status()).as("refusal %d through the JDK's client: %s", i + 1, refused.body())
            .isEqualTo(429);
      }
    });
    assertThat(api.get("/api/v1/portfolios/" + holder + "-x").json().getLong("version")).isEqualTo(1L);
  }

  /**
   * A refused client that goes on sending past {@code http.refusedBodyDrainBytes} (here 256 KiB
   * of a declared 32 MiB) has its connection closed: it cannot write the rest.
   */
  @ParameterizedTest
  @ValueSource(strings = {"nio", "epoll"})
  void aBodyPastTheDrainLimitIsCutOff(String transport) throws Exception {
    RunningNode node = NODES.on(transport);
    String holder = "ric-" + transport;
    whileAnImportHoldsThePlace(node, holder, () -> {
      int declared = 32 * 1024 * 1024 - 1;
      try (Socket second = open(node, holder, declared)) {
        second.setSoTimeout(10_000);
        RawHttp.Answer refused = RawHttp.read(second.getInputStream());
        assertThat(refused.status()).as(refused.body()).isEqualTo(429);
        long written = 0;
        long started = System.nanoTime();
        byte[] chunk = new byte[16 * 1024];
        OutputStream out = second.getOutputStream();
        try {
          while (written < declared - chunk.length) {
            out.write(chunk);
            written += chunk.length;
          }
          fail("the whole body of " + declared + " bytes was taken");
        } catch (IOException closed) {
          // The node stopped reading at the limit and closed; what was written beyond it filled
          // the two kernels' buffers (a few MB at most).
          assertThat(written).as("bytes written before the connection was closed").isGreaterThanOrEqualTo(DRAIN_BYTES)
              .isLessThan(16L * 1024 * 1024);
          assertThat(System.nanoTime() - started).as("closed at the byte limit, not by the time limit")
              .isLessThan(TimeUnit.MILLISECONDS.toNanos(DRAIN_MS));
        }
      }
    });
  }

  /**
   * A refused client that stops sending (a body declared but never finished) is closed after
   * {@code http.refusedBodyDrainMs}, not kept until the server's idle timeout.
   */
  @ParameterizedTest
  @ValueSource(strings = {"nio", "epoll"})
  void aClientThatStopsSendingIsClosedAfterTheDrainTime(String transport) throws Exception {
    RunningNode node = NODES.on(transport);
    String holder = "rid-" + transport;
    whileAnImportHoldsThePlace(node, holder, () -> {
      try (Socket second = open(node, holder, 1024 * 1024)) {
        second.getOutputStream().write(new byte[10 * 1024]);
        second.getOutputStream().flush();
        second.setSoTimeout(10_000);
        RawHttp.Answer refused = RawHttp.read(second.getInputStream());
        assertThat(refused.status()).as(refused.body()).isEqualTo(429);
        long answered = System.nanoTime();
        assertThat(second.getInputStream().read()).as("closed after the drain time").isEqualTo(-1);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - answered)).as("ms from the answer to the close")
            .isBetween(DRAIN_MS - 200L, DRAIN_MS + 3_000L);
      }
    });
  }

  /** What a test does while another import holds the node's one place ({@code imports.maxConcurrent} 1). */
  private interface WhileHeld {
    void run() throws Exception;
  }

  /**
   * Starts an import of a two-row file into a new portfolio {@code holder} and sends half its
   * body, so that it holds the node's one place; runs {@code refusals}; then sends the rest and
   * checks that the held import was applied whole and that the place is free again.
   */
  private static void whileAnImportHoldsThePlace(RunningNode node, String holder, WhileHeld refusals)
      throws Exception {
    node.api().putInstrument("RIB", new JsonObject().put("currency", "USD"));
    node.api().createPortfolio(holder);
    byte[] file = csv(2);
    try (Socket first = open(node, holder, file.length)) {
      first.getOutputStream().write(file, 0, file.length / 2);
      first.getOutputStream().flush();
      awaitRunning(node, 1);
      refusals.run();
      first.getOutputStream().write(file, file.length / 2, file.length - file.length / 2);
      first.getOutputStream().flush();
      first.setSoTimeout(30_000);
      RawHttp.Answer imported = RawHttp.read(first.getInputStream());
      assertThat(imported.status()).as(imported.body()).isEqualTo(200);
      assertThat(new JsonObject(imported.body()).getInteger("applied")).isEqualTo(2);
    }
    awaitRunning(node, 0);
  }

  /** A trades file of {@code rows} buys of RIB, ids unique to this file. */
  private static byte[] csv(int rows) {
    StringBuilder text = new StringBuilder("tradeId,instrumentId,side,quantity,price\n");
    String prefix = "t" + System.nanoTime() + "-";
    for (int i = 0; i < rows; i++) {
      text.append(prefix).append(i).append(",RIB,BUY,1,10\n");
    }
    return text.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** A connection that has sent an import's request line and headers, and none of its body. */
  private static Socket open(RunningNode node, String portfolio, int contentLength) throws IOException {
    return RawHttp.open(node.node().httpPort(), "POST", "/api/v1/portfolios/" + portfolio + "/imports?kind=trades",
        "Authorization: Bearer " + TestKeys.ADMIN, "Content-Type: text/csv", "Content-Length: " + contentLength);
  }

  private static void awaitRunning(RunningNode node, int count) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (running(node) != count) {
      assertThat(System.nanoTime()).as("%d imports running within 10 s", count).isLessThan(deadline);
      Thread.sleep(5);
    }
  }

  private static double running(RunningNode node) {
    io.micrometer.core.instrument.Gauge gauge = node.node().registry().find("pstate.imports.running").gauge();
    return gauge == null ? 0 : gauge.value();
  }
}
