package io.portfoliostate.shard;

import io.portfoliostate.domain.Alert;
import io.portfoliostate.domain.ApplyBatch;
import io.portfoliostate.domain.ApplyCorporateAction;
import io.portfoliostate.domain.BatchDecision;
import io.portfoliostate.domain.CorporateAction;
import io.portfoliostate.domain.AlertRules;
import io.portfoliostate.domain.CommandResult;
import io.portfoliostate.domain.CreatePortfolio;
import io.portfoliostate.domain.Decision;
import io.portfoliostate.domain.DividendApplied;
import io.portfoliostate.domain.IdempotentCommand;
import io.portfoliostate.domain.PortfolioCommand;
import io.portfoliostate.domain.PortfolioCreated;
import io.portfoliostate.domain.PortfolioEvent;
import io.portfoliostate.domain.PortfolioRules;
import io.portfoliostate.domain.timeline.TradeLedger;
import io.portfoliostate.domain.PortfolioState;
import io.portfoliostate.domain.PortfolioUpdated;
import io.portfoliostate.domain.ReferenceData;
import io.portfoliostate.domain.SplitApplied;
import io.portfoliostate.domain.Rejection;
import io.portfoliostate.domain.TradeRecorded;
import io.portfoliostate.domain.UpdatePortfolio;
import io.portfoliostate.persistence.IdempotencyIndex;
import io.portfoliostate.protocol.AlertJson;
import io.portfoliostate.protocol.CommandEnvelope;
import io.portfoliostate.protocol.CommandOutcome;
import io.portfoliostate.protocol.EventJson;
import io.portfoliostate.protocol.JournalAppend;
import io.portfoliostate.protocol.Origin;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The commands of one portfolio decided together against the state the earlier ones produce, in
 * arrival order: the events to journal in one append, the state after them, and the outcome of
 * every command, to be delivered once the append is committed.
 */
final class CommandBatch {

  private static final Logger LOG = LoggerFactory.getLogger(CommandBatch.class);

  /** A replay of a command recorded in an earlier batch: its result is rebuilt from the journal. */
  record EarlierReplay(PendingCommand command, long version) {
  }

  private record Delivery(PendingCommand command, CommandOutcome outcome) {
  }

  private record Recorded(long hash, long version, CommandResult result) {
  }

  final PortfolioState before;
  PortfolioState after;
  /** The portfolio's trades after the batch, or null while the owner has not loaded them. */
  TradeLedger ledger;
  /**
   * The batch stopped before a command that needs the portfolio's trades (a cancel, an amendment,
   * a back-dated trade) because they are not loaded: the owner loads them, then decides on.
   */
  boolean ledgerNeeded;
  final List<PortfolioEvent> events = new ArrayList<>();
  final List<JournalAppend.Row> rows = new ArrayList<>();
  final List<EarlierReplay> earlierReplays = new ArrayList<>();
  private final List<Delivery> deliveries = new ArrayList<>();
  private final Map<String, Recorded> recordedHere = new HashMap<>();
  private boolean catalogChanged;
  /** The command of the batch that changes the parent link, if any: it is the batch's only writer. */
  PendingCommand parentChange;
  /**
   * The state after the batch, encoded to go into the append's own transaction, or null (see
   * {@link #snapshotWhenLarge}).
   */
  JournalAppend.SnapshotRow snapshot;
  /** How many alerts the batch's events raised (they are journaled with the events). */
  int alertsRaised;
  /** The command whose origin {@link #originText} holds, encoded once for all its items. */
  private PendingCommand originOf;
  private String originText;
  /** Who posted each corporate action, as the node knows it. */
  private Function<String, Origin> actionOrigins = actionId -> null;

  private CommandBatch(PortfolioState before) {
    this.before = before;
    this.after = before;
  }

  /**
   * Takes commands from {@code queue} until it is empty or {@code maxRows} events are decided.
   * {@code actionOrigins} tells who posted a corporate action (null when this node does not
   * know): the origin of the events a late trade applies the action with.
   */
  static CommandBatch decide(PortfolioState state, IdempotencyIndex index, ArrayDeque<PendingCommand> queue,
      int maxRows, Instant now, ReferenceData reference, Function<String, Origin> actionOrigins) {
    return decide(state, null, index, queue, maxRows, now, reference, actionOrigins);
  }

  /**
   * As above, with the portfolio's trades ({@code ledger}, null when not loaded): the batch stops
   * before the first command that needs them when they are not loaded ({@link #ledgerNeeded}).
   */
  static CommandBatch decide(PortfolioState state, TradeLedger ledger, IdempotencyIndex index,
      ArrayDeque<PendingCommand> queue, int maxRows, Instant now, ReferenceData reference,
      Function<String, Origin> actionOrigins) {
    CommandBatch batch = new CommandBatch(state);
    batch.ledger = ledger;
    batch.actionOrigins = actionOrigins;
    while (!queue.isEmpty() && batch.rows.size() < maxRows) {
      if (ledger == null && PortfolioRules.needsLedger(batch.after, queue.peek().envelope.command(), now, reference)) {
        batch.ledgerNeeded = true;
        break;
      }
      if (queue.peek().envelope.command() instanceof ApplyBatch) {
        PendingCommand head = queue.peek();
        try {
          if (!batch.decideBatch(queue, index, now, reference)) {
            batch.ledgerNeeded = true;
            break;
          }
        } catch (RuntimeException bug) {
          // As below: the batch is refused alone and took nothing into the append (its savepoint).
          queue.remove(head);
          long ref = System.nanoTime();
          LOG.error("Deciding a batch for {} failed; refused it (ref {})", head.envelope.command().portfolioId(),
              ref, bug);
          batch.deliver(head, new CommandOutcome.Refused(Rejection.of(Rejection.Reason.INTERNAL,
              "an internal error occurred while deciding the batch; it changed nothing (ref " + ref + ")")));
        }
        continue;
      }
      // A parent change goes alone in its append: if the journal finds it would close a cycle,
      // it alone is refused and the commands around it are decided again.
      boolean changesParent = changesParent(queue.peek().envelope.command());
      if (changesParent && batch.hasEvents()) {
        break;
      }
      PendingCommand pending = queue.poll();
      try {
        batch.decideOne(pending, index, now, reference);
      } catch (RuntimeException bug) {
        // A bug in deciding one command must not take the batch down: the command is refused
        // alone (it added nothing to the batch, see decideOne), the others keep their outcomes.
        long ref = System.nanoTime();
        LOG.error("Deciding a command for {} failed; refused it (ref {})", pending.envelope.command().portfolioId(),
            ref, bug);
        batch.deliver(pending, new CommandOutcome.Refused(Rejection.of(Rejection.Reason.INTERNAL,
            "an internal error occurred while deciding the command; it changed nothing (ref " + ref + ")")));
        continue;
      }
      if (changesParent && batch.hasEvents()) {
        batch.parentChange = pending;
        break;
      }
    }
    return batch;
  }

  private static boolean changesParent(PortfolioCommand command) {
    return (command instanceof UpdatePortfolio && ((UpdatePortfolio) command).parentId() != null)
        || (command instanceof CreatePortfolio && ((CreatePortfolio) command).parentId() != null);
  }

  private void decideOne(PendingCommand pending, IdempotencyIndex index, Instant now, ReferenceData reference) {
    PortfolioCommand command = pending.envelope.command();
    String key = command instanceof IdempotentCommand ? ((IdempotentCommand) command).idempotencyKey()
        : pending.envelope.idempotencyKey() != null ? CommandEnvelope.KEY_PREFIX + pending.envelope.idempotencyKey()
        : null;
    if (key != null) {
      Recorded here = recordedHere.get(key);
      if (here != null) {
        deliver(pending, here.hash == pending.contentHash
            ? new CommandOutcome.Recorded(here.result, true)
            : reused(key));
        return;
      }
      IdempotencyIndex.Entry earlier = index == null ? null : index.get(key);
      if (earlier != null) {
        if (earlier.hash() == pending.contentHash) {
          earlierReplays.add(new EarlierReplay(pending, earlier.version()));
        } else {
          deliver(pending, reused(key));
        }
        return;
      }
    }
    if (pending.refusal != null) {
      deliver(pending, new CommandOutcome.Refused(pending.refusal));
      return;
    }
    Long expected = pending.envelope.expectedVersion();
    long current = after == null ? 0 : after.version();
    if (expected != null && expected != current) {
      deliver(pending, new CommandOutcome.Refused(Rejection.of(Rejection.Reason.VERSION_MISMATCH,
          "expected version " + expected + ", the portfolio is at version " + current)));
      return;
    }
    Decision decision = PortfolioRules.decide(after, ledger, command, now, reference);
    CorporateAction forgotten;
    while ((forgotten = forgottenAction(decision, index)) != null) {
      // The journal has the action's key but the state does not remember it (read from a snapshot
      // written before dividends were remembered): applying it again would hit the journal's unique
      // index on every retry. The state learns it, and the command is decided again.
      LOG.warn("Portfolio {} did not remember corporate action {}; decided again", after.id(), forgotten.actionId());
      after = after.remembering(forgotten);
      decision = PortfolioRules.decide(after, ledger, command, now, reference);
    }
    if (decision instanceof Decision.Rejected) {
      deliver(pending, new CommandOutcome.Refused(((Decision.Rejected) decision).rejection()));
      return;
    }
    List<PortfolioEvent> decided = ((Decision.Accepted) decision).events();
    CommandResult result = record(pending, command, key, key == null ? null : pending.contentHash, decided, now);
    deliver(pending, new CommandOutcome.Recorded(result, false));
  }

  /**
   * Adds the events of one decided command to the batch, with their journal rows, and remembers
   * the command's key; returns its result. Everything is computed before the batch changes, so
   * that a command whose evolve or encoding throws half-way leaves no event of its own behind.
   *
   * @param hash the content hash journaled with the key, or null when the command has none
   */
  private CommandResult record(PendingCommand pending, PortfolioCommand command, String key, Long hash,
      List<PortfolioEvent> decided, Instant now) {
    PortfolioState state = after;
    TradeLedger trades = ledger;
    List<JournalAppend.Row> decidedRows = new ArrayList<>(decided.size());
    Map<String, Recorded> actionsOnTheWay = new HashMap<>();
    int alertCount = 0;
    boolean catalog = false;
    // A request key (Idempotency-Key) that no event carries is journaled as the command id of the
    // command's last event: the version a replay answers with, and the journal's unique index
    // catches a key older than the window. A key an event carries already (a trade's) is not
    // written twice: a late trade's events may end with a dividend that carries no key.
    boolean keyCarried = false;
    for (PortfolioEvent event : decided) {
      keyCarried |= key != null && key.equals(event.idempotencyKey());
    }
    // Every event of the command carries the command's origin, encoded once (per batch).
    if (originOf != pending) {
      originOf = pending;
      originText = pending.envelope.originOrUnknown().encode();
    }
    String origin = originText;
    for (int i = 0; i < decided.size(); i++) {
      PortfolioEvent event = decided.get(i);
      String commandId = event.idempotencyKey() != null ? event.idempotencyKey()
          : !keyCarried && i == decided.size() - 1 ? key : null;
      PortfolioState previous = state;
      state = PortfolioRules.evolve(state, event);
      trades = trades == null ? null : trades.evolve(event, state.version());
      List<Alert> alerts = AlertRules.raisedBy(previous, event, state);
      alertCount += alerts.size();
      Long rowHash = key == null ? null : hash;
      CorporateAction applied = ApplyCorporateAction.appliedBy(event);
      if (applied != null && !event.idempotencyKey().equals(key)) {
        // An action a late trade applied on the way: recorded under the action's own key and
        // content, so the fan-out's ApplyCorporateAction is answered as a replay.
        long actionHash = IdempotencyIndex.hash(ApplyCorporateAction.fingerprint(applied));
        rowHash = actionHash;
        actionsOnTheWay.put(event.idempotencyKey(), new Recorded(actionHash, state.version(),
            CommandResult.of(new ApplyCorporateAction(state.id(), applied), state)));
      }
      decidedRows.add(new JournalAppend.Row(state.version(), EventJson.type(event), commandId,
          rowHash, EventJson.encode(event), now,
          event instanceof TradeRecorded ? ((TradeRecorded) event).instrumentId().value() : null,
          AlertJson.toJournal(state.id(), state.version(), now, alerts),
          byActionOnTheWay(command, event) != null ? actionOrigin(byActionOnTheWay(command, event)) : origin));
      catalog |= event instanceof PortfolioCreated || event instanceof PortfolioUpdated;
    }
    CommandResult result = CommandResult.of(command, state, decided);
    after = state;
    ledger = trades;
    events.addAll(decided);
    rows.addAll(decidedRows);
    recordedHere.putAll(actionsOnTheWay);
    alertsRaised += alertCount;
    catalogChanged |= catalog;
    if (key != null) {
      recordedHere.put(key, new Recorded(hash, after.version(), result));
    }
    return result;
  }

  /**
   * Decides the {@link ApplyBatch} at the head of {@code queue} as one decision and takes it off
   * the queue; returns false, leaving it queued and the batch unchanged, when it needs the
   * portfolio's trades, which are not loaded.
   *
   * <p>Replays inside a batch: each item's key is looked up first, as for a command of its own
   * (in this append, then in the owner's index of recent ids; an id older than the index is
   * caught by the journal's unique index, looked up, and the batch decided again). The same
   * content is a replay: left out, and listed. Other content is refused as id-reused. An id twice
   * in the batch: the second is a replay of the first (refused with it if the first is refused)
   * or, with other content, refused. The other items go to {@link BatchDecision#decide}; when any
   * item is refused (and the batch does not skip refused items) the batch changes nothing and
   * its refusal lists every refused item. Otherwise every applied item's events join this append
   * under the item's own key, so the batch commits whole or not at all.
   */
  private boolean decideBatch(ArrayDeque<PendingCommand> queue, IdempotencyIndex index, Instant now,
      ReferenceData reference) {
    PendingCommand pending = queue.peek();
    ApplyBatch batch = (ApplyBatch) pending.envelope.command();
    List<IdempotentCommand> items = batch.items();
    List<IdempotentCommand> fresh = new ArrayList<>(items.size());
    int[] freshIndex = new int[items.size()];
    long[] freshHash = new long[items.size()];
    List<Integer> replayed = new ArrayList<>();
    List<BatchDecision.Refusal> refused = new ArrayList<>();
    // key -> {index in the batch, hash} of its first item, to tell replays inside the batch
    Map<String, long[]> firstOf = new HashMap<>();
    Map<Integer, Integer> replayOfItem = new HashMap<>();
    Long expected = pending.envelope.expectedVersion();
    long current = after == null ? 0 : after.version();
    if (expected != null && expected != current) {
      queue.poll();
      deliver(pending, new CommandOutcome.Refused(Rejection.of(Rejection.Reason.VERSION_MISMATCH,
          "expected version " + expected + ", the portfolio is at version " + current)));
      return true;
    }
    for (int i = 0; i < items.size(); i++) {
      IdempotentCommand item = items.get(i);
      String key = item.idempotencyKey();
      long hash = IdempotencyIndex.hash(item.fingerprint());
      long[] first = firstOf.get(key);
      if (first != null) {
        if (first[1] == hash) {
          replayed.add(i);
          replayOfItem.put(i, (int) first[0]);
        } else {
          refused.add(new BatchDecision.Refusal(i, ((CommandOutcome.Refused) reused(key)).rejection()));
        }
        continue;
      }
      firstOf.put(key, new long[] {i, hash});
      Recorded here = recordedHere.get(key);
      IdempotencyIndex.Entry earlier = here != null || index == null ? null : index.get(key);
      if (here != null || earlier != null) {
        if ((here != null ? here.hash : earlier.hash()) == hash) {
          replayed.add(i);
        } else {
          refused.add(new BatchDecision.Refusal(i, ((CommandOutcome.Refused) reused(key)).rejection()));
        }
        continue;
      }
      freshIndex[fresh.size()] = i;
      freshHash[fresh.size()] = hash;
      fresh.add(item);
    }
    BatchDecision decision = null;
    if (!fresh.isEmpty()) {
      decision = BatchDecision.decide(after, ledger, batch.with(fresh), now, reference);
      if (decision == BatchDecision.NEEDS_LEDGER) {
        return false;
      }
      java.util.Set<Integer> refusedHere = new java.util.HashSet<>();
      for (BatchDecision.Refusal refusal : decision.refused()) {
        refused.add(new BatchDecision.Refusal(freshIndex[refusal.index()], refusal.rejection()));
        refusedHere.add(freshIndex[refusal.index()]);
      }
      // A repeat of a refused item is refused with it, not a replay of something recorded.
      for (Map.Entry<Integer, Integer> repeat : replayOfItem.entrySet()) {
        if (refusedHere.contains(repeat.getValue())) {
          replayed.remove(repeat.getKey());
          refused.add(new BatchDecision.Refusal(repeat.getKey(), refusedRejection(refused, repeat.getValue())));
        }
      }
      refused.sort(java.util.Comparator.comparingInt(BatchDecision.Refusal::index));
    }
    queue.poll();
    if (!refused.isEmpty() && !batch.skipRefused()) {
      deliver(pending, new CommandOutcome.Refused(BatchDecision.rejectionOf(refused, items.size()), refused));
      return true;
    }
    if (after == null) {
      // Nothing fresh and nothing recorded: only ids reused of a portfolio that does not exist.
      deliver(pending, new CommandOutcome.Refused(Rejection.of(Rejection.Reason.NOT_FOUND,
          "portfolio " + batch.portfolioId() + " does not exist")));
      return true;
    }
    Savepoint savepoint = new Savepoint();
    try {
      if (decision != null) {
        for (BatchDecision.Item item : decision.applied()) {
          record(pending, item.command(), item.command().idempotencyKey(), freshHash[item.index()], item.events(),
              now);
        }
      }
    } catch (RuntimeException bug) {
      savepoint.rollback();
      throw bug;
    }
    boolean nothingNew = decision == null || decision.applied().isEmpty();
    deliver(pending, new CommandOutcome.Recorded(new CommandResult(after.id(), after.version(), null,
        Map.copyOf(after.cash()), null), nothingNew && refused.isEmpty(), replayed, refused));
    return true;
  }

  private static Rejection refusedRejection(List<BatchDecision.Refusal> refused, int index) {
    for (BatchDecision.Refusal refusal : refused) {
      if (refusal.index() == index) {
        return refusal.rejection();
      }
    }
    throw new IllegalStateException("item " + index + " is not refused");
  }

  /** What the batch holds before a command, to take back a command that threw half-way. */
  private final class Savepoint {
    private final PortfolioState state = after;
    private final TradeLedger trades = ledger;
    private final int eventCount = events.size();
    private final int rowCount = rows.size();
    private final Map<String, Recorded> recorded = new HashMap<>(recordedHere);
    private final int alerts = alertsRaised;
    private final boolean catalog = catalogChanged;

    void rollback() {
      after = state;
      ledger = trades;
      events.subList(eventCount, events.size()).clear();
      rows.subList(rowCount, rows.size()).clear();
      recordedHere.clear();
      recordedHere.putAll(recorded);
      alertsRaised = alerts;
      catalogChanged = catalog;
    }
  }

  /**
   * The origin of an action's events applied on the way of a late trade: the action caused them,
   * not the trade's sender, exactly as if the fan-out had reached the portfolio first.
   */
  private String actionOrigin(String actionId) {
    Origin known = actionOrigins.apply(actionId);
    return (known != null ? known : Origin.corporateAction(actionId, null, null)).encode();
  }

  /**
   * The action whose event a command other than the action's own application journals (a late
   * trade applies it before the trade, and pays a dividend on what the trade changed after it),
   * or null.
   */
  private static String byActionOnTheWay(PortfolioCommand command, PortfolioEvent event) {
    if (command instanceof ApplyCorporateAction) {
      return null;
    }
    if (event instanceof SplitApplied) {
      return ((SplitApplied) event).actionId();
    }
    return event instanceof DividendApplied ? ((DividendApplied) event).actionId() : null;
  }

  /** An action the decision applies again although its key is recorded already, or null. */
  private CorporateAction forgottenAction(Decision decision, IdempotencyIndex index) {
    if (!(decision instanceof Decision.Accepted)) {
      return null;
    }
    for (PortfolioEvent event : ((Decision.Accepted) decision).events()) {
      CorporateAction applied = ApplyCorporateAction.appliedBy(event);
      if (applied != null && !after.hasApplied(applied) && (recordedHere.containsKey(event.idempotencyKey())
          || (index != null && index.get(event.idempotencyKey()) != null))) {
        return applied;
      }
    }
    return null;
  }

  private static CommandOutcome reused(String key) {
    String id = key.startsWith(CommandEnvelope.KEY_PREFIX) ? "Idempotency-Key " + key.substring(key.indexOf(':') + 1)
        : key.substring(key.indexOf(':') + 1);
    return new CommandOutcome.Refused(Rejection.of(Rejection.Reason.ID_REUSED,
        id + " was already recorded with other content"));
  }

  private void deliver(PendingCommand pending, CommandOutcome outcome) {
    deliveries.add(new Delivery(pending, outcome));
  }

  boolean hasEvents() {
    return !rows.isEmpty();
  }

  /**
   * Encodes the state after the batch as a snapshot to commit with its events when the batch
   * holds at least {@code snapshotEvery} events (an imported file: up to 100,000). Such a batch
   * would be snapshotted right after its COMMIT anyway (its owner snapshots every
   * {@code snapshotEvery} events), so this costs the same encoding, once; but written in the
   * same transaction, the snapshot cannot be lost to a kill between the COMMIT and a later
   * write, which would leave the whole batch to replay at the next load (seconds for a large
   * file: reads answered 503 meanwhile). Smaller batches keep the snapshot out of the write path:
   * what a kill can leave them to replay is what any load replays, under 2 × snapshotEvery.
   * Call it where the batch was decided: on the worker for a large one.
   */
  void snapshotWhenLarge(int snapshotEvery) {
    if (snapshotEvery > 0 && rows.size() >= snapshotEvery) {
      snapshot = new JournalAppend.SnapshotRow(after.version(),
          io.portfoliostate.protocol.StateJson.toJson(after).encode());
    }
  }

  /**
   * The append to journal: every event of the batch, the catalog row if it changed and the
   * snapshot if {@link #snapshotWhenLarge} made one, fenced by the owner's {@code epoch}.
   */
  JournalAppend append(long epoch) {
    JournalAppend.CatalogRow catalog = !catalogChanged ? null : new JournalAppend.CatalogRow(after.name(),
        after.baseCurrency().value(), after.parentId() == null ? null : after.parentId().value(),
        after.costMethod().name(), after.createdAt(), after.updatedAt(),
        io.portfoliostate.protocol.SettingsJson.toJson(after.settings()).encode());
    return new JournalAppend(after.id(), rows, catalog, epoch, snapshot);
  }

  /** After COMMIT: records the new ids in the index and completes every decided command. */
  void committed(IdempotencyIndex index) {
    recordedHere.forEach((key, recorded) -> index.put(key, recorded.hash, recorded.version));
    deliveries.forEach(d -> d.command.reply.complete(d.command.slot, d.outcome));
  }

  /** The batch wrote nothing: its outcomes can go at once. */
  void deliverWithoutWrite() {
    deliveries.forEach(d -> d.command.reply.complete(d.command.slot, d.outcome));
  }

  /** The ids this batch records for the first time (as far as the owner's window knows). */
  List<String> newIdempotencyKeys() {
    return new ArrayList<>(recordedHere.keySet());
  }

  /**
   * Puts the batch's commands back at the head of {@code queue}, in their order, to be decided
   * again (after the journal refused the append). Returns how many.
   */
  int requeue(ArrayDeque<PendingCommand> queue) {
    for (int i = deliveries.size() - 1; i >= 0; i--) {
      queue.addFirst(deliveries.get(i).command);
    }
    return deliveries.size();
  }

  /** Visits every command decided in this batch. */
  void forEachCommand(java.util.function.Consumer<PendingCommand> visitor) {
    deliveries.forEach(d -> visitor.accept(d.command));
    earlierReplays.forEach(r -> visitor.accept(r.command()));
  }

  /** Every request with a command in this batch. */
  List<PendingReply> replies() {
    List<PendingReply> replies = new ArrayList<>(deliveries.size());
    deliveries.forEach(d -> replies.add(d.command.reply));
    earlierReplays.forEach(r -> replies.add(r.command().reply));
    return replies;
  }
}
