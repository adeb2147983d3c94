package io.portfoliostate.exports;

import io.portfoliostate.config.ExportSettings;
import io.portfoliostate.domain.PortfolioId;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Runs one export into a file: the portfolios one after the other, each one's rows handed to a
 * {@link RowWriter} on a worker thread of the node's export pool (the event loop only asks the
 * owners). Memory holds one portfolio's rows (or one journal page) at a time, whatever the
 * export's size.
 */
public final class ExportRunner {

  /** Told how far an export got: after each portfolio (at most every {@code every} ms, and at the end). */
  @FunctionalInterface
  public interface Progress {
    Future<Void> report(int total, int done, long rows);
  }

  /** What an export wrote. */
  public record Result(long rows, long bytes) {
  }

  /** An export that reached {@code exports.maxRows}. */
  public static final class TooManyRows extends RuntimeException {
    public TooManyRows(long limit) {
      super("the export has more than " + limit + " rows (exports.maxRows)", null, false, false);
    }
  }

  private final Vertx vertx;
  private final RowSource source;
  private final ExportSettings settings;
  private final ExportMetrics metrics;
  private final WorkerExecutor workers;

  public ExportRunner(Vertx vertx, RowSource source, ExportSettings settings, ExportMetrics metrics) {
    this.vertx = vertx;
    this.source = source;
    this.settings = settings;
    this.metrics = metrics;
    // Two threads for the node: file and DuckDB work of exports never competes with the event loops,
    // and a burst of exports queues here rather than taking every worker thread.
    this.workers = vertx.createSharedWorkerExecutor("pstate-export", 2);
  }

  public RowSource source() {
    return source;
  }

  public ExportMetrics metrics() {
    return metrics;
  }

  /** Runs {@code work} (file work: a rename, a delete) on the export pool. */
  public <T> Future<T> onWorker(java.util.concurrent.Callable<T> work) {
    return workers.executeBlocking(work, false);
  }

  /**
   * Writes {@code dataset} of {@code portfolios} as of {@code window} into {@code file} as
   * {@code format}; on failure the file is deleted. {@code kind} tags the metrics.
   */
  public Future<Result> toFile(String kind, ExportDataset dataset, ExportFormat format, List<PortfolioId> portfolios,
      ExportWindow window, Path file, long progressEveryMs, Progress progress) {
    long started = System.nanoTime();
    return workers.executeBlocking(() -> {
      Files.createDirectories(file.getParent());
      return RowWriter.open(format, dataset, file, settings.memoryLimit());
    }, false).compose(writer -> {
      long[] written = {0};
      long[] reported = {System.currentTimeMillis()};
      RowSource.Sink sink = rows -> workers.executeBlocking(() -> {
        if (written[0] + rows.size() > settings.maxRows()) {
          throw new TooManyRows(settings.maxRows());
        }
        for (Object[] row : rows) {
          writer.write(row);
        }
        written[0] += rows.size();
        return null;
      }, false);
      return each(dataset, portfolios, window, 0, sink, done -> {
        long now = System.currentTimeMillis();
        if (done < portfolios.size() && now - reported[0] < progressEveryMs) {
          return Future.succeededFuture();
        }
        reported[0] = now;
        return progress.report(portfolios.size(), done, written[0]);
      }).compose(v -> workers.executeBlocking(writer::finish, false))
          .map(bytes -> {
            metrics.rows(kind, dataset, format, written[0]);
            metrics.bytes(kind, dataset, format, bytes);
            metrics.duration(kind, dataset, format, Duration.ofNanos(System.nanoTime() - started));
            return new Result(written[0], bytes);
          })
          .recover(failure -> workers.<Result>executeBlocking(() -> {
            writer.close();
            Files.deleteIfExists(file);
            metrics.failure(kind, dataset, format);
            throw failure instanceof Exception e ? e : new IllegalStateException(failure);
          }, false));
    });
  }

  /** Reads portfolio {@code from} and on, each when the one before is written. */
  private Future<Void> each(ExportDataset dataset, List<PortfolioId> portfolios, ExportWindow window, int from,
      RowSource.Sink sink, java.util.function.IntFunction<Future<Void>> afterEach) {
    if (from == portfolios.size()) {
      return Future.succeededFuture();
    }
    return source.rows(dataset, portfolios.get(from), window, sink)
        .compose(v -> afterEach.apply(from + 1))
        .compose(v -> pause())
        .compose(v -> each(dataset, portfolios, window, from + 1, sink, afterEach));
  }

  private Future<Void> pause() {
    if (settings.pausePerPortfolioMs() == 0) {
      return Future.succeededFuture();
    }
    Promise<Void> later = Promise.promise();
    vertx.setTimer(settings.pausePerPortfolioMs(), id -> later.complete());
    return later.future();
  }
}
