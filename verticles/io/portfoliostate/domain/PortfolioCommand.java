package io.portfoliostate.domain;

/**
 * Something a client asks a portfolio to do. Commands are validated at birth (shape and
 * ranges); the rules that need the portfolio's state run in {@link PortfolioRules#decide}.
 */
public sealed interface PortfolioCommand
    permits CreatePortfolio, UpdatePortfolio, SetTargets, IdempotentCommand, ApplyBatch {

  PortfolioId portfolioId();

  /**
   * The command's content in a canonical text (decimals without trailing zeros, defaults
   * applied, maps in key order): two commands with the same fingerprint ask the same thing. A
   * replay under the same id or idempotency key must match it.
   */
  String fingerprint();
}
