package io.portfoliostate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.RunningNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An analytics read that waits for the store longer than the gateway's usual answer deadline
 * gets the analytics 503 (what the store has not read, with Retry-After), not the gateway's "no
 * answer in time": here the owner path allows 3 s (0.5 + 0.5 + the 2 s margin) and a
 * {@code minSeq} read may wait 4 s.
 */
class AnalyticsWaitDeadlineTest {

  @RegisterExtension
  static final RunningNode NODE = new RunningNode(new JsonObject()
      .put("http", new JsonObject().put("requestTimeoutMs", 1000))
      .put("routing", new JsonObject().put("ownerTimeoutMs", 500).put("notOwnerRetryMs", 500))
      .put("analytics", new JsonObject().put("minSeqWaitMs", 4000)));

  @Test
  void aMinSeqWaitLongerThanTheOwnerPathEndsInTheAnalytics503() {
    long began = System.nanoTime();
    Api.Response answer = NODE.api().get("/api/v1/analytics/exposures?minSeq=1000000000");
    long tookMs = (System.nanoTime() - began) / 1_000_000;
    assertThat(answer.status()).as(answer.body()).isEqualTo(503);
    assertThat(answer.body()).contains("the analytics store has not read global_seq 1000000000")
        .doesNotContain("no answer within");
    assertThat(tookMs).as("it waited out analytics.minSeqWaitMs").isGreaterThanOrEqualTo(4000);
  }
}
