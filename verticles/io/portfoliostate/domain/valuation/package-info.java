/**
 * Valuation: market data (prices and FX rates), the valuation of a portfolio state in its base
 * currency, and what is derived from it — weights against targets, groupings, exposures.
 *
 * <p>Pure functions of immutable values, like the rest of the domain: no Vert.x, no I/O, no
 * JSON. A missing price or rate is never an error here: the line is reported as unvalued and
 * the valuation as incomplete (DOMAIN.md, Prices and FX).
 */
package io.portfoliostate.domain.valuation;
