package io.portfoliostate.gateway;

import io.portfoliostate.config.ExportSettings;
import io.portfoliostate.domain.Identifiers;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.security.PortfolioRole;
import io.portfoliostate.exports.ExportDataset;
import io.portfoliostate.exports.ExportFilePeers;
import io.portfoliostate.exports.ExportFormat;
import io.portfoliostate.exports.ExportJobs;
import io.portfoliostate.exports.ExportRunner;
import io.portfoliostate.exports.ExportWindow;
import io.portfoliostate.exports.RowSource;
import io.portfoliostate.exports.RowText;
import io.portfoliostate.persistence.ExportStore;
import io.portfoliostate.security.AccessRule;
import io.portfoliostate.security.Principal;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Exports (docs/exports.md): {@code GET /api/v1/exports/{dataset}} streams a small export in the
 * answer (chunked, portfolio by portfolio, waiting when the client reads slowly);
 * {@code POST /api/v1/export-jobs} starts a job for a large one, {@code GET .../{jobId}} follows
 * it, {@code GET .../{jobId}/file} downloads its file. A set of portfolios is named as for the
 * analytics routes: {@code portfolios} (each must be readable), {@code root} (its subtree), or
 * nothing (everything the caller may read). A job is visible to its creator and to global admins
 * only; to anyone else it does not exist (404).
 */
final class ExportHandlers {

  private static final int MAX_LISTED = 1000;
  private static final String JOBS = "/api/v1/export-jobs";
  /** The fields of a job's body. */
  static final Set<String> JOB_FIELDS = Set.of("dataset", "format", "portfolios", "root", "asOf", "period", "from",
      "to");
  /** The query parameters of a streamed export. */
  private static final Set<String> STREAM_PARAMETERS = Set.of("portfolios", "root", "asOf", "format", "period",
      "from", "to");

  private final ExportJobs jobs;
  private final ExportSettings settings;
  private final AccessControl access;
  private final RowSource source;
  private final ExportRunner runner;
  private final ExportStore store;

  private ExportHandlers(ExportJobs jobs, ExportSettings settings, AccessControl access) {
    this.jobs = jobs;
    this.settings = settings;
    this.access = access;
    this.runner = jobs.runner();
    this.source = runner.source();
    this.store = jobs.store();
  }

  /** Declares the export routes; none when the node runs no exports. */
  static void mount(SecuredRoutes routes, ExportJobs jobs, ExportSettings settings, AccessControl access) {
    if (jobs == null) {
      return;
    }
    ExportHandlers handlers = new ExportHandlers(jobs, settings, access);
    AccessRule set = AccessRule.checkedByHandler("read on each of portfolios or on root; without them, only the "
        + "portfolios the caller may read");
    routes.get("/api/v1/exports/:dataset", set, handlers::stream);
    routes.post(JOBS, set, handlers::startJob);
    AccessRule own = AccessRule.checkedByHandler("the job's creator or the global admin role; to others it does "
        + "not exist (404)");
    routes.get(JOBS + "/:jobId", own, handlers::job);
    routes.get(JOBS + "/:jobId/file", own, handlers::file);
  }

  /** What a request asks for, checked. */
  private record Ask(ExportDataset dataset, ExportFormat format, List<String> listed, String root,
      ExportWindow window) {
    JsonObject toJson() {
      JsonObject json = new JsonObject().put("dataset", dataset.wireName()).put("format", format.wireName())
          .put("portfolios", listed == null ? null : new JsonArray(new ArrayList<>(listed))).put("root", root)
          .put("asOf", window.asOf() == null ? null : window.asOf().toString());
      if (dataset.windowed()) {
        json.put("period", window.period()).put("from", window.from() == null ? null : window.from().toString())
            .put("to", window.to() == null ? null : window.to().toString());
      }
      return json;
    }
  }

  /**
   * The request checked. {@code asOf} is the time of the datasets of a moment; the performance
   * series takes a window of days instead, as {@code GET .../performance} does: {@code period}
   * or {@code from}, and {@code to} (dates), each refused with the other datasets.
   */
  private static Ask check(String dataset, Object format, Object listed, Object root, Object asOf, Object period,
      Object from, Object to, List<RequestReader.FieldError> errors) {
    Optional<ExportDataset> parsedDataset = ExportDataset.parse(dataset);
    if (parsedDataset.isEmpty()) {
      errors.add(new RequestReader.FieldError("dataset", "must be one of " + ExportDataset.names()));
    }
    Optional<ExportFormat> parsedFormat = format == null ? Optional.of(ExportFormat.CSV)
        : format instanceof String text ? ExportFormat.parse(text) : Optional.empty();
    if (parsedFormat.isEmpty()) {
      errors.add(new RequestReader.FieldError("format", "must be csv, ndjson (or json) or parquet"));
    }
    List<String> ids = null;
    if (listed != null) {
      ids = listed instanceof List<?> list ? list.stream().map(id -> id instanceof String s ? s : "").toList()
          : listed instanceof String text ? Arrays.asList(text.split(",", -1)) : List.of("");
      if (ids.isEmpty() || ids.size() > MAX_LISTED || !ids.stream().allMatch(Identifiers::isValid)) {
        errors.add(new RequestReader.FieldError("portfolios", "must be 1-" + MAX_LISTED + " portfolio ids"));
      }
    }
    if (root != null && (!(root instanceof String text) || !Identifiers.isValid(text))) {
      errors.add(new RequestReader.FieldError("root", "must be a portfolio id"));
    }
    if (listed != null && root != null) {
      errors.add(new RequestReader.FieldError("root", "cannot be combined with portfolios"));
    }
    Instant time = null;
    if (asOf != null) {
      time = asOf instanceof String text ? RequestReader.parseInstant(text, () -> { }) : null;
      if (time == null) {
        errors.add(new RequestReader.FieldError("asOf", "must be an ISO-8601 time with a zone (business time)"));
      }
    }
    boolean windowed = parsedDataset.isPresent() && parsedDataset.get().windowed();
    String periodName = null;
    LocalDate fromDate = null;
    LocalDate toDate = null;
    if (windowed) {
      if (asOf != null) {
        errors.add(new RequestReader.FieldError("asOf", "does not apply to the performance series: give period, or "
            + "from and to"));
      }
      if (period != null) {
        periodName = period instanceof String text && ExportWindow.PERIODS.contains(text) ? text : null;
        if (periodName == null) {
          errors.add(new RequestReader.FieldError("period", "must be one of " + String.join(", ", ExportWindow.PERIODS)));
        }
      }
      fromDate = date("from", from, errors);
      toDate = date("to", to, errors);
      if (period != null && from != null) {
        errors.add(new RequestReader.FieldError("period", "give either period or from, not both"));
      }
      if (fromDate != null && toDate != null && fromDate.isAfter(toDate)) {
        errors.add(new RequestReader.FieldError("from", "the window starts after it ends (" + fromDate + " > "
            + toDate + ")"));
      }
      if (fromDate != null && toDate != null && fromDate.plusYears(MAX_YEARS).isBefore(toDate)) {
        errors.add(new RequestReader.FieldError("from", "the window is longer than " + MAX_YEARS + " years"));
      }
    } else if (parsedDataset.isPresent()) {
      for (Map.Entry<String, Object> given : java.util.Arrays.asList(Map.entry("period", period == null ? "" : period),
          Map.entry("from", from == null ? "" : from), Map.entry("to", to == null ? "" : to))) {
        if (!"".equals(given.getValue())) {
          errors.add(new RequestReader.FieldError(given.getKey(), "applies to the performance series only (use asOf)"));
        }
      }
    }
    return errors.isEmpty() ? new Ask(parsedDataset.get(), parsedFormat.get(), ids, (String) root,
        new ExportWindow(time, periodName, fromDate, toDate)) : null;
  }

  /** The longest window of the performance series, as {@code GET .../performance} allows. */
  private static final int MAX_YEARS = 30;

  private static LocalDate date(String name, Object value, List<RequestReader.FieldError> errors) {
    if (value == null) {
      return null;
    }
    try {
      return LocalDate.parse((String) value);
    } catch (ClassCastException | java.time.format.DateTimeParseException e) {
      errors.add(new RequestReader.FieldError(name, "must be a date YYYY-MM-DD"));
      return null;
    }
  }

  /**
   * The portfolios of the request, each readable by the caller; empty after a refusal (404 for
   * a portfolio it may not read, as everywhere) or a 413 was sent.
   */
  private Future<Optional<List<PortfolioId>>> resolve(RoutingContext ctx, Ask ask, int limit) {
    Future<Optional<List<PortfolioId>>> set;
    if (ask.listed() != null) {
      List<PortfolioId> ids = ask.listed().stream().distinct().map(PortfolioId::of).toList();
      set = requireEach(ctx, ids, 0).map(ok -> ok ? Optional.of(ids) : Optional.empty());
    } else if (ask.root() != null) {
      PortfolioId root = PortfolioId.of(ask.root());
      set = requireEach(ctx, List.of(root), 0).compose(ok -> ok ? source.portfolios(List.of(root), limit)
          .map(Optional::of) : Future.succeededFuture(Optional.empty()));
    } else {
      Optional<List<PortfolioId>> roots = access.readableRoots(ctx);
      set = source.portfolios(roots.orElse(null), limit).map(Optional::of);
    }
    return set.map(ids -> {
      if (ids.isPresent() && ids.get().size() > limit) {
        throw new RowSource.TooMany(limit);
      }
      return ids;
    }).recover(failure -> {
      if (failure instanceof RowSource.TooMany) {
        Problems.send(ctx, new Problems.Problem(413, "export-too-large", "Export too large",
            failure.getMessage() + ": start a job (POST " + JOBS + ") for a larger set", null));
        return Future.succeededFuture(Optional.empty());
      }
      return Future.failedFuture(failure);
    });
  }

  private Future<Boolean> requireEach(RoutingContext ctx, List<PortfolioId> ids, int from) {
    if (from == ids.size()) {
      return Future.succeededFuture(true);
    }
    return access.require(ctx, ids.get(from), PortfolioRole.READ)
        .compose(ok -> ok ? requireEach(ctx, ids, from + 1) : Future.succeededFuture(false));
  }

  // ---- streamed exports -------------------------------------------------------------------

  private void stream(RoutingContext ctx) {
    List<RequestReader.FieldError> errors = new ArrayList<>();
    var params = ctx.queryParams();
    for (String name : params.names()) {
      if (!STREAM_PARAMETERS.contains(name)) {
        errors.add(new RequestReader.FieldError(name, "is not a parameter of an export"));
      }
    }
    Ask ask = check(ctx.pathParam("dataset"), params.get("format"), params.get("portfolios"), params.get("root"),
        params.get("asOf"), params.get("period"), params.get("from"), params.get("to"), errors);
    if (!errors.isEmpty()) {
      Problems.send(ctx, Problems.invalid(errors));
      return;
    }
    resolve(ctx, ask, settings.maxDirectPortfolios()).compose(ids -> {
      if (ids.isEmpty()) {
        return Future.<Void>succeededFuture();
      }
      return ask.format() == ExportFormat.PARQUET ? parquet(ctx, ask, ids.get()) : text(ctx, ask, ids.get());
    }).onFailure(failure -> {
      if (!ctx.response().headWritten()) {
        Problems.send(ctx, Problems.of(failure));
      } else if (!ctx.response().ended()) {
        // Mid-stream: the only honest signal left is to cut the transfer (no final chunk).
        ctx.response().reset();
      }
    });
  }

  private static String disposition(Ask ask) {
    return "attachment; filename=\"" + ask.dataset().wireName() + "." + ask.format().extension() + "\"";
  }

  /** CSV or NDJSON written into the answer as the rows come, waiting on a full write queue. */
  private Future<Void> text(RoutingContext ctx, Ask ask, List<PortfolioId> ids) {
    HttpServerResponse response = ctx.response();
    long[] rows = {0};
    boolean[] started = {false};
    long startedAt = System.nanoTime();
    StringBuilder text = new StringBuilder(4096);
    RowSource.Sink sink = batch -> {
      if (response.ended() || response.closed()) {
        return Future.failedFuture(new IllegalStateException("the client went away"));
      }
      if (rows[0] + batch.size() > settings.maxRows()) {
        return Future.failedFuture(new ExportRunner.TooManyRows(settings.maxRows()));
      }
      text.setLength(0);
      if (!started[0]) {
        begin(response, ask);
        started[0] = true;
      }
      for (Object[] row : batch) {
        if (ask.format() == ExportFormat.CSV) {
          RowText.csv(row, text);
        } else {
          RowText.ndjson(ask.dataset(), row, text);
        }
      }
      rows[0] += batch.size();
      Buffer chunk = Buffer.buffer(text.toString());
      runner.metrics().bytes("stream", ask.dataset(), ask.format(), chunk.length());
      response.write(chunk);
      if (!response.writeQueueFull()) {
        return Future.succeededFuture();
      }
      Promise<Void> drained = Promise.promise();
      response.drainHandler(v -> drained.tryComplete());
      response.closeHandler(v -> drained.tryFail("the client went away"));
      return drained.future();
    };
    return each(ask, ids, 0, sink).compose(v -> {
      if (!started[0]) {
        begin(response, ask);
      }
      runner.metrics().rows("stream", ask.dataset(), ask.format(), rows[0]);
      runner.metrics().duration("stream", ask.dataset(), ask.format(),
          java.time.Duration.ofNanos(System.nanoTime() - startedAt));
      return response.end();
    }).onFailure(failure -> runner.metrics().failure("stream", ask.dataset(), ask.format()));
  }

  private static void begin(HttpServerResponse response, Ask ask) {
    response.setChunked(true).putHeader("Content-Type", ask.format().contentType())
        .putHeader("Content-Disposition", disposition(ask));
    if (ask.format() == ExportFormat.CSV) {
      response.write(RowText.csvHeader(ask.dataset()));
    }
  }

  private Future<Void> each(Ask ask, List<PortfolioId> ids, int from, RowSource.Sink sink) {
    if (from == ids.size()) {
      return Future.succeededFuture();
    }
    return source.rows(ask.dataset(), ids.get(from), ask.window(), sink)
        .compose(v -> each(ask, ids, from + 1, sink));
  }

  /** Parquet needs the whole file before its footer: written to a scratch file, sent, deleted. */
  private Future<Void> parquet(RoutingContext ctx, Ask ask, List<PortfolioId> ids) {
    Path file = jobs.dir().resolve("streams").resolve(UUID.randomUUID() + ".parquet");
    return runner.toFile("stream", ask.dataset(), ask.format(), ids, ask.window(), file, Long.MAX_VALUE,
            (total, done, rows) -> Future.succeededFuture())
        .compose(result -> {
          if (ctx.response().ended()) {
            return runner.onWorker(() -> Files.deleteIfExists(file)).mapEmpty();
          }
          ctx.response().putHeader("Content-Type", ask.format().contentType())
              .putHeader("Content-Disposition", disposition(ask));
          ctx.addEndHandler(v -> runner.onWorker(() -> Files.deleteIfExists(file)));
          return ctx.response().sendFile(file.toString());
        });
  }

  // ---- jobs -------------------------------------------------------------------------------

  private void startJob(RoutingContext ctx) {
    Object body = HttpBodies.json(ctx);
    if (body == null) {
      return;
    }
    List<RequestReader.FieldError> errors = new ArrayList<>();
    if (!(body instanceof Map<?, ?> request)) {
      Problems.send(ctx, Problems.invalid(List.of(new RequestReader.FieldError("body",
          "must be an object with dataset, format and portfolios, root or neither"))));
      return;
    }
    request.keySet().stream().map(String::valueOf).filter(name -> !JOB_FIELDS.contains(name)).sorted()
        .forEach(name -> errors.add(new RequestReader.FieldError(name, "is not a field of an export job")));
    Object dataset = request.get("dataset");
    Object listed = request.get("portfolios");
    if (listed != null && !(listed instanceof List)) {
      errors.add(new RequestReader.FieldError("portfolios", "must be an array of portfolio ids"));
      listed = null;
    }
    Ask ask = check(dataset instanceof String text ? text : null, request.get("format"), listed,
        request.get("root"), request.get("asOf"), request.get("period"), request.get("from"), request.get("to"), errors);
    if (!errors.isEmpty()) {
      Problems.send(ctx, Problems.invalid(errors));
      return;
    }
    String createdBy = AccessControl.principal(ctx).name();
    resolve(ctx, ask, Integer.MAX_VALUE - 1).compose(ids -> {
      if (ids.isEmpty()) {
        return Future.<Void>succeededFuture();
      }
      return jobs.start(createdBy, ask.dataset(), ask.format(), ids.get(), ask.window(), ask.toJson())
          .compose(jobId -> store.job(jobId)).map(job -> {
            String location = JOBS + "/" + job.get().jobId();
            ctx.response().putHeader("Location", location);
            HttpBodies.json(ctx, 202, view(job.get()));
            return (Void) null;
          });
    }).onFailure(failure -> {
      if (failure instanceof ExportJobs.TooManyJobs) {
        ctx.response().putHeader("Retry-After", "5");
        Problems.send(ctx, new Problems.Problem(429, "too-many-export-jobs", "Too many export jobs",
            failure.getMessage(), null));
      } else {
        Problems.send(ctx, Problems.of(failure));
      }
    });
  }

  /** The job of the path, if the caller may see it; else the 404 has been sent. */
  private Future<Optional<ExportStore.Job>> visibleJob(RoutingContext ctx) {
    String jobId = ctx.pathParam("jobId");
    Principal caller = AccessControl.principal(ctx);
    Problems.Problem missing = new Problems.Problem(404, "not-found", "Not found", "no export job " + jobId, null);
    if (jobId == null || !jobId.matches("exp-[0-9a-f-]{36}")) {
      Problems.send(ctx, missing);
      return Future.succeededFuture(Optional.empty());
    }
    return store.job(jobId).map(job -> {
      if (job.isEmpty() || !(caller.isAdmin() || job.get().createdBy().equals(caller.name()))) {
        Problems.send(ctx, missing);
        return Optional.empty();
      }
      return job;
    });
  }

  private void job(RoutingContext ctx) {
    visibleJob(ctx).onSuccess(job -> job.ifPresent(found -> HttpBodies.json(ctx, 200, view(found))))
        .onFailure(failure -> Problems.send(ctx, Problems.of(failure)));
  }

  private static Problems.Problem gone(ExportStore.Job job, String why) {
    return new Problems.Problem(410, "export-file-gone", "Export file gone", "the file of job " + job.jobId()
        + " cannot be served: " + why + " (node " + job.node() + ")", null);
  }

  /**
   * The file of a job another node wrote, streamed from that node over the cluster's event bus
   * ({@link ExportFilePeers}), chunk after chunk as the client takes them. A node that left the
   * cluster (or no longer holds the file) is a 410 before the first byte; a failure after it cuts
   * the transfer, as a streamed export does.
   */
  private Future<Void> fromPeer(RoutingContext ctx, ExportStore.Job job) {
    return ExportFilePeers.fetch(ctx.vertx(), job.node(), job.file(), 0).transform(first -> {
      if (first.failed()) {
        Problems.send(ctx, gone(job, "the node that wrote it does not serve it (" + first.cause().getMessage() + ")"));
        return Future.<Void>succeededFuture();
      }
      ExportFormat format = ExportFormat.parse(job.format()).orElseThrow();
      ctx.response().putHeader("Content-Type", format.contentType())
          .putHeader("Content-Disposition", "attachment; filename=\"" + job.file() + "\"")
          .putHeader("Content-Length", String.valueOf(first.result().size()));
      return relay(ctx, job, first.result(), 0);
    });
  }

  private Future<Void> relay(RoutingContext ctx, ExportStore.Job job, ExportFilePeers.Chunk chunk, long offset) {
    HttpServerResponse response = ctx.response();
    long next = offset + chunk.data().length();
    if (next >= chunk.size() || chunk.data().length() == 0) {
      return response.end(chunk.data());
    }
    response.write(chunk.data());
    Future<Void> drained = Future.succeededFuture();
    if (response.writeQueueFull()) {
      Promise<Void> drain = Promise.promise();
      response.drainHandler(v -> drain.tryComplete());
      response.closeHandler(v -> drain.tryFail("the client went away"));
      drained = drain.future();
    }
    return drained.compose(v -> ExportFilePeers.fetch(ctx.vertx(), job.node(), job.file(), next))
        .compose(more -> relay(ctx, job, more, next))
        .onFailure(failure -> {
          if (!response.ended()) {
            response.reset();
          }
        });
  }

  private void file(RoutingContext ctx) {
    visibleJob(ctx).compose(found -> {
      if (found.isEmpty()) {
        return Future.<Void>succeededFuture();
      }
      ExportStore.Job job = found.get();
      if (!"DONE".equals(job.state())) {
        Problems.send(ctx, new Problems.Problem(409, "export-not-ready", "Export not ready",
            "the job is " + job.state() + ("FAILED".equals(job.state()) ? ": " + job.failure() : "; follow "
                + JOBS + "/" + job.jobId() + " until it is DONE"), null));
        return Future.<Void>succeededFuture();
      }
      Path file = jobs.fileOf(job.file());
      return runner.onWorker(() -> Files.isRegularFile(file)).compose(present -> {
        if (!present && !job.node().equals(jobs.nodeId())) {
          return fromPeer(ctx, job);
        }
        if (!present) {
          Problems.send(ctx, gone(job, "it is not in the export folder of the node that wrote it"));
          return Future.<Void>succeededFuture();
        }
        ExportFormat format = ExportFormat.parse(job.format()).orElseThrow();
        ctx.response().putHeader("Content-Type", format.contentType())
            .putHeader("Content-Disposition", "attachment; filename=\"" + job.file() + "\"");
        return ctx.response().sendFile(file.toString());
      });
    }).onFailure(failure -> Problems.send(ctx, Problems.of(failure)));
  }

  private static JsonObject view(ExportStore.Job job) {
    double percentage = "DONE".equals(job.state()) ? 100.0 : job.portfoliosTotal() == 0 ? 0.0
        : Math.floor(1000.0 * job.portfoliosDone() / job.portfoliosTotal()) / 10.0;
    JsonObject json = new JsonObject().put("jobId", job.jobId()).put("state", job.state())
        .put("dataset", job.dataset()).put("format", job.format()).put("request", job.request())
        .put("portfoliosTotal", job.portfoliosTotal()).put("portfoliosDone", job.portfoliosDone())
        .put("rowsWritten", job.rowsWritten()).put("percentage", percentage)
        .put("createdAt", job.createdAt()).put("finishedAt", job.finishedAt());
    if (job.bytes() != null) {
      json.put("bytes", job.bytes());
    }
    if (job.failure() != null) {
      json.put("failure", job.failure());
    }
    if ("DONE".equals(job.state())) {
      json.put("file", JOBS + "/" + job.jobId() + "/file");
    }
    return json;
  }
}
