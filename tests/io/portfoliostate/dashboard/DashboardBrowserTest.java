package io.portfoliostate.dashboard;

import static io.portfoliostate.fixtures.Api.trade;
import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.RunningNode;
import io.portfoliostate.fixtures.TestKeys;
import io.portfoliostate.security.ApiKeySecret;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.logging.LogEntry;

/**
 * The dashboard in a real headless Chromium against a real node and PostgreSQL: it signs in,
 * shows a portfolio's figures formatted for people with the exact strings underneath, follows
 * trades and prices live from the bridge (within a second), shows drift breaches, falls back to
 * polling, goes back to its sign-in on a refused key, lists only what a key may read, logs no
 * console error, and renders at a desktop and a phone width (screenshots under target/).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DashboardBrowserTest {

  @RegisterExtension
  static final RunningNode NODE = new RunningNode();

  private static final Duration LIVE = Duration.ofSeconds(1);
  private static final Path SHOTS = Path.of("target", "dashboard");

  private Chromium browser;
  private String base;
  private int loads;

  private static Api api() {
    return NODE.api();
  }

  @BeforeAll
  void start() {
    base = "http://127.0.0.1:" + NODE.node().httpPort();
    instrument("AAPL", "USD", "Technology", "US", "Equity");
    instrument("XOM", "USD", "Energy", "US", "Equity");
    instrument("SAP.DE", "EUR", "Technology", "DE", "Equity");
    instrument("BND", "USD", "Government", "US", "Fixed Income");
    // The live tests trade and price instruments of their own, so the fund's figures stay put.
    instrument("NVDA", "USD", "Technology", "US", "Equity");
    instrument("MSFT", "USD", "Technology", "US", "Equity");
    api().postRates(new JsonObject().put("base", "EUR").put("quote", "USD").put("rate", "1.08"));
    // The fund of the screenshots: four lines in two currencies, BND under its target.
    api().createPortfolio(new JsonObject().put("id", "dash-fund").put("name", "Global Balanced Fund")
        .put("baseCurrency", "USD").put("targets", new JsonObject().put("AAPL", "0.25").put("XOM", "0.1")
            .put("SAP.DE", "0.1").put("BND", "0.25")));
    api().createPortfolio(new JsonObject().put("id", "dash-fund-eq").put("name", "Equity sleeve")
        .put("baseCurrency", "USD").put("parentId", "dash-fund"));
    api().deposit("dash-fund", "USD", "1000000");
    api().deposit("dash-fund", "EUR", "100000");
    post("dash-fund", trade("f-1", "AAPL", "BUY", "1500", "180"));
    post("dash-fund", trade("f-2", "XOM", "BUY", "1000", "110"));
    post("dash-fund", trade("f-3", "SAP.DE", "BUY", "500", "190"));
    post("dash-fund", trade("f-4", "BND", "BUY", "3000", "72"));
    post("dash-fund", trade("f-5", "XOM", "SELL", "1200", "111"));
    api().postPrices(price("AAPL", "195"), price("XOM", "104.5"), price("SAP.DE", "201.3"), price("BND", "72.4"));
    browser = new Chromium();
  }

  /** Each test judges only what the browser logged during it (one test provokes 401s on purpose). */
  @BeforeEach
  void forgetEarlierConsoleLines() {
    browser.consoleLog();
  }

  @AfterAll
  void stop() {
    if (browser != null) {
      browser.close();
    }
  }

  /**
   * Cash 1,000,000 − 270,000 − 110,000 − 216,000 + 133,200 = 537,200 USD and 100,000 − 95,000 =
   * 5,000 EUR (5,400 USD); AAPL 1,500 × 195 = 292,500; XOM short 200 × 104.5 = −20,900; SAP.DE
   * 500 × 201.3 = 100,650 EUR = 108,702 USD; BND 3,000 × 72.4 = 217,200. NAV 1,140,102. Opened
   * today with 1,108,000 deposited (100,000 EUR at the line's 1.08): day P&L +32,102 (the
   * unrealized 31,102 and 1,000 realized on XOM).
   */
  @Test
  void showsThePortfolioWithFiguresForPeopleAndTheExactOnesUnderneath() {
    show("dash-fund", "");
    assertThat(api().get("/api/v1/portfolios/dash-fund").json().getJsonObject("valuation").getString("nav"))
        .isEqualTo("1140102");
    browser.await("the NAV", LIVE, () -> "1140102".equals(browser.attribute("#nav", "title")));
    assertThat(browser.text("#nav")).isEqualTo("$1,140,102.00");
    assertThat(browser.text("#day-pnl")).isEqualTo("+$32,102.00");
    assertThat(browser.text("#portfolio-name")).isEqualTo("Global Balanced Fund");

    WebElement aapl = row("AAPL");
    assertThat(cells(aapl)).containsExactly("AAPL", "1,500", "180.00", "195.00", "$292,500.00", "+$22,500.00",
        "25.66%", "25.00%", "+0.66%");
    assertThat(Objects.toString(aapl.getDomAttribute("class"), "")).doesNotContain("breach");
    assertThat(cell(aapl, ".market-value").getDomAttribute("title")).isEqualTo("292500");
    // A short line, and a EUR line valued in USD with its P&L in euros.
    assertThat(cells(row("XOM")).subList(1, 6)).containsExactly("-200", "111.00", "104.50", "-$20,900.00",
        "+$1,300.00");
    assertThat(cells(row("SAP.DE")).subList(4, 6)).containsExactly("$108,702.00", "+€5,650.00");
    // BND: 217,200 / 1,140,102 = 19.05 % against 25 %: a breach, marked.
    WebElement bnd = row("BND");
    assertThat(bnd.getDomAttribute("class")).contains("breach");
    assertThat(cell(bnd, ".badge.breach").getText()).isEqualTo("drift");
    assertThat(cells(bnd).subList(6, 9)).containsExactly("19.05%", "25.00%", "-5.95%");

    assertThat(browser.all("#cash tbody tr").stream().map(DashboardBrowserTest::cells).toList()).containsExactly(
        List.of("EUR", "€5,000.00", "$5,400.00"), List.of("USD", "$537,200.00", "$537,200.00"));
    assertThat(browser.all("#allocation [data-group=sector] li").stream()
        .map(li -> li.getDomAttribute("data-key")).toList()).containsExactlyInAnyOrder("Technology", "Government", "Energy");
    assertThat(browser.all("#allocation [data-group=assetClass] li").stream()
        .map(li -> li.getDomAttribute("data-key")).toList()).containsExactlyInAnyOrder("Equity", "Fixed Income");
    assertThat(browser.all("#changes li").stream().map(li -> li.getDomAttribute("data-version")).toList())
        .containsExactly("8", "7", "6", "5", "4", "3", "2", "1");
    assertThat(browser.text("#changes li[data-version='8']")).contains("Trade SELL 1,200 XOM @ 111.00 USD");
    // The picker shows the tree: the sleeve under its fund.
    assertThat(browser.all("#portfolio-picker option").stream()
        .map(o -> o.getDomAttribute("value") + "@" + o.getDomAttribute("data-depth") + " "
            + o.getText().replaceAll("^[\\s\\u00a0]+", "")).toList())
        .containsSubsequence("dash-fund@0 Global Balanced Fund (dash-fund)",
            "dash-fund-eq@1 └ Equity sleeve (dash-fund-eq)");
    assertNoConsoleErrors();
  }

  @Test
  void aTradeAppearsInThePositionsAndTheChangeFeedWithinASecond() {
    String id = api().createPortfolio("dash-live");
    api().deposit(id, "USD", "10000");
    show(id, "");
    awaitLive();
    long posted = System.nanoTime();
    Api.Response traded = post(id, trade("l-1", "NVDA", "BUY", "10", "190"));
    long version = traded.json().getLong("version");
    browser.await("the trade in the positions and the change feed", LIVE,
        () -> !browser.all("#positions tr[data-instrument='NVDA']").isEmpty()
            && !browser.all("#changes li[data-version='" + version + "']").isEmpty());
    long tookMs = (System.nanoTime() - posted) / 1_000_000;
    assertThat(tookMs).as("from the POST to both on screen").isLessThanOrEqualTo(1000);
    assertThat(cells(row("NVDA")).get(1)).isEqualTo("10");
    assertThat(browser.text("#changes li[data-version='" + version + "']")).contains("Trade BUY 10 NVDA @ 190.00");
    assertNoConsoleErrors();
    // Chromium negotiated permessage-deflate, and what it just inflated was compressed by the
    // node's shared encoder (live.sharedCompression), not by Netty's per-socket one.
    io.micrometer.core.instrument.Counter deflated = NODE.node().registry().find("pstate.live.deflate")
        .tag("result", "deflated").counter();
    assertThat(deflated).isNotNull();
    assertThat(deflated.count()).isPositive();
  }

  /** 10,000 deposited, 10 MSFT bought at 190: cash 8,100; a tick to 205 makes NAV 10,150. */
  @Test
  void aPriceTickChangesTheNavShown() {
    String id = api().createPortfolio("dash-tick");
    api().deposit(id, "USD", "10000");
    post(id, trade("k-1", "MSFT", "BUY", "10", "190"));
    api().postPrices(price("MSFT", "195"));
    show(id, "");
    awaitLive();
    browser.await("NAV 10,050", LIVE, () -> "10050".equals(browser.attribute("#nav", "title")));
    api().postPrices(price("MSFT", "205"));
    long took = browser.await("NAV 10,150 after the tick", LIVE,
        () -> "10150".equals(browser.attribute("#nav", "title")));
    assertThat(took).isLessThanOrEqualTo(1000);
    assertThat(browser.text("#nav")).isEqualTo("$10,150.00");
    assertThat(cells(row("MSFT")).get(3)).isEqualTo("205.00");
    assertNoConsoleErrors();
  }

  /**
   * Target 0.5 of DRF, threshold 0.02: 50 at 100 of a NAV of 10,000 is on target. At 120 DRF is
   * 6,000 of 11,000 (54.55 %, drift +4.55 %) and cash 45.45 % against its 50 %: two breaches,
   * and the bridge's drift alert; back at 100 both are on target again and the alert recovers.
   */
  @Test
  void aDriftBreachShows() {
    String id = api().createPortfolio(new JsonObject().put("id", "dash-drift").put("name", "Drift")
        .put("baseCurrency", "USD").put("targets", new JsonObject().put("DRF", "0.5")));
    api().deposit(id, "USD", "10000");
    post(id, trade("d-1", "DRF", "BUY", "50", "100"));
    api().postPrices(price("DRF", "100"));
    show(id, "");
    awaitLive();
    browser.await("DRF on target", LIVE, () -> "0".equals(browser.text("#breaches")));
    assertThat(Objects.toString(row("DRF").getDomAttribute("class"), "")).doesNotContain("breach");

    api().postPrices(price("DRF", "120"));
    browser.await("the breach marked", LIVE, () -> Objects.toString(row("DRF").getDomAttribute("class"), "")
        .contains("breach"));
    assertThat(cells(row("DRF")).subList(6, 9)).containsExactly("54.55%", "50.00%", "+4.55%");
    assertThat(browser.text("#breaches")).isEqualTo("2");
    assertThat(browser.attribute("#breaches", "title")).isEqualTo("DRF, cash:USD");
    // The bridge's drift alert, raised by the price, in the alerts feed.
    String breached = "#alerts li[data-alert-id='dash-drift/drift/DRF/1']";
    browser.await("the DRIFT_BREACHED alert", LIVE, () -> !browser.all(breached).isEmpty());
    assertThat(browser.attribute(breached, "data-type")).isEqualTo("DRIFT_BREACHED");

    // Back on target: the mark goes, and the recovery is in the feed.
    api().postPrices(price("DRF", "100"));
    browser.await("the breach gone", LIVE, () -> "0".equals(browser.text("#breaches")));
    assertThat(Objects.toString(row("DRF").getDomAttribute("class"), "")).doesNotContain("breach");
    browser.await("the DRIFT_RECOVERED alert", LIVE,
        () -> !browser.all("#alerts li[data-type='DRIFT_RECOVERED']").isEmpty());
    assertNoConsoleErrors();
  }

  /** Selling what the portfolio does not hold opens a short: the alert is in the feed within a second. */
  @Test
  void anAlertAppearsInTheAlertsFeedWithinASecond() {
    String id = api().createPortfolio("dash-alert");
    api().deposit(id, "USD", "1000");
    show(id, "");
    awaitLive();
    long version = post(id, trade("a-1", "NVDA", "SELL", "5", "200")).json().getLong("version");
    String alertId = id + "/" + version + "/1";
    long took = browser.await("the SHORT_OPENED alert", LIVE,
        () -> !browser.all("#alerts li[data-alert-id='" + alertId + "']").isEmpty());
    assertThat(took).isLessThanOrEqualTo(1000);
    assertThat(browser.attribute("#alerts li[data-alert-id='" + alertId + "']", "data-type")).isEqualTo("SHORT_OPENED");
    // Once, though it comes both with the change and on the alerts address.
    assertThat(browser.all("#alerts li[data-alert-id]")).hasSize(1);
    assertThat(browser.text("#alerts-count")).isEqualTo("1");
    assertNoConsoleErrors();
  }

  /**
   * The socket drops under a live page: the indicator says reconnecting, then live again with the
   * reconnect counted, and a trade made meanwhile shows (the page registers again from the last
   * version it has). The drop is the browser's WebSocket closed under SockJS, as a network failure
   * would; a script added before the page's own keeps a hand on each socket the page opens.
   */
  @Test
  void theConnectionIndicatorShowsReconnects() {
    String id = api().createPortfolio("dash-reconnect");
    api().deposit(id, "USD", "1000");
    Object hook = browser.driver().executeCdpCommand("Page.addScriptToEvaluateOnNewDocument", java.util.Map.of(
        "source", "window.__sockets = []; const Native = window.WebSocket;"
            + " window.WebSocket = function (...args) { const s = new Native(...args); window.__sockets.push(s);"
            + " window.__frames = window.__frames || []; s.addEventListener('message', e => window.__frames.push(e.data));"
            + " const send = s.send.bind(s); s.send = d => { window.__frames.push('OUT ' + d); send(d); };"
            + " return s; }; window.WebSocket.prototype = Native.prototype;"
            + " Object.assign(window.WebSocket, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});"));
    try {
      show(id, "");
      awaitLive();
      assertThat(browser.attribute("#connection", "data-reconnects")).isEqualTo("0");
      long version = post(id, trade("r-1", "XOM", "BUY", "1", "100")).json().getLong("version");
      browser.await("the trade live", LIVE,
          () -> !browser.all("#changes li[data-version='" + version + "']").isEmpty());
      browser.js("window.__sockets.forEach(s => s.close());");
      browser.await("the lost connection", Duration.ofSeconds(5),
          () -> "reconnecting".equals(browser.attribute("#connection", "data-state")));
      long missed = post(id, trade("r-2", "XOM", "BUY", "2", "100")).json().getLong("version");
      browser.await("live again", Duration.ofSeconds(10),
          () -> "live".equals(browser.attribute("#connection", "data-state")));
      assertThat(browser.attribute("#connection", "data-reconnects")).isEqualTo("1");
      assertThat(browser.text("#connection")).isEqualTo("live · 1 reconnect");
      try {
        browser.await("the trade made while away", Duration.ofSeconds(3),
            () -> !browser.all("#changes li[data-version='" + missed + "']").isEmpty());
      } catch (AssertionError e) {
        throw new AssertionError(e.getMessage() + " FRAMES " + browser.js("return window.__frames.join('\\n');"), e);
      }
      assertThat(browser.all("#changes li[data-version]").stream().map(li -> li.getDomAttribute("data-version"))
          .toList()).as("each version once").containsExactly("4", "3", "2", "1");
    } finally {
      browser.driver().executeCdpCommand("Page.removeScriptToEvaluateOnNewDocument",
          java.util.Map.of("identifier", ((java.util.Map<?, ?>) hook).get("identifier")));
    }
  }

  /** With the live connection off the page polls the API, and says so. */
  @Test
  void pollsTheApiWhenTheLiveConnectionIsOff() {
    String id = api().createPortfolio("dash-poll");
    api().deposit(id, "USD", "5000");
    show(id, "live=off");
    browser.await("the polling indicator", LIVE, () -> "polling".equals(browser.attribute("#connection", "data-state")));
    assertThat(browser.text("#connection")).isEqualTo("polling");
    long version = post(id, trade("p-1", "XOM", "BUY", "10", "100")).json().getLong("version");
    // Every 2 s, so within two periods and the reads' time.
    browser.await("the trade by polling", Duration.ofSeconds(5),
        () -> !browser.all("#changes li[data-version='" + version + "']").isEmpty()
            && !browser.all("#positions tr[data-instrument='XOM']").isEmpty());
    assertThat(browser.text("#cash tbody tr")).isEqualTo("USD $4,000.00 $4,000.00");
  }

  /**
   * A key that the service refuses keeps the sign-in up with a message; a reader's key lists only
   * its subtree; revoking it brings the sign-in back at the next read.
   */
  @Test
  void signsInOnlyWithAKeyTheServiceAcceptsAndListsOnlyWhatItMayRead() {
    api().createPortfolio("dash-other");
    browser.open(base + "/?n=" + (++loads) + "&live=off");
    browser.js("sessionStorage.clear(); location.reload();");
    browser.await("the sign-in", LIVE, () -> browser.find("#sign-in").isDisplayed());
    signIn("psk_aaaaaaaaaaaa_" + "A".repeat(43));
    browser.await("the refusal", Duration.ofSeconds(3), () -> browser.find("#sign-in-error").isDisplayed());
    assertThat(browser.text("#sign-in-error")).contains("refused");
    assertThat(browser.find("#dashboard").isDisplayed()).isFalse();

    Api.Response created = api().post("/api/v1/api-keys", new JsonObject().put("name", "dash reader")
        .put("roles", new JsonArray()));
    String key = created.json().getString("key");
    String keyId = ApiKeySecret.keyId(key).orElseThrow();
    assertThat(api().post("/api/v1/grants", new JsonObject().put("granteeType", "API_KEY").put("grantee", keyId)
        .put("role", "read").put("portfolioId", "dash-fund")).status()).isEqualTo(201);
    signIn(key);
    browser.await("the reader's dashboard", Duration.ofSeconds(3),
        () -> "1140102".equals(browser.attribute("#nav", "title")));
    assertThat(browser.all("#portfolio-picker option").stream().map(o -> o.getDomAttribute("value")).toList())
        .containsExactly("dash-fund", "dash-fund-eq");
    assertThat((String) browser.js("return sessionStorage.getItem('pstate.credential');")).isEqualTo(key);

    assertThat(api().send("DELETE", "/api/v1/api-keys/" + keyId, null, null).status()).isEqualTo(200);
    browser.await("the sign-in after the revocation", Duration.ofSeconds(5),
        () -> browser.find("#sign-in").isDisplayed());
    assertThat(browser.text("#sign-in-error")).contains("refused");
    assertThat(browser.js("return sessionStorage.getItem('pstate.credential');")).isNull();
  }

  /** Real renderings, not blank pages: at 1440×900 and at a phone's 390×844, nothing wider than the screen. */
  @Test
  void rendersAtADesktopAndAPhoneWidth() {
    try {
      for (int[] size : new int[][] {{1440, 900}, {390, 844}}) {
        browser.size(size[0], size[1]);
        show("dash-fund", "");
        browser.await("the NAV", Duration.ofSeconds(3), () -> "1140102".equals(browser.attribute("#nav", "title")));
        // The chart draws on the next frame.
        browser.await("the chart drawn", Duration.ofSeconds(3), () -> Boolean.TRUE.equals(browser.js(
            "const c = document.getElementById('weights-chart'); return c.width > 0 && c.height > 0;")));
        long overflow = ((Number) browser.js("return document.documentElement.scrollWidth - window.innerWidth;"))
            .longValue();
        assertThat(overflow).as("horizontal overflow at %d px", size[0]).isLessThanOrEqualTo(0);
        BufferedImage shot = browser.screenshot(SHOTS.resolve("dashboard-" + size[0] + "x" + size[1] + ".png"));
        assertThat(shot.getWidth()).isEqualTo(size[0]);
        assertThat(Chromium.distinctColours(shot)).as("colours in the %dx%d rendering", size[0], size[1])
            .isGreaterThan(200);
        // And the whole page, for people to look at (not checked further).
        long height = ((Number) browser.js("return document.documentElement.scrollHeight;")).longValue();
        browser.size(size[0], (int) height);
        browser.screenshot(SHOTS.resolve("dashboard-" + size[0] + "-full.png"));
      }
      assertNoConsoleErrors();
    } finally {
      browser.size(1440, 900);
    }
  }

  // ---------------------------------------------------------------------------------------------

  /** Opens the dashboard on portfolio {@code id} (a fresh page load), signing in as the admin if asked. */
  private void show(String id, String query) {
    browser.open(base + "/?n=" + (++loads) + (query.isEmpty() ? "" : "&" + query) + "#p=" + id);
    browser.await("the sign-in or the dashboard", Duration.ofSeconds(5),
        () -> browser.find("#sign-in").isDisplayed() || browser.find("#portfolio").isDisplayed());
    if (browser.find("#sign-in").isDisplayed()) {
      signIn(TestKeys.ADMIN);
    }
    try {
      browser.await("portfolio " + id, Duration.ofSeconds(5), () -> browser.find("#portfolio").isDisplayed()
          && id.equals(browser.find("#portfolio-picker").getDomProperty("value"))
          && browser.attribute("#as-of", "data-version") != null);
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "; the page shows " + browser.find("#portfolio-picker")
          .getDomProperty("value") + ", connection: " + browser.attribute("#connection", "title")
          + ", console: " + browser.consoleLog(), e);
    }
  }

  private void signIn(String key) {
    WebElement field = browser.find("#credential");
    field.clear();
    field.sendKeys(key);
    browser.find("[data-testid=sign-in]").click();
  }

  private void awaitLive() {
    browser.await("the live connection", Duration.ofSeconds(10),
        () -> "live".equals(browser.attribute("#connection", "data-state")));
  }

  private void assertNoConsoleErrors() {
    List<String> errors = browser.consoleLog().stream()
        .filter(entry -> entry.getLevel().intValue() >= Level.WARNING.intValue())
        .map(LogEntry::toString).toList();
    assertThat(errors).as("console errors and warnings").isEmpty();
  }

  private WebElement row(String instrument) {
    return browser.find("#positions tbody tr[data-instrument='" + instrument + "']");
  }

  private static WebElement cell(WebElement row, String css) {
    return row.findElement(org.openqa.selenium.By.cssSelector(css));
  }

  private static List<String> cells(WebElement row) {
    return row.findElements(org.openqa.selenium.By.tagName("td")).stream().map(WebElement::getText).toList();
  }

  private static Api.Response post(String id, JsonObject trade) {
    Api.Response response = api().post("/api/v1/portfolios/" + id + "/trades", trade);
    assertThat(response.status()).as(response.body()).isEqualTo(201);
    return response;
  }

  private static JsonObject price(String instrument, String value) {
    // In the instrument's currency (its reference data), or USD for one without any.
    JsonObject price = new JsonObject().put("instrumentId", instrument).put("price", value);
    return instrument.equals("DRF") ? price.put("currency", "USD") : price;
  }

  private static void instrument(String id, String currency, String sector, String country, String assetClass) {
    api().put("/api/v1/instruments/" + id, new JsonObject().put("currency", currency).put("sector", sector)
        .put("country", country).put("assetClass", assetClass));
  }
}
