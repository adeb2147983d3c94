package io.portfoliostate.bench;

import io.portfoliostate.domain.CommandResult;
import io.portfoliostate.domain.CostMethod;
import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.PortfolioCreated;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.domain.PortfolioRules;
import io.portfoliostate.domain.PortfolioState;
import io.portfoliostate.domain.PositionKey;
import io.portfoliostate.domain.RecordTrade;
import io.portfoliostate.domain.Side;
import io.portfoliostate.domain.TradeRecorded;
import io.portfoliostate.protocol.CommandOutcome;
import io.portfoliostate.protocol.CommandOutcomes;
import io.portfoliostate.protocol.Codecs;
import io.portfoliostate.protocol.StateJson;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.eventbus.MessageCodec;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the answer to a {@code trades:batch} costs its owner when it goes to another node's
 * gateway: the {@link CommandOutcomes} of {@code trades} trades into one position of {@code lots}
 * open FIFO lots (each trade's result carries its position after it, lots included, as the API
 * answers), encoded by the event-bus codec ({@code encodeToWire}: what the owner's event loop does
 * before the reply leaves), and decoded as the gateway does; against the same answer written as
 * the codec wrote it before (every result's position whole, {@link StateJson#position}) and read
 * back. Half the trades buy (a lot more),
 * half sell one unit (the oldest lot shrinks or closes), alternating. Options: lots=1500
 * trades=300 reps=20.
 */
public final class BatchAnswerBench {

  private static final PortfolioId ID = PortfolioId.of("bench-batch");
  private static final PositionKey KEY = new PositionKey(InstrumentId.of("BB"), PositionKey.DEFAULT_STRATEGY);
  private static final Instant T0 = Instant.parse("2026-01-02T14:30:00Z");
  private static Object sink;

  private BatchAnswerBench() {
  }

  public static void main(String[] args) {
    BenchSupport.Options options = new BenchSupport.Options(args);
    int lots = options.integer("lots", 1500);
    int trades = options.integer("trades", 300);
    int reps = options.integer("reps", 20);
    BenchSupport.printMachine("BatchAnswerBench", options);
    PortfolioState state = PortfolioRules.evolve(null, new PortfolioCreated(ID, "bench", CurrencyCode.USD, null,
        CostMethod.FIFO, null, Map.of(), T0));
    for (int i = 0; i < lots; i++) {
      state = PortfolioRules.evolve(state, trade("open-" + i, Side.BUY, "10", i));
    }
    List<CommandOutcome> outcomes = new ArrayList<>(trades);
    for (int i = 0; i < trades; i++) {
      Side side = i % 2 == 0 ? Side.BUY : Side.SELL;
      state = PortfolioRules.evolve(state, trade("b-" + i, side, side == Side.BUY ? "10" : "1", lots + i));
      RecordTrade command = new RecordTrade(ID, "b-" + i, KEY.instrumentId(), side, BigDecimal.ONE, BigDecimal.TEN,
          null, null, null, null);
      outcomes.add(new CommandOutcome.Recorded(CommandResult.of(command, state), false));
    }
    CommandOutcomes answer = new CommandOutcomes(outcomes);
    MessageCodec<CommandOutcomes, CommandOutcomes> codec = Codecs.of(CommandOutcomes.class);
    // The codec's answer decodes to every trade's position, lots included, exactly as sent.
    CommandOutcomes check = codec.decodeFromWire(0, wire(codec, answer));
    for (int i = 0; i < trades; i++) {
      if (!StateJson.position(position(check, i)).encode().equals(StateJson.position(position(answer, i)).encode())) {
        throw new IllegalStateException("trade " + i + ": the decoded position differs from the one sent");
      }
    }
    List<Double> encodeBefore = new ArrayList<>();
    List<Double> decodeBefore = new ArrayList<>();
    List<Double> encode = new ArrayList<>();
    List<Double> decode = new ArrayList<>();
    int bytesBefore = 0;
    int bytes = 0;
    for (int r = -3; r < reps; r++) {
      // Before: every result's position written whole, as the codec did (MessageJson before lot runs).
      long start = System.nanoTime();
      Buffer whole = everyLot(answer).toBuffer();
      long encoded = System.nanoTime();
      JsonObject parsed = new JsonObject(whole);
      for (Object item : parsed.getJsonArray("outcomes")) {
        sink = StateJson.position(((JsonObject) item).getJsonObject("result").getJsonObject("position"));
      }
      long decoded = System.nanoTime();
      bytesBefore = whole.length();
      // Now: the event-bus codec, each later result's lots as runs of the one before.
      long start2 = System.nanoTime();
      Buffer wire = wire(codec, answer);
      long encoded2 = System.nanoTime();
      sink = codec.decodeFromWire(0, wire);
      long decoded2 = System.nanoTime();
      bytes = wire.length();
      if (r >= 0) {
        encodeBefore.add((encoded - start) / 1e6);
        decodeBefore.add((decoded - encoded) / 1e6);
        encode.add((encoded2 - start2) / 1e6);
        decode.add((decoded2 - encoded2) / 1e6);
      }
    }
    System.out.printf(Locale.ROOT, "%d trades on a position of %d lots, medians of %d:%n", trades, lots, reps);
    System.out.printf(Locale.ROOT, "| every result's lots (before) | %.1f ms | %.1f ms | %.2f MB |%n",
        BenchSupport.median(encodeBefore), BenchSupport.median(decodeBefore), bytesBefore / 1e6);
    System.out.printf(Locale.ROOT, "| lot runs (now) | %.2f ms | %.1f ms | %.3f MB |%n",
        BenchSupport.median(encode), BenchSupport.median(decode), bytes / 1e6);
    System.out.println("encode runs before (ms): " + encodeBefore);
    System.out.println("encode runs now (ms): " + encode);
  }

  private static Buffer wire(MessageCodec<CommandOutcomes, CommandOutcomes> codec, CommandOutcomes answer) {
    Buffer wire = Buffer.buffer();
    codec.encodeToWire(wire, answer);
    return wire;
  }

  private static io.portfoliostate.domain.Position position(CommandOutcomes outcomes, int i) {
    return ((CommandOutcome.Recorded) outcomes.outcomes().get(i)).result().position();
  }

  /** The answer as the codec wrote it before lot runs: each result with its position whole. */
  private static JsonObject everyLot(CommandOutcomes outcomes) {
    JsonArray items = new JsonArray();
    for (CommandOutcome outcome : outcomes.outcomes()) {
      CommandResult result = ((CommandOutcome.Recorded) outcome).result();
      JsonObject cash = new JsonObject();
      result.cash().forEach((currency, balance) -> cash.put(currency.value(), balance.toPlainString()));
      items.add(new JsonObject().put("result", new JsonObject().put("portfolioId", result.portfolioId().value())
          .put("version", result.version()).put("cash", cash).put("position", StateJson.position(result.position())))
          .put("replay", false));
    }
    return new JsonObject().put("outcomes", items);
  }

  private static TradeRecorded trade(String id, Side side, String quantity, int n) {
    return new TradeRecorded(id, KEY.instrumentId(), KEY.strategy(), side, new BigDecimal(quantity),
        BigDecimal.valueOf(10000 + n % 997, 2), CurrencyCode.USD, BigDecimal.ZERO, T0.plusSeconds(n),
        T0.plusSeconds(n));
  }
}
