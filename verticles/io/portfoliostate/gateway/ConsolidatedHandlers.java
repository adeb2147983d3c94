package io.portfoliostate.gateway;

import io.portfoliostate.domain.DomainViolation;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.domain.PortfolioState;
import io.portfoliostate.domain.valuation.ConsolidatedValuation;
import io.portfoliostate.domain.valuation.Consolidation;
import io.portfoliostate.domain.valuation.GroupBy;
import io.portfoliostate.market.MarketSnapshot;
import io.portfoliostate.market.MarketView;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.util.List;
import java.util.function.Supplier;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consolidated views of a portfolio tree: {@code GET .../consolidated} and its positions,
 * cash, weights and exposures. The portfolio and all its descendants are read from their owners
 * in parallel ({@link SubtreeReads}), summed and valued in the root's base currency with the
 * node's current market ({@link Consolidation}).
 *
 * <p>Only the current state is consolidated: {@code version} names one portfolio's history, and
 * {@code asOf} would need the tree as it was at that time, which the catalog does not keep (it
 * holds the current parent links only), so both are refused with a 400 rather than answered
 * with today's tree.
 */
final class ConsolidatedHandlers {

  private static final Logger LOG = LoggerFactory.getLogger(ConsolidatedHandlers.class);

  /**
   * The largest tree summed on the event loop: about a millisecond of work for a few positions
   * each; a larger one goes to a worker thread.
   */
  private static final int ON_EVENT_LOOP = 200;

  private final SubtreeReads subtrees;
  private final MarketView market;

  ConsolidatedHandlers(SubtreeReads subtrees, MarketView market) {
    this.subtrees = subtrees;
    this.market = market;
  }

  void whole(RoutingContext ctx) {
    consolidate(ctx, ConsolidatedJson::whole);
  }

  void positions(RoutingContext ctx) {
    String name = ctx.queryParams().get("groupBy");
    GroupBy groupBy;
    try {
      groupBy = name == null ? null : GroupBy.parse(name);
    } catch (DomainViolation e) {
      Problems.send(ctx, Problems.invalid(List.of(new RequestReader.FieldError("groupBy", e.reason()))));
      return;
    }
    consolidate(ctx, consolidated -> ConsolidatedJson.positions(consolidated, groupBy));
  }

  void cash(RoutingContext ctx) {
    consolidate(ctx, ConsolidatedJson::cash);
  }

  void weights(RoutingContext ctx) {
    consolidate(ctx, ConsolidatedJson::weights);
  }

  void exposures(RoutingContext ctx) {
    consolidate(ctx, ConsolidatedJson::exposures);
  }

  private void consolidate(RoutingContext ctx, Function<ConsolidatedValuation, JsonObject> render) {
    PortfolioId id = PortfolioHandlers.pathId(ctx);
    if (id == null || refused(ctx)) {
      return;
    }
    subtrees.read(id)
        .compose(members -> {
          MarketSnapshot snapshot = market.snapshot();
          Supplier<Buffer> sum = () -> render.apply(Consolidation.value(members, snapshot.market(), snapshot,
              asOf(members, snapshot))).toBuffer();
          // A large tree is summed on a worker, so that the event loop keeps serving meanwhile.
          return members.size() > ON_EVENT_LOOP ? ctx.vertx().executeBlocking(sum::get, false)
              : Future.succeededFuture(sum.get());
        })
        .onSuccess(body -> HttpBodies.json(ctx, 200, body))
        .onFailure(failure -> Problems.send(ctx, problem(failure)));
  }

  /** Refuses (400) what a consolidated view cannot answer; true when it did. */
  private static boolean refused(RoutingContext ctx) {
    for (String parameter : List.of("version", "asOf", "minVersion")) {
      if (ctx.queryParams().contains(parameter)) {
        Problems.send(ctx, Problems.invalid(List.of(new RequestReader.FieldError(parameter,
            "is not supported on consolidated views: they sum the current state of every portfolio of the tree"
                + " (earlier trees are not kept)"))));
        return true;
      }
    }
    String consistency = ctx.queryParams().get("consistency");
    if (consistency != null && !consistency.equals("strong")) {
      Problems.send(ctx, Problems.invalid(List.of(new RequestReader.FieldError("consistency",
          "must be strong: consolidated views read every portfolio from its owner"))));
      return true;
    }
    return false;
  }

  /**
   * The time of the information valued, as for one portfolio: the latest change of any portfolio
   * of the tree or the newest price or rate the node knows, whichever is later.
   */
  private static Instant asOf(List<Consolidation.Member> members, MarketSnapshot snapshot) {
    Instant latest = snapshot.latestAt();
    for (Consolidation.Member member : members) {
      PortfolioState state = member.state();
      if (latest == null || state.updatedAt().isAfter(latest)) {
        latest = state.updatedAt();
      }
    }
    return latest;
  }

  private static Problems.Problem problem(Throwable failure) {
    if (failure instanceof SubtreeReads.NoSuchRoot) {
      return new Problems.Problem(404, "not-found", "Not found", failure.getMessage(), null);
    }
    if (failure instanceof SubtreeReads.TooLarge tooLarge) {
      return new Problems.Problem(422, "subtree-too-large", "Subtree too large", failure.getMessage(), null,
          new JsonObject().put("maxPortfolios", tooLarge.max));
    }
    if (failure instanceof SubtreeReads.Unanswered unanswered) {
      List<PortfolioId> ids = unanswered.portfolios;
      JsonArray names = new JsonArray();
      ids.forEach(one -> names.add(one.value()));
      String shown = String.join(", ", ids.stream().limit(10).map(PortfolioId::value).toList())
          + (ids.size() > 10 ? " and " + (ids.size() - 10) + " more" : "");
      return new Problems.Problem(503, "unavailable", "Service unavailable",
          "no consolidated view: " + ids.size() + " portfolio(s) of the tree did not answer (" + shown + "): "
              + failure.getMessage() + "; retry shortly",
          null, new JsonObject().put("unavailablePortfolios", names).put("retrySafe", true));
    }
    if (failure instanceof SubtreeReads.TreeMoving) {
      return Problems.unavailable(failure.getMessage());
    }
    if (failure instanceof SubtreeReads.TreeUnreadable) {
      LOG.warn("Portfolio tree unreadable: {}", String.valueOf(failure.getCause()));
      return Problems.unavailable(failure.getMessage());
    }
    return Problems.of(failure);
  }
}
