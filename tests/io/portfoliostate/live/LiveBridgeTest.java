package io.portfoliostate.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.BridgeClient;
import io.portfoliostate.fixtures.RunningNode;
import io.portfoliostate.fixtures.TestKeys;
import io.portfoliostate.security.ApiKeySecret;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The SockJS event-bus bridge end to end on a real node, with a real WebSocket client speaking
 * the bridge's frames: who may register for what, the snapshot then every change in order,
 * resume and resync, prices, and bad input refused.
 */
class LiveBridgeTest {

  private static final Duration WAIT = Duration.ofSeconds(10);

  @RegisterExtension
  static final RunningNode NODE = new RunningNode(new JsonObject().put("live", new JsonObject()
      .put("maxResumeVersions", 20)));

  private static Api admin() {
    return NODE.api();
  }

  private static int port() {
    return NODE.node().httpPort();
  }

  private static String newKey(String name, String... roles) {
    Api.Response created = admin().post("/api/v1/api-keys", new JsonObject().put("name", name)
        .put("roles", new JsonArray(List.of((Object[]) roles))));
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    return created.json().getString("key");
  }

  private static String grant(String key, String role, String portfolio) {
    Api.Response granted = admin().post("/api/v1/grants", new JsonObject().put("granteeType", "API_KEY")
        .put("grantee", ApiKeySecret.keyId(key).orElseThrow()).put("role", role).put("portfolioId", portfolio));
    assertThat(granted.status()).as(granted.body()).isEqualTo(201);
    return granted.json().getString("grantId");
  }

  private static void deposit(String portfolio, String flowId, String amount) {
    Api.Response r = admin().post("/api/v1/portfolios/" + portfolio + "/cash-flows", new JsonObject()
        .put("flowId", flowId).put("type", "DEPOSIT").put("currency", "USD").put("amount", amount));
    assertThat(r.status()).as(r.body()).isEqualTo(201);
  }

  @Test
  void aReaderGetsTheSnapshotThenEachChangeAndIsRefusedWhatItMayNotRead() throws Exception {
    admin().createPortfolio("lb-mine");
    admin().createPortfolio("lb-theirs");
    deposit("lb-mine", "lb-d1", "1000");
    String reader = newKey("lb-reader");
    grant(reader, "read", "lb-mine");

    try (BridgeClient client = BridgeClient.connect(port(), reader)) {
      client.register("portfolio.updates.lb-mine");
      JsonObject snapshot = client.body("portfolio.updates.lb-mine", WAIT);
      assertThat(snapshot.getString("kind")).isEqualTo("snapshot");
      assertThat(snapshot.getLong("version")).isEqualTo(2);
      assertThat(snapshot.getJsonObject("state").getJsonArray("cash"))
          .isEqualTo(new JsonArray().add(new JsonObject().put("currency", "USD").put("balance", "1000")));

      // Not readable: refused exactly as a portfolio that does not exist, naming the address.
      client.register("portfolio.updates.lb-theirs");
      JsonObject refused = client.next(f -> "err".equals(f.getString("type")) && f.containsKey("address"), WAIT);
      assertThat(refused.getString("address")).isEqualTo("portfolio.updates.lb-theirs");
      assertThat(refused.getString("body")).isEqualTo("not_found");
      client.register("portfolio.valuation.lb-nowhere");
      JsonObject missing = client.next(f -> "err".equals(f.getString("type")) && f.containsKey("address"), WAIT);
      assertThat(missing.getString("body")).isEqualTo("not_found");
      // Outside the permitted addresses, and anything inbound.
      // (Each refusal above is followed by the bridge's own generic "rejected".)
      client.register("pstate.journal.append");
      assertThat(client.next(f -> "err".equals(f.getString("type")) && !"rejected".equals(f.getString("body")), WAIT)
          .getString("body")).isEqualTo("access_denied");
      client.send(new JsonObject().put("type", "send").put("address", "portfolio.updates.lb-mine")
          .put("body", new JsonObject()));
      assertThat(client.next(f -> "err".equals(f.getString("type")), WAIT).getString("body"))
          .isIn("access_denied", "rejected");
      client.send(new JsonObject().put("type", "shout").put("address", "portfolio.updates.lb-mine"));
      assertThat(client.next(f -> "err".equals(f.getString("type")) && !"rejected".equals(f.getString("body"))
          && !"access_denied".equals(f.getString("body")), WAIT).getString("body"))
          .isEqualTo("invalid_type");
      client.register("portfolio.updates.lb-mine", new JsonObject().put("fromVersion", "two"));
      JsonObject bad = client.next(f -> "err".equals(f.getString("type")) && f.containsKey("address"), WAIT);
      assertThat(bad.getString("body")).isEqualTo("bad_request");

      // A change: one message with the events and what they changed.
      deposit("lb-mine", "lb-d2", "250.5");
      JsonObject change = client.body("portfolio.updates.lb-mine", WAIT);
      assertThat(change.getString("kind")).isEqualTo("change");
      assertThat(change.getLong("fromVersion")).isEqualTo(2);
      assertThat(change.getLong("version")).isEqualTo(3);
      assertThat(change.getJsonArray("events")).hasSize(1);
      JsonObject event = change.getJsonArray("events").getJsonObject(0);
      assertThat(event.getLong("version")).isEqualTo(3);
      assertThat(event.getString("type")).isEqualTo("CashFlowRecorded");
      assertThat(change.getJsonObject("summary").getJsonArray("cash"))
          .isEqualTo(new JsonArray().add(new JsonObject().put("currency", "USD").put("balance", "1250.5")));
      // The other portfolio's changes never reach this socket.
      deposit("lb-theirs", "lb-t1", "5");
      assertThat(client.quiet(Duration.ofMillis(500))).isTrue();
    }
  }

  @Test
  void withoutCredentialsNoSocketOpens() {
    assertThatThrownBy(() -> BridgeClient.connect(port(), (String) null)).hasMessageContaining("401");
    assertThatThrownBy(() -> BridgeClient.connect(port(), "psk_aaaaaaaaaaaa_" + "A".repeat(43)))
        .hasMessageContaining("401");
    Api.Response info = admin().anonymous().get("/eventbus/info");
    assertThat(info.status()).isEqualTo(401);
    assertThat(info.contentType()).isEqualTo("application/problem+json");
    assertThat(admin().anonymous().get("/eventbus/info?access_token=" + TestKeys.ADMIN).status()).isEqualTo(200);
  }

  @Test
  void twoThousandConcurrentCommitsArriveInOrderWithNoGapAndNoDuplicate() throws Exception {
    admin().createPortfolio("lb-busy");
    try (BridgeClient early = BridgeClient.connect(port(), TestKeys.ADMIN);
        BridgeClient late = BridgeClient.connect(port(), TestKeys.ADMIN);
        BridgeClient resuming = BridgeClient.connect(port(), TestKeys.ADMIN)) {
      early.register("portfolio.updates.lb-busy");
      assertThat(early.body("portfolio.updates.lb-busy", WAIT).getLong("version")).isEqualTo(1);
      ExecutorService pool = Executors.newFixedThreadPool(16);
      List<Future<Api.Response>> sent = new ArrayList<>();
      long resumedFrom = -1;
      for (int i = 0; i < 2000; i++) {
        int n = i;
        sent.add(pool.submit(() -> admin().post("/api/v1/portfolios/lb-busy/cash-flows", new JsonObject()
            .put("flowId", "busy-" + n).put("type", "DEPOSIT").put("currency", "USD").put("amount", "1"))));
        if (i == 700) {
          // A second subscriber joins while commits stream: its snapshot, then the rest.
          late.register("portfolio.updates.lb-busy");
        }
        if (i == 1200) {
          // A third comes back with a version while commits stream: the versions after it from the
          // journal while the live ones are held for it (or a resync, if it fell more than
          // maxResumeVersions behind meanwhile), then the rest.
          sent.get(1000).get(); // the first thousand or so committed: a version to come back from
          resumedFrom = admin().get("/api/v1/portfolios/lb-busy").json().getLong("version") - 5;
          assertThat(resumedFrom).isGreaterThan(900);
          resuming.register("portfolio.updates.lb-busy", new JsonObject().put("fromVersion", resumedFrom));
        }
      }
      for (Future<Api.Response> response : sent) {
        assertThat(response.get().status()).isEqualTo(201);
      }
      pool.shutdown();
      assertChain(early, "portfolio.updates.lb-busy", 1, 2001, false);
      assertChain(late, "portfolio.updates.lb-busy", -1, 2001, true);
      JsonObject first = resuming.body("portfolio.updates.lb-busy", WAIT);
      long resumedAt = first.getString("kind").equals("resync") ? first.getLong("version") : first.getLong("fromVersion");
      if (first.getString("kind").equals("change")) {
        assertThat(resumedAt).isEqualTo(resumedFrom);
        assertThat(first.getLong("version")).isEqualTo(resumedAt + 1);
        resumedAt++;
      } else {
        assertThat(first.getString("kind")).isEqualTo("resync");
      }
      assertChain(resuming, "portfolio.updates.lb-busy", resumedAt, 2001, false);
    }
  }

  /**
   * Reads until {@code through}: each change starts where the one before ended (no gap, no
   * duplicate), and the deposits add up to the version count.
   */
  private static void assertChain(BridgeClient client, String address, long after, long through, boolean snapshotFirst)
      throws InterruptedException {
    long at = after;
    int changes = 0;
    if (snapshotFirst) {
      JsonObject snapshot = client.body(address, WAIT);
      assertThat(snapshot.getString("kind")).isEqualTo("snapshot");
      at = snapshot.getLong("version");
      assertThat(balance(snapshot.getJsonObject("state").getJsonArray("cash")))
          .isEqualByComparingTo(String.valueOf(at - 1));
    }
    while (at < through) {
      JsonObject change = client.body(address, WAIT);
      assertThat(change.getString("kind")).isEqualTo("change");
      assertThat(change.getLong("fromVersion")).as("the change after %d", at).isEqualTo(at);
      assertThat(change.getJsonArray("events")).hasSize((int) (change.getLong("version") - at));
      at = change.getLong("version");
      changes++;
      // The summary's balance is the sum of the deposits so far: one per version after the creation.
      assertThat(balance(change.getJsonObject("summary").getJsonArray("cash")))
          .isEqualByComparingTo(String.valueOf(at - 1));
    }
    assertThat(at).isEqualTo(through);
    assertThat(changes).isPositive();
    assertThat(client.quiet(Duration.ofMillis(300))).isTrue();
  }

  /** The USD balance of a cash array; zero when there is none yet. */
  private static java.math.BigDecimal balance(JsonArray cash) {
    return cash.isEmpty() ? java.math.BigDecimal.ZERO : new java.math.BigDecimal(cash.getJsonObject(0).getString("balance"));
  }

  @Test
  void aClientThatComesBackWithItsVersionGetsWhatItMissedOrAResync() throws Exception {
    admin().createPortfolio("lb-resume");
    for (int i = 1; i <= 30; i++) {
      deposit("lb-resume", "r-" + i, "10");
    }
    // Version 31 now. Missed 25..31: replayed from the journal, one change per version.
    try (BridgeClient client = BridgeClient.connect(port(), TestKeys.ADMIN)) {
      client.register("portfolio.updates.lb-resume", new JsonObject().put("fromVersion", "24"));
      for (long v = 25; v <= 31; v++) {
        JsonObject change = client.body("portfolio.updates.lb-resume", WAIT);
        assertThat(change.getString("kind")).isEqualTo("change");
        assertThat(change.getLong("fromVersion")).isEqualTo(v - 1);
        assertThat(change.getLong("version")).isEqualTo(v);
        assertThat(change.getJsonObject("summary").getJsonArray("cash").getJsonObject(0).getString("balance"))
            .isEqualTo(String.valueOf(10 * (v - 1)));
      }
      deposit("lb-resume", "r-live", "1");
      JsonObject live = client.body("portfolio.updates.lb-resume", WAIT);
      assertThat(live.getLong("fromVersion")).isEqualTo(31);
      assertThat(live.getLong("version")).isEqualTo(32);
      assertThat(client.quiet(Duration.ofMillis(300))).isTrue();
    }
    // Up to date: nothing until the next change.
    try (BridgeClient client = BridgeClient.connect(port(), TestKeys.ADMIN)) {
      client.register("portfolio.updates.lb-resume", new JsonObject().put("fromVersion", 32));
      assertThat(client.quiet(Duration.ofMillis(500))).isTrue();
    }
    // More than maxResumeVersions (20) behind, or ahead: a resync with the whole state.
    for (long from : new long[] {5, 40}) {
      try (BridgeClient client = BridgeClient.connect(port(), TestKeys.ADMIN)) {
        client.register("portfolio.updates.lb-resume", new JsonObject().put("fromVersion", from));
        JsonObject resync = client.body("portfolio.updates.lb-resume", WAIT);
        assertThat(resync.getString("kind")).isEqualTo("resync");
        assertThat(resync.getLong("version")).isEqualTo(32);
        assertThat(resync.getJsonObject("state").getJsonArray("cash").getJsonObject(0).getString("balance"))
            .isEqualTo("301");
        assertThat(resync.getString("reason")).contains(from == 5 ? "27 versions behind" : "ahead");
      }
    }
  }

  @Test
  void pricesAndTheValuedViewArriveLive() throws Exception {
    admin().createPortfolio("lb-valued");
    admin().putInstrument("LB-EQ", new JsonObject().put("currency", "USD"));
    deposit("lb-valued", "v-1", "10000");
    admin().postPrices(new JsonObject().put("instrumentId", "LB-EQ").put("price", "100"));
    Api.Response bought = admin().post("/api/v1/portfolios/lb-valued/trades",
        Api.trade("v-t1", "LB-EQ", "BUY", "10", "100"));
    assertThat(bought.status()).isEqualTo(201);
    try (BridgeClient client = BridgeClient.connect(port(), TestKeys.ADMIN)) {
      client.register("prices.LB-EQ");
      client.register("portfolio.valuation.lb-valued");
      JsonObject first = client.body("portfolio.valuation.lb-valued", WAIT);
      assertThat(first.getString("kind")).isEqualTo("valuation");
      assertThat(first.getString("nav")).isEqualTo("10000");
      assertThat(first.getJsonArray("positions").getJsonObject(0).getString("marketValue")).isEqualTo("1000");
      admin().postPrices(new JsonObject().put("instrumentId", "LB-EQ").put("price", "112.5"));
      JsonObject price = client.body("prices.LB-EQ", WAIT);
      assertThat(price).isEqualTo(new JsonObject().put("kind", "price").put("instrumentId", "LB-EQ")
          .put("price", "112.5").put("currency", "USD").put("at", price.getString("at")));
      JsonObject revalued = client.body("portfolio.valuation.lb-valued", WAIT);
      // 9,000 cash and 10 at 112.5.
      assertThat(revalued.getString("nav")).isEqualTo("10125");
      assertThat(revalued.getJsonArray("positions").getJsonObject(0).getString("unrealizedPnl")).isEqualTo("125");
    }
  }

  @Test
  void aTradesChangeCarriesTheJournaledEventAndItsPositionWithoutLots() throws Exception {
    admin().createPortfolio(new JsonObject().put("id", "lb-lots").put("name", "Lots").put("baseCurrency", "USD")
        .put("costMethod", "FIFO"));
    admin().putInstrument("LB-LOT", new JsonObject().put("currency", "USD"));
    deposit("lb-lots", "lb-l1", "10000");
    assertThat(admin().post("/api/v1/portfolios/lb-lots/trades", Api.trade("lb-b1", "LB-LOT", "BUY", "10", "100"))
        .status()).isEqualTo(201);
    assertThat(admin().post("/api/v1/portfolios/lb-lots/trades", Api.trade("lb-b2", "LB-LOT", "BUY", "5", "110"))
        .status()).isEqualTo(201);
    try (BridgeClient client = BridgeClient.connect(port(), TestKeys.ADMIN)) {
      client.register("portfolio.updates.lb-lots");
      JsonObject snapshot = client.body("portfolio.updates.lb-lots", WAIT);
      // The snapshot is the REST state: the position with both its lots.
      assertThat(snapshot.getJsonObject("state").getJsonArray("positions").getJsonObject(0).getJsonArray("lots"))
          .hasSize(2);
      assertThat(admin().post("/api/v1/portfolios/lb-lots/trades", Api.trade("lb-s1", "LB-LOT", "SELL", "12", "120"))
          .status()).isEqualTo(201);
      JsonObject change = client.body("portfolio.updates.lb-lots", WAIT);
      assertThat(change.getLong("version")).isEqualTo(5);

      // The event is the journal's, as GET .../events lists it (without its origin).
      JsonObject listed = admin().get("/api/v1/portfolios/lb-lots/events?afterVersion=4").json()
          .getJsonArray("events").getJsonObject(0);
      listed.remove("origin");
      assertThat(change.getJsonArray("events")).isEqualTo(new JsonArray().add(listed));

      // The touched position as the REST API shows it, without its lots: FIFO closed the lot of
      // 10 and 2 of the 5, leaving 3 at 110.
      JsonObject position = change.getJsonObject("summary").getJsonArray("positions").getJsonObject(0);
      assertThat(position.containsKey("lots")).isFalse();
      assertThat(position.getString("quantity")).isEqualTo("3");
      assertThat(position.getString("costBasis")).isEqualTo("330");
      JsonObject rest = admin().get("/api/v1/portfolios/lb-lots").json().getJsonArray("positions").getJsonObject(0);
      assertThat(rest.getJsonArray("lots")).hasSize(1);
      for (String field : position.fieldNames()) {
        assertThat(position.getValue(field)).as(field).isEqualTo(rest.getValue(field));
      }
      // 10000 - 1000 - 550 + 1440.
      assertThat(change.getJsonObject("summary").getJsonArray("cash"))
          .isEqualTo(new JsonArray().add(new JsonObject().put("currency", "USD").put("balance", "9890")));
    }
  }

  @Test
  void aRevokedGrantDropsItsRegistrationsAndARevokedKeyClosesTheSocket() throws Exception {
    admin().createPortfolio("lb-granted");
    admin().createPortfolio("lb-kept");
    String reader = newKey("lb-revoked-reader");
    String grantId = grant(reader, "read", "lb-granted");
    grant(reader, "read", "lb-kept");
    try (BridgeClient client = BridgeClient.connect(port(), reader)) {
      client.register("portfolio.updates.lb-granted");
      client.register("portfolio.updates.lb-kept");
      // The two snapshots, in either order.
      List<JsonObject> snapshots = List.of(client.next(f -> "rec".equals(f.getString("type")), WAIT),
          client.next(f -> "rec".equals(f.getString("type")), WAIT));
      assertThat(snapshots).extracting(f -> f.getString("address")).containsExactlyInAnyOrder(
          "portfolio.updates.lb-granted", "portfolio.updates.lb-kept");
      assertThat(snapshots).extracting(f -> f.getJsonObject("body").getString("kind")).containsOnly("snapshot");

      assertThat(admin().send("DELETE", "/api/v1/grants/" + grantId, null, null).status()).isEqualTo(200);
      JsonObject revoked = client.next(f -> "err".equals(f.getString("type")), WAIT);
      assertThat(revoked.getString("address")).isEqualTo("portfolio.updates.lb-granted");
      assertThat(revoked.getString("body")).isEqualTo("access_revoked");
      // Changes of the portfolio it may no longer read stop; the other's keep coming.
      deposit("lb-granted", "lb-g1", "10");
      deposit("lb-kept", "lb-k1", "20");
      List<JsonObject> seen = new java.util.ArrayList<>();
      JsonObject frame;
      do {
        frame = client.next(WAIT);
        seen.add(frame);
      } while (!("rec".equals(frame.getString("type")) && "portfolio.updates.lb-kept".equals(frame.getString("address"))));
      assertThat(frame.getJsonObject("body").getLong("version")).isEqualTo(2);
      assertThat(seen).noneMatch(f -> "portfolio.updates.lb-granted".equals(f.getString("address")));
      assertThat(client.quiet(Duration.ofMillis(500))).isTrue();

      assertThat(admin().send("DELETE", "/api/v1/api-keys/" + ApiKeySecret.keyId(reader).orElseThrow(), null, null)
          .status()).isEqualTo(200);
      assertThat(client.awaitClosed(WAIT)).isEqualTo(4003);
      assertThat(client.closeReason()).isEqualTo("credential revoked or expired");
    }
  }

  @Test
  void theCredentialMayComeAsAHeaderButNotTwice() throws Exception {
    admin().createPortfolio("lb-header");
    try (BridgeClient client = BridgeClient.connect(port(), new io.vertx.core.http.WebSocketConnectOptions()
        .setURI("/eventbus/websocket").addHeader("Authorization", "Bearer " + TestKeys.ADMIN))) {
      client.register("portfolio.updates.lb-header");
      assertThat(client.body("portfolio.updates.lb-header", WAIT).getString("kind")).isEqualTo("snapshot");
      assertThat(client.extensions).contains("permessage-deflate");
    }
    assertThatThrownBy(() -> BridgeClient.connect(port(), new io.vertx.core.http.WebSocketConnectOptions()
        .setURI("/eventbus/websocket?access_token=" + TestKeys.ADMIN)
        .addHeader("Authorization", "Bearer " + TestKeys.ADMIN))).hasMessageContaining("401");
  }

  @Test
  void aFloodOfRegistrationsOrAnOversizedFrameClosesTheSocket() throws Exception {
    admin().createPortfolio("lb-flood");
    try (BridgeClient client = BridgeClient.connect(port(), TestKeys.ADMIN)) {
      // 60 in a burst: over the 50 per second a socket may make. The server may close the socket
      // before the burst is all written, so the writes are not awaited.
      for (int i = 0; i < 60; i++) {
        client.registerWithoutWaiting("prices.LB-FLOOD-" + i);
      }
      assertThat(client.awaitClosed(WAIT)).isEqualTo(4001);
      assertThat(client.closeReason()).isEqualTo("registration flood: more than 50 per second");
    }
    // Without permessage-deflate, so that the frame on the wire is as large as its text.
    try (BridgeClient client = BridgeClient.connectSlow(port(), TestKeys.ADMIN)) {
      client.register("portfolio.updates.lb-flood");
      assertThat(client.body("portfolio.updates.lb-flood", WAIT).getString("kind")).isEqualTo("snapshot");
      client.sendText(new JsonObject().put("type", "register").put("address", "portfolio.updates.lb-flood")
          .put("headers", new JsonObject().put("padding", "x".repeat(70_000))).encode());
      // 1009 when the close frame gets through, 1006 when the server drops the connection first.
      assertThat(client.awaitClosed(WAIT)).isIn(1009, 1006);
    }
    // With permessage-deflate the frame on the wire is a few kilobytes; inflated, it is too big.
    try (BridgeClient client = BridgeClient.connect(port(), TestKeys.ADMIN)) {
      assertThat(client.extensions).contains("permessage-deflate");
      client.register("portfolio.updates.lb-flood");
      assertThat(client.body("portfolio.updates.lb-flood", WAIT).getString("kind")).isEqualTo("snapshot");
      client.sendText(new JsonObject().put("type", "register").put("address", "portfolio.updates.lb-flood")
          .put("headers", new JsonObject().put("padding", "x".repeat(900_000))).encode());
      assertThat(client.awaitClosed(WAIT)).isEqualTo(1009);
      assertThat(client.closeReason()).isEqualTo("message too big: more than 65536 bytes");
    }
    // Nothing of it reached the owner: the portfolio is at its first version.
    assertThat(admin().get("/api/v1/portfolios/lb-flood").json().getLong("version")).isEqualTo(1);
  }
}
