package io.portfoliostate.domain;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * Corrects a recorded trade: the fields given replace the trade's (null: unchanged). The trade id
 * and the instrument cannot change (a trade in another instrument is another trade: cancel this
 * one and record it). The same amendment again is a replay of the first; a different amendment
 * is a new one, so its idempotency key is made of its content.
 *
 * @param reason why, in words, kept in the journal; may be null
 */
public record AmendTrade(
    PortfolioId portfolioId,
    String tradeId,
    Side side,
    BigDecimal quantity,
    BigDecimal price,
    BigDecimal fees,
    CurrencyCode currency,
    String strategy,
    Instant executedAt,
    String reason) implements IdempotentCommand {

  public AmendTrade {
    Identifiers.require(tradeId, "tradeId");
    if (quantity != null) {
      Decimals.requirePositive(quantity, "quantity");
    }
    if (price != null) {
      Decimals.requirePositive(price, "price");
    }
    if (fees != null) {
      Decimals.requireNonNegative(fees, "fees");
    }
    if (strategy != null) {
      Identifiers.require(strategy, "strategy");
    }
    if (side == null && quantity == null && price == null && fees == null && currency == null
        && strategy == null && executedAt == null) {
      throw new DomainViolation("amendment", "names no field to change (side, quantity, price, fees, currency, "
          + "strategy, executedAt)");
    }
    reason = reason(reason);
  }

  /** A reason as kept: null when blank; refused when too long. */
  static String reason(String reason) {
    if (reason == null || reason.isBlank()) {
      return null;
    }
    if (reason.length() > CancelTrade.MAX_REASON) {
      throw new DomainViolation("reason", "must be at most " + CancelTrade.MAX_REASON + " characters");
    }
    return reason;
  }

  /** {@code trade} with this amendment's fields, recorded at {@code at}. */
  public TradeRecorded applyTo(TradeRecorded trade, Instant at) {
    return new TradeRecorded(tradeId, trade.instrumentId(), strategy != null ? strategy : trade.strategy(),
        side != null ? side : trade.side(), quantity != null ? quantity : trade.quantity(),
        price != null ? price : trade.price(), currency != null ? currency : trade.currency(),
        fees != null ? fees : trade.fees(), executedAt != null ? executedAt : trade.executedAt(), at);
  }

  /**
   * "amend:" + the trade id + a 64-bit FNV-1a digest of the content: the same amendment is the
   * same key, and two different amendments of one trade collide with odds of about 1 in 2^64 (a
   * collision would refuse the second as an id reused with other content: 409, nothing lost).
   */
  @Override
  public String idempotencyKey() {
    long hash = 0xcbf29ce484222325L;
    String content = fingerprint();
    for (int i = 0; i < content.length(); i++) {
      hash ^= content.charAt(i);
      hash *= 0x100000001b3L;
    }
    return "amend:" + tradeId + ":" + String.format("%016x", hash);
  }

  @Override
  public String fingerprint() {
    return String.join("|", side == null ? "" : side.name(), plain(quantity), plain(price), plain(fees),
        currency == null ? "" : currency.value(), strategy == null ? "" : strategy,
        executedAt == null ? "" : executedAt.toString(), reason == null ? "" : reason);
  }

  private static String plain(BigDecimal value) {
    return value == null ? "" : Decimals.plain(value);
  }
}
