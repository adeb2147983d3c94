package io.portfoliostate.gateway;

import io.portfoliostate.domain.CostMethod;
import io.portfoliostate.domain.CreatePortfolio;
import io.portfoliostate.domain.Identifiers;
import io.portfoliostate.domain.PortfolioCommand;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.domain.UpdatePortfolio;
import io.portfoliostate.persistence.PortfolioCatalog;
import io.portfoliostate.protocol.CommandEnvelope;
import io.portfoliostate.protocol.CommandOutcome;
import io.portfoliostate.protocol.CommandOutcomes;
import io.portfoliostate.protocol.EventPage;
import io.portfoliostate.protocol.Origin;
import io.portfoliostate.protocol.OwnerRequest;
import io.portfoliostate.security.GlobalRole;
import io.portfoliostate.security.PortfolioRole;
import io.portfoliostate.shard.OwnerClient;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The REST handlers of the portfolio API: parse and check the request, send it to the owner,
 * render the answer. They hold no state; what a portfolio holds only its owner knows.
 */
final class PortfolioHandlers {

  static final int MAX_BATCH = 1000;
  private static final int MAX_PAGE = 1000;

  /** How a handler parses a command body for a portfolio. */
  @FunctionalInterface
  interface CommandParser {
    CommandParsers.Parsed parse(PortfolioId id, Object body, Long ifMatch);
  }

  private final OwnerClient owners;
  private final PortfolioCatalog catalog;
  private final AccessControl access;

  PortfolioHandlers(OwnerClient owners, PortfolioCatalog catalog, AccessControl access) {
    this.owners = owners;
    this.catalog = catalog;
    this.access = access;
  }

  /**
   * Whether the caller may hang a portfolio under {@code parent}: admin on the parent (its
   * subtree is the caller's to shape), or the global admin role for a root. False after the
   * refusal was sent.
   */
  private Future<Boolean> mayPlaceUnder(RoutingContext ctx, PortfolioId parent) {
    if (parent == null) {
      return Future.succeededFuture(access.require(ctx, GlobalRole.ADMIN));
    }
    return access.require(ctx, parent, PortfolioRole.ADMIN);
  }

  void create(RoutingContext ctx) {
    Object body = HttpBodies.json(ctx);
    String key = body == null ? null : HttpBodies.idempotencyKey(ctx);
    if (body == null || ctx.response().ended()) {
      return;
    }
    CommandParsers.Parsed parsed = CommandParsers.create(body);
    if (!parsed.ok()) {
      Problems.send(ctx, Problems.invalid(parsed.errors()));
      return;
    }
    CreatePortfolio create = (CreatePortfolio) parsed.envelope().command();
    mayPlaceUnder(ctx, create.parentId())
        .compose(allowed -> allowed ? resolveParent(parsed.envelope().withOrigin(Origins.rest(ctx)), create, key)
            : Future.<CommandEnvelope>succeededFuture(null))
        .compose(envelope -> envelope == null ? Future.<CommandOutcome>succeededFuture(null) : executeOne(envelope))
        .onSuccess(outcome -> {
          if (outcome != null) {
            catalog.forgetSettings(); // its settings or place in the tree may be new
            respond(ctx, outcome, 201);
          }
        })
        .onFailure(failure -> Problems.send(ctx, Problems.of(failure)));
  }

  void update(RoutingContext ctx) {
    PortfolioId id = pathId(ctx);
    Object body = id == null ? null : HttpBodies.json(ctx);
    Long ifMatch = body == null ? null : HttpBodies.ifMatch(ctx);
    String key = body == null || ctx.response().ended() ? null : HttpBodies.idempotencyKey(ctx);
    if (body == null || ctx.response().ended()) {
      return;
    }
    CommandParsers.Parsed parsed = CommandParsers.update(id, body, ifMatch);
    if (!parsed.ok()) {
      Problems.send(ctx, Problems.invalid(parsed.errors()));
      return;
    }
    UpdatePortfolio update = (UpdatePortfolio) parsed.envelope().command();
    // Moving a subtree under another parent needs admin there too (the route needs it here);
    // making it a root needs the global admin role, as creating a root does: detached, it would
    // leave the subtrees of its former ancestors' admins and readers.
    Future<Boolean> parentOk = update.clearParent() ? mayPlaceUnder(ctx, null)
        : update.parentId() == null ? Future.succeededFuture(true)
        : mayPlaceUnder(ctx, update.parentId()).compose(allowed -> !allowed ? Future.succeededFuture(false)
            : checkParent(id, update.parentId())).compose(ok -> !ok ? Future.succeededFuture(false)
            : catalog.wouldCycle(id, update.parentId()).map(cycle -> {
              // A fast refusal against committed data only: two concurrent changes can both pass
              // here; the journal transaction checks again under a lock (JournalWrites).
              if (cycle) {
                Problems.send(ctx, Problems.parentCycle("would make the portfolio its own ancestor"));
              }
              return !cycle;
            }));
    CommandEnvelope envelope = parsed.envelope().withIdempotencyKey(key).withOrigin(Origins.rest(ctx));
    parentOk.compose(ok -> ok ? executeOne(envelope) : Future.succeededFuture(null))
        .onSuccess(outcome -> {
          if (outcome != null) {
            catalog.forgetSettings(); // its settings or place in the tree may have changed
            respond(ctx, outcome, 200);
          }
        })
        .onFailure(failure -> Problems.send(ctx, Problems.of(failure)));
  }

  /**
   * The create to send: a child is created with its parent's cost method unless it asks for one,
   * so that the method is fixed in the child's own journal (its lots must follow from that
   * journal alone). Fails with {@link ParentMissing} when the parent does not exist.
   */
  private Future<CommandEnvelope> resolveParent(CommandEnvelope parsed, CreatePortfolio create, String key) {
    if (create.parentId() == null) {
      return Future.succeededFuture(parsed.withIdempotencyKey(key));
    }
    return catalog.costMethodOf(create.parentId()).map(method -> {
      if (method == null) {
        throw new ParentMissing(create.parentId());
      }
      return new CommandEnvelope(create.withParentCostMethod(CostMethod.valueOf(method)), parsed.expectedVersion(), key,
          parsed.origin());
    });
  }

  /** A parent must exist when named; the answer is false after a problem was sent. */
  private Future<Boolean> checkParent(PortfolioId child, PortfolioId parent) {
    if (parent == null) {
      return Future.succeededFuture(true);
    }
    return catalog.exists(parent).map(exists -> {
      if (!exists) {
        throw new ParentMissing(parent);
      }
      return true;
    });
  }

  /** Records one command that carries its own id (trade, cash flow, FX conversion). */
  Handler<RoutingContext> command(CommandParser parser, int createdStatus) {
    return command(parser, createdStatus, false);
  }

  /**
   * Records one command; {@code keyed}: it has no id of its own (targets) and takes the
   * {@code Idempotency-Key} header instead.
   */
  Handler<RoutingContext> command(CommandParser parser, int createdStatus, boolean keyed) {
    return ctx -> {
      PortfolioId id = pathId(ctx);
      Object body = id == null ? null : HttpBodies.json(ctx);
      Long ifMatch = body == null ? null : HttpBodies.ifMatch(ctx);
      String key = !keyed || body == null || ctx.response().ended() ? null : HttpBodies.idempotencyKey(ctx);
      if (body == null || ctx.response().ended()) {
        return;
      }
      CommandParsers.Parsed parsed = parser.parse(id, body, ifMatch);
      if (!parsed.ok()) {
        Problems.send(ctx, Problems.invalid(parsed.errors()));
        return;
      }
      executeOne(parsed.envelope().withIdempotencyKey(key).withOrigin(Origins.rest(ctx)))
          .onSuccess(outcome -> respond(ctx, outcome, createdStatus))
          .onFailure(failure -> Problems.send(ctx, Problems.of(failure)));
    };
  }

  /** What a correction of one trade (cancel, amend) parses its body into: the trade id is the path's. */
  @FunctionalInterface
  interface CorrectionParser {
    CommandParsers.Parsed parse(PortfolioId id, String tradeId, Object body, Long ifMatch);
  }

  /**
   * A cancel or an amendment of the trade in the path ({@code param0} the portfolio,
   * {@code param1} the trade): answered like a trade, 200 with the restated position and cash.
   */
  Handler<RoutingContext> correction(CorrectionParser parser) {
    return ctx -> {
      String tradeId = ctx.pathParam("param1");
      if (!Identifiers.isValid(tradeId)) {
        Problems.send(ctx, Problems.invalid(List.of(new RequestReader.FieldError("tradeId",
            "must be 1-64 characters of A-Z a-z 0-9 . _ : -"))));
        return;
      }
      command((id, body, ifMatch) -> parser.parse(id, tradeId, body, ifMatch), 200).handle(ctx);
    };
  }

  /** Up to {@value #MAX_BATCH} trades for one portfolio; one outcome per item, in order. */
  void tradeBatch(RoutingContext ctx) {
    PortfolioId id = pathId(ctx);
    Object body = id == null ? null : HttpBodies.json(ctx);
    if (body == null) {
      return;
    }
    RequestReader reader = RequestReader.of(body, "", java.util.Set.of("trades"));
    if (ctx.request().getHeader("If-Match") != null) {
      // The items are decided one after another: one expected version cannot speak for all.
      reader.error("If-Match", "is not accepted on a batch; give expectedVersion per trade");
    }
    List<?> items = reader.list("trades", true);
    if (items != null && (items.isEmpty() || items.size() > MAX_BATCH)) {
      reader.error("trades", "must hold 1 to " + MAX_BATCH + " trades");
    }
    if (reader.hasErrors()) {
      Problems.send(ctx, Problems.invalid(reader.errors()));
      return;
    }
    JsonObject[] results = new JsonObject[items.size()];
    // Every item was sent by the batch's caller, in the batch's request.
    Origin origin = Origins.rest(ctx);
    List<CommandEnvelope> valid = new ArrayList<>();
    List<Integer> slots = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      CommandParsers.Parsed parsed = CommandParsers.trade(id, items.get(i), "trades[" + i + "].", null);
      if (parsed.ok()) {
        valid.add(parsed.envelope().withOrigin(origin));
        slots.add(i);
      } else {
        results[i] = itemProblem(Problems.invalid(parsed.errors()));
      }
    }
    Future<List<CommandOutcome>> outcomes = valid.isEmpty() ? Future.succeededFuture(List.of())
        : owners.<CommandOutcomes>request(new OwnerRequest.Execute(id, valid)).map(CommandOutcomes::outcomes);
    outcomes.onSuccess(list -> {
      for (int i = 0; i < list.size(); i++) {
        results[slots.get(i)] = itemResult(list.get(i));
      }
      JsonArray array = new JsonArray();
      for (JsonObject result : results) {
        array.add(result);
      }
      HttpBodies.json(ctx, 200, new JsonObject().put("results", array));
    }).onFailure(failure -> Problems.send(ctx, Problems.of(failure)));
  }

  private static JsonObject itemResult(CommandOutcome outcome) {
    if (outcome instanceof CommandOutcome.Recorded) {
      CommandOutcome.Recorded recorded = (CommandOutcome.Recorded) outcome;
      return new JsonObject().put("status", recorded.replay() ? 200 : 201).put("replay", recorded.replay())
          .put("result", Representations.result(recorded.result()));
    }
    return itemProblem(Problems.of(((CommandOutcome.Refused) outcome).rejection()));
  }

  private static JsonObject itemProblem(Problems.Problem problem) {
    return new JsonObject().put("status", problem.status()).put("problem", problem.toJson());
  }

  private Future<CommandOutcome> executeOne(CommandEnvelope envelope) {
    PortfolioCommand command = envelope.command();
    return owners.<CommandOutcomes>request(new OwnerRequest.Execute(command.portfolioId(), List.of(envelope)))
        .map(outcomes -> outcomes.outcomes().get(0));
  }

  private static void respond(RoutingContext ctx, CommandOutcome outcome, int createdStatus) {
    if (outcome instanceof CommandOutcome.Refused) {
      Problems.send(ctx, Problems.of(((CommandOutcome.Refused) outcome).rejection()));
      return;
    }
    CommandOutcome.Recorded recorded = (CommandOutcome.Recorded) outcome;
    if (recorded.replay()) {
      ctx.response().putHeader("Idempotent-Replay", "true");
    }
    ctx.response().putHeader("ETag", "\"" + recorded.result().version() + "\"");
    int status = recorded.replay() ? 200 : createdStatus;
    HttpBodies.json(ctx, status, Representations.result(recorded.result()));
  }

  void events(RoutingContext ctx) {
    PortfolioId id = pathId(ctx);
    if (id == null) {
      return;
    }
    Long after = HttpBodies.longParam(ctx, "afterVersion", 0, Long.MAX_VALUE);
    Long limit = HttpBodies.longParam(ctx, "limit", 1, MAX_PAGE);
    if (ctx.response().ended()) {
      return;
    }
    owners.<EventPage>request(new OwnerRequest.ReadEvents(id, after == null ? 0 : after,
            limit == null ? 100 : limit.intValue()))
        .onSuccess(page -> HttpBodies.json(ctx, 200, Representations.events(id.value(), page)))
        .onFailure(failure -> Problems.send(ctx, Problems.of(failure)));
  }

  void list(RoutingContext ctx) {
    String parentId = ctx.queryParams().get("parentId");
    String after = ctx.queryParams().get("after");
    Long limit = HttpBodies.longParam(ctx, "limit", 1, MAX_PAGE);
    if (ctx.response().ended()) {
      return;
    }
    if ((parentId != null && !Identifiers.isValid(parentId)) || (after != null && !Identifiers.isValid(after))) {
      Problems.send(ctx, Problems.invalid(List.of(new RequestReader.FieldError(parentId != null
          && !Identifiers.isValid(parentId) ? "parentId" : "after", "is not a valid portfolio id"))));
      return;
    }
    int size = limit == null ? 100 : limit.intValue();
    // A caller lists what its grants cover (read from the committed tree); an admin lists all.
    Optional<List<PortfolioId>> roots = access.readableRoots(ctx);
    Future<JsonArray> page = roots.isEmpty() ? catalog.page(after, parentId, size)
        : roots.get().isEmpty() ? Future.succeededFuture(new JsonArray())
        : catalog.readablePage(after, parentId, size, roots.get());
    page.onSuccess(items -> {
      JsonObject json = new JsonObject().put("items", items);
      if (items.size() == size) {
        json.put("nextAfter", items.getJsonObject(items.size() - 1).getString("id"));
      }
      HttpBodies.json(ctx, 200, json);
    }).onFailure(failure -> Problems.send(ctx, Problems.of(failure)));
  }

  /**
   * {@code GET .../children}: the direct children of a portfolio, paged by id like the list
   * ({@code after}, {@code limit}); 404 when the portfolio does not exist.
   */
  void children(RoutingContext ctx) {
    subtree(ctx, false);
  }

  /**
   * {@code GET .../descendants}: every portfolio below one, at any depth (or down to
   * {@code maxDepth}), each with its {@code depth} below it and its {@code parentId}, in id order,
   * paged by id; 404 when the portfolio does not exist. Read from the catalog, which is written
   * in the journal's transactions: the tree as last committed.
   */
  void descendants(RoutingContext ctx) {
    subtree(ctx, true);
  }

  private void subtree(RoutingContext ctx, boolean all) {
    PortfolioId id = pathId(ctx);
    if (id == null) {
      return;
    }
    String after = ctx.queryParams().get("after");
    Long limit = HttpBodies.longParam(ctx, "limit", 1, MAX_PAGE);
    Long maxDepth = all ? HttpBodies.longParam(ctx, "maxDepth", 1, PortfolioCatalog.MAX_DEPTH) : null;
    if (ctx.response().ended()) {
      return;
    }
    if (!all && ctx.queryParams().contains("maxDepth")) {
      Problems.send(ctx, Problems.invalid(List.of(new RequestReader.FieldError("maxDepth",
          "is a parameter of descendants; children are depth 1"))));
      return;
    }
    if (after != null && !Identifiers.isValid(after)) {
      Problems.send(ctx, Problems.invalid(List.of(new RequestReader.FieldError("after",
          "is not a valid portfolio id"))));
      return;
    }
    int size = limit == null ? 100 : limit.intValue();
    catalog.exists(id).compose(exists -> {
      if (!exists) {
        throw new NoSuchPortfolio(id);
      }
      return all ? catalog.descendants(id, maxDepth == null ? PortfolioCatalog.MAX_DEPTH : maxDepth.intValue(),
          after, size) : catalog.page(after, id.value(), size);
    }).onSuccess(items -> {
      JsonObject json = new JsonObject().put("portfolioId", id.value()).put("items", items);
      if (items.size() == size) {
        json.put("nextAfter", items.getJsonObject(items.size() - 1).getString("id"));
      }
      HttpBodies.json(ctx, 200, json);
    }).onFailure(failure -> Problems.send(ctx, Problems.of(failure)));
  }

  /** The portfolio id of the path; null after a 400 was sent. */
  static PortfolioId pathId(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    if (id == null) {
      id = ctx.pathParam("param0");
    }
    if (!Identifiers.isValid(id)) {
      Problems.send(ctx, Problems.invalid(List.of(new RequestReader.FieldError("id",
          "must be 1-64 characters of A-Z a-z 0-9 . _ : -"))));
      return null;
    }
    return PortfolioId.of(id);
  }

  /** The portfolio of the path does not exist (answered as every portfolio route does: 404). */
  static final class NoSuchPortfolio extends RuntimeException {
    NoSuchPortfolio(PortfolioId id) {
      super("portfolio " + id + " does not exist", null, false, false);
    }
  }

  /** The named parent does not exist. */
  static final class ParentMissing extends RuntimeException {
    ParentMissing(PortfolioId parent) {
      super("parent portfolio " + parent + " does not exist", null, false, false);
    }
  }
}
