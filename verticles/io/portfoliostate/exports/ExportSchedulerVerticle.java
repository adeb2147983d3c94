package io.portfoliostate.exports;

import io.portfoliostate.config.ExportSettings;
import io.portfoliostate.config.ExportSettings.Schedule;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.persistence.ExportStore;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scheduled exports (docs/exports.md), on every node: every {@code exports.checkMs} it fails the
 * jobs whose node stopped, and for each schedule that is due (its latest time of day on one of its
 * weekdays has passed) tries to claim the run of that date (V15, {@link ExportStore#claim}).
 * Only the node that holds the claim exports; it renews the claim's lease as it goes, writes
 * {@code <folder>/<date>/.<name>.<attempt>-<node>.tmp}, renames it to
 * {@code <folder>/<date>/<name>.<ext>} when whole (an atomic move) and then marks the run done.
 * A node killed mid-export leaves a claim whose lease runs out: another node, or the same one
 * restarted, takes it over and writes the file again from the start. A done run is never
 * claimed again. The export is taken as of the scheduled time (a {@code performance} schedule:
 * over its window ending at the run's date, {@link #window}), so a run taken over writes the
 * same rows.
 */
public final class ExportSchedulerVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(ExportSchedulerVerticle.class);
  /** The most portfolios a scheduled export spans: the configuration, not a caller, chose the set. */
  private static final int MAX_PORTFOLIOS = 10_000_000;

  private final ExportSettings settings;
  private final ExportStore store;
  private final ExportRunner runner;
  private final String nodeId;
  private final Clock clock;
  private final Map<String, ExportDataset> datasets = new HashMap<>();
  private final Map<String, ExportFormat> formats = new HashMap<>();
  /** Runs this node knows are finished (by it or another), so it does not ask again. */
  private final Set<String> done = new HashSet<>();
  /** Runs this node is exporting now. */
  private final Set<String> running = new HashSet<>();
  private long timer;

  /** Checks every schedule's dataset and format now: a bad configuration stops the start. */
  public ExportSchedulerVerticle(ExportSettings settings, ExportStore store, ExportRunner runner, String nodeId,
      Clock clock) {
    this.settings = settings;
    this.store = store;
    this.runner = runner;
    this.nodeId = nodeId;
    this.clock = clock;
    for (Schedule schedule : settings.schedules()) {
      datasets.put(schedule.name(), ExportDataset.parse(schedule.dataset()).orElseThrow(() ->
          new IllegalArgumentException("exports.schedules." + schedule.name() + ".dataset must be one of "
              + ExportDataset.names())));
      formats.put(schedule.name(), ExportFormat.parse(schedule.format()).orElseThrow(() ->
          new IllegalArgumentException("exports.schedules." + schedule.name() + ".format must be csv, ndjson "
              + "or parquet")));
    }
  }

  @Override
  public Future<?> start() {
    timer = vertx.setPeriodic(settings.checkMs(), id -> check());
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return Future.succeededFuture();
  }

  private void check() {
    store.expireJobs().onFailure(failure -> LOG.warn("Expiring export jobs failed: {}", failure.toString()));
    Instant now = clock.instant();
    for (Schedule schedule : settings.schedules()) {
      LocalDate date = dueDate(schedule, now);
      if (date == null) {
        continue;
      }
      String key = schedule.name() + "/" + date;
      if (done.contains(key) || running.contains(key)) {
        continue;
      }
      running.add(key);
      store.claim(schedule.name(), date, nodeId, settings.leaseMs())
          .compose(claim -> {
            if (claim.isEmpty()) {
              return Future.succeededFuture(false);
            }
            return export(schedule, date, claim.get()).map(true);
          })
          .onComplete(result -> {
            running.remove(key);
            if (result.succeeded() && result.result()) {
              done.add(key);
            } else if (result.failed()) {
              LOG.warn("Scheduled export {} of {} failed: {}", schedule.name(), date, result.cause().toString());
            }
          });
    }
  }

  /** The date of the schedule's latest run due at {@code now}: the last allowed day whose time has passed. */
  static LocalDate dueDate(Schedule schedule, Instant now) {
    LocalDateTime utc = LocalDateTime.ofInstant(now, ZoneOffset.UTC);
    for (int back = 0; back <= 7; back++) {
      LocalDate day = utc.toLocalDate().minusDays(back);
      if (schedule.weekdays().contains(day.getDayOfWeek()) && !day.atTime(schedule.time()).isAfter(utc)) {
        return day;
      }
    }
    return null;
  }

  private Future<Void> export(Schedule schedule, LocalDate date, int attempt) {
    ExportDataset dataset = datasets.get(schedule.name());
    ExportFormat format = formats.get(schedule.name());
    Instant asOf = date.atTime(schedule.time()).toInstant(ZoneOffset.UTC);
    ExportWindow window = dataset.windowed() ? window(schedule, date) : ExportWindow.asOf(asOf);
    Path folder = Path.of(schedule.folder()).resolve(date.toString());
    String name = schedule.name() + "." + format.extension();
    Path temporary = folder.resolve("." + schedule.name() + "." + attempt + "-" + nodeId + ".tmp");
    LOG.info("Scheduled export {} of {} claimed (attempt {}) by {}", schedule.name(), date, attempt, nodeId);
    List<PortfolioId> roots = schedule.root() == null ? null : List.of(PortfolioId.of(schedule.root()));
    return runner.source().portfolios(roots, MAX_PORTFOLIOS)
        .compose(portfolios -> roots != null && portfolios.isEmpty()
            // A configured root that does not exist is a mistake to report, not an empty file.
            ? Future.failedFuture(new IllegalStateException("the root portfolio " + schedule.root()
                + " does not exist"))
            : Future.succeededFuture(portfolios))
        .compose(portfolios -> runner.toFile("schedule", dataset, format, portfolios, window, temporary,
            settings.leaseMs() / 3, (total, doneCount, rows) ->
                store.renew(schedule.name(), date, nodeId, attempt, settings.leaseMs(), rows)
                    .compose(held -> held ? Future.<Void>succeededFuture()
                        : Future.failedFuture(new IllegalStateException("the claim was taken over")))))
        // The claim must still be ours when the file goes in place.
        .compose(result -> store.renew(schedule.name(), date, nodeId, attempt, settings.leaseMs(), result.rows())
            .compose(held -> held ? runner.onWorker(() -> {
              Files.move(temporary, folder.resolve(name), StandardCopyOption.ATOMIC_MOVE,
                  StandardCopyOption.REPLACE_EXISTING);
              removeLeftovers(folder, schedule.name());
              return result;
            }) : Future.failedFuture(new IllegalStateException("the claim was taken over"))))
        .compose(result -> store.runDone(schedule.name(), date, nodeId, attempt, result.rows(), result.bytes(),
            folder.resolve(name).toString()).map(marked -> {
              LOG.info("Scheduled export {} of {}: {} rows, {} bytes in {}", schedule.name(), date, result.rows(),
                  result.bytes(), folder.resolve(name));
              return (Void) null;
            }))
        .recover(failure -> runner.onWorker(() -> Files.deleteIfExists(temporary))
            .transform(ignored -> store.runFailed(schedule.name(), date, nodeId, attempt,
                ExportJobs.reason(failure), settings.leaseMs()))
            .transform(ignored -> Future.<Void>failedFuture(failure)));
  }

  /**
   * The window of a performance schedule's run: its period or its number of days, ending at the
   * run's date; without either, every day from each portfolio's inception (ITD). The run's date,
   * not today: a run taken over after midnight writes the same window.
   */
  static ExportWindow window(Schedule schedule, LocalDate date) {
    LocalDate from = schedule.days() == null ? null : date.minusDays(schedule.days());
    return new ExportWindow(null, schedule.period(), from, date);
  }

  /** Temporary files of earlier attempts (their nodes were killed) of this schedule in this folder. */
  private static void removeLeftovers(Path folder, String schedule) throws IOException {
    try (DirectoryStream<Path> files = Files.newDirectoryStream(folder, "." + schedule + ".*.tmp*")) {
      for (Path file : files) {
        Files.deleteIfExists(file);
      }
    }
  }
}
