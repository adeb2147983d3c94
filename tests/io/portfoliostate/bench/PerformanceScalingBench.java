package io.portfoliostate.bench;

import io.portfoliostate.domain.CashFlowRecorded;
import io.portfoliostate.domain.CashFlowType;
import io.portfoliostate.domain.CostMethod;
import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.PortfolioCreated;
import io.portfoliostate.domain.PortfolioEvent;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.domain.PortfolioSettings;
import io.portfoliostate.domain.ReferenceData;
import io.portfoliostate.domain.Side;
import io.portfoliostate.domain.TradeRecorded;
import io.portfoliostate.domain.performance.PerformanceCalculator;
import io.portfoliostate.domain.performance.PerformanceReport;
import io.portfoliostate.domain.timeline.BusinessTime;
import io.portfoliostate.domain.performance.PriceHistory;
import io.portfoliostate.domain.valuation.FxRate;
import io.portfoliostate.domain.valuation.Price;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * How the computing part of a performance read grows with events, positions and days: the
 * business-time fold, the valuation of every weekday and the statistics, in this JVM, on a book
 * built in memory like PerformanceBench's (no database, no HTTP: those are PerformanceBench's).
 * Each case is run {@code warmup} times, then {@code runs} times; the median and the largest of
 * those are printed, with the fold's share and the thread's CPU time (what the figure would be on
 * an idle core: the VM is shared, and its wall-clock figures carry other work).
 *
 * <p>Options (key=value): events=1000,5000,20000 positions=100,500,1000 days=65,130,261,783
 * (each list varied with the other two at 5000 / 500 / 261) warmup=5 runs=15.
 */
public final class PerformanceScalingBench {

  private PerformanceScalingBench() {
  }

  public static void main(String[] args) {
    BenchSupport.Options options = new BenchSupport.Options(args);
    int warmup = options.integer("warmup", 5);
    int runs = options.integer("runs", 15);
    BenchSupport.printMachine("PerformanceScalingBench", options);
    System.out.println("case                                  median ms   max ms   fold median ms   CPU median ms");
    for (int events : options.integers("events", "1000,5000,20000")) {
      run(events, 500, 261, warmup, runs);
    }
    for (int positions : options.integers("positions", "100,500,1000")) {
      run(5000, positions, 261, warmup, runs);
    }
    for (int days : options.integers("days", "65,130,261,783")) {
      run(5000, 500, days, warmup, runs);
    }
    steps(new Book(5000, 500, 261), warmup, runs);
  }

  /**
   * The steps of a read of a portfolio never read before, each alone (thread CPU, medians): its
   * journal's payloads parsed from text, a year of prices parsed from the statement's text form,
   * the business-time fold, the valuation and statistics; then what a new window of a kept
   * portfolio costs instead of the first two and the fold: a slice of each instrument's arrays.
   */
  private static void steps(Book book, int warmup, int runs) {
    List<String> types = new ArrayList<>();
    List<String> payloads = new ArrayList<>();
    for (PortfolioEvent event : book.journal) {
      types.add(io.portfoliostate.protocol.EventJson.type(event));
      payloads.add(io.portfoliostate.protocol.EventJson.toJson(event).encode());
    }
    List<String> names = new ArrayList<>();
    List<String> points = new ArrayList<>();
    List<String> quotedIn = new ArrayList<>();
    for (PriceHistory.Series one : book.series) {
      StringBuilder text = new StringBuilder();
      for (int i = 0; i < one.size(); i++) {
        text.append(i == 0 ? "" : ",").append(one.micros(i)).append(' ').append(one.decimal(i).toPlainString())
            .append(' ').append(one.currency(i).value());
      }
      names.add(one.instrumentId().value());
      points.add(text.toString());
      quotedIn.add(one.currency(0).value());
    }
    io.portfoliostate.persistence.PerformanceHistory.JournalText journal =
        io.portfoliostate.persistence.PerformanceHistory.JournalText.of(types, payloads,
            java.util.stream.LongStream.rangeClosed(1, types.size()).toArray());
    io.portfoliostate.persistence.PerformanceHistory.PriceTexts texts =
        new io.portfoliostate.persistence.PerformanceHistory.PriceTexts(names, points, quotedIn);
    long end = book.series.get(0).micros(book.series.get(0).size() - 1);
    step("parse 5,000 events from their payloads", warmup, runs, () -> journal.events(0, 1).size());
    step("parse 130,500 prices from the statement's text", warmup, runs, () -> texts.series().size());
    step("slice 500 instruments' kept arrays (a new window)", warmup, runs, () -> {
      int n = 0;
      for (PriceHistory.Series one : book.series) {
        n += one.upTo(end - 1).size();
      }
      return n;
    });
    step("fold: prepare + 261 states", warmup, runs, () -> BusinessTime.series(book.journal, book.ends).states().size());
    BusinessTime.Series states = BusinessTime.series(book.journal, book.ends);
    step("valuation and statistics of 261 days", warmup, runs, () -> PerformanceCalculator.compute(
        new PerformanceCalculator.Inputs(book.dates.get(0), book.dates.get(book.dates.size() - 1), CurrencyCode.USD,
            book.dates, states.states(), book.journal, PriceHistory.ofSeries(book.series, book.rates, List.of()),
            ReferenceData.NONE, null, 0, null), states.changed()).series().size());
  }

  private static void step(String label, int warmup, int runs, java.util.function.IntSupplier work) {
    java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
    double[] cpu = new double[runs];
    double[] wall = new double[runs];
    for (int i = 0; i < warmup + runs; i++) {
      long cpuStarted = threads.getCurrentThreadCpuTime();
      long started = System.nanoTime();
      if (work.getAsInt() <= 0) {
        throw new IllegalStateException(label + " gave nothing");
      }
      if (i >= warmup) {
        wall[i - warmup] = (System.nanoTime() - started) / 1e6;
        cpu[i - warmup] = (threads.getCurrentThreadCpuTime() - cpuStarted) / 1e6;
      }
    }
    Arrays.sort(cpu);
    Arrays.sort(wall);
    System.out.printf(Locale.ROOT, "STEP %-52s wall p50 %8.1f ms   thread CPU p50 %8.1f ms%n", label, wall[runs / 2],
        cpu[runs / 2]);
  }

  private static void run(int events, int positions, int days, int warmup, int runs) {
    Book book = new Book(events, positions, days);
    double[] total = new double[runs];
    double[] fold = new double[runs];
    double[] cpu = new double[runs];
    java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
    for (int i = 0; i < warmup + runs; i++) {
      long cpuStarted = threads.getCurrentThreadCpuTime();
      long started = System.nanoTime();
      BusinessTime.Series states = BusinessTime.series(book.journal, book.ends);
      long folded = System.nanoTime();
      // As the gateway: the prices as series (parsed from PostgreSQL's text into arrays there), the changes told.
      PerformanceReport report = PerformanceCalculator.compute(new PerformanceCalculator.Inputs(book.dates.get(0),
          book.dates.get(book.dates.size() - 1), CurrencyCode.USD, book.dates, states.states(), book.journal,
          PriceHistory.ofSeries(book.series, book.rates, List.of()), ReferenceData.NONE, null, 0, null),
          states.changed());
      long done = System.nanoTime();
      if (report.series().size() != days) {
        throw new IllegalStateException("series of " + report.series().size());
      }
      if (i >= warmup) {
        total[i - warmup] = (done - started) / 1e6;
        fold[i - warmup] = (folded - started) / 1e6;
        cpu[i - warmup] = (threads.getCurrentThreadCpuTime() - cpuStarted) / 1e6;
      }
    }
    Arrays.sort(total);
    Arrays.sort(fold);
    Arrays.sort(cpu);
    System.out.printf(Locale.ROOT, "events=%-6d positions=%-5d days=%-4d %9.1f %8.1f %12.1f %14.1f%n", events,
        positions, days, total[runs / 2], total[runs - 1], fold[runs / 2], cpu[runs / 2]);
  }

  /** The book of PerformanceBench, in memory: daily prices, EUR/USD, deposits, trades over the days. */
  private static final class Book {
    final List<PortfolioEvent> journal = new ArrayList<>();
    final List<LocalDate> dates;
    final List<Instant> ends;
    final List<Price> prices = new ArrayList<>();
    final List<FxRate> rates = new ArrayList<>();
    final List<PriceHistory.Series> series = new ArrayList<>();

    Book(int events, int positions, int days) {
      Random random = new Random(42);
      List<LocalDate> weekdays = new ArrayList<>();
      for (LocalDate date = LocalDate.of(2026, 11, 30); weekdays.size() < days; date = date.minusDays(1)) {
        if (date.getDayOfWeek().getValue() <= 5) {
          weekdays.add(0, date);
        }
      }
      dates = weekdays;
      ends = dates.stream().map(PerformanceCalculator::endOf).toList();
      CurrencyCode eur = CurrencyCode.of("EUR");
      double[] level = new double[positions];
      for (int i = 0; i < positions; i++) {
        level[i] = 20 + random.nextInt(200);
      }
      double eurUsd = 1.08;
      for (LocalDate day : dates) {
        Instant at = day.atTime(16, 0).toInstant(java.time.ZoneOffset.UTC);
        for (int i = 0; i < positions; i++) {
          level[i] = Math.max(1, level[i] * (1 + random.nextGaussian() * 0.015));
          prices.add(new Price(InstrumentId.of("PB" + i), BigDecimal.valueOf(Math.round(level[i] * 100), 2),
              i % 5 == 4 ? eur : CurrencyCode.USD, at));
        }
        eurUsd *= 1 + random.nextGaussian() * 0.004;
        rates.add(new FxRate(eur, CurrencyCode.USD, BigDecimal.valueOf(Math.round(eurUsd * 100_000), 5), at));
      }
      Map<InstrumentId, List<Price>> byInstrument = new java.util.LinkedHashMap<>();
      prices.forEach(price -> byInstrument.computeIfAbsent(price.instrumentId(), id -> new ArrayList<>()).add(price));
      byInstrument.forEach((id, list) -> series.add(PriceHistory.Series.of(id, list)));
      Instant created = dates.get(0).atStartOfDay().toInstant(java.time.ZoneOffset.UTC);
      journal.add(new PortfolioCreated(PortfolioId.of("scaling"), "Scaling", CurrencyCode.USD, null,
          CostMethod.AVERAGE, new BigDecimal("0.02"), Map.of(), created, PortfolioSettings.NONE));
      journal.add(new CashFlowRecorded("dep-usd", CashFlowType.DEPOSIT, CurrencyCode.USD, new BigDecimal("50000000"),
          null, created.plusSeconds(3600), created.plusSeconds(3600)));
      journal.add(new CashFlowRecorded("dep-eur", CashFlowType.DEPOSIT, eur, new BigDecimal("10000000"), null,
          created.plusSeconds(3600), created.plusSeconds(3600)));
      Instant recorded = dates.get(dates.size() - 1).atTime(20, 0).toInstant(java.time.ZoneOffset.UTC);
      for (int trade = 0; journal.size() < events; trade++) {
        int instrument = trade < positions ? trade : random.nextInt(positions);
        LocalDate day = trade < positions ? dates.get(trade % Math.min(5, days))
            : dates.get(Math.min(days - 1, 5 + random.nextInt(Math.max(1, days - 5))));
        boolean sell = trade >= positions && random.nextInt(3) == 0;
        journal.add(new TradeRecorded("bt-" + trade, InstrumentId.of("PB" + instrument), "default",
            sell ? Side.SELL : Side.BUY, BigDecimal.valueOf(trade < positions ? 100 : 1 + random.nextInt(sell ? 150 : 40)),
            BigDecimal.valueOf(2000 + random.nextInt(20000), 2), instrument % 5 == 4 ? eur : CurrencyCode.USD,
            BigDecimal.ONE, day.atTime(10 + random.nextInt(6), 0).toInstant(java.time.ZoneOffset.UTC), recorded));
      }
    }
  }
}
