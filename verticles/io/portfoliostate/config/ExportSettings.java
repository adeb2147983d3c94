package io.portfoliostate.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.DayOfWeek;
import java.time.LocalTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Exports of positions, cash, valuations, trades and events (docs/exports.md): where files go,
 * the bounds of one export, and the scheduled exports.
 *
 * @param dir the folder of export jobs' files (null: {@code <dataDir>/exports}); in a cluster a
 *     folder every node sees, so that any node can hand out a finished job's file
 * @param maxDirectPortfolios the most portfolios a streamed export ({@code GET /api/v1/exports/...})
 *     may span; a larger set is a job
 * @param maxRows the most rows one export writes (a job beyond fails, a stream is cut)
 * @param maxJobsPerCaller running jobs one caller may have at once (429 beyond)
 * @param leaseMs how long a job's or a scheduled run's claim holds without being renewed: a node
 *     killed mid-export lets another take over (a schedule) or fail the job after this long
 * @param checkMs how often a node looks for scheduled exports that are due and for expired jobs
 * @param pausePerPortfolioMs a pause after each portfolio of a job or a scheduled export, which
 *     spreads a large export's load on the owners (0: none)
 * @param memoryLimit DuckDB's {@code memory_limit} while it writes a Parquet file
 * @param schedules the scheduled exports (none by default)
 */
public record ExportSettings(String dir, int maxDirectPortfolios, long maxRows, int maxJobsPerCaller, long leaseMs,
    long checkMs, long pausePerPortfolioMs, String memoryLimit, List<Schedule> schedules) {

  public ExportSettings {
    if (maxDirectPortfolios < 1 || maxRows < 1 || maxJobsPerCaller < 1 || leaseMs < 100 || checkMs < 10
        || pausePerPortfolioMs < 0) {
      throw new IllegalArgumentException("exports: maxDirectPortfolios, maxRows and maxJobsPerCaller must be "
          + "positive, leaseMs at least 100, checkMs at least 10, pausePerPortfolioMs not negative");
    }
    schedules = List.copyOf(schedules);
    Set<String> names = new HashSet<>();
    for (Schedule schedule : schedules) {
      if (!names.add(schedule.name())) {
        throw new IllegalArgumentException("exports.schedules: the name " + schedule.name() + " is used twice");
      }
    }
  }

  static ExportSettings from(JsonObject json) {
    String dir = json.getString("dir");
    List<Schedule> schedules = new ArrayList<>();
    JsonArray listed = json.getJsonArray("schedules", new JsonArray());
    for (int i = 0; i < listed.size(); i++) {
      schedules.add(Schedule.from(listed.getJsonObject(i), i));
    }
    return new ExportSettings(dir == null || dir.isBlank() ? null : dir, json.getInteger("maxDirectPortfolios", 100),
        json.getLong("maxRows", 10_000_000L), json.getInteger("maxJobsPerCaller", 2), json.getLong("leaseMs", 30_000L),
        json.getLong("checkMs", 5_000L), json.getLong("pausePerPortfolioMs", 0L),
        json.getString("memoryLimit", "256MB"), schedules);
  }

  /**
   * One scheduled export: {@code dataset} of {@code root}'s subtree (or of every portfolio) as of
   * {@code time} UTC on each of {@code weekdays}, written as {@code format} into
   * {@code <folder>/<date>/<name>.<extension>}.
   *
   * @param name the schedule's name: its claims and its file are named after it
   * @param dataset positions, lots, cash, valuations, trades, events or performance
   * @param format csv, ndjson or parquet
   * @param time the time of day (UTC) the export is taken as of, and from which it is due
   * @param weekdays the days it runs
   * @param root the subtree exported, or null for every portfolio
   * @param folder where the dated folders go
   * @param period the window of a {@code performance} schedule ending at the run's date, as the
   *     performance read's {@code period}: MTD, QTD, YTD, 1Y, 3Y or ITD; null (with {@code days}
   *     null too): ITD, every day from each portfolio's inception
   * @param days the window of a {@code performance} schedule as a number of days: from that many
   *     days before the run's date (as 1Y is from the same date a year earlier); null: none
   */
  public record Schedule(String name, String dataset, String format, LocalTime time, Set<DayOfWeek> weekdays,
      String root, String folder, String period, Integer days) {

    /**
     * The periods of the performance read ({@code GET .../performance?period=}), repeated here
     * because the configuration is checked before the exports package is loaded.
     */
    public static final List<String> PERIODS = List.of("MTD", "QTD", "YTD", "1Y", "3Y", "ITD");
    /** The longest window the performance read takes (30 years), in days. */
    public static final int MAX_DAYS = 30 * 365;

    /** A schedule without a window (a dataset of a moment, or a performance series from inception). */
    public Schedule(String name, String dataset, String format, LocalTime time, Set<DayOfWeek> weekdays,
        String root, String folder) {
      this(name, dataset, format, time, weekdays, root, folder, null, null);
    }

    public Schedule {
      if (name == null || !name.matches("[A-Za-z0-9._-]{1,64}")) {
        throw new IllegalArgumentException("exports.schedules: name must be 1-64 of A-Z a-z 0-9 . _ -");
      }
      if (dataset == null || format == null || time == null || folder == null || folder.isBlank()) {
        throw new IllegalArgumentException("exports.schedules." + name + ": dataset, format, time and folder "
            + "are required");
      }
      if (weekdays.isEmpty()) {
        throw new IllegalArgumentException("exports.schedules." + name + ": weekdays must name at least one day");
      }
      weekdays = Set.copyOf(weekdays);
      if ((period != null || days != null) && !dataset.equalsIgnoreCase("performance")) {
        throw new IllegalArgumentException("exports.schedules." + name + ": period and days are the window of a "
            + "performance schedule; " + dataset + " is taken as of the schedule's time");
      }
      if (period != null && days != null) {
        throw new IllegalArgumentException("exports.schedules." + name + ": give either period or days, not both");
      }
      if (period != null && !PERIODS.contains(period)) {
        throw new IllegalArgumentException("exports.schedules." + name + ".period must be one of "
            + String.join(", ", PERIODS));
      }
      if (days != null && (days < 1 || days > MAX_DAYS)) {
        throw new IllegalArgumentException("exports.schedules." + name + ".days must be 1 to " + MAX_DAYS);
      }
    }

    static Schedule from(JsonObject json, int index) {
      String name = json.getString("name", "#" + index);
      LocalTime time;
      try {
        time = LocalTime.parse(json.getString("time", "00:00"));
      } catch (DateTimeParseException e) {
        throw new IllegalArgumentException("exports.schedules." + name + ".time must be HH:mm (UTC)", e);
      }
      Set<DayOfWeek> days = EnumSet.noneOf(DayOfWeek.class);
      JsonArray weekdays = json.getJsonArray("weekdays");
      if (weekdays == null) {
        days.addAll(EnumSet.allOf(DayOfWeek.class));
      } else {
        for (Object day : weekdays) {
          try {
            days.add(parseDay(String.valueOf(day)));
          } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("exports.schedules." + name + ".weekdays: " + day
                + " is not a day (MON, TUE, ... or MONDAY, ...)", e);
          }
        }
      }
      String root = json.getString("root");
      Integer windowDays;
      try {
        windowDays = json.getInteger("days");
      } catch (ClassCastException e) {
        throw new IllegalArgumentException("exports.schedules." + name + ".days must be a number of days", e);
      }
      String period = json.getString("period");
      return new Schedule(name, json.getString("dataset"), json.getString("format", "parquet"), time, days,
          root == null || root.isBlank() ? null : root, json.getString("folder"),
          period == null ? null : period.toUpperCase(Locale.ROOT), windowDays);
    }

    private static DayOfWeek parseDay(String text) {
      String upper = text.trim().toUpperCase(Locale.ROOT);
      for (DayOfWeek day : DayOfWeek.values()) {
        if (day.name().equals(upper) || day.name().startsWith(upper) && upper.length() == 3) {
          return day;
        }
      }
      throw new IllegalArgumentException(text);
    }
  }
}
