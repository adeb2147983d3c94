package io.portfoliostate.domain;

/**
 * Types of cash flow, each with the sign it applies to the balance. External flows move money
 * in or out of the portfolio and are not returns; the others are income or expense.
 */
public enum CashFlowType {
  DEPOSIT(1, true),
  WITHDRAWAL(-1, true),
  DIVIDEND(1, false),
  INTEREST(1, false),
  FEE(-1, false),
  TAX(-1, false),
  TRANSFER_IN(1, true),
  TRANSFER_OUT(-1, true);

  private final int sign;
  private final boolean external;

  CashFlowType(int sign, boolean external) {
    this.sign = sign;
    this.external = external;
  }

  /** +1 when the flow adds to the balance, -1 when it takes from it. */
  public int sign() {
    return sign;
  }

  /** Whether the flow moves money in or out (not a return). */
  public boolean external() {
    return external;
  }
}
