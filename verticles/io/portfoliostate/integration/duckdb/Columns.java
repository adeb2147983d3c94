package io.portfoliostate.integration.duckdb;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.sql.SQLException;
import java.time.Instant;
import org.duckdb.DuckDBAppender;

/**
 * Typed appends of the store's exact decimals and instants without the appender's general
 * conversions, which are on the feed's hot path (five decimals and two instants per trade).
 *
 * <p>A {@code DECIMAL(38,18)} is stored by DuckDB as a 128-bit integer, the value times
 * 10<sup>18</sup>. {@link DuckDBAppender#append(BigDecimal)} wants the scale to be exactly 18 (so
 * the caller rescales, which for a value of 10 or more overflows a long and multiplies a
 * {@link BigInteger}), then computes the value's precision, its unscaled {@link BigInteger} and a
 * shifted copy of it. A journal's decimal has at most 18 places and few digits: its unscaled
 * value fits a long, and times 10<sup>18 − scale</sup> it is one 64 × 64 → 128-bit product
 * ({@link Math#multiplyHigh}), appended as its two halves ({@link DuckDBAppender#appendDecimal(long,
 * long)}: the lower, then the upper). Others (more than 18 places, a long's worth of digits) take
 * the exact general way. An instant is appended as microseconds since the epoch, which is what
 * DuckDB holds for a {@code TIMESTAMPTZ}, instead of through an {@code OffsetDateTime} the
 * appender converts back.
 */
final class Columns {

  /** The store's decimal scale (AnalyticsStore.DECIMAL). */
  static final int SCALE = 18;
  private static final long[] TENS = new long[SCALE + 1];

  static {
    TENS[0] = 1;
    for (int i = 1; i <= SCALE; i++) {
      TENS[i] = TENS[i - 1] * 10;
    }
  }

  private Columns() {
  }

  /**
   * Appends {@code value} to a {@code DECIMAL(38,18)} column: exact when it has at most 18
   * places, else rounded half-even at the 18th (a product such as a trade's cash effect).
   */
  static void decimal(DuckDBAppender appender, BigDecimal value) throws SQLException {
    int scale = value.scale();
    if (scale >= 0 && scale <= SCALE) {
      BigInteger unscaled = value.unscaledValue();
      if (unscaled.bitLength() < Long.SIZE) {
        long small = unscaled.longValue();
        long factor = TENS[SCALE - scale];
        // Signed 64 × positive 64 bits: the high half from multiplyHigh, the low half wraps.
        appender.appendDecimal(small * factor, Math.multiplyHigh(small, factor));
        return;
      }
    }
    BigDecimal scaled = value.setScale(SCALE, RoundingMode.HALF_EVEN);
    if (scaled.precision() > 38) {
      throw new SQLException("decimal out of the store's DECIMAL(38,18): " + value);
    }
    BigInteger unscaled = scaled.unscaledValue();
    appender.appendDecimal(unscaled.longValue(), unscaled.shiftRight(Long.SIZE).longValue());
  }

  /** Appends {@code at} to a {@code TIMESTAMPTZ} column (microseconds; finer digits dropped, as DuckDB does). */
  static void instant(DuckDBAppender appender, Instant at) throws SQLException {
    appender.appendEpochMicros(micros(at));
  }

  /** Appends {@code at}, or null. */
  static void instantOrNull(DuckDBAppender appender, Instant at) throws SQLException {
    if (at == null) {
      appender.appendNull();
    } else {
      appender.appendEpochMicros(micros(at));
    }
  }

  /** Microseconds since the epoch, rounded towards the past (a negative instant included). */
  static long micros(Instant at) {
    return Math.addExact(Math.multiplyExact(at.getEpochSecond(), 1_000_000L), at.getNano() / 1_000);
  }
}
