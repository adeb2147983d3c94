package io.portfoliostate.gateway;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.portfoliostate.config.Settings.AnalyticsSettings;
import io.portfoliostate.config.Settings.ImportSettings;
import io.portfoliostate.config.Settings.ConsolidationSettings;
import io.portfoliostate.config.Settings.HttpSettings;
import io.portfoliostate.config.Settings.SecuritySettings;
import io.portfoliostate.integration.duckdb.AnalyticsStore;
import io.portfoliostate.integration.redis.PortfolioCache;
import io.portfoliostate.live.LiveBridge;
import io.portfoliostate.market.MarketView;
import io.portfoliostate.observability.Readiness;
import io.portfoliostate.persistence.CorporateActionStore;
import io.portfoliostate.persistence.MarketDataStore;
import io.portfoliostate.persistence.PerformanceHistory;
import io.portfoliostate.persistence.PortfolioCatalog;
import io.portfoliostate.security.AccessRule;
import io.portfoliostate.security.GlobalRole;
import io.portfoliostate.security.PortfolioRole;
import io.portfoliostate.shard.OwnerClient;
import io.portfoliostate.shard.ShardMap;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.micrometer.PrometheusScrapingHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Clock;

/**
 * The HTTP gateway: the REST API of API.md, health and metrics. Deployed once per event loop;
 * the instances share the listening port.
 */
public final class HttpGatewayVerticle extends VerticleBase {

  private static final String PORTFOLIO = "/api/v1/portfolios/:id";
  private static final String INSTRUMENT = "/api/v1/instruments/:id";
  /** The API's contract, served as written. */
  private static final Buffer OPENAPI = loadOpenApi();
  /**
   * What {@code http.port} 0 (any free port) is bound as: a negative port makes Vert.x pick one
   * free port and share it among every gateway instance that asks for the same negative value.
   * With 0 each instance bound a port of its own and clients knew only the first instance's, so
   * every connection (every bridge socket of a test or bench node) was on one event loop.
   */
  private static final int SHARED_RANDOM_PORT = -1;

  private final HttpSettings settings;
  private final OwnerClient owners;
  private final PortfolioCatalog catalog;
  private final Readiness readiness;
  private final PrometheusMeterRegistry registry;
  private final ShardMap shards;
  private final String clusterName;
  private final PortfolioCache cache;
  private final MarketView market;
  private final MarketDataStore marketStore;
  private final Clock clock;
  private final CorporateActionStore actionStore;
  private final AccessControl access;
  private final SecuritySettings security;
  private final ConsolidationSettings consolidation;
  private final LiveBridge live;
  private final AnalyticsStore analytics;
  private final AnalyticsSettings analyticsSettings;
  private final ImportSettings imports;
  private final io.portfoliostate.exports.ExportJobs exports;
  private final io.portfoliostate.config.ExportSettings exportSettings;
  private HttpServer server;
  private SecuredRoutes routes;

  /**
   * @param clusterName the cluster's name, or null when the node runs alone
   * @param market the node's market view: prices for valued reads, instruments for price currencies
   * @param marketStore where market data is stored
   * @param clock stamps market data without an observation time
   * @param cache the shared Redis cache, or null when there is none
   * @param actionStore where corporate actions and their progress are stored
   * @param access enforces the access rule of every route
   * @param security which routes the configuration opens
   * @param consolidation the bounds of consolidated reads of a portfolio tree
   * @param live the SockJS event-bus bridge at {@code /eventbus}
   * @param analytics the node's analytics store, or null when it keeps none (the analytics routes are
   *     then forwarded to a node that keeps one)
   * @param analyticsSettings the bounds of analytics requests
   * @param imports the bounds of CSV imports
   * @param exports the node's export jobs (and their runner), or null when it serves no exports
   * @param exportSettings the bounds of exports
   */
  public HttpGatewayVerticle(HttpSettings settings, OwnerClient owners, PortfolioCatalog catalog,
      Readiness readiness, PrometheusMeterRegistry registry, ShardMap shards, String clusterName,
      MarketView market, MarketDataStore marketStore, Clock clock, PortfolioCache cache,
      CorporateActionStore actionStore, AccessControl access, SecuritySettings security,
      ConsolidationSettings consolidation, LiveBridge live, AnalyticsStore analytics,
      AnalyticsSettings analyticsSettings, ImportSettings imports, io.portfoliostate.exports.ExportJobs exports,
      io.portfoliostate.config.ExportSettings exportSettings) {
    this.imports = imports;
    this.exports = exports;
    this.exportSettings = exportSettings;
    this.live = live;
    this.analytics = analytics;
    this.analyticsSettings = analyticsSettings;
    this.actionStore = actionStore;
    this.access = access;
    this.security = security;
    this.consolidation = consolidation;
    this.settings = settings;
    this.market = market;
    this.marketStore = marketStore;
    this.clock = clock;
    this.cache = cache;
    this.shards = shards;
    this.clusterName = clusterName;
    this.owners = owners;
    this.catalog = catalog;
    this.readiness = readiness;
    this.registry = registry;
  }

  @Override
  public Future<?> start() {
    server = vertx.createHttpServer(new HttpServerOptions()
        .setHost(settings.host()).setPort(settings.port() == 0 ? SHARED_RANDOM_PORT : settings.port())
        .setCompressionSupported(true)
        // Bridge clients (docs/live-updates.md): permessage-deflate unless live.compression is off,
        // and no frame above the limit.
        .setPerMessageWebSocketCompressionSupported(live.compression())
        .setMaxWebSocketFrameSize(live.maxFrameBytes())
        .setMaxWebSocketMessageSize(live.maxFrameBytes())
        .setMaxFormAttributeSize(0));
    return server.requestHandler(router()).listen();
  }

  private static Buffer loadOpenApi() {
    try (InputStream in = HttpGatewayVerticle.class.getResourceAsStream("openapi.yaml")) {
      if (in == null) {
        throw new IllegalStateException("openapi.yaml is missing from the jar");
      }
      return Buffer.buffer(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The actual port (useful when configured as 0). */
  public int port() {
    return server.actualPort();
  }

  /** The routes of this gateway with their access rules, and any route added without one. */
  public SecuredRoutes routes() {
    return routes;
  }

  private Router router() {
    Router router = Router.router(vertx);
    SecuredRoutes routes = new SecuredRoutes(router, access, settings.maxBodyBytes(),
        new RefusedBodies(vertx, settings.refusedBodyDrainBytes(), settings.refusedBodyDrainMs(), registry));
    this.routes = routes;
    AccessRule health = AccessRule.open("health checks of the orchestrator");
    routes.get("/health/live", health, ctx -> HttpBodies.json(ctx, 200, new JsonObject().put("status", "UP")));
    routes.get("/health/ready", health, this::ready);
    routes.get("/metrics", security.metricsOpen() ? AccessRule.open("configured: security.metricsOpen")
        : AccessRule.global(GlobalRole.OPERATIONS), PrometheusScrapingHandler.create(registry));
    AccessRule documentation = security.openApiOpen() ? AccessRule.open("the API's documentation; configured: "
        + "security.openApiOpen") : AccessRule.anyCaller("the API's documentation");
    routes.get("/openapi.yaml", documentation, ctx -> ctx.response().putHeader("Content-Type", "application/yaml")
        .end(OPENAPI));
    routes.get("/docs", documentation, ApiDocs::page);
    routes.get("/docs/", documentation, ApiDocs::page);
    ApiDocs.mountAssets(routes, documentation);
    DashboardRoutes.mount(routes);

    // When the request arrived: a write's deadline counts from here, not from when a loaded event
    // loop got round to it, so that nothing is written after the client had its timeout.
    routes.filter("/api/*", new RequestIds());
    routes.filter("/api/*", ctx -> {
      ctx.put(MarketHandlers.ARRIVED_AT, System.currentTimeMillis());
      ctx.next();
    });
    routes.filter("/api/*", this::deadline);
    AccessRule reader = AccessRule.portfolio(PortfolioRole.READ, "id");
    AccessRule trader = AccessRule.portfolio(PortfolioRole.TRADE, "id");
    PortfolioHandlers handlers = new PortfolioHandlers(owners, catalog, access);
    routes.post("/api/v1/portfolios", AccessRule.checkedByHandler("admin on parentId, or the global admin role for "
        + "a root"), handlers::create);
    routes.get("/api/v1/portfolios", AccessRule.anyCaller("lists only the portfolios the caller may read"),
        handlers::list);
    ReadHandlers reads = new ReadHandlers(new StateReads(owners, cache), market, marketStore, catalog);
    routes.get(PORTFOLIO, reader, reads::read);
    routes.patch(PORTFOLIO, AccessRule.portfolio(PortfolioRole.ADMIN, "id"), handlers::update);
    routes.addRegex(HttpMethod.POST, "/api/v1/portfolios/([^/]+)/trades:batch", PORTFOLIO + "/trades:batch",
        AccessRule.portfolio(PortfolioRole.TRADE, "param0"), handlers::tradeBatch);
    routes.post(PORTFOLIO + "/trades", trader, handlers.command(CommandParsers::tradeAt, 201));
    routes.addRegex(HttpMethod.POST, "/api/v1/portfolios/([^/]+)/trades/([^/]+):cancel",
        PORTFOLIO + "/trades/:tradeId:cancel", AccessRule.portfolio(PortfolioRole.TRADE, "param0"),
        handlers.correction(CommandParsers::cancel));
    routes.addRegex(HttpMethod.POST, "/api/v1/portfolios/([^/]+)/trades/([^/]+):amend",
        PORTFOLIO + "/trades/:tradeId:amend", AccessRule.portfolio(PortfolioRole.TRADE, "param0"),
        handlers.correction(CommandParsers::amend));
    routes.post(PORTFOLIO + "/cash-flows", trader, handlers.command(CommandParsers::cashFlow, 201));
    routes.post(PORTFOLIO + "/fx-conversions", trader, handlers.command(CommandParsers::fxConversion, 201));
    routes.put(PORTFOLIO + "/targets", trader, handlers.command(CommandParsers::targets, 200, true));
    routes.get(PORTFOLIO + "/positions", reader, reads::positions);
    routes.get(PORTFOLIO + "/cash", reader, reads::cash);
    routes.get(PORTFOLIO + "/weights", reader, reads::weights);
    routes.get(PORTFOLIO + "/exposures", reader, reads::exposures);
    new PerformanceHandlers(vertx, PerformanceHistory.sharing(marketStore), catalog, market, clock, registry,
        settings.performance()).register(routes, reader);
    routes.get(PORTFOLIO + "/events", reader, handlers::events);
    // A reader of a portfolio may read its whole subtree: no per-row filtering below it.
    routes.get(PORTFOLIO + "/children", reader, handlers::children);
    routes.get(PORTFOLIO + "/descendants", reader, handlers::descendants);
    ConsolidatedHandlers consolidated = new ConsolidatedHandlers(
        new SubtreeReads(owners, catalog, consolidation), market);
    // A reader of a portfolio may read its whole subtree summed.
    routes.get(PORTFOLIO + "/consolidated", reader, consolidated::whole);
    routes.get(PORTFOLIO + "/consolidated/positions", reader, consolidated::positions);
    routes.get(PORTFOLIO + "/consolidated/cash", reader, consolidated::cash);
    routes.get(PORTFOLIO + "/consolidated/weights", reader, consolidated::weights);
    routes.get(PORTFOLIO + "/consolidated/exposures", reader, consolidated::exposures);
    MarketHandlers marketHandlers = new MarketHandlers(vertx.eventBus(), market, marketStore, clock,
        settings.requestTimeoutMs());
    AccessRule marketData = AccessRule.global(GlobalRole.MARKET_DATA);
    routes.put(INSTRUMENT, marketData, marketHandlers::putInstrument);
    routes.get(INSTRUMENT, AccessRule.anyCaller("reference data, the same for every caller"),
        marketHandlers::getInstrument);
    routes.post("/api/v1/prices", marketData, marketHandlers::postPrices);
    routes.post("/api/v1/fx-rates", marketData, marketHandlers::postFxRates);
    CorporateActionHandlers actions = new CorporateActionHandlers(actionStore,
        vertx.eventBus(), clock);
    AccessRule operations = AccessRule.global(GlobalRole.OPERATIONS);
    routes.post("/api/v1/corporate-actions", operations, actions::post);
    // Operations only: an action's progress names every portfolio that holds the instrument.
    routes.get("/api/v1/corporate-actions/:id", operations, actions::get);
    routes.get("/api/v1/cluster", operations, new ClusterHandler(vertx, shards, clusterName)::view);
    SecurityHandlers keysAndGrants = new SecurityHandlers(access, clock);
    AccessRule admin = AccessRule.global(GlobalRole.ADMIN);
    routes.post("/api/v1/api-keys", admin, keysAndGrants::createKey);
    routes.get("/api/v1/api-keys", admin, keysAndGrants::listKeys);
    routes.delete("/api/v1/api-keys/:keyId", admin, keysAndGrants::revokeKey);
    routes.post("/api/v1/grants", AccessRule.checkedByHandler("admin on portfolioId"), keysAndGrants::createGrant);
    routes.get("/api/v1/grants", AccessRule.checkedByHandler("the global admin role, or admin on ?portfolioId="),
        keysAndGrants::listGrants);
    routes.delete("/api/v1/grants/:grantId", AccessRule.checkedByHandler("admin on the grant's portfolio"),
        keysAndGrants::revokeGrant);
    routes.get("/api/v1/audit", admin, keysAndGrants::audit);
    BridgeRoute.mount(routes, vertx, live);
    // Every node declares the analytics routes; one without a store forwards them to one with it.
    AnalyticsForwarding forward = analytics == null ? new AnalyticsForwarding(vertx, analyticsDeadlineMs()) : null;
    AnalyticsHandlers.mount(routes, vertx, analytics, analyticsSettings, market, access, marketStore.records(),
        forward);
    ImportHandlers.mount(routes, vertx, owners, marketStore, market, imports, registry);
    SavedQueryHandlers.mount(routes, vertx, analytics, analyticsSettings, marketStore, access, clock, forward);
    ExportHandlers.mount(routes, exports, exportSettings, access);
    SeriesAnalyticsHandlers.mount(routes, vertx, analytics, analyticsSettings, access, clock, registry,
        marketStore.records(), forward);

    router.errorHandler(404, ctx -> Problems.send(ctx, new Problems.Problem(404, "not-found",
        "Not found", "no resource at " + ctx.request().path(), null)));
    router.errorHandler(405, ctx -> Problems.send(ctx, new Problems.Problem(405, "method-not-allowed",
        "Method not allowed", ctx.request().method() + " is not allowed on " + ctx.request().path(), null)));
    routes.failures(this::failure);
    return router;
  }

  /**
   * The gateway's answer deadline, longer than the owner path's (its retries plus the owner
   * timeout, see {@link HttpSettings#answerDeadlineMs}): whatever the owner path concludes
   * (success, refusal, "unavailable") reaches the client first. When the deadline still passes
   * (the database hangs under a gateway check, say), the answer says that the outcome is
   * unknown and whether the request can be retried safely.
   */
  private void deadline(RoutingContext ctx) {
    if (ctx.request().method() == HttpMethod.POST && ctx.request().path().endsWith("/imports")) {
      // A CSV import sends many owner requests in turn, each under its own owner-path deadline,
      // and answers which rows are recorded when one fails: one deadline for all would cut it off.
      ctx.next();
      return;
    }
    long deadlineMs = ctx.request().path().startsWith("/api/v1/analytics/") ? analyticsDeadlineMs()
        : settings.answerDeadlineMs(owners.ownerPathMs());
    long answerMs = deadlineMs;
    long timer = vertx.setTimer(deadlineMs, id -> {
      // A streamed export whose answer has begun is past any deadline's reach: it ends or is cut.
      if (!ctx.response().ended() && !ctx.response().headWritten()) {
        Problems.send(ctx, Problems.outcomeUnknown("no answer within " + answerMs + " ms",
            isRead(ctx), retrySafe(ctx)));
      }
    });
    ctx.addBodyEndHandler(v -> vertx.cancelTimer(timer));
    ctx.next();
  }

  /**
   * The deadline of an analytics request. It may wait up to analytics.minSeqWaitMs for the store
   * (minSeq, minPriceSeq): its own 503, which says what the store has not read yet, must reach the
   * client before the gateway's "no answer in time" (through a forwarding node too, whose margin
   * covers the hop).
   */
  private long analyticsDeadlineMs() {
    long deadlineMs = settings.answerDeadlineMs(owners.ownerPathMs());
    return analyticsSettings == null ? deadlineMs
        : Math.max(deadlineMs, analyticsSettings.minSeqWaitMs() + HttpSettings.GATEWAY_MARGIN_MS);
  }

  private static boolean isRead(RoutingContext ctx) {
    return ctx.request().method() == HttpMethod.GET || ctx.request().method() == HttpMethod.HEAD;
  }

  /**
   * Whether sending the same request again cannot apply it twice: reads; commands with a client
   * id (trades, cash flows, FX conversions, their batches); PUT of an instrument (an upsert);
   * and any command under an Idempotency-Key. A create, PATCH or PUT of targets without a key
   * may have been applied: a retry may be refused (409, 412) or apply it twice.
   */
  static boolean retrySafe(RoutingContext ctx) {
    if (isRead(ctx) || ctx.request().getHeader(HttpBodies.IDEMPOTENCY_KEY) != null) {
      return true;
    }
    String path = ctx.request().path();
    if (ctx.request().method() == HttpMethod.POST) {
      return path.endsWith("/trades") || path.endsWith("/trades:batch") || path.endsWith("/cash-flows")
          || path.endsWith("/fx-conversions") || path.endsWith("/imports");
    }
    return ctx.request().method() == HttpMethod.PUT && path.startsWith("/api/v1/instruments/");
  }

  private void ready(RoutingContext ctx) {
    readiness.check().onComplete(result -> {
      if (result.succeeded()) {
        HttpBodies.json(ctx, 200, new JsonObject().put("status", "UP"));
      } else {
        ctx.response().putHeader("Retry-After", "1");
        HttpBodies.json(ctx, 503, new JsonObject().put("status", "DOWN").put("reason", result.cause().getMessage()));
      }
    });
  }

  /** Failures raised by the router itself: body too large, method not allowed, bugs. */
  private void failure(RoutingContext ctx) {
    if (RefusedBodies.clientGone(ctx)) {
      return; // nobody left to answer, and no fault of the node: counted and logged at INFO there
    }
    int status = ctx.statusCode();
    if (status == 413) {
      Problems.send(ctx, new Problems.Problem(413, "body-too-large", "Body too large",
          "the body exceeds " + (ctx.get(SecuredRoutes.BODY_LIMIT) instanceof Integer limit ? limit
              : settings.maxBodyBytes()) + " bytes", null));
    } else if (status == 405) {
      Problems.send(ctx, new Problems.Problem(405, "method-not-allowed", "Method not allowed",
          ctx.request().method() + " is not allowed on " + ctx.request().path(), null));
    } else if (status >= 400 && status < 500) {
      Problems.send(ctx, new Problems.Problem(status, "bad-request", "Bad request", "the request was refused", null));
    } else {
      Problems.send(ctx, Problems.of(ctx.failure() == null ? new IllegalStateException("status " + status)
          : ctx.failure()));
    }
  }
}
