package io.portfoliostate.live;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.BridgeClient;
import io.portfoliostate.fixtures.RunningNode;
import io.portfoliostate.fixtures.TestKeys;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Shared compression on a node with its defaults ({@code live.sharedCompression}): bridge clients
 * that negotiate permessage-deflate with context takeover (what Vert.x's and browsers' clients
 * offer) inflate every message — a snapshot larger than the largest frame, sent in fragments, and
 * every change after it — to what the REST API answers, while the copies of one change written
 * to the sockets of one event loop are deflated once.
 */
class SharedCompressionTest {

  @RegisterExtension
  static final RunningNode NODE = new RunningNode();

  private static final String UPDATES = "portfolio.updates.shared-fund";
  private static final int SOCKETS = 6;
  private static final int CHANGES = 30;

  @Test
  void everyClientInflatesEveryMessageAndCopiesShareOneDeflate() throws Exception {
    Api api = NODE.api();
    api.putInstrument("SC-A", new JsonObject().put("currency", "USD"));
    api.createPortfolio(new JsonObject().put("id", "shared-fund").put("name", "Shared").put("baseCurrency", "USD").put("costMethod", "FIFO"));
    // 1,500 buys: 1,500 open lots, a snapshot of about 200 KB, over the 64 KB frame limit.
    StringBuilder csv = new StringBuilder("tradeId,instrumentId,side,quantity,price\n");
    for (int i = 0; i < 1_500; i++) {
      csv.append("sc-").append(i).append(",SC-A,BUY,1,").append(100 + i % 13).append('\n');
    }
    Api.Response imported = api.send("POST", "/api/v1/portfolios/shared-fund/imports?kind=trades", "text/csv",
        csv.toString());
    assertThat(imported.status()).as(imported.body()).isEqualTo(200);
    JsonObject portfolio = api.get("/api/v1/portfolios/shared-fund").json();
    JsonObject position = positionOf(portfolio.getJsonArray("positions"), "SC-A");
    long version = portfolio.getLong("version");

    List<BridgeClient> clients = new ArrayList<>();
    try {
      for (int i = 0; i < SOCKETS; i++) {
        BridgeClient client = BridgeClient.connect(NODE.node().httpPort(), TestKeys.ADMIN);
        clients.add(client);
        assertThat(client.extensions).contains("permessage-deflate");
        client.register(UPDATES);
        JsonObject snapshot = client.body(UPDATES, Duration.ofSeconds(20));
        assertThat(snapshot.getString("kind")).isEqualTo("snapshot");
        assertThat(snapshot.getLong("version")).isEqualTo(version);
        JsonObject held = positionOf(snapshot.getJsonObject("state").getJsonArray("positions"), "SC-A");
        assertThat(held.encode().length()).as("the snapshot is sent in fragments").isGreaterThan(65_536);
        assertThat(held.getJsonArray("lots")).hasSize(1_500);
        // The snapshot is the REST state, every lot of it (compared without printing 200 KB on a failure).
        for (String field : position.fieldNames()) {
          if (!field.equals("lots")) {
            assertThat(held.getValue(field)).as(field).isEqualTo(position.getValue(field));
          }
        }
        assertThat(held.getJsonArray("lots").equals(position.getJsonArray("lots"))).as("the lots").isTrue();
      }
      double deflatedBefore = counter("deflated");
      double reusedBefore = counter("reused");

      for (int i = 0; i < CHANGES; i++) {
        Api.Response deposited = api.post("/api/v1/portfolios/shared-fund/cash-flows", new JsonObject()
            .put("flowId", "sc-flow-" + i).put("type", "DEPOSIT").put("currency", "USD")
            .put("amount", String.valueOf(100 + i)));
        assertThat(deposited.status()).as(deposited.body()).isEqualTo(201);
      }
      for (BridgeClient client : clients) {
        for (int i = 0; i < CHANGES; i++) {
          JsonObject change = client.body(UPDATES, Duration.ofSeconds(20));
          assertThat(change.getString("kind")).isEqualTo("change");
          assertThat(change.getLong("fromVersion")).isEqualTo(version + i);
          assertThat(change.getLong("version")).isEqualTo(version + i + 1);
          assertThat(change.getJsonArray("events").getJsonObject(0).getString("type")).isEqualTo("CashFlowRecorded");
          // The 1,500 buys cost 158,980 USD; deposits of 100, 101, ... since.
          JsonObject cash = change.getJsonObject("summary").getJsonArray("cash").getJsonObject(0);
          assertThat(new BigDecimal(cash.getString("balance")))
              .isEqualByComparingTo(BigDecimal.valueOf(-158_980L + (i + 1) * 100L + (long) i * (i + 1) / 2));
        }
      }
      double deflated = counter("deflated") - deflatedBefore;
      double reused = counter("reused") - reusedBefore;
      long copies = (long) SOCKETS * CHANGES;
      // Netty's encoder would deflate every copy; here each event loop deflates a change once.
      int eventLoops = Math.min(SOCKETS, NODE.node().eventLoops());
      assertThat(deflated + reused).isGreaterThanOrEqualTo(copies);
      assertThat(reused).isGreaterThanOrEqualTo(copies - (double) CHANGES * eventLoops);
      assertThat(reused).isPositive();
    } finally {
      clients.forEach(BridgeClient::close);
    }
  }

  private static JsonObject positionOf(JsonArray positions, String instrument) {
    for (int i = 0; i < positions.size(); i++) {
      if (positions.getJsonObject(i).getString("instrumentId").equals(instrument)) {
        return positions.getJsonObject(i);
      }
    }
    throw new AssertionError("no position in " + instrument);
  }

  private static double counter(String result) {
    Counter counter = NODE.node().registry().find("pstate.live.deflate").tag("result", result).counter();
    return counter == null ? 0 : counter.count();
  }
}
