package io.portfoliostate.protocol;

import io.portfoliostate.domain.ApplyBatch;
import io.portfoliostate.domain.BatchDecision;
import io.portfoliostate.domain.CancelTrade;
import io.portfoliostate.domain.CashFlowType;
import io.portfoliostate.domain.CommandResult;
import io.portfoliostate.domain.ConvertFx;
import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.DomainViolation;
import io.portfoliostate.domain.IdempotentCommand;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.Lot;
import io.portfoliostate.domain.PortfolioCommand;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.domain.Position;
import io.portfoliostate.domain.PositionKey;
import io.portfoliostate.domain.RecordCashFlow;
import io.portfoliostate.domain.RecordTrade;
import io.portfoliostate.domain.Rejection;
import io.portfoliostate.domain.Side;
import io.portfoliostate.protocol.WireData.Reader;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The owner path between nodes in binary: a gateway's {@link OwnerRequest.Execute} and the
 * owner's {@link CommandOutcomes}, as {@link ChangeBatchCodec} does for changes. Their JSON form
 * ({@link MessageJson}) built a tree of JsonObjects for every message and printed and parsed
 * every decimal and time of the trade, its position and each open lot: 30–35 bytes allocated per
 * byte sent, 28 KB per trade of one lot and 158 KB of fifty (OwnerWireBench). Here the fields
 * are written one after the other ({@link WireData}: decimals as unscaled value and scale, times
 * as seconds and nanos) and read back into the records through their constructors, so a command
 * is validated again on the owner's side as before.
 *
 * <p>The trade, the cash flow, the conversion, the cancel and a batch of them (the commands sent
 * at rate) are binary; the others (create, update, targets, amend, corporate action: rare, with
 * nested settings) are their {@link CommandJson} text, as is a result's whole portfolio (the
 * answer to those). A position crosses exactly, lots included, and a position's later results in
 * one reply send their lots as runs of the previous result's (as {@link MessageJson} does).
 *
 * <p>Versions: each message starts with its format byte, and the codecs' names carry their
 * version ({@code pstate.ownerExecute.v1}). A node of the version before (JSON only) that gets a
 * binary request does not know the name: Vert.x answers the sender at once with an ERROR "No
 * message codec registered with name ..." before anything is decoded, and the sender's {@code
 * OwnerClient} sends that node the JSON form from then on ({@link #LEGACY_EXECUTE}). An owner
 * answers in the form it was asked in, so a gateway of the version before gets JSON. A format
 * byte this node does not know fails the decoding with its number, never a misread.
 */
public final class OwnerWire {

  /** The JSON codecs of the version before, kept registered by name to talk to its nodes in a rolling upgrade. */
  public static final JsonWireCodec<OwnerRequest.Execute> LEGACY_EXECUTE =
      JsonWireCodec.of(OwnerRequest.Execute.class, MessageJson::execute, MessageJson::execute);
  public static final JsonWireCodec<CommandOutcomes> LEGACY_OUTCOMES =
      JsonWireCodec.of(CommandOutcomes.class, MessageJson::outcomes, MessageJson::outcomes);

  /** The codecs; registered on every node as the default codecs of their types. */
  public static final ExecuteCodec EXECUTE = new ExecuteCodec();
  public static final OutcomesCodec OUTCOMES = new OutcomesCodec();

  /** What Vert.x answers when a node does not know a codec: how an older node is recognised. */
  public static final String UNKNOWN_CODEC = "No message codec registered with name ";

  private static final byte FORMAT = 1;

  private static final byte COMMAND_AS_JSON = 0;
  private static final byte RECORD_TRADE = 1;
  private static final byte RECORD_CASH_FLOW = 2;
  private static final byte CONVERT_FX = 3;
  private static final byte CANCEL_TRADE = 4;
  private static final byte APPLY_BATCH = 5;

  private static final byte RECORDED = 1;
  private static final byte REFUSED = 2;

  private static final byte LOTS_WHOLE = 0;
  private static final byte LOTS_AS_RUNS = 1;
  private static final byte RUN = 0;
  private static final byte NEW_LOT = 1;

  private OwnerWire() {
  }

  /** Whether a request failed because its node does not know this version's codecs (it decoded nothing). */
  public static boolean unknownCodec(String failureMessage) {
    return failureMessage != null && failureMessage.startsWith(UNKNOWN_CODEC + "pstate.");
  }

  /** The request: format, portfolio id, count, then per command its envelope and the command. */
  public static final class ExecuteCodec implements MessageCodec<OwnerRequest.Execute, OwnerRequest.Execute> {

    private ExecuteCodec() {
    }

    @Override
    public void encodeToWire(Buffer out, OwnerRequest.Execute request) {
      out.appendByte(FORMAT);
      WireData.string(out, request.portfolioId().value());
      out.appendInt(request.commands().size());
      for (CommandEnvelope envelope : request.commands()) {
        WireData.nullableLong(out, envelope.expectedVersion());
        WireData.string(out, envelope.idempotencyKey());
        origin(out, envelope.origin());
        command(out, envelope.command());
      }
    }

    @Override
    public OwnerRequest.Execute decodeFromWire(int pos, Buffer buffer) {
      Reader in = new Reader(buffer, pos);
      format(in, "owner request");
      PortfolioId id = PortfolioId.of(in.string());
      int count = in.count();
      List<CommandEnvelope> commands = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        Long expectedVersion = in.nullableLong();
        String key = in.string();
        Origin origin = origin(in);
        commands.add(new CommandEnvelope(command(in), expectedVersion, key, origin));
      }
      return new OwnerRequest.Execute(id, commands);
    }

    /** Within a node the request is passed as it is: it is immutable. */
    @Override
    public OwnerRequest.Execute transform(OwnerRequest.Execute request) {
      return request;
    }

    @Override
    public String name() {
      return "pstate.ownerExecute.v1";
    }

    @Override
    public byte systemCodecID() {
      return -1;
    }
  }

  /** The reply: format, count, then per outcome its kind and fields. */
  public static final class OutcomesCodec implements MessageCodec<CommandOutcomes, CommandOutcomes> {

    private OutcomesCodec() {
    }

    @Override
    public void encodeToWire(Buffer out, CommandOutcomes outcomes) {
      out.appendByte(FORMAT).appendInt(outcomes.outcomes().size());
      // Lots are told against an earlier result's only within one reply: a reply of one outcome
      // (most of them) has nothing to remember.
      Map<PositionKey, List<Lot>> sent = outcomes.outcomes().size() > 1 ? new HashMap<>() : null;
      for (CommandOutcome outcome : outcomes.outcomes()) {
        if (outcome instanceof CommandOutcome.Recorded recorded) {
          out.appendByte(RECORDED);
          WireData.bool(out, recorded.replay());
          out.appendInt(recorded.replayedItems().size());
          recorded.replayedItems().forEach(out::appendInt);
          refusals(out, recorded.skippedItems());
          result(out, recorded.result(), sent);
        } else {
          CommandOutcome.Refused refused = (CommandOutcome.Refused) outcome;
          out.appendByte(REFUSED);
          rejection(out, refused.rejection());
          refusals(out, refused.items());
        }
      }
    }

    @Override
    public CommandOutcomes decodeFromWire(int pos, Buffer buffer) {
      Reader in = new Reader(buffer, pos);
      format(in, "command outcomes");
      int count = in.count();
      Map<PositionKey, List<Lot>> lotsBefore = count > 1 ? new HashMap<>() : null;
      List<CommandOutcome> outcomes = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        byte kind = in.byteValue();
        if (kind == RECORDED) {
          boolean replay = in.bool();
          int replayedCount = in.count();
          List<Integer> replayed = new ArrayList<>(replayedCount);
          for (int j = 0; j < replayedCount; j++) {
            replayed.add(in.intValue());
          }
          List<BatchDecision.Refusal> skipped = refusals(in);
          outcomes.add(new CommandOutcome.Recorded(result(in, lotsBefore), replay, replayed, skipped));
        } else if (kind == REFUSED) {
          Rejection rejection = rejection(in);
          outcomes.add(new CommandOutcome.Refused(rejection, refusals(in)));
        } else {
          throw new IllegalStateException("an outcome of kind " + kind);
        }
      }
      return new CommandOutcomes(outcomes);
    }

    /** Within a node the reply is passed as it is: it is immutable. */
    @Override
    public CommandOutcomes transform(CommandOutcomes outcomes) {
      return outcomes;
    }

    @Override
    public String name() {
      return "pstate.commandOutcomes.v1";
    }

    @Override
    public byte systemCodecID() {
      return -1;
    }
  }

  private static void format(Reader in, String what) {
    byte format = in.byteValue();
    if (format != FORMAT) {
      throw new IllegalStateException(what + " in format " + format + ", this node reads " + FORMAT);
    }
  }

  private static void origin(Buffer out, Origin origin) {
    if (origin == null) {
      WireData.bool(out, false);
      return;
    }
    WireData.bool(out, true);
    WireData.string(out, origin.principal());
    WireData.string(out, origin.channel().name());
    WireData.string(out, origin.requestId());
    WireData.string(out, origin.topic());
    WireData.string(out, origin.messageId());
    WireData.string(out, origin.producer());
    WireData.string(out, origin.actionId());
  }

  private static Origin origin(Reader in) {
    if (!in.bool()) {
      return null;
    }
    return new Origin(in.string(), Origin.Channel.valueOf(in.string()), in.string(), in.string(), in.string(),
        in.string(), in.string());
  }

  private static void command(Buffer out, PortfolioCommand command) {
    if (command instanceof RecordTrade c) {
      out.appendByte(RECORD_TRADE);
      WireData.string(out, c.portfolioId().value());
      WireData.string(out, c.tradeId());
      WireData.string(out, c.instrumentId().value());
      WireData.string(out, c.side().name());
      WireData.decimal(out, c.quantity());
      WireData.decimal(out, c.price());
      WireData.string(out, c.currency() == null ? null : c.currency().value());
      WireData.decimal(out, c.fees());
      WireData.string(out, c.strategy());
      WireData.instant(out, c.executedAt());
    } else if (command instanceof RecordCashFlow c) {
      out.appendByte(RECORD_CASH_FLOW);
      WireData.string(out, c.portfolioId().value());
      WireData.string(out, c.flowId());
      WireData.string(out, c.type().name());
      WireData.string(out, c.currency().value());
      WireData.decimal(out, c.amount());
      WireData.string(out, c.instrumentId() == null ? null : c.instrumentId().value());
      WireData.instant(out, c.occurredAt());
    } else if (command instanceof ConvertFx c) {
      out.appendByte(CONVERT_FX);
      WireData.string(out, c.portfolioId().value());
      WireData.string(out, c.conversionId());
      WireData.string(out, c.fromCurrency().value());
      WireData.string(out, c.toCurrency().value());
      WireData.decimal(out, c.fromAmount());
      WireData.decimal(out, c.rate());
    } else if (command instanceof CancelTrade c) {
      out.appendByte(CANCEL_TRADE);
      WireData.string(out, c.portfolioId().value());
      WireData.string(out, c.tradeId());
      WireData.string(out, c.reason());
    } else if (command instanceof ApplyBatch c) {
      out.appendByte(APPLY_BATCH);
      WireData.string(out, c.portfolioId().value());
      WireData.bool(out, c.skipRefused());
      out.appendInt(c.items().size());
      c.items().forEach(item -> command(out, item));
    } else {
      out.appendByte(COMMAND_AS_JSON);
      WireData.string(out, CommandJson.toJson(command).encode());
    }
  }

  private static PortfolioCommand command(Reader in) {
    byte kind = in.byteValue();
    switch (kind) {
      case RECORD_TRADE:
        return new RecordTrade(PortfolioId.of(in.string()), in.string(), InstrumentId.of(in.string()),
            Side.valueOf(in.string()), in.decimal(), in.decimal(), currency(in.string()), in.decimal(), in.string(),
            in.instant());
      case RECORD_CASH_FLOW:
        return new RecordCashFlow(PortfolioId.of(in.string()), in.string(), CashFlowType.valueOf(in.string()),
            CurrencyCode.of(in.string()), in.decimal(), instrument(in.string()), in.instant());
      case CONVERT_FX:
        return new ConvertFx(PortfolioId.of(in.string()), in.string(), CurrencyCode.of(in.string()),
            CurrencyCode.of(in.string()), in.decimal(), in.decimal());
      case CANCEL_TRADE:
        return new CancelTrade(PortfolioId.of(in.string()), in.string(), in.string());
      case APPLY_BATCH:
        PortfolioId id = PortfolioId.of(in.string());
        boolean skipRefused = in.bool();
        int count = in.count();
        List<IdempotentCommand> items = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
          PortfolioCommand item = command(in);
          if (!(item instanceof IdempotentCommand)) {
            throw new DomainViolation("items[" + i + "]", "must be a trade or a cash flow");
          }
          items.add((IdempotentCommand) item);
        }
        return new ApplyBatch(id, items, skipRefused);
      case COMMAND_AS_JSON:
        return CommandJson.fromJson(new JsonObject(in.string()));
      default:
        throw new IllegalStateException("a command of kind " + kind);
    }
  }

  private static CurrencyCode currency(String code) {
    return code == null ? null : CurrencyCode.of(code);
  }

  private static InstrumentId instrument(String id) {
    return id == null ? null : InstrumentId.of(id);
  }

  private static void rejection(Buffer out, Rejection rejection) {
    WireData.string(out, rejection.reason().name());
    WireData.string(out, rejection.detail());
    WireData.string(out, rejection.field());
  }

  private static Rejection rejection(Reader in) {
    return new Rejection(Rejection.Reason.valueOf(in.string()), in.string(), in.string());
  }

  private static void refusals(Buffer out, List<BatchDecision.Refusal> refusals) {
    out.appendInt(refusals.size());
    for (BatchDecision.Refusal refusal : refusals) {
      out.appendInt(refusal.index());
      rejection(out, refusal.rejection());
    }
  }

  private static List<BatchDecision.Refusal> refusals(Reader in) {
    int count = in.count();
    List<BatchDecision.Refusal> refusals = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      int index = in.intValue();
      refusals.add(new BatchDecision.Refusal(index, rejection(in)));
    }
    return refusals;
  }

  private static void result(Buffer out, CommandResult result, Map<PositionKey, List<Lot>> sent) {
    WireData.string(out, result.portfolioId().value());
    out.appendLong(result.version()).appendInt(result.cash().size());
    result.cash().forEach((currency, balance) -> {
      WireData.string(out, currency.value());
      WireData.decimal(out, balance);
    });
    if (result.position() == null) {
      WireData.bool(out, false);
    } else {
      WireData.bool(out, true);
      position(out, result.position(), sent);
    }
    // The whole portfolio answers a create, an update or new targets: rare, and as the snapshot's text.
    WireData.string(out, result.portfolio() == null ? null : StateJson.toJson(result.portfolio()).encode());
  }

  private static CommandResult result(Reader in, Map<PositionKey, List<Lot>> lotsBefore) {
    PortfolioId id = PortfolioId.of(in.string());
    long version = in.longValue();
    int balances = in.count();
    Map<CurrencyCode, BigDecimal> cash = new HashMap<>(balances * 2);
    for (int i = 0; i < balances; i++) {
      cash.put(CurrencyCode.of(in.string()), in.decimal());
    }
    Position position = in.bool() ? position(in, lotsBefore) : null;
    String portfolio = in.string();
    return new CommandResult(id, version, position, Map.copyOf(cash),
        portfolio == null ? null : StateJson.fromJson(new JsonObject(portfolio)));
  }

  /**
   * A position, exactly. Its lots: whole for its first result in the message; for a later one,
   * runs of the previous result's lots (the book shares the lots a trade did not touch, the same
   * objects) and the new lots written out: see {@link LotDelta} for why. {@code sent} is null in a
   * reply of one outcome, which has no later result.
   */
  private static void position(Buffer out, Position position, Map<PositionKey, List<Lot>> sent) {
    WireData.string(out, position.key().instrumentId().value());
    WireData.string(out, position.key().strategy());
    WireData.string(out, position.currency().value());
    WireData.decimal(out, position.quantity());
    WireData.decimal(out, position.averageCost());
    WireData.decimal(out, position.costBasis());
    WireData.decimal(out, position.realizedPnl());
    WireData.decimal(out, position.fees());
    WireData.instant(out, position.openedAt());
    WireData.instant(out, position.updatedAt());
    WireData.instant(out, position.lastExecutedAt());
    List<Lot> before = sent == null ? null : sent.put(position.key(), position.lots());
    if (before == null) {
      out.appendByte(LOTS_WHOLE).appendInt(position.lots().size());
      position.lots().forEach(lot -> lot(out, lot));
      return;
    }
    out.appendByte(LOTS_AS_RUNS);
    int countAt = out.length();
    out.appendInt(0);
    int[] entries = {0};
    LotDelta.tell(before, position.lots(), new LotDelta.Sink() {
      @Override
      public void run(int from, int to) {
        out.appendByte(RUN).appendInt(from).appendInt(to);
        entries[0]++;
      }

      @Override
      public void lot(Lot lot) {
        out.appendByte(NEW_LOT);
        OwnerWire.lot(out, lot);
        entries[0]++;
      }
    });
    out.setInt(countAt, entries[0]);
  }

  private static Position position(Reader in, Map<PositionKey, List<Lot>> lotsBefore) {
    PositionKey key = new PositionKey(InstrumentId.of(in.string()), in.string());
    CurrencyCode currency = CurrencyCode.of(in.string());
    BigDecimal quantity = in.decimal();
    BigDecimal averageCost = in.decimal();
    BigDecimal costBasis = in.decimal();
    BigDecimal realizedPnl = in.decimal();
    BigDecimal fees = in.decimal();
    var openedAt = in.instant();
    var updatedAt = in.instant();
    var lastExecutedAt = in.instant();
    byte form = in.byteValue();
    int count = in.count();
    List<Lot> lots = new ArrayList<>(count);
    if (form == LOTS_WHOLE) {
      for (int i = 0; i < count; i++) {
        lots.add(lot(in));
      }
    } else if (form == LOTS_AS_RUNS) {
      List<Lot> before = lotsBefore == null ? null : lotsBefore.get(key);
      if (before == null) {
        throw new IllegalStateException("lot runs of a position without lots before it");
      }
      for (int i = 0; i < count; i++) {
        byte entry = in.byteValue();
        if (entry == RUN) {
          int from = in.intValue();
          lots.addAll(before.subList(from, in.intValue()));
        } else if (entry == NEW_LOT) {
          lots.add(lot(in));
        } else {
          throw new IllegalStateException("a lot entry of kind " + entry);
        }
      }
    } else {
      throw new IllegalStateException("lots in form " + form);
    }
    if (lotsBefore != null) {
      lotsBefore.put(key, lots);
    }
    return new Position(key, currency, quantity, averageCost, costBasis, realizedPnl, fees, openedAt, updatedAt,
        lots, lastExecutedAt);
  }

  private static void lot(Buffer out, Lot lot) {
    WireData.decimal(out, lot.quantity());
    WireData.decimal(out, lot.price());
    WireData.instant(out, lot.openedAt());
    out.appendLong(lot.openedSeq());
  }

  private static Lot lot(Reader in) {
    return new Lot(in.decimal(), in.decimal(), in.instant(), in.longValue());
  }
}
