package io.portfoliostate.gateway;

import io.portfoliostate.domain.DomainViolation;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.domain.PortfolioState;
import io.portfoliostate.domain.valuation.Exposures;
import io.portfoliostate.domain.valuation.GroupBy;
import io.portfoliostate.domain.valuation.Grouping;
import io.portfoliostate.domain.valuation.PortfolioValuation;
import io.portfoliostate.domain.valuation.TargetWeights;
import io.portfoliostate.domain.valuation.Valuation;
import io.portfoliostate.market.MarketSnapshot;
import io.portfoliostate.market.MarketView;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.util.List;
import java.util.function.BiFunction;

/**
 * The valued reads of a portfolio: its state, positions (grouped or not), cash, weights and
 * exposures. The owner answers with the committed state; it is valued here, in the gateway,
 * against the node's current market snapshot. Valuation is a pure function of two immutable
 * values, so it touches no owner and needs no lock, and a price tick costs nothing until
 * someone reads.
 *
 * <p>A read of an earlier state ({@code version} or {@code asOf}) is valued with today's market
 * too, for now: prices are kept with their history, and valuing with the prices of that time
 * comes later.
 *
 * <p>{@code valuation.asOf} is the time of the information valued: the later of the state's last
 * change and the newest price or rate the node knows. It is not the time of the read, so the
 * same state and the same market give the same answer on every node and after a restart.
 */
final class ReadHandlers {

  /** Bytes of rendered answers each gateway instance keeps (see {@link RenderedAnswers}). */
  private static final long RENDERED_BYTES = 16L << 20;

  private final StateReads reads;
  private final MarketView market;
  private final RenderedAnswers rendered = new RenderedAnswers(RENDERED_BYTES);

  ReadHandlers(StateReads reads, MarketView market) {
    this.reads = reads;
    this.market = market;
  }

  void read(RoutingContext ctx) {
    readValued(ctx, "state", Valuations::portfolio);
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
    });
  }

  void cash(RoutingContext ctx) {
    readValued(ctx, "cash", Valuations::cashView);
  }

  void weights(RoutingContext ctx) {
    readValued(ctx, "weights", (state, valuation) -> Valuations.weights(TargetWeights.of(state, valuation)));
  }

  void exposures(RoutingContext ctx) {
    readValued(ctx, "exposures",
        (state, valuation) -> Valuations.exposures(state, valuation, Exposures.of(valuation)));
  }

  /**
   * Reads the committed state (now, or at {@code version} or {@code asOf}), values it with the
   * node's market, and answers what {@code render} makes of both; {@code ETag} is the version.
   * The same view of the same version with the same market is rendered once.
   */
  private void readValued(RoutingContext ctx, String view,
      BiFunction<PortfolioState, PortfolioValuation, Object> render) {
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
    if (version != null && asOf != null) {
      Problems.send(ctx, Problems.invalid(List.of(new RequestReader.FieldError("asOf",
          "give either version or asOf, not both"))));
      return;
    }
    Future<PortfolioState> read = reads.read(ctx, id, version, asOf);
    if (read == null) {
      return;
    }
    read
        .onSuccess(state -> {
          MarketSnapshot snapshot = market.snapshot();
          ctx.response().putHeader("ETag", "\"" + state.version() + "\"");
          RenderedAnswers.Key key = new RenderedAnswers.Key(view, state.id(), state.version(), snapshot);
          Buffer body = rendered.get(key);
          if (body == null) {
            PortfolioValuation valuation = Valuation.value(state, snapshot.market(), snapshot,
                asOf(state, snapshot));
            Object json = render.apply(state, valuation);
            body = json instanceof JsonArray array ? array.toBuffer() : ((JsonObject) json).toBuffer();
            rendered.put(key, body);
          }
          HttpBodies.json(ctx, 200, body);
        })
        .onFailure(failure -> Problems.send(ctx, Problems.of(failure)));
  }

  private static Instant asOf(PortfolioState state, MarketSnapshot snapshot) {
    Instant market = snapshot.latestAt();
    return market == null || market.isBefore(state.updatedAt()) ? state.updatedAt() : market;
  }
}
