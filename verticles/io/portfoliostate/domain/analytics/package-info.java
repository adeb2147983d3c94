/**
 * Figures over many portfolios' daily series (docs/analytics.md): the correlation of their daily
 * returns. Pure Java: no Vert.x and no I/O; the analytics store reads the series and hands them in.
 */
package io.portfoliostate.domain.analytics;
