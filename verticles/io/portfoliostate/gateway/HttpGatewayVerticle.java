package io.portfoliostate.gateway;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.portfoliostate.config.Settings.ConsolidationSettings;
import io.portfoliostate.config.Settings.HttpSettings;
import io.portfoliostate.integration.redis.PortfolioCache;
import io.portfoliostate.market.MarketView;
import io.portfoliostate.observability.Readiness;
import io.portfoliostate.persistence.CorporateActionStore;
import io.portfoliostate.persistence.MarketDataStore;
import io.portfoliostate.persistence.PortfolioCatalog;
import io.portfoliostate.shard.OwnerClient;
import io.portfoliostate.shard.ShardMap;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;

/**
 * The HTTP gateway: the REST API of API.md, health and metrics. Deployed once per event loop;
 * the instances share the listening port.
 */
public final class HttpGatewayVerticle extends VerticleBase {

  private static final String PORTFOLIO = "/api/v1/portfolios/:id";
  private static final String INSTRUMENT = "/api/v1/instruments/:id";
  /** The API's contract, served as written. */
  private static final Buffer OPENAPI = loadOpenApi();

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
  private final ConsolidationSettings consolidation;
  private HttpServer server;

  /**
   * @param clusterName the cluster's name, or null when the node runs alone
   * @param market the node's market view: prices for valued reads, instruments for price currencies
   * @param marketStore where market data is stored
   * @param clock stamps market data without an observation time
   * @param cache the shared Redis cache, or null when there is none
   * @param actionStore where corporate actions and their progress are stored
   * @param consolidation the bounds of consolidated reads of a portfolio tree
   */
  public HttpGatewayVerticle(HttpSettings settings, OwnerClient owners, PortfolioCatalog catalog,
      Readiness readiness, PrometheusMeterRegistry registry, ShardMap shards, String clusterName,
      MarketView market, MarketDataStore marketStore, Clock clock, PortfolioCache cache,
      CorporateActionStore actionStore, ConsolidationSettings consolidation) {
    this.actionStore = actionStore;
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
        .setHost(settings.host()).setPort(settings.port())
        .setCompressionSupported(true)
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

  private Router router() {
    Router router = Router.router(vertx);
    router.get("/health/live").handler(ctx -> HttpBodies.json(ctx, 200, new JsonObject().put("status", "UP")));
    router.get("/health/ready").handler(this::ready);
    router.get("/metrics").handler(PrometheusScrapingHandler.create(registry));
    router.get("/openapi.yaml").handler(ctx -> ctx.response().putHeader("Content-Type", "application/yaml")
        .end(OPENAPI));
    router.get("/docs").handler(ApiDocs::page);
    router.get("/docs/").handler(ApiDocs::page);
    ApiDocs.mountAssets(router);

    // When the request arrived: a write's deadline counts from here, not from when a loaded event
    // loop got round to it, so that nothing is written after the client had its timeout.
    router.route("/api/*").handler(ctx -> {
      ctx.put(MarketHandlers.ARRIVED_AT, System.currentTimeMillis());
      ctx.next();
    });
    router.route("/api/*").handler(this::deadline);
    router.route("/api/*").handler(BodyHandler.create(false).setBodyLimit(settings.maxBodyBytes()));
    PortfolioHandlers handlers = new PortfolioHandlers(owners, catalog);
    router.post("/api/v1/portfolios").handler(handlers::create);
    router.get("/api/v1/portfolios").handler(handlers::list);
    ReadHandlers reads = new ReadHandlers(new StateReads(owners, cache), market, marketStore);
    router.get(PORTFOLIO).handler(reads::read);
    router.patch(PORTFOLIO).handler(handlers::update);
    router.postWithRegex("/api/v1/portfolios/([^/]+)/trades:batch").handler(handlers::tradeBatch);
    router.post(PORTFOLIO + "/trades").handler(handlers.command(CommandParsers::tradeAt, 201));
    router.post(PORTFOLIO + "/cash-flows").handler(handlers.command(CommandParsers::cashFlow, 201));
    router.post(PORTFOLIO + "/fx-conversions").handler(handlers.command(CommandParsers::fxConversion, 201));
    router.put(PORTFOLIO + "/targets").handler(handlers.command(CommandParsers::targets, 200, true));
    router.get(PORTFOLIO + "/positions").handler(reads::positions);
    router.get(PORTFOLIO + "/cash").handler(reads::cash);
    router.get(PORTFOLIO + "/weights").handler(reads::weights);
    router.get(PORTFOLIO + "/exposures").handler(reads::exposures);
    router.get(PORTFOLIO + "/events").handler(handlers::events);
    ConsolidatedHandlers consolidated = new ConsolidatedHandlers(
        new SubtreeReads(owners, catalog, consolidation), market);
    // access: read on :id (a reader of a portfolio may read its whole subtree)
    router.get(PORTFOLIO + "/consolidated").handler(consolidated::whole);
    // access: read on :id
    router.get(PORTFOLIO + "/consolidated/positions").handler(consolidated::positions);
    // access: read on :id
    router.get(PORTFOLIO + "/consolidated/cash").handler(consolidated::cash);
    // access: read on :id
    router.get(PORTFOLIO + "/consolidated/weights").handler(consolidated::weights);
    // access: read on :id
    router.get(PORTFOLIO + "/consolidated/exposures").handler(consolidated::exposures);
    MarketHandlers marketHandlers = new MarketHandlers(vertx.eventBus(), market, marketStore, clock,
        settings.requestTimeoutMs());
    router.put(INSTRUMENT).handler(marketHandlers::putInstrument);
    router.get(INSTRUMENT).handler(marketHandlers::getInstrument);
    router.post("/api/v1/prices").handler(marketHandlers::postPrices);
    router.post("/api/v1/fx-rates").handler(marketHandlers::postFxRates);
    CorporateActionHandlers actions = new CorporateActionHandlers(actionStore,
        vertx.eventBus(), clock);
    router.post("/api/v1/corporate-actions").handler(actions::post);
    router.get("/api/v1/corporate-actions/:id").handler(actions::get);
    router.get("/api/v1/cluster").handler(new ClusterHandler(vertx, shards, clusterName)::view);

    router.errorHandler(404, ctx -> Problems.send(ctx, new Problems.Problem(404, "not-found",
        "Not found", "no resource at " + ctx.request().path(), null)));
    router.errorHandler(405, ctx -> Problems.send(ctx, new Problems.Problem(405, "method-not-allowed",
        "Method not allowed", ctx.request().method() + " is not allowed on " + ctx.request().path(), null)));
    router.route().failureHandler(this::failure);
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
    long deadlineMs = settings.answerDeadlineMs(owners.ownerPathMs());
    long timer = vertx.setTimer(deadlineMs, id -> {
      if (!ctx.response().ended()) {
        Problems.send(ctx, Problems.outcomeUnknown("no answer within " + deadlineMs + " ms",
            isRead(ctx), retrySafe(ctx)));
      }
    });
    ctx.addBodyEndHandler(v -> vertx.cancelTimer(timer));
    ctx.next();
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
          || path.endsWith("/fx-conversions");
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
    int status = ctx.statusCode();
    if (status == 413) {
      Problems.send(ctx, new Problems.Problem(413, "body-too-large", "Body too large",
          "the body exceeds " + settings.maxBodyBytes() + " bytes", null));
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
