package io.portfoliostate.shard;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.config.Settings.RoutingSettings;
import io.portfoliostate.domain.CreatePortfolio;
import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.domain.RecordTrade;
import io.portfoliostate.domain.Side;
import io.portfoliostate.protocol.Addresses;
import io.portfoliostate.protocol.Codecs;
import io.portfoliostate.protocol.CommandEnvelope;
import io.portfoliostate.protocol.OwnerRequest;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import java.math.BigDecimal;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The owner client retries after a node is lost only what a retry cannot apply twice. Two owner
 * addresses on one Vert.x: the first owner takes requests and never answers (its node then
 * "leaves"), the second answers everything; a command without id or key must not reach the
 * second once it may have reached the first.
 */
class OwnerClientRetryTest {

  private static final PortfolioId ID = PortfolioId.of("retry-1");

  private Vertx vertx;
  private final List<Object> secondOwnerGot = new CopyOnWriteArrayList<>();
  private final List<Object> firstOwnerGot = new CopyOnWriteArrayList<>();
  private MovingShardMap shards;

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    Codecs.registerAll(vertx.eventBus());
    vertx.eventBus().<OwnerRequest>consumer(Addresses.owner("first", 0), message -> firstOwnerGot.add(message.body()))
        .completion().await(10, TimeUnit.SECONDS);
    vertx.eventBus().<OwnerRequest>consumer(Addresses.owner("second", 0), (Message<OwnerRequest> message) -> {
      secondOwnerGot.add(message.body());
      message.reply("applied");
    }).completion().await(10, TimeUnit.SECONDS);
    shards = new MovingShardMap();
  }

  @AfterEach
  void tearDown() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void aCreateWithoutKeyLostInFlightIsNotRetriedButReportedAsUnknown() throws Exception {
    Throwable failure = lostInFlight(CommandEnvelope.of(create()));
    assertThat(failure).isInstanceOf(OwnerClient.OutcomeUnknown.class);
    assertThat(((OwnerClient.OutcomeUnknown) failure).retrySafe()).isFalse();
    assertThat(secondOwnerGot).isEmpty();
  }

  @Test
  void aCreateWithKeyOrATradeLostInFlightIsRetriedAtTheNewOwner() throws Exception {
    assertThat(lostInFlight(CommandEnvelope.of(create()).withIdempotencyKey("k-1"))).isNull();
    assertThat(lostInFlight(CommandEnvelope.of(new RecordTrade(ID, "t-1", InstrumentId.of("AAPL"), Side.BUY,
        BigDecimal.ONE, BigDecimal.TEN, null, null, null, null)))).isNull();
    assertThat(secondOwnerGot).hasSize(2);
  }

  @Test
  void anOwnerThatNeverAnswersGivesOutcomeUnknownWithTheRetrySafety() throws Exception {
    OwnerClient client = new OwnerClient(vertx, shards, new RoutingSettings(300, 200));
    Throwable unkeyed = failureOf(client.request(new OwnerRequest.Execute(ID, List.of(CommandEnvelope.of(create())))));
    assertThat(unkeyed).isInstanceOf(OwnerClient.OutcomeUnknown.class);
    assertThat(((OwnerClient.OutcomeUnknown) unkeyed).retrySafe()).isFalse();
    assertThat(unkeyed.getMessage()).contains("300 ms");
    Throwable keyed = failureOf(client.request(new OwnerRequest.Execute(ID,
        List.of(CommandEnvelope.of(create()).withIdempotencyKey("k-2")))));
    assertThat(((OwnerClient.OutcomeUnknown) keyed).retrySafe()).isTrue();
  }

  /** Sends one command to the first owner, lets its node leave with it in flight: the failure, or null on success. */
  private Throwable lostInFlight(CommandEnvelope envelope) throws Exception {
    shards.owner = "first";
    int before = firstOwnerGot.size();
    OwnerClient client = new OwnerClient(vertx, shards, new RoutingSettings(30_000, 3000));
    Future<Object> answer = client.request(new OwnerRequest.Execute(ID, List.of(envelope)));
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (firstOwnerGot.size() == before && System.nanoTime() < until) {
      Thread.sleep(5);
    }
    assertThat(firstOwnerGot).hasSize(before + 1);
    // The partitions move to the second node, then the first is declared gone.
    shards.owner = "second";
    shards.left.accept("first");
    return failureOf(answer);
  }

  private static Throwable failureOf(Future<?> answer) throws Exception {
    try {
      answer.await(10, TimeUnit.SECONDS);
      return null;
    } catch (Exception e) {
      return e;
    }
  }

  private static CreatePortfolio create() {
    return new CreatePortfolio(ID, "Fund", CurrencyCode.USD, null, null, null, null);
  }

  /** A shard map whose owner node the test moves, and whose member-left listener it calls. */
  private static final class MovingShardMap implements ShardMap {
    volatile String owner = "first";
    volatile Consumer<String> left = node -> { };

    @Override
    public String ownerAddress(PortfolioId id) {
      return Addresses.owner(owner, 0);
    }

    @Override
    public boolean isLocal(PortfolioId id) {
      return false;
    }

    @Override
    public long epoch() {
      return 0;
    }

    @Override
    public boolean settled() {
      return true;
    }

    @Override
    public void onMemberLeft(Consumer<String> listener) {
      left = listener;
    }

    @Override
    public List<ClusterMember> members() {
      return List.of();
    }
  }
}
