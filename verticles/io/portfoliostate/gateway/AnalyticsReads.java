package io.portfoliostate.gateway;

import io.portfoliostate.config.Settings.AnalyticsSettings;
import io.portfoliostate.config.Settings.QuerySettings;
import io.portfoliostate.domain.Identifiers;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.integration.duckdb.AnalyticsQueries;
import io.portfoliostate.integration.duckdb.AnalyticsQueries.PortfolioSet;
import io.portfoliostate.integration.duckdb.AnalyticsStore;
import io.portfoliostate.integration.duckdb.QuerySandbox;
import io.portfoliostate.persistence.MarketRecords;
import io.portfoliostate.security.PortfolioRole;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What every analytics route does the same way: reads the store on the node's few reader threads
 * (each holds a DuckDB connection; never an event loop), names its set of portfolios as
 * {@code ?portfolios=a,b} (each must be readable), {@code ?root=x} (x must be readable; its
 * subtree is) or nothing (everything the caller may read), waits for {@code ?minSeq=} and
 * {@code ?minPriceSeq=} (read your own writes and prices), and runs custom SQL in the {@link QuerySandbox}.
 */
final class AnalyticsReads {

  /** The most portfolios {@code ?portfolios=} may list. */
  static final int MAX_LISTED = 1000;

  private final Vertx vertx;
  private final AnalyticsStore store;
  private final AnalyticsSettings settings;
  private final AccessControl access;
  private final WorkerExecutor readers;
  private final QuerySandbox sandbox;

  AnalyticsReads(Vertx vertx, AnalyticsStore store, AnalyticsSettings settings, AccessControl access) {
    this.vertx = vertx;
    this.store = store;
    this.settings = settings;
    this.access = access;
    // Shared by name: every gateway instance and every analytics route of the node uses the same
    // few reader threads. Closed with the verticle that made it.
    this.readers = vertx.createSharedWorkerExecutor("pstate-analytics-read", settings.readers());
    QuerySettings query = settings.query();
    this.sandbox = new QuerySandbox(store, new QuerySandbox.Limits(query.maxSqlChars(), query.maxRows(),
        query.timeoutSeconds(), query.memoryLimit(), query.maxTempSize()));
  }

  /** The store these reads answer from. */
  AnalyticsStore store() {
    return store;
  }

  /** The reader threads. */
  WorkerExecutor readers() {
    return readers;
  }

  /** The sandbox custom SQL runs in. */
  QuerySandbox sandbox() {
    return sandbox;
  }

  /** A request's set as named, before access is checked: listed ids, a root, or neither. */
  record SetRequest(List<String> listed, String root) {
  }

  /** Reads {@code ?portfolios=} and {@code ?root=}, adding what is wrong with them to {@code errors}. */
  static SetRequest setRequest(RoutingContext ctx, List<RequestReader.FieldError> errors) {
    String listed = ctx.queryParams().get("portfolios");
    String root = ctx.queryParams().get("root");
    if (listed != null && root != null) {
      errors.add(new RequestReader.FieldError("root", "cannot be combined with portfolios"));
    }
    List<String> ids = listed == null ? null : Arrays.asList(listed.split(",", -1));
    if (ids != null && (ids.size() > MAX_LISTED || !ids.stream().allMatch(Identifiers::isValid))) {
      errors.add(new RequestReader.FieldError("portfolios",
          "must be 1-" + MAX_LISTED + " portfolio ids separated by commas"));
    }
    if (root != null && !Identifiers.isValid(root)) {
      errors.add(new RequestReader.FieldError("root", "must be a portfolio id"));
    }
    return new SetRequest(ids, root);
  }

  /**
   * The set once the caller's read on each named portfolio is checked; empty after the refusal
   * (a 404, like a missing portfolio) was sent.
   */
  Future<Optional<PortfolioSet>> resolve(RoutingContext ctx, SetRequest request) {
    if (request.listed() != null) {
      return requireEach(ctx, request.listed(), 0)
          .map(ok -> ok ? Optional.of(PortfolioSet.listed(request.listed())) : Optional.empty());
    }
    if (request.root() != null) {
      return requireEach(ctx, List.of(request.root()), 0)
          .map(ok -> ok ? Optional.of(PortfolioSet.subtrees(List.of(request.root()))) : Optional.empty());
    }
    return Future.succeededFuture(Optional.of(readable(ctx)));
  }

  /** Everything the caller may read. */
  PortfolioSet readable(RoutingContext ctx) {
    return access.readableRoots(ctx)
        .map(roots -> PortfolioSet.subtrees(roots.stream().map(PortfolioId::value).toList()))
        .orElse(PortfolioSet.all());
  }

  /** Read on each id in turn; false once one was refused (the refusal has been sent). */
  Future<Boolean> requireEach(RoutingContext ctx, List<String> ids, int from) {
    if (from == ids.size()) {
      return Future.succeededFuture(true);
    }
    return access.require(ctx, PortfolioId.of(ids.get(from)), PortfolioRole.READ)
        .compose(ok -> ok ? requireEach(ctx, ids, from + 1) : Future.succeededFuture(false));
  }

  /**
   * Waits (up to {@code analytics.minSeqWaitMs}) until the store holds the journal change
   * {@code minSeq} and then {@code alsoReady} (null for nothing more) holds; false after a 503
   * with Retry-After was sent.
   *
   * @param waitingFor what the 503 says is not done yet, after "the analytics store has not"
   */
  Future<Boolean> awaitSeq(RoutingContext ctx, Long minSeq, Callable<Boolean> alsoReady, String waitingFor) {
    return awaitSeq(ctx, minSeq, alsoReady, waitingFor, System.currentTimeMillis() + settings.minSeqWaitMs());
  }

  /**
   * Waits for {@code minSeq} as {@link #awaitSeq(RoutingContext, Long, Callable, String)} does,
   * then for {@code minPriceSeq}: until the daily series have read every price and rate stored
   * before the request came (which includes the write that answered {@code minPriceSeq}) and
   * recomputed the members of {@code set} that moved ({@link StoreWait#prices}). One deadline,
   * {@code analytics.minSeqWaitMs}, for both; false after a 503 (the time ran out) or a 400 (a
   * {@code minPriceSeq} beyond every {@code market_seq} drawn) was sent.
   */
  Future<Boolean> awaitSeqs(RoutingContext ctx, Long minSeq, Callable<Boolean> alsoReady, String waitingFor,
      Long minPriceSeq, MarketRecords records, PortfolioSet set) {
    if (alsoReady == null || minSeq == null || minSeq <= 0) {
      return awaitSeqsOnce(ctx, minSeq, alsoReady, waitingFor, minPriceSeq, records, set);
    }
    // A minSeq wait for the series, as a minPriceSeq one: the next refresh comes sooner and takes
    // the set's members first (under the write path's pacing, a refresh takes ten portfolios).
    Object waiting = store.seriesAwaited(set);
    return awaitSeqsOnce(ctx, minSeq, alsoReady, waitingFor, minPriceSeq, records, set)
        .andThen(done -> store.seriesServed(waiting));
  }

  private Future<Boolean> awaitSeqsOnce(RoutingContext ctx, Long minSeq, Callable<Boolean> alsoReady,
      String waitingFor, Long minPriceSeq, MarketRecords records, PortfolioSet set) {
    long deadline = System.currentTimeMillis() + settings.minSeqWaitMs();
    if (minPriceSeq == null || minPriceSeq <= 0) {
      return awaitSeq(ctx, minSeq, alsoReady, waitingFor, deadline);
    }
    // Taken before anything waits: the price writes answered before this request are below it.
    return records.barrier().compose(barrier -> {
      if (minPriceSeq > barrier.drawn()) {
        Problems.send(ctx, Problems.invalid(List.of(new RequestReader.FieldError("minPriceSeq",
            "is beyond the highest market_seq drawn (" + barrier.drawn() + ")"))));
        return Future.succeededFuture(false);
      }
      return awaitSeq(ctx, minSeq, alsoReady, waitingFor, deadline).compose(read -> !read
          ? Future.succeededFuture(false)
          : StoreWait.prices(vertx, readers, store, barrier.xmax(), set, deadline).map(reached -> {
            if (!reached) {
              Problems.send(ctx, Problems.unavailable("the analytics store has not read market_seq " + minPriceSeq
                  + " and recomputed the series it changed yet (it is at priceSeq "
                  + store.priceCoverage().priceSeq() + "); retry"));
            }
            return reached;
          }));
    });
  }

  private Future<Boolean> awaitSeq(RoutingContext ctx, Long minSeq, Callable<Boolean> alsoReady, String waitingFor,
      long deadline) {
    if (minSeq == null || minSeq <= 0) {
      return Future.succeededFuture(true);
    }
    return StoreWait.read(vertx, readers, store, minSeq, deadline)
        .compose(read -> !read || alsoReady == null ? Future.succeededFuture(read)
            : StoreWait.until(vertx, readers, deadline, alsoReady))
        .map(reached -> {
          if (!reached) {
            Problems.send(ctx, Problems.unavailable("the analytics store has not " + waitingFor
                + " yet (it is at " + store.analyticsSeq() + "); retry"));
          }
          return reached;
        });
  }

  /** A request's {@code ?minSeq=} and {@code ?minPriceSeq=}, each null when not given. */
  record Freshness(Long minSeq, Long minPriceSeq) {
  }

  /**
   * Reads {@code ?minSeq=} and {@code ?minPriceSeq=} (whole numbers from 0); null after a 400
   * naming the first bad one was sent.
   */
  static Freshness freshness(RoutingContext ctx) {
    Long minSeq = HttpBodies.longParam(ctx, "minSeq", 0, Long.MAX_VALUE);
    Long minPriceSeq = ctx.response().ended() ? null : HttpBodies.longParam(ctx, "minPriceSeq", 0, Long.MAX_VALUE);
    return ctx.response().ended() ? null : new Freshness(minSeq, minPriceSeq);
  }

  /**
   * For SQL over the views (custom and saved queries): waits as {@code nav} does, since the views
   * include the daily series that both changes and prices move. {@code minSeq}: the store holds
   * the change and no member of {@code set} (the portfolios the query may see) waits for its
   * series to be recomputed after a change read up to then ({@link #seriesRecomputed});
   * {@code minPriceSeq}: as {@link #awaitSeqs}. False after a 400 or a 503 was sent.
   */
  Future<Boolean> awaitSeries(RoutingContext ctx, Freshness freshness, MarketRecords records, PortfolioSet set) {
    Long minSeq = freshness.minSeq();
    return awaitSeqs(ctx, minSeq, seriesRecomputed(set),
        "read global_seq " + minSeq + " and recomputed the series it changed", freshness.minPriceSeq(), records, set);
  }

  /**
   * What a {@code minSeq} read of the daily series waits for once the store holds the change:
   * no member of {@code set} still pending for a change among those the store had read by then.
   * That point is the store's count of changes ({@code daily_pending.seq} counts changes, it is
   * not a {@code global_seq}), taken at the first check, which comes after the batch holding
   * {@code minSeq} was committed, so it covers that batch; changes read later are not waited for,
   * so a steady flow of trades into the set cannot hold the read until its deadline. Checked on
   * one reader thread at a time ({@link StoreWait#until}).
   */
  Callable<Boolean> seriesRecomputed(PortfolioSet set) {
    AtomicLong upTo = new AtomicLong(-1);
    return () -> {
      if (upTo.get() < 0) {
        upTo.set(store.changesCommitted());
      }
      return AnalyticsQueries.seriesPending(store.reader(), set, upTo.get()) == 0;
    };
  }

  /** {@link #awaitSeq(RoutingContext, Long, Callable, String)} for the change alone. */
  Future<Boolean> awaitSeq(RoutingContext ctx, Long minSeq) {
    return awaitSeq(ctx, minSeq, null, "read global_seq " + minSeq);
  }

  /**
   * Runs {@code work} (a query in the sandbox) on a reader thread: its answer, or empty after a
   * refusal of the sandbox (400, 408 or 413) was sent as problem+json.
   */
  Future<Optional<JsonObject>> sandboxed(RoutingContext ctx, Callable<JsonObject> work) {
    return readers.executeBlocking(() -> {
      try {
        return new Outcome(work.call(), null);
      } catch (QuerySandbox.Refused refused) {
        return new Outcome(null, refused);
      }
    }, false).map(outcome -> {
      if (outcome.refused() != null) {
        Problems.send(ctx, new Problems.Problem(outcome.refused().status(), outcome.refused().slug(),
            "Query refused", outcome.refused().getMessage(), null));
        return Optional.empty();
      }
      return Optional.of(outcome.answer());
    });
  }

  private record Outcome(JsonObject answer, QuerySandbox.Refused refused) {
  }
}
