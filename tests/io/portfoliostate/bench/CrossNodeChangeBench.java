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
import io.portfoliostate.protocol.ChangeBatch;
import io.portfoliostate.protocol.ChangeBatchCodec;
import io.portfoliostate.protocol.Codecs;
import io.portfoliostate.protocol.EventJson;
import io.portfoliostate.protocol.EventText;
import io.portfoliostate.protocol.MessageJson;
import io.portfoliostate.protocol.PortfolioChange;
import io.portfoliostate.protocol.StateJson;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.json.JsonObject;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What one committed change costs when it crosses to a live hub on another node, in isolation
 * (one thread, no server, no network): the owner encodes the {@link PortfolioChange} with its
 * event-bus codec, the receiving node decodes it and turns it into the state its hub delivers
 * from (it evolves its own copy). The book has {@code positions} FIFO positions holding {@code
 * lots} open lots between them (at least one each); the change is one buy of the first position.
 *
 * <p>Columns: the bytes the JSON codec writes (what crossed the cluster per commit and watching
 * node until changes crossed in batches), the owner's encode, the follower's decode plus whatever
 * it must do to have the new state; the same for the binary form changes cross in now ({@link
 * ChangeBatchCodec}, one change in a batch of its own); then
 * the same for the message with the whole state in it, as changes crossed before (still read
 * from a node of the version before); medians of {@code reps} groups of 10, in µs of the thread's
 * CPU time, so that other work on a shared machine does not count. A first pass over the smallest
 * book warms the JIT up and is not printed.
 *
 * <p>Options (key=value): lots=10,1000,10000 positions=10,500 reps=200
 */
public final class CrossNodeChangeBench {

  private static final PortfolioId PORTFOLIO = PortfolioId.of("bench-cross");
  private static final Instant T0 = Instant.parse("2026-01-02T14:30:00Z");
  private static final int BATCH = 10;
  /** CPU time of this thread, not wall time: the machine is shared, and a wall clock counts the others' turns. */
  private static final ThreadMXBean THREAD = ManagementFactory.getThreadMXBean();

  /** Keeps results reachable so that the JIT cannot drop the work. */
  private static Object sink;

  private CrossNodeChangeBench() {
  }

  public static void main(String[] args) {
    BenchSupport.Options options = new BenchSupport.Options(args);
    List<Integer> lotCounts = options.integers("lots", "10,1000,10000");
    List<Integer> positionCounts = options.integers("positions", "10,500");
    int reps = options.integer("reps", 200);
    System.out.printf(Locale.ROOT, "CrossNodeChangeBench: java %s, %d processors%n", Runtime.version(),
        Runtime.getRuntime().availableProcessors());
    System.out.println("| positions | open lots in the book (per position) | bytes on the wire | encode (µs, median) "
        + "| decode + follower's state (µs, median) | binary batch: bytes | encode | decode + state "
        + "| with the state: bytes | encode | decode |");
    System.out.println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    run(positionCounts.get(0), lotCounts.get(0), reps * 5, false);
    for (int positions : positionCounts) {
      for (int lots : lotCounts) {
        run(positions, lots, Math.max(11, Math.min(reps, 2_000_000 / Math.max(1, lots * 10))), true);
      }
    }
  }

  private static void run(int positions, int lots, int reps, boolean print) {
    int perPosition = Math.max(1, lots / positions);
    PortfolioState before = book(positions, perPosition);
    TradeRecorded buy = trade("buy", 0, Side.BUY, perPosition + 1);
    PortfolioState after = PortfolioRules.evolve(before, buy);
    List<PortfolioEvent> events = List.of(buy);
    List<EventText> recorded = List.of(new EventText(after.version(), EventJson.type(buy), T0,
        EventJson.toJson(buy).encode(), null));
    PortfolioChange change = new PortfolioChange(after, before.version(), events, recorded);
    MessageCodec<PortfolioChange, PortfolioChange> codec = Codecs.of(PortfolioChange.class);
    Buffer wire = Buffer.buffer();
    codec.encodeToWire(wire, change);
    int bytes = wire.length();
    for (int i = 0; i < reps * BATCH; i++) {
      Buffer buffer = Buffer.buffer();
      codec.encodeToWire(buffer, change);
      sink = received(before, codec.decodeFromWire(0, buffer));
    }
    List<Double> encode = new ArrayList<>();
    List<Double> decode = new ArrayList<>();
    for (int r = 0; r < reps; r++) {
      Buffer[] buffers = new Buffer[BATCH];
      long start = THREAD.getCurrentThreadCpuTime();
      for (int j = 0; j < BATCH; j++) {
        buffers[j] = Buffer.buffer();
        codec.encodeToWire(buffers[j], change);
      }
      long middle = THREAD.getCurrentThreadCpuTime();
      for (int j = 0; j < BATCH; j++) {
        sink = received(before, codec.decodeFromWire(0, buffers[j]));
      }
      long end = THREAD.getCurrentThreadCpuTime();
      encode.add((middle - start) / 1e3 / BATCH);
      decode.add((end - middle) / 1e3 / BATCH);
    }
    // The binary form changes cross in now (ChangeBatchCodec): one change in a batch of its own.
    List<Double> binaryEncode = new ArrayList<>();
    List<Double> binaryDecode = new ArrayList<>();
    int binaryBytes = binary(change).length();
    for (int i = 0; i < reps * BATCH; i++) {
      sink = ChangeBatchCodec.INSTANCE.decodeFromWire(0, binary(change)).changes().get(0).stateAfter(before);
    }
    for (int r = 0; r < reps; r++) {
      Buffer[] buffers = new Buffer[BATCH];
      long start = THREAD.getCurrentThreadCpuTime();
      for (int j = 0; j < BATCH; j++) {
        buffers[j] = binary(change);
      }
      long middle = THREAD.getCurrentThreadCpuTime();
      for (int j = 0; j < BATCH; j++) {
        sink = ChangeBatchCodec.INSTANCE.decodeFromWire(0, buffers[j]).changes().get(0).stateAfter(before);
      }
      long end = THREAD.getCurrentThreadCpuTime();
      binaryEncode.add((middle - start) / 1e3 / BATCH);
      binaryDecode.add((end - middle) / 1e3 / BATCH);
    }
    // The form before the change crossed without the state: the same message with the whole
    // state in it, which the decoder still reads (from a node of the version before).
    List<Double> stateEncode = new ArrayList<>();
    List<Double> stateDecode = new ArrayList<>();
    int stateBytes = withState(change).length();
    for (int r = 0; r < reps; r++) {
      Buffer[] buffers = new Buffer[BATCH];
      long start = THREAD.getCurrentThreadCpuTime();
      for (int j = 0; j < BATCH; j++) {
        buffers[j] = withState(change);
      }
      long middle = THREAD.getCurrentThreadCpuTime();
      for (int j = 0; j < BATCH; j++) {
        sink = MessageJson.change(new JsonObject(buffers[j])).stateAfter(before);
      }
      long end = THREAD.getCurrentThreadCpuTime();
      stateEncode.add((middle - start) / 1e3 / BATCH);
      stateDecode.add((end - middle) / 1e3 / BATCH);
    }
    PortfolioState check = received(before, codec.decodeFromWire(0, wire));
    if (check.version() != after.version() || !StateJson.toJson(check).equals(StateJson.toJson(after))) {
      throw new IllegalStateException("the follower's state differs from the owner's");
    }
    if (!print) {
      return;
    }
    PortfolioState binaryCheck = ChangeBatchCodec.INSTANCE.decodeFromWire(0, binary(change)).changes().get(0)
        .stateAfter(before);
    if (!StateJson.toJson(binaryCheck).equals(StateJson.toJson(after))) {
      throw new IllegalStateException("the follower's state from the binary form differs from the owner's");
    }
    System.out.printf(Locale.ROOT, "| %,d | %,d (%,d) | %,d | %.1f | %.1f | %,d | %.1f | %.1f | %,d | %.1f | %.1f |%n",
        positions, positions * perPosition, perPosition, bytes, BenchSupport.median(encode),
        BenchSupport.median(decode), binaryBytes, BenchSupport.median(binaryEncode),
        BenchSupport.median(binaryDecode), stateBytes, BenchSupport.median(stateEncode),
        BenchSupport.median(stateDecode));
  }

  /** The change in a batch of its own, as an owner sends it to another node's hub now. */
  private static Buffer binary(PortfolioChange change) {
    ChangeBatch.Outgoing batch = new ChangeBatch.Outgoing();
    batch.add(ChangeBatchCodec.encode(change, 1));
    Buffer wire = Buffer.buffer();
    ChangeBatchCodec.INSTANCE.encodeToWire(wire, batch.sentAt(2));
    return wire;
  }

  /** The change with its whole state, as it crossed before. */
  private static Buffer withState(PortfolioChange change) {
    return MessageJson.change(change).put("state", StateJson.toJson(change.state())).toBuffer();
  }

  /**
   * The state the follower delivers from once it has the change: its own copy evolved by the
   * events and checked ({@link PortfolioChange#stateAfter}; the state the message carried, before
   * the change crossed without it).
   */
  private static PortfolioState received(PortfolioState before, PortfolioChange change) {
    return change.stateAfter(before);
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
