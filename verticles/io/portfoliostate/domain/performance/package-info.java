/**
 * Performance and risk (DOMAIN.md, "Performance and risk"): a daily valuation series built from
 * the states of a portfolio in business time and the price history, and the figures derived
 * from it — time- and money-weighted returns, volatility, Sharpe, beta, maximum drawdown,
 * historical VaR, and each line's contribution. Pure Java: no Vert.x and no I/O; the gateway
 * reads the journal and the history and hands them in.
 *
 * <p>NAVs and flows are exact decimals; ratios are doubles, and a ratio that cannot be computed
 * is {@code null}, never NaN or an infinity.
 */
package io.portfoliostate.domain.performance;
