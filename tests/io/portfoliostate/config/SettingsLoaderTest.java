package io.portfoliostate.config;

import static org.assertj.core.api.Assertions.assertThat;

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
    assertThat(settings.journal().maxInFlight()).isEqualTo(2);
  }

  @Test
  void environmentVariablesOverrideTheDefaults() {
    Settings settings = Settings.from(SettingsLoader.loadJson(Map.of(
        "PSTATE_HTTP_PORT", "9090",
        "PSTATE_PG_URL", "postgresql://svc:secret@db.internal:5432/pstate",
        "PSTATE_DATA_DIR", "/var/lib/pstate",
        "PSTATE_SNAPSHOT_EVERY", "250")));
    assertThat(settings.http().port()).isEqualTo(9090);
    assertThat(settings.database().url()).isEqualTo("postgresql://svc:secret@db.internal:5432/pstate");
    assertThat(settings.database().isEmbedded()).isFalse();
    assertThat(settings.dataDir()).isEqualTo(Path.of("/var/lib/pstate"));
    assertThat(settings.owners().snapshotEvery()).isEqualTo(250);
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
}
