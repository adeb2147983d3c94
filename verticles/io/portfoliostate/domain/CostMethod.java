package io.portfoliostate.domain;

/** How a reduction of a position picks the cost it realizes against (DOMAIN.md, Positions). */
public enum CostMethod {
  /** One average cost per position; no lots. */
  AVERAGE,
  /** Oldest lot first. */
  FIFO,
  /** Newest lot first. */
  LIFO,
  /** Highest price first for a long position, lowest first for a short one. */
  HIFO;

  public boolean usesLots() {
    return this != AVERAGE;
  }
}
