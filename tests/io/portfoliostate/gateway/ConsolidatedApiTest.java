package io.portfoliostate.gateway;

import static io.portfoliostate.fixtures.Api.trade;
import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.RunningNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Consolidated views through the REST API against a real node and PostgreSQL, with DOMAIN.md's
 * figures exactly: a USD root, a EUR child and a GBP grandchild, longs and shorts of AAPL netting
 * across them, cash in three currencies converted into the root's base. The same tree as
 * ConsolidationTest, posted through the API; the arithmetic is written out there and repeated in
 * short here.
 */
class ConsolidatedApiTest {

  /** Small, so that a tree of seven is too large to consolidate. */
  private static final int MAX_PORTFOLIOS = 6;

  @RegisterExtension
  static final RunningNode NODE = new RunningNode(new JsonObject()
      .put("consolidation", new JsonObject().put("maxPortfolios", MAX_PORTFOLIOS).put("maxInFlight", 2)));

  /**
   * Market: AAPL 200, MSFT 410 (USD), SAP 120 EUR, GILT 1.5 GBP (a bond without a sector);
   * EUR/USD 1.25, GBP/USD 1.6.
   * root (USD): deposit 20,000 USD; buy 100 AAPL @ 150; targets AAPL 0.2, SAP 0.3.
   * eur (EUR, under root): deposit 10,000 EUR; sell 40 AAPL @ 210; buy 50 SAP @ 100; buy 10 AAPL
   * @ 205 in strategy alpha.
   * gbp (GBP, under eur): deposit 2,000 GBP; buy 30 SAP @ 110; sell 20 AAPL @ 190; buy 1,000 GILT
   * @ 1.2; sell 5 MSFT @ 400.
   */
  @BeforeAll
  static void tree() {
    api().putInstrument("AAPL", instrument("USD", "Equity", "Technology", "US"));
    api().putInstrument("MSFT", instrument("USD", "Equity", "Technology", "US"));
    api().putInstrument("SAP", instrument("EUR", "Equity", "Technology", "DE"));
    api().putInstrument("GILT", new JsonObject().put("currency", "GBP").put("assetClass", "Bond").put("country", "GB"));
    api().postPrices(price("AAPL", "200"), price("MSFT", "410"), price("SAP", "120"), price("GILT", "1.5"));
    api().postRates(new JsonObject().put("base", "EUR").put("quote", "USD").put("rate", "1.25"),
        new JsonObject().put("base", "GBP").put("quote", "USD").put("rate", "1.6"));

    create("root", "USD", null);
    api().deposit("root", "USD", "20000");
    record("root", trade("r-1", "AAPL", "BUY", "100", "150"));
    assertThat(api().put("/api/v1/portfolios/root/targets", new JsonObject()
        .put("targets", new JsonObject().put("AAPL", "0.2").put("SAP", "0.3"))).status()).isEqualTo(200);

    create("eur", "EUR", "root");
    api().deposit("eur", "EUR", "10000");
    record("eur", trade("e-1", "AAPL", "SELL", "40", "210"));
    record("eur", trade("e-2", "SAP", "BUY", "50", "100"));
    record("eur", trade("e-3", "AAPL", "BUY", "10", "205").put("strategy", "alpha"));

    create("gbp", "GBP", "eur");
    api().deposit("gbp", "GBP", "2000");
    record("gbp", trade("g-1", "SAP", "BUY", "30", "110"));
    record("gbp", trade("g-2", "AAPL", "SELL", "20", "190"));
    record("gbp", trade("g-3", "GILT", "BUY", "1000", "1.2"));
    record("gbp", trade("g-4", "MSFT", "SELL", "5", "400"));
  }

  /**
   * Lines netted per (instrument, strategy) in USD: AAPL/alpha 10 (MV 2,000); AAPL/default 100 −
   * 40 − 20 = 40, cost 15,000 − 8,400 − 3,800 = 2,800, MV 8,000, unrealized 5,200; GILT 1,000, MV
   * 1,500 GBP = 2,400 USD; MSFT −5, MV −2,050; SAP 80, cost 8,300 EUR, MV 9,600 EUR = 12,000 USD.
   * Cash EUR 1,700 (2,125 USD), GBP 800 (1,280 USD), USD 17,150. NAV 42,905.
   */
  @Test
  void theWholeViewSumsTheTreeExactlyInTheRootsBase() {
    Api.Response response = api().get("/api/v1/portfolios/root/consolidated");
    assertThat(response.status()).isEqualTo(200);
    JsonObject view = response.json();
    assertThat(view.getString("portfolioId")).isEqualTo("root");
    assertThat(view.getString("baseCurrency")).isEqualTo("USD");
    assertThat(view.getInteger("portfolioCount")).isEqualTo(3);
    JsonArray positions = view.getJsonArray("positions");
    assertThat(positions.stream().map(p -> ((JsonObject) p).getString("instrumentId") + "/"
        + ((JsonObject) p).getString("strategy"))).containsExactly("AAPL/alpha", "AAPL/default", "GILT/default",
        "MSFT/default", "SAP/default");
    JsonObject aapl = positions.getJsonObject(1);
    assertThat(aapl.getString("quantity")).isEqualTo("40");
    assertThat(aapl.getString("cost")).isEqualTo("2800");
    assertThat(aapl.getString("averageCost")).isEqualTo("70");
    assertThat(aapl.getString("price")).isEqualTo("200");
    assertThat(aapl.getString("marketValue")).isEqualTo("8000");
    assertThat(aapl.getString("marketValueBase")).isEqualTo("8000");
    assertThat(aapl.getString("unrealizedPnl")).isEqualTo("5200");
    assertThat(aapl.getDouble("weight")).isEqualTo(ratio("8000", "42905"));
    assertThat(aapl.getJsonArray("holders")).containsExactly(
        new JsonObject().put("portfolioId", "root").put("quantity", "100"),
        new JsonObject().put("portfolioId", "eur").put("quantity", "-40"),
        new JsonObject().put("portfolioId", "gbp").put("quantity", "-20"));
    JsonObject gilt = positions.getJsonObject(2);
    assertThat(List.of(gilt.getString("currency"), gilt.getString("marketValue"), gilt.getString("marketValueBase"),
        gilt.getString("costBase"), gilt.getString("unrealizedPnl"), gilt.getString("unrealizedPnlBase")))
        .containsExactly("GBP", "1500", "2400", "1920", "300", "480");
    JsonObject msft = positions.getJsonObject(3);
    assertThat(List.of(msft.getString("quantity"), msft.getString("cost"), msft.getString("marketValueBase"),
        msft.getString("unrealizedPnl"))).containsExactly("-5", "-2000", "-2050", "-50");
    JsonObject sap = positions.getJsonObject(4);
    assertThat(List.of(sap.getString("quantity"), sap.getString("cost"), sap.getString("averageCost"),
        sap.getString("marketValue"), sap.getString("marketValueBase"), sap.getString("costBase"),
        sap.getString("unrealizedPnlBase"))).containsExactly("80", "8300", "103.75", "9600", "12000", "10375", "1625");

    assertThat(view.getJsonArray("cash")).containsExactly(
        new JsonObject().put("currency", "EUR").put("balance", "1700").put("balanceBase", "2125"),
        new JsonObject().put("currency", "GBP").put("balance", "800").put("balanceBase", "1280"),
        new JsonObject().put("currency", "USD").put("balance", "17150").put("balanceBase", "17150"));
    JsonObject valuation = view.getJsonObject("valuation");
    assertThat(valuation.getString("nav")).isEqualTo("42905");
    assertThat(valuation.getBoolean("complete")).isTrue();
    assertThat(valuation.getJsonObject("missing")).isEqualTo(new JsonObject()
        .put("prices", new JsonArray()).put("rates", new JsonArray()));
  }

  /**
   * root 25,000 USD; eur 11,280 EUR = 14,100 USD line by line; gbp 2,378.125 GBP = 3,805 USD;
   * 25,000 + 14,100 + 3,805 = 42,905. Versions: root 4 (create, deposit, trade, targets), eur 5,
   * gbp 6.
   */
  @Test
  void theBreakdownNamesEachPortfolioItsVersionAndItsNav() {
    JsonArray portfolios = api().get("/api/v1/portfolios/root/consolidated").json().getJsonArray("portfolios");
    assertThat(portfolios).containsExactly(
        breakdown("root", null, 0, "USD", 4, "25000", "25000"),
        breakdown("eur", "root", 1, "EUR", 5, "11280", "14100"),
        breakdown("gbp", "eur", 2, "GBP", 6, "2378.125", "3805"));
  }

  /**
   * The subtree under eur, in EUR: eur 11,280; gbp line by line in EUR (USD→EUR 0.8, GBP→EUR
   * through USD 1.6 × 0.8 = 1.28): AAPL −3,200, SAP 3,600, GILT 1,920, MSFT −1,640, cash −3,300
   * EUR, 1,024 (800 GBP), 4,640 (5,800 USD): 3,044. NAV 14,324.
   */
  @Test
  void aSubtreeIsValuedInItsOwnRootsBase() {
    JsonObject view = api().get("/api/v1/portfolios/eur/consolidated").json();
    assertThat(view.getString("baseCurrency")).isEqualTo("EUR");
    assertThat(view.getJsonObject("valuation").getString("nav")).isEqualTo("14324");
    assertThat(view.getJsonArray("portfolios")).containsExactly(
        breakdown("eur", null, 0, "EUR", 5, "11280", "11280"),
        breakdown("gbp", "eur", 1, "GBP", 6, "2378.125", "3044"));
    // AAPL/default: −40 − 20 = −60, MV −12,000 USD = −9,600 EUR.
    JsonObject aapl = view.getJsonArray("positions").getJsonObject(1);
    assertThat(List.of(aapl.getString("quantity"), aapl.getString("marketValueBase")))
        .containsExactly("-60", "-9600");
  }

  /** By currency: EUR 12,000 (SAP), GBP 2,400 (GILT), USD 2,000 + 8,000 − 2,050 = 7,950. */
  @Test
  void positionsGroupLikeASinglePortfolios() {
    JsonObject view = api().get("/api/v1/portfolios/root/consolidated/positions?groupBy=currency").json();
    assertThat(view.getString("groupBy")).isEqualTo("currency");
    JsonArray groups = view.getJsonArray("groups");
    assertThat(groups.stream().map(g -> ((JsonObject) g).getString("key") + " "
        + ((JsonObject) g).getString("marketValueBase"))).containsExactly("EUR 12000", "GBP 2400", "USD 7950");
    JsonObject usd = groups.getJsonObject(2);
    // Cost 2,050 + 2,800 − 2,000 = 2,850; unrealized −50 + 5,200 − 50 = 5,100.
    assertThat(usd.getString("costBase")).isEqualTo("2850");
    assertThat(usd.getString("unrealizedPnlBase")).isEqualTo("5100");
    assertThat(usd.getDouble("weight")).isEqualTo(ratio("7950", "42905"));
    assertThat(usd.getJsonArray("positions")).hasSize(3);
    assertThat(view.getJsonObject("valuation").getString("nav")).isEqualTo("42905");
    assertThat(view.getJsonArray("portfolios")).hasSize(3);

    JsonObject plain = api().get("/api/v1/portfolios/root/consolidated/positions").json();
    assertThat(plain.getJsonArray("positions")).hasSize(5);
    assertThat(plain.containsKey("groups")).isFalse();
  }

  @Test
  void cashIsSummedPerCurrency() {
    JsonObject cash = api().get("/api/v1/portfolios/root/consolidated/cash").json();
    assertThat(cash.getJsonArray("balances")).hasSize(3);
    // 2,125 + 1,280 + 17,150.
    assertThat(cash.getString("cashBase")).isEqualTo("20555");
    assertThat(cash.getBoolean("complete")).isTrue();
  }

  /**
   * Against the root's targets (AAPL 0.2, SAP 0.3, the rest USD cash 0.5), threshold 0.02: AAPL
   * 10,000 / 42,905 = 0.2331 (breached), SAP 12,000 / 42,905 = 0.2797 (drift −0.0203, breached).
   */
  @Test
  void weightsAreAgainstTheRootsTargets() {
    JsonObject view = api().get("/api/v1/portfolios/root/consolidated/weights").json();
    assertThat(view.getDouble("driftThreshold")).isEqualTo(0.02);
    JsonArray weights = view.getJsonArray("weights");
    assertThat(weights.stream().map(w -> ((JsonObject) w).getString("key")))
        .containsExactly("AAPL", "GILT", "MSFT", "SAP", "cash:EUR", "cash:GBP", "cash:USD");
    JsonObject aapl = weights.getJsonObject(0);
    assertThat(aapl.getDouble("weight")).isEqualTo(exact("10000", "42905").doubleValue());
    assertThat(aapl.getDouble("targetWeight")).isEqualTo(0.2);
    assertThat(aapl.getDouble("drift")).isEqualTo(exact("10000", "42905").subtract(new BigDecimal("0.2")).doubleValue());
    assertThat(aapl.getBoolean("breached")).isTrue();
    assertThat(weights.getJsonObject(3).getDouble("targetWeight")).isEqualTo(0.3);
    assertThat(weights.getJsonObject(6).getDouble("targetWeight")).isEqualTo(0.5);
    assertThat(weights.getJsonObject(6).getDouble("weight")).isEqualTo(exact("17150", "42905").doubleValue());
  }

  /**
   * Of the netted lines: long 24,400, short −2,050, gross 26,450, net 22,350 (each / 42,905), not
   * the 50,450 gross of adding up each portfolio's own longs and shorts.
   */
  @Test
  void exposuresAreOfTheNettedLines() {
    JsonObject view = api().get("/api/v1/portfolios/root/consolidated/exposures").json();
    assertThat(view.getDouble("long")).isEqualTo(ratio("24400", "42905"));
    assertThat(view.getDouble("short")).isEqualTo(ratio("-2050", "42905"));
    assertThat(view.getDouble("gross")).isEqualTo(ratio("26450", "42905"));
    assertThat(view.getDouble("net")).isEqualTo(ratio("22350", "42905"));
    assertThat(view.getJsonObject("bySector")).isEqualTo(new JsonObject()
        .put("Technology", ratio("19950", "42905")).put("UNCLASSIFIED", ratio("2400", "42905")));
    assertThat(view.getJsonObject("byCountry")).isEqualTo(new JsonObject()
        .put("DE", ratio("12000", "42905")).put("GB", ratio("2400", "42905")).put("US", ratio("7950", "42905")));
    assertThat(view.getBoolean("complete")).isTrue();
    assertThat(view.getString("portfolioId")).isEqualTo("root");
  }

  /** A child's unpriced instrument: the consolidated view says so, and still sums what is known. */
  @Test
  void aMissingPriceMakesTheViewIncompleteAndIsNamed() {
    create("miss-root", "USD", null);
    api().deposit("miss-root", "USD", "1000");
    create("miss-child", "USD", "miss-root");
    record("miss-child", trade("m-1", "UNPRICED", "BUY", "2", "100"));
    JsonObject view = api().get("/api/v1/portfolios/miss-root/consolidated").json();
    JsonObject valuation = view.getJsonObject("valuation");
    assertThat(valuation.getBoolean("complete")).isFalse();
    assertThat(valuation.getJsonObject("missing").getJsonArray("prices")).containsExactly("UNPRICED");
    // Cash 1,000 − 200: 800; the unpriced line counts for nothing.
    assertThat(valuation.getString("nav")).isEqualTo("800");
    JsonObject line = view.getJsonArray("positions").getJsonObject(0);
    assertThat(line.getString("marketValue")).isNull();
    assertThat(line.getValue("weight")).isNull();
    assertThat(view.getJsonArray("portfolios").getJsonObject(1).getBoolean("complete")).isFalse();
  }

  @Test
  void anUnknownRootIsA404ExactlyAsForOtherPortfolioRoutes() {
    Api.Response single = api().get("/api/v1/portfolios/nobody");
    for (String view : List.of("", "/positions", "/cash", "/weights", "/exposures")) {
      Api.Response response = api().get("/api/v1/portfolios/nobody/consolidated" + view);
      assertThat(response.status()).isEqualTo(404);
      assertThat(response.contentType()).isEqualTo("application/problem+json");
      assertThat(response.json()).isEqualTo(single.json());
    }
  }

  @Test
  void earlierStatesAndCachedReadsAreRefused() {
    for (String query : List.of("?asOf=2026-01-01T00:00:00Z", "?version=2", "?consistency=cached",
        "?minVersion=1")) {
      Api.Response response = api().get("/api/v1/portfolios/root/consolidated" + query);
      assertThat(response.status()).as(query).isEqualTo(400);
      assertThat(response.contentType()).isEqualTo("application/problem+json");
      assertThat(response.json().getString("type")).isEqualTo("/problems/invalid-request");
      assertThat(response.json().getString("detail")).contains("consolidated");
    }
    Api.Response badGroup = api().get("/api/v1/portfolios/root/consolidated/positions?groupBy=colour");
    assertThat(badGroup.status()).isEqualTo(400);
    assertThat(badGroup.json().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("groupBy");
    Api.Response badId = api().get("/api/v1/portfolios/bad%20id/consolidated");
    assertThat(badId.status()).isEqualTo(400);
    assertThat(badId.json().getJsonArray("errors").getJsonObject(0).getString("field")).isEqualTo("id");
  }

  /** Seven portfolios under the limit of six: refused before any owner is asked. */
  @Test
  void aSubtreeLargerThanTheLimitIsRefused() {
    create("big", "USD", null);
    List<String> children = new ArrayList<>();
    for (int i = 0; i < MAX_PORTFOLIOS; i++) {
      children.add(create("big-" + i, "USD", i == 0 ? "big" : "big-" + (i - 1)));
    }
    Api.Response response = api().get("/api/v1/portfolios/big/consolidated");
    assertThat(response.status()).isEqualTo(422);
    assertThat(response.contentType()).isEqualTo("application/problem+json");
    assertThat(response.json().getString("type")).isEqualTo("/problems/subtree-too-large");
    assertThat(response.json().getInteger("maxPortfolios")).isEqualTo(MAX_PORTFOLIOS);
    assertThat(response.json().getString("detail")).contains("more than 6 portfolios");
    // Six (a chain of depth five) is within it.
    Api.Response within = api().get("/api/v1/portfolios/" + children.get(0) + "/consolidated");
    assertThat(within.status()).isEqualTo(200);
    assertThat(within.json().getInteger("portfolioCount")).isEqualTo(6);
    assertThat(within.json().getJsonArray("portfolios").getJsonObject(5).getInteger("depth")).isEqualTo(5);
  }

  /**
   * A reader of a portfolio reads its whole subtree summed; a reader of the child only gets the
   * child's subtree, and the root's view answers it exactly as a missing portfolio.
   */
  @Test
  void aReaderOfAPortfolioReadsItsSubtreeAndNothingAbove() {
    Api.Response created = api().post("/api/v1/api-keys", new JsonObject().put("name", "eur reader")
        .put("roles", new JsonArray()));
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    String key = created.json().getString("key");
    Api.Response granted = api().post("/api/v1/grants", new JsonObject().put("granteeType", "API_KEY")
        .put("grantee", created.json().getString("keyId")).put("role", "read").put("portfolioId", "eur"));
    assertThat(granted.status()).as(granted.body()).isEqualTo(201);
    Api reader = api().asBearer(key);

    Api.Response own = reader.get("/api/v1/portfolios/eur/consolidated");
    assertThat(own.status()).isEqualTo(200);
    assertThat(own.json().getJsonObject("valuation").getString("nav")).isEqualTo("14324");
    Api.Response above = reader.get("/api/v1/portfolios/root/consolidated/cash");
    assertThat(above.status()).isEqualTo(404);
    assertThat(above.json().getString("type")).isEqualTo("/problems/not-found");
    assertThat(api().anonymous().get("/api/v1/portfolios/root/consolidated").status()).isEqualTo(401);
  }

  private static JsonObject breakdown(String id, String parent, int depth, String base, long version, String nav,
      String navInRootBase) {
    return new JsonObject().put("id", id).put("parentId", parent).put("depth", depth).put("baseCurrency", base)
        .put("version", version).put("nav", nav).put("complete", true).put("navInRootBase", navInRootBase)
        .put("completeInRootBase", true);
  }

  private static String create(String id, String base, String parent) {
    return api().createPortfolio(new JsonObject().put("id", id).put("name", "Fund " + id).put("baseCurrency", base)
        .put("parentId", parent));
  }

  private static void record(String portfolio, JsonObject trade) {
    Api.Response response = api().post("/api/v1/portfolios/" + portfolio + "/trades", trade);
    assertThat(response.status()).as(response.body()).isEqualTo(201);
  }

  private static JsonObject instrument(String currency, String assetClass, String sector, String country) {
    return new JsonObject().put("currency", currency).put("assetClass", assetClass).put("sector", sector)
        .put("country", country);
  }

  private static JsonObject price(String instrument, String price) {
    return new JsonObject().put("instrumentId", instrument).put("price", price);
  }

  private static BigDecimal exact(String amount, String nav) {
    return new BigDecimal(amount).divide(new BigDecimal(nav), MathContext.DECIMAL128);
  }

  private static Double ratio(String amount, String nav) {
    return new BigDecimal(amount).doubleValue() / new BigDecimal(nav).doubleValue();
  }

  private static Api api() {
    return NODE.api();
  }
}
