package io.portfoliostate.gateway;

import static io.portfoliostate.fixtures.Api.trade;
import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.RunningNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.math.MathContext;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Reads of an earlier state as the system knew it ({@code ?knownAt=T}, {@code ?version=N}) valued with the market as it
 * was, through the REST API against a real node and PostgreSQL: each price and rate the one
 * observed last at or before T (for a version, the time it was recorded), {@code valuation.asOf}
 * saying which time that is, DOMAIN.md's figures exactly. The read of the current state keeps
 * the latest market, and neither disturbs the other.
 *
 * <p>Trades are recorded at the node's clock; the tests read each version's recording time from
 * the journal ({@code /events}) and post prices observed before, between and after them.
 */
class AsOfValuationApiTest {

  @RegisterExtension
  static final RunningNode NODE = new RunningNode();

  /**
   * 10 AS-1 bought at 100 (v3, recorded r3), 5 more at 110 (v4, recorded r4); AS-1 observed at 120
   * an hour before r3, at 130 5 ms before r4, at 140 now.
   *
   * <pre>
   *   asOf r3 + 1 ms   v3  10 × 120 = 1,200  cash 9,000  NAV 10,200  unrealized 200
   *   asOf t2          v3  10 × 130 = 1,300  cash 9,000  NAV 10,300  (an observation at T counts)
   *   version 3        at r3: as the first
   *   version 4        at r4: 15 × 130 = 1,950  cash 8,450  NAV 10,400  unrealized 1,950 − 1,550 = 400
   *   current          15 × 140 = 2,100  NAV 10,550
   * </pre>
   */
  @Test
  void anEarlierStateIsValuedWithThePricesOfItsTime() throws Exception {
    instrument("AS-1", "USD");
    String id = api().createPortfolio("asof-usd");
    api().deposit(id, "USD", "10000");
    assertThat(api().post(path(id, "trades"), trade("a-1", "AS-1", "BUY", "10", "100")).status()).isEqualTo(201);
    Thread.sleep(20);
    assertThat(api().post(path(id, "trades"), trade("a-2", "AS-1", "BUY", "5", "110")).status()).isEqualTo(201);
    Instant r3 = recordedAt(id, 3);
    Instant r4 = recordedAt(id, 4);
    Instant t1 = r3.minusSeconds(3600);
    Instant t2 = r4.minusMillis(5);
    assertThat(t2).isAfter(r3.plusMillis(1));
    api().postPrices(price("AS-1", "120", t1), price("AS-1", "130", t2));
    Api.Response latestPrice = api().post("/api/v1/prices", new JsonArray()
        .add(new JsonObject().put("instrumentId", "AS-1").put("price", "140")));
    assertThat(latestPrice.status()).isEqualTo(200);

    Instant between = r3.plusMillis(1);
    Api.Response then = api().get(state(id) + "?knownAt=" + between);
    assertThat(then.status()).isEqualTo(200);
    assertThat(then.contentType()).startsWith("application/json");
    assertThat(then.header("ETag")).isEqualTo("\"3\"");
    assertThat(then.header(StateReads.SERVED_FROM)).isEqualTo("owner");
    JsonObject thenState = then.json();
    assertThat(thenState.getLong("version")).isEqualTo(3);
    assertThat(thenState.getJsonArray("positions")).hasSize(1);
    JsonObject line = thenState.getJsonArray("positions").getJsonObject(0);
    assertThat(line.getString("quantity")).isEqualTo("10");
    assertThat(line.getString("price")).isEqualTo("120");
    assertThat(line.getString("marketValue")).isEqualTo("1200");
    assertThat(line.getString("marketValueBase")).isEqualTo("1200");
    assertThat(line.getString("unrealizedPnl")).isEqualTo("200");
    assertThat(line.getDouble("weight")).isEqualTo(ratio("1200", "10200"));
    assertThat(thenState.getJsonArray("cash")).containsExactly(new JsonObject().put("currency", "USD")
        .put("balance", "9000").put("balanceBase", "9000"));
    assertThat(thenState.getJsonObject("valuation")).isEqualTo(valuation("10200", true, between));

    JsonObject atT2 = api().get(state(id) + "?knownAt=" + t2).json();
    assertThat(atT2.getLong("version")).isEqualTo(3);
    assertThat(atT2.getJsonArray("positions").getJsonObject(0).getString("marketValue")).isEqualTo("1300");
    assertThat(atT2.getJsonObject("valuation")).isEqualTo(valuation("10300", true, t2));

    Api.Response v3 = api().get(state(id) + "?version=3");
    assertThat(v3.header("ETag")).isEqualTo("\"3\"");
    assertThat(v3.json().getString("updatedAt")).isEqualTo(r3.toString());
    assertThat(v3.json().getJsonArray("positions").getJsonObject(0).getString("price")).isEqualTo("120");
    assertThat(v3.json().getJsonObject("valuation")).isEqualTo(valuation("10200", true, r3));

    JsonObject v4 = api().get(state(id) + "?version=4").json();
    JsonObject v4Line = v4.getJsonArray("positions").getJsonObject(0);
    assertThat(v4Line.getString("quantity")).isEqualTo("15");
    assertThat(v4Line.getString("price")).isEqualTo("130");
    assertThat(v4Line.getString("marketValue")).isEqualTo("1950");
    assertThat(v4Line.getString("unrealizedPnl")).isEqualTo("400");
    assertThat(v4Line.getDouble("weight")).isEqualTo(ratio("1950", "10400"));
    assertThat(v4.getJsonObject("valuation")).isEqualTo(valuation("10400", true, r4));

    Api.Response now = api().get(state(id));
    assertThat(now.header("ETag")).isEqualTo("\"4\"");
    JsonObject nowLine = now.json().getJsonArray("positions").getJsonObject(0);
    assertThat(nowLine.getString("price")).isEqualTo("140");
    assertThat(nowLine.getString("marketValue")).isEqualTo("2100");
    assertThat(now.json().getJsonObject("valuation")).isEqualTo(valuation("10550", true,
        Instant.parse(latestPrice.json().getString("recordedAt"))));
  }

  /**
   * Positions (plain and grouped), cash, weights and exposures take {@code version} and
   * {@code asOf} like the state, valued alike; the sector comes from today's reference data.
   * Same book as above: v3 at r3 priced 120, v4 at r4 priced 130.
   */
  @Test
  void theValuedViewsTakeTheMarketOfTheirTimeToo() throws Exception {
    instrument("AS-2", "USD");
    String id = api().createPortfolio("asof-views");
    api().deposit(id, "USD", "10000");
    api().post(path(id, "trades"), trade("v-1", "AS-2", "BUY", "10", "100"));
    Thread.sleep(20);
    api().post(path(id, "trades"), trade("v-2", "AS-2", "BUY", "5", "110"));
    Instant r3 = recordedAt(id, 3);
    Instant r4 = recordedAt(id, 4);
    api().postPrices(price("AS-2", "120", r3.minusSeconds(60)), price("AS-2", "130", r4.minusMillis(5)),
        price("AS-2", "200", r4.plusMillis(1)));

    Api.Response positions = api().get(path(id, "positions?version=3"));
    assertThat(positions.header("ETag")).isEqualTo("\"3\"");
    assertThat(positions.json().getJsonArray("positions").getJsonObject(0).getString("marketValue")).isEqualTo("1200");
    assertThat(positions.json().getJsonObject("valuation")).isEqualTo(valuation("10200", true, r3));

    Instant between = r3.plusMillis(1);
    JsonObject bySector = api().get(path(id, "positions?groupBy=sector&knownAt=" + between)).json();
    assertThat(bySector.getLong("version")).isEqualTo(3);
    JsonObject technology = bySector.getJsonArray("groups").getJsonObject(0);
    assertThat(technology.getString("key")).isEqualTo("Technology");
    assertThat(technology.getString("marketValueBase")).isEqualTo("1200");
    assertThat(technology.getString("unrealizedPnlBase")).isEqualTo("200");
    assertThat(technology.getDouble("weight")).isEqualTo(ratio("1200", "10200"));

    Api.Response cash = api().get(path(id, "cash?version=4"));
    assertThat(cash.header("ETag")).isEqualTo("\"4\"");
    assertThat(cash.json()).isEqualTo(new JsonObject().put("portfolioId", id).put("version", 4)
        .put("baseCurrency", "USD")
        .put("balances", new JsonArray().add(new JsonObject().put("currency", "USD").put("balance", "8450")
            .put("balanceBase", "8450")))
        .put("cashBase", "8450").put("complete", true).put("asOf", r4.toString()));

    JsonArray weights = new JsonArray(api().get(path(id, "weights?knownAt=" + between)).body());
    assertThat(weights).containsExactly(
        new JsonObject().put("key", "AS-2").put("weight", ratio("1200", "10200")).put("targetWeight", 0.0)
            .put("drift", drift("1200", "10200", "0")).put("breached", true),
        new JsonObject().put("key", "cash:USD").put("weight", ratio("9000", "10200")).put("targetWeight", 1.0)
            .put("drift", drift("9000", "10200", "1")).put("breached", true));

    JsonObject exposures = api().get(path(id, "exposures?version=4")).json();
    assertThat(exposures.getDouble("long")).isEqualTo(ratio("1950", "10400"));
    assertThat(exposures.getDouble("net")).isEqualTo(ratio("1950", "10400"));
    assertThat(exposures.getBoolean("complete")).isTrue();
    assertThat(exposures.getString("asOf")).isEqualTo(r4.toString());

    // The current state, read through the same views, is valued at 200.
    assertThat(api().get(path(id, "positions")).json().getJsonArray("positions").getJsonObject(0)
        .getString("marketValue")).isEqualTo("3000");
    assertThat(api().get(path(id, "exposures")).json().getDouble("long")).isEqualTo(ratio("3000", "11450"));
  }

  /**
   * A GBP portfolio holding 10 ASF.DE (EUR) bought at 100 (v3, recorded r). Observed an hour
   * before r: price 120 EUR, EUR/USD 1.08, GBP/USD 1.25; 2 ms after r: 150 EUR, 1.2 and 1.6.
   * Then EUR → GBP crosses through USD at 1.08 × (1 / 1.25) = 0.864: 1,200 EUR = 1,036.8 GBP,
   * the EUR cash −1,000 = −864 GBP, NAV 10,000 + 1,036.8 − 864 = 10,172.8. Now it is 1.2 × 0.625
   * = 0.75: 1,500 EUR = 1,125 GBP, −750, NAV 10,375.
   */
  @Test
  void ratesOfTheTimeCrossThroughUsdLikeTodays() throws Exception {
    instrument("ASF.DE", "EUR");
    String id = api().createPortfolio(new JsonObject().put("id", "asof-gbp").put("name", "GBP")
        .put("baseCurrency", "GBP"));
    api().deposit(id, "GBP", "10000");
    assertThat(api().post(path(id, "trades"), trade("f-1", "ASF.DE", "BUY", "10", "100")).status()).isEqualTo(201);
    Instant r = recordedAt(id, 3);
    Instant before = r.minusSeconds(3600);
    Instant after = r.plusMillis(2);
    api().postRates(rate("EUR", "USD", "1.08", before), rate("GBP", "USD", "1.25", before),
        rate("EUR", "USD", "1.2", after), rate("GBP", "USD", "1.6", after));
    api().postPrices(price("ASF.DE", "120", before), price("ASF.DE", "150", after));

    for (String query : new String[] {"?version=3", "?knownAt=" + r.plusMillis(1)}) {
      JsonObject then = api().get(state(id) + query).json();
      JsonObject line = then.getJsonArray("positions").getJsonObject(0);
      assertThat(line.getString("currency")).isEqualTo("EUR");
      assertThat(line.getString("marketValue")).as(query).isEqualTo("1200");
      assertThat(line.getString("marketValueBase")).as(query).isEqualTo("1036.8");
      assertThat(line.getString("unrealizedPnl")).as(query).isEqualTo("200");
      assertThat(then.getJsonArray("cash")).as(query).containsExactly(
          new JsonObject().put("currency", "EUR").put("balance", "-1000").put("balanceBase", "-864"),
          new JsonObject().put("currency", "GBP").put("balance", "10000").put("balanceBase", "10000"));
      assertThat(then.getJsonObject("valuation").getString("nav")).as(query).isEqualTo("10172.8");
      assertThat(then.getJsonObject("valuation").getBoolean("complete")).as(query).isTrue();
    }

    JsonObject now = api().get(state(id)).json();
    assertThat(now.getJsonArray("positions").getJsonObject(0).getString("marketValueBase")).isEqualTo("1125");
    assertThat(now.getJsonArray("cash").getJsonObject(0).getString("balanceBase")).isEqualTo("-750");
    assertThat(now.getJsonObject("valuation").getString("nav")).isEqualTo("10375");
  }

  /**
   * 5 ASM-1 bought at 10 (v4, recorded r) with 950 USD and 100,000 JPY left; ASM-1's first price
   * (12) and the first JPY rate (JPY/USD 0.0064) are observed 1 ms after r. At v4 the position
   * and the JPY are unvalued, NAV is the 950 known and the valuation incomplete: an answer, not
   * an error. Now: 60 + 640 + 950 = 1,650, complete.
   */
  @Test
  void aPriceOrRateMissingThenLeavesLinesUnvaluedAndTheValuationIncomplete() throws Exception {
    instrument("ASM-1", "USD");
    String id = api().createPortfolio("asof-missing");
    api().deposit(id, "USD", "1000");
    api().deposit(id, "JPY", "100000");
    assertThat(api().post(path(id, "trades"), trade("m-1", "ASM-1", "BUY", "5", "10")).status()).isEqualTo(201);
    Instant r = recordedAt(id, 4);
    api().postPrices(price("ASM-1", "12", r.plusMillis(1)));
    api().postRates(rate("JPY", "USD", "0.0064", r.plusMillis(1)));

    Api.Response read = api().get(state(id) + "?version=4");
    assertThat(read.status()).isEqualTo(200);
    assertThat(read.header("ETag")).isEqualTo("\"4\"");
    JsonObject line = read.json().getJsonArray("positions").getJsonObject(0);
    for (String figure : new String[] {"price", "marketValue", "marketValueBase", "unrealizedPnl", "weight"}) {
      assertThat(line.containsKey(figure)).as(figure).isTrue();
      assertThat(line.getValue(figure)).as(figure).isNull();
    }
    assertThat(read.json().getJsonArray("cash")).containsExactly(
        new JsonObject().put("currency", "JPY").put("balance", "100000").putNull("balanceBase"),
        new JsonObject().put("currency", "USD").put("balance", "950").put("balanceBase", "950"));
    assertThat(read.json().getJsonObject("valuation")).isEqualTo(valuation("950", false, r));

    assertThat(api().get(path(id, "cash?version=4")).json().getBoolean("complete")).isFalse();
    assertThat(api().get(path(id, "exposures?knownAt=" + r)).json().getBoolean("complete")).isFalse();
    assertThat(new JsonArray(api().get(path(id, "weights?version=4")).body()).getJsonObject(0))
        .isEqualTo(new JsonObject().put("key", "ASM-1").putNull("weight").put("targetWeight", 0.0)
            .putNull("drift").putNull("breached"));

    JsonObject now = api().get(state(id)).json();
    assertThat(now.getJsonArray("positions").getJsonObject(0).getString("marketValue")).isEqualTo("60");
    assertThat(now.getJsonArray("cash").getJsonObject(0).getString("balanceBase")).isEqualTo("640");
    assertThat(now.getJsonObject("valuation").getString("nav")).isEqualTo("1650");
    assertThat(now.getJsonObject("valuation").getBoolean("complete")).isTrue();
  }

  /**
   * The current version read by number is valued at its own time, the plain read with the latest
   * market, in any order and as often as asked: the rendered answers of the plain read are
   * neither replaced by nor served for the historical one.
   */
  @Test
  void theCurrentVersionByNumberAndThePlainReadNeverServeEachOther() throws Exception {
    instrument("ASC-1", "USD");
    String id = api().createPortfolio("asof-cache");
    api().post(path(id, "trades"), trade("c-1", "ASC-1", "BUY", "10", "100"));
    Instant r = recordedAt(id, 2);
    api().postPrices(price("ASC-1", "101", r.minusSeconds(1)), price("ASC-1", "105", r.plusMillis(1)));

    String plain = api().get(state(id)).body();
    for (int i = 0; i < 3; i++) {
      Api.Response byNumber = api().get(state(id) + "?version=2");
      assertThat(byNumber.header("ETag")).isEqualTo("\"2\"");
      assertThat(byNumber.json().getJsonArray("positions").getJsonObject(0).getString("marketValue"))
          .isEqualTo("1010");
      assertThat(byNumber.json().getJsonObject("valuation").getString("asOf")).isEqualTo(r.toString());
      Api.Response again = api().get(state(id));
      assertThat(again.header("ETag")).isEqualTo("\"2\"");
      assertThat(again.body()).isEqualTo(plain);
    }
    assertThat(new JsonObject(plain).getJsonArray("positions").getJsonObject(0).getString("marketValue"))
        .isEqualTo("1050");
  }

  // ---------------------------------------------------------------------------------------------

  /** When version {@code version} of the portfolio was recorded, as its journal says. */
  private static Instant recordedAt(String id, long version) {
    JsonObject page = api().get(path(id, "events?afterVersion=" + (version - 1) + "&limit=1")).json();
    JsonObject event = page.getJsonArray("events").getJsonObject(0);
    assertThat(event.getLong("version")).isEqualTo(version);
    return Instant.parse(event.getString("recordedAt"));
  }

  private static JsonObject valuation(String nav, boolean complete, Instant asOf) {
    return new JsonObject().put("nav", nav).put("complete", complete).put("asOf", asOf.toString());
  }

  /** amount / nav as the service computes a ratio: an exact 34-digit quotient, then a double. */
  private static double ratio(String amount, String nav) {
    return new BigDecimal(amount).divide(new BigDecimal(nav), MathContext.DECIMAL128).doubleValue();
  }

  /** amount / nav − target, exact to 34 digits, then a double (the default drift threshold is 0.02). */
  private static double drift(String amount, String nav, String target) {
    return new BigDecimal(amount).divide(new BigDecimal(nav), MathContext.DECIMAL128)
        .subtract(new BigDecimal(target)).doubleValue();
  }

  private static void instrument(String id, String currency) {
    api().putInstrument(id, new JsonObject().put("currency", currency).put("sector", "Technology").put("country", "US"));
  }

  private static JsonObject price(String instrument, String price, Instant at) {
    return new JsonObject().put("instrumentId", instrument).put("price", price).put("at", at.toString());
  }

  private static JsonObject rate(String base, String quote, String rate, Instant at) {
    return new JsonObject().put("base", base).put("quote", quote).put("rate", rate).put("at", at.toString());
  }

  private static String state(String id) {
    return "/api/v1/portfolios/" + id;
  }

  private static String path(String id, String what) {
    return "/api/v1/portfolios/" + id + "/" + what;
  }

  private static Api api() {
    return NODE.api();
  }
}
