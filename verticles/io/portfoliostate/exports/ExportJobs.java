package io.portfoliostate.exports;

import io.portfoliostate.config.ExportSettings;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.persistence.ExportStore;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Export jobs: a durable row (V15) per job, run on the node that accepted it, its progress and
 * lease renewed in the row, the file written as {@code <jobId>.<ext>.part} and renamed to
 * {@code <jobId>.<ext>} when whole. A job whose node stopped (its lease ran out) is marked
 * failed with a reason by any node ({@link #expire}); jobs are not resumed.
 */
public final class ExportJobs {

  private static final Logger LOG = LoggerFactory.getLogger(ExportJobs.class);
  /** How often a job's row is updated with its progress (and its lease renewed) at most. */
  private static final long PROGRESS_MS = 250;

  /** Refused: the caller already runs as many jobs as {@code exports.maxJobsPerCaller} allows. */
  public static final class TooManyJobs extends RuntimeException {
    TooManyJobs(int limit) {
      super("the caller already runs " + limit + " export jobs (exports.maxJobsPerCaller); wait for one to finish",
          null, false, false);
    }
  }

  private final ExportStore store;
  private final ExportRunner runner;
  private final ExportSettings settings;
  private final Path dir;
  private final String nodeId;

  /** @param dir the folder of the jobs' files */
  public ExportJobs(ExportStore store, ExportRunner runner, ExportSettings settings, Path dir, String nodeId) {
    this.store = store;
    this.runner = runner;
    this.settings = settings;
    this.dir = dir;
    this.nodeId = nodeId;
  }

  public ExportStore store() {
    return store;
  }

  public ExportRunner runner() {
    return runner;
  }

  /** The id of this node (the one its jobs record as theirs). */
  public String nodeId() {
    return nodeId;
  }

  /** The folder of the jobs' files. */
  public Path dir() {
    return dir;
  }

  /** The file of a finished job, named as stored. */
  public Path fileOf(String fileName) {
    return dir.resolve(fileName);
  }

  /**
   * Starts a job for {@code createdBy}: records it, answers its id, and runs it in the
   * background. {@code request} is kept with the job (what was asked, for its readers).
   */
  public Future<String> start(String createdBy, ExportDataset dataset, ExportFormat format,
      List<PortfolioId> portfolios, ExportWindow window, JsonObject request) {
    return store.runningOf(createdBy).compose(running -> {
      if (running >= settings.maxJobsPerCaller()) {
        return Future.failedFuture(new TooManyJobs(settings.maxJobsPerCaller()));
      }
      String jobId = "exp-" + UUID.randomUUID();
      return store.insertJob(jobId, createdBy, dataset.wireName(), format.wireName(), request, nodeId,
          settings.leaseMs()).map(v -> {
            run(jobId, dataset, format, portfolios, window);
            return jobId;
          });
    });
  }

  private void run(String jobId, ExportDataset dataset, ExportFormat format, List<PortfolioId> portfolios,
      ExportWindow window) {
    String name = jobId + "." + format.extension();
    Path part = dir.resolve(name + ".part");
    store.progress(jobId, portfolios.size(), 0, 0, settings.leaseMs())
        .compose(v -> runner.toFile("job", dataset, format, portfolios, window, part, Math.min(settings.leaseMs() / 3, PROGRESS_MS),
            (total, done, rows) -> store.progress(jobId, total, done, rows, settings.leaseMs())))
        .compose(result -> runner.onWorker(() -> {
          Files.move(part, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
          return result;
        }))
        .compose(result -> store.finish(jobId, result.rows(), result.bytes(), name))
        .onFailure(failure -> {
          LOG.warn("Export job {} failed: {}", jobId, failure.toString());
          store.fail(jobId, reason(failure));
        });
  }

  /** What a job's reader is told about its failure: ours, never a stack trace. */
  static String reason(Throwable failure) {
    if (failure instanceof ExportRunner.TooManyRows || failure instanceof RowSource.TooMany) {
      return failure.getMessage();
    }
    return "the export could not be written: " + failure.getClass().getSimpleName()
        + (failure.getMessage() == null ? "" : " (" + failure.getMessage() + ")");
  }

  /** Marks failed every job whose node stopped before it finished; returns how many. */
  public Future<Integer> expire() {
    return store.expireJobs();
  }
}
