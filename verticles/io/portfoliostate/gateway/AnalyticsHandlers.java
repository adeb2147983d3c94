package io.portfoliostate.gateway;

import io.portfoliostate.config.Settings.AnalyticsSettings;
import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.Identifiers;
import io.portfoliostate.domain.valuation.SetAnalytics;
import io.portfoliostate.integration.duckdb.AnalyticsQueries;
import io.portfoliostate.integration.duckdb.AnalyticsQueries.PortfolioSet;
import io.portfoliostate.integration.duckdb.AnalyticsStore;
import io.portfoliostate.integration.duckdb.QuerySandbox;
import io.portfoliostate.market.MarketSnapshot;
import io.portfoliostate.market.MarketView;
import io.portfoliostate.persistence.MarketRecords;
import io.portfoliostate.security.AccessRule;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The cross-portfolio analytics routes ({@code /api/v1/analytics/...}, issue 16), answered from
 * the node's {@link AnalyticsStore} on its reader threads. A request names its set of
 * portfolios as {@code portfolios=a,b} (each must be readable), {@code root=x} (x must be
 * readable; its subtree is), or nothing (everything the caller may read). Every answer carries
 * {@code analyticsSeq}; {@code minSeq=n} waits (up to {@code analytics.minSeqWaitMs}) until the
 * store holds the journal change with {@code global_seq} n, else answers 503 with Retry-After.
 */
final class AnalyticsHandlers {

  private static final int MAX_TOP = 1000;
  /** The fields of a custom query's body. */
  static final java.util.Set<String> QUERY_FIELDS = java.util.Set.of("sql", "params");

  private final AnalyticsReads reads;
  private final AnalyticsStore store;
  private final MarketView market;

  private final MarketRecords records;

  private AnalyticsHandlers(AnalyticsReads reads, MarketView market, MarketRecords records) {
    this.reads = reads;
    this.records = records;
    this.store = reads.store();
    this.market = market;
  }

  /**
   * Declares the analytics routes on {@code routes}, each with its rule on every node: answered
   * from {@code store}, or on a node that keeps none by {@code forward} (to a node that keeps one).
   *
   * @param records the stored prices' and rates' order, where a custom query's {@code minPriceSeq} starts from
   */
  static void mount(SecuredRoutes routes, Vertx vertx, AnalyticsStore store, AnalyticsSettings settings,
      MarketView market, AccessControl access, MarketRecords records, Handler<RoutingContext> forward) {
    AnalyticsHandlers handlers = store == null ? null
        : new AnalyticsHandlers(new AnalyticsReads(vertx, store, settings, access), market, records);
    routes.get("/api/v1/analytics/status", AccessRule.anyCaller("how far the store has read; no portfolio data"),
        handlers == null ? forward : handlers::status);
    AccessRule set = AccessRule.checkedByHandler("read on each of ?portfolios= or on ?root=; without them, "
        + "only the portfolios the caller may read");
    routes.get("/api/v1/analytics/exposures", set, handlers == null ? forward : handlers::exposures);
    routes.get("/api/v1/analytics/concentration", set, handlers == null ? forward : handlers::concentration);
    routes.get("/api/v1/analytics/overlap", AccessRule.checkedByHandler("read on ?a= and on ?b="),
        handlers == null ? forward : handlers::overlap);
    routes.post("/api/v1/analytics/query", AccessRule.anyCaller("the query sees only the portfolios the caller "
        + "may read"), handlers == null ? forward : handlers::query);
  }

  /**
   * Custom read-only SQL over the documented views, each limited to the portfolios the caller
   * may read, in a sandbox of its own ({@link QuerySandbox}). {@code minSeq} and
   * {@code minPriceSeq} wait as on {@code nav}; the answer carries {@code analyticsSeq} and
   * {@code priceSeq}.
   */
  private void query(RoutingContext ctx) {
    Object body = HttpBodies.json(ctx);
    if (body == null) {
      return;
    }
    List<RequestReader.FieldError> errors = new ArrayList<>();
    Map<?, ?> request = body instanceof Map<?, ?> map ? map : null;
    String sql = request != null && request.get("sql") instanceof String text ? text : null;
    Object params = request == null ? null : request.get("params");
    if (request == null) {
      errors.add(new RequestReader.FieldError("body", "must be an object with sql and params"));
    } else {
      request.keySet().stream().map(String::valueOf).filter(name -> !QUERY_FIELDS.contains(name)).sorted()
          .forEach(name -> errors.add(new RequestReader.FieldError(name, "is not a field of a query")));
      if (sql == null || sql.isBlank()) {
        errors.add(new RequestReader.FieldError("sql", "is required (a SELECT over the documented views)"));
      }
    }
    if (params != null && !(params instanceof Map)) {
      errors.add(new RequestReader.FieldError("params", "must be an object of parameter name to value"));
    }
    JsonObject values = new JsonObject();
    if (params instanceof Map<?, ?> given) {
      given.forEach((name, value) -> {
        if (value instanceof JsonInput.Number number) {
          BigDecimal decimal = new BigDecimal(number.text());
          values.put(String.valueOf(name), decimal.scale() <= 0 && decimal.toBigInteger().bitLength() < 63
              ? (Object) decimal.longValueExact() : decimal);
        } else if (value == null || value instanceof String || value instanceof Boolean) {
          values.put(String.valueOf(name), value);
        } else {
          errors.add(new RequestReader.FieldError("params." + name, "must be a string, number, boolean or null"));
        }
      });
    }
    if (!errors.isEmpty()) {
      Problems.send(ctx, Problems.invalid(errors));
      return;
    }
    AnalyticsReads.Freshness freshness = AnalyticsReads.freshness(ctx);
    if (freshness == null) {
      return;
    }
    PortfolioSet set = reads.readable(ctx);
    // The views include the daily series: wait as nav does, for the portfolios the query may see.
    reads.awaitSeries(ctx, freshness, records, set)
        .compose(reached -> {
          if (!reached) {
            return Future.<Void>succeededFuture();
          }
          long seq = store.analyticsSeq();
          long priceSeq = store.priceCoverage().priceSeq();
          return reads.sandboxed(ctx, () -> reads.sandbox().run(sql, values, set))
              .map(answer -> {
                answer.ifPresent(json -> HttpBodies.json(ctx, 200, json.put("analyticsSeq", seq)
                    .put("priceSeq", priceSeq)));
                return null;
              });
        })
        .onFailure(failure -> Problems.send(ctx, Problems.of(failure)));
  }

  private void status(RoutingContext ctx) {
    HttpBodies.json(ctx, 200, new JsonObject().put("analyticsSeq", store.analyticsSeq())
        .put("changes", store.changes()).put("priceSeq", store.priceCoverage().priceSeq()));
  }

  private void exposures(RoutingContext ctx) {
    analyse(ctx, analytics -> {
      SetAnalytics.Exposure e = analytics.exposures();
      return header(analytics).put("long", e.longExposure()).put("short", e.shortExposure())
          .put("gross", e.gross()).put("net", e.net())
          .put("bySector", ratios(e.bySector()))
          .put("byCountry", ratios(e.byCountry()))
          .put("byCurrency", ratios(e.byCurrency()))
          .put("byAssetClass", ratios(e.byAssetClass()))
          .put("byFactor", ratios(e.byFactor()));
    });
  }

  private void concentration(RoutingContext ctx) {
    Long top = HttpBodies.longParam(ctx, "top", 1, MAX_TOP);
    if (ctx.response().ended()) {
      return;
    }
    int limit = top == null ? 10 : top.intValue();
    analyse(ctx, analytics -> {
      JsonArray lines = new JsonArray();
      for (SetAnalytics.Concentration line : analytics.concentration(limit)) {
        lines.add(new JsonObject().put("instrumentId", line.instrumentId().value())
            .put("quantity", plain(line.quantity())).put("marketValue", plain(line.marketValue()))
            .put("weight", line.weight()).put("portfolios", line.portfolios()));
      }
      return header(analytics).put("top", lines);
    });
  }

  private void overlap(RoutingContext ctx) {
    String a = ctx.queryParams().get("a");
    String b = ctx.queryParams().get("b");
    List<RequestReader.FieldError> errors = new ArrayList<>();
    if (!Identifiers.isValid(a)) {
      errors.add(new RequestReader.FieldError("a", "must be a portfolio id"));
    }
    if (!Identifiers.isValid(b)) {
      errors.add(new RequestReader.FieldError("b", "must be a portfolio id"));
    }
    if (!errors.isEmpty()) {
      Problems.send(ctx, Problems.invalid(errors));
      return;
    }
    CurrencyCode currency = currency(ctx);
    Long minSeq = HttpBodies.longParam(ctx, "minSeq", 0, Long.MAX_VALUE);
    if (ctx.response().ended()) {
      return;
    }
    reads.requireEach(ctx, List.of(a, b), 0)
        .compose(allowed -> allowed ? run(ctx, PortfolioSet.listed(List.of(a, b)), currency, minSeq, analytics -> {
          JsonArray shared = new JsonArray();
          for (SetAnalytics.Shared line : analytics.overlap(a, b)) {
            shared.add(new JsonObject().put("instrumentId", line.instrumentId().value())
                .put("quantityA", plain(line.quantityA())).put("quantityB", plain(line.quantityB()))
                .put("weightA", line.weightA()).put("weightB", line.weightB()));
          }
          return new JsonObject().put("analyticsSeq", store.analyticsSeq()).put("currency", currency.value())
              .put("a", new JsonObject().put("portfolioId", a).put("nav", plain(analytics.navOf(a))))
              .put("b", new JsonObject().put("portfolioId", b).put("nav", plain(analytics.navOf(b))))
              .put("complete", analytics.complete()).put("shared", shared);
        }) : Future.<Void>succeededFuture())
        .onFailure(failure -> Problems.send(ctx, Problems.of(failure)));
  }

  private JsonObject header(SetAnalytics analytics) {
    return new JsonObject().put("analyticsSeq", store.analyticsSeq()).put("currency", analytics.currency().value())
        .put("portfolios", new JsonArray(new ArrayList<>(analytics.portfolios())))
        .put("nav", plain(analytics.nav())).put("complete", analytics.complete());
  }

  /** Resolves the request's set (checking access), then answers {@code render} of its analytics. */
  private void analyse(RoutingContext ctx, java.util.function.Function<SetAnalytics, JsonObject> render) {
    List<RequestReader.FieldError> errors = new ArrayList<>();
    AnalyticsReads.SetRequest request = AnalyticsReads.setRequest(ctx, errors);
    if (!errors.isEmpty()) {
      Problems.send(ctx, Problems.invalid(errors));
      return;
    }
    CurrencyCode currency = currency(ctx);
    Long minSeq = HttpBodies.longParam(ctx, "minSeq", 0, Long.MAX_VALUE);
    if (ctx.response().ended()) {
      return;
    }
    reads.resolve(ctx, request)
        .compose(resolved -> resolved.isPresent() ? run(ctx, resolved.get(), currency, minSeq, render)
            : Future.<Void>succeededFuture())
        .onFailure(failure -> Problems.send(ctx, Problems.of(failure)));
  }

  private Future<Void> run(RoutingContext ctx, PortfolioSet set, CurrencyCode currency, Long minSeq,
      java.util.function.Function<SetAnalytics, JsonObject> render) {
    MarketSnapshot snapshot = market.snapshot();
    return reads.awaitSeq(ctx, minSeq)
        .compose(reached -> {
          if (!reached) {
            return Future.succeededFuture();
          }
          return reads.readers().executeBlocking(() -> AnalyticsQueries.contents(store.reader(), set), false)
              .map(contents -> {
                SetAnalytics analytics = SetAnalytics.of(contents.portfolioIds(), contents.holdings(),
                    contents.cash(), snapshot, snapshot.market(), currency);
                HttpBodies.json(ctx, 200, render.apply(analytics));
                return null;
              });
        });
  }


  /** ?currency=, USD when absent; null after a 400 was sent. */
  private static CurrencyCode currency(RoutingContext ctx) {
    String text = ctx.queryParams().get("currency");
    if (text == null) {
      return CurrencyCode.USD;
    }
    try {
      return CurrencyCode.of(text);
    } catch (IllegalArgumentException e) {
      Problems.send(ctx, Problems.invalid(List.of(new RequestReader.FieldError("currency",
          "must be a three-letter currency code"))));
      return null;
    }
  }

  private static JsonObject ratios(Map<String, Double> ratios) {
    JsonObject json = new JsonObject();
    ratios.forEach(json::put);
    return json;
  }

  private static String plain(BigDecimal value) {
    return value.signum() == 0 ? "0" : value.stripTrailingZeros().toPlainString();
  }
}
