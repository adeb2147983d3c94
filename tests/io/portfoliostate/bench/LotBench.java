package io.portfoliostate.bench;

import io.portfoliostate.domain.CostMethod;
import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.Lot;
import io.portfoliostate.domain.PortfolioCreated;
import io.portfoliostate.domain.PortfolioEvent;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.domain.PortfolioRules;
import io.portfoliostate.domain.PortfolioState;
import io.portfoliostate.domain.Position;
import io.portfoliostate.domain.PositionKey;
import io.portfoliostate.domain.Side;
import io.portfoliostate.domain.TradeRecorded;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a trade costs in the lot methods as the open lots grow: pure domain code, no server, one
 * thread (what an owner's event loop pays per trade).
 *
 * <p>For each lot method and each count of open lots (every lot 1 unit, prices spread so that
 * HIFO's order differs from age order): the median time of one buy, of one sell closing one lot,
 * each applied to the same position (positions are immutable) in {@code reps} groups of 10 (fewer
 * where the old code is slow), the time of a group divided by 10; one sell
 * closing half of {@code bigLots} lots; the first sell on a position just built from a list of
 * lots (a loaded snapshot), which pays for any index the closing order needs; and the time to
 * replay {@code replay} trade events (3 buys to 1 sell) through {@link PortfolioRules#evolve},
 * once from an empty portfolio and once on top of a snapshot position of {@code replayBase} lots.
 *
 * <p>Options (key=value): lots=100,1000,10000,40000 reps=200 bigLots=40000 bigReps=3
 * replay=2000 replayBase=20000 replayReps=5 methods=FIFO,LIFO,HIFO
 */
public final class LotBench {

  private static final PositionKey KEY = new PositionKey(InstrumentId.of("AAPL"), PositionKey.DEFAULT_STRATEGY);
  private static final Instant T0 = Instant.parse("2026-01-02T14:30:00Z");
  private static final PortfolioId PORTFOLIO = PortfolioId.of("bench-lots");

  private static final int BATCH = 10;

  /** Keeps results reachable so that the JIT cannot drop the work. */
  private static Object sink;

  private LotBench() {
  }

  public static void main(String[] args) {
    BenchSupport.Options options = new BenchSupport.Options(args);
    List<Integer> counts = options.integers("lots", "100,1000,10000,40000");
    int reps = options.integer("reps", 200);
    int bigLots = options.integer("bigLots", 40_000);
    int bigReps = options.integer("bigReps", 3);
    int replay = options.integer("replay", 2_000);
    int replayBase = options.integer("replayBase", 20_000);
    int replayReps = options.integer("replayReps", 5);
    List<CostMethod> methods = new ArrayList<>();
    for (String name : options.string("methods", "FIFO,LIFO,HIFO").split(",")) {
      methods.add(CostMethod.valueOf(name.trim()));
    }
    System.out.printf(Locale.ROOT, "LotBench: java %s, %d processors%n", Runtime.version(),
        Runtime.getRuntime().availableProcessors());
    System.out.println("| method | open lots | buy (µs, median) | sell closing 1 lot (µs, median) "
        + "| first sell after load (ms) |");
    System.out.println("|---|---:|---:|---:|---:|");
    for (CostMethod method : methods) {
      for (int n : counts) {
        perTrade(method, n, reps);
      }
    }
    System.out.println();
    System.out.println("| method | sell closing " + bigLots / 2 + " of " + bigLots + " lots (ms, median) |");
    System.out.println("|---|---:|");
    for (CostMethod method : methods) {
      bigClose(method, bigLots, bigReps);
    }
    System.out.println();
    System.out.println("| method | replay " + replay + " trades from empty (ms, median) | replay " + replay
        + " trades on a " + replayBase + "-lot snapshot (ms, median) |");
    System.out.println("|---|---:|---:|");
    for (CostMethod method : methods) {
      replay(method, replay, replayBase, replayReps);
    }
  }

  private static void perTrade(CostMethod method, int n, int reps) {
    // Scale the repetitions down where one operation is slow, so that the old O(n) code finishes.
    int runs = Math.max(11, Math.min(reps, 400_000 / Math.max(n, 1)));
    long loadStart = System.nanoTime();
    Position loaded = book(n);
    Position warm = sellOne(loaded, method);
    double firstSellMs = (System.nanoTime() - loadStart) / 1e6;
    // Warm-up: the same work as measured, for the JIT.
    for (int i = 0; i < runs * BATCH; i++) {
      sink = buy(warm, method, i);
      sink = sellOne(warm, method);
    }
    // Timed in groups of BATCH operations (each applied to the same position): one clock read
    // per group keeps timer cost and jitter out of a figure of a few microseconds.
    List<Double> buys = new ArrayList<>();
    List<Double> sells = new ArrayList<>();
    for (int i = 0; i < runs; i++) {
      long start = System.nanoTime();
      for (int j = 0; j < BATCH; j++) {
        sink = buy(warm, method, i * BATCH + j);
      }
      long middle = System.nanoTime();
      for (int j = 0; j < BATCH; j++) {
        sink = sellOne(warm, method);
      }
      long end = System.nanoTime();
      buys.add((middle - start) / 1e3 / BATCH);
      sells.add((end - middle) / 1e3 / BATCH);
    }
    System.out.printf(Locale.ROOT, "| %s | %,d | %.1f | %.1f | %.1f |%n", method, n, BenchSupport.median(buys),
        BenchSupport.median(sells), firstSellMs);
  }

  private static void bigClose(CostMethod method, int n, int reps) {
    Position warm = sellOne(book(n + 1), method);
    sink = close(warm, method, n / 2);
    List<Double> times = new ArrayList<>();
    for (int i = 0; i < reps; i++) {
      long start = System.nanoTime();
      Position after = close(warm, method, n / 2);
      times.add((System.nanoTime() - start) / 1e6);
      if (after.lots().size() != n - n / 2) {
        throw new IllegalStateException("expected " + (n - n / 2) + " lots, found " + after.lots().size());
      }
    }
    System.out.printf(Locale.ROOT, "| %s | %.1f |%n", method, BenchSupport.median(times));
  }

  private static void replay(CostMethod method, int events, int base, int reps) {
    List<PortfolioEvent> trades = new ArrayList<>();
    for (int i = 0; i < events; i++) {
      boolean sell = i % 4 == 3;
      trades.add(new TradeRecorded("t" + i, KEY.instrumentId(), KEY.strategy(), sell ? Side.SELL : Side.BUY,
          BigDecimal.ONE, price(i * 7), CurrencyCode.USD, BigDecimal.ZERO, T0.plusSeconds(1_000_000 + i),
          T0.plusSeconds(1_000_000 + i)));
    }
    PortfolioState created = PortfolioRules.evolve(null, new PortfolioCreated(PORTFOLIO, "bench", CurrencyCode.USD,
        null, method, null, Map.of(), T0));
    Position snapshot = book(base);
    PortfolioState loaded = new PortfolioState(created.id(), created.name(), created.baseCurrency(), null, method,
        created.driftThreshold(), Map.of(), base, T0, T0, Map.of(KEY, snapshot), Map.of());
    List<Double> fromEmpty = new ArrayList<>();
    List<Double> onSnapshot = new ArrayList<>();
    for (int r = -1; r < reps; r++) {
      long start = System.nanoTime();
      PortfolioState state = created;
      for (PortfolioEvent trade : trades) {
        state = PortfolioRules.evolve(state, trade);
      }
      long middle = System.nanoTime();
      sink = state;
      // A fresh copy of the snapshot each time, as a load parses one.
      state = new PortfolioState(loaded.id(), loaded.name(), loaded.baseCurrency(), null, method,
          loaded.driftThreshold(), Map.of(), base, T0, T0, Map.of(KEY, copy(snapshot)), Map.of());
      long loadStart = System.nanoTime();
      for (PortfolioEvent trade : trades) {
        state = PortfolioRules.evolve(state, trade);
      }
      long end = System.nanoTime();
      sink = state;
      if (r >= 0) {
        fromEmpty.add((middle - start) / 1e6);
        onSnapshot.add((end - loadStart) / 1e6);
      }
    }
    System.out.printf(Locale.ROOT, "| %s | %.1f | %.1f |%n", method, BenchSupport.median(fromEmpty),
        BenchSupport.median(onSnapshot));
  }

  /** A long position of {@code n} one-unit lots, built from a list as a snapshot load builds it. */
  static Position book(int n) {
    List<Lot> lots = new ArrayList<>(n);
    BigDecimal cost = BigDecimal.ZERO;
    for (int i = 0; i < n; i++) {
      Lot lot = new Lot(BigDecimal.ONE, price(i), T0.plusSeconds(i), i + 1);
      lots.add(lot);
      cost = cost.add(lot.price());
    }
    BigDecimal quantity = BigDecimal.valueOf(n);
    BigDecimal average = n == 0 ? BigDecimal.ZERO : cost.divide(quantity, java.math.MathContext.DECIMAL128);
    return new Position(KEY, CurrencyCode.USD, quantity, average, cost, BigDecimal.ZERO, BigDecimal.ZERO, T0, T0,
        lots);
  }

  private static Position copy(Position p) {
    return new Position(p.key(), p.currency(), p.quantity(), p.averageCost(), p.costBasis(), p.realizedPnl(),
        p.fees(), p.openedAt(), p.updatedAt(), new ArrayList<>(p.lots()));
  }

  /** Prices 100.00 to 199.99 in a scattered order. */
  private static BigDecimal price(int i) {
    return BigDecimal.valueOf(10_000 + (i * 7_919L) % 10_000, 2);
  }

  private static Position buy(Position p, CostMethod method, int i) {
    return p.apply(BigDecimal.ONE, price(i + 13), BigDecimal.ZERO, T0.plusSeconds(10_000_000L + i),
        20_000_000L + i, T0, method);
  }

  private static Position sellOne(Position p, CostMethod method) {
    return close(p, method, 1);
  }

  private static Position close(Position p, CostMethod method, int units) {
    return p.apply(BigDecimal.valueOf(-units), new BigDecimal("150.00"), BigDecimal.ZERO, T0.plusSeconds(30_000_000L),
        30_000_000L, T0, method);
  }
}
