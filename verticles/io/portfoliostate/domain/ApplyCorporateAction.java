package io.portfoliostate.domain;

/**
 * Applies a corporate action to one portfolio (DOMAIN.md, Corporate actions). Idempotent per
 * action id and portfolio: its key is {@code ca:<actionId>}, so a fan-out that sends it again
 * (after a restart, a timeout, a second driver) is answered with the original result.
 */
public record ApplyCorporateAction(PortfolioId portfolioId, CorporateAction action) implements IdempotentCommand {

  public ApplyCorporateAction {
    if (portfolioId == null) {
      throw new DomainViolation("portfolioId", "is required");
    }
    if (action == null) {
      throw new DomainViolation("action", "is required");
    }
  }

  @Override
  public String idempotencyKey() {
    return "ca:" + action.actionId();
  }

  @Override
  public String fingerprint() {
    return fingerprint(action);
  }

  /** The content of an action in a canonical text: type, instrument, terms, effective time. */
  public static String fingerprint(CorporateAction action) {
    String terms = action instanceof Split ? ((Split) action).ratio()
        : Decimals.plain(((CashDividend) action).amountPerShare());
    return String.join("|", action instanceof Split ? "SPLIT" : "CASH_DIVIDEND", action.instrumentId().value(),
        terms, action.effectiveAt().toString());
  }

  /**
   * The action whose application to the portfolio {@code event} records (a {@link SplitApplied},
   * or a {@link DividendApplied} that is not a late trade's share), or null. The owner records
   * such an event under the action's key when a late trade applies the action on the way, so a
   * later {@code ApplyCorporateAction} is recognized as a replay.
   */
  public static CorporateAction appliedBy(PortfolioEvent event) {
    if (event instanceof SplitApplied) {
      return ((SplitApplied) event).split();
    }
    if (event instanceof DividendApplied && ((DividendApplied) event).tradeId() == null) {
      return ((DividendApplied) event).dividend();
    }
    return null;
  }
}
