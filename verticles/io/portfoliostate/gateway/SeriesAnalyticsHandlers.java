package io.portfoliostate.gateway;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.portfoliostate.config.Settings.AnalyticsSettings;
import io.portfoliostate.domain.analytics.Correlation;
import io.portfoliostate.integration.duckdb.AnalyticsQueries;
import io.portfoliostate.integration.duckdb.AnalyticsQueries.NavPoint;
import io.portfoliostate.integration.duckdb.AnalyticsQueries.NavSeries;
import io.portfoliostate.integration.duckdb.AnalyticsQueries.PortfolioSet;
import io.portfoliostate.integration.duckdb.AnalyticsQueries.ReturnMatrix;
import io.portfoliostate.integration.duckdb.AnalyticsStore;
import io.portfoliostate.persistence.MarketRecords;
import io.portfoliostate.security.AccessRule;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The analytics routes over the store's daily series (docs/analytics.md): {@code nav} (each
 * member's daily NAV and return) and {@code correlation} (the Pearson matrix of their daily
 * returns). A set is named as for the other analytics routes: {@code portfolios=a,b} (each
 * readable), {@code root=x} (x readable), or nothing (everything the caller may read).
 *
 * <p>With {@code minSeq=n} an answer waits until the store holds change n <em>and</em> no member
 * of the set waits for its series to be recomputed, so a caller reads the series its own write
 * changed; with {@code minPriceSeq=m} (the {@code marketSeq} of a price or rate write) until the
 * series have read that write from PostgreSQL and recomputed the members it moved. Every answer
 * says how far: {@code analyticsSeq} and {@code priceSeq}. The reads and the matrix run on the store's reader threads, never an event loop.
 */
final class SeriesAnalyticsHandlers {

  /** The longest window: ten years of days. */
  private static final int MAX_DAYS = 3660;

  private final AnalyticsReads reads;
  private final AnalyticsStore store;
  private final Clock clock;
  private final Timer correlating;
  private final MarketRecords records;

  private SeriesAnalyticsHandlers(AnalyticsReads reads, Clock clock, MeterRegistry registry, MarketRecords records) {
    this.reads = reads;
    this.records = records;
    this.store = reads.store();
    this.clock = clock;
    this.correlating = Timer.builder("pstate.analytics.correlation")
        .description("time to read a set's daily returns and compute their correlation matrix").register(registry);
  }

  /**
   * Declares the routes on {@code routes}, on every node: answered from {@code store}, or on a
   * node that keeps none by {@code forward} (to a node that keeps one).
   *
   * @param records the stored prices' and rates' order, where {@code minPriceSeq} starts from
   */
  static void mount(SecuredRoutes routes, Vertx vertx, AnalyticsStore store, AnalyticsSettings settings,
      AccessControl access, Clock clock, MeterRegistry registry, MarketRecords records,
      Handler<RoutingContext> forward) {
    SeriesAnalyticsHandlers handlers = store == null ? null
        : new SeriesAnalyticsHandlers(new AnalyticsReads(vertx, store, settings, access), clock, registry, records);
    AccessRule set = AccessRule.checkedByHandler("read on each of ?portfolios= or on ?root=; without them, "
        + "only the portfolios the caller may read");
    routes.get("/api/v1/analytics/nav", set, handlers == null ? forward : handlers::nav);
    routes.get("/api/v1/analytics/correlation", set, handlers == null ? forward : handlers::correlation);
  }

  /** A checked request: its set, window and freshness. */
  private record Request(PortfolioSet set, LocalDate from, LocalDate to, long minSeq) {
  }

  private void nav(RoutingContext ctx) {
    answer(ctx, request -> {
      List<NavSeries> series = AnalyticsQueries.navs(store.reader(), request.set(), request.from(), request.to());
      JsonArray portfolios = new JsonArray();
      for (NavSeries one : series) {
        JsonArray points = new JsonArray();
        for (NavPoint point : one.points()) {
          points.add(new JsonObject().put("date", point.date().toString()).put("nav", point.nav())
              .put("netFlow", point.netFlow()).put("income", point.income()).put("dailyReturn", point.dailyReturn()));
        }
        portfolios.add(new JsonObject().put("portfolioId", one.portfolioId())
            .put("baseCurrency", one.baseCurrency()).put("series", points));
      }
      return new JsonObject().put("portfolios", portfolios);
    });
  }

  private void correlation(RoutingContext ctx) {
    answer(ctx, request -> {
      long began = System.nanoTime();
      ReturnMatrix returns = AnalyticsQueries.returns(store.reader(), request.set(), request.from(), request.to());
      double[][] matrix = Correlation.matrix(returns.returns());
      JsonArray rows = new JsonArray();
      for (double[] line : matrix) {
        JsonArray row = new JsonArray();
        for (double value : line) {
          row.add(Double.isNaN(value) ? null : value);
        }
        rows.add(row);
      }
      correlating.record(System.nanoTime() - began, TimeUnit.NANOSECONDS);
      return new JsonObject().put("portfolios", new JsonArray(new ArrayList<>(returns.portfolioIds())))
          .put("matrix", rows).put("days", returns.dates().size());
    });
  }

  /** Checks the request, resolves its set, waits for {@code minSeq}, then answers {@code body} of it. */
  private void answer(RoutingContext ctx, Blocking body) {
    List<RequestReader.FieldError> errors = new ArrayList<>();
    AnalyticsReads.SetRequest named = AnalyticsReads.setRequest(ctx, errors);
    LocalDate today = LocalDate.now(clock.withZone(ZoneOffset.UTC));
    LocalDate to = HttpBodies.dateParam(ctx, "to", errors);
    LocalDate from = HttpBodies.dateParam(ctx, "from", errors);
    if (errors.isEmpty()) {
      to = to == null ? today : to;
      from = from == null ? to.minusYears(1) : from;
      if (from.isAfter(to)) {
        errors.add(new RequestReader.FieldError("from", "the window starts after it ends (" + from + " > " + to + ")"));
      } else if (from.plusDays(MAX_DAYS).isBefore(to)) {
        errors.add(new RequestReader.FieldError("from", "the window is longer than " + MAX_DAYS + " days"));
      }
    }
    if (!errors.isEmpty()) {
      Problems.send(ctx, Problems.invalid(errors));
      return;
    }
    Long minSeq = HttpBodies.longParam(ctx, "minSeq", 0, Long.MAX_VALUE);
    Long minPriceSeq = ctx.response().ended() ? null : HttpBodies.longParam(ctx, "minPriceSeq", 0, Long.MAX_VALUE);
    if (ctx.response().ended()) {
      return;
    }
    LocalDate windowFrom = from;
    LocalDate windowTo = to;
    reads.resolve(ctx, named).compose(resolved -> {
      if (resolved.isEmpty()) {
        return Future.<Void>succeededFuture();
      }
      Request request = new Request(resolved.get(), windowFrom, windowTo, minSeq == null ? 0 : minSeq);
      // Read your own writes: the change, and the series it (or a change read before it) marked
      // for recomputation, not those of later trades; the prices and rates, and the series they marked.
      return reads.awaitSeqs(ctx, minSeq, reads.seriesRecomputed(request.set()),
          "read global_seq " + minSeq + " and recomputed the series it changed", minPriceSeq, records,
          request.set()).compose(reached -> {
        if (!reached) {
          return Future.<Void>succeededFuture();
        }
        long seq = store.analyticsSeq();
        long priceSeq = store.priceCoverage().priceSeq();
        return reads.readers().executeBlocking(() -> body.apply(request), false).map(json -> {
          HttpBodies.json(ctx, 200, new JsonObject().put("analyticsSeq", seq).put("priceSeq", priceSeq)
              .put("from", windowFrom.toString())
              .put("to", windowTo.toString()).mergeIn(json));
          return null;
        });
      });
    }).onFailure(failure -> Problems.send(ctx, Problems.of(failure)));
  }

  /** A read of the store for a checked request (on a reader thread). */
  @FunctionalInterface
  private interface Blocking extends Function<Request, JsonObject> {
    JsonObject read(Request request) throws Exception;

    @Override
    default JsonObject apply(Request request) {
      try {
        return read(request);
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
