package io.portfoliostate.domain;

import io.portfoliostate.domain.timeline.TradeLedger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * How an {@link ApplyBatch} is decided: its items one after the other, each against the state the
 * accepted ones before it produce (a sell may close what a buy earlier in the batch opened),
 * exactly as {@link PortfolioRules#decide} would decide them one by one, but as one decision: the
 * events of every accepted item, and every refused item with its reason.
 *
 * @param applied the accepted items with their events, in order
 * @param refused the refused items (empty when all were accepted)
 * @param after the state after the applied items' events
 * @param ledger the trades after them, or null when none were given
 */
public record BatchDecision(List<Item> applied, List<Refusal> refused, PortfolioState after, TradeLedger ledger) {

  /** An accepted item: its index in the batch and the events that record it (never empty). */
  public record Item(int index, IdempotentCommand command, List<PortfolioEvent> events) {
    public Item {
      events = List.copyOf(events);
    }
  }

  /** A refused item: its index in the batch (from 0) and why. */
  public record Refusal(int index, Rejection rejection) {
  }

  /**
   * Returned instead of a decision when an item needs the portfolio's trades (a back-dated trade,
   * see {@link PortfolioRules#needsLedger}) and none were given: load them and decide again.
   */
  public static final BatchDecision NEEDS_LEDGER = new BatchDecision(List.of(), List.of(), null, null);

  public BatchDecision {
    applied = List.copyOf(applied);
    refused = List.copyOf(refused);
  }

  /** Whether the batch is recorded: no item refused, or the batch skips refused items. */
  public boolean accepted(ApplyBatch batch) {
    return refused.isEmpty() || batch.skipRefused();
  }

  /**
   * Decides every item of {@code batch} in order. A refused item changes nothing and the items
   * after it are still decided (against the state without it), so that a refusal lists every
   * refused item, not only the first.
   *
   * @param state the portfolio's state (null: it does not exist, every item is refused)
   * @param ledger the portfolio's trades, or null when not loaded
   * @return the decision, or {@link #NEEDS_LEDGER}
   */
  public static BatchDecision decide(PortfolioState state, TradeLedger ledger, ApplyBatch batch, Instant now,
      ReferenceData reference) {
    List<Item> applied = new ArrayList<>();
    List<Refusal> refused = new ArrayList<>();
    PortfolioState running = state;
    TradeLedger trades = ledger;
    for (int i = 0; i < batch.items().size(); i++) {
      IdempotentCommand item = batch.items().get(i);
      if (trades == null && PortfolioRules.needsLedger(running, item, now, reference)) {
        return NEEDS_LEDGER;
      }
      Decision decision = PortfolioRules.decide(running, trades, item, now, reference);
      if (decision instanceof Decision.Rejected rejected) {
        refused.add(new Refusal(i, rejected.rejection()));
        continue;
      }
      List<PortfolioEvent> events = ((Decision.Accepted) decision).events();
      for (PortfolioEvent event : events) {
        running = PortfolioRules.evolve(running, event);
        trades = trades == null ? null : trades.evolve(event, running.version());
      }
      applied.add(new Item(i, item, events));
    }
    return new BatchDecision(applied, refused, running, trades);
  }

  /** The refusal of the whole batch: see {@link #rejectionOf}. */
  public Rejection rejection(ApplyBatch batch) {
    return rejectionOf(refused, batch.items().size());
  }

  /**
   * The refusal of a whole batch of {@code items} items, {@code refused} of which were refused
   * (at least one): the items' reason when all share it (every item an id reused: 409, as for
   * one), else {@link Rejection.Reason#INVALID}; the detail counts the refused items and quotes
   * the first. Each item's own reason travels with the refusal's list.
   */
  public static Rejection rejectionOf(List<Refusal> refused, int items) {
    Rejection.Reason reason = refused.get(0).rejection().reason();
    for (Refusal refusal : refused) {
      if (refusal.rejection().reason() != reason) {
        reason = Rejection.Reason.INVALID;
        break;
      }
    }
    Refusal first = refused.get(0);
    return new Rejection(reason, refused.size() + " of " + items + " items refused, so none was recorded; the "
        + "first, item " + first.index() + ": " + first.rejection().detail(), first.rejection().field());
  }
}
