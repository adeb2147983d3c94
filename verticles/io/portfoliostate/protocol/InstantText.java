package io.portfoliostate.protocol;

import java.time.Instant;
import java.time.LocalDate;

/**
 * Reads an instant from its text. The journal and every answer write instants as {@link
 * Instant#toString} does ({@code 2026-12-05T15:52:49.806Z}: four-digit year, UTC, 0 to 9
 * fraction digits); that form is read by hand here, about twenty times faster than {@link
 * Instant#parse}, whose formatter was a large item in profiles of journal replays and
 * performance reads. Any other form (an offset, a leap second, a five-digit year) and any text
 * that is not a valid instant goes to {@link Instant#parse}, so the result, and the exception
 * for bad text, are exactly that method's.
 */
public final class InstantText {

  private static final int[] DAYS_IN_MONTH = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

  private InstantText() {
  }

  /** The instant {@code text} names, as {@link Instant#parse} reads it. */
  public static Instant parse(String text) {
    int length = text.length();
    if (length < 20 || length > 30 || text.charAt(4) != '-' || text.charAt(7) != '-' || text.charAt(10) != 'T'
        || text.charAt(13) != ':' || text.charAt(16) != ':' || text.charAt(length - 1) != 'Z'
        || length > 20 && (text.charAt(19) != '.' || length == 21)) {
      return Instant.parse(text);
    }
    int year = digits(text, 0, 4);
    int month = digits(text, 5, 7);
    int day = digits(text, 8, 10);
    int hour = digits(text, 11, 13);
    int minute = digits(text, 14, 16);
    int second = digits(text, 17, 19);
    int nanos = 0;
    if (length > 20) {
      nanos = digits(text, 20, length - 1);
      for (int i = length - 21; i < 9 && nanos >= 0; i++) {
        nanos *= 10;
      }
    }
    if (year < 0 || month < 1 || month > 12 || day < 1 || day > DAYS_IN_MONTH[month - 1] || hour < 0 || hour > 23
        || minute < 0 || minute > 59 || second < 0 || second > 59 || nanos < 0
        || month == 2 && day == 29 && !LocalDate.of(year, 1, 1).isLeapYear()) {
      return Instant.parse(text);
    }
    long epochDay = LocalDate.of(year, month, day).toEpochDay();
    return Instant.ofEpochSecond(epochDay * 86_400 + hour * 3_600L + minute * 60L + second, nanos);
  }

  /** 9999-12-31T23:59:59Z: the last second written with a four-digit year. */
  private static final long LAST_FOUR_DIGIT_SECOND = 253_402_300_799L;

  /**
   * Appends {@code instant} as {@link Instant#toString} writes it, character for character, without
   * the date-time objects and the text of its own that method makes (a commit's journal text and
   * change message write six instants). Instants from 1970 to the year 9999 are written here; any
   * other goes through {@link Instant#toString}.
   */
  public static void append(StringBuilder out, Instant instant) {
    long seconds = instant.getEpochSecond();
    if (seconds < 0 || seconds > LAST_FOUR_DIGIT_SECOND) {
      out.append(instant);
      return;
    }
    long days = seconds / 86_400;
    int secondOfDay = (int) (seconds % 86_400);
    // Civil date from days since 1970-01-01 (the proleptic Gregorian calendar, as LocalDate).
    long z = days + 719_468;
    long era = z / 146_097;
    long dayOfEra = z - era * 146_097;
    long yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365;
    long dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
    long shiftedMonth = (5 * dayOfYear + 2) / 153;
    int day = (int) (dayOfYear - (153 * shiftedMonth + 2) / 5 + 1);
    int month = (int) (shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9);
    int year = (int) (yearOfEra + era * 400 + (month <= 2 ? 1 : 0));
    twoDigits(out, year / 100);
    twoDigits(out, year % 100);
    out.append('-');
    twoDigits(out, month);
    out.append('-');
    twoDigits(out, day);
    out.append('T');
    twoDigits(out, secondOfDay / 3_600);
    out.append(':');
    twoDigits(out, secondOfDay / 60 % 60);
    out.append(':');
    twoDigits(out, secondOfDay % 60);
    int nanos = instant.getNano();
    if (nanos > 0) {
      // In groups of three digits, as few as the value needs (DateTimeFormatter.ISO_INSTANT).
      out.append('.');
      if (nanos % 1_000_000 == 0) {
        digits(out, nanos / 1_000_000, 3);
      } else if (nanos % 1_000 == 0) {
        digits(out, nanos / 1_000, 6);
      } else {
        digits(out, nanos, 9);
      }
    }
    out.append('Z');
  }

  private static void twoDigits(StringBuilder out, int value) {
    out.append((char) ('0' + value / 10)).append((char) ('0' + value % 10));
  }

  /** {@code value} in exactly {@code count} digits, zeros first. */
  private static void digits(StringBuilder out, int value, int count) {
    int divisor = 1;
    for (int i = 1; i < count; i++) {
      divisor *= 10;
    }
    for (; divisor > 0; divisor /= 10) {
      out.append((char) ('0' + value / divisor % 10));
    }
  }

  /** The decimal number in {@code text[from, to)}, or -1 if a character is not a digit. */
  private static int digits(String text, int from, int to) {
    int value = 0;
    for (int i = from; i < to; i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      value = value * 10 + (c - '0');
    }
    return value;
  }
}
