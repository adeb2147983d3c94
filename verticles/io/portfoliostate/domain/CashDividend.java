package io.portfoliostate.domain;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * A cash dividend of {@code amountPerShare} in the instrument's currency (DOMAIN.md, Corporate
 * actions). A holder receives q · amountPerShare; a short position pays it (the lender of the
 * shares is owed the dividend), so the amount is negative for a short.
 *
 * @param amountPerShare &gt; 0, in the instrument's currency
 */
public record CashDividend(String actionId, InstrumentId instrumentId, BigDecimal amountPerShare,
    Instant effectiveAt) implements CorporateAction {

  public CashDividend {
    Identifiers.require(actionId, "actionId");
    if (instrumentId == null) {
      throw new DomainViolation("instrumentId", "is required");
    }
    if (effectiveAt == null) {
      throw new DomainViolation("effectiveAt", "is required");
    }
    Decimals.requirePositive(amountPerShare, "amountPerShare");
  }

  /**
   * The dividend on {@code position}, in the position's currency: q · amountPerShare, exact;
   * negative for a short, 0 for a flat position.
   *
   * @throws IllegalArgumentException for a position in another instrument (a caller's bug)
   */
  public BigDecimal amountFor(Position position) {
    if (!position.key().instrumentId().equals(instrumentId)) {
      throw new IllegalArgumentException("dividend " + actionId + " of " + instrumentId + " cannot apply to "
          + position.key());
    }
    return position.quantity().multiply(amountPerShare);
  }
}
