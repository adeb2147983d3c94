package io.portfoliostate.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.BridgeClient;
import io.portfoliostate.fixtures.TestCluster;
import io.portfoliostate.fixtures.TestDatabase;
import io.portfoliostate.fixtures.TestKeys;
import io.portfoliostate.protocol.Addresses;
import io.vertx.core.Handler;
import io.vertx.core.eventbus.DeliveryContext;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A change crosses to a hub on another node as its events only, and that hub evolves its own copy
 * of the state: a subscriber there must see exactly what a subscriber on the owner's node sees
 * (which gets the owner's state by reference) and what the REST API answers at each version, for
 * a book of many open lots and every kind of event; and a hub that misses a message still
 * delivers every version once, in order.
 */
class LiveCrossNodeTest {

  private static final Duration WAIT = Duration.ofSeconds(20);
  private static TestCluster cluster;

  @BeforeAll
  static void start() throws Exception {
    cluster = TestCluster.start(2, 2, TestDatabase.freshDatabaseUri(), new JsonObject());
  }

  @AfterAll
  static void stop() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }


  private static String path(String id, String tail) {
    return "/api/v1/portfolios/" + id + tail;
  }

  private static void expect(Api.Response response, int status) {
    assertThat(response.status()).as(response.body()).isEqualTo(status);
  }

  @Test
  void aFollowerOnAnotherNodeSeesWhatTheOwnersNodeAndRestSeeForABookOfManyLots() throws Exception {
    Api api = new Api(cluster.node(0).httpPort());
    String id = cluster.idOwnedBy(1, "lx-");
    api.createPortfolio(new JsonObject().put("id", id).put("name", "Cross " + id).put("baseCurrency", "USD")
        .put("costMethod", "FIFO"));
    expect(api.post(path(id, "/cash-flows"), new JsonObject().put("flowId", "seed").put("type", "DEPOSIT")
        .put("currency", "USD").put("amount", "1000000")), 201);
    // 1,200 open lots (one share each, at prices that differ): 600 of AAPL, 200 each of three
    // others. Posted to the owner's node: a batch's answer carries each trade's position with its
    // lots, which would cross the cluster from the other.
    Api owner = new Api(cluster.node(1).httpPort());
    String[] others = {"MSFT", "NVDA", "AMZN"};
    for (int batch = 0; batch < 6; batch++) {
      JsonArray trades = new JsonArray();
      for (int i = 0; i < 200; i++) {
        int n = batch * 200 + i;
        trades.add(Api.trade("seed-" + n, n < 600 ? "AAPL" : others[(n - 600) / 200], "BUY", "1",
            String.valueOf(100 + n % 50)).put("executedAt", "2026-11-02T10:00:00Z"));
      }
      expect(owner.post(path(id, "/trades:batch"), new JsonObject().put("trades", trades)), 200);
    }
    long seeded = api.get(path(id, "")).json().getLong("version");
    assertThat(seeded).isEqualTo(2 + 1_200);

    String address = "portfolio.updates." + id;
    try (BridgeClient remote = BridgeClient.connect(cluster.node(0).httpPort(), TestKeys.ADMIN);
        BridgeClient local = BridgeClient.connect(cluster.node(1).httpPort(), TestKeys.ADMIN)) {
      remote.register(address);
      local.register(address);
      JsonObject remoteSnapshot = remote.body(address, WAIT);
      JsonObject localSnapshot = local.body(address, WAIT);
      assertThat(remoteSnapshot.getLong("version")).isEqualTo(seeded);
      assertThat(remoteSnapshot).isEqualTo(localSnapshot);

      // Every kind of event: trades opening and closing lots, a trade cancelled and one amended
      // (restatements of the position), cash flows in two currencies, a conversion, targets, a
      // split and a dividend applied by the corporate actions fan-out, the settings.
      JsonArray more = new JsonArray();
      for (int i = 0; i < 40; i++) {
        more.add(Api.trade("more-" + i, i % 2 == 0 ? "AAPL" : "NVDA", "BUY", "2", "120.5")
            .put("executedAt", "2026-11-03T10:00:00Z"));
      }
      expect(api.post(path(id, "/trades:batch"), new JsonObject().put("trades", more)), 200);
      expect(api.post(path(id, "/trades"), Api.trade("sell-1", "AAPL", "SELL", "300", "130")
          .put("executedAt", "2026-11-04T10:00:00Z")), 201);
      expect(api.post(path(id, "/trades/seed-3:cancel"), new JsonObject().put("reason", "booked twice")), 200);
      expect(api.post(path(id, "/trades/seed-700:amend"), new JsonObject().put("quantity", "3")
          .put("reason", "confirmation")), 200);
      expect(api.post(path(id, "/cash-flows"), new JsonObject().put("flowId", "eur-1").put("type", "DEPOSIT")
          .put("currency", "EUR").put("amount", "5000")), 201);
      expect(api.post(path(id, "/fx-conversions"), new JsonObject().put("conversionId", "fx-1")
          .put("fromCurrency", "EUR").put("toCurrency", "USD").put("fromAmount", "1000").put("rate", "1.08")), 201);
      expect(api.put(path(id, "/targets"), new JsonObject().put("targets", new JsonObject().put("AAPL", "0.5")
          .put("MSFT", "0.2"))), 200);
      expect(api.post("/api/v1/corporate-actions", new JsonObject().put("actionId", "lx-split-" + id)
          .put("instrumentId", "AAPL").put("type", "SPLIT").put("ratio", "2:1")
          .put("effectiveAt", "2026-11-05T00:00:00Z")), 201);
      expect(api.post("/api/v1/corporate-actions", new JsonObject().put("actionId", "lx-div-" + id)
          .put("instrumentId", "MSFT").put("type", "CASH_DIVIDEND").put("amountPerShare", "0.25")
          .put("effectiveAt", "2026-11-05T00:00:00Z")), 201);
      awaitEvent(api, id, "SplitApplied");
      long last = awaitEvent(api, id, "DividendApplied");
      expect(api.patch(path(id, ""), new JsonObject().put("name", "Cross renamed")), 200);
      last++;
      expect(api.post(path(id, "/trades"), Api.trade("late-1", "AAPL", "BUY", "10", "90")
          .put("executedAt", "2026-11-04T12:00:00Z")), 201);
      long through = api.get(path(id, "")).json().getLong("version");
      assertThat(through).isGreaterThan(last);

      List<JsonObject> remoteChanges = changes(remote, address, seeded, through);
      List<JsonObject> localChanges = changes(local, address, seeded, through);
      // The same events, version by version, on both nodes. A hub that reads a late change from
      // the journal (its renewal overtook the change: possible on a loaded machine) delivers it
      // in smaller pieces, so the messages are compared where both end at the same version: that
      // is every one of them unless such a read happened.
      assertThat(events(remoteChanges)).isEqualTo(events(localChanges));
      java.util.Map<Long, JsonObject> localByVersion = new java.util.HashMap<>();
      localChanges.forEach(change -> localByVersion.put(change.getLong("version"), change));
      int compared = 0;
      for (JsonObject change : remoteChanges) {
        JsonObject same = localByVersion.get(change.getLong("version"));
        if (same != null && same.getLong("fromVersion").equals(change.getLong("fromVersion"))) {
          assertThat(change).as("the change to %d", change.getLong("version")).isEqualTo(same);
          compared++;
        }
      }
      assertThat(compared).as("changes compared message by message").isPositive();
      assertThat(remote.quiet(Duration.ofMillis(1500))).isTrue();

      // What REST answers at each version: the journal's events (without origin), and the
      // touched positions and the cash as the state at that version has them.
      Map<Long, JsonObject> journal = new HashMap<>();
      for (JsonObject event : api.journal(id)) {
        JsonObject copy = event.copy();
        copy.remove("origin");
        journal.put(copy.getLong("version"), copy);
      }
      List<String> types = new ArrayList<>();
      for (JsonObject change : remoteChanges) {
        long version = change.getLong("version");
        for (Object item : change.getJsonArray("events")) {
          JsonObject event = (JsonObject) item;
          assertThat(event).isEqualTo(journal.get(event.getLong("version")));
          types.add(event.getString("type"));
        }
        JsonObject state = api.get(path(id, "?version=" + version)).json();
        assertThat(change.getJsonObject("summary").getJsonArray("cash")).as("cash at %d", version)
            .isEqualTo(withoutValuation(state.getJsonArray("cash")));
        Map<String, JsonObject> positions = new HashMap<>();
        for (Object item : state.getJsonArray("positions")) {
          JsonObject position = (JsonObject) item;
          positions.put(position.getString("instrumentId") + "/" + position.getString("strategy"), position);
        }
        for (Object item : change.getJsonObject("summary").getJsonArray("positions")) {
          JsonObject touched = (JsonObject) item;
          JsonObject rest = positions.get(touched.getString("instrumentId") + "/" + touched.getString("strategy"));
          assertThat(touched.containsKey("lots")).isFalse();
          for (String field : touched.fieldNames()) {
            assertThat(touched.getValue(field)).as("%s of %s at %d", field, touched.getString("instrumentId"), version)
                .isEqualTo(rest == null ? null : rest.getValue(field));
          }
        }
      }
      assertThat(types).contains("TradeRecorded", "TradeCancelled", "TradeAmended", "CashFlowRecorded",
          "FxConverted", "TargetsSet", "SplitApplied", "DividendApplied", "PortfolioUpdated");
      // The split's 2:1 of 600 + 40 - 300 - 1 shares, and the late trade's 10 (before the split: 20).
      JsonObject aapl = positionOf(api.get(path(id, "/positions")).json().getJsonArray("positions"), "AAPL");
      assertThat(aapl.getString("quantity")).isEqualTo("698");
      assertThat(cluster.node(0).registry().find("pstate.live.diverged").counter().count()).isZero();
    }
  }

  @Test
  void aFollowerThatMissesAMessageDeliversEveryVersionOnceInOrder() throws Exception {
    Api api = new Api(cluster.node(0).httpPort());
    String id = cluster.idOwnedBy(1, "lm-");
    api.createPortfolio(id);
    String address = "portfolio.updates." + id;
    String hub = Addresses.live(cluster.node(0).nodeId());
    // Drops the next change that reaches node 0's hub while armed (a message lost on the way).
    AtomicInteger drop = new AtomicInteger();
    AtomicInteger dropped = new AtomicInteger();
    Handler<DeliveryContext<Object>> losing = context -> {
      if (hub.equals(context.message().address()) && drop.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        dropped.incrementAndGet();
        return;
      }
      context.next();
    };
    cluster.node(0).vertx().eventBus().addInboundInterceptor(losing);
    try (BridgeClient client = BridgeClient.connect(cluster.node(0).httpPort(), TestKeys.ADMIN)) {
      client.register(address);
      assertThat(client.body(address, WAIT).getLong("version")).isEqualTo(1);

      // A lost change with another after it: the next one shows the gap, which the hub reads
      // from the journal before delivering it.
      drop.set(1);
      deposit(api, id, "a", "10");
      deposit(api, id, "b", "20");
      deposit(api, id, "c", "30");
      assertThat(changes(client, address, 1, 4)).extracting(c -> c.getJsonObject("summary").getJsonArray("cash")
          .getJsonObject(0).getString("balance")).containsExactly("10", "30", "60");
      // A lost change with none after it: the renewal's answer (every second) carries the version.
      drop.set(1);
      deposit(api, id, "d", "40");
      long before = System.nanoTime();
      assertThat(changes(client, address, 4, 5).get(0).getJsonObject("summary").getJsonArray("cash")
          .getJsonObject(0).getString("balance")).isEqualTo("100");
      assertThat(Duration.ofNanos(System.nanoTime() - before)).isLessThan(Duration.ofSeconds(5));
      assertThat(dropped.get()).isEqualTo(2);
      deposit(api, id, "e", "50");
      assertThat(changes(client, address, 5, 6)).hasSize(1);
      assertThat(client.quiet(Duration.ofMillis(1500))).isTrue();
    } finally {
      cluster.node(0).vertx().eventBus().removeInboundInterceptor(losing);
    }
  }

  /**
   * The two nodes of this cluster share one machine's clock (MachineClock), so the hub times a
   * change's trip from the other node's owner ({@code crossing}) and runs {@code queued} and
   * {@code delivered} from the owner's COMMIT, as for its own node's changes: one count per
   * change (sent one at a time, each crosses in a batch of its own).
   */
  @Test
  void aChangesTripFromAnotherNodeOfTheMachineIsTimedFromItsCommit() throws Exception {
    Api api = new Api(cluster.node(0).httpPort());
    String id = cluster.idOwnedBy(1, "lt-");
    api.createPortfolio(id);
    String address = "portfolio.updates." + id;
    try (BridgeClient client = BridgeClient.connect(cluster.node(0).httpPort(), TestKeys.ADMIN)) {
      client.register(address);
      assertThat(client.body(address, WAIT).getLong("version")).isEqualTo(1);
      Map<String, Long> before = stageCounts(0);
      for (int i = 1; i <= 4; i++) {
        deposit(api, id, "t-" + i, "10");
      }
      assertThat(changes(client, address, 1, 5)).hasSize(4);
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (stageCounts(0).get("delivered") - before.get("delivered") < 4 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      Map<String, Long> after = stageCounts(0);
      for (String stage : List.of("crossing", "queued", "delivered")) {
        assertThat(after.get(stage) - before.get(stage)).as(stage).isEqualTo(4);
      }
      io.micrometer.core.instrument.Timer crossing = cluster.node(0).registry().find("pstate.live.stage")
          .tag("stage", "crossing").timer();
      assertThat(crossing.max(java.util.concurrent.TimeUnit.MILLISECONDS)).isPositive().isLessThan(WAIT.toMillis());
    }
  }

  private Map<String, Long> stageCounts(int node) {
    Map<String, Long> counts = new HashMap<>();
    for (String stage : List.of("crossing", "queued", "delivered")) {
      io.micrometer.core.instrument.Timer timer = cluster.node(node).registry().find("pstate.live.stage")
          .tag("stage", stage).timer();
      counts.put(stage, timer == null ? 0 : timer.count());
    }
    return counts;
  }

  private static void deposit(Api api, String id, String flowId, String amount) {
    expect(api.post(path(id, "/cash-flows"), new JsonObject().put("flowId", flowId).put("type", "DEPOSIT")
        .put("currency", "USD").put("amount", amount)), 201);
  }

  /** Waits until the portfolio's journal has an event of {@code type}; returns the version then. */
  private static long awaitEvent(Api api, String id, String type) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      List<JsonObject> events = api.journal(id);
      if (events.stream().anyMatch(e -> type.equals(e.getString("type")))) {
        return events.get(events.size() - 1).getLong("version");
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no " + type + " in " + id + " within " + WAIT);
  }

  /** Every event of {@code changes}, in order. */
  private static JsonArray events(List<JsonObject> changes) {
    JsonArray events = new JsonArray();
    changes.forEach(change -> change.getJsonArray("events").forEach(events::add));
    return events;
  }

  /** The changes from {@code at} to {@code through}: each starts where the one before ended. */
  private static List<JsonObject> changes(BridgeClient client, String address, long at, long through)
      throws InterruptedException {
    List<JsonObject> changes = new ArrayList<>();
    while (at < through) {
      JsonObject change = client.body(address, WAIT);
      assertThat(change.getString("kind")).as(change.encode()).isEqualTo("change");
      assertThat(change.getLong("fromVersion")).as("the change after %d", at).isEqualTo(at);
      long next = at;
      for (Object event : change.getJsonArray("events")) {
        assertThat(((JsonObject) event).getLong("version")).isEqualTo(++next);
      }
      at = change.getLong("version");
      assertThat(at).isEqualTo(next);
      changes.add(change);
    }
    assertThat(at).isEqualTo(through);
    return changes;
  }

  private static JsonArray withoutValuation(JsonArray cash) {
    JsonArray plain = new JsonArray();
    for (Object item : cash) {
      JsonObject line = (JsonObject) item;
      plain.add(new JsonObject().put("currency", line.getString("currency")).put("balance", line.getString("balance")));
    }
    return plain;
  }

  private static JsonObject positionOf(JsonArray positions, String instrument) {
    for (Object item : positions) {
      if (instrument.equals(((JsonObject) item).getString("instrumentId"))) {
        return (JsonObject) item;
      }
    }
    throw new AssertionError("no position in " + instrument + ": " + positions);
  }
}
