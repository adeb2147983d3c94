package io.portfoliostate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.RunningNode;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A tree larger than what is summed on the event loop (more than 200 portfolios) is summed on a
 * worker thread, to the same exact figures; with {@code consolidation.maxInFlight} 16, its 251
 * owner reads go in waves.
 */
class ConsolidatedLargeTreeTest {

  private static final int CHILDREN = 250;

  @RegisterExtension
  static final RunningNode NODE = new RunningNode(new JsonObject()
      .put("consolidation", new JsonObject().put("maxInFlight", 16)));

  /** 250 children, child i depositing i + 1 EUR: Σ = 250 × 251 / 2 = 31,375 EUR; EUR/USD 1.2: 37,650 USD. */
  @Test
  void aLargeTreeIsSummedExactly() {
    Api api = NODE.api();
    api.createPortfolio("large-root");
    api.postRates(new JsonObject().put("base", "EUR").put("quote", "USD").put("rate", "1.2"));
    // Ten at a time: changes to the tree are serialized in the database (its lock), and 250 at
    // once would wait past the lock timeout on a loaded machine.
    for (int first = 0; first < CHILDREN; first += 10) {
      List<CompletableFuture<Api.Response>> created = new ArrayList<>();
      for (int i = first; i < Math.min(CHILDREN, first + 10); i++) {
        created.add(api.postAsync("/api/v1/portfolios", new JsonObject().put("id", "large-" + i).put("name", "c")
            .put("baseCurrency", "EUR").put("parentId", "large-root")));
      }
      created.forEach(answer -> assertThat(answer.join().status()).isEqualTo(201));
    }
    List<CompletableFuture<Api.Response>> deposits = new ArrayList<>();
    for (int i = 0; i < CHILDREN; i++) {
      deposits.add(api.postAsync("/api/v1/portfolios/large-" + i + "/cash-flows", new JsonObject()
          .put("flowId", "d").put("type", "DEPOSIT").put("currency", "EUR").put("amount", i + 1)));
    }
    deposits.forEach(answer -> assertThat(answer.join().status()).isEqualTo(201));

    Api.Response response = api.get("/api/v1/portfolios/large-root/consolidated/cash");
    assertThat(response.status()).as(response.body()).isEqualTo(200);
    JsonObject cash = response.json();
    assertThat(cash.getInteger("portfolioCount")).isEqualTo(CHILDREN + 1);
    assertThat(cash.getJsonArray("balances")).containsExactly(new JsonObject().put("currency", "EUR")
        .put("balance", "31375").put("balanceBase", "37650"));
    assertThat(cash.getString("cashBase")).isEqualTo("37650");
    // The breakdown: the root, then the children in id order (large-99 sorts last); child i holds
    // i + 1 EUR, (i + 1) × 1.2 USD.
    JsonObject last = cash.getJsonArray("portfolios").getJsonObject(CHILDREN);
    assertThat(last.getString("id")).isEqualTo("large-99");
    assertThat(cash.getJsonArray("portfolios").getJsonObject(0).getString("id")).isEqualTo("large-root");
    JsonObject child = cash.getJsonArray("portfolios").getJsonObject(1);
    assertThat(List.of(child.getString("id"), child.getString("nav"), child.getString("navInRootBase")))
        .containsExactly("large-0", "1", "1.2");
  }
}
