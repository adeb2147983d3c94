package io.portfoliostate.live;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.BridgeClient;
import io.portfoliostate.fixtures.RunningNode;
import io.portfoliostate.fixtures.TestKeys;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code live.compression=false}: the node declines a client's permessage-deflate offer (a busy
 * bridge spends most of its CPU compressing every copy for every socket), and the bridge works
 * as before, uncompressed. With the default the same client gets permessage-deflate
 * ({@code LiveBridgeTest}).
 */
class LiveCompressionOffTest {

  @RegisterExtension
  static final RunningNode NODE = new RunningNode(new JsonObject().put("live",
      new JsonObject().put("compression", false)));

  @Test
  void theOfferIsDeclinedAndChangesStillArrive() throws Exception {
    Api api = NODE.api();
    api.createPortfolio("plain-fund");
    // BridgeClient offers permessage-deflate, as a browser does.
    try (BridgeClient client = BridgeClient.connect(NODE.node().httpPort(), TestKeys.ADMIN)) {
      assertThat(client.extensions).isNull();
      client.register("portfolio.updates.plain-fund");
      JsonObject snapshot = client.body("portfolio.updates.plain-fund", Duration.ofSeconds(10));
      assertThat(snapshot.getString("kind")).isEqualTo("snapshot");
      assertThat(snapshot.getLong("version")).isEqualTo(1);
      api.deposit("plain-fund", "USD", "100");
      JsonObject change = client.body("portfolio.updates.plain-fund", Duration.ofSeconds(10));
      assertThat(change.getString("kind")).isEqualTo("change");
      assertThat(change.getLong("version")).isEqualTo(2);
    }
  }
}
