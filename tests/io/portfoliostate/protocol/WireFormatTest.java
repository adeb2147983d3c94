package io.portfoliostate.protocol;

import io.portfoliostate.domain.Ledgers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portfoliostate.domain.ApplyCorporateAction;
import io.portfoliostate.domain.CashDividend;
import io.portfoliostate.domain.CashFlowType;
import io.portfoliostate.domain.DividendApplied;
import io.portfoliostate.domain.Split;
import io.portfoliostate.domain.TradeRecorded;
import io.portfoliostate.domain.CommandResult;
import io.portfoliostate.domain.ConvertFx;
import io.portfoliostate.domain.CostMethod;
import io.portfoliostate.domain.CreatePortfolio;
import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.Decision;
import io.portfoliostate.domain.Instrument;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.valuation.FxRate;
import io.portfoliostate.domain.valuation.Price;
import io.portfoliostate.domain.PortfolioCommand;
import io.portfoliostate.domain.PortfolioEvent;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.domain.PortfolioRules;
import io.portfoliostate.domain.PortfolioSettings;
import io.portfoliostate.domain.Setting;
import io.portfoliostate.domain.PortfolioState;
import io.portfoliostate.domain.Position;
import io.portfoliostate.domain.PositionKey;
import io.portfoliostate.domain.RecordCashFlow;
import io.portfoliostate.domain.RecordTrade;
import io.portfoliostate.domain.ReferenceData;
import io.portfoliostate.domain.Rejection;
import io.portfoliostate.domain.SetTargets;
import io.portfoliostate.domain.Side;
import io.portfoliostate.domain.UpdatePortfolio;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * What crosses nodes arrives exactly as it left: every command type, outcomes both ways, a
 * state with FIFO lots and several currencies, event pages and published changes, through the
 * codecs the event bus uses (encodeToWire on one node, decodeFromWire on the other).
 */
class WireFormatTest {

  private static final PortfolioId ID = PortfolioId.of("fund-w");
  private static final Instant T0 = Instant.parse("2026-11-24T10:15:30.123Z");

  @SuppressWarnings("unchecked")
  private static <T> T overTheWire(T message) {
    MessageCodec<T, T> codec = Codecs.of((Class<T>) message.getClass());
    assertThat(codec.transform(message)).isSameAs(message);
    Buffer buffer = Buffer.buffer().appendString("header");
    codec.encodeToWire(buffer, message);
    return codec.decodeFromWire("header".length(), buffer);
  }

  private static List<PortfolioCommand> everyCommand() {
    return List.of(
        new CreatePortfolio(ID, "Fund W", CurrencyCode.of("USD"), PortfolioId.of("parent-1"), CostMethod.FIFO,
            new BigDecimal("0.05"), Map.of(InstrumentId.of("AAPL"), new BigDecimal("0.4"))),
        new UpdatePortfolio(ID, null, null, new BigDecimal("0.03"), null),
        new SetTargets(ID, Map.of(InstrumentId.of("AAPL"), new BigDecimal("0.35"),
            InstrumentId.of("SAP"), new BigDecimal("0.2")), null),
        new RecordCashFlow(ID, "dep-1", CashFlowType.DEPOSIT, CurrencyCode.of("USD"), new BigDecimal("100000"),
            null, T0),
        new RecordCashFlow(ID, "div-1", CashFlowType.DIVIDEND, CurrencyCode.of("EUR"), new BigDecimal("12.345678901234"),
            InstrumentId.of("SAP"), null),
        new RecordTrade(ID, "t-1", InstrumentId.of("AAPL"), Side.BUY, new BigDecimal("100"), new BigDecimal("151.75"),
            null, new BigDecimal("2"), null, T0),
        new RecordTrade(ID, "t-2", InstrumentId.of("AAPL"), Side.BUY, new BigDecimal("50"), new BigDecimal("160.125"),
            CurrencyCode.of("USD"), null, "momentum", T0.plusSeconds(1)),
        new RecordTrade(ID, "t-3", InstrumentId.of("AAPL"), Side.SELL, new BigDecimal("120"), new BigDecimal("180"),
            null, new BigDecimal("1.5"), null, null),
        new ConvertFx(ID, "fx-1", CurrencyCode.of("USD"), CurrencyCode.of("EUR"), new BigDecimal("1000"),
            new BigDecimal("0.9215")));
  }

  @Test
  void everyCommandCrossesExactlyWithItsExpectedVersionAndKey() {
    List<CommandEnvelope> envelopes = new ArrayList<>();
    long version = 0;
    for (PortfolioCommand command : everyCommand()) {
      envelopes.add(new CommandEnvelope(command, version++ % 2 == 0 ? null : version,
          version % 3 == 0 ? null : "key-" + version));
    }
    OwnerRequest.Execute request = new OwnerRequest.Execute(ID, envelopes);
    OwnerRequest.Execute received = overTheWire(request);
    // Records compare every field; decimals went through plain text, so compare those with compareTo.
    assertThat(received.portfolioId()).isEqualTo(ID);
    assertThat(received.commands()).hasSize(envelopes.size());
    for (int i = 0; i < envelopes.size(); i++) {
      assertThat(received.commands().get(i).expectedVersion()).isEqualTo(envelopes.get(i).expectedVersion());
      assertThat(received.commands().get(i).idempotencyKey()).isEqualTo(envelopes.get(i).idempotencyKey());
      assertThat(received.commands().get(i).command()).usingRecursiveComparison()
          .withComparatorForType(BigDecimal::compareTo, BigDecimal.class)
          .isEqualTo(envelopes.get(i).command());
    }
    RecordTrade trade = (RecordTrade) received.commands().get(6).command();
    assertThat(trade.fingerprint()).isEqualTo(((RecordTrade) envelopes.get(6).command()).fingerprint());
    assertThat(trade.strategy()).isEqualTo("momentum");
  }

  /**
   * A child inheriting its parent's cost method, with own settings; a move to the root that sets
   * and removes settings: what a null cannot say crosses explicitly.
   */
  @Test
  void treeAndSettingChangesCrossExactly() {
    CreatePortfolio child = new CreatePortfolio(ID, "Fund C", CurrencyCode.of("EUR"), PortfolioId.of("parent-1"),
        null, null, null, PortfolioSettings.of(Map.of(Setting.RISK_FREE_RATE, "0.03", Setting.VAR95, "0.05")),
        CostMethod.LIFO);
    UpdatePortfolio toRoot = new UpdatePortfolio(ID, null, null, null, null, true,
        PortfolioSettings.of(Map.of(Setting.BENCHMARK_INSTRUMENT_ID, "SPY")),
        Set.of(Setting.MAX_DRAWDOWN, Setting.RISK_FREE_RATE));
    OwnerRequest.Execute received = overTheWire(new OwnerRequest.Execute(ID,
        List.of(CommandEnvelope.of(child), CommandEnvelope.of(toRoot))));

    CreatePortfolio childThere = (CreatePortfolio) received.commands().get(0).command();
    assertThat(childThere).usingRecursiveComparison().withComparatorForType(BigDecimal::compareTo, BigDecimal.class)
        .isEqualTo(child);
    assertThat(childThere.costMethod()).isNull();
    assertThat(childThere.effectiveCostMethod()).isEqualTo(CostMethod.LIFO);
    assertThat(childThere.fingerprint()).isEqualTo(child.fingerprint());
    UpdatePortfolio toRootThere = (UpdatePortfolio) received.commands().get(1).command();
    assertThat(toRootThere).isEqualTo(toRoot);
    assertThat(toRootThere.fingerprint()).isEqualTo(toRoot.fingerprint());
  }

  @Test
  void everyKindOfOriginCrossesWithItsCommandAndItsEvent() {
    List<Origin> origins = List.of(Origin.rest("key:k-1", "req-1"),
        Origin.pulsar("persistent://public/default/trades", "12:3:-1", "desk"),
        Origin.pulsar("persistent://public/default/trades", "12:4:-1", null),
        Origin.corporateAction("ca-1", "alice", "req-2"), Origin.corporateAction("ca-2", null, null),
        Origin.system("bench"));
    List<CommandEnvelope> envelopes = new ArrayList<>();
    origins.forEach(origin -> envelopes.add(CommandEnvelope.of(everyCommand().get(5)).withOrigin(origin)));
    envelopes.add(CommandEnvelope.of(everyCommand().get(6)));
    OwnerRequest.Execute received = overTheWire(new OwnerRequest.Execute(ID, envelopes));
    for (int i = 0; i < origins.size(); i++) {
      assertThat(received.commands().get(i).origin()).isEqualTo(origins.get(i));
    }
    // No origin crosses as none: the journal then records the unknown system origin.
    assertThat(received.commands().get(origins.size()).origin()).isNull();
    assertThat(received.commands().get(origins.size()).originOrUnknown()).isEqualTo(Origin.system("unknown"));
    assertThat(Origin.pulsar("t", "1:2:3", null).principal()).isEqualTo("pulsar:unknown");
    assertThat(Origin.corporateAction("ca-2", null, null).principal()).isEqualTo("unknown");

    List<PortfolioEvent> events = new ArrayList<>();
    replay(events);
    PortfolioEvent event = events.get(0);
    EventPage page = new EventPage(List.of(new EventPage.Entry(1, event, T0, null, origins.get(1)),
        new EventPage.Entry(2, event, T0, null)), 2);
    EventPage back = overTheWire(page);
    assertThat(back.events().get(0).origin()).isEqualTo(origins.get(1));
    assertThat(back.events().get(1).origin()).isNull();
  }

  @Test
  void readsCrossWithTheirVersionOrTime() {
    assertThat(overTheWire(new OwnerRequest.Read(ID, 7L, null, null))).isEqualTo(new OwnerRequest.Read(ID, 7L, null, null));
    assertThat(overTheWire(new OwnerRequest.Read(ID, null, T0, null))).isEqualTo(new OwnerRequest.Read(ID, null, T0, null));
    assertThat(overTheWire(new OwnerRequest.Read(ID, null, T0, T0.plusSeconds(60))))
        .isEqualTo(new OwnerRequest.Read(ID, null, T0, T0.plusSeconds(60)));
    assertThat(overTheWire(OwnerRequest.Read.current(ID))).isEqualTo(OwnerRequest.Read.current(ID));
    assertThat(overTheWire(new OwnerRequest.ReadEvents(ID, 40, 100))).isEqualTo(new OwnerRequest.ReadEvents(ID, 40, 100));
    assertThat(overTheWire(new OwnerRequest.Watch(ID, "node-a", 5_000))).isEqualTo(
        new OwnerRequest.Watch(ID, "node-a", 5_000, true));
    // A renewal asks for the version only; a Watch without the field (the version before) wants the state.
    assertThat(overTheWire(new OwnerRequest.Watch(ID, "node-a", 5_000, false)).stateWanted()).isFalse();
    assertThat(MessageJson.watch(new io.vertx.core.json.JsonObject().put("portfolioId", ID.value())
        .put("nodeId", "node-a").put("leaseMs", 5_000)).stateWanted()).isTrue();
  }

  @Test
  void aStateWithLotsAndCurrenciesCrossesToTheLastDigit() {
    PortfolioState state = stateAfterEveryCommand();
    PortfolioState received = overTheWire(state);
    assertThat(received.version()).isEqualTo(state.version());
    assertThat(received.costMethod()).isEqualTo(CostMethod.FIFO);
    Position aapl = received.positions().get(new PositionKey(InstrumentId.of("AAPL"), "default"));
    // FIFO: 100 @ 151.75 bought, 120 sold @ 180 closes the lot and flips 20 short @ 180.
    assertThat(aapl.quantity()).isEqualByComparingTo("-20");
    assertThat(aapl.realizedPnl()).isEqualByComparingTo("2825");
    assertThat(aapl.lots()).hasSize(1);
    assertThat(received.balance(CurrencyCode.of("EUR"))).isEqualByComparingTo("933.845678901234");
    assertThat(StateJson.toJson(received)).isEqualTo(StateJson.toJson(state));
    assertThat(received.positions().keySet()).isEqualTo(state.positions().keySet());
  }

  @Test
  void outcomesCrossBothWays() {
    PortfolioState state = stateAfterEveryCommand();
    RecordTrade trade = (RecordTrade) everyCommand().get(7);
    CommandOutcomes outcomes = new CommandOutcomes(List.of(
        new CommandOutcome.Recorded(CommandResult.of(trade, state), false),
        new CommandOutcome.Recorded(CommandResult.of(everyCommand().get(2), state), true),
        new CommandOutcome.Refused(Rejection.invalid("quantity", "must be greater than zero")),
        new CommandOutcome.Refused(Rejection.of(Rejection.Reason.VERSION_MISMATCH, "expected 3, is 9"))));
    CommandOutcomes received = overTheWire(outcomes);
    assertThat(received.outcomes()).hasSize(4);
    CommandOutcome.Recorded first = (CommandOutcome.Recorded) received.outcomes().get(0);
    assertThat(first.replay()).isFalse();
    assertThat(first.result().version()).isEqualTo(state.version());
    assertThat(first.result().position().quantity()).isEqualByComparingTo("-20");
    assertThat(first.result().cash().get(CurrencyCode.of("USD"))).isEqualByComparingTo(state.balance(CurrencyCode.of("USD")));
    CommandOutcome.Recorded second = (CommandOutcome.Recorded) received.outcomes().get(1);
    assertThat(second.replay()).isTrue();
    assertThat(StateJson.toJson(second.result().portfolio())).isEqualTo(StateJson.toJson(state));
    assertThat(received.outcomes().get(2)).isEqualTo(outcomes.outcomes().get(2));
    assertThat(received.outcomes().get(3)).isEqualTo(outcomes.outcomes().get(3));
  }

  /**
   * A batch's results of one position cross with the lots of each later one as runs of the one
   * before (MessageJson.LotRuns): every position arrives lot for lot, whether a trade opened a
   * lot, shrank the first, closed some, or the book shares nothing with the one before (a
   * position rebuilt: every lot written out); another position in between keeps its own runs.
   */
  @Test
  void aBatchsPositionsCrossLotForLotWithTheirLotsAsRuns() {
    PositionKey a = new PositionKey(InstrumentId.of("RUNA"), "default");
    PositionKey b = new PositionKey(InstrumentId.of("RUNB"), "default");
    PortfolioState state = PortfolioRules.evolve(null, new io.portfoliostate.domain.PortfolioCreated(ID, "runs",
        CurrencyCode.USD, null, CostMethod.FIFO, null, Map.of(), T0));
    List<CommandOutcome> outcomes = new ArrayList<>();
    String[][] trades = {{"RUNA", "BUY", "10"}, {"RUNA", "BUY", "10"}, {"RUNA", "BUY", "10"}, {"RUNB", "BUY", "3"},
        {"RUNA", "SELL", "4"}, {"RUNA", "SELL", "16"}, {"RUNB", "BUY", "2"}, {"RUNA", "BUY", "7"}};
    for (int i = 0; i < trades.length; i++) {
      TradeRecorded event = new TradeRecorded("r-" + i, InstrumentId.of(trades[i][0]), "default",
          Side.valueOf(trades[i][1]), new BigDecimal(trades[i][2]), new BigDecimal("100.5" + i), CurrencyCode.USD,
          BigDecimal.ZERO, T0.plusSeconds(i), T0.plusSeconds(i));
      state = PortfolioRules.evolve(state, event);
      outcomes.add(new CommandOutcome.Recorded(CommandResult.of(new RecordTrade(ID, "r-" + i,
          InstrumentId.of(trades[i][0]), Side.valueOf(trades[i][1]), new BigDecimal(trades[i][2]), BigDecimal.TEN,
          null, null, null, null), state), false));
    }
    // The last: RUNA's book rebuilt from a copy of its lots (nothing shared with the one before).
    Position rebuilt = state.positions().get(a);
    rebuilt = new Position(rebuilt.key(), rebuilt.currency(), rebuilt.quantity(), rebuilt.averageCost(),
        rebuilt.costBasis(), rebuilt.realizedPnl(), rebuilt.fees(), rebuilt.openedAt(), rebuilt.updatedAt(),
        rebuilt.lots().stream().map(lot -> new io.portfoliostate.domain.Lot(lot.quantity(), lot.price(),
            lot.openedAt(), lot.openedSeq())).toList(), rebuilt.lastExecutedAt());
    outcomes.add(new CommandOutcome.Recorded(new CommandResult(ID, state.version(), rebuilt,
        Map.of(CurrencyCode.USD, state.balance(CurrencyCode.USD)), null), true));
    CommandOutcomes sent = new CommandOutcomes(outcomes);

    io.vertx.core.json.JsonArray wire = MessageJson.outcomes(sent).getJsonArray("outcomes");
    assertThat(wire.getJsonObject(0).getJsonObject("result").getJsonObject("position").containsKey("lots")).isTrue();
    // Every later result of RUNA (and of RUNB) is sent as runs.
    io.vertx.core.json.JsonObject afterBigSell = wire.getJsonObject(5).getJsonObject("result")
        .getJsonObject("position");
    assertThat(afterBigSell.containsKey("lots")).isFalse();
    // 30 bought, 20 sold FIFO: the first two lots closed; the third (10) shared: one run [2, 3).
    assertThat(afterBigSell.getJsonArray("lotRuns").encode()).isEqualTo("[[2,3]]");
    io.vertx.core.json.JsonObject afterBuy = wire.getJsonObject(7).getJsonObject("result").getJsonObject("position");
    assertThat(afterBuy.getJsonArray("lotRuns").size()).isEqualTo(2);
    assertThat(afterBuy.getJsonArray("lotRuns").getJsonArray(0).encode()).isEqualTo("[0,1]");
    assertThat(afterBuy.getJsonArray("lotRuns").getJsonObject(1).getString("quantity")).isEqualTo("7");
    assertThat(wire.getJsonObject(6).getJsonObject("result").getJsonObject("position").getJsonArray("lotRuns")
        .encode()).startsWith("[[0,1],{");

    CommandOutcomes received = overTheWire(sent);
    for (int i = 0; i < outcomes.size(); i++) {
      Position original = ((CommandOutcome.Recorded) sent.outcomes().get(i)).result().position();
      Position arrived = ((CommandOutcome.Recorded) received.outcomes().get(i)).result().position();
      assertThat(StateJson.position(arrived)).as("result %d", i).isEqualTo(StateJson.position(original));
      assertThat(arrived.lots()).as("result %d", i).hasSameSizeAs(original.lots());
    }
    assertThat(((CommandOutcome.Recorded) received.outcomes().get(8)).result().position().lots())
        .extracting(lot -> lot.quantity().toPlainString()).containsExactly("10", "7");
    assertThat(((CommandOutcome.Recorded) received.outcomes().get(6)).result().position().key()).isEqualTo(b);
  }

  @Test
  void pagesAndChangesCrossWithEveryEvent() {
    List<PortfolioEvent> events = new ArrayList<>();
    PortfolioState state = replay(events);
    List<EventPage.Entry> entries = new ArrayList<>();
    for (int i = 0; i < events.size(); i++) {
      // Every other entry carries alerts: both the array and its absence must cross.
      entries.add(new EventPage.Entry(i + 1, events.get(i), T0.plusMillis(i),
          i % 2 == 0 ? null : "[{\"alertId\":\"P/" + (i + 1) + "/1\"}]"));
    }
    EventPage page = overTheWire(new EventPage(entries, state.version()));
    assertThat(page.currentVersion()).isEqualTo(state.version());
    assertThat(page.events()).hasSize(events.size());
    for (int i = 0; i < events.size(); i++) {
      assertThat(EventJson.toJson(page.events().get(i).event())).isEqualTo(EventJson.toJson(events.get(i)));
      assertThat(page.events().get(i).version()).isEqualTo(i + 1);
      assertThat(page.events().get(i).recordedAt()).isEqualTo(T0.plusMillis(i));
      assertThat(page.events().get(i).alerts()).isEqualTo(entries.get(i).alerts());
    }
    PortfolioChange change = overTheWire(new PortfolioChange(state, 3, events.subList(3, events.size())));
    assertThat(change.portfolioId()).isEqualTo(ID);
    assertThat(change.fromVersion()).isEqualTo(3);
    assertThat(change.version()).isEqualTo(state.version());
    assertThat(change.events()).hasSize(events.size() - 3);
    // The state does not cross: the receiver evolves its own copy to the same state.
    assertThat(change.state()).isNull();
    assertThat(StateJson.toJson(change.stateAfter(stateAt(events, 3)))).isEqualTo(StateJson.toJson(state));
    assertThat(change.recorded()).isEmpty();
    // With the events as the journal recorded them (text and alerts): they cross as they are.
    List<EventText> recorded = new ArrayList<>();
    for (int i = 3; i < events.size(); i++) {
      recorded.add(new EventText(i + 1, EventJson.type(events.get(i)), T0.plusMillis(i),
          EventJson.toJson(events.get(i)).encode(), entries.get(i).alerts()));
    }
    PortfolioChange withText = overTheWire(new PortfolioChange(state, 3, events.subList(3, events.size()), recorded));
    assertThat(withText.recorded()).isEqualTo(recorded);
    // The events cross once, as the recorded text, and are read back from it.
    for (int i = 3; i < events.size(); i++) {
      assertThat(EventJson.toJson(withText.events().get(i - 3))).isEqualTo(EventJson.toJson(events.get(i)));
    }
    assertThat(StateJson.toJson(withText.stateAfter(stateAt(events, 3)))).isEqualTo(StateJson.toJson(state));
  }

  @Test
  void aChangeCrossesWithoutTheBookAndChecksTheCopyItEvolves() {
    List<PortfolioEvent> events = new ArrayList<>();
    PortfolioState state = replay(events);
    int from = events.size() - 2;
    List<EventText> recorded = new ArrayList<>();
    for (int i = from; i < events.size(); i++) {
      recorded.add(new EventText(i + 1, EventJson.type(events.get(i)), T0, EventJson.toJson(events.get(i)).encode(),
          null));
    }
    PortfolioChange sent = new PortfolioChange(state, from, events.subList(from, events.size()), recorded);
    io.vertx.core.json.JsonObject wire = MessageJson.change(sent);
    assertThat(wire.fieldNames()).containsExactlyInAnyOrder("portfolioId", "fromVersion", "version",
        "positionCount", "cash", "recorded");
    assertThat(wire.getInteger("positionCount")).isEqualTo(state.positions().size());
    assertThat(wire.getJsonObject("cash").getMap()).hasSize(state.cash().size());
    PortfolioChange received = overTheWire(sent);
    PortfolioState before = stateAt(events, from);

    assertThat(StateJson.toJson(received.stateAfter(before))).isEqualTo(StateJson.toJson(state));
    // A copy at another version, or one that evolves to other balances, is not the owner's.
    assertThatThrownBy(() -> received.stateAfter(stateAt(events, from - 1)))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("applied to version " + (from - 1));
    Map<CurrencyCode, BigDecimal> lessCash = new java.util.HashMap<>(before.cash());
    lessCash.put(CurrencyCode.USD, before.cash().get(CurrencyCode.USD).subtract(BigDecimal.ONE));
    PortfolioState poorer = new PortfolioState(before.id(), before.name(), before.baseCurrency(), before.parentId(),
        before.costMethod(), before.driftThreshold(), before.targets(), before.version(), before.createdAt(),
        before.updatedAt(), before.positions(), lessCash, before.splits(), before.dividends(), before.settings());
    assertThatThrownBy(() -> received.stateAfter(poorer))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("the owner has");
    // A change from a node of the version before (a rolling upgrade) keeps the state it carries.
    io.vertx.core.json.JsonObject older = wire.copy().put("state", StateJson.toJson(state));
    assertThat(StateJson.toJson(MessageJson.change(older).state())).isEqualTo(StateJson.toJson(state));
  }

  @Test
  void marketUpdatesCrossExactly() {
    MarketUpdate update = new MarketUpdate("node-1",
        List.of(new Instrument(InstrumentId.of("SAP.DE"), CurrencyCode.of("EUR"), "Equity", "Technology", "DE",
                Map.of("beta", new BigDecimal("1.10"), "value", new BigDecimal("-0.3"))),
            Instrument.of(InstrumentId.of("BARE"), CurrencyCode.USD)),
        List.of(new Price(InstrumentId.of("SAP.DE"), new BigDecimal("120.125"), CurrencyCode.of("EUR"), T0)),
        List.of(new FxRate(CurrencyCode.of("EUR"), CurrencyCode.USD, new BigDecimal("1.0825"), T0.plusMillis(1))));

    MarketUpdate received = overTheWire(update);

    assertThat(received.origin()).isEqualTo("node-1");
    assertThat(received.prices()).isEqualTo(update.prices());
    assertThat(received.rates()).isEqualTo(update.rates());
    assertThat(received.instruments().get(1)).isEqualTo(update.instruments().get(1));
    // Loadings are exact decimals; they cross in plain notation, so 1.10 arrives as 1.1.
    assertThat(received.instruments().get(0).factors()).containsOnlyKeys("beta", "value");
    assertThat(received.instruments().get(0).factors().get("beta")).isEqualByComparingTo("1.1");
    assertThat(received.instruments().get(0).factors().get("value")).isEqualByComparingTo("-0.3");
    assertThat(received.instruments().get(0).sector()).isEqualTo("Technology");
  }

  @Test
  void corporateActionsTheirEventsAndAStateWithSplitsCrossExactly() {
    Instant effective = T0.plusSeconds(30);
    ApplyCorporateAction split = new ApplyCorporateAction(ID, Split.of("split-7", InstrumentId.of("AAPL"), "3:2",
        effective));
    ApplyCorporateAction dividend = new ApplyCorporateAction(ID, new CashDividend("div-7", InstrumentId.of("AAPL"),
        new BigDecimal("0.125"), effective));
    OwnerRequest.Execute received = overTheWire(new OwnerRequest.Execute(ID,
        List.of(CommandEnvelope.of(split), CommandEnvelope.of(dividend))));
    assertThat(received.commands().get(0).command()).isEqualTo(split);
    assertThat(((ApplyCorporateAction) received.commands().get(1).command()).fingerprint())
        .isEqualTo(dividend.fingerprint());

    List<PortfolioEvent> events = new ArrayList<>();
    PortfolioState state = replay(events);
    int first = events.size();
    Instant now = T0.plusSeconds(60);
    // A late trade executed before the split: folded before it (restated) and flagged, and paid the dividend
    // it missed (its own DividendApplied, under the trade).
    for (PortfolioCommand command : List.of(split, dividend, new RecordTrade(ID, "late-1", InstrumentId.of("AAPL"),
        Side.BUY, new BigDecimal("10"), new BigDecimal("150"), null, null, null, T0.plusSeconds(2)))) {
      now = now.plusSeconds(1);
      for (PortfolioEvent event : ((Decision.Accepted) Ledgers.decide(state, command, now, ReferenceData.NONE))
          .events()) {
        events.add(event);
        state = Ledgers.evolve(state, event);
      }
    }
    assertThat(((TradeRecorded) events.get(events.size() - 2)).adjustedBy()).containsExactly("split-7");
    DividendApplied lateShare = (DividendApplied) events.get(events.size() - 1);
    assertThat(lateShare.tradeId()).isEqualTo("late-1");
    assertThat(lateShare.amounts().get(CurrencyCode.of("USD"))).isEqualByComparingTo("1.875");

    PortfolioChange change = overTheWire(new PortfolioChange(state, first, events.subList(first, events.size())));
    PortfolioState evolved = change.stateAfter(stateAt(events, first));
    assertThat(change.events()).hasSize(4);
    for (int i = 0; i < 4; i++) {
      PortfolioEvent sent = events.get(first + i);
      assertThat(change.events().get(i)).isInstanceOf(sent.getClass());
      assertThat(EventJson.toJson(change.events().get(i))).isEqualTo(EventJson.toJson(sent));
      assertThat(EventJson.fromJson(EventJson.type(sent), EventJson.toJson(sent))).usingRecursiveComparison()
          .withComparatorForType(BigDecimal::compareTo, BigDecimal.class).isEqualTo(sent);
    }
    // -20 short and 50 long: 3:2 makes them -30 and 75; the dividend nets (75 - 30) · 0.125 = 5.625.
    assertThat(((DividendApplied) events.get(first + 1)).amounts().get(CurrencyCode.of("USD")))
        .isEqualByComparingTo("5.625");
    assertThat(evolved.splitsOf(InstrumentId.of("AAPL")))
        .containsExactly(Split.of("split-7", InstrumentId.of("AAPL"), "3:2", effective));
    assertThat(StateJson.toJson(evolved)).isEqualTo(StateJson.toJson(state));
    assertThat(StateJson.fromJson(StateJson.toJson(state)).splits()).isEqualTo(state.splits());
    assertThat(StateJson.fromJson(StateJson.toJson(state)).dividends()).isEqualTo(state.dividends())
        .containsOnlyKeys(InstrumentId.of("AAPL"));
  }

  @Test
  void aSnapshotWrittenBeforeCorporateActionsReadsAsNoSplitApplied() {
    PortfolioState state = stateAfterEveryCommand();
    io.vertx.core.json.JsonObject old = StateJson.toJson(state);
    old.remove("splits");

    assertThat(StateJson.fromJson(old).splits()).isEmpty();
    assertThat(StateJson.toJson(StateJson.fromJson(old))).isEqualTo(StateJson.toJson(state));
  }

  private static PortfolioState stateAfterEveryCommand() {
    return replay(new ArrayList<>());
  }

  /** Decides and applies every command in turn, collecting the events. */
  /** The state after the first {@code count} events, as a receiving node's copy: read back from the wire. */
  private static PortfolioState stateAt(List<PortfolioEvent> events, int count) {
    PortfolioState state = null;
    for (PortfolioEvent event : events.subList(0, count)) {
      state = PortfolioRules.evolve(state, event);
    }
    return overTheWire(state);
  }

  private static PortfolioState replay(List<PortfolioEvent> events) {
    PortfolioState state = null;
    Instant now = T0;
    for (PortfolioCommand command : everyCommand()) {
      now = now.plusSeconds(1);
      Decision decision = Ledgers.decide(state, command, now, ReferenceData.NONE);
      assertThat(decision).as(command.toString()).isInstanceOf(Decision.Accepted.class);
      for (PortfolioEvent event : ((Decision.Accepted) decision).events()) {
        events.add(event);
        state = Ledgers.evolve(state, event);
      }
    }
    return state;
  }
}
