package io.portfoliostate.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.ServiceProcess;
import io.portfoliostate.fixtures.TestDatabase;
import io.portfoliostate.fixtures.TestNode;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * The node's network transport ({@code vertx.nativeTransport}, docs/operations.md): on this
 * Linux x86-64 (the build's machine, whose epoll jar the pom brings) a node runs Netty's epoll by
 * default, Java's NIO with the setting off, io_uring with {@code vertx.ioUring}, and where epoll
 * cannot load it starts on NIO all the same and says why. Each node then serves a write, which crosses its HTTP server and its
 * PostgreSQL client, both on that transport.
 */
@EnabledOnOs(value = OS.LINUX, architectures = "amd64")
class NetworkTransportTest {

  private static final JsonObject NIO = new JsonObject().put("vertx", new JsonObject().put("nativeTransport", false));

  /**
   * The default (see docs/operations.md, "Network transport", for why). Run without the
   * fixtures' {@code pstate.test.nativeTransport}, which would decide it instead of the default.
   */
  @Test
  void byDefaultANodeOnLinuxRunsEpoll() throws Exception {
    assumeTrue(System.getProperty(TestNode.NATIVE_TRANSPORT) == null, "the test run sets the transport");
    try (Node node = TestNode.start(TestDatabase.freshDatabaseUri())) {
      assertThat(node.transport()).isEqualTo("epoll");
      assertThat(node.vertx().isNativeTransportEnabled()).isTrue();
      assertThat(node.vertx().unavailableNativeTransportCause()).isNull();
      assertThat(((VertxInternal) node.vertx()).transport().getClass().getSimpleName()).isEqualTo("EpollTransport");
      assertServesAndSays(new Api(node.httpPort()), "epoll");
    }
  }

  @Test
  void withTheSettingOffANodeRunsNio() throws Exception {
    try (Node node = TestNode.start(TestDatabase.freshDatabaseUri(), NIO)) {
      assertThat(node.transport()).isEqualTo("nio");
      assertThat(node.vertx().isNativeTransportEnabled()).isFalse();
      // Not asked for, so not "unavailable" either.
      assertThat(node.vertx().unavailableNativeTransportCause()).isNull();
      assertThat(((VertxInternal) node.vertx()).transport().getClass().getSimpleName()).isEqualTo("NioTransport");
      assertServesAndSays(new Api(node.httpPort()), "nio");
    }
  }

  /** io_uring when asked for ({@code vertx.ioUring}), on a kernel that allows it (this machine's does). */
  @Test
  void withIoUringANodeRunsIoUring() throws Exception {
    Path disabled = Path.of("/proc/sys/kernel/io_uring_disabled");
    assumeTrue(!Files.exists(disabled) || Files.readString(disabled).strip().equals("0"),
        "the kernel disables io_uring");
    JsonObject ioUring = new JsonObject().put("vertx", new JsonObject().put("nativeTransport", true)
        .put("ioUring", true));
    try (Node node = TestNode.start(TestDatabase.freshDatabaseUri(), ioUring)) {
      assertThat(node.transport()).isEqualTo("io_uring");
      assertThat(node.vertx().isNativeTransportEnabled()).isTrue();
      assertThat(((VertxInternal) node.vertx()).transport().getClass().getSimpleName()).isEqualTo("IoUringTransport");
      assertServesAndSays(new Api(node.httpPort()), "io_uring");
    }
  }

  /**
   * A JVM where Netty may not load its native code ({@code io.netty.transport.noNative}, as on a
   * machine without the library): the service, on its defaults, starts on NIO, warns with the
   * reason, and serves.
   */
  @Test
  void withoutTheNativeLibraryTheServiceStartsOnNioAndSaysWhy() throws Exception {
    Path dataDir = ServiceProcess.freshDataDir("no-native");
    ServiceProcess service = ServiceProcess.start(dataDir, List.of("-Xmx512m", "-Dio.netty.transport.noNative=true"));
    try {
      assertServesAndSays(service.api(), "nio");
      assertThat(service.logText())
          .contains("Network transport: nio; the native transport epoll is unavailable (")
          .contains("io.netty.transport.noNative");
    } finally {
      service.terminate();
    }
  }

  private static void assertServesAndSays(Api api, String transport) {
    assertThat(api.createPortfolio("transport-" + transport)).isNotBlank();
    assertThat(api.get("/api/v1/portfolios/transport-" + transport).status()).isEqualTo(200);
    String metrics = api.get("/metrics").body();
    assertThat(metrics.lines().filter(line -> line.startsWith("pstate_vertx_transport{")).toList())
        .containsExactly("pstate_vertx_transport{transport=\"" + transport + "\"} 1.0");
  }
}
