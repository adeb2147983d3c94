package io.portfoliostate.gateway;

import io.micrometer.core.instrument.MeterRegistry;
import io.portfoliostate.config.Settings.ImportSettings;
import io.portfoliostate.domain.ApplyBatch;
import io.portfoliostate.domain.BatchDecision;
import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.IdempotentCommand;
import io.portfoliostate.domain.PortfolioCommand;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.domain.PortfolioState;
import io.portfoliostate.domain.Position;
import io.portfoliostate.domain.RecordCashFlow;
import io.portfoliostate.domain.RecordTrade;
import io.portfoliostate.domain.ReferenceData;
import io.portfoliostate.domain.Side;
import io.portfoliostate.persistence.IdempotencyIndex;
import io.portfoliostate.persistence.JournalIds;
import io.portfoliostate.persistence.MarketDataStore;
import io.portfoliostate.protocol.CommandEnvelope;
import io.portfoliostate.protocol.CommandJson;
import io.portfoliostate.protocol.CommandOutcome;
import io.portfoliostate.protocol.CommandOutcomes;
import io.portfoliostate.protocol.Origin;
import io.portfoliostate.protocol.OwnerRequest;
import io.portfoliostate.security.AccessRule;
import io.portfoliostate.security.PortfolioRole;
import io.portfoliostate.shard.OwnerClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code POST /api/v1/portfolios/{id}/imports} (issue 16): a CSV statement of trades or cash
 * flows, read by {@link CsvImport} into the same commands as the REST routes. A dry run reports
 * each row (the command it becomes; new, or a replay of an id already recorded or earlier in the
 * file), every bad row with its line and reason, and the totals of what would change, and
 * changes nothing. The real import refuses a file with any bad row unless
 * {@code validRowsOnly=true}, then sends the rows in file order to the portfolio's owner in one
 * request: idempotent by tradeId/flowId, so importing the same file again changes
 * nothing and says so. The new rows are one {@link ApplyBatch}: a row the owner refuses (a state
 * it alone knows) refuses the whole file, which changes nothing, unless {@code validRowsOnly}.
 */
final class ImportHandlers {

  private final Vertx vertx;
  private final OwnerClient owners;
  private final JournalIds journal;
  private final ReferenceData reference;
  private final ImportSettings settings;
  private final MeterRegistry registry;

  /** The imports running on this node, shared by the gateway instances through a local map. */
  private final Running running;

  private ImportHandlers(Vertx vertx, OwnerClient owners, JournalIds journal, ReferenceData reference,
      ImportSettings settings, MeterRegistry registry) {
    this.vertx = vertx;
    this.owners = owners;
    this.journal = journal;
    this.reference = reference;
    this.settings = settings;
    this.registry = registry;
    this.running = vertx.sharedData().<String, Running>getLocalMap("pstate.imports")
        .computeIfAbsent("running", key -> new Running());
    io.micrometer.core.instrument.Gauge.builder("pstate.imports.running", running.count, AtomicInteger::get)
        .description("Imports (dry runs included) running on this node").register(registry);
  }

  /**
   * The node's count of running imports. Each holds its whole file in the heap (about 1.7 KB per
   * row at its peak: 170 MB for 100,000 rows, BENCHMARKS.md), so {@code imports.maxConcurrent}
   * bounds what imports can take of the node's heap.
   */
  private static final class Running implements io.vertx.core.shareddata.Shareable {
    final AtomicInteger count = new AtomicInteger();
  }

  /** Declares the import route. */
  static void mount(SecuredRoutes routes, Vertx vertx, OwnerClient owners, MarketDataStore marketStore,
      ReferenceData reference, ImportSettings settings, MeterRegistry registry) {
    ImportHandlers handlers = new ImportHandlers(vertx, owners, JournalIds.sharing(marketStore), reference, settings,
        registry);
    routes.post("/api/v1/portfolios/:id/imports", AccessRule.portfolio(PortfolioRole.TRADE, "id"),
        settings.maxBytes(), handlers::admit, handlers::importCsv);
  }

  /** A row after the file was read and its id looked up: what importing it would do. */
  private record Planned(CsvImport.Row row, String status, Integer replayOf, String conflict) {
    boolean bad() {
      return row.envelope() == null || conflict != null;
    }
  }

  /** The options of an admitted import, in its routing context. */
  private static final String OPTIONS = "importOptions";

  /**
   * Runs before the body is read: the media type and options are checked and the import takes
   * its place among the node's running imports, or is refused, all without receiving a byte of
   * the file. A refused file (up to {@code imports.maxBytes}) is thus never buffered: the answer
   * goes while the client may still be sending, then what it still sends is read and dropped (up
   * to {@code http.refusedBodyDrainBytes}) and the connection closed ({@link RefusedBodies}). The place is
   * given back when the exchange ends, however it ends (answered, body too large, connection lost).
   */
  private void admit(RoutingContext ctx) {
    String type = ctx.request().getHeader("Content-Type");
    String[] parts = type == null ? new String[] {""} : type.split(";");
    String media = parts[0].trim().toLowerCase(Locale.ROOT);
    if (!media.equals("text/csv")) {
      Problems.send(ctx, new Problems.Problem(415, "unsupported-media-type", "Unsupported media type",
          "the body must be text/csv (UTF-8)", null));
      return;
    }
    for (int i = 1; i < parts.length; i++) {
      String parameter = parts[i].trim().toLowerCase(Locale.ROOT).replace("\"", "");
      if (parameter.startsWith("charset=") && !parameter.equals("charset=utf-8")) {
        Problems.send(ctx, new Problems.Problem(415, "unsupported-media-type", "Unsupported media type",
            "only UTF-8 CSV is read; convert the file to UTF-8", null));
        return;
      }
    }
    List<RequestReader.FieldError> errors = new ArrayList<>();
    CsvImport.Options options = CsvImport.options(ctx.queryParams(), errors);
    if (options == null) {
      Problems.send(ctx, Problems.invalid(errors));
      return;
    }
    if (running.count.incrementAndGet() > settings.maxConcurrent()) {
      running.count.decrementAndGet();
      count("too-many");
      ctx.response().putHeader("Retry-After", "5");
      Problems.send(ctx, new Problems.Problem(429, "too-many-imports", "Too many imports",
          settings.maxConcurrent() + " imports are running on this node (imports.maxConcurrent); nothing was "
              + "read: send the file again when one is done", null));
      return;
    }
    Place place = new Place(running.count);
    ctx.addEndHandler(ended -> place.release());
    ctx.put(PLACE, place);
    ctx.put(OPTIONS, options);
    ctx.next();
  }

  private static final String PLACE = "importPlace";

  /**
   * An admitted import's place in the node's count, held by its HTTP exchange and by its work
   * (which goes on when the client hangs up: the owner still decides and writes the file), and
   * given back when both are done. Used on one event loop only.
   */
  private static final class Place {
    private final AtomicInteger count;
    private int holders = 1;

    Place(AtomicInteger count) {
      this.count = count;
    }

    void hold() {
      holders++;
    }

    void release() {
      if (--holders == 0) {
        count.decrementAndGet();
      }
    }
  }

  private void importCsv(RoutingContext ctx) {
    PortfolioId id = PortfolioHandlers.pathId(ctx);
    if (id == null) {
      return;
    }
    CsvImport.Options options = ctx.get(OPTIONS);
    Place place = ctx.get(PLACE);
    place.hold();
    byte[] body = ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer().getBytes();
    Origin origin = Origins.rest(ctx);
    // The state first: a missing portfolio is a 404 before the file is read, and a trade without
    // a currency is totalled in the currency the owner will give it.
    owners.<PortfolioState>request(OwnerRequest.Read.current(id))
        .compose(state -> vertx.executeBlocking(() -> {
          try {
            return CsvImport.read(body, options, id, reference, settings.maxRows());
          } catch (CsvImport.Unreadable unreadable) {
            throw new UnreadableFile(unreadable);
          }
        }, false).compose(rows -> plan(id, rows))
        // A report of 100,000 rows takes a while to build and encode: not on the event loop.
        .compose(plan -> vertx.executeBlocking(() -> prepared(id, options, plan, state), false))
        .compose(prepared -> {
          if (options.dryRun()) {
            count("dry-run");
            HttpBodies.json(ctx, 200, prepared.rendered());
            return Future.<Void>succeededFuture();
          }
          if (prepared.bad() > 0 && !options.validRowsOnly()) {
            count("refused-file");
            Problems.send(ctx, new Problems.Problem(400, "import-has-bad-rows", "The file has bad rows",
                prepared.bad() + " of " + prepared.plan().size() + " rows are bad; nothing was imported (fix them, "
                    + "or import the others with validRowsOnly=true)", null, new JsonObject()
                    .put("rows", prepared.plan().size()).put("bad", prepared.bad())
                    .put("badRows", prepared.report().getJsonArray("badRows"))));
            return Future.<Void>succeededFuture();
          }
          return apply(ctx, id, options, prepared, state, origin);
        }))
        .onComplete(done -> place.release())
        .onFailure(failure -> {
          if (failure instanceof UnreadableFile unreadable) {
            Problems.send(ctx, new Problems.Problem(unreadable.status, unreadable.status == 413 ? "import-too-large"
                : "import-unreadable", unreadable.status == 413 ? "The file is too large" : "The file cannot be read",
                unreadable.getMessage(), null));
          } else {
            Problems.send(ctx, Problems.of(failure));
          }
        });
  }

  /** A plan with its report; for a dry run, the whole answer already encoded. */
  private record Prepared(List<Planned> plan, JsonObject report, long bad, io.vertx.core.buffer.Buffer rendered) {
  }

  private Prepared prepared(PortfolioId id, CsvImport.Options options, List<Planned> plan, PortfolioState state) {
    long bad = plan.stream().filter(Planned::bad).count();
    JsonObject report = report(id, options, plan, state);
    io.vertx.core.buffer.Buffer rendered = null;
    if (options.dryRun()) {
      rendered = report.put("dryRun", true).put("wouldApply", bad == 0 || options.validRowsOnly()).toBuffer();
    }
    return new Prepared(plan, report, bad, rendered);
  }

  /** A file {@link CsvImport} cannot read, carried through the worker's future. */
  private static final class UnreadableFile extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final int status;

    UnreadableFile(CsvImport.Unreadable cause) {
      super(cause.getMessage(), null, false, false);
      this.status = cause.status;
    }
  }

  /**
   * Each row's fate: bad (unreadable, or its id recorded, or used earlier in the file, with
   * other content: the owner would refuse it as id-reused), a replay (same id, same content:
   * changes nothing), or new.
   */
  private Future<List<Planned>> plan(PortfolioId id, List<CsvImport.Row> rows) {
    List<String> keys = new ArrayList<>();
    for (CsvImport.Row row : rows) {
      if (row.envelope() != null) {
        keys.add(((IdempotentCommand) row.envelope().command()).idempotencyKey());
      }
    }
    return journal.recorded(id.value(), keys).compose(recorded -> vertx.executeBlocking(() -> {
      Map<String, long[]> earlier = new HashMap<>();
      List<Planned> plan = new ArrayList<>(rows.size());
      for (CsvImport.Row row : rows) {
        if (row.envelope() == null) {
          plan.add(new Planned(row, "bad", null, null));
          continue;
        }
        IdempotentCommand command = (IdempotentCommand) row.envelope().command();
        String key = command.idempotencyKey();
        long hash = IdempotencyIndex.hash(command.fingerprint());
        String idName = command instanceof RecordTrade ? "tradeId" : "flowId";
        String idValue = key.substring(key.indexOf(':') + 1);
        Long stored = recorded.get(key);
        long[] seen = earlier.get(key);
        if (stored != null) {
          plan.add(stored == hash ? new Planned(row, "replay", null, null) : new Planned(row, "bad", null,
              idName + " " + idValue + " is already recorded in this portfolio with other content"));
        } else if (seen != null) {
          plan.add(seen[1] == hash ? new Planned(row, "replay", (int) seen[0], null) : new Planned(row, "bad", null,
              idName + " " + idValue + " is used on line " + seen[0] + " with other content"));
        } else {
          earlier.put(key, new long[] {row.line(), hash});
          plan.add(new Planned(row, "new", null, null));
        }
      }
      return plan;
    }, false));
  }

  /** The report of a plan: counts, totals of the new rows, the bad rows and every row's fate. */
  private JsonObject report(PortfolioId id, CsvImport.Options options, List<Planned> plan, PortfolioState state) {
    JsonArray lines = new JsonArray();
    JsonArray badRows = new JsonArray();
    Map<String, BigDecimal[]> byInstrument = new TreeMap<>();
    Map<String, BigDecimal> byCurrency = new TreeMap<>();
    int fresh = 0;
    int replays = 0;
    for (Planned planned : plan) {
      JsonObject line = new JsonObject().put("line", planned.row().line()).put("status", planned.status());
      // Each row's command only in a dry run: the import answers counts, and a statement of
      // 100,000 rows would otherwise be rendered once more for nothing.
      if (planned.row().envelope() != null && options.dryRun()) {
        line.put("command", CommandJson.toJson(planned.row().envelope().command()));
      }
      if (planned.bad()) {
        JsonArray errors = new JsonArray();
        List<String> reasons = new ArrayList<>();
        for (CsvImport.RowError error : planned.row().errors()) {
          errors.add(new JsonObject().put("field", error.field()).put("column", error.column())
              .put("message", error.message()));
          reasons.add(error.reason());
        }
        if (planned.conflict() != null) {
          errors.add(new JsonObject().put("field", options.kind() == CsvImport.Kind.TRADES ? "tradeId" : "flowId")
              .put("message", planned.conflict()));
          reasons.add(planned.conflict());
        }
        line.put("reason", String.join("; ", reasons)).put("errors", errors);
        badRows.add(line);
      } else if (planned.status().equals("replay")) {
        replays++;
        if (planned.replayOf() != null) {
          line.put("replayOf", planned.replayOf());
        }
      } else {
        fresh++;
        total(planned.row().envelope().command(), state, byInstrument, byCurrency);
      }
      if (options.dryRun()) {
        lines.add(line);
      }
    }
    JsonObject instruments = new JsonObject();
    byInstrument.forEach((instrument, t) -> instruments.put(instrument, new JsonObject().put("trades", t[0].intValue())
        .put("bought", plain(t[1])).put("sold", plain(t[2])).put("net", plain(t[1].subtract(t[2])))));
    JsonObject currencies = new JsonObject();
    byCurrency.forEach((currency, amount) -> currencies.put(currency, plain(amount)));
    return new JsonObject().put("portfolioId", id.value()).put("kind", options.kind().wireName)
        .put("rows", plan.size()).put("new", fresh).put("replays", replays).put("bad", badRows.size())
        .put("totals", new JsonObject().put("byInstrument", instruments).put("cashByCurrency", currencies))
        .put("badRows", badRows).put("lines", options.dryRun() ? lines : null);
  }

  /**
   * Adds a new row to the totals: a trade's quantities per instrument and its cash effect
   * (−(q·p + f) for a buy, q·p − f for a sell) in the currency the owner will give it; a cash
   * flow's signed amount.
   */
  private void total(PortfolioCommand command, PortfolioState state, Map<String, BigDecimal[]> byInstrument,
      Map<String, BigDecimal> byCurrency) {
    if (command instanceof RecordTrade trade) {
      BigDecimal[] t = byInstrument.computeIfAbsent(trade.instrumentId().value(),
          k -> new BigDecimal[] {BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO});
      t[0] = t[0].add(BigDecimal.ONE);
      BigDecimal gross = trade.quantity().multiply(trade.price());
      BigDecimal cash;
      if (trade.side() == Side.BUY) {
        t[1] = t[1].add(trade.quantity());
        cash = gross.add(trade.fees()).negate();
      } else {
        t[2] = t[2].add(trade.quantity());
        cash = gross.subtract(trade.fees());
      }
      byCurrency.merge(currencyOf(trade, state), cash, BigDecimal::add);
    } else if (command instanceof RecordCashFlow flow) {
      byCurrency.merge(flow.currency().value(), flow.amount().multiply(BigDecimal.valueOf(flow.type().sign())),
          BigDecimal::add);
    }
  }

  /** As the owner decides it: the trade's, else the instrument's, else the position's, else the base currency. */
  private String currencyOf(RecordTrade trade, PortfolioState state) {
    if (trade.currency() != null) {
      return trade.currency().value();
    }
    return reference.currencyOf(trade.instrumentId()).map(CurrencyCode::value).orElseGet(() -> {
      Position existing = state.positions().get(trade.positionKey());
      return (existing != null ? existing.currency() : state.baseCurrency()).value();
    });
  }

  /**
   * Sends the new rows, in file order, to the portfolio's owner as one {@link ApplyBatch}: one
   * decision and one journal transaction, so the file is recorded whole or not at all (with
   * {@code validRowsOnly}, every row the owner accepts, still in one transaction). Answers what
   * each row did.
   */
  private Future<Void> apply(RoutingContext ctx, PortfolioId id, CsvImport.Options options, Prepared prepared,
      PortfolioState state, Origin origin) {
    List<Planned> plan = prepared.plan();
    // A replay is not sent: its id is in the journal with the same content hash (or on an earlier
    // line, which is sent), exactly the owner's own replay test. Should one be recorded in the
    // meantime by someone else, the owner finds it a replay too (ApplyBatch checks each item's id).
    List<Planned> sendable = plan.stream().filter(planned -> planned.status().equals("new")).toList();
    JsonObject report = prepared.report();
    if (sendable.size() > settings.maxRowsPerTransaction()) {
      count("refused-file");
      Problems.send(ctx, new Problems.Problem(413, "import-too-large", "The file is too large",
          sendable.size() + " new rows; at most " + settings.maxRowsPerTransaction() + " are recorded in one "
              + "transaction (imports.maxRowsPerTransaction): split the file; nothing was imported", null));
      return Future.succeededFuture();
    }
    if (sendable.isEmpty()) {
      answer(ctx, id, options, plan.size(), 0, report.getInteger("replays"), new JsonArray(), report, state.version());
      return Future.succeededFuture();
    }
    List<IdempotentCommand> items = new ArrayList<>(sendable.size());
    sendable.forEach(planned -> items.add((IdempotentCommand) planned.row().envelope().command()));
    ApplyBatch batch = new ApplyBatch(id, items, options.validRowsOnly());
    return owners.<CommandOutcomes>request(new OwnerRequest.Execute(id,
        List.of(new CommandEnvelope(batch, null, null, origin))), settings.ownerTimeoutMs()).map(outcomes -> {
          CommandOutcome outcome = outcomes.outcomes().get(0);
          if (outcome instanceof CommandOutcome.Refused refusedBatch) {
            if (refusedBatch.items().isEmpty()) {
              Problems.send(ctx, Problems.of(refusedBatch.rejection()));
              return (Void) null;
            }
            count("refused-by-owner");
            registry.counter("pstate.imports.rows", "outcome", "refused").increment(refusedBatch.items().size());
            Problems.Problem summary = Problems.of(refusedBatch.rejection());
            JsonArray refused = refusedLines(sendable, refusedBatch.items());
            Problems.send(ctx, new Problems.Problem(summary.status(), "import-rows-refused",
                "The portfolio refused rows of the file", refused.size() + " of " + sendable.size() + " new rows were "
                    + "refused by the portfolio; nothing was imported (fix them, or import the others with "
                    + "validRowsOnly=true)", null, new JsonObject().put("rows", plan.size())
                    .put("refusedCount", refused.size()).put("refused", refused)));
            return (Void) null;
          }
          CommandOutcome.Recorded recorded = (CommandOutcome.Recorded) outcome;
          int replayedHere = recorded.replayedItems().size();
          int applied = sendable.size() - replayedHere - recorded.skippedItems().size();
          answer(ctx, id, options, plan.size(), applied, report.getInteger("replays") + replayedHere,
              refusedLines(sendable, recorded.skippedItems()), report, recorded.result().version());
          return (Void) null;
        }).recover(failure -> {
          // One request, one transaction: the file is recorded whole or not at all, and when the
          // answer was lost the same file again tells which (recorded rows replay).
          Problems.Problem problem = Problems.of(failure);
          Problems.send(ctx, new Problems.Problem(problem.status(), problem.slug(), problem.title(), problem.detail()
              + "; the file's rows are recorded all or none: import the same file again (recorded rows replay)",
              null, problem.extensions()));
          return Future.succeededFuture();
        });
  }

  /** The refused items of a batch as lines of the file, each with the owner's problem. */
  private static JsonArray refusedLines(List<Planned> sendable, List<BatchDecision.Refusal> refusals) {
    JsonArray lines = new JsonArray();
    for (BatchDecision.Refusal refusal : refusals) {
      lines.add(new JsonObject().put("line", sendable.get(refusal.index()).row().line())
          .put("problem", Problems.of(refusal.rejection()).toJson()));
    }
    return lines;
  }

  private void answer(RoutingContext ctx, PortfolioId id, CsvImport.Options options, int rows, int applied,
      int replayed, JsonArray refused, JsonObject report, long version) {
    count("imported");
    registry.counter("pstate.imports.rows", "outcome", "applied").increment(applied);
    registry.counter("pstate.imports.rows", "outcome", "replayed").increment(replayed);
    registry.counter("pstate.imports.rows", "outcome", "refused").increment(refused.size());
    registry.counter("pstate.imports.rows", "outcome", "skipped").increment(report.getInteger("bad"));
    JsonObject answer = new JsonObject().put("portfolioId", id.value()).put("kind", options.kind().wireName)
        .put("dryRun", false).put("rows", rows).put("applied", applied).put("replayed", replayed)
        .put("refused", refused).put("skipped", report.getJsonArray("badRows")).put("version", version)
        .put("changed", applied > 0);
    HttpBodies.json(ctx, 200, answer);
  }

  private void count(String outcome) {
    registry.counter("pstate.imports.files", "outcome", outcome).increment();
  }

  private static String plain(BigDecimal value) {
    return io.portfoliostate.domain.Decimals.plain(value);
  }
}
