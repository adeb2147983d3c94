package io.portfoliostate.bench;

import io.portfoliostate.domain.CommandResult;
import io.portfoliostate.domain.CostMethod;
import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.PortfolioCreated;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.domain.PortfolioRules;
import io.portfoliostate.domain.PortfolioState;
import io.portfoliostate.domain.RecordTrade;
import io.portfoliostate.domain.Side;
import io.portfoliostate.domain.TradeRecorded;
import io.portfoliostate.protocol.CommandEnvelope;
import io.portfoliostate.protocol.CommandOutcome;
import io.portfoliostate.protocol.CommandOutcomes;
import io.portfoliostate.protocol.Codecs;
import io.portfoliostate.protocol.OwnerRequest;
import io.portfoliostate.protocol.OwnerWire;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;
import java.lang.management.ManagementFactory;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What one trade costs on the owner path between two nodes, in isolation (one thread, no server,
 * no network): the gateway's node encodes the {@link OwnerRequest.Execute} with its event-bus
 * codec, the owner's node decodes it; the owner encodes its {@link CommandOutcomes} (the trade's
 * position after it, open lots included, as the API answers), the gateway's node decodes it. Per
 * round trip: the bytes on the wire and the bytes allocated (the thread's own count, exact on
 * one thread), for a position of {@code lots} open lots. {@code LiveBench} with two nodes
 * allocates 47.5 KB per commit with no subscriber against 20.8 KB on one node: this is the part
 * of the difference that the messages' own encoding makes.
 *
 * <p>{@code forms=binary,json}: the codecs the nodes use ({@link OwnerWire}, binary), and the JSON
 * form of the version before ({@link OwnerWire#LEGACY_EXECUTE}), one table each, in one run.
 *
 * <p>Options (key=value): lots=1,10,50 reps=20000 forms=binary,json
 */
public final class OwnerWireBench {

  private static final PortfolioId PORTFOLIO = PortfolioId.of("bench-owner-wire");
  private static final Instant T0 = Instant.parse("2026-01-02T14:30:00Z");
  private static final com.sun.management.ThreadMXBean THREAD =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  /** Keeps results reachable so that the JIT cannot drop the work. */
  private static Object sink;

  private OwnerWireBench() {
  }

  public static void main(String[] args) {
    BenchSupport.Options options = new BenchSupport.Options(args);
    List<Integer> lotCounts = options.integers("lots", "1,10,50");
    int reps = options.integer("reps", 20_000);
    System.out.printf(Locale.ROOT, "OwnerWireBench: java %s, %d processors%n", Runtime.version(),
        Runtime.getRuntime().availableProcessors());
    for (String form : options.string("forms", "binary,json").split(",")) {
      boolean json = form.equals("json");
      MessageCodec<OwnerRequest.Execute, OwnerRequest.Execute> requests =
          json ? OwnerWire.LEGACY_EXECUTE : Codecs.of(OwnerRequest.Execute.class);
      MessageCodec<CommandOutcomes, CommandOutcomes> replies =
          json ? OwnerWire.LEGACY_OUTCOMES : Codecs.of(CommandOutcomes.class);
      System.out.printf(Locale.ROOT, "%n%s: %s and %s%n", form, requests.name(), replies.name());
      System.out.println("| open lots of the position | request: bytes on the wire | request: allocated per encode "
          + "+ decode | reply: bytes on the wire | reply: allocated per encode + decode | both: allocated |");
      System.out.println("|---:|---:|---:|---:|---:|---:|");
      run(lotCounts.get(0), reps, false, requests, replies);
      for (int lots : lotCounts) {
        run(lots, reps, true, requests, replies);
      }
    }
  }

  private static void run(int lots, int reps, boolean print,
      MessageCodec<OwnerRequest.Execute, OwnerRequest.Execute> requests,
      MessageCodec<CommandOutcomes, CommandOutcomes> replies) {
    PortfolioState before = book(lots);
    RecordTrade trade = new RecordTrade(PORTFOLIO, "live-123456", InstrumentId.of("I0"), Side.BUY,
        BigDecimal.valueOf(37), new BigDecimal("123.45"), null, null, null, null);
    PortfolioState after = PortfolioRules.evolve(before, new TradeRecorded("live-123456", InstrumentId.of("I0"),
        "default", Side.BUY, BigDecimal.valueOf(37), new BigDecimal("123.45"), CurrencyCode.USD, BigDecimal.ZERO,
        T0.plusSeconds(lots), T0.plusSeconds(lots)));
    OwnerRequest.Execute request = new OwnerRequest.Execute(PORTFOLIO, List.of(CommandEnvelope.of(trade)));
    CommandOutcomes reply = new CommandOutcomes(List.of(
        new CommandOutcome.Recorded(CommandResult.of(trade, after), false)));
    int requestBytes = wire(requests, request).length();
    int replyBytes = wire(replies, reply).length();
    long requestAllocated = 0;
    long replyAllocated = 0;
    for (int i = 0; i < reps; i++) {
      long start = THREAD.getCurrentThreadAllocatedBytes();
      sink = requests.decodeFromWire(0, wire(requests, request));
      long middle = THREAD.getCurrentThreadAllocatedBytes();
      sink = replies.decodeFromWire(0, wire(replies, reply));
      long end = THREAD.getCurrentThreadAllocatedBytes();
      requestAllocated += middle - start;
      replyAllocated += end - middle;
    }
    // Read back as the gateway reads it: decimals come back without trailing zeros, so compare values.
    CommandOutcomes check = replies.decodeFromWire(0, wire(replies, reply));
    CommandResult result = ((CommandOutcome.Recorded) check.outcomes().get(0)).result();
    CommandResult sent = CommandResult.of(trade, after);
    RecordTrade readTrade = (RecordTrade) requests.decodeFromWire(0, wire(requests, request)).commands().get(0).command();
    if (result.version() != sent.version() || result.position().lots().size() != sent.position().lots().size()
        || result.position().quantity().compareTo(sent.position().quantity()) != 0
        || !readTrade.tradeId().equals(trade.tradeId())) {
      throw new IllegalStateException("a message read back differs from the one sent");
    }
    if (print) {
      System.out.printf(Locale.ROOT, "| %,d | %,d | %,d | %,d | %,d | %,d |%n", lots, requestBytes,
          requestAllocated / reps, replyBytes, replyAllocated / reps, (requestAllocated + replyAllocated) / reps);
    }
  }

  private static <T> Buffer wire(MessageCodec<T, T> codec, T message) {
    Buffer buffer = Buffer.buffer();
    codec.encodeToWire(buffer, message);
    return buffer;
  }

  /** A portfolio with one FIFO position of {@code lots} open lots, each bought at its own price. */
  private static PortfolioState book(int lots) {
    PortfolioState state = PortfolioRules.evolve(null, new PortfolioCreated(PORTFOLIO, "bench", CurrencyCode.USD,
        null, CostMethod.FIFO, null, Map.of(), T0));
    for (int i = 0; i < lots; i++) {
      state = PortfolioRules.evolve(state, new TradeRecorded("t" + i, InstrumentId.of("I0"), "default", Side.BUY,
          BigDecimal.valueOf(1 + i % 100), BigDecimal.valueOf(10_000 + (i * 7_919L) % 10_000, 2), CurrencyCode.USD,
          BigDecimal.ZERO, T0.plusSeconds(i), T0.plusSeconds(i)));
    }
    return state;
  }
}
