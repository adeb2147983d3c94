package io.portfoliostate.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.TestDatabase;
import io.portfoliostate.fixtures.TestNode;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/**
 * {@code vertx.eventLoops} (docs/operations.md): the node's Vert.x runs that many event loops,
 * its owner instances follow them (one per loop) unless {@code owners.instances} is set, and the
 * node serves writes on them.
 */
class EventLoopsTest {

  @Test
  void aNodeRunsTheEventLoopsItIsGivenAndOneOwnerInstanceOnEach() throws Exception {
    JsonObject two = new JsonObject().put("vertx", new JsonObject().put("eventLoops", 2));
    try (Node node = TestNode.start(TestDatabase.freshDatabaseUri(), two)) {
      int loops = 0;
      for (var ignored : ((VertxInternal) node.vertx()).nettyEventLoopGroup()) {
        loops++;
      }
      assertThat(loops).isEqualTo(2);
      assertThat(node.eventLoops()).isEqualTo(2);
      Api api = new Api(node.httpPort());
      JsonObject self = api.get("/api/v1/cluster").json().getJsonArray("members").getJsonObject(0);
      assertThat(self.getInteger("ownerInstances")).isEqualTo(2);

      // And it serves: owners on both instances take writes.
      for (int i = 0; i < 8; i++) {
        String id = api.createPortfolio("loops-" + i);
        api.deposit(id, "USD", "100");
        assertThat(api.get("/api/v1/portfolios/" + id).json().getLong("version")).isEqualTo(2L);
      }
    }
  }

  /**
   * By default one per core the JVM sees but one, at least one (not Vert.x's two per core:
   * docs/operations.md says why).
   */
  @Test
  void byDefaultANodeRunsOneEventLoopPerCoreButOne() throws Exception {
    try (Node node = TestNode.start(TestDatabase.freshDatabaseUri())) {
      int loops = 0;
      for (var ignored : ((VertxInternal) node.vertx()).nettyEventLoopGroup()) {
        loops++;
      }
      int expected = Math.max(1, Runtime.getRuntime().availableProcessors() - 1);
      assertThat(loops).isEqualTo(expected);
      JsonObject self = new Api(node.httpPort()).get("/api/v1/cluster").json().getJsonArray("members").getJsonObject(0);
      assertThat(self.getInteger("ownerInstances")).isEqualTo(expected);
    }
  }
}
