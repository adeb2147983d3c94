package io.portfoliostate.gateway;

import io.portfoliostate.domain.Decimals;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.domain.PortfolioState;
import io.portfoliostate.domain.valuation.MarketData;
import io.portfoliostate.domain.valuation.MarketNeeds;
import io.portfoliostate.domain.valuation.PortfolioValuation;
import io.portfoliostate.domain.valuation.Valuation;
import io.micrometer.core.instrument.MeterRegistry;
import io.portfoliostate.config.Settings;
import io.portfoliostate.exports.ExportDataset;
import io.portfoliostate.exports.ExportWindow;
import io.portfoliostate.persistence.PerformanceHistory;
import io.vertx.core.Vertx;
import java.time.Clock;
import io.portfoliostate.exports.RowSource;
import io.portfoliostate.market.MarketSnapshot;
import io.portfoliostate.market.MarketView;
import io.portfoliostate.persistence.MarketDataStore;
import io.portfoliostate.persistence.PortfolioCatalog;
import io.portfoliostate.protocol.EventPage;
import io.portfoliostate.protocol.FailureCodes;
import io.portfoliostate.protocol.OwnerRequest;
import io.portfoliostate.shard.OwnerClient;
import io.vertx.core.Future;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The rows of an export, one portfolio at a time, made by the same code as the REST reads: a
 * portfolio's state comes from its owner ({@code asOf} business time, as {@code ?asOf=}), is
 * valued with the market of that time and rendered by {@link Valuations}, whose JSON the rows
 * are taken from, so every figure is the exact string the REST read gives. Trades and events
 * come from the owner's journal pages ({@code GET .../events}), a page at a time. Nothing holds
 * more than one portfolio's state or one page of its journal.
 */
public final class ExportRows implements RowSource {

  /** Journal entries per page of a long series. */
  static final int PAGE = 500;

  private final OwnerClient owners;
  private final MarketDataStore history;
  private final MarketView market;
  private final PortfolioCatalog catalog;
  /**
   * The performance read itself, for the performance series, made at the first such export; null:
   * that dataset has no rows. Made late on purpose: the first performance read made on a node
   * owns the node-wide price store and makes it follow market updates when its route is
   * registered, which only the gateways' instances are.
   */
  private final java.util.function.Supplier<PerformanceHandlers> performance;

  public ExportRows(OwnerClient owners, MarketDataStore history, MarketView market, PortfolioCatalog catalog) {
    this(owners, history, market, catalog, null);
  }

  private ExportRows(OwnerClient owners, MarketDataStore history, MarketView market, PortfolioCatalog catalog,
      java.util.function.Supplier<PerformanceHandlers> performance) {
    this.owners = owners;
    this.history = history;
    this.market = market;
    this.catalog = catalog;
    this.performance = performance;
  }

  /**
   * The rows of every dataset, the performance series included: taken from the answer of
   * {@code GET .../performance} as the node's own performance read computes it (its journal and
   * price caches, its calculator, {@code clock} for "today"), so the export and the read cannot
   * differ.
   */
  public static ExportRows withPerformance(Vertx vertx, OwnerClient owners, MarketDataStore history, MarketView market,
      PortfolioCatalog catalog, Clock clock, MeterRegistry registry, Settings.PerformanceCacheSettings caching) {
    PerformanceHandlers[] made = new PerformanceHandlers[1];
    return new ExportRows(owners, history, market, catalog, () -> {
      synchronized (made) {
        if (made[0] == null) {
          made[0] = new PerformanceHandlers(vertx, PerformanceHistory.sharing(history), catalog, market, clock,
              registry, caching);
        }
        return made[0];
      }
    });
  }

  /**
   * The portfolios of the subtrees of {@code roots} (each once, a subtree's root first), or of
   * every portfolio when {@code roots} is null; a failed future past {@code limit} portfolios.
   * Ids only: the rows are read portfolio by portfolio later.
   */
  @Override
  public Future<List<PortfolioId>> portfolios(List<PortfolioId> roots, int limit) {
    if (roots == null) {
      return allPortfolios("", new ArrayList<>(), limit);
    }
    return subtrees(roots, 0, new LinkedHashSet<>(), limit).map(List::copyOf);
  }

  private Future<List<PortfolioId>> allPortfolios(String after, List<PortfolioId> into, int limit) {
    return catalog.page(after, null, 1000).compose(page -> {
      for (int i = 0; i < page.size(); i++) {
        into.add(PortfolioId.of(page.getJsonObject(i).getString("id")));
      }
      if (into.size() > limit) {
        return Future.failedFuture(new TooMany(limit));
      }
      return page.size() < 1000 ? Future.succeededFuture(into)
          : allPortfolios(page.getJsonObject(page.size() - 1).getString("id"), into, limit);
    });
  }

  private Future<Set<PortfolioId>> subtrees(List<PortfolioId> roots, int from, Set<PortfolioId> into, int limit) {
    if (from == roots.size()) {
      return Future.succeededFuture(into);
    }
    return catalog.subtree(roots.get(from), limit + 1).compose(nodes -> {
      nodes.forEach(node -> into.add(node.id()));
      if (into.size() > limit) {
        return Future.failedFuture(new TooMany(limit));
      }
      return subtrees(roots, from + 1, into, limit);
    });
  }

  /**
   * Hands the rows of {@code dataset} of portfolio {@code id} as of {@code asOf} (null: now) to
   * {@code sink}, batch by batch. A portfolio that does not exist (any more, or yet at
   * {@code asOf}) has no rows.
   */
  @Override
  public Future<Void> rows(ExportDataset dataset, PortfolioId id, ExportWindow window, Sink sink) {
    if (dataset == ExportDataset.PERFORMANCE) {
      return performance(id, window, sink);
    }
    Instant asOf = window.asOf();
    if (dataset.longSeries()) {
      return page(dataset, id, asOf, 0, sink);
    }
    return owners.<PortfolioState>request(new OwnerRequest.Read(id, null, asOf, null))
        .compose(state -> valued(state, asOf))
        .compose(valued -> sink.accept(rowsOf(dataset, valued.state(), valued.valuation())),
            failure -> absent(failure) ? Future.succeededFuture() : Future.failedFuture(failure));
  }

  /**
   * The series of {@code GET .../performance?period=&from=&to=} of one portfolio, row for row: its
   * decimals as the read's strings, its returns as the read's numbers. A portfolio whose window
   * holds no day (created after {@code to}) has no rows; any other refusal of the window fails
   * the export with the read's own reason.
   */
  private Future<Void> performance(PortfolioId id, ExportWindow window, Sink sink) {
    if (performance == null) {
      return Future.failedFuture(new IllegalStateException("this node exports no performance series"));
    }
    Reply.Kept answer = new Reply.Kept();
    return performance.get().report(id, window.period(), window.from(), window.to(), answer).compose(exists -> {
      if (!exists) {
        return Future.<Void>succeededFuture();
      }
      if (answer.problem() != null) {
        Problems.Problem problem = answer.problem();
        boolean empty = problem.detail() != null && problem.detail().contains("starts after it ends")
            || problem.errors() != null && problem.errors().stream()
                .anyMatch(error -> error.message().contains("starts after it ends"));
        return empty ? Future.<Void>succeededFuture()
            : Future.<Void>failedFuture(new IllegalArgumentException("performance of " + id + ": " + problem.detail()));
      }
      JsonArray series = ((JsonObject) answer.body()).getJsonArray("series");
      List<Object[]> rows = new ArrayList<>(series.size());
      for (int i = 0; i < series.size(); i++) {
        JsonObject point = series.getJsonObject(i);
        rows.add(new Object[] {id.value(), point.getString("date"), point.getString("nav"), point.getString("netFlow"),
            point.getString("income"), ratio(point.getValue("dailyReturn")), ratio(point.getValue("cumulativeReturn"))});
      }
      return rows.isEmpty() ? Future.<Void>succeededFuture() : sink.accept(rows);
    });
  }

  private static Double ratio(Object value) {
    return value == null ? null : ((Number) value).doubleValue();
  }

  private static boolean absent(Throwable failure) {
    return failure instanceof ReplyException reply
        && (reply.failureCode() == FailureCodes.NOT_FOUND || reply.failureCode() == FailureCodes.NO_SUCH_VERSION);
  }

  private record Valued(PortfolioState state, PortfolioValuation valuation) {
  }

  /** Valued as {@link ReadHandlers} values: now with the node's snapshot, at T with the market of T. */
  private Future<Valued> valued(PortfolioState state, Instant asOf) {
    MarketSnapshot snapshot = market.snapshot();
    if (asOf == null) {
      Instant latest = snapshot.latestAt();
      Instant time = latest == null || latest.isBefore(state.updatedAt()) ? state.updatedAt() : latest;
      return Future.succeededFuture(new Valued(state, Valuation.value(state, snapshot.market(), snapshot, time)));
    }
    return history.pricesAt(MarketNeeds.instruments(state), asOf)
        .compose(prices -> history.ratesAt(MarketNeeds.pairs(state, prices), asOf)
            .map(rates -> new Valued(state, Valuation.value(state, MarketData.of(prices, rates), snapshot, asOf))));
  }

  private static List<Object[]> rowsOf(ExportDataset dataset, PortfolioState state, PortfolioValuation valuation) {
    String portfolio = state.id().value();
    long version = state.version();
    String asOf = valuation.asOf().toString();
    List<Object[]> rows = new ArrayList<>();
    switch (dataset) {
      case POSITIONS -> {
        JsonArray positions = Valuations.positions(valuation.positions());
        for (int i = 0; i < positions.size(); i++) {
          JsonObject p = positions.getJsonObject(i);
          rows.add(new Object[] {portfolio, p.getString("instrumentId"), p.getString("strategy"),
              p.getString("quantity"), p.getString("averageCost"), p.getString("costBasis"),
              p.getString("realizedPnl"), p.getString("fees"), p.getString("currency"), p.getString("openedAt"),
              p.getString("updatedAt"), (long) p.getJsonArray("lots").size(), p.getString("price"),
              p.getString("marketValue"), p.getString("marketValueBase"), p.getString("unrealizedPnl"),
              p.getValue("weight") == null ? null : ((Number) p.getValue("weight")).doubleValue(), version, asOf});
        }
      }
      case LOTS -> {
        JsonArray positions = Valuations.positions(valuation.positions());
        for (int i = 0; i < positions.size(); i++) {
          JsonObject p = positions.getJsonObject(i);
          JsonArray lots = p.getJsonArray("lots");
          for (int n = 0; n < lots.size(); n++) {
            JsonObject lot = lots.getJsonObject(n);
            rows.add(new Object[] {portfolio, p.getString("instrumentId"), p.getString("strategy"), (long) n + 1,
                lot.getString("quantity"), lot.getString("price"), lot.getString("openedAt"), version, asOf});
          }
        }
      }
      case CASH -> {
        JsonArray cash = Valuations.cash(valuation.cash());
        for (int i = 0; i < cash.size(); i++) {
          JsonObject line = cash.getJsonObject(i);
          rows.add(new Object[] {portfolio, line.getString("currency"), line.getString("balance"),
              line.getString("balanceBase"), state.baseCurrency().value(), version, asOf});
        }
      }
      case VALUATIONS -> {
        JsonObject summary = Valuations.summary(valuation);
        rows.add(new Object[] {portfolio, state.name(), state.baseCurrency().value(),
            state.parentId() == null ? null : state.parentId().value(), summary.getString("nav"),
            Decimals.plain(valuation.cashBase()), summary.getBoolean("complete"), version, asOf});
      }
      default -> throw new IllegalArgumentException(dataset + " is a long series");
    }
    return rows;
  }

  private Future<Void> page(ExportDataset dataset, PortfolioId id, Instant asOf, long after, Sink sink) {
    return owners.<EventPage>request(new OwnerRequest.ReadEvents(id, after, PAGE)).compose(page -> {
      if (page.events().isEmpty()) {
        return Future.<Void>succeededFuture();
      }
      JsonObject rendered = Representations.events(id.value(), page);
      JsonArray events = rendered.getJsonArray("events");
      List<Object[]> rows = new ArrayList<>(events.size());
      for (int i = 0; i < events.size(); i++) {
        JsonObject event = events.getJsonObject(i);
        if (dataset == ExportDataset.EVENTS) {
          if (asOf == null || !Instant.parse(event.getString("recordedAt")).isAfter(asOf)) {
            JsonArray alerts = event.getJsonArray("alerts");
            JsonObject origin = event.getJsonObject("origin");
            rows.add(new Object[] {id.value(), event.getLong("version"), event.getString("type"),
                event.getString("recordedAt"), event.getJsonObject("data").encode(),
                alerts == null ? null : alerts.encode(), origin == null ? null : origin.encode()});
          }
        } else if ("TradeRecorded".equals(event.getString("type"))) {
          JsonObject t = event.getJsonObject("data");
          if (asOf == null || !Instant.parse(t.getString("executedAt")).isAfter(asOf)) {
            rows.add(new Object[] {id.value(), event.getLong("version"), t.getString("tradeId"),
                t.getString("instrumentId"), t.getString("strategy"), t.getString("side"), t.getString("quantity"),
                t.getString("price"), t.getString("currency"), t.getString("fees"), t.getString("executedAt"),
                event.getString("recordedAt")});
          }
        }
      }
      long last = page.events().get(page.events().size() - 1).version();
      Future<Void> written = rows.isEmpty() ? Future.succeededFuture() : sink.accept(rows);
      return written.compose(v -> last >= page.currentVersion() ? Future.<Void>succeededFuture()
          : page(dataset, id, asOf, last, sink));
    }, failure -> absent(failure) ? Future.succeededFuture() : Future.failedFuture(failure));
  }
}
