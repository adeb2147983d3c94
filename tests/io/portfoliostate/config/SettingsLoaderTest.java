package io.portfoliostate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
}
