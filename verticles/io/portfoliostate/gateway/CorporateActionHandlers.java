package io.portfoliostate.gateway;

import io.portfoliostate.domain.CorporateAction;
import io.portfoliostate.domain.Identifiers;
import io.portfoliostate.persistence.CorporateActionStore;
import io.portfoliostate.persistence.CorporateActionStore.PortfolioStatus;
import io.portfoliostate.persistence.CorporateActionStore.Progress;
import io.portfoliostate.persistence.CorporateActionStore.StoredAction;
import io.portfoliostate.protocol.Addresses;
import io.portfoliostate.protocol.CommandJson;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /api/v1/corporate-actions} stores an action (once per id: the same content again
 * is answered with the stored action, other content is a conflict) and hands it to this node's
 * driver; {@code GET /api/v1/corporate-actions/{id}} reads it back with its progress.
 */
final class CorporateActionHandlers {

  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

  private final CorporateActionStore store;
  private final EventBus bus;
  private final Clock clock;

  CorporateActionHandlers(CorporateActionStore store, EventBus bus, Clock clock) {
    this.store = store;
    this.bus = bus;
    this.clock = clock;
  }

  void post(RoutingContext ctx) {
    Object body = HttpBodies.json(ctx);
    if (body == null) {
      return;
    }
    MarketParsers.Parsed<CorporateAction> parsed = CorporateActionParsers.action(body);
    if (!parsed.ok()) {
      Problems.send(ctx, Problems.invalid(parsed.errors()));
      return;
    }
    CorporateAction action = parsed.value();
    store.post(action, clock.instant(), Origins.rest(ctx)).compose(posted -> {
      if (!CorporateActionStore.sameContent(posted.stored().action(), action)) {
        return Future.succeededFuture(new Problems.Problem(409, "id-reused", "Id already used with other content",
            "corporate action " + action.actionId() + " was already posted with other content", null));
      }
      // Told again on a replay too: if this node's driver missed it, it takes it up now.
      bus.send(Addresses.CORPORATE_ACTIONS, action.actionId(), LOCAL);
      int status = posted.created() ? 201 : 200;
      return view(posted.stored()).map(json -> {
        ctx.response().putHeader("Location", "/api/v1/corporate-actions/" + action.actionId());
        HttpBodies.json(ctx, status, json);
        return (Problems.Problem) null;
      });
    }).onSuccess(problem -> {
      if (problem != null) {
        Problems.send(ctx, problem);
      }
    }).onFailure(failure -> Problems.send(ctx, Problems.of(failure)));
  }

  void get(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    if (!Identifiers.isValid(id)) {
      Problems.send(ctx, Problems.invalid(List.of(new RequestReader.FieldError("id",
          "must be 1-64 characters of A-Z a-z 0-9 . _ : -"))));
      return;
    }
    store.action(id).compose(stored -> stored == null ? Future.succeededFuture(null) : view(stored))
        .onSuccess(json -> {
          if (json == null) {
            Problems.send(ctx, new Problems.Problem(404, "not-found", "Not found",
                "corporate action " + id + " does not exist", null));
          } else {
            HttpBodies.json(ctx, 200, json);
          }
        })
        .onFailure(failure -> Problems.send(ctx, Problems.of(failure)));
  }

  /** The action, its status and its progress in every portfolio it reached. */
  private Future<JsonObject> view(StoredAction stored) {
    return store.progress(stored.action().actionId()).map(progress -> {
      JsonObject json = CommandJson.action(stored.action())
          .put("status", stored.status().name())
          .put("createdAt", stored.createdAt().toString())
          .put("updatedAt", stored.updatedAt().toString());
      JsonArray portfolios = new JsonArray();
      Map<PortfolioStatus, Integer> counts = new EnumMap<>(PortfolioStatus.class);
      for (PortfolioStatus status : PortfolioStatus.values()) {
        counts.put(status, 0);
      }
      for (Progress p : progress) {
        JsonObject line = new JsonObject().put("portfolioId", p.portfolioId().value()).put("status", p.status().name());
        if (p.version() != null) {
          line.put("version", p.version());
        }
        if (p.detail() != null) {
          line.put("detail", p.detail());
        }
        portfolios.add(line);
        counts.merge(p.status(), 1, Integer::sum);
      }
      JsonObject countsJson = new JsonObject().put("portfolios", progress.size());
      counts.forEach((status, count) -> countsJson.put(status.name(), count));
      return json.put("portfolios", portfolios).put("counts", countsJson);
    });
  }
}
