package io.portfoliostate.domain;

/**
 * Something a client asks a portfolio to do. Commands are validated at birth (shape and
 * ranges); the rules that need the portfolio's state run in {@link PortfolioRules#decide}.
 */
public sealed interface PortfolioCommand
    permits CreatePortfolio, UpdatePortfolio, SetTargets, IdempotentCommand {

  PortfolioId portfolioId();
}
