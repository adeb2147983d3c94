package io.portfoliostate.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Named fixtures for the domain tests: instruments, currencies, commands written the way a
 * portfolio accountant reads them ({@code buy(AAPL, "10", "100")}), a {@link Fills} ledger that
 * drives a single {@link Position}, and a {@link Book} that runs commands through
 * decide/evolve like the owner verticle does, minus the bus and the journal.
 */
final class Fixtures {

  static final CurrencyCode USD = CurrencyCode.USD;
  static final CurrencyCode EUR = CurrencyCode.of("EUR");
  static final CurrencyCode GBP = CurrencyCode.of("GBP");
  static final CurrencyCode JPY = CurrencyCode.of("JPY");

  /** Known to reference data, trades in USD. */
  static final InstrumentId AAPL = InstrumentId.of("AAPL");
  /** Known to reference data, trades in EUR. */
  static final InstrumentId SAP = InstrumentId.of("SAP");
  /** Not in reference data: trades in the portfolio's base currency unless told otherwise. */
  static final InstrumentId XYZ = InstrumentId.of("XYZ");

  static final PortfolioId FUND = PortfolioId.of("fund-a");
  static final PortfolioId PARENT = PortfolioId.of("house");

  /** The reference data of these tests: AAPL in USD, SAP in EUR, nothing else. */
  static final ReferenceData REFERENCE = instrument -> Optional.ofNullable(
      Map.of(AAPL, USD, SAP, EUR).get(instrument));

  /** Monday of the first trading week the tests live in. */
  static final Instant T0 = Instant.parse("2026-01-05T09:00:00Z");

  private static final AtomicLong IDS = new AtomicLong();

  private Fixtures() {
  }

  static BigDecimal d(String value) {
    return new BigDecimal(value);
  }

  /** {@code T0} plus {@code minutes}. */
  static Instant minute(long minutes) {
    return T0.plus(Duration.ofMinutes(minutes));
  }

  static PositionKey key(InstrumentId instrument) {
    return PositionKey.of(instrument, null);
  }

  private static String nextId(String prefix) {
    return prefix + "-" + IDS.incrementAndGet();
  }

  // ---- commands -------------------------------------------------------------------------

  static CreatePortfolio create() {
    return create(CostMethod.AVERAGE);
  }

  static CreatePortfolio create(CostMethod method) {
    return new CreatePortfolio(FUND, "Fund A", USD, null, method, null, null);
  }

  static RecordTrade buy(InstrumentId instrument, String quantity, String price) {
    return trade(instrument, Side.BUY, quantity, price, "0", null);
  }

  static RecordTrade buy(InstrumentId instrument, String quantity, String price, String fees) {
    return trade(instrument, Side.BUY, quantity, price, fees, null);
  }

  static RecordTrade sell(InstrumentId instrument, String quantity, String price) {
    return trade(instrument, Side.SELL, quantity, price, "0", null);
  }

  static RecordTrade sell(InstrumentId instrument, String quantity, String price, String fees) {
    return trade(instrument, Side.SELL, quantity, price, fees, null);
  }

  /** A trade with an explicit currency (null: let decide default it). */
  static RecordTrade trade(InstrumentId instrument, Side side, String quantity, String price,
      String fees, CurrencyCode currency) {
    return new RecordTrade(FUND, nextId("trade"), instrument, side, d(quantity), d(price), currency,
        d(fees), null, null);
  }

  static RecordCashFlow flow(CashFlowType type, CurrencyCode currency, String amount) {
    return new RecordCashFlow(FUND, nextId("flow"), type, currency, d(amount), null, null);
  }

  static RecordCashFlow deposit(CurrencyCode currency, String amount) {
    return flow(CashFlowType.DEPOSIT, currency, amount);
  }

  static ConvertFx convert(CurrencyCode from, CurrencyCode to, String fromAmount, String rate) {
    return new ConvertFx(FUND, nextId("fx"), from, to, d(fromAmount), d(rate));
  }

  static SetTargets targets(Map<InstrumentId, BigDecimal> weights, String driftThreshold) {
    return new SetTargets(FUND, weights, driftThreshold == null ? null : d(driftThreshold));
  }

  static UpdatePortfolio changeCostMethod(CostMethod method) {
    return new UpdatePortfolio(FUND, null, null, null, method);
  }

  // ---- replay ---------------------------------------------------------------------------

  /** Folds {@code events} onto {@code state} (null: from nothing), as a journal replay does. */
  static PortfolioState replay(PortfolioState state, List<PortfolioEvent> events) {
    PortfolioState current = state;
    for (PortfolioEvent event : events) {
      current = Ledgers.evolve(current, event);
    }
    return current;
  }

  /**
   * One position driven trade by trade through {@link Position#apply}, the way
   * {@link PortfolioRules#evolve} does: each fill gets the next journal sequence and, unless
   * {@link #at} says otherwise, an execution time one minute after the previous one. Fills
   * are recorded one second after they execute, so {@code updatedAt} is told apart from the
   * lot and opening times.
   */
  static final class Fills {

    private final CostMethod method;
    private Position position;
    private long seq;
    private Instant nextExecutedAt;

    private Fills(CostMethod method, InstrumentId instrument) {
      this.method = method;
      this.position = Position.empty(key(instrument), USD);
    }

    static Fills average() {
      return new Fills(CostMethod.AVERAGE, AAPL);
    }

    static Fills under(CostMethod method) {
      return new Fills(method, AAPL);
    }

    /** The execution time of the next fill (default: one minute per fill after T0). */
    Fills at(Instant executedAt) {
      nextExecutedAt = executedAt;
      return this;
    }

    Fills buy(String quantity, String price) {
      return fill(d(quantity), price, "0");
    }

    Fills buy(String quantity, String price, String fees) {
      return fill(d(quantity), price, fees);
    }

    Fills sell(String quantity, String price) {
      return fill(d(quantity).negate(), price, "0");
    }

    Fills sell(String quantity, String price, String fees) {
      return fill(d(quantity).negate(), price, fees);
    }

    private Fills fill(BigDecimal signedQuantity, String price, String fees) {
      seq++;
      Instant executedAt = nextExecutedAt != null ? nextExecutedAt : minute(seq);
      nextExecutedAt = null;
      position = position.apply(signedQuantity, d(price), d(fees), executedAt, seq,
          executedAt.plusSeconds(1), method);
      return this;
    }

    Position position() {
      return position;
    }
  }

  /**
   * A portfolio run through decide/evolve, collecting the accepted events. The clock advances
   * one minute per command so every event has its own recording time.
   */
  static final class Book {

    private final ReferenceData reference;
    private final List<PortfolioEvent> events = new ArrayList<>();
    private PortfolioState state;
    private Instant clock = T0;

    private Book(ReferenceData reference) {
      this.reference = reference;
    }

    /** A book holding the portfolio {@code create} creates. */
    static Book of(CreatePortfolio create) {
      Book book = new Book(REFERENCE);
      book.record(create);
      return book;
    }

    /** Decides {@code command} now; applies its events if it is accepted. */
    Decision submit(PortfolioCommand command) {
      clock = clock.plus(Duration.ofMinutes(1));
      Decision decision = Ledgers.decide(state, command, clock, reference);
      if (decision instanceof Decision.Accepted) {
        for (PortfolioEvent event : ((Decision.Accepted) decision).events()) {
          state = Ledgers.evolve(state, event);
          events.add(event);
        }
      }
      return decision;
    }

    /** Submits commands that must be accepted. */
    Book record(PortfolioCommand... commands) {
      for (PortfolioCommand command : commands) {
        Decision decision = submit(command);
        assertThat(decision).as("decision on %s", command).isInstanceOf(Decision.Accepted.class);
      }
      return this;
    }

    /** Submits a command that must be rejected, and returns why. */
    Rejection reject(PortfolioCommand command) {
      PortfolioState before = state;
      int eventsBefore = events.size();
      Decision decision = submit(command);
      assertThat(decision).as("decision on %s", command).isInstanceOf(Decision.Rejected.class);
      assertThat(state).isSameAs(before);
      assertThat(events).hasSize(eventsBefore);
      return ((Decision.Rejected) decision).rejection();
    }

    PortfolioState state() {
      return state;
    }

    Position position(InstrumentId instrument) {
      return state.positions().get(key(instrument));
    }

    BigDecimal cash(CurrencyCode currency) {
      return state.balance(currency);
    }

    List<PortfolioEvent> events() {
      return List.copyOf(events);
    }

    PortfolioEvent lastEvent() {
      return events.get(events.size() - 1);
    }

    /** The recording time of the last command submitted. */
    Instant now() {
      return clock;
    }
  }
}
