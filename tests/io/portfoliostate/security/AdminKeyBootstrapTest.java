package io.portfoliostate.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portfoliostate.app.Node;
import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.TestDatabase;
import io.portfoliostate.fixtures.TestNode;
import io.portfoliostate.fixtures.TestPool;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The first way in: the admin key a node makes on its first start (written once to
 * {@code <data dir>/admin-key} with mode 0600, reused later, never revived after a revocation),
 * and {@code PSTATE_AUTH=off}, which only a node listening on loopback accepts.
 */
class AdminKeyBootstrapTest {

  /** A node whose admin key file is the default one under {@code dataDir}. */
  private static JsonObject underDataDir(Path dataDir) {
    return new JsonObject().put("dataDir", dataDir.toString())
        .put("security", new JsonObject().putNull("adminKeyFile"));
  }

  private static long bootstrapKeys(String databaseUri) throws Exception {
    try (TestPool pool = TestPool.open(databaseUri, "bootstrap-keys")) {
      return TestPool.await(pool.pool().query("SELECT count(*) FROM api_keys WHERE created_by = 'bootstrap'")
          .execute()).iterator().next().getLong(0);
    }
  }

  @Test
  void theFirstStartMakesTheKeyOnceAndLaterStartsReuseIt(@TempDir Path dataDir) throws Exception {
    String database = TestDatabase.freshDatabaseUri();
    Path file = dataDir.resolve("admin-key");
    String key;
    try (Node node = TestNode.start(database, underDataDir(dataDir))) {
      assertThat(Files.getPosixFilePermissions(file))
          .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
      key = Files.readString(file).strip();
      assertThat(ApiKeySecret.keyId(key)).contains(node.adminKeyId());
      Api api = new Api(node.httpPort()).asBearer(key);
      assertThat(api.get("/api/v1/api-keys").status()).isEqualTo(200);
      assertThat(api.anonymous().get("/api/v1/portfolios").status()).isEqualTo(401);
    }
    assertThat(bootstrapKeys(database)).isEqualTo(1);

    try (Node again = TestNode.start(database, underDataDir(dataDir))) {
      assertThat(Files.readString(file).strip()).isEqualTo(key);
      assertThat(again.adminKeyId()).isEqualTo(ApiKeySecret.keyId(key).orElseThrow());
      Api api = new Api(again.httpPort()).asBearer(key);
      assertThat(api.get("/api/v1/api-keys").status()).isEqualTo(200);
      // Revoked, it stays revoked: the next start does not bring it back.
      assertThat(api.send("DELETE", "/api/v1/api-keys/" + again.adminKeyId(), null, null).status()).isEqualTo(200);
    }
    try (Node afterRevocation = TestNode.start(database, underDataDir(dataDir))) {
      assertThat(new Api(afterRevocation.httpPort()).asBearer(key).get("/api/v1/portfolios").status())
          .isEqualTo(401);
    }
    assertThat(bootstrapKeys(database)).isEqualTo(1);
  }

  @Test
  void aKeyFileOnAFreshDatabaseIsRegistered(@TempDir Path dataDir) throws Exception {
    String provisioned = ApiKeySecret.generate().text();
    Files.writeString(dataDir.resolve("admin-key"), provisioned + "\n");
    try (Node node = TestNode.start(TestDatabase.freshDatabaseUri(), underDataDir(dataDir))) {
      assertThat(new Api(node.httpPort()).asBearer(provisioned).get("/api/v1/api-keys").status()).isEqualTo(200);
    }
  }

  @Test
  void aFileWithoutAKeyStopsTheStart(@TempDir Path dataDir) throws Exception {
    Files.writeString(dataDir.resolve("admin-key"), "hunter2\n");
    assertThatThrownBy(() -> TestNode.start(TestDatabase.freshDatabaseUri(), underDataDir(dataDir)).close())
        .hasStackTraceContaining("does not hold an API key");
  }

  @Test
  void authenticationOffIsRefusedUnlessHttpListensOnLoopbackOnly() throws Exception {
    JsonObject off = new JsonObject().put("security", new JsonObject().put("enabled", "off"));
    JsonObject everywhere = off.copy().put("http", new JsonObject().put("host", "0.0.0.0").put("port", 0));
    assertThatThrownBy(() -> TestNode.start(TestDatabase.freshDatabaseUri(), everywhere).close())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("PSTATE_AUTH=off is refused");
    try (Node node = TestNode.start(TestDatabase.freshDatabaseUri(), off)) {
      Api anonymous = new Api(node.httpPort()).anonymous();
      assertThat(anonymous.post("/api/v1/portfolios", new JsonObject().put("id", "open-1").put("name", "Open")
          .put("baseCurrency", "USD")).status()).isEqualTo(201);
      assertThat(anonymous.get("/api/v1/api-keys").status()).isEqualTo(200);
      assertThat(node.adminKeyId()).isNull();
    }
  }

  @Test
  void theDefaultKeyFileLivesInTheDataDirectory() {
    assertThat(io.portfoliostate.config.Settings.from(new JsonObject().put("dataDir", "/srv/pstate"))
        .adminKeyFile()).isEqualTo(Path.of("/srv/pstate/admin-key"));
    assertThatThrownBy(() -> io.portfoliostate.config.Settings.from(new JsonObject()
        .put("security", new JsonObject().put("enabled", "maybe")))).hasMessageContaining("must be on or off");
  }
}
