package io.portfoliostate.domain;

import java.math.BigDecimal;

/** Side of a trade: a BUY adds {@code +quantity} to a position, a SELL {@code -quantity}. */
public enum Side {
  BUY,
  SELL;

  /** The signed quantity t of DOMAIN.md. */
  public BigDecimal signed(BigDecimal quantity) {
    return this == BUY ? quantity : quantity.negate();
  }
}
