package io.portfoliostate.live;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.BridgeClient;
import io.portfoliostate.fixtures.RunningNode;
import io.portfoliostate.fixtures.TestKeys;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code live.commitStamps}: with it on, a change frame's headers carry the owner's COMMIT time
 * ({@code committedNanos}, this machine's {@link System#nanoTime}), which falls between the
 * request that made the change and the frame's arrival; with it off (the default) the headers stay
 * empty. The benchmark times COMMIT -> client with it.
 */
class LiveCommitStampsTest {

  private static final Duration WAIT = Duration.ofSeconds(10);

  @RegisterExtension
  static final RunningNode STAMPED = new RunningNode(new JsonObject().put("live",
      new JsonObject().put("commitStamps", true)));

  @RegisterExtension
  static final RunningNode PLAIN = new RunningNode();

  private static Predicate<JsonObject> change(String address) {
    return frame -> "rec".equals(frame.getString("type")) && address.equals(frame.getString("address"))
        && "change".equals(frame.getJsonObject("body").getString("kind"));
  }

  private static JsonObject depositSeen(RunningNode node, String id, long[] window) throws Exception {
    Api api = node.api();
    api.createPortfolio(id);
    BridgeClient client = BridgeClient.connect(node.node().httpPort(), TestKeys.ADMIN);
    try {
      client.register("portfolio.updates." + id);
      assertThat(client.body("portfolio.updates." + id, WAIT).getString("kind")).isEqualTo("snapshot");
      window[0] = System.nanoTime();
      Api.Response r = api.post("/api/v1/portfolios/" + id + "/cash-flows", new JsonObject().put("flowId", id + "-1")
          .put("type", "DEPOSIT").put("currency", "USD").put("amount", "100"));
      assertThat(r.status()).as(r.body()).isEqualTo(201);
      JsonObject frame = client.next(change("portfolio.updates." + id), WAIT);
      window[1] = System.nanoTime();
      assertThat(frame.getJsonObject("body").getLong("version")).isEqualTo(2);
      return frame;
    } finally {
      client.close();
    }
  }

  @Test
  void aStampedChangeCarriesItsCommitTime() throws Exception {
    long[] window = new long[2];
    JsonObject frame = depositSeen(STAMPED, "stamp-on", window);
    long committed = Long.parseLong(frame.getJsonObject("headers").getString("committedNanos"));
    assertThat(committed).isBetween(window[0], window[1]);
  }

  @Test
  void changesCarryNoCommitTimeByDefault() throws Exception {
    JsonObject frame = depositSeen(PLAIN, "stamp-off", new long[2]);
    assertThat(frame.getJsonObject("headers")).isEqualTo(new JsonObject());
  }
}
