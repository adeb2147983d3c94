package io.portfoliostate.integration.duckdb;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.portfoliostate.config.Settings;
import io.portfoliostate.config.SettingsLoader;
import io.portfoliostate.integration.duckdb.AnalyticsQueries.PortfolioSet;
import io.portfoliostate.market.MarketView;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a read of the daily series waits for, against a real DuckDB store fed as the feed feeds
 * it (each batch marks the portfolios it changed in {@code daily_pending} with the store's count
 * of changes read) and refreshed by the series' own bookkeeping ({@link DailySeries#pending},
 * {@link DailySeries#write}):
 *
 * <ul>
 *   <li>a {@code minSeq} read waits only for the changes the store had read when the change it
 *       asked for was read ({@link AnalyticsStore#changesCommitted}, then
 *       {@link AnalyticsQueries#seriesPending}), so later trades into its set do not hold it;
 *   <li>the members of the sets requests wait for go first in a refresh, before portfolios
 *       pending longer.
 * </ul>
 *
 * No PostgreSQL: the refreshes here record what they covered without valuing anything, as
 * {@link DailySeries#write} records a job whose journal it could not value.
 */
class SeriesWaitTest {

  private static final LocalDate TODAY = LocalDate.parse("2026-12-04");
  private static final Settings.AnalyticsSettings SETTINGS =
      Settings.from(SettingsLoader.loadJson(Map.of())).analytics();

  @TempDir
  Path folder;

  private final StoreChanges changes = new StoreChanges();

  private static DailySeries series(AnalyticsStore store) {
    return new DailySeries(store, StoreChanges.noHistory(), new MarketView(), SETTINGS.series().days());
  }

  /** A feed that marks the daily series (its journal is never polled: batches are appended here). */
  private static AnalyticsFeedVerticle feed(AnalyticsStore store) {
    return new AnalyticsFeedVerticle(store, null, new MarketView(), SETTINGS, new SimpleMeterRegistry(),
        StoreChanges.noHistory(), Clock.systemUTC());
  }

  /** One refresh of up to {@code limit} pending portfolios, the members of {@code sets} first: the ids taken. */
  private static List<String> refresh(AnalyticsStore store, DailySeries series, int limit, List<PortfolioSet> sets)
      throws Exception {
    List<DailySeries.Job> jobs = series.pending(store.reader(), limit, sets);
    List<DailySeries.Loaded> recorded = new ArrayList<>();
    for (DailySeries.Job job : jobs) {
      recorded.add(new DailySeries.Loaded(new DailySeries.Prepared(job, List.of(), null, TODAY, TODAY, TODAY,
          Set.of(), Set.of(), List.of()), List.of(), List.of()));
    }
    series.write(store.seriesWriter(), recorded);
    return jobs.stream().map(DailySeries.Job::portfolioId).toList();
  }

  /**
   * Batch 1 (4 changes) creates a and b with a deposit each: the read asking for b's deposit
   * takes the store's count then, 4. Batch 2 (2 changes) deposits into b again and creates c;
   * batch 3 (2) deposits into b and c. The read waits for a and b (their marks at 4), never for
   * c or b's later marks: once a refresh has taken a and one has taken b, it is done, while c's
   * changes are still pending; a later deposit into b does not bring b back for it.
   */
  @Test
  void aMinSeqReadWaitsOnlyForTheChangesReadUpToItsOwn() throws Exception {
    try (AnalyticsStore store = AnalyticsStore.open(folder, SETTINGS)) {
      AnalyticsFeedVerticle feed = feed(store);
      DailySeries series = series(store);
      PortfolioSet set = PortfolioSet.listed(List.of("a", "b", "c"));
      feed.append(List.of(changes.created("a"), changes.deposit("a", 2), changes.created("b"), changes.deposit("b", 2)));
      long upTo = store.changesCommitted();
      assertThat(upTo).isEqualTo(4);

      feed.append(List.of(changes.deposit("b", 3), changes.created("c")));
      assertThat(store.changesCommitted()).isEqualTo(6);
      assertThat(AnalyticsQueries.seriesPending(store.reader(), set, upTo)).isEqualTo(2);
      assertThat(AnalyticsQueries.seriesPending(store.reader(), set, 6)).isEqualTo(3);

      assertThat(refresh(store, series, 1, List.of(PortfolioSet.listed(List.of("a"))))).containsExactly("a");
      assertThat(AnalyticsQueries.seriesPending(store.reader(), set, upTo)).isEqualTo(1);

      feed.append(List.of(changes.deposit("b", 4), changes.deposit("c", 2)));
      assertThat(store.changesCommitted()).isEqualTo(8);
      assertThat(AnalyticsQueries.seriesPending(store.reader(), set, upTo)).isEqualTo(1);

      // The refresh takes b with every mark it has (through 8); c, marked at 6 and 8, is not waited for.
      assertThat(refresh(store, series, 1, List.of(PortfolioSet.listed(List.of("b"))))).containsExactly("b");
      assertThat(AnalyticsQueries.seriesPending(store.reader(), set, upTo)).isZero();
      assertThat(AnalyticsQueries.seriesPending(store.reader(), set, 8)).isEqualTo(1);

      feed.append(List.of(changes.deposit("b", 5)));
      assertThat(AnalyticsQueries.seriesPending(store.reader(), set, upTo)).isZero();
      assertThat(AnalyticsQueries.seriesPending(store.reader(), set, 9)).isEqualTo(2);
    }
  }

  /**
   * The count a read waits up to carries over a restart: a store reopened (as one made before
   * this wait existed: the tables are the same) resumes its count at its cursor, so the marks
   * made before the restart (a at 2) and after it (b at 3) compare with it as before.
   */
  @Test
  void aReopenedStoreKeepsItsCount() throws Exception {
    try (AnalyticsStore store = AnalyticsStore.open(folder, SETTINGS)) {
      feed(store).append(List.of(changes.created("a"), changes.deposit("a", 2)));
    }
    try (AnalyticsStore store = AnalyticsStore.open(folder, SETTINGS)) {
      assertThat(store.changesCommitted()).isEqualTo(2);
      feed(store).append(List.of(changes.created("b")));
      assertThat(store.changesCommitted()).isEqualTo(3);
      PortfolioSet set = PortfolioSet.listed(List.of("a", "b"));
      assertThat(AnalyticsQueries.seriesPending(store.reader(), set, 2)).isEqualTo(1);
      assertThat(AnalyticsQueries.seriesPending(store.reader(), set, 3)).isEqualTo(2);
    }
  }

  /**
   * p1–p3 are seen pending by refresh 1 (each created in a batch of its own), p4–p6 only after
   * it: a refresh of three takes p1–p3, the longest pending, when no one waits; when requests
   * wait for p5 (a set listing it) and p6 (a set naming it as a subtree's root), it takes them
   * first, then the longest pending of the rest, and the next refresh goes on from there. Ties
   * go by the batch that marked them, so each portfolio has a batch of its own.
   */
  @Test
  void theWaitedSetsMembersGoFirst() throws Exception {
    try (AnalyticsStore store = AnalyticsStore.open(folder, SETTINGS)) {
      AnalyticsFeedVerticle feed = feed(store);
      DailySeries series = series(store);
      for (String id : List.of("p1", "p2", "p3")) {
        feed.append(List.of(changes.created(id)));
      }
      series.mark(store.seriesWriter(), Map.of(), Map.of(), TODAY, null,
          new DailySeries.MarketMoves(Map.of(), Map.of(), new PriceCoverage(0, 0, 0, 0, 1), 0));
      for (String id : List.of("p4", "p5", "p6")) {
        feed.append(List.of(changes.created(id)));
      }
      List<PortfolioSet> waited = List.of(PortfolioSet.listed(List.of("p5")), PortfolioSet.subtrees(List.of("p6")));

      assertThat(series.pending(store.reader(), 3, List.of())).extracting(DailySeries.Job::portfolioId)
          .containsExactly("p1", "p2", "p3");
      assertThat(series.pending(store.reader(), 3, waited)).extracting(DailySeries.Job::portfolioId)
          .containsExactly("p5", "p6", "p1");
      assertThat(refresh(store, series, 3, waited)).containsExactly("p5", "p6", "p1");
      assertThat(refresh(store, series, 3, waited)).containsExactly("p2", "p3", "p4");
    }
  }
}
