package io.portfoliostate.config;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * Loads {@link Settings}: the defaults in {@code conf/config.json} (from the working folder if
 * present, else from the jar), an optional file named by {@code PSTATE_CONFIG}, then
 * environment variables, each overriding the one before.
 */
public final class SettingsLoader {

  private static final String DEFAULTS = "conf/config.json";

  /** Environment variable → JSON path it overrides. */
  private static final Map<String, String> ENVIRONMENT = Map.ofEntries(
      Map.entry("PSTATE_DATA_DIR", "dataDir"),
      Map.entry("PSTATE_NATIVE_TRANSPORT", "vertx.nativeTransport"),
      Map.entry("PSTATE_IO_URING", "vertx.ioUring"),
      Map.entry("PSTATE_EVENT_LOOPS", "vertx.eventLoops"),
      Map.entry("PSTATE_HTTP_HOST", "http.host"),
      Map.entry("PSTATE_HTTP_PORT", "http.port"),
      Map.entry("PSTATE_HTTP_REQUEST_TIMEOUT_MS", "http.requestTimeoutMs"),
      Map.entry("PSTATE_HTTP_REFUSED_BODY_DRAIN_BYTES", "http.refusedBodyDrainBytes"),
      Map.entry("PSTATE_HTTP_REFUSED_BODY_DRAIN_MS", "http.refusedBodyDrainMs"),
      Map.entry("PSTATE_PERFORMANCE_CACHE_EVENTS", "http.performance.journalEvents"),
      Map.entry("PSTATE_PERFORMANCE_CACHE_PRICES", "http.performance.prices"),
      Map.entry("PSTATE_PERFORMANCE_PRICE_TTL_SECONDS", "http.performance.priceTtlSeconds"),
      Map.entry("PSTATE_PERFORMANCE_WARM_UP", "http.performance.warmUp"),
      Map.entry("PSTATE_PERFORMANCE_CACHE_ANSWER_BYTES", "http.performance.answerBytes"),
      Map.entry("PSTATE_OWNER_TIMEOUT_MS", "routing.ownerTimeoutMs"),
      Map.entry("PSTATE_NOT_OWNER_RETRY_MS", "routing.notOwnerRetryMs"),
      Map.entry("PSTATE_PG_URL", "database.url"),
      Map.entry("PSTATE_PG_POOL_SIZE", "database.poolSize"),
      Map.entry("PSTATE_PG_EMBEDDED_PORT", "database.embedded.port"),
      Map.entry("PSTATE_PG_STATEMENT_TIMEOUT_MS", "database.statementTimeoutMs"),
      Map.entry("PSTATE_PG_LOCK_TIMEOUT_MS", "database.lockTimeoutMs"),
      Map.entry("PSTATE_PG_IDLE_IN_TRANSACTION_TIMEOUT_MS", "database.idleInTransactionTimeoutMs"),
      Map.entry("PSTATE_MARKET_MAX_QUEUED_ROWS", "writers.marketMaxQueuedRows"),
      Map.entry("PSTATE_JOURNAL_MAX_QUEUED_ROWS", "writers.journalMaxQueuedRows"),
      Map.entry("PSTATE_WRITER_STUCK_AFTER_MS", "writers.stuckAfterMs"),
      Map.entry("PSTATE_JOURNAL_MAX_BATCH_ROWS", "journal.maxBatchRows"),
      Map.entry("PSTATE_OWNER_INSTANCES", "owners.instances"),
      Map.entry("PSTATE_OWNER_READ_LEASE_MS", "owners.readLeaseMs"),
      Map.entry("PSTATE_SNAPSHOT_EVERY", "owners.snapshotEvery"),
      Map.entry("PSTATE_OWNER_MAX_RESIDENT", "owners.maxResident"),
      Map.entry("PSTATE_OWNER_MAX_RESIDENT_MB", "owners.maxResidentMb"),
      Map.entry("PSTATE_CLUSTER", "cluster.enabled"),
      Map.entry("PSTATE_CLUSTER_NAME", "cluster.name"),
      Map.entry("PSTATE_CLUSTER_CONFIG", "cluster.config"),
      Map.entry("PSTATE_CLUSTER_HOST", "cluster.host"),
      Map.entry("PSTATE_CLUSTER_PUBLIC_HOST", "cluster.publicHost"),
      Map.entry("PSTATE_CLUSTER_PORT", "cluster.port"),
      Map.entry("PSTATE_CLUSTER_MEMBERS", "cluster.members"),
      Map.entry("PSTATE_REDIS_URL", "cache.redisUrl"),
      Map.entry("PSTATE_PULSAR_URL", "pulsar.serviceUrl"),
      Map.entry("PSTATE_PULSAR_SUBSCRIPTION", "pulsar.subscription"),
      Map.entry("PSTATE_PULSAR_SUBSCRIPTION_TYPE", "pulsar.subscriptionType"),
      Map.entry("PSTATE_PULSAR_TRADE_TOPIC", "pulsar.tradeTopic"),
      Map.entry("PSTATE_PULSAR_CASH_TOPIC", "pulsar.cashTopic"),
      Map.entry("PSTATE_PULSAR_PRICE_TOPIC", "pulsar.priceTopic"),
      Map.entry("PSTATE_PULSAR_DEAD_LETTER_TOPIC", "pulsar.deadLetterTopic"),
      Map.entry("PSTATE_PULSAR_CHANGES_TOPIC", "pulsar.changesTopic"),
      Map.entry("PSTATE_PULSAR_ALERTS_TOPIC", "pulsar.alertsTopic"),
      Map.entry("PSTATE_PULSAR_CHANGES_BATCHING", "pulsar.changesBatching"),
      Map.entry("PSTATE_CA_MAX_IN_FLIGHT", "corporateActions.maxInFlight"),
      Map.entry("PSTATE_CONSOLIDATION_MAX_PORTFOLIOS", "consolidation.maxPortfolios"),
      Map.entry("PSTATE_CONSOLIDATION_MAX_IN_FLIGHT", "consolidation.maxInFlight"),
      Map.entry("PSTATE_LIVE_VALUATIONS_PER_SECOND", "live.valuationsPerSecond"),
      Map.entry("PSTATE_LIVE_COMPRESSION", "live.compression"),
      Map.entry("PSTATE_LIVE_SHARED_COMPRESSION", "live.sharedCompression"),
      Map.entry("PSTATE_LIVE_COMMIT_STAMPS", "live.commitStamps"),
      Map.entry("PSTATE_LIVE_BEHIND_MS", "live.behindMs"),
      Map.entry("PSTATE_LIVE_SLOW_CLIENT_TIMEOUT_MS", "live.slowClientTimeoutMs"),
      Map.entry("PSTATE_LIVE_MAX_RESUME_VERSIONS", "live.maxResumeVersions"),
      Map.entry("PSTATE_CA_LEASE_SECONDS", "corporateActions.leaseSeconds"),
      Map.entry("PSTATE_AUTH", "security.enabled"),
      Map.entry("PSTATE_ADMIN_KEY_FILE", "security.adminKeyFile"),
      Map.entry("PSTATE_OIDC_ISSUER", "security.oidcIssuer"),
      Map.entry("PSTATE_OIDC_AUDIENCE", "security.oidcAudience"),
      Map.entry("PSTATE_OIDC_CLOCK_SKEW_SECONDS", "security.clockSkewSeconds"),
      Map.entry("PSTATE_OIDC_ROLES_CLAIM", "security.rolesClaim"),
      Map.entry("PSTATE_OIDC_GROUPS_CLAIM", "security.groupsClaim"),
      Map.entry("PSTATE_METRICS_OPEN", "security.metricsOpen"),
      Map.entry("PSTATE_OPENAPI_OPEN", "security.openApiOpen"),
      Map.entry("PSTATE_RATE_LIMIT_PER_SECOND", "security.rateLimit.requestsPerSecond"),
      Map.entry("PSTATE_RATE_LIMIT_BURST", "security.rateLimit.burst"),
      Map.entry("PSTATE_ANALYTICS", "analytics.enabled"),
      Map.entry("PSTATE_ANALYTICS_DIR", "analytics.dir"),
      Map.entry("PSTATE_ANALYTICS_MEMORY_LIMIT", "analytics.memoryLimit"),
      Map.entry("PSTATE_ANALYTICS_FSYNC_MODE", "analytics.fsyncMode"),
      Map.entry("PSTATE_ANALYTICS_NICE", "analytics.nice"),
      Map.entry("PSTATE_ANALYTICS_MIN_SEQ_WAIT_MS", "analytics.minSeqWaitMs"),
      Map.entry("PSTATE_ANALYTICS_QUERY_TIMEOUT_SECONDS", "analytics.query.timeoutSeconds"),
      Map.entry("PSTATE_ANALYTICS_QUERY_MAX_ROWS", "analytics.query.maxRows"),
      Map.entry("PSTATE_IMPORT_MAX_BYTES", "imports.maxBytes"),
      Map.entry("PSTATE_IMPORT_MAX_ROWS", "imports.maxRows"),
      Map.entry("PSTATE_IMPORT_MAX_ROWS_PER_TRANSACTION", "imports.maxRowsPerTransaction"),
      Map.entry("PSTATE_IMPORT_OWNER_TIMEOUT_MS", "imports.ownerTimeoutMs"),
      Map.entry("PSTATE_IMPORT_MAX_CONCURRENT", "imports.maxConcurrent"),
      Map.entry("PSTATE_EXPORTS_DIR", "exports.dir"),
      Map.entry("PSTATE_EXPORTS_MAX_ROWS", "exports.maxRows"),
      Map.entry("PSTATE_ANALYTICS_SERIES_DAYS", "analytics.series.days"),
      Map.entry("PSTATE_ANALYTICS_SERIES_SHARE", "analytics.series.share"),
      Map.entry("PSTATE_ANALYTICS_SERIES_JOURNAL_EVENTS", "analytics.series.journalEvents"),
      Map.entry("PSTATE_ANALYTICS_SERIES_DEFER_MAX_MS", "analytics.series.deferMaxMs"));

  /**
   * Variables whose empty value means something ("publish none"), not "use the default": an
   * empty value of any other variable is treated as unset, as shells and manifests often leave them.
   */
  private static final Set<String> SET_WHEN_EMPTY = Set.of("PSTATE_PULSAR_CHANGES_TOPIC", "PSTATE_PULSAR_ALERTS_TOPIC");

  private SettingsLoader() {
  }

  /** Loads the settings of this process. */
  public static Settings load() {
    return Settings.from(loadJson(System.getenv()));
  }

  /** The merged configuration JSON for the given environment. */
  public static JsonObject loadJson(Map<String, String> environment) {
    JsonObject config = readDefaults();
    String file = environment.get("PSTATE_CONFIG");
    if (file != null && !file.isBlank()) {
      config.mergeIn(readFile(Path.of(file)), true);
    }
    ENVIRONMENT.forEach((variable, path) -> {
      String value = environment.get(variable);
      if (value != null && (!value.isBlank() || SET_WHEN_EMPTY.contains(variable))) {
        put(config, path, value.strip());
      }
    });
    return config;
  }

  private static JsonObject readDefaults() {
    Path local = Path.of(DEFAULTS);
    if (Files.isRegularFile(local)) {
      return readFile(local);
    }
    try (InputStream in = SettingsLoader.class.getClassLoader().getResourceAsStream(DEFAULTS)) {
      if (in == null) {
        throw new IllegalStateException(DEFAULTS + " is neither in the working folder nor in the jar");
      }
      return new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static JsonObject readFile(Path path) {
    try {
      return new JsonObject(Files.readString(path));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read configuration " + path, e);
    }
  }

  /** Sets a dotted path, keeping numbers numbers so that typed settings read them. */
  public static void put(JsonObject config, String path, Object value) {
    String[] parts = path.split("\\.");
    JsonObject node = config;
    for (int i = 0; i < parts.length - 1; i++) {
      JsonObject child = node.getJsonObject(parts[i]);
      if (child == null) {
        child = new JsonObject();
        node.put(parts[i], child);
      }
      node = child;
    }
    Object typed = value instanceof String && ((String) value).matches("-?\\d+")
        ? (Object) Long.parseLong((String) value) : value;
    node.put(parts[parts.length - 1], typed);
  }
}
