package io.portfoliostate.gateway;

import static io.portfoliostate.fixtures.Api.trade;
import static java.util.Map.entry;
import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.RunningNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.math.MathContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Valued reads through the REST API with prices and rates posted through it too, against a real
 * node and PostgreSQL, with DOMAIN.md's figures exactly: market values, unrealized P&L and NAV
 * in the base currency (direct, inverse and USD-crossed rates), weights against targets,
 * groupings and exposures. A missing price or rate leaves figures null and the valuation
 * incomplete, and never fails the read.
 */
class ValuationApiTest {

  @RegisterExtension
  static final RunningNode NODE = new RunningNode();

  /**
   * API.md's example, priced: short 15 AAPL at an average 180, price 170: market value −2,550,
   * unrealized +150; NAV = 105,521 − 2,550 = 102,971 (API.md prints 103,026; its lines do not add
   * up to that, DOMAIN.md's formula does).
   */
  @Test
  void valuesAShortPositionOfTheApiExample() {
    instrument("AAPL", "USD", "Technology", "US");
    String id = api().createPortfolio("fund-a");
    api().deposit(id, "USD", "100000");
    assertThat(api().post(path(id, "trades"), trade("t-1", "AAPL", "BUY", "100", "151.75").put("fees", "2")).status())
        .isEqualTo(201);
    assertThat(api().post(path(id, "trades"), trade("t-2", "AAPL", "SELL", "115", "180").put("fees", 2)).status())
        .isEqualTo(201);
    Api.Response priced = api().post("/api/v1/prices", new JsonArray().add(new JsonObject()
        .put("instrumentId", "AAPL").put("price", "170")));
    assertThat(priced.status()).isEqualTo(200);

    JsonObject state = api().get("/api/v1/portfolios/" + id).json();
    JsonObject position = state.getJsonArray("positions").getJsonObject(0);
    assertThat(position.getString("quantity")).isEqualTo("-15");
    assertThat(position.getString("price")).isEqualTo("170");
    assertThat(position.getString("marketValue")).isEqualTo("-2550");
    assertThat(position.getString("marketValueBase")).isEqualTo("-2550");
    assertThat(position.getString("unrealizedPnl")).isEqualTo("150");
    assertThat(position.getDouble("weight")).isEqualTo(ratio("-2550", "102971"));
    assertThat(state.getJsonArray("cash")).containsExactly(new JsonObject().put("currency", "USD")
        .put("balance", "105521").put("balanceBase", "105521"));
    JsonObject valuation = state.getJsonObject("valuation");
    assertThat(valuation.getString("nav")).isEqualTo("102971");
    assertThat(valuation.getBoolean("complete")).isTrue();
    // The newest information valued is that price, observed when it was recorded (no `at`).
    assertThat(valuation.getString("asOf")).isEqualTo(priced.json().getString("recordedAt"));
  }

  /** Long 10 at 150, price 170: market value 1,700, unrealized 200; NAV 8,500 + 1,700 = 10,200. */
  @Test
  void valuesALongPosition() {
    instrument("AAPL", "USD", "Technology", "US");
    String id = api().createPortfolio("long-1");
    api().deposit(id, "USD", "10000");
    api().post(path(id, "trades"), trade("l-1", "AAPL", "BUY", "10", "150"));
    api().postPrices(new JsonObject().put("instrumentId", "AAPL").put("price", "170"));

    JsonObject state = api().get("/api/v1/portfolios/" + id).json();
    JsonObject position = state.getJsonArray("positions").getJsonObject(0);
    assertThat(position.getString("marketValue")).isEqualTo("1700");
    assertThat(position.getString("unrealizedPnl")).isEqualTo("200");
    assertThat(position.getDouble("weight")).isEqualTo(ratio("1700", "10200"));
    assertThat(state.getJsonArray("cash").getJsonObject(0).getDouble("weight")).as("cash lines print no weight")
        .isNull();
    assertThat(state.getJsonObject("valuation").getString("nav")).isEqualTo("10200");
  }

  /**
   * 10 SAP.DE (EUR) bought at 100 in a USD portfolio, priced 120 EUR; EUR/USD = 1.08 quoted
   * directly: 1,200 EUR = 1,296 USD; the EUR cash of −1,000 is −1,080 USD; NAV = 10,000 + 1,296
   * − 1,080 = 10,216. Unrealized P&L is local: 200 EUR.
   */
  @Test
  void valuesAEuroPositionInAUsdPortfolioAtADirectRate() {
    instrument("SAP.DE", "EUR", "Technology", "DE");
    api().postRates(new JsonObject().put("base", "EUR").put("quote", "USD").put("rate", "1.08"));
    api().postPrices(new JsonObject().put("instrumentId", "SAP.DE").put("price", "120"));
    String id = api().createPortfolio("eur-direct");
    api().deposit(id, "USD", "10000");
    api().post(path(id, "trades"), trade("e-1", "SAP.DE", "BUY", "10", "100"));

    JsonObject state = api().get("/api/v1/portfolios/" + id).json();
    JsonObject position = state.getJsonArray("positions").getJsonObject(0);
    assertThat(position.getString("currency")).isEqualTo("EUR");
    assertThat(position.getString("price")).isEqualTo("120");
    assertThat(position.getString("marketValue")).isEqualTo("1200");
    assertThat(position.getString("marketValueBase")).isEqualTo("1296");
    assertThat(position.getString("unrealizedPnl")).isEqualTo("200");
    assertThat(state.getJsonArray("cash")).containsExactly(
        new JsonObject().put("currency", "EUR").put("balance", "-1000").put("balanceBase", "-1080"),
        new JsonObject().put("currency", "USD").put("balance", "10000").put("balanceBase", "10000"));
    assertThat(state.getJsonObject("valuation").getString("nav")).isEqualTo("10216");
    assertThat(position.getDouble("weight")).isEqualTo(ratio("1296", "10216"));
  }

  /** USD/CHF = 0.8 is the only quote: CHF → USD is 1 / 0.8 = 1.25. 1,100 CHF = 1,375 USD. */
  @Test
  void valuesAtAnInverseRate() {
    instrument("NESN.SW", "CHF", "Consumer Staples", "CH");
    api().postRates(new JsonObject().put("base", "USD").put("quote", "CHF").put("rate", "0.8"));
    api().postPrices(new JsonObject().put("instrumentId", "NESN.SW").put("price", "110"));
    String id = api().createPortfolio("chf-inverse");
    api().deposit(id, "USD", "10000");
    api().post(path(id, "trades"), trade("c-1", "NESN.SW", "BUY", "10", "100"));

    JsonObject state = api().get("/api/v1/portfolios/" + id).json();
    JsonObject position = state.getJsonArray("positions").getJsonObject(0);
    assertThat(position.getString("marketValue")).isEqualTo("1100");
    assertThat(position.getString("marketValueBase")).isEqualTo("1375");
    assertThat(position.getString("unrealizedPnl")).isEqualTo("100");
    assertThat(state.getJsonArray("cash").getJsonObject(0).getString("balanceBase")).isEqualTo("-1250");
    assertThat(state.getJsonObject("valuation").getString("nav")).isEqualTo("10125");
  }

  /**
   * A GBP portfolio holding SAP.DE with only EUR/USD = 1.08 and GBP/USD = 1.25 quoted: EUR → GBP
   * crosses through USD, 1.08 × (1 / 1.25) = 0.864. 1,200 EUR = 1,036.8 GBP; −1,000 EUR cash =
   * −864 GBP; NAV = 10,000 + 1,036.8 − 864 = 10,172.8.
   */
  @Test
  void valuesThroughAUsdCross() {
    instrument("SAP.DE", "EUR", "Technology", "DE");
    api().postRates(new JsonObject().put("base", "EUR").put("quote", "USD").put("rate", "1.08"),
        new JsonObject().put("base", "GBP").put("quote", "USD").put("rate", "1.25"));
    api().postPrices(new JsonObject().put("instrumentId", "SAP.DE").put("price", "120"));
    String id = api().createPortfolio(new JsonObject().put("id", "gbp-cross").put("name", "GBP")
        .put("baseCurrency", "GBP"));
    api().deposit(id, "GBP", "10000");
    api().post(path(id, "trades"), trade("g-1", "SAP.DE", "BUY", "10", "100"));

    JsonObject state = api().get("/api/v1/portfolios/" + id).json();
    JsonObject position = state.getJsonArray("positions").getJsonObject(0);
    assertThat(position.getString("marketValue")).isEqualTo("1200");
    assertThat(position.getString("marketValueBase")).isEqualTo("1036.8");
    assertThat(state.getJsonArray("cash")).containsExactly(
        new JsonObject().put("currency", "EUR").put("balance", "-1000").put("balanceBase", "-864"),
        new JsonObject().put("currency", "GBP").put("balance", "10000").put("balanceBase", "10000"));
    assertThat(state.getJsonObject("valuation").getString("nav")).isEqualTo("10172.8");
  }

  /**
   * No price for NOPX and no rate for JPY: those figures are null, NAV is what is known (950 USD)
   * and the valuation is incomplete; every read still answers 200.
   */
  @Test
  void aMissingPriceOrRateLeavesTheLineUnvaluedAndTheValuationIncomplete() {
    String id = api().createPortfolio("unpriced");
    api().deposit(id, "USD", "1000");
    api().deposit(id, "JPY", "1000");
    api().post(path(id, "trades"), trade("u-1", "NOPX", "BUY", "5", "10"));

    Api.Response read = api().get("/api/v1/portfolios/" + id);
    assertThat(read.status()).isEqualTo(200);
    JsonObject position = read.json().getJsonArray("positions").getJsonObject(0);
    for (String figure : new String[] {"price", "marketValue", "marketValueBase", "unrealizedPnl", "weight"}) {
      assertThat(position.containsKey(figure)).isTrue();
      assertThat(position.getValue(figure)).as(figure).isNull();
    }
    assertThat(read.json().getJsonArray("cash")).containsExactly(
        new JsonObject().put("currency", "JPY").put("balance", "1000").putNull("balanceBase"),
        new JsonObject().put("currency", "USD").put("balance", "950").put("balanceBase", "950"));
    assertThat(read.json().getJsonObject("valuation").getString("nav")).isEqualTo("950");
    assertThat(read.json().getJsonObject("valuation").getBoolean("complete")).isFalse();

    JsonObject cash = api().get(path(id, "cash")).json();
    assertThat(cash.getString("cashBase")).isEqualTo("950");
    assertThat(cash.getBoolean("complete")).isFalse();
    JsonArray weights = new JsonArray(api().get(path(id, "weights")).body());
    assertThat(weights).containsExactly(
        new JsonObject().put("key", "NOPX").putNull("weight").put("targetWeight", 0.0).putNull("drift")
            .putNull("breached"),
        new JsonObject().put("key", "cash:JPY").putNull("weight").put("targetWeight", 0.0).putNull("drift")
            .putNull("breached"),
        new JsonObject().put("key", "cash:USD").put("weight", 1.0).put("targetWeight", 1.0).put("drift", 0.0)
            .put("breached", false));
    assertThat(api().get(path(id, "exposures")).json().getBoolean("complete")).isFalse();
    assertThat(api().get(path(id, "positions?groupBy=sector")).status()).isEqualTo(200);
  }

  /**
   * Targets 0.4 and 0.15, drift threshold 0.02: at NAV 10,000, WGT-A is 4,000 (0.4, on target),
   * WGT-B 1,000 (0.1, drift −0.05, breached) and cash 5,000 against the rest 0.45 (drift 0.05,
   * breached).
   */
  @Test
  void weightsAgainstTargetsWithDriftAndBreach() {
    String id = api().createPortfolio(new JsonObject().put("id", "wgt-1").put("name", "Weights")
        .put("baseCurrency", "USD").put("targets", new JsonObject().put("WGT-A", "0.4").put("WGT-B", "0.15")));
    api().deposit(id, "USD", "10000");
    api().post(path(id, "trades"), trade("w-1", "WGT-A", "BUY", "40", "100"));
    api().post(path(id, "trades"), trade("w-2", "WGT-B", "BUY", "10", "100"));
    api().postPrices(new JsonObject().put("instrumentId", "WGT-A").put("price", "100").put("currency", "USD"),
        new JsonObject().put("instrumentId", "WGT-B").put("price", "100").put("currency", "USD"));

    Api.Response response = api().get(path(id, "weights"));
    assertThat(response.status()).isEqualTo(200);
    assertThat(response.header("ETag")).isEqualTo("\"4\"");
    assertThat(new JsonArray(response.body())).containsExactly(
        new JsonObject().put("key", "WGT-A").put("weight", 0.4).put("targetWeight", 0.4).put("drift", 0.0)
            .put("breached", false),
        new JsonObject().put("key", "WGT-B").put("weight", 0.1).put("targetWeight", 0.15).put("drift", -0.05)
            .put("breached", true),
        new JsonObject().put("key", "cash:USD").put("weight", 0.5).put("targetWeight", 0.45).put("drift", 0.05)
            .put("breached", true));
  }

  /**
   * Technology (G-TECH1: 10 at 100, now 110; G-TECH2: 5 at 200, now 190) and an instrument
   * without reference data (G-NONE: 20 at 10, now 12): NAV = 7,800 cash + 1,100 + 950 + 240 =
   * 10,090. Technology: 2,050 against a cost of 2,000; UNCLASSIFIED: 240 against 200.
   */
  @Test
  void groupsBySectorWithUnclassified() {
    instrument("G-TECH1", "USD", "Technology", "US");
    instrument("G-TECH2", "USD", "Technology", "US");
    String id = api().createPortfolio("sectors");
    api().deposit(id, "USD", "10000");
    api().post(path(id, "trades"), trade("s-1", "G-TECH1", "BUY", "10", "100"));
    api().post(path(id, "trades"), trade("s-2", "G-TECH2", "BUY", "5", "200").put("strategy", "momentum"));
    api().post(path(id, "trades"), trade("s-3", "G-NONE", "BUY", "20", "10"));
    api().postPrices(new JsonObject().put("instrumentId", "G-TECH1").put("price", "110"),
        new JsonObject().put("instrumentId", "G-TECH2").put("price", "190"),
        new JsonObject().put("instrumentId", "G-NONE").put("price", "12").put("currency", "USD"));

    JsonObject grouped = api().get(path(id, "positions?groupBy=sector")).json();
    assertThat(grouped.getString("groupBy")).isEqualTo("sector");
    assertThat(grouped.getJsonObject("valuation").getString("nav")).isEqualTo("10090");
    JsonArray groups = grouped.getJsonArray("groups");
    assertThat(groups).hasSize(2);
    JsonObject tech = groups.getJsonObject(0);
    assertThat(tech.getString("key")).isEqualTo("Technology");
    assertThat(tech.getString("marketValueBase")).isEqualTo("2050");
    assertThat(tech.getString("costBase")).isEqualTo("2000");
    assertThat(tech.getString("unrealizedPnlBase")).isEqualTo("50");
    assertThat(tech.getString("realizedPnlBase")).isEqualTo("0");
    assertThat(tech.getDouble("weight")).isEqualTo(ratio("2050", "10090"));
    assertThat(tech.getBoolean("complete")).isTrue();
    assertThat(tech.getJsonArray("totals")).containsExactly(new JsonObject().put("currency", "USD")
        .put("costBasis", "2000").put("realizedPnl", "0").put("fees", "0"));
    assertThat(tech.getJsonArray("positions").stream().map(p -> ((JsonObject) p).getString("instrumentId")))
        .containsExactly("G-TECH1", "G-TECH2");
    JsonObject unclassified = groups.getJsonObject(1);
    assertThat(unclassified.getString("key")).isEqualTo("UNCLASSIFIED");
    assertThat(unclassified.getString("marketValueBase")).isEqualTo("240");
    assertThat(unclassified.getString("unrealizedPnlBase")).isEqualTo("40");
    assertThat(unclassified.getDouble("weight")).isEqualTo(ratio("240", "10090"));

    JsonArray byStrategy = api().get(path(id, "positions?groupBy=strategy")).json().getJsonArray("groups");
    assertThat(byStrategy.stream().map(g -> ((JsonObject) g).getString("key") + " "
        + ((JsonObject) g).getString("marketValueBase"))).containsExactly("default 1340", "momentum 950");
    JsonArray byInstrument = api().get(path(id, "positions?groupBy=instrument")).json().getJsonArray("groups");
    assertThat(byInstrument.getJsonObject(0).getString("key")).isEqualTo("G-NONE");
    assertThat(byInstrument.getJsonObject(0).getJsonArray("totals").getJsonObject(0).getString("quantity"))
        .isEqualTo("20");
  }

  /**
   * Long 20 E-LONG at 100 (USD, Technology, US); short 10 E-SHORT at 50 EUR (Energy, FR), EUR/USD
   * 1.08: −540 USD. Cash 8,000 USD and 500 EUR (540 USD): NAV 10,000. Long 0.2, short −0.054,
   * gross 0.254, net 0.146.
   */
  @Test
  void exposuresOfLongsAndShorts() {
    api().put("/api/v1/instruments/E-LONG", new JsonObject().put("currency", "USD").put("sector", "Technology")
        .put("country", "US").put("assetClass", "Equity"));
    api().put("/api/v1/instruments/E-SHORT", new JsonObject().put("currency", "EUR").put("sector", "Energy")
        .put("country", "FR").put("assetClass", "Equity"));
    api().postRates(new JsonObject().put("base", "EUR").put("quote", "USD").put("rate", "1.08"));
    String id = api().createPortfolio("exp-1");
    api().deposit(id, "USD", "10000");
    api().post(path(id, "trades"), trade("x-1", "E-LONG", "BUY", "20", "100"));
    api().post(path(id, "trades"), trade("x-2", "E-SHORT", "SELL", "10", "50"));
    api().postPrices(new JsonObject().put("instrumentId", "E-LONG").put("price", "100"),
        new JsonObject().put("instrumentId", "E-SHORT").put("price", "50"));

    assertThat(api().get("/api/v1/portfolios/" + id).json().getJsonObject("valuation").getString("nav"))
        .isEqualTo("10000");
    JsonObject exposures = api().get(path(id, "exposures")).json();
    assertThat(exposures.getDouble("long")).isEqualTo(0.2);
    assertThat(exposures.getDouble("short")).isEqualTo(-0.054);
    assertThat(exposures.getDouble("gross")).isEqualTo(0.254);
    assertThat(exposures.getDouble("net")).isEqualTo(0.146);
    assertThat(exposures.getJsonObject("bySector").getMap()).containsExactly(
        entry("Energy", -0.054), entry("Technology", 0.2));
    assertThat(exposures.getJsonObject("byCountry").getMap()).containsExactly(
        entry("FR", -0.054), entry("US", 0.2));
    assertThat(exposures.getJsonObject("byCurrency").getMap()).containsExactly(
        entry("EUR", -0.054), entry("USD", 0.2));
    assertThat(exposures.getJsonObject("byAssetClass").getMap()).containsExactly(
        entry("Equity", 0.146));
    assertThat(exposures.getBoolean("complete")).isTrue();
  }

  /** A price tick revalues nothing stored: the version stays, the next read shows the new price. */
  @Test
  void aPriceTickChangesTheNextReadNotTheState() {
    instrument("TICK", "USD", "Technology", "US");
    String id = api().createPortfolio("tick-1");
    api().post(path(id, "trades"), trade("k-1", "TICK", "BUY", "3", "10"));
    api().postPrices(new JsonObject().put("instrumentId", "TICK").put("price", "11").put("at", "2026-01-01T10:00:00Z"));
    JsonObject first = api().get("/api/v1/portfolios/" + id).json();
    api().postPrices(new JsonObject().put("instrumentId", "TICK").put("price", "12").put("at", "2026-01-01T10:00:01Z"),
        // Older than the one held: ignored.
        new JsonObject().put("instrumentId", "TICK").put("price", "9").put("at", "2026-01-01T09:00:00Z"));
    JsonObject second = api().get("/api/v1/portfolios/" + id).json();
    assertThat(first.getJsonArray("positions").getJsonObject(0).getString("marketValue")).isEqualTo("33");
    assertThat(second.getJsonArray("positions").getJsonObject(0).getString("marketValue")).isEqualTo("36");
    assertThat(second.getLong("version")).isEqualTo(first.getLong("version")).isEqualTo(2);
    // Nor is an earlier version revalued: it is valued at its own time (AsOfValuationApiTest).
    JsonObject atCreation = api().get("/api/v1/portfolios/" + id + "?version=1").json();
    assertThat(atCreation.getJsonObject("valuation").getString("nav")).isEqualTo("0");
    assertThat(atCreation.getJsonObject("valuation").getString("asOf")).isEqualTo(atCreation.getString("updatedAt"));
  }

  // ---------------------------------------------------------------------------------------------

  /** amount / nav as the service computes a ratio: an exact 34-digit quotient, then a double. */
  private static double ratio(String amount, String nav) {
    return new BigDecimal(amount).divide(new BigDecimal(nav), MathContext.DECIMAL128).doubleValue();
  }

  private static void instrument(String id, String currency, String sector, String country) {
    api().putInstrument(id, new JsonObject().put("currency", currency).put("sector", sector).put("country", country));
  }

  private static String path(String id, String what) {
    return "/api/v1/portfolios/" + id + "/" + what;
  }

  private static Api api() {
    return NODE.api();
  }
}
