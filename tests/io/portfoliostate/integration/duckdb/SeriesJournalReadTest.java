package io.portfoliostate.integration.duckdb;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.portfoliostate.config.Settings;
import io.portfoliostate.config.SettingsLoader;
import io.portfoliostate.domain.PortfolioEvent;
import io.portfoliostate.market.MarketView;
import io.portfoliostate.persistence.ChangeStreamStore.Change;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daily series' journal read scans only the rows of {@code events} appended since the jobs'
 * kept journals were read ({@link DailySeries#prepare}, h/store18): a kept journal remembers the
 * table's rows before its read, and an event appended later, after many rows of other
 * portfolios, is still read; a portfolio with no kept journal is read whole. Real DuckDB store,
 * fed by the feed's own append; no PostgreSQL (nothing is valued).
 */
class SeriesJournalReadTest {

  private static final LocalDate TODAY = LocalDate.parse("2026-12-04");
  private static final Settings.AnalyticsSettings SETTINGS =
      Settings.from(SettingsLoader.loadJson(Map.of())).analytics();

  @TempDir
  Path folder;

  private final StoreChanges changes = new StoreChanges();

  /** The journal each job's read gives, by portfolio. */
  private static Map<String, List<PortfolioEvent>> read(AnalyticsStore store, DailySeries series, String... ids)
      throws Exception {
    List<DailySeries.Job> jobs = new ArrayList<>();
    for (String id : ids) {
      jobs.add(new DailySeries.Job(id, TODAY, 1));
    }
    Map<String, List<PortfolioEvent>> journals = new java.util.LinkedHashMap<>();
    for (DailySeries.Prepared prepared : series.prepare(store.reader(), jobs, TODAY)) {
      journals.put(prepared.job().portfolioId(), prepared.journal());
    }
    return journals;
  }

  /**
   * a is created with a deposit (rows 0–1) and b created (row 2); a's journal is read and kept
   * with the table's 3 rows. b then takes 60 deposits in three batches (rows 3–62) and a a second
   * deposit (row 63): a's next read, which scans from row 3, holds its 3 events, and its kept
   * journal now remembers 64 rows. b, with no journal kept, is read whole (61 events) in the same
   * read as a's, which then scans from row 0; a read with nothing new keeps both and moves the
   * bound to the table's end.
   */
  @Test
  void aKeptJournalReadsTheEventsAppendedAfterItsRowsAndNoneBefore() throws Exception {
    try (AnalyticsStore store = AnalyticsStore.open(folder, SETTINGS)) {
      AnalyticsFeedVerticle feed = new AnalyticsFeedVerticle(store, null, new MarketView(), SETTINGS,
          new SimpleMeterRegistry(), StoreChanges.noHistory(), Clock.systemUTC());
      DailySeries series = new DailySeries(store, StoreChanges.noHistory(), new MarketView(), SETTINGS.series().days(), 1_000);
      feed.append(List.of(changes.created("a"), changes.deposit("a", 2), changes.created("b")));
      assertThat(read(store, series, "a").get("a")).hasSize(2);
      assertThat(series.keptJournal("a").version()).isEqualTo(2);
      assertThat(series.keptJournal("a").rowsAfter()).isEqualTo(3);

      long version = 1;
      for (int batch = 0; batch < 3; batch++) {
        List<Change> deposits = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
          deposits.add(changes.deposit("b", ++version));
        }
        feed.append(deposits);
      }
      feed.append(List.of(changes.deposit("a", 3)));
      List<PortfolioEvent> a = read(store, series, "a").get("a");
      assertThat(a).hasSize(3);
      assertThat(series.keptJournal("a").version()).isEqualTo(3);
      assertThat(series.keptJournal("a").rowsAfter()).isEqualTo(64);

      Map<String, List<PortfolioEvent>> both = read(store, series, "a", "b");
      assertThat(both.get("a")).isEqualTo(a);
      assertThat(both.get("b")).hasSize(61);
      assertThat(series.keptJournal("b").version()).isEqualTo(61);
      assertThat(series.keptJournal("b").rowsAfter()).isEqualTo(64);

      feed.append(List.of(changes.deposit("b", 62)));
      Map<String, List<PortfolioEvent>> again = read(store, series, "a", "b");
      assertThat(again.get("a")).isEqualTo(a);
      assertThat(again.get("b")).hasSize(62);
      assertThat(series.keptJournal("a").rowsAfter()).isEqualTo(65);
      assertThat(series.keptJournal("b").rowsAfter()).isEqualTo(65);
    }
  }
}
