package io.portfoliostate.exports;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.config.ExportSettings.Schedule;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;

/** Which date's run a schedule is due for: the latest of its weekdays whose time (UTC) has passed. */
class ScheduleDueDateTest {

  private static final Schedule WEEKDAYS = new Schedule("eod", "positions", "parquet", LocalTime.of(22, 30),
      EnumSet.range(DayOfWeek.MONDAY, DayOfWeek.FRIDAY), null, "/exports");

  @Test
  void theLatestWeekdayWhoseTimeHasPassed() {
    // 2026-12-04 is a Friday, 2026-12-07 a Monday.
    assertThat(due("2026-12-04T22:29:59Z")).isEqualTo(LocalDate.parse("2026-12-03"));
    assertThat(due("2026-12-04T22:30:00Z")).isEqualTo(LocalDate.parse("2026-12-04"));
    assertThat(due("2026-12-05T10:00:00Z")).as("Saturday: Friday's").isEqualTo(LocalDate.parse("2026-12-04"));
    assertThat(due("2026-12-07T22:00:00Z")).as("Monday before its time: Friday's").isEqualTo(LocalDate.parse("2026-12-04"));
    assertThat(due("2026-12-07T23:59:59Z")).isEqualTo(LocalDate.parse("2026-12-07"));
  }

  private static LocalDate due(String now) {
    return ExportSchedulerVerticle.dueDate(WEEKDAYS, Instant.parse(now));
  }
}
