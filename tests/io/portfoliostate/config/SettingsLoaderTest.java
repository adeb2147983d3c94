package io.portfoliostate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsLoaderTest {

  @Test
  void defaultsComeFromConf() {
    Settings settings = Settings.from(SettingsLoader.loadJson(Map.of()));
    assertThat(settings.http().port()).isEqualTo(8080);
    assertThat(settings.dataDir()).isEqualTo(Path.of("./data"));
    assertThat(settings.database().isEmbedded()).isTrue();
    assertThat(settings.owners().snapshotEvery()).isEqualTo(1000);
    assertThat(settings.owners().readLeaseMs()).isEqualTo(2000);
    assertThat(settings.journal().maxInFlight()).isEqualTo(2);
    assertThat(settings.owners().maxResident()).isEqualTo(100_000);
    assertThat(settings.owners().maxResidentMb()).isEqualTo(512);
    assertThat(settings.database().statementTimeoutMs()).isEqualTo(30_000);
    assertThat(settings.database().lockTimeoutMs()).isEqualTo(5_000);
    assertThat(settings.database().idleInTransactionTimeoutMs()).isEqualTo(60_000);
    assertThat(settings.writers()).isEqualTo(new Settings.WriterSettings(100_000, 100_000, 10_000));
  }

  @Test
  void theNativeTransportIsOnByDefaultAndTheEnvironmentChangesIt() {
    assertThat(Settings.from(SettingsLoader.loadJson(Map.of())).vertx())
        .isEqualTo(new Settings.VertxSettings(true, false, 0));
    assertThat(Settings.from(SettingsLoader.loadJson(Map.of("PSTATE_NATIVE_TRANSPORT", "false"))).vertx())
        .isEqualTo(new Settings.VertxSettings(false, false, 0));
    assertThat(Settings.from(new JsonObject()).vertx()).as("a configuration without the key")
        .isEqualTo(new Settings.VertxSettings(true, false, 0));
    assertThat(Settings.from(SettingsLoader.loadJson(Map.of("PSTATE_NATIVE_TRANSPORT", "true",
        "PSTATE_IO_URING", "true"))).vertx()).isEqualTo(new Settings.VertxSettings(true, true, 0));
  }

  @Test
  void ownerInstancesFollowTheEventLoopsUnlessSetThemselves() {
    Settings defaults = Settings.from(SettingsLoader.loadJson(Map.of()));
    assertThat(defaults.vertx().eventLoopCount())
        .isEqualTo(Math.max(1, Runtime.getRuntime().availableProcessors() - 1));
    assertThat(Settings.VertxSettings.defaultEventLoops(1)).isEqualTo(1);
    assertThat(Settings.VertxSettings.defaultEventLoops(2)).isEqualTo(1);
    assertThat(Settings.VertxSettings.defaultEventLoops(8)).isEqualTo(7);
    assertThat(defaults.owners().instances()).isEqualTo(defaults.vertx().eventLoopCount());
    Settings three = Settings.from(SettingsLoader.loadJson(Map.of("PSTATE_EVENT_LOOPS", "3")));
    assertThat(three.vertx().eventLoopCount()).isEqualTo(3);
    assertThat(three.owners().instances()).isEqualTo(3);
    Settings own = Settings.from(new JsonObject().put("vertx", new JsonObject().put("eventLoops", 3))
        .put("owners", new JsonObject().put("instances", 5)));
    assertThat(own.owners().instances()).isEqualTo(5);
    assertThatThrownBy(() -> Settings.from(new JsonObject().put("vertx", new JsonObject().put("eventLoops", -1))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("vertx.eventLoops");
  }

  @Test
  void residencyBoundsComeFromTheEnvironmentAndMustBePositive() {
    Settings.OwnerSettings owners = Settings.from(SettingsLoader.loadJson(Map.of(
        "PSTATE_OWNER_MAX_RESIDENT", "5000", "PSTATE_OWNER_MAX_RESIDENT_MB", "64"))).owners();
    assertThat(owners.maxResident()).isEqualTo(5000);
    assertThat(owners.maxResidentMb()).isEqualTo(64);
    assertThatThrownBy(() -> Settings.from(SettingsLoader.loadJson(Map.of("PSTATE_OWNER_MAX_RESIDENT", "0"))))
        .hasMessageContaining("maxResident and maxResidentMb must be positive");
  }

  @Test
  void databaseTimeoutsAndWriterBoundsComeFromTheEnvironment() {
    Settings settings = Settings.from(SettingsLoader.loadJson(Map.of(
        "PSTATE_PG_STATEMENT_TIMEOUT_MS", "60000",
        "PSTATE_PG_LOCK_TIMEOUT_MS", "0",
        "PSTATE_PG_IDLE_IN_TRANSACTION_TIMEOUT_MS", "120000",
        "PSTATE_MARKET_MAX_QUEUED_ROWS", "50",
        "PSTATE_JOURNAL_MAX_QUEUED_ROWS", "5000",
        "PSTATE_WRITER_STUCK_AFTER_MS", "2000")));
    assertThat(settings.database().statementTimeoutMs()).isEqualTo(60_000);
    assertThat(settings.database().lockTimeoutMs()).isZero();
    assertThat(settings.database().idleInTransactionTimeoutMs()).isEqualTo(120_000);
    assertThat(settings.writers()).isEqualTo(new Settings.WriterSettings(50, 5000, 2000));
    assertThatThrownBy(() -> Settings.from(SettingsLoader.loadJson(Map.of("PSTATE_MARKET_MAX_QUEUED_ROWS", "0"))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("writers");
    assertThatThrownBy(() -> Settings.from(SettingsLoader.loadJson(Map.of("PSTATE_PG_LOCK_TIMEOUT_MS", "-1"))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("timeouts");
  }

  @Test
  void consolidationBoundsComeFromConfAndTheEnvironmentAndMustBePositive() {
    assertThat(Settings.from(SettingsLoader.loadJson(Map.of())).consolidation())
        .isEqualTo(new Settings.ConsolidationSettings(10_000, 256));
    Settings settings = Settings.from(SettingsLoader.loadJson(Map.of(
        "PSTATE_CONSOLIDATION_MAX_PORTFOLIOS", "500", "PSTATE_CONSOLIDATION_MAX_IN_FLIGHT", "16")));
    assertThat(settings.consolidation()).isEqualTo(new Settings.ConsolidationSettings(500, 16));
    assertThatThrownBy(() -> Settings.from(SettingsLoader.loadJson(Map.of("PSTATE_CONSOLIDATION_MAX_IN_FLIGHT", "0"))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("consolidation");
  }

  @Test
  void liveSettingsComeFromConfAndTheEnvironmentAndAreChecked() {
    assertThat(Settings.from(SettingsLoader.loadJson(Map.of())).live()).isEqualTo(
        new Settings.LiveSettings(4, 10_000, 10_000, 1_000, 100, 50, 65_536, 5_000, 1_000, 0.8, 30_000,
            true, true, false));
    Settings settings = Settings.from(SettingsLoader.loadJson(Map.of("PSTATE_LIVE_VALUATIONS_PER_SECOND", "10",
        "PSTATE_LIVE_SLOW_CLIENT_TIMEOUT_MS", "2500", "PSTATE_LIVE_MAX_RESUME_VERSIONS", "50")));
    assertThat(settings.live().valuationsPerSecond()).isEqualTo(10);
    assertThat(settings.live().slowClientTimeoutMs()).isEqualTo(2500);
    assertThat(settings.live().maxResumeVersions()).isEqualTo(50);
    assertThat(Settings.from(SettingsLoader.loadJson(Map.of("PSTATE_LIVE_COMPRESSION", "false"))).live().compression())
        .isFalse();
    assertThat(settings.live().sharedCompression()).isTrue();
    assertThat(Settings.from(SettingsLoader.loadJson(Map.of("PSTATE_LIVE_SHARED_COMPRESSION", "false"))).live()
        .sharedCompression()).isFalse();
    assertThat(Settings.from(SettingsLoader.loadJson(Map.of("PSTATE_LIVE_COMMIT_STAMPS", "true"))).live()
        .commitStamps()).isTrue();
    assertThatThrownBy(() -> Settings.from(SettingsLoader.loadJson(Map.of("PSTATE_LIVE_VALUATIONS_PER_SECOND", "0"))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("live");
    assertThat(settings.live().driftScanMs()).isEqualTo(30_000);
    assertThatThrownBy(() -> new Settings.LiveSettings(4, 10_000, 10_000, 1_000, 100, 50, 65_536, 5_000, 1_000, 1.5,
        30_000, true, true, false)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("driftRecoverFraction");
    assertThatThrownBy(() -> new Settings.LiveSettings(4, 10_000, 10_000, 1_000, 100, 50, 65_536, 5_000, 1_000, 0.8,
        50, true, true, false)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("driftScanMs");
  }

  @Test
  void analyticsSettingsComeFromConfAndTheEnvironment() {
    Settings defaults = Settings.from(SettingsLoader.loadJson(Map.of("PSTATE_DATA_DIR", "/var/lib/pstate")));
    Settings.QuerySettings query = new Settings.QuerySettings(10, 10_000, 20_000, "256MB", "256MB");
    assertThat(defaults.analytics()).isEqualTo(new Settings.AnalyticsSettings(true, null, 20_000, 50, 5_000,
        "512MB", 2, 2, query, new Settings.SeriesSettings(783, 1_000, 10, 0.05), "NONE", "256MB", 2_000, 0));
    assertThat(defaults.analyticsDir()).isEqualTo(java.nio.file.Path.of("/var/lib/pstate/analytics"));
    Settings settings = Settings.from(SettingsLoader.loadJson(Map.of("PSTATE_ANALYTICS", "false",
        "PSTATE_ANALYTICS_DIR", "/fast/analytics", "PSTATE_ANALYTICS_MEMORY_LIMIT", "2GB",
        "PSTATE_ANALYTICS_MIN_SEQ_WAIT_MS", "100", "PSTATE_ANALYTICS_QUERY_TIMEOUT_SECONDS", "3",
        "PSTATE_ANALYTICS_QUERY_MAX_ROWS", "500", "PSTATE_ANALYTICS_SERIES_DAYS", "261",
        "PSTATE_ANALYTICS_FSYNC_MODE", "standard", "PSTATE_ANALYTICS_NICE", "10")));
    assertThat(settings.analytics()).isEqualTo(new Settings.AnalyticsSettings(false, "/fast/analytics", 20_000, 50,
        100, "2GB", 2, 2, new Settings.QuerySettings(3, 500, 20_000, "256MB", "256MB"),
        new Settings.SeriesSettings(261, 1_000, 10, 0.05), "STANDARD", "256MB", 2_000, 10));
    assertThat(settings.analyticsDir()).isEqualTo(java.nio.file.Path.of("/fast/analytics"));
    assertThatThrownBy(() -> Settings.from(SettingsLoader.loadJson(Map.of("PSTATE_ANALYTICS_MIN_SEQ_WAIT_MS", "-1"))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("analytics");
    assertThatThrownBy(() -> Settings.from(SettingsLoader.loadJson(Map.of("PSTATE_ANALYTICS_FSYNC_MODE", "sometimes"))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fsyncMode");
    assertThatThrownBy(() -> Settings.from(SettingsLoader.loadJson(Map.of("PSTATE_ANALYTICS_NICE", "20"))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("analytics.nice");
    // The series' share of a core, as text from the environment; the pause after a refresh follows it.
    Settings.SeriesSettings series = Settings.from(SettingsLoader.loadJson(Map.of("PSTATE_ANALYTICS_SERIES_SHARE",
        "0.25"))).analytics().series();
    assertThat(series.share()).isEqualTo(0.25);
    assertThat(series.pauseAfter(400)).isEqualTo(1_200);
    assertThat(series.pauseAfter(100)).isEqualTo(series.intervalMs());
    assertThatThrownBy(() -> Settings.from(SettingsLoader.loadJson(Map.of("PSTATE_ANALYTICS_SERIES_SHARE", "0"))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("analytics.series.share");
    // The journal events the refreshes keep parsed (200,000 by default; 0 keeps none).
    assertThat(defaults.analytics().series().journalEvents()).isEqualTo(200_000);
    assertThat(Settings.from(SettingsLoader.loadJson(Map.of("PSTATE_ANALYTICS_SERIES_JOURNAL_EVENTS", "0")))
        .analytics().series().journalEvents()).isZero();
    assertThatThrownBy(() -> Settings.from(SettingsLoader.loadJson(Map.of("PSTATE_ANALYTICS_SERIES_JOURNAL_EVENTS",
        "-1")))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("analytics.series.journalEvents");
  }

  @Test
  void importSettingsComeFromConfAndTheEnvironment() {
    assertThat(Settings.from(SettingsLoader.loadJson(Map.of())).imports())
        .isEqualTo(new Settings.ImportSettings(32 << 20, 200_000, 100_000, 120_000L, 2));
    assertThat(Settings.from(SettingsLoader.loadJson(Map.of("PSTATE_IMPORT_MAX_BYTES", "1048576",
        "PSTATE_IMPORT_MAX_ROWS", "1000", "PSTATE_IMPORT_MAX_ROWS_PER_TRANSACTION", "250",
        "PSTATE_IMPORT_OWNER_TIMEOUT_MS", "30000", "PSTATE_IMPORT_MAX_CONCURRENT", "5"))).imports())
        .isEqualTo(new Settings.ImportSettings(1 << 20, 1_000, 250, 30_000L, 5));
    assertThatThrownBy(() -> Settings.from(SettingsLoader.loadJson(Map.of("PSTATE_IMPORT_MAX_ROWS", "0"))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("imports");
  }

  @Test
  void environmentVariablesOverrideTheDefaults() {
    Settings settings = Settings.from(SettingsLoader.loadJson(Map.of(
        "PSTATE_HTTP_PORT", "9090",
        "PSTATE_PG_URL", "postgresql://svc:secret@db.internal:5432/pstate",
        "PSTATE_DATA_DIR", "/var/lib/pstate",
        "PSTATE_SNAPSHOT_EVERY", "250",
        "PSTATE_OWNER_READ_LEASE_MS", "500")));
    assertThat(settings.http().port()).isEqualTo(9090);
    assertThat(settings.database().url()).isEqualTo("postgresql://svc:secret@db.internal:5432/pstate");
    assertThat(settings.database().isEmbedded()).isFalse();
    assertThat(settings.dataDir()).isEqualTo(Path.of("/var/lib/pstate"));
    assertThat(settings.owners().snapshotEvery()).isEqualTo(250);
    assertThat(settings.owners().readLeaseMs()).isEqualTo(500);
  }

  /**
   * The timeouts nest: the gateway's answer deadline is longer than the owner path (the
   * not-owner retries plus the owner timeout), whatever the settings say, so the owner path's
   * own answer reaches the client before the gateway gives up.
   */
  @Test
  void performanceCachesHaveBoundsFromConfAndTheEnvironment() {
    assertThat(Settings.from(SettingsLoader.loadJson(Map.of())).http().performance())
        .isEqualTo(new Settings.PerformanceCacheSettings(100_000, 1_000_000, 300, false, 33_554_432L));
    assertThat(Settings.from(SettingsLoader.loadJson(Map.of("PSTATE_PERFORMANCE_CACHE_EVENTS", "0",
        "PSTATE_PERFORMANCE_CACHE_PRICES", "500", "PSTATE_PERFORMANCE_PRICE_TTL_SECONDS", "10",
        "PSTATE_PERFORMANCE_WARM_UP", "true", "PSTATE_PERFORMANCE_CACHE_ANSWER_BYTES", "0"))).http().performance())
        .isEqualTo(new Settings.PerformanceCacheSettings(0, 500, 10, true, 0));
    assertThatThrownBy(() -> Settings.from(SettingsLoader.loadJson(Map.of("PSTATE_PERFORMANCE_CACHE_ANSWER_BYTES",
        "-1")))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("answerBytes");
    assertThatThrownBy(() -> Settings.from(SettingsLoader.loadJson(Map.of("PSTATE_PERFORMANCE_CACHE_PRICES", "-1"))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("http.performance");
  }

  @Test
  void theGatewayDeadlineIsLongerThanTheOwnerPath() {
    Settings defaults = Settings.from(SettingsLoader.loadJson(Map.of()));
    assertThat(defaults.routing().ownerPathMs()).isEqualTo(3000 + 8000);
    long deadline = defaults.http().answerDeadlineMs(defaults.routing().ownerPathMs());
    assertThat(deadline).isEqualTo(3000 + 8000 + Settings.HttpSettings.GATEWAY_MARGIN_MS)
        .isGreaterThan(defaults.routing().ownerPathMs());

    Settings slowOwners = Settings.from(SettingsLoader.loadJson(Map.of(
        "PSTATE_OWNER_TIMEOUT_MS", "30000", "PSTATE_NOT_OWNER_RETRY_MS", "5000",
        "PSTATE_HTTP_REQUEST_TIMEOUT_MS", "10000")));
    assertThat(slowOwners.routing().ownerTimeoutMs()).isEqualTo(30_000);
    assertThat(slowOwners.http().answerDeadlineMs(slowOwners.routing().ownerPathMs()))
        .isEqualTo(35_000 + Settings.HttpSettings.GATEWAY_MARGIN_MS);

    Settings patientGateway = Settings.from(SettingsLoader.loadJson(Map.of(
        "PSTATE_HTTP_REQUEST_TIMEOUT_MS", "60000")));
    assertThat(patientGateway.http().answerDeadlineMs(patientGateway.routing().ownerPathMs())).isEqualTo(60_000);
  }

  @Test
  void pulsarIsOffByDefaultAndItsTopicsComeFromTheEnvironment() {
    Settings.PulsarSettings off = Settings.from(SettingsLoader.loadJson(Map.of())).pulsar();
    assertThat(off.enabled()).isFalse();
    assertThat(off.publishesChanges()).isFalse();
    assertThat(off.publishesAlerts()).isFalse();

    Settings.PulsarSettings on = Settings.from(SettingsLoader.loadJson(Map.of(
        "PSTATE_PULSAR_URL", "pulsar://broker:6650",
        "PSTATE_PULSAR_ALERTS_TOPIC", "risk-alerts"))).pulsar();
    assertThat(on.changesTopic()).isEqualTo("portfolio-changes");
    assertThat(on.alertsTopic()).isEqualTo("risk-alerts");
    assertThat(on.alertsProducerName()).isEqualTo("portfolio-state-alerts");
    assertThat(on.publishesAlerts()).isTrue();
    assertThat(on.subscriptionType()).isEqualTo("Key_Shared");
    assertThat(Settings.from(SettingsLoader.loadJson(Map.of("PSTATE_PULSAR_URL", "pulsar://broker:6650",
        "PSTATE_PULSAR_SUBSCRIPTION_TYPE", "failover"))).pulsar().subscriptionType()).isEqualTo("Failover");
    assertThatThrownBy(() -> Settings.from(SettingsLoader.loadJson(Map.of(
        "PSTATE_PULSAR_SUBSCRIPTION_TYPE", "Shared"))))
        .hasMessageContaining("pulsar.subscriptionType must be Key_Shared or Failover");

    // Alerts ride on the changes publisher: no changes topic, no alerts.
    Settings.PulsarSettings noChanges = Settings.from(SettingsLoader.loadJson(Map.of(
        "PSTATE_PULSAR_URL", "pulsar://broker:6650", "PSTATE_PULSAR_CHANGES_TOPIC", ""))).pulsar();
    assertThat(noChanges.publishesChanges()).isFalse();
    assertThat(noChanges.publishesAlerts()).isFalse();
    Settings.PulsarSettings noAlerts = Settings.from(SettingsLoader.loadJson(Map.of(
        "PSTATE_PULSAR_URL", "pulsar://broker:6650", "PSTATE_PULSAR_ALERTS_TOPIC", ""))).pulsar();
    assertThat(noAlerts.publishesChanges()).isTrue();
    assertThat(noAlerts.publishesAlerts()).isFalse();
  }

  @Test
  void aConfigFileSitsBetweenDefaultsAndEnvironment(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("node.json");
    Files.writeString(file, "{\"http\": {\"port\": 7070, \"host\": \"127.0.0.1\"}, \"journal\": {\"maxBatchRows\": 500}}");
    Settings fromFile = Settings.from(SettingsLoader.loadJson(Map.of("PSTATE_CONFIG", file.toString())));
    assertThat(fromFile.http().port()).isEqualTo(7070);
    assertThat(fromFile.http().host()).isEqualTo("127.0.0.1");
    assertThat(fromFile.http().maxBodyBytes()).isEqualTo(1 << 20);
    assertThat(fromFile.journal().maxBatchRows()).isEqualTo(500);
    Settings withEnvironment = Settings.from(SettingsLoader.loadJson(
        Map.of("PSTATE_CONFIG", file.toString(), "PSTATE_HTTP_PORT", "6060")));
    assertThat(withEnvironment.http().port()).isEqualTo(6060);
  }

  @Test
  void clusteringIsOffByDefaultAndOneVariableTurnsItOn() {
    Settings alone = Settings.from(SettingsLoader.loadJson(Map.of()));
    assertThat(alone.cluster().enabled()).isFalse();
    assertThat(alone.cluster().config()).isEqualTo("loopback");
    assertThat(alone.cluster().port()).isEqualTo(5701);
    assertThat(alone.cluster().members()).isEmpty();

    Settings clustered = Settings.from(SettingsLoader.loadJson(Map.of(
        "PSTATE_CLUSTER", "true",
        "PSTATE_CLUSTER_PORT", "5801",
        "PSTATE_CLUSTER_MEMBERS", "10.0.0.11, 10.0.0.12:5801,,",
        "PSTATE_CLUSTER_CONFIG", "tcp",
        "PSTATE_CLUSTER_HOST", "10.0.0.11",
        "PSTATE_CLUSTER_NAME", "pstate-prod")));
    assertThat(clustered.cluster().enabled()).isTrue();
    assertThat(clustered.cluster().port()).isEqualTo(5801);
    assertThat(clustered.cluster().members()).containsExactly("10.0.0.11", "10.0.0.12:5801");
    assertThat(clustered.cluster().config()).isEqualTo("tcp");
    assertThat(clustered.cluster().host()).isEqualTo("10.0.0.11");
    assertThat(clustered.cluster().name()).isEqualTo("pstate-prod");
  }

  @Test
  void exportSettingsAndSchedulesComeFromConfAFileAndTheEnvironment(@TempDir Path dir) throws Exception {
    Settings defaults = Settings.from(SettingsLoader.loadJson(Map.of("PSTATE_DATA_DIR", "/var/lib/pstate")));
    assertThat(defaults.exports()).isEqualTo(new ExportSettings(null, 100, 10_000_000L, 2, 30_000L, 5_000L, 0L,
        "256MB", java.util.List.of()));
    assertThat(defaults.exportsDir()).isEqualTo(Path.of("/var/lib/pstate/exports"));

    Path file = dir.resolve("exports.json");
    Files.writeString(file, "{\"exports\": {\"schedules\": [{\"name\": \"eod\", \"dataset\": \"positions\","
        + " \"format\": \"parquet\", \"time\": \"22:30\", \"weekdays\": [\"MON\", \"friday\"],"
        + " \"root\": \"fund-a\", \"folder\": \"/exports\"}]}}");
    Settings configured = Settings.from(SettingsLoader.loadJson(Map.of("PSTATE_CONFIG", file.toString(),
        "PSTATE_EXPORTS_DIR", "/shared/exports", "PSTATE_EXPORTS_MAX_ROWS", "500")));
    assertThat(configured.exportsDir()).isEqualTo(Path.of("/shared/exports"));
    assertThat(configured.exports().maxRows()).isEqualTo(500L);
    assertThat(configured.exports().schedules()).containsExactly(new ExportSettings.Schedule("eod", "positions",
        "parquet", java.time.LocalTime.of(22, 30), java.util.Set.of(java.time.DayOfWeek.MONDAY,
            java.time.DayOfWeek.FRIDAY), "fund-a", "/exports"));

    Files.writeString(file, "{\"exports\": {\"schedules\": [{\"name\": \"eod\", \"dataset\": \"positions\","
        + " \"time\": \"25:00\", \"folder\": \"/exports\"}]}}");
    assertThatThrownBy(() -> Settings.from(SettingsLoader.loadJson(Map.of("PSTATE_CONFIG", file.toString()))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("exports.schedules.eod.time");
    Files.writeString(file, "{\"exports\": {\"schedules\": [{\"name\": \"a\", \"dataset\": \"cash\","
        + " \"folder\": \"/x\"}, {\"name\": \"a\", \"dataset\": \"cash\", \"folder\": \"/y\"}]}}");
    assertThatThrownBy(() -> Settings.from(SettingsLoader.loadJson(Map.of("PSTATE_CONFIG", file.toString()))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("used twice");
  }

  @Test
  void aPerformanceScheduleTakesAPeriodOrANumberOfDays(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("exports.json");
    Files.writeString(file, "{\"exports\": {\"schedules\": ["
        + "{\"name\": \"nav-mtd\", \"dataset\": \"performance\", \"period\": \"mtd\", \"folder\": \"/x\"},"
        + "{\"name\": \"nav-30\", \"dataset\": \"performance\", \"days\": 30, \"folder\": \"/x\"},"
        + "{\"name\": \"nav-itd\", \"dataset\": \"performance\", \"folder\": \"/x\"}]}}");
    java.util.List<ExportSettings.Schedule> schedules = Settings.from(SettingsLoader.loadJson(
        Map.of("PSTATE_CONFIG", file.toString()))).exports().schedules();
    assertThat(schedules).extracting(ExportSettings.Schedule::period).containsExactly("MTD", null, null);
    assertThat(schedules).extracting(ExportSettings.Schedule::days).containsExactly(null, 30, null);

    for (String[] bad : new String[][] {
        {"\"dataset\": \"positions\", \"period\": \"MTD\"", "window of a performance schedule"},
        {"\"dataset\": \"performance\", \"period\": \"5Y\"", "exports.schedules.s.period must be one of"},
        {"\"dataset\": \"performance\", \"period\": \"YTD\", \"days\": 5", "either period or days"},
        {"\"dataset\": \"performance\", \"days\": 0", "exports.schedules.s.days must be 1 to 10950"},
        {"\"dataset\": \"performance\", \"days\": \"week\"", "exports.schedules.s.days must be a number"}}) {
      Files.writeString(file, "{\"exports\": {\"schedules\": [{\"name\": \"s\", " + bad[0]
          + ", \"folder\": \"/x\"}]}}");
      assertThatThrownBy(() -> Settings.from(SettingsLoader.loadJson(Map.of("PSTATE_CONFIG", file.toString()))))
          .as(bad[0]).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(bad[1]);
    }
  }
}
