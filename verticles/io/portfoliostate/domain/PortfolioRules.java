package io.portfoliostate.domain;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.Optional;
import io.portfoliostate.domain.timeline.TradeLedger;

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
    return decide(state, null, command, now, reference);
  }

  /**
   * Decides a command against the state it would apply to and the portfolio's trades as they
   * stand, which a back-dated trade, a cancel or an amendment folds again.
   *
   * @param ledger the portfolio's trades, or null when not loaded: only the commands for which
   *     {@link #needsLedger} says so need it (the owner loads it for them)
   * @throws IllegalStateException when the command needs the ledger and none is given
   */
  public static Decision decide(PortfolioState state, TradeLedger ledger, PortfolioCommand command, Instant now,
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
      Rejection late = BusinessTimes.check("executedAt", ((RecordTrade) command).executedAt(), now);
      return late != null ? Decision.reject(late) : trade(state, ledger, (RecordTrade) command, now, reference);
    }
    if (command instanceof CancelTrade) {
      return Corrections.cancel(state, requireLedger(ledger, command), (CancelTrade) command, now);
    }
    if (command instanceof AmendTrade) {
      Rejection late = BusinessTimes.check("executedAt", ((AmendTrade) command).executedAt(), now);
      return late != null ? Decision.reject(late)
          : Corrections.amend(state, requireLedger(ledger, command), (AmendTrade) command, now, reference);
    }
    if (command instanceof RecordCashFlow) {
      RecordCashFlow flow = (RecordCashFlow) command;
      Rejection late = BusinessTimes.check("occurredAt", flow.occurredAt(), now);
      if (late != null) {
        return Decision.reject(late);
      }
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
    if (command instanceof ApplyBatch batch) {
      return batch(state, ledger, batch, now, reference);
    }
    throw new IllegalStateException("unhandled command " + command.getClass().getSimpleName());
  }

  /**
   * A batch as one decision ({@link BatchDecision}): all its events, or the refusal naming every
   * refused item. The owner decides batches through {@link BatchDecision#decide} itself, to
   * journal each item under its own id; this is the same decision for callers that need only
   * the events.
   */
  private static Decision batch(PortfolioState state, TradeLedger ledger, ApplyBatch batch, Instant now,
      ReferenceData reference) {
    BatchDecision decision = BatchDecision.decide(state, ledger, batch, now, reference);
    if (decision == BatchDecision.NEEDS_LEDGER) {
      throw new IllegalStateException("this batch needs the portfolio's trades");
    }
    if (!decision.accepted(batch) || decision.applied().isEmpty()) {
      return Decision.reject(decision.rejection(batch));
    }
    List<PortfolioEvent> events = new ArrayList<>();
    decision.applied().forEach(item -> events.addAll(item.events()));
    return new Decision.Accepted(events);
  }

  private static Decision create(CreatePortfolio create, Instant now) {
    return Decision.accept(new PortfolioCreated(create.portfolioId(), create.name(), create.baseCurrency(),
        create.parentId(), create.effectiveCostMethod(), create.driftThreshold(), create.targets(), now,
        create.settings()));
  }

  private static Decision update(PortfolioState state, UpdatePortfolio update, Instant now) {
    CostMethod method = update.costMethod();
    if (method != null && method != state.costMethod() && state.holdsOpenPositions()) {
      return Decision.reject(Rejection.invalid("costMethod",
          "the cost method can change only while the portfolio holds no open position"));
    }
    return Decision.accept(new PortfolioUpdated(update.name(), update.parentId(),
        update.driftThreshold(), method, now, update.clearParent(), update.settings(), update.clearedSettings()));
  }

  /**
   * A split restates every position in the instrument, in every strategy, and is remembered; a
   * dividend credits q · amountPerShare per open position (debits it for a short), per position
   * currency. Either is recorded when nothing is held too, so that the journal knows the action
   * was dealt with: a second delivery is then a replay, never a second application.
   */
  private static Decision corporateAction(PortfolioState state, CorporateAction action, Instant now) {
    return Decision.accept(applicationOf(state, action, now));
  }

  /** The event that applies {@code action} to the positions {@code state} holds. */
  private static PortfolioEvent applicationOf(PortfolioState state, CorporateAction action, Instant now) {
    if (action instanceof Split) {
      Split split = (Split) action;
      return new SplitApplied(split.actionId(), split.instrumentId(), split.numerator(),
          split.denominator(), split.effectiveAt(), now);
    }
    CashDividend dividend = (CashDividend) action;
    Map<CurrencyCode, BigDecimal> amounts = new TreeMap<>();
    for (Position position : state.positions().values()) {
      if (position.key().instrumentId().equals(dividend.instrumentId()) && !position.isFlat()) {
        amounts.merge(position.currency(), dividend.amountFor(position), BigDecimal::add);
      }
    }
    return new DividendApplied(dividend.actionId(), dividend.instrumentId(),
        dividend.amountPerShare(), dividend.effectiveAt(), amounts, now);
  }

  /**
   * A trade's currency defaults to its instrument's, or to the base currency for an instrument
   * without reference data; a currency that contradicts the instrument's, or the currency the
   * position is already kept in, is refused.
   *
   * <p>Corporate actions meet a trade here too (issue 17: late holders). The effective actions of
   * the instrument come from {@code reference}, which every owner has, not only from what was
   * applied to this portfolio, so a portfolio the fan-out never reached is treated exactly as if
   * the trade had arrived before the fan-out: the action is applied first (its own event, under
   * the action's key), the trade is converted by every split it precedes and flagged, and every
   * dividend paid after the trade's execution is paid (or taken back) on the trade's quantity, as
   * a {@link DividendApplied} that names the trade.
   */
  /**
   * Whether deciding {@code command} against {@code state} needs the portfolio's trades: a cancel,
   * an amendment, and a trade that is not the latest on its position's timeline (executed before a
   * trade already in the position, before a split already applied to its instrument, or into a
   * position whose latest execution time is not known).
   */
  public static boolean needsLedger(PortfolioState state, PortfolioCommand command, Instant now,
      ReferenceData reference) {
    if (command instanceof CancelTrade || command instanceof AmendTrade) {
      return state != null;
    }
    if (!(command instanceof RecordTrade) || state == null) {
      return false;
    }
    RecordTrade trade = (RecordTrade) command;
    Position existing = state.positions().get(trade.positionKey());
    if (existing == null) {
      return false;
    }
    Instant executedAt = trade.executedAt() == null ? now : trade.executedAt();
    if (!existing.precedes(executedAt)) {
      return true;
    }
    for (Split split : state.splitsOf(trade.instrumentId())) {
      if (split.effectiveAt().isAfter(executedAt)) {
        return true;
      }
    }
    for (CorporateAction action : reference.actionsOf(trade.instrumentId())) {
      if (action instanceof Split && action.effectiveAt().isAfter(executedAt)) {
        return true;
      }
    }
    return false;
  }

  private static TradeLedger requireLedger(TradeLedger ledger, PortfolioCommand command) {
    if (ledger == null) {
      throw new IllegalStateException(command.getClass().getSimpleName() + " needs the portfolio's trades");
    }
    return ledger;
  }

  /**
   * A trade's currency defaults to its instrument's, or to the base currency for an instrument
   * without reference data; a currency that contradicts the instrument's, or the currency the
   * position is already kept in, is refused.
   *
   * <p>Corporate actions meet a trade here too (issue 17: late holders). The effective actions of
   * the instrument come from {@code reference}, which every owner has, not only from what was
   * applied to this portfolio, so a portfolio the fan-out never reached is treated exactly as if
   * the trade had arrived before the fan-out: the action is applied first (its own event, under
   * the action's key).
   *
   * <p>Then the trade takes its place on its position's timeline (DOMAIN.md, Time). Executed at or
   * after everything already in the position (the common case), it is folded on top. Otherwise —
   * executed before a trade already there, or before a split already applied — the position is
   * folded again in execution order with the trade in its place, and the event carries the
   * restated position; the trade is recorded as sent (the journal keeps facts as they arrived),
   * flagged with the splits it crossed. Every dividend already paid whose holding the trade
   * changes is paid again on the difference, as a {@link DividendApplied} that names the trade.
   */
  private static Decision trade(PortfolioState state, TradeLedger ledger, RecordTrade trade, Instant now,
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
    // An effective action the portfolio has not dealt with yet is applied first, as the fan-out
    // would have applied it, whether or not the fan-out ever reaches the portfolio: when the trade
    // was executed before it (a late trade: as if it had arrived before the fan-out), and when the
    // portfolio holds the instrument (the fan-out is on its way: the action applies to what was
    // held at its effective time, not to this trade).
    List<PortfolioEvent> events = new ArrayList<>();
    PortfolioState current = state;
    for (CorporateAction action : reference.actionsOf(trade.instrumentId())) {
      if (action.isEffectiveAt(now) && !current.hasApplied(action)
          && (precedes(trade, action) || holdsOpen(current, action.instrumentId()))) {
        PortfolioEvent applied = applicationOf(current, action, now);
        events.add(applied);
        current = evolve(current, applied);
      }
    }
    Instant executedAt = trade.executedAt() == null ? now : trade.executedAt();
    List<String> crossed = new ArrayList<>();
    for (Split split : current.splitsOf(trade.instrumentId())) {
      if (split.effectiveAt().isAfter(executedAt)) {
        crossed.add(split.actionId());
      }
    }
    Position position = current.positions().get(trade.positionKey());
    TradeRecorded sent = new TradeRecorded(trade.tradeId(), trade.instrumentId(), trade.strategy(), trade.side(),
        trade.quantity(), trade.price(), currency, trade.fees(), executedAt, now);
    if (crossed.isEmpty() && (position == null || position.precedes(executedAt))) {
      events.add(sent);
      // ... and it changes what was held at every dividend already paid after its execution.
      for (CashDividend dividend : current.dividendsOf(trade.instrumentId())) {
        if (precedes(trade, dividend)) {
          BigDecimal amount = trade.side().signed(trade.quantity()).multiply(dividend.amountPerShare());
          events.add(new DividendApplied(dividend.actionId(), dividend.instrumentId(), dividend.amountPerShare(),
              dividend.effectiveAt(), Map.of(currency, amount), now, trade.tradeId()));
        }
      }
      return new Decision.Accepted(events);
    }
    TradeLedger before = position == null ? TradeLedger.EMPTY : requireLedger(ledger, trade);
    long seq = current.version() + 1;
    TradeLedger.Entry entry = new TradeLedger.Entry(sent, seq, executedAt, 0, false);
    TradeLedger after = before.with(entry);
    Restatement restatement = Corrections.restate(current, after, List.of(trade.positionKey()), now);
    events.add(new TradeRecorded(sent.tradeId(), sent.instrumentId(), sent.strategy(), sent.side(), sent.quantity(),
        sent.price(), currency, sent.fees(), executedAt, now, crossed, restatement));
    events.addAll(Corrections.dividendsRestated(current, before, after, List.of(trade.positionKey()),
        trade.tradeId(), now));
    return new Decision.Accepted(events);
  }

  private static boolean holdsOpen(PortfolioState state, InstrumentId instrumentId) {
    for (Position position : state.positions().values()) {
      if (position.key().instrumentId().equals(instrumentId) && !position.isFlat()) {
        return true;
      }
    }
    return false;
  }

  /** Whether {@code trade} was executed before {@code action} took effect (a trade without time is not). */
  private static boolean precedes(RecordTrade trade, CorporateAction action) {
    return trade.executedAt() != null && trade.executedAt().isBefore(action.effectiveAt());
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
          created.at(), created.at(), Map.of(), Map.of(), Map.of(), Map.of(), created.settings());
    }
    if (state == null) {
      throw new IllegalStateException("the first event of a portfolio must be its creation");
    }
    long seq = state.version() + 1;
    Instant at = event.at();
    if (event instanceof TradeRecorded) {
      TradeRecorded trade = (TradeRecorded) event;
      if (trade.restated() != null) {
        return with(state, seq, at, trade.restated().applyTo(state.positions()),
            state.cashWith(trade.currency(), trade.cashEffect()));
      }
      PositionKey key = trade.positionKey();
      Position before = state.positions().getOrDefault(key, Position.empty(key, trade.currency()));
      Position after = before.apply(trade.signedQuantity(), trade.price(), trade.fees(),
          trade.executedAt(), seq, at, state.costMethod());
      return with(state, seq, at, state.positionsWith(after), state.cashWith(trade.currency(), trade.cashEffect()));
    }
    if (event instanceof TradeCancelled) {
      TradeCancelled cancel = (TradeCancelled) event;
      TradeRecorded cancelled = cancel.cancelled();
      return with(state, seq, at, cancel.restatement().applyTo(state.positions()),
          state.cashWith(cancelled.currency(), cancelled.cashEffect().negate()));
    }
    if (event instanceof TradeAmended) {
      TradeAmended amend = (TradeAmended) event;
      PortfolioState undone = with(state, seq, at, state.positions(),
          state.cashWith(amend.previous().currency(), amend.previous().cashEffect().negate()));
      return with(state, seq, at, amend.restatement().applyTo(state.positions()),
          undone.cashWith(amend.amended().currency(), amend.amended().cashEffect()));
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
          positions, state.cash(), state.splitsWith(split), state.dividends(), state.settings());
    }
    if (event instanceof DividendApplied) {
      DividendApplied dividend = (DividendApplied) event;
      PortfolioState paid = with(state, seq, at, state.positions(), state.cash());
      for (Map.Entry<CurrencyCode, BigDecimal> amount : dividend.amounts().entrySet()) {
        paid = with(paid, seq, at, paid.positions(), paid.cashWith(amount.getKey(), amount.getValue()));
      }
      if (dividend.tradeId() != null) {
        return paid;
      }
      // Remembered, so that a late trade executed before it receives (or pays) it too.
      return new PortfolioState(paid.id(), paid.name(), paid.baseCurrency(), paid.parentId(), paid.costMethod(),
          paid.driftThreshold(), paid.targets(), seq, paid.createdAt(), at, paid.positions(), paid.cash(),
          paid.splits(), paid.dividendsWith(dividend.dividend()), paid.settings());
    }
    if (event instanceof TargetsSet) {
      TargetsSet targets = (TargetsSet) event;
      return new PortfolioState(state.id(), state.name(), state.baseCurrency(), state.parentId(),
          state.costMethod(), orElse(targets.driftThreshold(), state.driftThreshold()), targets.targets(),
          seq, state.createdAt(), at, state.positions(), state.cash(), state.splits(), state.dividends(),
          state.settings());
    }
    if (event instanceof PortfolioUpdated) {
      PortfolioUpdated update = (PortfolioUpdated) event;
      PortfolioId parent = update.parentCleared() ? null : orElse(update.parentId(), state.parentId());
      return new PortfolioState(state.id(), orElse(update.name(), state.name()), state.baseCurrency(),
          parent, orElse(update.costMethod(), state.costMethod()),
          orElse(update.driftThreshold(), state.driftThreshold()), state.targets(), seq,
          state.createdAt(), at, state.positions(), state.cash(), state.splits(), state.dividends(),
          state.settings().applying(update.settings(), update.clearedSettings()));
    }
    throw new IllegalStateException("unhandled event " + event.getClass().getSimpleName());
  }

  private static PortfolioState with(PortfolioState state, long seq, Instant at,
      Map<PositionKey, Position> positions, Map<CurrencyCode, BigDecimal> cash) {
    return new PortfolioState(state.id(), state.name(), state.baseCurrency(), state.parentId(),
        state.costMethod(), state.driftThreshold(), state.targets(), seq, state.createdAt(), at,
        positions, cash, state.splits(), state.dividends(), state.settings());
  }

  private static <T> T orElse(T value, T fallback) {
    return value != null ? value : fallback;
  }
}
