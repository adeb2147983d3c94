package io.portfoliostate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.RunningNode;
import io.portfoliostate.fixtures.TestDatabase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Per-portfolio settings over the API, against a real node and a real PostgreSQL: own values
 * and effective values three levels deep (each with where it comes from), removing an own value
 * with null, moving a portfolio under another root, the cost method a child takes from its parent
 * at creation, and bad values refused with nothing changed.
 */
class PortfolioSettingsApiTest {

  @RegisterExtension
  static final RunningNode NODE = new RunningNode();

  @Test
  void settingsAreInheritedFromTheNearestAncestorThreeLevelsDeep() throws Exception {
    create(new JsonObject().put("id", "st-root").put("riskFreeRate", "0.03").put("benchmarkInstrumentId", "SPY")
        .put("alertThresholds", new JsonObject().put("maxDrawdown", "0.2").put("volatility", 0.25)));
    create(new JsonObject().put("id", "st-child").put("parentId", "st-root").put("benchmarkInstrumentId", "QQQ"));
    create(new JsonObject().put("id", "st-grand").put("parentId", "st-child")
        .put("alertThresholds", new JsonObject().put("maxDrawdown", "0.10")));
    create(new JsonObject().put("id", "st-other").put("riskFreeRate", "0.05")
        .put("alertThresholds", new JsonObject().put("var95", "0.04")));

    JsonObject grand = state("st-grand");
    assertThat(grand.getJsonObject("settings")).isEqualTo(new JsonObject().put("costMethod", "AVERAGE")
        .put("driftThreshold", "0.02").put("alertThresholds", new JsonObject().put("drift", "0.02")
            .put("maxDrawdown", "0.1")));
    assertThat(grand.getJsonObject("effectiveSettings")).isEqualTo(effective(
        v("QQQ", "st-child"), v("0.03", "st-root"), v("0.1", null), v("0.25", "st-root"), v(null, "default")));
    assertThat(state("st-child").getJsonObject("effectiveSettings")).isEqualTo(effective(
        v("QQQ", null), v("0.03", "st-root"), v("0.2", "st-root"), v("0.25", "st-root"), v(null, "default")));
    assertThat(state("st-root").getJsonObject("settings")).isEqualTo(new JsonObject().put("costMethod", "AVERAGE")
        .put("driftThreshold", "0.02").put("benchmarkInstrumentId", "SPY").put("riskFreeRate", "0.03")
        .put("alertThresholds", new JsonObject().put("drift", "0.02").put("maxDrawdown", "0.2")
            .put("volatility", "0.25")));
    // The catalog mirrors the own values only, as a JSON object.
    assertThat(catalogSettings("st-grand")).isEqualTo(new JsonObject()
        .put("alertThresholds", new JsonObject().put("maxDrawdown", "0.1")));
    assertThat(catalogSettings("st-child")).isEqualTo(new JsonObject().put("benchmarkInstrumentId", "QQQ"));

    // null removes the grandchild's own drawdown: it inherits the root's again.
    Api.Response cleared = api().patch(path("st-grand"), new JsonObject().put("alertThresholds",
        new JsonObject().putNull("maxDrawdown")));
    assertThat(cleared.status()).as(cleared.body()).isEqualTo(200);
    assertThat(cleared.json().getJsonObject("settings").getJsonObject("alertThresholds"))
        .isEqualTo(new JsonObject().put("drift", "0.02"));
    assertThat(state("st-grand").getJsonObject("effectiveSettings")).isEqualTo(effective(
        v("QQQ", "st-child"), v("0.03", "st-root"), v("0.2", "st-root"), v("0.25", "st-root"), v(null, "default")));
    assertThat(catalogSettings("st-grand")).isEqualTo(new JsonObject());
    JsonObject event = lastEvent("st-grand");
    assertThat(event.getJsonObject("data").getJsonArray("clearedSettings"))
        .containsExactly("alertThresholds.maxDrawdown");

    // Moved under another root, it inherits that root's values, or the defaults.
    assertThat(api().patch(path("st-grand"), new JsonObject().put("parentId", "st-other")).status()).isEqualTo(200);
    assertThat(state("st-grand").getJsonObject("effectiveSettings")).isEqualTo(effective(
        v(null, "default"), v("0.05", "st-other"), v(null, "default"), v(null, "default"), v("0.04", "st-other")));

    // An ancestor's change is seen at once by its descendants; removing the child's benchmark
    // makes it inherit the root's.
    assertThat(api().patch(path("st-root"), new JsonObject().put("riskFreeRate", "0.035")).status()).isEqualTo(200);
    assertThat(api().patch(path("st-child"), new JsonObject().putNull("benchmarkInstrumentId")).status())
        .isEqualTo(200);
    assertThat(state("st-child").getJsonObject("effectiveSettings")).isEqualTo(effective(
        v("SPY", "st-root"), v("0.035", "st-root"), v("0.2", "st-root"), v("0.25", "st-root"), v(null, "default")));
    // A root without any: the defaults.
    create(new JsonObject().put("id", "st-plain"));
    assertThat(state("st-plain").getJsonObject("effectiveSettings")).isEqualTo(effective(
        v(null, "default"), v("0", "default"), v(null, "default"), v(null, "default"), v(null, "default")));
    // An earlier version shows its own settings then, and no effective ones (the catalog has no history).
    JsonObject atOne = api().get(path("st-grand") + "?version=1").json();
    assertThat(atOne.getJsonObject("settings").getJsonObject("alertThresholds").getString("maxDrawdown"))
        .isEqualTo("0.1");
    assertThat(atOne.containsKey("effectiveSettings")).isFalse();
  }

  @Test
  void alertThresholdsOfAPortfolioAreRemovedTogetherWithNull() {
    create(new JsonObject().put("id", "at-1").put("alertThresholds", new JsonObject().put("maxDrawdown", "0.2")
        .put("volatility", "0.3").put("var95", "0.05")).put("driftThreshold", "0.04"));

    Api.Response cleared = api().patch(path("at-1"), new JsonObject().putNull("alertThresholds"));

    assertThat(cleared.status()).isEqualTo(200);
    // The drift threshold is the portfolio's own, always: it is not removed.
    assertThat(cleared.json().getJsonObject("settings").getJsonObject("alertThresholds"))
        .isEqualTo(new JsonObject().put("drift", "0.04"));
    assertThat(cleared.json().getDouble("driftThreshold")).isEqualTo(0.04);
  }

  @Test
  void alertThresholdsDriftIsTheDriftThreshold() {
    create(new JsonObject().put("id", "dr-1").put("alertThresholds", new JsonObject().put("drift", "0.03")));
    assertThat(state("dr-1").getDouble("driftThreshold")).isEqualTo(0.03);

    Api.Response patched = api().patch(path("dr-1"), new JsonObject().put("alertThresholds",
        new JsonObject().put("drift", "0.050")));

    assertThat(patched.status()).isEqualTo(200);
    JsonObject state = state("dr-1");
    assertThat(state.getDouble("driftThreshold")).isEqualTo(0.05);
    assertThat(state.getJsonObject("settings").getString("driftThreshold")).isEqualTo("0.05");
    assertThat(state.getJsonObject("effectiveSettings").getJsonObject("alertThresholds").getJsonObject("drift"))
        .isEqualTo(v("0.05", null));
    // Both names at once must agree.
    assertThat(api().patch(path("dr-1"), new JsonObject().put("driftThreshold", "0.06")
        .put("alertThresholds", new JsonObject().put("drift", 0.06))).status()).isEqualTo(200);
    assertThat(state("dr-1").getDouble("driftThreshold")).isEqualTo(0.06);
  }

  @Test
  void aChildTakesItsParentsCostMethodAtCreationAndKeepsIt() {
    create(new JsonObject().put("id", "cm-parent").put("costMethod", "FIFO"));
    create(new JsonObject().put("id", "cm-child").put("parentId", "cm-parent"));
    create(new JsonObject().put("id", "cm-own").put("parentId", "cm-parent").put("costMethod", "AVERAGE"));

    assertThat(state("cm-child").getString("costMethod")).isEqualTo("FIFO");
    assertThat(state("cm-own").getString("costMethod")).isEqualTo("AVERAGE");
    JsonObject created = api().get(path("cm-child") + "/events").json().getJsonArray("events").getJsonObject(0);
    assertThat(created.getJsonObject("data").getString("costMethod")).isEqualTo("FIFO");

    assertThat(api().patch(path("cm-parent"), new JsonObject().put("costMethod", "LIFO")).status()).isEqualTo(200);

    assertThat(state("cm-child").getString("costMethod")).isEqualTo("FIFO");
    assertThat(state("cm-child").getJsonObject("effectiveSettings").getJsonObject("costMethod"))
        .isEqualTo(v("FIFO", null));
    create(new JsonObject().put("id", "cm-later").put("parentId", "cm-parent"));
    assertThat(state("cm-later").getString("costMethod")).isEqualTo("LIFO");

    // A keyed create that inherits is replayed as such, whatever the parent did since.
    JsonObject keyed = body(new JsonObject().put("id", "cm-keyed").put("parentId", "cm-parent"));
    Api.Response first = api().send("POST", "/api/v1/portfolios", "application/json", keyed.encode(),
        "Idempotency-Key", "cm-keyed-1");
    assertThat(first.status()).isEqualTo(201);
    assertThat(api().patch(path("cm-parent"), new JsonObject().put("costMethod", "HIFO")).status()).isEqualTo(200);
    Api.Response replay = api().send("POST", "/api/v1/portfolios", "application/json", keyed.encode(),
        "Idempotency-Key", "cm-keyed-1");
    assertThat(replay.status()).isEqualTo(200);
    assertThat(replay.header("Idempotent-Replay")).isEqualTo("true");
    assertThat(replay.json().getString("costMethod")).isEqualTo("LIFO");
  }

  @Test
  void badSettingsAre400NamingTheFieldAndChangeNothing() {
    create(new JsonObject().put("id", "bad-1").put("riskFreeRate", "0.02"));
    JsonObject before = state("bad-1");

    assertInvalid(new JsonObject().put("riskFreeRate", "1.5"), "riskFreeRate",
        "must be an annual rate between -1 and 1 (0.03 is 3 %)");
    assertInvalid(new JsonObject().put("riskFreeRate", "three percent"), "riskFreeRate",
        "must be a decimal number, got 'three percent'");
    assertInvalid(new JsonObject().put("riskFreeRate", true), "riskFreeRate",
        "must be a decimal number (JSON number or string)");
    assertInvalid(new JsonObject().put("alertThresholds", new JsonObject().put("maxDrawdown", 0)),
        "alertThresholds.maxDrawdown", "must be a fraction greater than zero (0.1 is 10 %)");
    assertInvalid(new JsonObject().put("alertThresholds", new JsonObject().put("var95", "-0.01")),
        "alertThresholds.var95", "must be a fraction greater than zero (0.1 is 10 %)");
    assertInvalid(new JsonObject().put("alertThresholds", new JsonObject().put("sharpe", "1")),
        "alertThresholds.sharpe", "is not a known threshold (drift, maxDrawdown, volatility, var95)");
    assertInvalid(new JsonObject().put("alertThresholds", "0.1"), "alertThresholds", "must be a JSON object");
    assertInvalid(new JsonObject().put("alertThresholds", new JsonObject().putNull("drift")),
        "alertThresholds.drift", "cannot be removed: every portfolio has its own drift threshold (driftThreshold)");
    assertInvalid(new JsonObject().put("driftThreshold", "0.05").put("alertThresholds",
        new JsonObject().put("drift", "0.06")), "alertThresholds.drift",
        "contradicts driftThreshold: they are the same setting");
    assertInvalid(new JsonObject().put("benchmarkInstrumentId", "S&P 500"), "benchmarkInstrumentId",
        "must be 1-64 characters of A-Z a-z 0-9 . _ : -");
    // Every problem at once.
    Api.Response both = api().patch(path("bad-1"), new JsonObject().put("riskFreeRate", "-2")
        .put("alertThresholds", new JsonObject().put("volatility", "0")));
    assertThat(both.status()).isEqualTo(400);
    assertThat(fields(both)).containsExactlyInAnyOrder("riskFreeRate", "alertThresholds.volatility");
    assertThat(state("bad-1")).isEqualTo(before);

    // On create too: nothing is created.
    Api.Response created = api().post("/api/v1/portfolios", body(new JsonObject().put("id", "bad-2")
        .put("alertThresholds", new JsonObject().put("maxDrawdown", "-1"))));
    assertThat(created.status()).isEqualTo(400);
    assertThat(fields(created)).containsExactly("alertThresholds.maxDrawdown");
    assertThat(api().get(path("bad-2")).status()).isEqualTo(404);
  }

  @Test
  void aBenchmarkNeedsNoReferenceDataYetLikeTargets() {
    create(new JsonObject().put("id", "bm-1"));

    Api.Response patched = api().patch(path("bm-1"), new JsonObject().put("benchmarkInstrumentId", "LISTED-LATER"));

    assertThat(patched.status()).isEqualTo(200);
    assertThat(state("bm-1").getJsonObject("effectiveSettings").getJsonObject("benchmarkInstrumentId"))
        .isEqualTo(v("LISTED-LATER", null));
  }

  // ---- helpers --------------------------------------------------------------------------

  private void assertInvalid(JsonObject patch, String field, String message) {
    Api.Response refused = api().patch(path("bad-1"), patch);
    assertThat(refused.status()).as(refused.body()).isEqualTo(400);
    assertThat(refused.contentType()).isEqualTo("application/problem+json");
    assertThat(refused.json().getString("type")).isEqualTo("/problems/invalid-request");
    assertThat(refused.json().getJsonArray("errors")).containsExactly(
        new JsonObject().put("field", field).put("message", message));
  }

  private static List<String> fields(Api.Response problem) {
    List<String> fields = new ArrayList<>();
    problem.json().getJsonArray("errors").forEach(e -> fields.add(((JsonObject) e).getString("field")));
    return fields;
  }

  /** The effectiveSettings of a portfolio with the default cost method and drift threshold. */
  private static JsonObject effective(JsonObject benchmark, JsonObject riskFreeRate, JsonObject maxDrawdown,
      JsonObject volatility, JsonObject var95) {
    return new JsonObject()
        .put("costMethod", v("AVERAGE", null))
        .put("driftThreshold", v("0.02", null))
        .put("benchmarkInstrumentId", benchmark)
        .put("riskFreeRate", riskFreeRate)
        .put("alertThresholds", new JsonObject().put("drift", v("0.02", null)).put("maxDrawdown", maxDrawdown)
            .put("volatility", volatility).put("var95", var95));
  }

  private static JsonObject v(String value, String inheritedFrom) {
    return new JsonObject().put("value", value).put("inheritedFrom", inheritedFrom);
  }

  private static JsonObject body(JsonObject fields) {
    return new JsonObject().put("name", "Portfolio " + fields.getString("id")).put("baseCurrency", "USD")
        .mergeIn(fields);
  }

  private static void create(JsonObject fields) {
    api().createPortfolio(body(fields));
  }

  private static JsonObject state(String id) {
    Api.Response response = api().get(path(id));
    assertThat(response.status()).as(response.body()).isEqualTo(200);
    return response.json();
  }

  private static JsonObject lastEvent(String id) {
    JsonArray events = api().get(path(id) + "/events").json().getJsonArray("events");
    return events.getJsonObject(events.size() - 1);
  }

  private static JsonObject catalogSettings(String id) throws Exception {
    try (Connection connection = TestDatabase.connect(NODE.databaseUri());
        Statement statement = connection.createStatement();
        ResultSet row = statement.executeQuery("SELECT jsonb_typeof(settings), settings::text FROM portfolios"
            + " WHERE id = '" + id + "'")) {
      assertThat(row.next()).isTrue();
      assertThat(row.getString(1)).isEqualTo("object");
      return new JsonObject(row.getString(2));
    }
  }

  private static String path(String id) {
    return "/api/v1/portfolios/" + id;
  }

  private static Api api() {
    return NODE.api();
  }
}
