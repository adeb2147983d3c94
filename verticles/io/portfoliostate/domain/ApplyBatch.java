package io.portfoliostate.domain;

import java.util.List;

/**
 * Trades and cash flows of one portfolio applied as one decision (issue 16: an imported file
 * never half-applies): either every new item is recorded, or none is and the refusal lists
 * every refused item with its reason. The whole batch is journaled in one transaction.
 *
 * <p>Each item keeps its own id (tradeId, flowId), so the batch has no id of its own: an item
 * whose id is already recorded with the same content is a <em>replay</em> (it changes nothing and
 * refuses nothing), with other content it is refused as {@link Rejection.Reason#ID_REUSED}; an
 * id twice in the batch is a replay of the first when the content matches, else refused. Sending
 * the same batch again therefore changes nothing, and a batch that overlaps recorded items applies
 * only the new ones. Those id checks need the journal's index, so the owner makes them and hands
 * {@link BatchDecision#decide} only the new items.
 *
 * @param items the commands in the order they are decided: {@link RecordTrade} and
 *     {@link RecordCashFlow} of this portfolio, at least one
 * @param skipRefused false (the default): one refused item refuses the batch; true ("valid rows
 *     only"): refused items are left out and the others are recorded, still in one transaction
 */
public record ApplyBatch(PortfolioId portfolioId, List<IdempotentCommand> items, boolean skipRefused)
    implements PortfolioCommand {

  public ApplyBatch {
    if (portfolioId == null) {
      throw new DomainViolation("portfolioId", "is required");
    }
    if (items == null || items.isEmpty()) {
      throw new DomainViolation("items", "must hold at least one trade or cash flow");
    }
    items = List.copyOf(items);
    for (int i = 0; i < items.size(); i++) {
      IdempotentCommand item = items.get(i);
      if (!(item instanceof RecordTrade) && !(item instanceof RecordCashFlow)) {
        throw new DomainViolation("items[" + i + "]", "must be a trade or a cash flow");
      }
      if (!item.portfolioId().equals(portfolioId)) {
        throw new DomainViolation("items[" + i + "].portfolioId", "must be " + portfolioId);
      }
    }
  }

  /**
   * Each item's key and fingerprint, in order: two batches with the same items in the same order
   * ask the same thing. Built only when asked (a batch has no idempotency key of its own, so the
   * owner does not hash it).
   */
  @Override
  public String fingerprint() {
    StringBuilder text = new StringBuilder(skipRefused ? "skipRefused" : "atomic");
    for (IdempotentCommand item : items) {
      text.append('\n').append(item.idempotencyKey()).append('=').append(item.fingerprint());
    }
    return text.toString();
  }

  /** The same batch with only some of its items (at least one), in the order given. */
  public ApplyBatch with(List<IdempotentCommand> subset) {
    return new ApplyBatch(portfolioId, subset, skipRefused);
  }
}
