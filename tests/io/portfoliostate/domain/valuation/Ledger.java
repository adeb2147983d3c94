package io.portfoliostate.domain.valuation;

import io.portfoliostate.domain.Ledgers;

import static io.portfoliostate.domain.valuation.MarketFixtures.AAPL;
import static io.portfoliostate.domain.valuation.MarketFixtures.EUR;
import static io.portfoliostate.domain.valuation.MarketFixtures.GBP;
import static io.portfoliostate.domain.valuation.MarketFixtures.GILT;
import static io.portfoliostate.domain.valuation.MarketFixtures.JPY;
import static io.portfoliostate.domain.valuation.MarketFixtures.MSFT;
import static io.portfoliostate.domain.valuation.MarketFixtures.SAP;
import static io.portfoliostate.domain.valuation.MarketFixtures.T0;
import static io.portfoliostate.domain.valuation.MarketFixtures.TM;
import static io.portfoliostate.domain.valuation.MarketFixtures.USD;
import static io.portfoliostate.domain.valuation.MarketFixtures.d;

import io.portfoliostate.domain.CashFlowType;
import io.portfoliostate.domain.CostMethod;
import io.portfoliostate.domain.CreatePortfolio;
import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.Decision;
import io.portfoliostate.domain.Instrument;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.PortfolioCommand;
import io.portfoliostate.domain.PortfolioEvent;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.domain.PortfolioRules;
import io.portfoliostate.domain.PortfolioState;
import io.portfoliostate.domain.RecordCashFlow;
import io.portfoliostate.domain.RecordTrade;
import io.portfoliostate.domain.ReferenceData;
import io.portfoliostate.domain.SetTargets;
import io.portfoliostate.domain.Side;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * A portfolio built the way the owner builds it — commands decided and evolved by
 * {@link PortfolioRules} — and written the way an accountant reads a blotter:
 * {@code Ledger.in(USD).deposit(USD, "100000").buy(AAPL, "100", "151.75", "2")}. Every command
 * must be accepted; the clock advances a minute per command.
 */
final class Ledger {

  static final PortfolioId FUND = PortfolioId.of("fund-a");

  /** The time the tests value their ledgers at: a day after {@code T0}. */
  static final Instant ASOF = T0.plus(Duration.ofDays(1));

  /**
   * The reference data of the valuation tests: AAPL and MSFT (US technology equities, USD), SAP
   * (German technology equity, EUR), GILT (UK bond, GBP, no sector) and 7203.T (Japanese consumer
   * equity, JPY). XYZ is unknown.
   */
  static final ReferenceData REFERENCE = ReferenceData.of(
      new Instrument(AAPL, USD, "Equity", "Technology", "US", Map.of("beta", d("1.2"))),
      new Instrument(MSFT, USD, "Equity", "Technology", "US", Map.of()),
      new Instrument(SAP, EUR, "Equity", "Technology", "DE", Map.of()),
      new Instrument(GILT, GBP, "Bond", null, "GB", Map.of()),
      new Instrument(TM, JPY, "Equity", "Consumer", "JP", Map.of()));

  private final PortfolioId id;
  private PortfolioState state;
  private Instant clock = T0;
  private int ids;

  private Ledger(PortfolioId id) {
    this.id = id;
  }

  static Ledger in(CurrencyCode base) {
    return in(base, CostMethod.AVERAGE);
  }

  static Ledger in(CurrencyCode base, CostMethod method) {
    return new Ledger(FUND).submit(new CreatePortfolio(FUND, "Fund A", base, null, method, null, null));
  }

  /** A portfolio of a tree: its own id and base currency, under {@code parent} (null: a root). */
  static Ledger in(String id, CurrencyCode base, String parent) {
    PortfolioId portfolio = PortfolioId.of(id);
    return new Ledger(portfolio).submit(new CreatePortfolio(portfolio, "Fund " + id, base,
        parent == null ? null : PortfolioId.of(parent), CostMethod.AVERAGE, null, null));
  }

  Ledger buy(InstrumentId instrument, String quantity, String price) {
    return trade(instrument, Side.BUY, quantity, price, "0", null);
  }

  Ledger buy(InstrumentId instrument, String quantity, String price, String fees) {
    return trade(instrument, Side.BUY, quantity, price, fees, null);
  }

  Ledger sell(InstrumentId instrument, String quantity, String price) {
    return trade(instrument, Side.SELL, quantity, price, "0", null);
  }

  Ledger sell(InstrumentId instrument, String quantity, String price, String fees) {
    return trade(instrument, Side.SELL, quantity, price, fees, null);
  }

  /** A trade in a named strategy, no fees. */
  Ledger trade(InstrumentId instrument, Side side, String quantity, String price, String strategy) {
    return submit(new RecordTrade(id, "t-" + ++ids, instrument, side, d(quantity), d(price), null,
        BigDecimal.ZERO, strategy, null));
  }

  /** A trade in an explicit currency (null: the default of DOMAIN.md). */
  Ledger trade(InstrumentId instrument, Side side, String quantity, String price, String fees,
      CurrencyCode currency) {
    return submit(new RecordTrade(id, "t-" + ++ids, instrument, side, d(quantity), d(price), currency,
        d(fees), null, null));
  }

  Ledger deposit(CurrencyCode currency, String amount) {
    return submit(new RecordCashFlow(id, "f-" + ++ids, CashFlowType.DEPOSIT, currency, d(amount), null, null));
  }

  Ledger withdraw(CurrencyCode currency, String amount) {
    return submit(new RecordCashFlow(id, "f-" + ++ids, CashFlowType.WITHDRAWAL, currency, d(amount), null,
        null));
  }

  Ledger targets(Map<InstrumentId, BigDecimal> targets, String driftThreshold) {
    return submit(new SetTargets(id, targets, driftThreshold == null ? null : d(driftThreshold)));
  }

  private Ledger submit(PortfolioCommand command) {
    clock = clock.plus(Duration.ofMinutes(1));
    Decision decision = Ledgers.decide(state, command, clock, REFERENCE);
    if (!(decision instanceof Decision.Accepted)) {
      throw new AssertionError("rejected " + command + ": " + decision);
    }
    for (PortfolioEvent event : ((Decision.Accepted) decision).events()) {
      state = Ledgers.evolve(state, event);
    }
    return this;
  }

  PortfolioState state() {
    return state;
  }

  /** The valuation of this ledger at {@link #ASOF}. */
  PortfolioValuation value(MarketData market) {
    return Valuation.value(state, market, REFERENCE, ASOF);
  }
}
