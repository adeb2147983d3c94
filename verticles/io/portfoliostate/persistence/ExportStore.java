package io.portfoliostate.persistence;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.LocalDate;
import java.util.Optional;

/**
 * The durable side of exports (migration V15): export jobs with their progress, and the claims
 * that make a scheduled export run once per schedule and date. Every lease is compared with
 * PostgreSQL's clock ({@code now()}), so nodes with skewed clocks agree on when one ran out.
 */
public final class ExportStore {

  private static final String INSERT_JOB =
      "INSERT INTO export_jobs (job_id, created_by, dataset, format, request, state, node, lease_until)"
          + " VALUES ($1, $2, $3, $4, $5::text::jsonb, 'RUNNING', $6, now() + $7::bigint * interval '1 millisecond')";
  private static final String RUNNING_OF =
      "SELECT count(*) FROM export_jobs WHERE created_by = $1 AND state = 'RUNNING'";
  private static final String PROGRESS =
      "UPDATE export_jobs SET portfolios_total = $2, portfolios_done = $3, rows_written = $4,"
          + " lease_until = now() + $5::bigint * interval '1 millisecond' WHERE job_id = $1 AND state = 'RUNNING'";
  private static final String FINISH =
      "UPDATE export_jobs SET state = 'DONE', portfolios_done = portfolios_total, rows_written = $2, bytes = $3,"
          + " file = $4, finished_at = now() WHERE job_id = $1 AND state = 'RUNNING'";
  private static final String FAIL =
      "UPDATE export_jobs SET state = 'FAILED', failure = $2, finished_at = now()"
          + " WHERE job_id = $1 AND state = 'RUNNING'";
  private static final String EXPIRE =
      "UPDATE export_jobs SET state = 'FAILED', failure = 'the node running the export (' || node || ') stopped"
          + " before it finished; start the export again', finished_at = now()"
          + " WHERE state = 'RUNNING' AND lease_until < now()";
  private static final String JOB =
      "SELECT job_id, created_by, dataset, format, request::text AS request, state, node, portfolios_total,"
          + " portfolios_done, rows_written, bytes, file, failure, created_at, finished_at"
          + " FROM export_jobs WHERE job_id = $1";

  private static final String CLAIM =
      "INSERT INTO export_schedule_runs (schedule, run_date, state, node, attempt, lease_until)"
          + " VALUES ($1, $2, 'RUNNING', $3, 1, now() + $4::bigint * interval '1 millisecond')"
          + " ON CONFLICT (schedule, run_date) DO UPDATE SET state = 'RUNNING', node = $3,"
          + " attempt = export_schedule_runs.attempt + 1, lease_until = now() + $4::bigint * interval '1 millisecond',"
          + " claimed_at = now(), failure = NULL"
          + " WHERE export_schedule_runs.state <> 'DONE' AND export_schedule_runs.lease_until < now()"
          + " RETURNING attempt";
  private static final String RENEW =
      "UPDATE export_schedule_runs SET lease_until = now() + $5::bigint * interval '1 millisecond', rows_written = $6"
          + " WHERE schedule = $1 AND run_date = $2 AND node = $3 AND attempt = $4 AND state = 'RUNNING'";
  private static final String RUN_DONE =
      "UPDATE export_schedule_runs SET state = 'DONE', rows_written = $5, bytes = $6, file = $7,"
          + " finished_at = now()"
          + " WHERE schedule = $1 AND run_date = $2 AND node = $3 AND attempt = $4 AND state = 'RUNNING'";
  /** A failed run is tried again once its lease (left as a back-off) runs out. */
  private static final String RUN_FAILED =
      "UPDATE export_schedule_runs SET state = 'FAILED', failure = $5,"
          + " lease_until = now() + $6::bigint * interval '1 millisecond'"
          + " WHERE schedule = $1 AND run_date = $2 AND node = $3 AND attempt = $4 AND state = 'RUNNING'";

  private final Pool pool;

  public ExportStore(Pool pool) {
    this.pool = pool;
  }

  /** A job as stored. */
  public record Job(String jobId, String createdBy, String dataset, String format, JsonObject request, String state,
      String node, int portfoliosTotal, int portfoliosDone, long rowsWritten, Long bytes, String file,
      String failure, String createdAt, String finishedAt) {
  }

  /** Records a new RUNNING job held by {@code node} for {@code leaseMs}. */
  public Future<Void> insertJob(String jobId, String createdBy, String dataset, String format, JsonObject request,
      String node, long leaseMs) {
    return pool.preparedQuery(INSERT_JOB).execute(Tuple.of(jobId, createdBy, dataset, format, request.encode(),
        node, leaseMs)).mapEmpty();
  }

  /** How many jobs of {@code createdBy} are running. */
  public Future<Long> runningOf(String createdBy) {
    return pool.preparedQuery(RUNNING_OF).execute(Tuple.of(createdBy))
        .map(rows -> rows.iterator().next().getLong(0));
  }

  /** Progress, which also renews the job's lease. */
  public Future<Void> progress(String jobId, int total, int done, long rows, long leaseMs) {
    return pool.preparedQuery(PROGRESS).execute(Tuple.of(jobId, total, done, rows, leaseMs)).mapEmpty();
  }

  public Future<Void> finish(String jobId, long rows, long bytes, String file) {
    return pool.preparedQuery(FINISH).execute(Tuple.of(jobId, rows, bytes, file)).mapEmpty();
  }

  public Future<Void> fail(String jobId, String reason) {
    return pool.preparedQuery(FAIL).execute(Tuple.of(jobId, reason)).mapEmpty();
  }

  /** Marks failed every running job whose node stopped renewing it; returns how many. */
  public Future<Integer> expireJobs() {
    return pool.query(EXPIRE).execute().map(rows -> rows.rowCount());
  }

  public Future<Optional<Job>> job(String jobId) {
    return pool.preparedQuery(JOB).execute(Tuple.of(jobId)).map(rows -> {
      if (rows.size() == 0) {
        return Optional.empty();
      }
      Row row = rows.iterator().next();
      return Optional.of(new Job(row.getString("job_id"), row.getString("created_by"), row.getString("dataset"),
          row.getString("format"), new JsonObject(row.getString("request")), row.getString("state"),
          row.getString("node"), row.getInteger("portfolios_total"), row.getInteger("portfolios_done"),
          row.getLong("rows_written"), row.getLong("bytes"), row.getString("file"), row.getString("failure"),
          row.getOffsetDateTime("created_at").toInstant().toString(),
          row.getOffsetDateTime("finished_at") == null ? null
              : row.getOffsetDateTime("finished_at").toInstant().toString()));
    });
  }

  /**
   * Claims the run of {@code schedule} on {@code date} for {@code node}: a new claim, or one taken
   * over from a node whose lease ran out (killed) or whose run failed. Empty when the run is done
   * or another node holds it; else the attempt number, which fences every later update.
   */
  public Future<Optional<Integer>> claim(String schedule, LocalDate date, String node, long leaseMs) {
    return pool.preparedQuery(CLAIM).execute(Tuple.of(schedule, date, node, leaseMs))
        .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(rows.iterator().next().getInteger(0)));
  }

  /** Renews a claim; false when it was lost (taken over after the lease ran out). */
  public Future<Boolean> renew(String schedule, LocalDate date, String node, int attempt, long leaseMs, long rows) {
    return pool.preparedQuery(RENEW).execute(Tuple.of(schedule, date, node, attempt, leaseMs, rows))
        .map(result -> result.rowCount() == 1);
  }

  /** Marks the run done; false when the claim was lost meanwhile. */
  public Future<Boolean> runDone(String schedule, LocalDate date, String node, int attempt, long rows, long bytes,
      String file) {
    return pool.preparedQuery(RUN_DONE).execute(Tuple.of(schedule, date, node, attempt, rows, bytes, file))
        .map(result -> result.rowCount() == 1);
  }

  /** Marks the run failed; it is claimed again after {@code retryAfterMs}. */
  public Future<Void> runFailed(String schedule, LocalDate date, String node, int attempt, String reason,
      long retryAfterMs) {
    return pool.preparedQuery(RUN_FAILED).execute(Tuple.of(schedule, date, node, attempt, reason, retryAfterMs))
        .mapEmpty();
  }
}
