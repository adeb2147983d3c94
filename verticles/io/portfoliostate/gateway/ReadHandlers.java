package io.portfoliostate.gateway;

import io.portfoliostate.domain.DomainViolation;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.domain.PortfolioState;
import io.portfoliostate.domain.valuation.Exposures;
import io.portfoliostate.domain.valuation.GroupBy;
import io.portfoliostate.domain.valuation.Grouping;
import io.portfoliostate.domain.valuation.MarketData;
import io.portfoliostate.domain.valuation.MarketNeeds;
import io.portfoliostate.domain.valuation.PortfolioValuation;
import io.portfoliostate.domain.valuation.TargetWeights;
import io.portfoliostate.domain.valuation.Valuation;
import io.portfoliostate.market.MarketSnapshot;
import io.portfoliostate.market.MarketView;
import io.portfoliostate.persistence.MarketDataStore;
import io.portfoliostate.persistence.PortfolioCatalog;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.util.List;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The valued reads of a portfolio: its state, positions (grouped or not), cash, weights and
 * exposures. The owner answers with the committed state; it is valued here, in the gateway.
 *
 * <p>A read of the current state is valued against the node's current market snapshot.
 * Valuation is a pure function of two immutable values, so it touches no owner and needs no
 * lock, and a price tick costs nothing until someone reads. {@code valuation.asOf} is the time of
 * the information valued: the later of the state's last change and the newest price or rate the
 * node knows. It is not the time of the read, so the same state and the same market give the
 * same answer on every node and after a restart.
 *
 * <p>A read of an earlier state is valued with the market as it was: with {@code asOf=T} (business
 * time: the trades executed by T, see {@link io.portfoliostate.domain.timeline.BusinessTime}), each
 * price and rate the state needs is the one observed last at or before T, and
 * {@code valuation.asOf} is T; with {@code knownAt=K} alone (system time: what was recorded by K),
 * the same at K; with {@code version=N}, the same at the time version N was
 * recorded (its {@code updatedAt}), which {@code valuation.asOf} then states. Only the
 * instruments and pairs the state needs ({@link MarketNeeds}) are read from the history, in one
 * statement for prices and one for rates. Reference data (currency, sector, ...) is today's:
 * it has no history.
 */
final class ReadHandlers {

  /** Bytes of rendered answers each gateway instance keeps (see {@link RenderedAnswers}). */
  private static final long RENDERED_BYTES = 16L << 20;

  private static final Logger LOG = LoggerFactory.getLogger(ReadHandlers.class);

  private final StateReads reads;
  private final MarketView market;
  private final MarketDataStore history;
  private final PortfolioCatalog catalog;
  private final RenderedAnswers rendered = new RenderedAnswers(RENDERED_BYTES);

  /**
   * @param history where earlier states find the prices and rates of their time
   * @param catalog where the settings a portfolio inherits are resolved
   */
  ReadHandlers(StateReads reads, MarketView market, MarketDataStore history, PortfolioCatalog catalog) {
    this.reads = reads;
    this.market = market;
    this.history = history;
    this.catalog = catalog;
  }

  /**
   * The state. A read of the current state also shows {@code effectiveSettings}: the owner knows
   * only the portfolio's own settings, so what it inherits is resolved here, with one query up
   * its ancestors in the catalog (none for a root). Reads of an earlier state leave them out:
   * the catalog keeps no history of the ancestors' settings.
   */
  void read(RoutingContext ctx) {
    readValued(ctx, "state", Valuations::portfolio, true);
  }

  /** The state's effective settings: its own and its ancestors' as the catalog has them now. */
  private Future<JsonObject> effectiveSettings(PortfolioState state) {
    if (state.parentId() == null) {
      return Future.succeededFuture(SettingsViews.effective(state, List.of()));
    }
    return catalog.settingsUpFrom(state.parentId()).map(chain -> SettingsViews.effective(state, chain));
  }

  void positions(RoutingContext ctx) {
    String groupByName = ctx.queryParams().get("groupBy");
    GroupBy groupBy;
    try {
      groupBy = groupByName == null ? null : GroupBy.parse(groupByName);
    } catch (DomainViolation e) {
      Problems.send(ctx, Problems.invalid(List.of(new RequestReader.FieldError("groupBy", e.reason()))));
      return;
    }
    readValued(ctx, groupBy == null ? "positions" : "positions:" + groupBy.apiName(), (state, valuation) -> {
      JsonObject json = new JsonObject().put("portfolioId", state.id().value())
          .put("version", state.version());
      if (groupBy == null) {
        json.put("positions", Valuations.positions(valuation.positions()));
      } else {
        json.put("groupBy", groupBy.apiName())
            .put("groups", Valuations.groups(Grouping.by(valuation, groupBy), groupBy));
      }
      return json.put("valuation", Valuations.summary(valuation));
    }, false);
  }

  void cash(RoutingContext ctx) {
    readValued(ctx, "cash", Valuations::cashView, false);
  }

  void weights(RoutingContext ctx) {
    readValued(ctx, "weights", (state, valuation) -> Valuations.weights(TargetWeights.of(state, valuation)), false);
  }

  void exposures(RoutingContext ctx) {
    readValued(ctx, "exposures",
        (state, valuation) -> Valuations.exposures(state, valuation, Exposures.of(valuation)), false);
  }

  /**
   * Reads the committed state (now, or at {@code version} or {@code asOf}), values it with the
   * market of that time, and answers what {@code render} makes of both; {@code ETag} is the
   * version. {@code withSettings}: a current read adds the state's {@code effectiveSettings}.
   */
  private void readValued(RoutingContext ctx, String view,
      BiFunction<PortfolioState, PortfolioValuation, Object> render, boolean withSettings) {
    PortfolioId id = PortfolioHandlers.pathId(ctx);
    if (id == null) {
      return;
    }
    Long version = HttpBodies.longParam(ctx, "version", 1, Long.MAX_VALUE);
    String asOfText = ctx.queryParams().get("asOf");
    Instant asOf = asOfText == null ? null : RequestReader.parseInstant(asOfText, () -> Problems.send(ctx,
        Problems.invalid(List.of(new RequestReader.FieldError("asOf", "must be an ISO-8601 time with a zone")))));
    if (ctx.response().ended()) {
      return;
    }
    String knownAtText = ctx.queryParams().get("knownAt");
    Instant knownAt = knownAtText == null ? null : RequestReader.parseInstant(knownAtText, () -> Problems.send(ctx,
        Problems.invalid(List.of(new RequestReader.FieldError("knownAt", "must be an ISO-8601 time with a zone")))));
    if (ctx.response().ended()) {
      return;
    }
    if (version != null && (asOf != null || knownAt != null)) {
      Problems.send(ctx, Problems.invalid(List.of(new RequestReader.FieldError(asOf != null ? "asOf" : "knownAt",
          "give either version, or asOf and/or knownAt"))));
      return;
    }
    Future<PortfolioState> read = reads.read(ctx, id, version, asOf, knownAt);
    if (read == null) {
      return;
    }
    if (version == null && asOf == null && knownAt == null && withSettings) {
      read.compose(state -> effectiveSettings(state).map(effective -> {
            // The inherited values are not part of the version: they join the rendered answer's key.
            String keyed = view + "|" + effective.encode();
            return valuedNow(keyed, state, (s, valuation) ->
                ((JsonObject) render.apply(s, valuation)).put("effectiveSettings", effective));
          }).onSuccess(body -> {
            ctx.response().putHeader("ETag", "\"" + state.version() + "\"");
            HttpBodies.json(ctx, 200, body);
          }))
          .onFailure(failure -> Problems.send(ctx, Problems.of(failure)));
      return;
    }
    if (version == null && asOf == null && knownAt == null) {
      read
          .onSuccess(state -> {
            ctx.response().putHeader("ETag", "\"" + state.version() + "\"");
            HttpBodies.json(ctx, 200, valuedNow(view, state, render));
          })
          .onFailure(failure -> Problems.send(ctx, Problems.of(failure)));
      return;
    }
    read
        .onSuccess(state -> {
          // Business time T: the market of T; system time K alone: the market as it was at K.
          Instant time = asOf != null ? asOf : knownAt != null ? knownAt : state.updatedAt();
          marketAt(state, time)
              .onSuccess(then -> {
                PortfolioValuation valuation = Valuation.value(state, then, market.snapshot(), time);
                ctx.response().putHeader("ETag", "\"" + state.version() + "\"");
                HttpBodies.json(ctx, 200, bytes(render.apply(state, valuation)));
              })
              .onFailure(failure -> {
                LOG.warn("Price history for {} at {} unreadable: {}", id, time, failure.toString());
                Problems.send(ctx, Problems.unavailable("the price history could not be read; retry shortly"));
              });
        })
        .onFailure(failure -> Problems.send(ctx, Problems.of(failure)));
  }

  /**
   * The current state valued with the node's current snapshot. The same view of the same version
   * with the same snapshot is rendered once (see {@link RenderedAnswers}).
   */
  private Buffer valuedNow(String view, PortfolioState state,
      BiFunction<PortfolioState, PortfolioValuation, Object> render) {
    MarketSnapshot snapshot = market.snapshot();
    RenderedAnswers.Key key = new RenderedAnswers.Key(view, state.id(), state.version(), snapshot);
    Buffer body = rendered.get(key);
    if (body == null) {
      PortfolioValuation valuation = Valuation.value(state, snapshot.market(), snapshot, asOf(state, snapshot));
      body = bytes(render.apply(state, valuation));
      rendered.put(key, body);
    }
    return body;
  }

  /**
   * The prices and rates an earlier state needs, each the one latest at {@code time}: one query
   * for the prices, then one for the rates (a price may be quoted in a currency the state does
   * not otherwise hold). Reference data stays the node's current one.
   *
   * <p>What is valued with it is not kept in {@link RenderedAnswers}: that key names the version
   * and the node's current snapshot, not the time the market is taken at, so the current version
   * read by number would collide with the read of the current state. The time could join the
   * key, but such answers are rarely repeated (times are free-form), most of their cost is the
   * journal replay and the two queries rather than the rendering, and they would push out the
   * answers of current states, which are read again and again.
   */
  private Future<MarketData> marketAt(PortfolioState state, Instant time) {
    return history.pricesAt(MarketNeeds.instruments(state), time)
        .compose(prices -> history.ratesAt(MarketNeeds.pairs(state, prices), time)
            .map(rates -> MarketData.of(prices, rates)));
  }

  private static Buffer bytes(Object json) {
    return json instanceof JsonArray array ? array.toBuffer() : ((JsonObject) json).toBuffer();
  }

  private static Instant asOf(PortfolioState state, MarketSnapshot snapshot) {
    Instant market = snapshot.latestAt();
    return market == null || market.isBefore(state.updatedAt()) ? state.updatedAt() : market;
  }
}
