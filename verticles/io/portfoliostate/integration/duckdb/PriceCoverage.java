package io.portfoliostate.integration.duckdb;

/**
 * How far the daily series have read the prices and FX rates stored in PostgreSQL, in their
 * {@code (tx, market_seq)} order over finished transactions (docs/analytics.md): kept in the
 * store's {@code daily_price_cursor} with the marks the reading made, so a restart resumes here.
 *
 * @param tx the transaction of the last row read (with {@code marketSeq}, the cursor)
 * @param marketSeq the {@code market_seq} of the last row read
 * @param priceSeq the highest {@code market_seq} read: every answer's {@code priceSeq}, a
 *     high-water mark (a row with a smaller number may commit later, and is read then)
 * @param coveredXmin every row of a transaction below this id has been read and marked
 * @param refresh the number of the refresh that read up to here (one more each refresh)
 */
public record PriceCoverage(long tx, long marketSeq, long priceSeq, long coveredXmin, long refresh) {

  /** Nothing read yet (or the store's cursor not loaded yet). */
  public static final PriceCoverage NONE = new PriceCoverage(0, 0, 0, 0, 0);
}
