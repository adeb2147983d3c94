package io.portfoliostate.domain;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.Optional;

/**
 * The two pure functions that run a portfolio: {@link #decide} turns a command into events (or a
 * rejection) against the committed state, and {@link #evolve} applies one event to a state.
 * Replaying a portfolio's journal through {@code evolve} rebuilds its state exactly.
 *
 * <p>Idempotency (a replayed tradeId) and optimistic concurrency (an expected version) are
 * checked by the owner before {@code decide}: they need the journal's index, not the state.
 */
public final class PortfolioRules {

  private PortfolioRules() {
  }

  /**
   * Decides a command against the state it would apply to.
   *
   * @param state the current state, or null when the portfolio does not exist
   * @param now the recording time, stamped on the events
   */
  public static Decision decide(PortfolioState state, PortfolioCommand command, Instant now,
      ReferenceData reference) {
    if (command instanceof CreatePortfolio) {
      return state != null
          ? Decision.reject(Rejection.of(Rejection.Reason.ALREADY_EXISTS,
              "portfolio " + command.portfolioId() + " already exists"))
          : create((CreatePortfolio) command, now);
    }
    if (state == null) {
      return Decision.reject(Rejection.of(Rejection.Reason.NOT_FOUND,
          "portfolio " + command.portfolioId() + " does not exist"));
    }
    if (command instanceof RecordTrade) {
      return trade(state, (RecordTrade) command, now, reference);
    }
    if (command instanceof RecordCashFlow) {
      RecordCashFlow flow = (RecordCashFlow) command;
      return Decision.accept(new CashFlowRecorded(flow.flowId(), flow.type(), flow.currency(),
          flow.amount(), flow.instrumentId(), flow.occurredAt() == null ? now : flow.occurredAt(), now));
    }
    if (command instanceof ConvertFx) {
      ConvertFx fx = (ConvertFx) command;
      return Decision.accept(new FxConverted(fx.conversionId(), fx.fromCurrency(), fx.toCurrency(),
          fx.fromAmount(), fx.rate(), fx.toAmount(), now));
    }
    if (command instanceof SetTargets) {
      SetTargets targets = (SetTargets) command;
      return Decision.accept(new TargetsSet(targets.targets(), targets.driftThreshold(), now));
    }
    if (command instanceof UpdatePortfolio) {
      return update(state, (UpdatePortfolio) command, now);
    }
    if (command instanceof ApplyCorporateAction) {
      return corporateAction(state, ((ApplyCorporateAction) command).action(), now);
    }
    throw new IllegalStateException("unhandled command " + command.getClass().getSimpleName());
  }

  private static Decision create(CreatePortfolio create, Instant now) {
    return Decision.accept(new PortfolioCreated(create.portfolioId(), create.name(), create.baseCurrency(), create.parentId(),
        create.costMethod(), create.driftThreshold(), create.targets(), now));
  }

  private static Decision update(PortfolioState state, UpdatePortfolio update, Instant now) {
    CostMethod method = update.costMethod();
    if (method != null && method != state.costMethod() && state.holdsOpenPositions()) {
      return Decision.reject(Rejection.invalid("costMethod",
          "the cost method can change only while the portfolio holds no open position"));
    }
    return Decision.accept(new PortfolioUpdated(update.name(), update.parentId(),
        update.driftThreshold(), method, now));
  }

  /**
   * A split restates every position in the instrument, in every strategy, and is remembered; a
   * dividend credits q · amountPerShare per open position (debits it for a short), per position
   * currency. Either is recorded when nothing is held too, so that the journal knows the action
   * was dealt with: a second delivery is then a replay, never a second application.
   */
  private static Decision corporateAction(PortfolioState state, CorporateAction action, Instant now) {
    if (action instanceof Split) {
      Split split = (Split) action;
      return Decision.accept(new SplitApplied(split.actionId(), split.instrumentId(), split.numerator(),
          split.denominator(), split.effectiveAt(), now));
    }
    CashDividend dividend = (CashDividend) action;
    Map<CurrencyCode, BigDecimal> amounts = new TreeMap<>();
    for (Position position : state.positions().values()) {
      if (position.key().instrumentId().equals(dividend.instrumentId()) && !position.isFlat()) {
        amounts.merge(position.currency(), dividend.amountFor(position), BigDecimal::add);
      }
    }
    return Decision.accept(new DividendApplied(dividend.actionId(), dividend.instrumentId(),
        dividend.amountPerShare(), dividend.effectiveAt(), amounts, now));
  }

  /**
   * A trade's currency defaults to its instrument's, or to the base currency for an instrument
   * without reference data; a currency that contradicts the instrument's, or the currency the
   * position is already kept in, is refused.
   */
  private static Decision trade(PortfolioState state, RecordTrade trade, Instant now,
      ReferenceData reference) {
    Optional<CurrencyCode> known = reference.currencyOf(trade.instrumentId());
    CurrencyCode currency = trade.currency();
    if (known.isPresent() && currency != null && !currency.equals(known.get())) {
      return Decision.reject(Rejection.invalid("currency", "instrument " + trade.instrumentId()
          + " trades in " + known.get() + ", not " + currency));
    }
    Position existing = state.positions().get(trade.positionKey());
    if (currency == null) {
      currency = known.orElse(existing != null ? existing.currency() : state.baseCurrency());
    }
    if (existing != null && !existing.currency().equals(currency)) {
      return Decision.reject(Rejection.invalid("currency", "the position in " + trade.instrumentId()
          + " is kept in " + existing.currency() + ", not " + currency));
    }
    // A trade executed before a split that was already applied arrives in pre-split terms.
    RecordTrade converted = trade;
    List<String> adjustedBy = new ArrayList<>();
    for (Split split : state.splitsOf(trade.instrumentId())) {
      if (split.adjusts(converted)) {
        converted = split.adjust(converted);
        adjustedBy.add(split.actionId());
      }
    }
    return Decision.accept(new TradeRecorded(converted.tradeId(), converted.instrumentId(), converted.strategy(),
        converted.side(), converted.quantity(), converted.price(), currency, converted.fees(),
        converted.executedAt() == null ? now : converted.executedAt(), now, adjustedBy));
  }

  /**
   * Applies one event. The event's sequence number is {@code state.version() + 1} (1 for the
   * creation, which is the only event that applies to no state).
   *
   * @param state the state before, or null before the creation
   */
  public static PortfolioState evolve(PortfolioState state, PortfolioEvent event) {
    if (event instanceof PortfolioCreated) {
      if (state != null) {
        throw new IllegalStateException("portfolio " + state.id() + " is already created");
      }
      PortfolioCreated created = (PortfolioCreated) event;
      return new PortfolioState(created.portfolioId(), created.name(), created.baseCurrency(),
          created.parentId(), created.costMethod(), created.driftThreshold(), created.targets(), 1,
          created.at(), created.at(), Map.of(), Map.of());
    }
    if (state == null) {
      throw new IllegalStateException("the first event of a portfolio must be its creation");
    }
    long seq = state.version() + 1;
    Instant at = event.at();
    if (event instanceof TradeRecorded) {
      TradeRecorded trade = (TradeRecorded) event;
      PositionKey key = trade.positionKey();
      Position before = state.positions().getOrDefault(key, Position.empty(key, trade.currency()));
      Position after = before.apply(trade.signedQuantity(), trade.price(), trade.fees(),
          trade.executedAt(), seq, at, state.costMethod());
      return with(state, seq, at, state.positionsWith(after), state.cashWith(trade.currency(), trade.cashEffect()));
    }
    if (event instanceof CashFlowRecorded) {
      CashFlowRecorded flow = (CashFlowRecorded) event;
      return with(state, seq, at, state.positions(), state.cashWith(flow.currency(), flow.cashEffect()));
    }
    if (event instanceof FxConverted) {
      FxConverted fx = (FxConverted) event;
      PortfolioState debited = with(state, seq, at, state.positions(),
          state.cashWith(fx.fromCurrency(), fx.fromAmount().negate()));
      return with(state, seq, at, state.positions(), debited.cashWith(fx.toCurrency(), fx.toAmount()));
    }
    if (event instanceof SplitApplied) {
      SplitApplied applied = (SplitApplied) event;
      Split split = applied.split();
      Map<PositionKey, Position> positions = state.positions();
      for (Position position : state.positions().values()) {
        if (position.key().instrumentId().equals(split.instrumentId()) && !position.isFlat()) {
          positions = ((org.pcollections.PMap<PositionKey, Position>) positions).plus(position.key(),
              split.applyTo(position, at));
        }
      }
      return new PortfolioState(state.id(), state.name(), state.baseCurrency(), state.parentId(),
          state.costMethod(), state.driftThreshold(), state.targets(), seq, state.createdAt(), at,
          positions, state.cash(), state.splitsWith(split));
    }
    if (event instanceof DividendApplied) {
      PortfolioState paid = with(state, seq, at, state.positions(), state.cash());
      for (Map.Entry<CurrencyCode, BigDecimal> amount : ((DividendApplied) event).amounts().entrySet()) {
        paid = with(paid, seq, at, paid.positions(), paid.cashWith(amount.getKey(), amount.getValue()));
      }
      return paid;
    }
    if (event instanceof TargetsSet) {
      TargetsSet targets = (TargetsSet) event;
      return new PortfolioState(state.id(), state.name(), state.baseCurrency(), state.parentId(),
          state.costMethod(), orElse(targets.driftThreshold(), state.driftThreshold()), targets.targets(),
          seq, state.createdAt(), at, state.positions(), state.cash(), state.splits());
    }
    if (event instanceof PortfolioUpdated) {
      PortfolioUpdated update = (PortfolioUpdated) event;
      return new PortfolioState(state.id(), orElse(update.name(), state.name()), state.baseCurrency(),
          orElse(update.parentId(), state.parentId()), orElse(update.costMethod(), state.costMethod()),
          orElse(update.driftThreshold(), state.driftThreshold()), state.targets(), seq,
          state.createdAt(), at, state.positions(), state.cash(), state.splits());
    }
    throw new IllegalStateException("unhandled event " + event.getClass().getSimpleName());
  }

  private static PortfolioState with(PortfolioState state, long seq, Instant at,
      Map<PositionKey, Position> positions, Map<CurrencyCode, BigDecimal> cash) {
    return new PortfolioState(state.id(), state.name(), state.baseCurrency(), state.parentId(),
        state.costMethod(), state.driftThreshold(), state.targets(), seq, state.createdAt(), at,
        positions, cash, state.splits());
  }

  private static <T> T orElse(T value, T fallback) {
    return value != null ? value : fallback;
  }
}
