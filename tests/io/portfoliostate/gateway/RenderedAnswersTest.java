package io.portfoliostate.gateway;

import static io.portfoliostate.fixtures.Api.trade;
import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.RunningNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Valued reads of the current state are rendered once per (portfolio version, market snapshot):
 * repeated reads get the same bytes, and a new trade or a new price gives a new answer at once,
 * never a stale one.
 */
class RenderedAnswersTest {

  @RegisterExtension
  static final RunningNode NODE = new RunningNode();

  @Test
  void aReadIsRenderedAgainWhenTheStateOrTheMarketChanges() throws Exception {
    Api api = NODE.api();
    String id = api.createPortfolio("rendered-1");
    String path = "/api/v1/portfolios/" + id;
    api.post(path + "/trades", trade("t-1", "RND", "BUY", "10", "100"));
    prices("RND", "110");
    String first = api.get(path).body();
    for (int i = 0; i < 20; i++) {
      assertThat(api.get(path).body()).isEqualTo(first);
    }
    JsonObject line = new JsonObject(first).getJsonArray("positions").getJsonObject(0);
    assertThat(line.getString("marketValue")).isEqualTo("1100");

    prices("RND", "120");
    JsonObject repriced = api.get(path).json();
    assertThat(repriced.getJsonArray("positions").getJsonObject(0).getString("marketValue")).isEqualTo("1200");

    api.post(path + "/trades", trade("t-2", "RND", "BUY", "5", "120"));
    JsonObject traded = api.get(path).json();
    assertThat(traded.getLong("version")).isEqualTo(3);
    assertThat(traded.getJsonArray("positions").getJsonObject(0).getString("marketValue")).isEqualTo("1800");
    // Other views of the same version are their own answers.
    assertThat(api.get(path + "/cash").json().getJsonArray("balances")).isNotNull();
    // A read by version is valued at that version's time, outside these answers: after a new
    // price the current version read by number keeps its own price, the plain read moves on.
    Thread.sleep(5);
    prices("RND", "130");
    for (int i = 0; i < 3; i++) {
      JsonObject byNumber = api.get(path + "?version=3").json();
      assertThat(byNumber.getJsonArray("positions").getJsonObject(0).getString("marketValue")).isEqualTo("1800");
      assertThat(byNumber.getJsonObject("valuation").getString("asOf")).isEqualTo(byNumber.getString("updatedAt"));
      assertThat(api.get(path).json().getJsonArray("positions").getJsonObject(0).getString("marketValue"))
          .isEqualTo("1950");
    }
  }

  private static void prices(String instrument, String price) {
    assertThat(NODE.api().post("/api/v1/prices", new JsonArray().add(new JsonObject().put("instrumentId", instrument)
        .put("price", price).put("currency", "USD"))).status()).isBetween(200, 201);
  }
}
