package io.portfoliostate.shard;

import static io.portfoliostate.fixtures.Api.trade;
import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.app.Node;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.fixtures.Api;
import io.portfoliostate.fixtures.TestDatabase;
import io.portfoliostate.fixtures.ForwardingShardMap;
import io.portfoliostate.fixtures.TestNode;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Commands that queued behind a journal write while the portfolio's partition moved to another
 * node are not decided by the old owner: they fail "not owner" (the gateway retries them at the
 * new owner), so a node that lost a portfolio stops writing it.
 */
class MovedWhileQueuedTest {

  @Test
  void queuedCommandsAreNotWrittenAfterThePartitionMoved() throws Exception {
    String database = TestDatabase.freshDatabaseUri();
    AtomicBoolean moved = new AtomicBoolean();
    UnaryOperator<ShardMap> routing = shards -> new ForwardingShardMap(shards) {
      @Override
      public boolean isLocal(PortfolioId id) {
        return !moved.get() && shards.isLocal(id);
      }
    };
    JsonObject overrides = new JsonObject().put("routing", new JsonObject().put("notOwnerRetryMs", 500));
    try (Node node = Node.start(TestNode.settings(database, overrides), routing, UnaryOperator.identity())) {
      Api api = new Api(node.httpPort());
      api.createPortfolio("moving-1");
      assertThat(api.post("/api/v1/portfolios/moving-1/trades", trade("t-0", "AAPL", "BUY", "1", "10")).status())
          .isEqualTo(201);

      CompletableFuture<Api.Response> first;
      List<CompletableFuture<Api.Response>> queued = new ArrayList<>();
      try (Connection lock = TestDatabase.connect(database); Statement sql = lock.createStatement()) {
        // Holds the journal's writes: t-1 is decided and its append waits; the next ones queue.
        lock.setAutoCommit(false);
        sql.execute("LOCK TABLE portfolio_events IN SHARE MODE");
        first = api.postAsync("/api/v1/portfolios/moving-1/trades", trade("t-1", "AAPL", "BUY", "1", "10"));
        awaitQueued(api, 0);
        for (int i = 2; i <= 5; i++) {
          queued.add(api.postAsync("/api/v1/portfolios/moving-1/trades", trade("t-" + i, "AAPL", "BUY", "1", "10")));
        }
        awaitQueued(api, 4);
        moved.set(true);
        lock.commit();
      }
      assertThat(first.get(30, TimeUnit.SECONDS).status()).isEqualTo(201);
      for (CompletableFuture<Api.Response> response : queued) {
        Api.Response refused = response.get(30, TimeUnit.SECONDS);
        assertThat(refused.status()).isEqualTo(503);
        assertThat(refused.contentType()).isEqualTo("application/problem+json");
      }
      assertThat(queuedCommands(api)).isZero();
    }
    try (Connection connection = TestDatabase.connect(database); Statement sql = connection.createStatement()) {
      ResultSet journal = sql.executeQuery("SELECT count(*) FROM portfolio_events WHERE portfolio_id = 'moving-1'");
      journal.next();
      // The create, t-0 and t-1: nothing decided after the move.
      assertThat(journal.getLong(1)).isEqualTo(3);
    }
  }

  /** Waits until the owners hold {@code expected} queued commands (with t-1's write in flight). */
  private static void awaitQueued(Api api, double expected) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      if (queuedCommands(api) == expected && (expected > 0 || journalWaiting(api))) {
        return;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("owners never held " + expected + " queued commands");
  }

  /** Whether an append is in flight (the journal writer took it from its buffer and writes it). */
  private static boolean journalWaiting(Api api) {
    String metrics = api.get("/metrics").body();
    return metrics.lines().anyMatch(line -> line.startsWith("pstate_journal_queue_wait_seconds_count")
        && Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)) >= 3);
  }

  private static double queuedCommands(Api api) {
    double sum = 0;
    for (String line : api.get("/metrics").body().split("\n")) {
      if (line.startsWith("pstate_owner_queue_commands{")) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return sum;
  }
}
