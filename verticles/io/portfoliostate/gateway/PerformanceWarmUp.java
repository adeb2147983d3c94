package io.portfoliostate.gateway;

import io.portfoliostate.domain.CashFlowType;
import io.portfoliostate.domain.CostMethod;
import io.portfoliostate.domain.CreatePortfolio;
import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.Decision;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.PortfolioCommand;
import io.portfoliostate.domain.PortfolioEvent;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.domain.PortfolioRules;
import io.portfoliostate.domain.PortfolioState;
import io.portfoliostate.domain.RecordCashFlow;
import io.portfoliostate.domain.RecordTrade;
import io.portfoliostate.domain.ReferenceData;
import io.portfoliostate.domain.Side;
import io.portfoliostate.domain.performance.PerformanceCalculator;
import io.portfoliostate.domain.performance.PerformanceReport;
import io.portfoliostate.domain.performance.PriceHistory;
import io.portfoliostate.domain.timeline.BusinessTime;
import io.portfoliostate.domain.valuation.FxRate;
import io.portfoliostate.persistence.PerformanceHistory;
import io.portfoliostate.protocol.EventJson;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;

/**
 * A synthetic year of performance computed in memory: what a node runs on a worker once it has
 * started (setting {@code http.performance.warmUp}), so that the first real read finds the parse,
 * fold, valuation and statistics compiled rather than interpreted (docs/performance.md, Warm-up).
 * In a fresh JVM most of a first read's time was the JIT's.
 *
 * <p>One round goes through every step a read takes after its statements, with the same code:
 * the journal's payloads parsed from text, the prices parsed from the statement's text form and
 * kept and sliced as the node keeps them, the business-time fold, a fold on from a kept window,
 * the valuation of every weekday, the statistics and the JSON. Nothing of it is kept, and it
 * touches no database, no event bus and no event loop.
 */
final class PerformanceWarmUp {

  /** The synthetic book: about a third of the benchmark's, enough for the JIT's thresholds. */
  static final int POSITIONS = 200;
  static final int TRADES = 2_000;
  static final int DAYS = 261;

  private static final PortfolioId ID = PortfolioId.of("warm-up");
  private static final CurrencyCode EUR = CurrencyCode.of("EUR");
  private static final LocalDate FIRST = LocalDate.of(2020, 1, 6);

  private final List<String> types = new ArrayList<>();
  private final List<String> payloads = new ArrayList<>();
  private final List<String> instruments = new ArrayList<>();
  private final List<String> points = new ArrayList<>();
  private final List<String> quotedIn = new ArrayList<>();
  private final List<FxRate> rates = new ArrayList<>();
  private final List<LocalDate> dates;

  /** Builds the book (its journal as payload texts, its prices as the statement's texts). */
  PerformanceWarmUp() {
    dates = PerformanceCalculator.weekdays(FIRST, FIRST.plusDays(DAYS * 7L / 5 - 1));
    Random random = new Random(7);
    ReferenceData reference = instrument -> Optional.of(currency(instrument));
    List<PortfolioCommand> commands = new ArrayList<>();
    commands.add(new CreatePortfolio(ID, "Warm-up", CurrencyCode.USD, null, CostMethod.AVERAGE, null, null));
    Instant opened = at(dates.get(0), 8);
    commands.add(new RecordCashFlow(ID, "d-usd", CashFlowType.DEPOSIT, CurrencyCode.USD, new BigDecimal("5000000"),
        null, opened));
    commands.add(new RecordCashFlow(ID, "d-eur", CashFlowType.DEPOSIT, EUR, new BigDecimal("1000000"),
        null, opened));
    // Trades in execution order (one day after another), so that no ledger is needed to decide them.
    for (int trade = 0; trade < TRADES; trade++) {
      int instrument = trade < POSITIONS ? trade : random.nextInt(POSITIONS);
      int day = trade < POSITIONS ? 0 : 1 + (int) ((long) (trade - POSITIONS) * (dates.size() - 1) / (TRADES - POSITIONS));
      boolean sell = trade >= POSITIONS && random.nextInt(3) == 0;
      commands.add(new RecordTrade(ID, "w-" + trade, InstrumentId.of("W" + instrument), sell ? Side.SELL : Side.BUY,
          BigDecimal.valueOf(trade < POSITIONS ? 100 : 1 + random.nextInt(sell ? 150 : 40)),
          BigDecimal.valueOf(2_000 + random.nextInt(20_000), 2), null, BigDecimal.ONE, null, at(dates.get(day), 10)));
    }
    PortfolioState state = null;
    Instant now = at(dates.get(dates.size() - 1), 23);
    for (PortfolioCommand command : commands) {
      Decision decision = PortfolioRules.decide(state, command, now, reference);
      if (decision instanceof Decision.Accepted accepted) {
        for (PortfolioEvent event : accepted.events()) {
          state = PortfolioRules.evolve(state, event);
          types.add(EventJson.type(event));
          payloads.add(EventJson.toJson(event).encode());
        }
      }
    }
    for (int i = 0; i < POSITIONS; i++) {
      InstrumentId instrument = InstrumentId.of("W" + i);
      double level = 20 + random.nextInt(200);
      StringBuilder text = new StringBuilder(DAYS * 24);
      for (LocalDate date : dates) {
        level = Math.max(1, level * (1 + random.nextGaussian() * 0.015));
        text.append(text.isEmpty() ? "" : ",").append(PerformancePrices.micros(at(date, 16))).append(' ')
            .append(String.format(Locale.ROOT, "%.2f", level)).append(' ').append(currency(instrument).value());
      }
      instruments.add(instrument.value());
      points.add(text.toString());
      quotedIn.add(currency(instrument).value());
    }
    double eurUsd = 1.08;
    for (LocalDate date : dates) {
      eurUsd *= 1 + random.nextGaussian() * 0.004;
      rates.add(new FxRate(EUR, CurrencyCode.USD, BigDecimal.valueOf(Math.round(eurUsd * 1e5), 5),
          at(date, 16)));
    }
  }

  /**
   * One round: the read of a year, then of a later window folded on from it. Returns the year's
   * series length (so that nothing of it is optimised away).
   */
  int round() {
    PerformanceHistory.JournalText text = PerformanceHistory.JournalText.of(types, payloads,
        java.util.stream.LongStream.rangeClosed(1, types.size()).toArray());
    List<PortfolioEvent> journal = new java.util.ArrayList<>(text.events(0, 2));
    journal.addAll(text.events(1, 2));
    List<PriceHistory.Series> read = new PerformanceHistory.PriceTexts(instruments, points, quotedIn).series();
    PerformancePrices kept = new PerformancePrices(Integer.MAX_VALUE, 60, System::nanoTime);
    List<InstrumentId> ids = instruments.stream().map(InstrumentId::of).toList();
    Instant start = at(dates.get(0), 0);
    kept.keep(ids, read, start, kept.epoch());
    PerformanceCache cache = new PerformanceCache(journal.size());
    PerformanceCache.Journal parsed = cache.keepJournal(ID, new PerformanceCache.Journal(journal.size(), text, journal));
    parsed.prepared(BusinessTime.prepare(parsed.toPrepare()));
    PerformanceCache.Window year = new PerformanceCache.Window(dates.get(0), dates.get(dates.size() - 1));
    int size = report(ids, year, dates, cache, parsed, kept);
    // A later window reaching past the kept one: folded on from its kept first state, its prices sliced.
    LocalDate later = dates.get(dates.size() / 2);
    PerformanceCache.Window next = new PerformanceCache.Window(later, year.to().plusDays(14));
    List<LocalDate> nextDates = PerformanceCalculator.weekdays(next.from(), next.to());
    return size + report(ids, next, nextDates, cache, parsed, kept);
  }

  private int report(List<InstrumentId> ids, PerformanceCache.Window window,
      List<LocalDate> days, PerformanceCache cache, PerformanceCache.Journal parsed, PerformancePrices kept) {
    Instant start = at(window.from(), 0);
    Instant end = PerformanceCalculator.endOf(window.to());
    List<PriceHistory.Series> series = new ArrayList<>();
    for (InstrumentId id : ids) {
      PerformancePrices.Found found = kept.find(id, start, end);
      if (found.series() != null) {
        series.add(found.series());
      }
    }
    PriceHistory history = PriceHistory.ofSeries(series, rates, List.of());
    BusinessTime.Walk walk = PerformanceHandlers.walk(parsed.prepared, parsed.before(days.get(0)), days);
    PerformanceReport report = PerformanceCalculator.compute(new PerformanceCalculator.Inputs(window.from(),
        window.to(), parsed.needs.base(), days, null, parsed.flows, history, instrument -> Optional.of(currency(instrument)),
        InstrumentId.of("W0"), 0.02, null), PerformanceHandlers.days(walk, new long[1]));
    PerformanceHandlers.keepEnds(cache, parsed, window, days, walk);
    return PerformanceHandlers.json(ID, report).toBuffer().length();
  }

  private static CurrencyCode currency(InstrumentId instrument) {
    return instrument.value().hashCode() % 5 == 4 ? EUR : CurrencyCode.USD;
  }

  private static Instant at(LocalDate date, int hour) {
    return date.atTime(hour, 0).toInstant(java.time.ZoneOffset.UTC);
  }
}
