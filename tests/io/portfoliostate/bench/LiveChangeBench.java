package io.portfoliostate.bench;

import io.portfoliostate.domain.CostMethod;
import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.PortfolioCreated;
import io.portfoliostate.domain.PortfolioEvent;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.domain.PortfolioRules;
import io.portfoliostate.domain.PortfolioState;
import io.portfoliostate.domain.Position;
import io.portfoliostate.domain.PositionKey;
import io.portfoliostate.domain.Side;
import io.portfoliostate.domain.TradeRecorded;
import io.portfoliostate.gateway.LiveMessages;
import io.portfoliostate.protocol.EventJson;
import io.portfoliostate.protocol.EventText;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the live hub pays per followed commit to build the change message, in isolation (one
 * thread, no server), as the touched position's open lots grow: the state has {@code positions}
 * FIFO positions of {@code lots} open lots each, and the change is one buy of one of them.
 *
 * <p>{@code evolving}: {@link LiveMessages#change(PortfolioState, long, List, PortfolioState)},
 * the hub's work when it is handed events only (it evolves each event again for its alerts and
 * encodes it; before this harness's change it also rendered the touched position with all its
 * lots). {@code recorded}: the same message spliced from the text the owner journaled ({@link
 * EventText}), as the hub builds it now. {@code touched position with its lots}: the touched
 * position alone rendered as the REST API shows it, lots included, which the summary carried
 * before it left them out (the old message cost at least this on top). Medians of {@code reps} groups of 10 messages, each
 * message encoded to the text written to the sockets.
 *
 * <p>Options (key=value): lots=1,100,1000,10000 positions=50 reps=200
 */
public final class LiveChangeBench {

  private static final PortfolioId PORTFOLIO = PortfolioId.of("bench-live");
  private static final Instant T0 = Instant.parse("2026-01-02T14:30:00Z");
  private static final int BATCH = 10;

  /** Keeps results reachable so that the JIT cannot drop the work. */
  private static Object sink;

  private LiveChangeBench() {
  }

  public static void main(String[] args) {
    BenchSupport.Options options = new BenchSupport.Options(args);
    List<Integer> counts = options.integers("lots", "1,100,1000,10000");
    int positions = options.integer("positions", 50);
    int reps = options.integer("reps", 200);
    System.out.printf(Locale.ROOT, "LiveChangeBench: java %s, %d processors, %d positions%n", Runtime.version(),
        Runtime.getRuntime().availableProcessors(), positions);
    System.out.println("| open lots per position | touched position with its lots (µs, median) "
        + "| evolving (µs, median) | recorded (µs, median) | message bytes |");
    System.out.println("|---:|---:|---:|---:|---:|");
    for (int lots : counts) {
      run(positions, lots, Math.max(11, Math.min(reps, 2_000_000 / Math.max(1, lots * 10))));
    }
  }

  private static void run(int positions, int lots, int reps) {
    PortfolioState before = book(positions, lots);
    TradeRecorded buy = trade("buy", 0, Side.BUY, lots + 1);
    PortfolioState after = PortfolioRules.evolve(before, buy);
    List<PortfolioEvent> events = List.of(buy);
    List<EventText> recorded = List.of(new EventText(after.version(), EventJson.type(buy), T0,
        EventJson.toJson(buy).encode(), null));
    long from = before.version();
    String text = LiveMessages.change(before, from, events, recorded, after).body();
    // The touched position alone, rendered with all its lots as the REST API shows it (what the
    // summary carried per touched position before it left the lots out).
    PositionKey key = buy.positionKey();
    PortfolioState touched = new PortfolioState(after.id(), after.name(), after.baseCurrency(), null,
        CostMethod.FIFO, new BigDecimal("0.05"), Map.of(), after.version(), T0, T0,
        Map.of(key, after.positions().get(key)), Map.of());
    for (int i = 0; i < reps * BATCH; i++) {
      sink = body(LiveMessages.change(before, from, events, after));
      sink = body(LiveMessages.change(before, from, events, recorded, after));
      sink = LiveMessages.snapshot(touched).encode();
    }
    List<Double> withLots = new ArrayList<>();
    List<Double> evolving = new ArrayList<>();
    List<Double> spliced = new ArrayList<>();
    for (int r = 0; r < reps; r++) {
      long start = System.nanoTime();
      for (int j = 0; j < BATCH; j++) {
        sink = body(LiveMessages.change(before, from, events, after));
      }
      long middle = System.nanoTime();
      for (int j = 0; j < BATCH; j++) {
        sink = body(LiveMessages.change(before, from, events, recorded, after));
      }
      long end = System.nanoTime();
      for (int j = 0; j < BATCH; j++) {
        sink = LiveMessages.snapshot(touched).encode();
      }
      withLots.add((System.nanoTime() - end) / 1e3 / BATCH);
      evolving.add((middle - start) / 1e3 / BATCH);
      spliced.add((end - middle) / 1e3 / BATCH);
    }
    System.out.printf(Locale.ROOT, "| %,d | %.1f | %.1f | %.1f | %,d |%n", lots, BenchSupport.median(withLots),
        BenchSupport.median(evolving), BenchSupport.median(spliced), text.length());
  }

  /** The message as the text written to the sockets. */
  private static String body(LiveMessages.Change change) {
    return change.body();
  }

  private static PortfolioState book(int positions, int lots) {
    PortfolioState state = PortfolioRules.evolve(null, new PortfolioCreated(PORTFOLIO, "bench", CurrencyCode.USD,
        null, CostMethod.FIFO, null, Map.of(), T0));
    Map<PositionKey, Position> book = new HashMap<>();
    for (int p = 0; p < positions; p++) {
      PortfolioState one = state;
      for (int i = 0; i < lots; i++) {
        one = PortfolioRules.evolve(one, trade("t" + p + "-" + i, p, Side.BUY, i));
      }
      book.putAll(one.positions());
    }
    return new PortfolioState(state.id(), state.name(), state.baseCurrency(), null, CostMethod.FIFO,
        new BigDecimal("0.05"), Map.of(), state.version() + (long) positions * lots, T0, T0, book, Map.of());
  }

  private static TradeRecorded trade(String id, int instrument, Side side, int i) {
    return new TradeRecorded(id, InstrumentId.of("I" + instrument), "default", side, BigDecimal.ONE,
        BigDecimal.valueOf(10_000 + (i * 7_919L) % 10_000, 2), CurrencyCode.USD, BigDecimal.ZERO,
        T0.plusSeconds(i), T0.plusSeconds(i));
  }
}
