package io.portfoliostate.bench;

import io.portfoliostate.persistence.Database;
import io.portfoliostate.persistence.Migrations;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * PostgreSQL's side of the journal write alone: the CPU PostgreSQL spends per journal row, for
 * the statement the journal writer uses and for variants of it, on the service's own schema
 * (Flyway migrations) in an embedded PostgreSQL with fsync on, through vertx-pg-client with the
 * writer's shape (arrays unnested, {@code batch} rows per transaction, 2 transactions in flight).
 * Each variant gets a fresh database; the rounds alternate so that drift hits every variant.
 *
 * <p>The statement text is a copy of {@code JournalWrites.INSERT_EVENTS} (private there), without
 * its conflict clause: keep them in step. The variant with origins (V11) binds one more array,
 * a REST origin per row with its own request id, as the journal writer does since V11; the
 * others leave the column null, as before V11.
 *
 * <p>Options (key=value): rows=200000 batch=500 rounds=2 portfolios=10000 variants=all|origin
 * (origin: only the journal without origins, with them in jsonb, and in json)
 */
public final class JournalInsertBench {

  private static final String INSERT =
      "INSERT INTO portfolio_events (portfolio_id, seq, type, command_id, command_hash, payload, recorded_at) "
          + "SELECT p, s, t, c, h, d::json, r FROM UNNEST($1::text[], $2::bigint[], $3::text[], $4::text[], "
          + "$5::bigint[], $6::text[], $7::timestamptz[]) AS u(p, s, t, c, h, d, r) ";

  /** Since V11: one more array, the origin of every row, cast to jsonb. */
  private static final String INSERT_WITH_ORIGIN =
      "INSERT INTO portfolio_events (portfolio_id, seq, type, command_id, command_hash, payload, recorded_at, origin) "
          + "SELECT p, s, t, c, h, d::json, r, o::jsonb FROM UNNEST($1::text[], $2::bigint[], $3::text[], $4::text[], "
          + "$5::bigint[], $6::text[], $7::timestamptz[], $8::text[]) AS u(p, s, t, c, h, d, r, o) ";
  private static final String WITH_ORIGIN = "with origins: a REST origin per row (the journal since V11)";
  private static final String WITH_ORIGIN_JSON = "with origins in a json column instead of jsonb (not taken)";

  /** name → the statement's tail. */
  private static final Map<String, String> VARIANTS = new LinkedHashMap<>();
  /** name → schema change applied to the variant's fresh database before it runs. */
  private static final Map<String, String> SCHEMA = new LinkedHashMap<>();
  /** The journal writer on today's schema: V5 added the transaction id column and the stream index. */
  private static final String CURRENT = "payload json, tx column and (tx, global_seq) index (the journal since V5)";

  static {
    // Earlier variants (ON CONFLICT clauses, a jsonb payload) and their figures are in
    // BENCHMARKS.md; the code that ran them is in the history before V5.
    VARIANTS.put(CURRENT, "");
    VARIANTS.put(WITH_ORIGIN, "");
    VARIANTS.put(WITH_ORIGIN_JSON, "");
    SCHEMA.put(WITH_ORIGIN_JSON, "ALTER TABLE portfolio_events ALTER COLUMN origin TYPE json");
    VARIANTS.put("payload json, no tx column (the journal from V2 to V4)", "");
    SCHEMA.put("payload json, no tx column (the journal from V2 to V4)",
        "DROP INDEX portfolio_events_stream; ALTER TABLE portfolio_events DROP COLUMN tx");
  }

  private JournalInsertBench() {
  }

  public static void main(String[] args) throws Exception {
    BenchSupport.Options options = new BenchSupport.Options(args);
    int rows = options.integer("rows", 200_000);
    int batch = options.integer("batch", 500);
    int rounds = options.integer("rounds", 2);
    int portfolios = options.integer("portfolios", 10_000);
    if ("origin".equals(options.string("variants", "all"))) {
      VARIANTS.keySet().retainAll(java.util.Set.of(CURRENT, WITH_ORIGIN, WITH_ORIGIN_JSON));
    }
    BenchSupport.printMachine("JournalInsertBench", options);
    Path dataDir = BenchSupport.freshDataDir("journal-insert");
    EmbeddedPostgres postgres = EmbeddedPostgres.builder()
        .setDataDirectory(dataDir.resolve("pg"))
        .setCleanDataDirectory(false)
        .setServerConfig("listen_addresses", "127.0.0.1")
        .setServerConfig("fsync", "on")
        .setServerConfig("synchronous_commit", "on")
        .setServerConfig("max_wal_size", "4GB")
        .setServerConfig("checkpoint_timeout", "15min")
        .setServerConfig("shared_buffers", "256MB")
        .start();
    Vertx vertx = Vertx.vertx();
    Map<String, List<Double>> micros = new LinkedHashMap<>();
    try {
      int database = 0;
      for (int round = 1; round <= rounds; round++) {
        for (Map.Entry<String, String> variant : VARIANTS.entrySet()) {
          String name = "journal_" + (++database);
          try (Connection connection = postgres.getPostgresDatabase().getConnection();
              Statement statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE " + name);
          }
          Database db = Database.fromUri("postgresql://postgres:postgres@127.0.0.1:" + postgres.getPort() + "/" + name);
          Migrations.migrate(db);
          try (Connection connection = postgres.getDatabase("postgres", name).getConnection();
              Statement statement = connection.createStatement()) {
            if (SCHEMA.containsKey(variant.getKey())) {
              statement.execute(SCHEMA.get(variant.getKey()));
            }
            statement.execute("CHECKPOINT");
          }
          Pool pool = db.pool(vertx, 2, "journal-insert-bench");
          BenchSupport.CpuMeter cpu = new BenchSupport.CpuMeter(dataDir).start();
          long started = System.nanoTime();
          boolean origins = variant.getKey().startsWith("with origins");
          String insert = !origins ? INSERT : variant.getKey().equals(WITH_ORIGIN_JSON)
              ? INSERT_WITH_ORIGIN.replace("o::jsonb", "o::json") : INSERT_WITH_ORIGIN;
          BenchSupport.await(insertAll(pool, insert + variant.getValue(), rows, batch, portfolios, origins), 900);
          double seconds = (System.nanoTime() - started) / 1e9;
          double[] cores = cpu.cores();
          double perRow = cores[3] * seconds * 1e6 / rows;
          micros.computeIfAbsent(variant.getKey(), k -> new ArrayList<>()).add(perRow);
          System.out.printf(Locale.ROOT, "round %d, %s: %,.0f rows/s, PostgreSQL %.1f us CPU per row (%s)%n", round,
              variant.getKey(), rows / seconds, perRow, cpu.report());
          BenchSupport.await(pool.close(), 10);
        }
      }
      System.out.println();
      System.out.printf(Locale.ROOT, "=== JournalInsertBench summary (PostgreSQL CPU per journal row, median of %d rounds, "
          + "%,d rows in transactions of %d)%n", rounds, rows, batch);
      micros.forEach((name, values) -> System.out.printf(Locale.ROOT, "%s: %.1f us/row%n", name,
          BenchSupport.median(values)));
    } finally {
      BenchSupport.await(vertx.close(), 10);
      postgres.close();
      System.out.println("data left in " + dataDir);
    }
  }

  /** {@code rows} trade events spread over {@code portfolios}, {@code batch} per transaction, 2 in flight. */
  private static Future<Void> insertAll(Pool pool, String sql, int rows, int batch, int portfolios,
      boolean origins) {
    Promise<Void> done = Promise.promise();
    AtomicLong next = new AtomicLong();
    AtomicLong finished = new AtomicLong();
    long batches = (rows + batch - 1) / batch;
    for (int i = 0; i < 2; i++) {
      insertNext(pool, sql, rows, batch, portfolios, origins, batches, next, finished, done);
    }
    return done.future();
  }

  private static void insertNext(Pool pool, String sql, int rows, int batch, int portfolios, boolean origins,
      long batches, AtomicLong next, AtomicLong finished, Promise<Void> done) {
    long b = next.getAndIncrement();
    if (b >= batches) {
      return;
    }
    int count = (int) Math.min(batch, rows - b * batch);
    String[] ids = new String[count];
    Long[] seqs = new Long[count];
    String[] types = new String[count];
    String[] commandIds = new String[count];
    Long[] hashes = new Long[count];
    String[] payloads = new String[count];
    OffsetDateTime[] recorded = new OffsetDateTime[count];
    String[] originTexts = new String[count];
    ThreadLocalRandom random = ThreadLocalRandom.current();
    OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
    for (int i = 0; i < count; i++) {
      long n = b * batch + i;
      ids[i] = "bench-" + (n % portfolios);
      seqs[i] = n / portfolios + 1;
      types[i] = "TradeRecorded";
      commandIds[i] = "trade:t-" + n;
      hashes[i] = random.nextLong();
      payloads[i] = "{\"tradeId\":\"t-" + n + "\",\"instrumentId\":\"INS" + random.nextInt(50)
          + "\",\"strategy\":\"default\",\"side\":\"BUY\",\"quantity\":\"" + (1 + random.nextInt(100))
          + "\",\"price\":\"" + (10 + random.nextInt(200)) + ".25\",\"currency\":\"USD\",\"fees\":\"0\","
          + "\"executedAt\":\"" + now.toInstant() + "\",\"at\":\"" + now.toInstant() + "\"}";
      recorded[i] = now;
      originTexts[i] = io.portfoliostate.protocol.Origin.rest("key:bench" + (n % 20),
          java.util.UUID.randomUUID().toString()).toJson().encode();
    }
    Tuple tuple = origins ? Tuple.of(ids, seqs, types, commandIds, hashes, payloads, recorded, originTexts)
        : Tuple.of(ids, seqs, types, commandIds, hashes, payloads, recorded);
    pool.withTransaction(connection -> connection.preparedQuery(sql).execute(tuple)).onComplete(result -> {
      if (result.failed() || result.result().rowCount() != count) {
        done.tryFail(result.failed() ? result.cause() : new IllegalStateException("inserted "
            + result.result().rowCount() + " of " + count));
      } else if (finished.incrementAndGet() == batches) {
        done.tryComplete();
      } else {
        insertNext(pool, sql, rows, batch, portfolios, origins, batches, next, finished, done);
      }
    });
  }
}
