package io.portfoliostate.persistence;

import static io.portfoliostate.fixtures.TestPool.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.fixtures.TestPool;
import io.portfoliostate.persistence.SecurityStore.Actor;
import io.portfoliostate.persistence.SecurityStore.Snapshot;
import io.portfoliostate.security.ApiKey;
import io.portfoliostate.security.ApiKeySecret;
import io.portfoliostate.security.Entitlements.Grant;
import io.portfoliostate.security.GlobalRole;
import io.portfoliostate.security.Grantee;
import io.portfoliostate.security.PortfolioRole;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Keys, grants and their audit against a real PostgreSQL. */
class SecurityStoreTest {

  private static final Actor ADMIN = new Actor("key:bootstrap", "req-1");
  private static TestPool db;
  private static SecurityStore store;

  @BeforeAll
  static void start() {
    db = TestPool.migrated("security-store");
    store = new SecurityStore(db.pool());
  }

  @AfterAll
  static void stop() throws Exception {
    db.close();
  }

  @Test
  void aKeyIsStoredAsItsHashOnlyAndIsUsableUntilRevoked() throws Exception {
    ApiKeySecret.NewKey key = ApiKeySecret.generate();
    Instant expires = Instant.parse("2099-01-01T00:00:00Z");
    ApiKey stored = await(store.createKey(key, "pricing feed", "market-data-team",
        Set.of(GlobalRole.MARKET_DATA), expires, ADMIN));

    assertThat(stored.keyId()).isEqualTo(key.keyId());
    assertThat(stored.usableAt(Instant.now())).isTrue();
    assertThat(stored.usableAt(expires)).as("expired at its expiry").isFalse();
    try (Connection connection = io.portfoliostate.fixtures.TestDatabase.connect(db.uri());
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery("SELECT * FROM api_keys")) {
      while (rows.next()) {
        for (int column = 1; column <= rows.getMetaData().getColumnCount(); column++) {
          assertThat(String.valueOf(rows.getObject(column))).doesNotContain(key.text());
        }
      }
    }

    Snapshot before = await(store.load());
    assertThat(before.keysByHash().get(ApiKeySecret.hash(key.text()))).isEqualTo(stored);

    ApiKey revoked = await(store.revokeKey(key.keyId(), ADMIN)).orElseThrow();
    assertThat(revoked.revokedAt()).isNotNull();
    assertThat(await(store.revokeKey(key.keyId(), ADMIN)).orElseThrow().revokedAt())
        .as("revoking again keeps the first time").isEqualTo(revoked.revokedAt());
    assertThat(await(store.revokeKey("no-such-key", ADMIN))).isEmpty();

    Snapshot after = await(store.load());
    assertThat(after.keysByHash()).doesNotContainKey(ApiKeySecret.hash(key.text()));
    assertThat(after.version()).isGreaterThan(before.version());
    assertThat(await(store.keys())).extracting(ApiKey::keyId).contains(key.keyId());
  }

  @Test
  void grantingAgainReplacesTheRoleAndDeletingRemovesIt() throws Exception {
    Grantee alice = new Grantee(Grantee.Type.SUBJECT, "alice");
    PortfolioId fund = PortfolioId.of("fund-grants");
    Grant read = await(store.grant(alice, PortfolioRole.READ, fund, ADMIN));
    Grant trade = await(store.grant(alice, PortfolioRole.TRADE, fund, ADMIN));

    assertThat(trade.grantId()).isEqualTo(read.grantId());
    assertThat(await(store.load()).grants()).filteredOn(g -> g.portfolio().equals(fund))
        .containsExactly(new Grant(read.grantId(), alice, PortfolioRole.TRADE, fund));

    assertThat(await(store.revokeGrant(read.grantId(), ADMIN))).contains(trade);
    assertThat(await(store.revokeGrant(read.grantId(), ADMIN))).isEmpty();
    assertThat(await(store.load()).grants()).noneMatch(g -> g.portfolio().equals(fund));
  }

  @Test
  void everyChangeIsAuditedUnderItsOwnVersionInOrder() throws Exception {
    long start = await(store.version());
    List<Future<Grant>> concurrent = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      concurrent.add(store.grant(new Grantee(Grantee.Type.GROUP, "desk-" + i), PortfolioRole.READ,
          PortfolioId.of("fund-audit"), new Actor("alice", "req-" + i)));
    }
    await(Future.all(concurrent));

    assertThat(await(store.version())).isEqualTo(start + 20);
    JsonArray audit = await(store.audit(start, 100));
    assertThat(audit).hasSize(20);
    for (int i = 0; i < audit.size(); i++) {
      JsonObject row = audit.getJsonObject(i);
      assertThat(row.getLong("version")).isEqualTo(start + 1 + i);
      assertThat(row.getString("action")).isEqualTo("grant.created");
      assertThat(row.getString("actor")).isEqualTo("alice");
      assertThat(row.getString("requestId")).startsWith("req-");
      assertThat(row.getJsonObject("detail").getString("portfolioId")).isEqualTo("fund-audit");
    }
  }
}
