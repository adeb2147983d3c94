package io.portfoliostate.domain;

/**
 * Cancels a recorded trade (booked by mistake). The same cancel again is a replay; a cancel of a
 * trade the portfolio never recorded is refused (not found), and so is a second cancel with
 * another reason (the id is reused with other content).
 *
 * @param reason why, in words, kept in the journal; may be null
 */
public record CancelTrade(PortfolioId portfolioId, String tradeId, String reason) implements IdempotentCommand {

  /** A reason longer than this is refused: it is a note, not a document. */
  public static final int MAX_REASON = 500;

  public CancelTrade {
    Identifiers.require(tradeId, "tradeId");
    reason = AmendTrade.reason(reason);
  }

  /** The idempotency key of the cancel of {@code tradeId}. */
  public static String keyOf(String tradeId) {
    return "cancel:" + tradeId;
  }

  @Override
  public String idempotencyKey() {
    return keyOf(tradeId);
  }

  @Override
  public String fingerprint() {
    return reason == null ? "" : reason;
  }
}
