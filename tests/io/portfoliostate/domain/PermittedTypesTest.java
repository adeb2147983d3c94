package io.portfoliostate.domain;

import static io.portfoliostate.domain.Fixtures.AAPL;
import static io.portfoliostate.domain.Fixtures.EUR;
import static io.portfoliostate.domain.Fixtures.FUND;
import static io.portfoliostate.domain.Fixtures.REFERENCE;
import static io.portfoliostate.domain.Fixtures.USD;
import static io.portfoliostate.domain.Fixtures.d;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The sealed hierarchies, read at run time with {@link Class#getPermittedSubclasses()}: every
 * event type must be handled by evolve and every command type by decide. A type added to a
 * {@code permits} clause without a sample here fails, so "unhandled event" can never reach a
 * journal replay in production.
 */
class PermittedTypesTest {

  private static final Instant NOW = Instant.parse("2026-03-02T14:30:00Z");

  private static final TradeRecorded TRADE = new TradeRecorded("t-1", AAPL, "default", Side.BUY, d("10"), d("100"),
      USD, d("1"), NOW, NOW);

  /** One instance of each event type, valid on a freshly created portfolio (or on none, for the creation). */
  private static final Map<Class<?>, PortfolioEvent> EVENTS = Map.ofEntries(
      Map.entry(PortfolioCreated.class, new PortfolioCreated(FUND, "Fund A", USD, null, CostMethod.FIFO, d("0.02"),
          Map.of(), NOW)),
      Map.entry(PortfolioUpdated.class, new PortfolioUpdated("Renamed", null, null, null, NOW)),
      Map.entry(TargetsSet.class, new TargetsSet(Map.of(AAPL, d("0.5")), d("0.03"), NOW)),
      Map.entry(TradeRecorded.class, TRADE),
      Map.entry(CashFlowRecorded.class, new CashFlowRecorded("f-1", CashFlowType.DEPOSIT, USD, d("100"), null, NOW,
          NOW)),
      Map.entry(FxConverted.class, new FxConverted("fx-1", USD, EUR, d("100"), d("0.9"), d("90"), NOW)),
      Map.entry(SplitApplied.class, new SplitApplied("split-1", AAPL, 2, 1, NOW, NOW)),
      Map.entry(DividendApplied.class, new DividendApplied("div-1", AAPL, d("0.5"), NOW, Map.of(), NOW)),
      Map.entry(TradeCancelled.class, new TradeCancelled("t-1", "booked twice", TRADE,
          new Restatement(List.of(), List.of()), NOW)),
      Map.entry(TradeAmended.class, new TradeAmended("t-1", 1, null, TRADE, new TradeRecorded("t-1", AAPL, "default",
          Side.BUY, d("10"), d("101"), USD, d("1"), NOW, NOW), new Restatement(List.of(), List.of()), "amend:t-1:0",
          NOW)));

  /**
   * One instance of each concrete command type, acceptable on a freshly created portfolio (on one
   * holding trade t-1, for a cancel or an amendment).
   */
  private static final Map<Class<?>, PortfolioCommand> COMMANDS = Map.ofEntries(
      Map.entry(CreatePortfolio.class, Fixtures.create()),
      Map.entry(UpdatePortfolio.class, new UpdatePortfolio(FUND, "Renamed", null, null, null)),
      Map.entry(SetTargets.class, Fixtures.targets(Map.of(AAPL, d("0.5")), null)),
      Map.entry(RecordTrade.class, Fixtures.buy(AAPL, "10", "100", "1")),
      Map.entry(RecordCashFlow.class, Fixtures.deposit(USD, "100")),
      Map.entry(ConvertFx.class, Fixtures.convert(USD, EUR, "100", "0.9")),
      Map.entry(ApplyCorporateAction.class, new ApplyCorporateAction(FUND, new CashDividend("div-1", AAPL, d("0.5"),
          NOW))),
      Map.entry(CancelTrade.class, new CancelTrade(FUND, "t-1", "booked twice")),
      Map.entry(ApplyBatch.class, new ApplyBatch(FUND, List.of(Fixtures.buy(AAPL, "10", "100", "1"),
          Fixtures.deposit(USD, "100")), false)),
      Map.entry(AmendTrade.class, new AmendTrade(FUND, "t-1", null, null, d("101"), null, null, null, null, null)));

  /** The concrete types of a sealed hierarchy: sealed sub-interfaces are expanded. */
  static Class<?>[] leaves(Class<?> sealed) {
    assertThat(sealed.isSealed()).as("%s is sealed", sealed.getSimpleName()).isTrue();
    List<Class<?>> leaves = new ArrayList<>();
    for (Class<?> permitted : sealed.getPermittedSubclasses()) {
      if (permitted.isSealed()) {
        leaves.addAll(Arrays.asList(leaves(permitted)));
      } else {
        leaves.add(permitted);
      }
    }
    return leaves.toArray(new Class<?>[0]);
  }

  private static PortfolioState createdPortfolio() {
    return Ledgers.evolve(null, EVENTS.get(PortfolioCreated.class));
  }

  @Test
  void everyPermittedEventHasASample() {
    assertThat(EVENTS.keySet()).containsExactlyInAnyOrder(leaves(PortfolioEvent.class));
  }

  @Test
  void everyPermittedCommandHasASample() {
    assertThat(COMMANDS.keySet()).containsExactlyInAnyOrder(leaves(PortfolioCommand.class));
    assertThat(leaves(PortfolioCommand.class)).as("idempotent commands are expanded")
        .contains(IdempotentCommand.class.getPermittedSubclasses());
  }

  @TestFactory
  Stream<DynamicTest> evolveHandlesEveryPermittedEvent() {
    return Arrays.stream(leaves(PortfolioEvent.class)).map(type -> DynamicTest.dynamicTest(
        type.getSimpleName(), () -> {
          PortfolioEvent event = EVENTS.get(type);
          assertThat(event).as("a sample %s in EVENTS", type.getSimpleName()).isNotNull();
          PortfolioState before = type == PortfolioCreated.class ? null : createdPortfolio();

          PortfolioState after = Ledgers.evolve(before, event);

          assertThat(after.version()).isEqualTo(before == null ? 1L : before.version() + 1);
          assertThat(after.updatedAt()).isEqualTo(event.at());
          if (before != null) {
            assertThat(after).as("%s changes the state", type.getSimpleName()).isNotEqualTo(before);
          }
        }));
  }

  @TestFactory
  Stream<DynamicTest> decideHandlesEveryPermittedCommand() {
    return Arrays.stream(leaves(PortfolioCommand.class)).map(type -> DynamicTest.dynamicTest(
        type.getSimpleName(), () -> {
          PortfolioCommand command = COMMANDS.get(type);
          assertThat(command).as("a sample %s in COMMANDS", type.getSimpleName()).isNotNull();
          PortfolioState before = type == CreatePortfolio.class ? null
              : type == CancelTrade.class || type == AmendTrade.class ? Ledgers.evolve(createdPortfolio(), TRADE)
              : createdPortfolio();

          Decision decision = Ledgers.decide(before, command, NOW, REFERENCE);

          assertThat(decision).isInstanceOf(Decision.Accepted.class);
          List<PortfolioEvent> events = ((Decision.Accepted) decision).events();
          assertThat(events).isNotEmpty();
          PortfolioState after = Fixtures.replay(before, events);
          CommandResult result = CommandResult.of(command, after);
          assertThat(result.version()).isEqualTo(after.version());
          assertThat(result.portfolioId()).isEqualTo(command.portfolioId());
        }));
  }
}
