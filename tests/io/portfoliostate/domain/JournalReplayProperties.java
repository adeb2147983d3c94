package io.portfoliostate.domain;

import static io.portfoliostate.domain.Fixtures.AAPL;
import static io.portfoliostate.domain.Fixtures.EUR;
import static io.portfoliostate.domain.Fixtures.FUND;
import static io.portfoliostate.domain.Fixtures.GBP;
import static io.portfoliostate.domain.Fixtures.JPY;
import static io.portfoliostate.domain.Fixtures.REFERENCE;
import static io.portfoliostate.domain.Fixtures.SAP;
import static io.portfoliostate.domain.Fixtures.T0;
import static io.portfoliostate.domain.Fixtures.USD;
import static io.portfoliostate.domain.Fixtures.XYZ;
import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.protocol.EventJson;
import io.portfoliostate.protocol.StateJson;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;

/**
 * Invariants of the journal, over random command sequences: long and short trades in three
 * instruments and two strategies (flips and exact flats included), trades with a contradicting
 * currency (rejected), back-dated and simultaneous executions, cash flows of every type, FX
 * conversions, target changes and cost method changes. Every sequence is run under each cost
 * method, from a freshly created portfolio, the way the owner runs it: decide against the
 * running state, keep the accepted events.
 */
class JournalReplayProperties {

  private static final int TRIES = 150;

  /** DOMAIN.md's table of cash flow signs, written out here rather than read from the enum. */
  private static final Map<CashFlowType, Integer> FLOW_SIGNS = Map.of(
      CashFlowType.DEPOSIT, 1, CashFlowType.WITHDRAWAL, -1, CashFlowType.DIVIDEND, 1,
      CashFlowType.INTEREST, 1, CashFlowType.FEE, -1, CashFlowType.TAX, -1,
      CashFlowType.TRANSFER_IN, 1, CashFlowType.TRANSFER_OUT, -1);

  /** Rounding of averages to 34 digits leaves residues far below this in average-cost books. */
  private static final BigDecimal AVERAGE_TOLERANCE = new BigDecimal("1E-18");

  @Property(tries = TRIES)
  void replayingTheJournalRebuildsTheRunningState(@ForAll("commands") List<PortfolioCommand> commands) {
    for (CostMethod method : CostMethod.values()) {
      Run run = Run.of(method, commands);

      assertThat(Fixtures.replay(null, run.events)).isEqualTo(run.state);
      assertThat(run.state.version()).isEqualTo(run.events.size());
    }
  }

  /**
   * A batch of trades and cash flows (issue 16's atomic import) decides exactly as its items one
   * by one: with refused items skipped, the same events and the same state, and replaying its
   * events rebuilds that state; without skipping, it is refused whole when any item is refused
   * (listing each), and otherwise records the same events.
   */
  @Property(tries = TRIES)
  void aBatchDecidesAsItsItemsOneByOne(@ForAll("batchItems") List<PortfolioCommand> items) {
    for (CostMethod method : CostMethod.values()) {
      Run created = Run.of(method, List.of());
      Instant now = T0.plus(Duration.ofHours(1));
      PortfolioState state = created.state;
      List<PortfolioEvent> oneByOne = new ArrayList<>();
      List<Integer> refusedOneByOne = new ArrayList<>();
      for (int i = 0; i < items.size(); i++) {
        Decision decision = Ledgers.decide(state, items.get(i), now, REFERENCE);
        if (decision instanceof Decision.Rejected) {
          refusedOneByOne.add(i);
          continue;
        }
        for (PortfolioEvent event : ((Decision.Accepted) decision).events()) {
          state = Ledgers.evolve(state, event);
          oneByOne.add(event);
        }
      }
      List<IdempotentCommand> commands = items.stream().map(IdempotentCommand.class::cast).toList();
      BatchDecision skipping = BatchDecision.decide(created.state, Ledgers.ledgerOf(created.state),
          new ApplyBatch(FUND, commands, true), now, REFERENCE);
      List<PortfolioEvent> batched = new ArrayList<>();
      skipping.applied().forEach(item -> batched.addAll(item.events()));
      assertThat(batched).isEqualTo(oneByOne);
      assertThat(skipping.after()).isEqualTo(state);
      assertThat(skipping.refused().stream().map(BatchDecision.Refusal::index).toList()).isEqualTo(refusedOneByOne);
      List<PortfolioEvent> journal = new ArrayList<>(created.events);
      journal.addAll(batched);
      assertThat(Fixtures.replay(null, journal)).isEqualTo(state);

      Decision atomic = PortfolioRules.decide(created.state, Ledgers.ledgerOf(created.state),
          new ApplyBatch(FUND, commands, false), now, REFERENCE);
      if (refusedOneByOne.isEmpty()) {
        assertThat(((Decision.Accepted) atomic).events()).isEqualTo(oneByOne);
      } else {
        assertThat(atomic).isInstanceOf(Decision.Rejected.class);
        assertThat(((Decision.Rejected) atomic).rejection().detail())
            .startsWith(refusedOneByOne.size() + " of " + items.size() + " items refused");
      }
    }
  }

  @Provide
  Arbitrary<List<PortfolioCommand>> batchItems() {
    return Arbitraries.frequencyOf(Tuple.of(6, trades()), Tuple.of(1, flows())).list().ofMinSize(1).ofMaxSize(40);
  }

  /**
   * The same through the journal's and the snapshots' JSON, as a restart reads them: a parent
   * removed stays removed (not "left unchanged"), a setting removed stays removed. Compared in
   * the canonical JSON, since the journal keeps decimals without trailing zeros (10.000 is 10).
   */
  @Property(tries = TRIES)
  void replayingTheStoredJournalRebuildsTheRunningState(@ForAll("commands") List<PortfolioCommand> commands,
      @ForAll @IntRange(min = 0, max = 10_000) int splitSeed) {
    Run run = Run.of(CostMethod.FIFO, commands);
    List<PortfolioEvent> stored = new ArrayList<>();
    for (PortfolioEvent event : run.events) {
      PortfolioEvent read = EventJson.fromJson(EventJson.type(event), new JsonObject(EventJson.toJson(event).encode()));
      assertThat(EventJson.toJson(read)).isEqualTo(EventJson.toJson(event));
      stored.add(read);
    }
    int k = splitSeed % (stored.size() + 1);
    PortfolioState head = Fixtures.replay(null, stored.subList(0, k));
    PortfolioState snapshot = head == null ? null
        : StateJson.fromJson(new JsonObject(StateJson.toJson(head).encode()));
    PortfolioState rebuilt = Fixtures.replay(snapshot, stored.subList(k, stored.size()));
    assertThat(rebuilt.parentId()).isEqualTo(run.state.parentId());
    assertThat(rebuilt.settings()).isEqualTo(run.state.settings());
    assertThat(StateJson.toJson(rebuilt)).isEqualTo(StateJson.toJson(run.state));
  }

  @Property(tries = TRIES)
  void aSnapshotPlusTheTailIsTheFullReplay(@ForAll("commands") List<PortfolioCommand> commands,
      @ForAll @IntRange(min = 0, max = 10_000) int splitSeed) {
    for (CostMethod method : CostMethod.values()) {
      Run run = Run.of(method, commands);
      int size = run.events.size();

      for (int k : new int[] {0, 1, splitSeed % (size + 1), size}) {
        PortfolioState snapshot = snapshotOf(Fixtures.replay(null, run.events.subList(0, k)));
        PortfolioState rebuilt = Fixtures.replay(snapshot, run.events.subList(k, size));
        assertThat(rebuilt).as("snapshot at %d of %d, %s", k, size, method).isEqualTo(run.state);
      }
    }
  }

  @Property(tries = TRIES)
  void aPositionsQuantityIsTheSignedSumOfItsTrades(@ForAll("commands") List<PortfolioCommand> commands) {
    for (CostMethod method : CostMethod.values()) {
      Run run = Run.of(method, commands);

      assertThat(run.state.positions().keySet()).isEqualTo(run.tradedQuantity.keySet());
      run.state.positions().forEach((key, position) -> {
        assertThat(position.quantity()).as("%s under %s", key, method)
            .isEqualByComparingTo(run.tradedQuantity.get(key));
        assertThat(position.fees()).isEqualByComparingTo(run.tradedFees.get(key));
        assertThat(position.averageCost()).isNotNegative();
        if (position.isFlat()) {
          assertThat(position.averageCost()).isZero();
        }
      });
    }
  }

  @Property(tries = TRIES)
  void cashPerCurrencyIsTheSumOfTheCashEffects(@ForAll("commands") List<PortfolioCommand> commands) {
    for (CostMethod method : CostMethod.values()) {
      Run run = Run.of(method, commands);

      assertThat(run.state.cash().keySet()).isEqualTo(run.expectedCash.keySet());
      run.expectedCash.forEach((currency, expected) ->
          assertThat(run.state.balance(currency)).as("%s under %s", currency, method)
              .isEqualByComparingTo(expected));
    }
  }

  @Property(tries = TRIES)
  void openLotsAddUpToThePositionWithItsSign(@ForAll("commands") List<PortfolioCommand> commands) {
    for (CostMethod method : CostMethod.values()) {
      Run run = Run.of(method, commands);

      for (Position position : run.state.positions().values()) {
        if (!run.state.costMethod().usesLots()) {
          assertThat(position.lots()).isEmpty();
          continue;
        }
        BigDecimal lotQuantity = BigDecimal.ZERO;
        for (Lot lot : position.lots()) {
          assertThat(lot.quantity().signum()).as("lot %s of %s", lot, position.key())
              .isEqualTo(position.quantity().signum());
          lotQuantity = lotQuantity.add(lot.quantity());
        }
        assertThat(lotQuantity).isEqualByComparingTo(position.quantity());
        assertThat(position.lots().isEmpty()).isEqualTo(position.isFlat());
      }
    }
  }

  /**
   * Money is conserved per position: what the trades paid and received (fees aside) is the
   * realized P&amp;L less the signed cost of what is still open. Exact under a lot method (the
   * lots carry every cost unrounded); under AVERAGE up to the 34-digit rounding of averages.
   */
  @Property(tries = TRIES)
  void tradeCashIsRealizedPnlLessTheOpenCost(@ForAll("commands") List<PortfolioCommand> commands) {
    for (CostMethod method : CostMethod.values()) {
      Run run = Run.of(method, commands);

      run.state.positions().forEach((key, position) -> {
        BigDecimal openCost = BigDecimal.ZERO;
        if (run.state.costMethod().usesLots()) {
          for (Lot lot : position.lots()) {
            openCost = openCost.add(lot.quantity().multiply(lot.price()));
          }
        } else {
          openCost = position.quantity().multiply(position.averageCost());
        }
        BigDecimal residue = position.realizedPnl().subtract(openCost).subtract(run.tradeCash.get(key));
        if (run.everAverage) {
          assertThat(residue.abs()).as("%s under %s", key, method).isLessThan(AVERAGE_TOLERANCE);
        } else {
          assertThat(residue).as("%s under %s", key, method).isEqualByComparingTo("0");
        }
      });
    }
  }

  /** A state rebuilt from its parts, as a snapshot read back from storage would be. */
  private static PortfolioState snapshotOf(PortfolioState state) {
    if (state == null) {
      return null;
    }
    Map<PositionKey, Position> positions = new HashMap<>();
    state.positions().forEach((key, p) -> positions.put(key, new Position(p.key(), p.currency(),
        p.quantity(), p.averageCost(), p.costBasis(), p.realizedPnl(), p.fees(), p.openedAt(), p.updatedAt(),
        new ArrayList<>(p.lots()), p.lastExecutedAt())));
    return new PortfolioState(state.id(), state.name(), state.baseCurrency(), state.parentId(),
        state.costMethod(), state.driftThreshold(), new HashMap<>(state.targets()), state.version(),
        state.createdAt(), state.updatedAt(), positions, new HashMap<>(state.cash()),
        new HashMap<>(state.splits()), new HashMap<>(state.dividends()),
        PortfolioSettings.of(new HashMap<>(state.settings().values())));
  }

  /**
   * Corporate actions interleaved with trades (late ones among them, executed before a split
   * already applied): the journal replay, and any snapshot plus its tail, rebuild the running
   * state, and the lots of a split position still add up to it.
   */
  @Property(tries = TRIES)
  void replayAndSnapshotsRebuildTheStateThroughCorporateActions(
      @ForAll("commandsWithCorporateActions") List<PortfolioCommand> commands,
      @ForAll @IntRange(min = 0, max = 10_000) int splitSeed) {
    for (CostMethod method : CostMethod.values()) {
      Run run = Run.of(method, commands);
      int size = run.events.size();

      assertThat(Fixtures.replay(null, run.events)).isEqualTo(run.state);
      for (int k : new int[] {1, splitSeed % (size + 1), size}) {
        PortfolioState snapshot = snapshotOf(Fixtures.replay(null, run.events.subList(0, k)));
        assertThat(Fixtures.replay(snapshot, run.events.subList(k, size))).as("snapshot at %d, %s", k, method)
            .isEqualTo(run.state);
      }
      for (Position position : run.state.positions().values()) {
        BigDecimal lots = BigDecimal.ZERO;
        for (Lot lot : position.lots()) {
          lots = lots.add(lot.quantity());
        }
        if (method.usesLots()) {
          assertThat(lots).isEqualByComparingTo(position.quantity());
        }
      }
    }
  }

  /** One command sequence run through decide/evolve, with the figures expected of it. */
  private static final class Run {

    final List<PortfolioEvent> events = new ArrayList<>();
    final Map<PositionKey, BigDecimal> tradedQuantity = new HashMap<>();
    final Map<PositionKey, BigDecimal> tradedFees = new HashMap<>();
    /** −Σ t·p per position: the cash its trades moved, fees aside. */
    final Map<PositionKey, BigDecimal> tradeCash = new HashMap<>();
    final Map<CurrencyCode, BigDecimal> expectedCash = new HashMap<>();
    PortfolioState state;
    boolean everAverage;

    static Run of(CostMethod method, List<PortfolioCommand> commands) {
      Run run = new Run();
      run.submit(new CreatePortfolio(FUND, "Fund A", USD, null, method, null, null), T0);
      Instant now = T0;
      for (PortfolioCommand command : commands) {
        now = now.plus(Duration.ofMinutes(1));
        run.submit(command, now);
      }
      return run;
    }

    private void submit(PortfolioCommand command, Instant now) {
      Decision decision = Ledgers.decide(state, command, now, REFERENCE);
      if (decision instanceof Decision.Rejected) {
        // only malformed or inconsistent input may be refused: here, a contradicting currency,
        // a cost method change while positions are open, or a trade executed in the future
        Rejection rejection = ((Decision.Rejected) decision).rejection();
        assertThat(rejection.field()).isIn("currency", "costMethod", "executedAt");
        return;
      }
      for (PortfolioEvent event : ((Decision.Accepted) decision).events()) {
        state = Ledgers.evolve(state, event);
        events.add(event);
        expect(command, event);
      }
      everAverage |= state.costMethod() == CostMethod.AVERAGE;
    }

    /** The effect of an accepted command, computed from the command's own figures. */
    private void expect(PortfolioCommand command, PortfolioEvent event) {
      if (command instanceof RecordTrade && event instanceof TradeRecorded) {
        // (A late trade's share of a dividend, recorded with it, is not the trade's own cash.)
        RecordTrade trade = (RecordTrade) command;
        BigDecimal t = trade.side() == Side.BUY ? trade.quantity() : trade.quantity().negate();
        PositionKey key = trade.positionKey();
        CurrencyCode currency = ((TradeRecorded) event).currency();
        tradedQuantity.merge(key, t, BigDecimal::add);
        tradedFees.merge(key, trade.fees(), BigDecimal::add);
        tradeCash.merge(key, t.multiply(trade.price()).negate(), BigDecimal::add);
        expectedCash.merge(currency, t.multiply(trade.price()).add(trade.fees()).negate(), BigDecimal::add);
      } else if (command instanceof RecordCashFlow) {
        RecordCashFlow flow = (RecordCashFlow) command;
        expectedCash.merge(flow.currency(),
            flow.amount().multiply(BigDecimal.valueOf(FLOW_SIGNS.get(flow.type()))), BigDecimal::add);
      } else if (command instanceof ConvertFx) {
        ConvertFx fx = (ConvertFx) command;
        expectedCash.merge(fx.fromCurrency(), fx.fromAmount().negate(), BigDecimal::add);
        expectedCash.merge(fx.toCurrency(), fx.fromAmount().multiply(fx.rate()), BigDecimal::add);
      }
    }
  }

  // ---- generators -----------------------------------------------------------------------

  @Provide
  Arbitrary<List<PortfolioCommand>> commands() {
    return Arbitraries.frequencyOf(
        Tuple.of(14, trades()),
        Tuple.of(3, flows()),
        Tuple.of(2, conversions()),
        Tuple.of(1, costMethodChanges()),
        Tuple.of(1, targetChanges()),
        Tuple.of(2, treeAndSettingChanges()))
        .list().ofMinSize(1).ofMaxSize(60);
  }

  @Provide
  Arbitrary<List<PortfolioCommand>> commandsWithCorporateActions() {
    return Arbitraries.frequencyOf(
        Tuple.of(10, trades()),
        Tuple.of(2, flows()),
        Tuple.of(3, corporateActions()))
        .list().ofMinSize(1).ofMaxSize(40);
  }

  private Arbitrary<PortfolioCommand> corporateActions() {
    Arbitrary<InstrumentId> instruments = Arbitraries.of(AAPL, SAP, XYZ);
    Arbitrary<Integer> effective = Arbitraries.integers().between(0, 40);
    Arbitrary<String> ratios = Arbitraries.of("2:1", "1:10", "3:2", "1:3");
    Arbitrary<BigDecimal> amounts = Arbitraries.bigDecimals().between(new BigDecimal("0.01"), new BigDecimal("5"))
        .ofScale(2);
    Arbitrary<Integer> ids = Arbitraries.integers().between(1, 1_000_000);
    Arbitrary<PortfolioCommand> splits = Combinators.combine(instruments, effective, ratios, ids)
        .as((instrument, minutes, ratio, id) -> new ApplyCorporateAction(FUND,
            Split.of("split-" + id, instrument, ratio, T0.plus(Duration.ofMinutes(minutes)))));
    Arbitrary<PortfolioCommand> dividends = Combinators.combine(instruments, effective, amounts, ids)
        .as((instrument, minutes, amount, id) -> new ApplyCorporateAction(FUND,
            new CashDividend("div-" + id, instrument, amount, T0.plus(Duration.ofMinutes(minutes)))));
    return Arbitraries.oneOf(splits, dividends);
  }

  /** Trade ids are unique, as the owner's idempotency makes them (a reused id is a replay). */
  private static final java.util.concurrent.atomic.AtomicLong TRADE_IDS = new java.util.concurrent.atomic.AtomicLong();

  private Arbitrary<PortfolioCommand> trades() {
    Arbitrary<InstrumentId> instruments = Arbitraries.of(AAPL, SAP, XYZ);
    Arbitrary<String> strategies = Arbitraries.of("", "momentum");
    Arbitrary<Side> sides = Arbitraries.of(Side.class);
    // round lots make exact flats and flips frequent; odd quantities test exactness
    Arbitrary<BigDecimal> quantities = Arbitraries.frequencyOf(
        Tuple.of(3, Arbitraries.of("1", "5", "10", "25", "100").map(BigDecimal::new)),
        Tuple.of(2, Arbitraries.bigDecimals().between(new BigDecimal("0.001"), new BigDecimal("500")).ofScale(3)));
    Arbitrary<BigDecimal> prices = Arbitraries.frequencyOf(
        Tuple.of(3, Arbitraries.bigDecimals().between(new BigDecimal("0.01"), new BigDecimal("1000")).ofScale(2)),
        Tuple.of(1, Arbitraries.bigDecimals().between(new BigDecimal("0.000001"), new BigDecimal("50")).ofScale(6)));
    Arbitrary<BigDecimal> fees = Arbitraries.frequencyOf(
        Tuple.of(1, Arbitraries.just(BigDecimal.ZERO)),
        Tuple.of(1, Arbitraries.bigDecimals().between(BigDecimal.ZERO, BigDecimal.TEN).ofScale(2)));
    // 0: no currency (defaulted), 1: the instrument's own, 2: a contradicting one
    Arbitrary<Integer> currencyModes = Arbitraries.frequency(Tuple.of(7, 0), Tuple.of(2, 1), Tuple.of(1, 2));
    // negative: executed now; else minutes after T0, often back-dated and often simultaneous
    Arbitrary<Integer> executions = Arbitraries.integers().between(-20, 30);
    return Combinators.combine(instruments, strategies, sides, quantities, prices, fees, currencyModes, executions)
        .as((instrument, strategy, side, quantity, price, fee, currencyMode, execution) ->
            new RecordTrade(FUND, "trade-gen-" + TRADE_IDS.incrementAndGet(), instrument, side, quantity, price,
                currency(instrument, currencyMode), fee, strategy.isEmpty() ? null : strategy,
                execution < 0 ? null : T0.plus(Duration.ofMinutes(execution))));
  }

  private static CurrencyCode currency(InstrumentId instrument, int mode) {
    if (mode == 0) {
      return null;
    }
    CurrencyCode own = instrument.equals(SAP) ? EUR : USD;
    if (mode == 1) {
      return own;
    }
    return instrument.equals(XYZ) ? GBP : (own.equals(USD) ? EUR : USD);
  }

  private Arbitrary<PortfolioCommand> flows() {
    return Combinators.combine(Arbitraries.of(CashFlowType.class), Arbitraries.of(USD, EUR, GBP),
            Arbitraries.bigDecimals().between(new BigDecimal("0.01"), new BigDecimal("100000")).ofScale(2))
        .as((type, currency, amount) -> new RecordCashFlow(FUND, "flow-gen", type, currency, amount, null, null));
  }

  private Arbitrary<PortfolioCommand> conversions() {
    Arbitrary<CurrencyCode> currencies = Arbitraries.of(USD, EUR, GBP, JPY);
    return Combinators.combine(currencies, currencies,
            Arbitraries.bigDecimals().between(new BigDecimal("0.01"), new BigDecimal("50000")).ofScale(2),
            Arbitraries.bigDecimals().between(new BigDecimal("0.0001"), new BigDecimal("200")).ofScale(6))
        .filter((from, to, amount, rate) -> !from.equals(to))
        .as((from, to, amount, rate) -> new ConvertFx(FUND, "fx-gen", from, to, amount, rate));
  }

  private Arbitrary<PortfolioCommand> costMethodChanges() {
    return Arbitraries.of(CostMethod.class)
        .map(method -> new UpdatePortfolio(FUND, null, null, null, method));
  }

  /**
   * Moves under one of two parents or to the root, and own settings set or removed: a parent
   * removed must replay as removed (not as left unchanged), a setting removed as removed.
   */
  private Arbitrary<PortfolioCommand> treeAndSettingChanges() {
    Arbitrary<Integer> parentModes = Arbitraries.integers().between(0, 3);
    Arbitrary<Map<Setting, String>> set = Arbitraries.maps(Arbitraries.of(Setting.class),
        Arbitraries.of("0.01", "0.25", "0.5")).ofMaxSize(3);
    Arbitrary<java.util.Set<Setting>> cleared = Arbitraries.of(Setting.class).set().ofMaxSize(2);
    return Combinators.combine(parentModes, set, cleared)
        .filter((mode, values, removed) -> mode != 0 || !values.isEmpty() || !removed.isEmpty())
        .as((mode, values, removed) -> {
          Map<Setting, String> kept = new HashMap<>(values);
          removed.forEach(kept::remove);
          if (kept.containsKey(Setting.BENCHMARK_INSTRUMENT_ID)) {
            kept.put(Setting.BENCHMARK_INSTRUMENT_ID, "IDX");
          }
          PortfolioId parent = mode == 1 ? PortfolioId.of("house") : mode == 2 ? PortfolioId.of("house-2") : null;
          return new UpdatePortfolio(FUND, null, parent, null, null, mode == 3, PortfolioSettings.of(kept), removed);
        });
  }

  private Arbitrary<PortfolioCommand> targetChanges() {
    return Arbitraries.bigDecimals().between(BigDecimal.ZERO, BigDecimal.ONE).ofScale(2)
        .map(weight -> new SetTargets(FUND, Map.of(AAPL, weight), null));
  }
}
