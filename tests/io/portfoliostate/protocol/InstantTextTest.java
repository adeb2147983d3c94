package io.portfoliostate.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

/** {@link InstantText} reads exactly what {@link Instant#parse} reads, and refuses what it refuses. */
class InstantTextTest {

  /** Every second of years 0000 to 9999, with any nanoseconds, as {@code Instant.toString} writes it. */
  @Property(tries = 2000)
  void readsWhatInstantToStringWrites(@ForAll @LongRange(min = -62_167_219_200L, max = 253_402_300_799L) long second,
      @ForAll @IntRange(min = 0, max = 999_999_999) int nanos) {
    Instant instant = Instant.ofEpochSecond(second, nanos);
    assertThat(InstantText.parse(instant.toString())).isEqualTo(instant);
  }

  /** Fractions of any length from 1 to 9 digits, which clients send too. */
  @Property(tries = 500)
  void readsAnyFractionLength(@ForAll @LongRange(min = 0, max = 4_102_444_800L) long second,
      @ForAll @IntRange(min = 1, max = 9) int digits, @ForAll @IntRange(min = 0, max = 999_999_999) int nanos) {
    String whole = Instant.ofEpochSecond(second).toString();
    String fraction = String.format("%09d", nanos).substring(0, digits);
    String text = whole.substring(0, whole.length() - 1) + "." + fraction + "Z";
    assertThat(InstantText.parse(text)).isEqualTo(Instant.parse(text));
  }

  @Test
  void otherFormsAreReadAsInstantParseReadsThem() {
    for (String text : new String[] {"2026-12-05T10:00:00+01:00", "2024-02-29T23:59:59Z", "+10000-01-01T00:00:00Z",
        "2026-12-05T10:00:00.5Z", "0000-01-01T00:00:00Z", "2026-12-05T24:00:00Z", "2026-12-05T10:00:00.Z"}) {
      assertThat(InstantText.parse(text)).as(text).isEqualTo(Instant.parse(text));
    }
  }

  @Test
  void badTextIsRefusedAsInstantParseRefusesIt() {
    for (String text : new String[] {"2026-02-30T10:00:00Z", "2025-02-29T10:00:00Z", "2026-13-01T10:00:00Z",
        "2026-12-05T10:60:00Z", "2026-12-05T10:00:00.1234567890Z",
        "2026-12-05 10:00:00Z", "2026-1a-05T10:00:00Z", "20261205T100000Z", "yesterday"}) {
      assertThatThrownBy(() -> Instant.parse(text)).as(text).isInstanceOf(DateTimeParseException.class);
      assertThatThrownBy(() -> InstantText.parse(text)).as(text).isInstanceOf(DateTimeParseException.class);
    }
  }

  @Test
  void appendWritesWhatToStringWritesOnEveryDayFrom1970To9999AndOutside() {
    StringBuilder out = new StringBuilder();
    int[] nanos = {0, 1, 999, 1_000, 1_000_000, 120_000_000, 123_456_000, 123_456_789, 999_999_999};
    long lastDay = 2_932_896; // 9999-12-31
    for (long day = -3; day <= lastDay + 3; day++) {
      for (long second : new long[] {0, 59, 3_661, 86_399}) {
        Instant instant = Instant.ofEpochSecond(day * 86_400 + second, nanos[(int) Math.floorMod(day, nanos.length)]);
        out.setLength(0);
        InstantText.append(out, instant);
        if (!out.toString().equals(instant.toString())) {
          assertThat(out.toString()).isEqualTo(instant.toString());
        }
      }
    }
    out.setLength(0);
    InstantText.append(out.append('"'), Instant.parse("2026-12-07T03:15:42.120Z"));
    assertThat(out.append('"').toString()).isEqualTo("\"2026-12-07T03:15:42.120Z\"");
  }

  @Property
  void appendWritesWhatToStringWrites(@ForAll @LongRange(min = -100_000, max = 253_402_400_000L) long seconds,
      @ForAll @IntRange(min = 0, max = 999_999_999) int nanos) {
    for (Instant instant : new Instant[] {Instant.ofEpochSecond(seconds, nanos),
        Instant.ofEpochSecond(seconds, nanos / 1_000 * 1_000), Instant.ofEpochSecond(seconds, nanos / 1_000_000 * 1_000_000)}) {
      StringBuilder out = new StringBuilder();
      InstantText.append(out, instant);
      assertThat(out.toString()).isEqualTo(instant.toString());
    }
  }
}
