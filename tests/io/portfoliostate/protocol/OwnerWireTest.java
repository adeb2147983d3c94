package io.portfoliostate.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portfoliostate.domain.AmendTrade;
import io.portfoliostate.domain.ApplyBatch;
import io.portfoliostate.domain.ApplyCorporateAction;
import io.portfoliostate.domain.BatchDecision;
import io.portfoliostate.domain.CancelTrade;
import io.portfoliostate.domain.CashDividend;
import io.portfoliostate.domain.CashFlowType;
import io.portfoliostate.domain.CommandResult;
import io.portfoliostate.domain.ConvertFx;
import io.portfoliostate.domain.CostMethod;
import io.portfoliostate.domain.CreatePortfolio;
import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.IdempotentCommand;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.PortfolioCommand;
import io.portfoliostate.domain.PortfolioCreated;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.domain.PortfolioRules;
import io.portfoliostate.domain.PortfolioState;
import io.portfoliostate.domain.Position;
import io.portfoliostate.domain.RecordCashFlow;
import io.portfoliostate.domain.RecordTrade;
import io.portfoliostate.domain.Rejection;
import io.portfoliostate.domain.SetTargets;
import io.portfoliostate.domain.Side;
import io.portfoliostate.domain.TradeRecorded;
import io.portfoliostate.domain.UpdatePortfolio;
import io.vertx.core.buffer.Buffer;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The owner path's binary codecs ({@link OwnerWire}) over generated messages: every command kind
 * with generated decimals (small and past a long, with their scales), times to the nanosecond,
 * origins, keys and expected versions arrives equal to what was sent; every outcome kind too,
 * with positions traded up to 60 lots (several positions in one reply, as runs of lots). A
 * message in a format this node does not read, or cut short, fails; the JSON form of the version
 * before still reads.
 */
class OwnerWireTest {

  private static final PortfolioId ID = PortfolioId.of("wire-p");
  private static final Instant T0 = Instant.parse("2026-12-06T20:00:00Z");

  private static <T> T overTheWire(io.vertx.core.eventbus.MessageCodec<T, T> codec, T message) {
    Buffer buffer = Buffer.buffer().appendString("vertx header");
    codec.encodeToWire(buffer, message);
    return codec.decodeFromWire("vertx header".length(), buffer);
  }

  @Test
  void generatedRequestsOfEveryCommandKindArriveEqual() {
    Random random = new Random(15);
    for (int round = 0; round < 300; round++) {
      List<CommandEnvelope> envelopes = new ArrayList<>();
      int count = 1 + random.nextInt(6);
      for (int i = 0; i < count; i++) {
        Long expected = random.nextBoolean() ? null : random.nextLong();
        String key = random.nextBoolean() ? null : "key-" + random.nextInt(1000) + "-é€😀";
        envelopes.add(new CommandEnvelope(command(random), expected, key, origin(random)));
      }
      OwnerRequest.Execute sent = new OwnerRequest.Execute(ID, envelopes);
      OwnerRequest.Execute received = overTheWire(OwnerWire.EXECUTE, sent);
      assertThat(received.portfolioId()).isEqualTo(ID);
      assertThat(received.commands()).hasSize(count);
      for (int i = 0; i < count; i++) {
        CommandEnvelope before = sent.commands().get(i);
        CommandEnvelope after = received.commands().get(i);
        PortfolioCommand command = before.command();
        if (command instanceof RecordTrade || command instanceof RecordCashFlow || command instanceof ConvertFx
            || command instanceof CancelTrade || command instanceof ApplyBatch) {
          // Binary: exact to the scale, so the records are equal as they are.
          assertThat(after).as("round %d command %d", round, i).isEqualTo(before);
        } else {
          // Sent as their JSON text: decimals come back by value.
          assertThat(after.command()).usingRecursiveComparison()
              .withComparatorForType(BigDecimal::compareTo, BigDecimal.class).isEqualTo(before.command());
          assertThat(after.expectedVersion()).isEqualTo(before.expectedVersion());
          assertThat(after.idempotencyKey()).isEqualTo(before.idempotencyKey());
          assertThat(after.origin()).isEqualTo(before.origin());
        }
      }
    }
  }

  @Test
  void generatedOutcomesOfEveryKindArriveEqualLotForLot() {
    Random random = new Random(14);
    for (int round = 0; round < 100; round++) {
      PortfolioState state = PortfolioRules.evolve(null, new PortfolioCreated(ID, "wire", CurrencyCode.USD, null,
          random.nextBoolean() ? CostMethod.FIFO : CostMethod.LIFO, null, Map.of(), T0));
      List<CommandOutcome> outcomes = new ArrayList<>();
      int trades = 1 + random.nextInt(60);
      for (int i = 0; i < trades; i++) {
        String instrument = "I" + random.nextInt(3);
        Side side = random.nextInt(4) == 0 ? Side.SELL : Side.BUY;
        BigDecimal quantity = decimal(random, false);
        BigDecimal price = decimal(random, false);
        state = PortfolioRules.evolve(state, new TradeRecorded("t" + i, InstrumentId.of(instrument), "default", side,
            quantity, price, CurrencyCode.USD, BigDecimal.ZERO, T0.plusNanos(random.nextLong(1L << 40)),
            T0.plusSeconds(i)));
        RecordTrade trade = new RecordTrade(ID, "t" + i, InstrumentId.of(instrument), side, quantity, price, null,
            null, null, null);
        if (random.nextInt(3) > 0) {
          outcomes.add(new CommandOutcome.Recorded(CommandResult.of(trade, state), random.nextBoolean()));
        }
      }
      outcomes.add(new CommandOutcome.Recorded(CommandResult.of(new SetTargets(ID, Map.of(), null), state), true,
          List.of(0, 3), List.of(new BatchDecision.Refusal(1, Rejection.invalid("price", "must be > 0 ≠ ∞")))));
      outcomes.add(new CommandOutcome.Recorded(CommandResult.of(new RecordCashFlow(ID, "f", CashFlowType.DEPOSIT,
          CurrencyCode.USD, BigDecimal.TEN, null, null), state), false));
      outcomes.add(new CommandOutcome.Refused(Rejection.of(Rejection.Reason.values()[random.nextInt(9)], "détail")));
      outcomes.add(new CommandOutcome.Refused(Rejection.of(Rejection.Reason.INVALID, "2 items"),
          List.of(new BatchDecision.Refusal(0, Rejection.invalid("items[0].price", "x")),
              new BatchDecision.Refusal(7, Rejection.of(Rejection.Reason.ID_REUSED, "y")))));
      CommandOutcomes sent = new CommandOutcomes(outcomes);
      CommandOutcomes received = overTheWire(OwnerWire.OUTCOMES, sent);
      assertThat(received.outcomes()).hasSize(outcomes.size());
      for (int i = 0; i < outcomes.size(); i++) {
        CommandOutcome before = outcomes.get(i);
        CommandOutcome after = received.outcomes().get(i);
        if (before instanceof CommandOutcome.Recorded recorded && recorded.result().portfolio() != null) {
          CommandOutcome.Recorded arrived = (CommandOutcome.Recorded) after;
          assertThat(StateJson.toJson(arrived.result().portfolio()))
              .isEqualTo(StateJson.toJson(recorded.result().portfolio()));
          assertThat(arrived.replayedItems()).isEqualTo(recorded.replayedItems());
          assertThat(arrived.skippedItems()).isEqualTo(recorded.skippedItems());
        } else {
          // Positions, lots and cash exact to the scale: the records are equal.
          assertThat(after).as("round %d outcome %d", round, i).isEqualTo(before);
        }
      }
    }
  }

  @Test
  void aPositionOfBigDecimalsCrossesToTheLastDigitAndScale() {
    BigDecimal huge = new BigDecimal(new BigInteger("-123456789012345678901234567890123456789"), 17);
    BigDecimal trailing = new BigDecimal("1.500000");
    Position position = new Position(new io.portfoliostate.domain.PositionKey(InstrumentId.of("X"), "s-1"),
        CurrencyCode.of("EUR"), trailing, huge.abs(), new BigDecimal("0E-9"), huge, BigDecimal.ZERO,
        T0, T0.plusNanos(1), List.of(new io.portfoliostate.domain.Lot(trailing, huge.abs(), T0.plusNanos(999), 42)),
        null);
    CommandOutcomes sent = new CommandOutcomes(List.of(new CommandOutcome.Recorded(
        new CommandResult(ID, Long.MAX_VALUE, position, Map.of(CurrencyCode.of("EUR"), huge), null), false)));
    CommandResult arrived = ((CommandOutcome.Recorded) overTheWire(OwnerWire.OUTCOMES, sent).outcomes().get(0)).result();
    assertThat(arrived.position()).isEqualTo(position);
    assertThat(arrived.position().quantity().scale()).isEqualTo(6);
    assertThat(arrived.position().averageCost().toString()).isEqualTo("1234567890123456789012.34567890123456789");
    assertThat(arrived.cash().get(CurrencyCode.of("EUR"))).isEqualTo(huge);
  }

  @Test
  void aFormatThisNodeDoesNotReadOrAMessageCutShortFails() {
    Buffer request = Buffer.buffer();
    OwnerWire.EXECUTE.encodeToWire(request, new OwnerRequest.Execute(ID, List.of(CommandEnvelope.of(
        new RecordTrade(ID, "t-1", InstrumentId.of("AAPL"), Side.BUY, BigDecimal.ONE, BigDecimal.TEN, null, null,
            null, null)))));
    Buffer later = request.copy();
    later.setByte(0, (byte) 2);
    assertThatThrownBy(() -> OwnerWire.EXECUTE.decodeFromWire(0, later))
        .hasMessage("owner request in format 2, this node reads 1");
    Buffer cut = request.getBuffer(0, request.length() - 3);
    assertThatThrownBy(() -> OwnerWire.EXECUTE.decodeFromWire(0, cut)).isInstanceOf(RuntimeException.class);
    // A reply that names a kind of outcome this node does not know.
    Buffer reply = Buffer.buffer().appendByte((byte) 1).appendInt(1).appendByte((byte) 9);
    assertThatThrownBy(() -> OwnerWire.OUTCOMES.decodeFromWire(0, reply)).hasMessage("an outcome of kind 9");
  }

  /**
   * A rolling upgrade: a node of the version before sends its requests and replies as JSON under
   * the codec names it always used; this version reads them with the codecs it registers by those
   * names, and recognises its "no codec" answer to a binary request.
   */
  @Test
  void theJsonOfTheVersionBeforeStillReadsUnderItsOldNames() {
    assertThat(OwnerWire.LEGACY_EXECUTE.name()).isEqualTo("json:io.portfoliostate.protocol.OwnerRequest$Execute");
    assertThat(OwnerWire.LEGACY_OUTCOMES.name()).isEqualTo("json:io.portfoliostate.protocol.CommandOutcomes");
    OwnerRequest.Execute request = new OwnerRequest.Execute(ID, List.of(CommandEnvelope.of(new CancelTrade(ID,
        "t-1", "typo"))));
    Buffer old = Buffer.buffer();
    Buffer json = MessageJson.execute(request).toBuffer();
    old.appendInt(json.length()).appendBuffer(json);
    assertThat(OwnerWire.LEGACY_EXECUTE.decodeFromWire(0, old)).isEqualTo(request);
    assertThat(OwnerWire.unknownCodec("No message codec registered with name pstate.ownerExecute.v1")).isTrue();
    assertThat(OwnerWire.unknownCodec("No message codec registered with name other")).isFalse();
    assertThat(OwnerWire.unknownCodec(null)).isFalse();
  }

  private static PortfolioCommand command(Random random) {
    switch (random.nextInt(10)) {
      case 0:
      case 1:
        return trade(random);
      case 2:
        return cashFlow(random);
      case 3:
        return new ConvertFx(ID, "fx-" + random.nextInt(100), CurrencyCode.USD, CurrencyCode.of("EUR"),
            decimal(random, false), decimal(random, false));
      case 4:
        return new CancelTrade(ID, "t-" + random.nextInt(100), random.nextBoolean() ? null : "wrong desk ✓");
      case 5:
        List<IdempotentCommand> items = new ArrayList<>();
        for (int i = 0, n = 1 + random.nextInt(20); i < n; i++) {
          items.add(random.nextBoolean() ? trade(random) : cashFlow(random));
        }
        return new ApplyBatch(ID, items, random.nextBoolean());
      case 6:
        return new AmendTrade(ID, "t-1", Side.SELL, decimal(random, false), null, null, null, null, T0, "amend");
      case 7:
        return new CreatePortfolio(ID, "Fund ü", CurrencyCode.of("CHF"), null, CostMethod.HIFO,
            new BigDecimal("0.05"), Map.of(InstrumentId.of("A"), new BigDecimal("0.4")));
      case 8:
        return new UpdatePortfolio(ID, "Renamed", null, new BigDecimal("0.03"), null);
      default:
        return new ApplyCorporateAction(ID, new CashDividend("ca-" + random.nextInt(9), InstrumentId.of("A"),
            decimal(random, false), T0));
    }
  }

  private static RecordTrade trade(Random random) {
    return new RecordTrade(ID, "t-" + random.nextInt(1_000_000), InstrumentId.of("I" + random.nextInt(50)),
        random.nextBoolean() ? Side.BUY : Side.SELL, decimal(random, false), decimal(random, false),
        random.nextBoolean() ? null : CurrencyCode.of("JPY"), random.nextBoolean() ? null : decimal(random, true),
        random.nextBoolean() ? null : "strat-" + random.nextInt(5),
        random.nextBoolean() ? null : T0.plusNanos(random.nextLong(1L << 50)));
  }

  private static RecordCashFlow cashFlow(Random random) {
    CashFlowType type = CashFlowType.values()[random.nextInt(CashFlowType.values().length)];
    return new RecordCashFlow(ID, "f-" + random.nextInt(1_000_000), type, CurrencyCode.USD, decimal(random, false),
        random.nextBoolean() ? null : InstrumentId.of("I1"),
        random.nextBoolean() ? null : T0.minusNanos(random.nextLong(1L << 50)));
  }

  /** A positive decimal (or zero when allowed): a few digits, a price with trailing zeros, or past a long. */
  private static BigDecimal decimal(Random random, boolean zeroAllowed) {
    switch (random.nextInt(zeroAllowed ? 4 : 3)) {
      case 0:
        return BigDecimal.valueOf(1 + random.nextInt(10_000), random.nextInt(5));
      case 1:
        return new BigDecimal((1 + random.nextInt(999)) + ".5000");
      case 2:
        return new BigDecimal(new BigInteger(70, random).add(BigInteger.ONE), 18);
      default:
        return BigDecimal.ZERO;
    }
  }

  private static Origin origin(Random random) {
    switch (random.nextInt(4)) {
      case 0:
        return null;
      case 1:
        return Origin.rest("key:k-" + random.nextInt(9), random.nextBoolean() ? null : "req-ß");
      case 2:
        return Origin.pulsar("persistent://public/default/trades", "1:" + random.nextInt(99) + ":-1",
            random.nextBoolean() ? null : "desk");
      default:
        return Origin.corporateAction("ca-1", random.nextBoolean() ? null : "alice", null);
    }
  }
}
