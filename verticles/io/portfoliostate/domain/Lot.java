package io.portfoliostate.domain;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * An open lot of a position under a lot cost method. {@code quantity} is signed like the
 * position it belongs to (negative in a short position) and never zero; {@code openedSeq} is
 * the journal sequence of the trade that opened it, which orders lots opened at the same time.
 */
public record Lot(BigDecimal quantity, BigDecimal price, Instant openedAt, long openedSeq) {

  public Lot {
    if (quantity == null || quantity.signum() == 0) {
      throw new IllegalArgumentException("a lot has a non-zero quantity");
    }
    Decimals.requirePositive(price, "price");
  }

  /** The same lot with {@code remaining} (signed) units left. */
  Lot withQuantity(BigDecimal remaining) {
    return new Lot(remaining, price, openedAt, openedSeq);
  }
}
