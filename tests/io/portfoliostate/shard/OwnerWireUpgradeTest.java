package io.portfoliostate.shard;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.config.Settings.RoutingSettings;
import io.portfoliostate.domain.CommandResult;
import io.portfoliostate.domain.CreatePortfolio;
import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.protocol.Addresses;
import io.portfoliostate.protocol.Codecs;
import io.portfoliostate.protocol.CommandEnvelope;
import io.portfoliostate.protocol.CommandOutcome;
import io.portfoliostate.protocol.CommandOutcomes;
import io.portfoliostate.protocol.OwnerRequest;
import io.portfoliostate.protocol.OwnerWire;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.eventbus.impl.MessageImpl;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A rolling upgrade between this version (binary owner path, {@code OwnerWire}) and the one
 * before (JSON). The node of the version before is played on one Vert.x: it answers a request in
 * a codec it does not have as Vert.x does across nodes (an ERROR "No message codec registered
 * with name ...", decoding nothing), and reads the JSON form. A command without id or key (a
 * create: not safe to send twice) reaches it once, in JSON, and its answer comes back; the next
 * request to that node goes in JSON at once. And an owner of this version answers a request in the
 * form it came in, so that a gateway of the version before can read the reply.
 */
class OwnerWireUpgradeTest {

  private static final PortfolioId ID = PortfolioId.of("upgrade-1");

  private Vertx vertx;
  private final List<MessageCodec<?, ?>> olderNodeGot = new CopyOnWriteArrayList<>();
  private final List<OwnerRequest.Execute> olderNodeRead = new CopyOnWriteArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    Codecs.registerAll(vertx.eventBus());
    vertx.eventBus().<OwnerRequest.Execute>consumer(Addresses.owner("older", 0), message -> {
      MessageCodec<?, ?> codec = ((MessageImpl<?, ?>) message).codec();
      olderNodeGot.add(codec);
      if (codec != OwnerWire.LEGACY_EXECUTE) {
        message.reply(new ReplyException(ReplyFailure.ERROR, OwnerWire.UNKNOWN_CODEC + codec.name()));
        return;
      }
      olderNodeRead.add(message.body());
      message.reply(new CommandOutcomes(List.of(recorded())), new DeliveryOptions()
          .setCodecName(OwnerWire.LEGACY_OUTCOMES.name()));
    }).completion().await(10, TimeUnit.SECONDS);
    vertx.eventBus().<OwnerRequest.Execute>consumer(Addresses.owner("current", 0), message -> {
      PendingReply reply = new PendingReply(message, 1);
      reply.complete(0, recorded());
    }).completion().await(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void tearDown() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void aNodeOfTheVersionBeforeGetsTheJsonFormOnceItHasNoCodecForTheBinaryOne() throws Exception {
    OwnerClient client = new OwnerClient(vertx, new FixedShardMap("older"), new RoutingSettings(5_000, 3_000));
    OwnerRequest.Execute create = new OwnerRequest.Execute(ID, List.of(CommandEnvelope.of(
        new CreatePortfolio(ID, "Fund", CurrencyCode.USD, null, null, null, null))));

    CommandOutcomes first = client.<CommandOutcomes>request(create).await(10, TimeUnit.SECONDS);
    assertThat(((CommandOutcome.Recorded) first.outcomes().get(0)).result().version()).isEqualTo(1);
    assertThat(olderNodeGot).containsExactly(OwnerWire.EXECUTE, OwnerWire.LEGACY_EXECUTE);
    assertThat(olderNodeRead).containsExactly(create);

    client.<CommandOutcomes>request(create).await(10, TimeUnit.SECONDS);
    assertThat(olderNodeGot).containsExactly(OwnerWire.EXECUTE, OwnerWire.LEGACY_EXECUTE, OwnerWire.LEGACY_EXECUTE);
    assertThat(olderNodeRead).hasSize(2);
  }

  @Test
  void anOwnerAnswersInTheFormItWasAskedIn() throws Exception {
    OwnerRequest.Execute request = new OwnerRequest.Execute(ID, List.of(CommandEnvelope.of(
        new CreatePortfolio(ID, "Fund", CurrencyCode.USD, null, null, null, null))));
    Message<Object> asOlderGatewayAsks = vertx.eventBus().request(Addresses.owner("current", 0), request,
        new DeliveryOptions().setCodecName(OwnerWire.LEGACY_EXECUTE.name())).await(10, TimeUnit.SECONDS);
    assertThat(((MessageImpl<?, ?>) asOlderGatewayAsks).codec()).isSameAs(OwnerWire.LEGACY_OUTCOMES);
    Message<Object> asThisVersionAsks = vertx.eventBus().request(Addresses.owner("current", 0), request)
        .await(10, TimeUnit.SECONDS);
    assertThat(((MessageImpl<?, ?>) asThisVersionAsks).codec()).isSameAs(OwnerWire.OUTCOMES);
    assertThat(asThisVersionAsks.body()).isEqualTo(asOlderGatewayAsks.body());
  }

  private static CommandOutcome recorded() {
    return new CommandOutcome.Recorded(new CommandResult(ID, 1, null, Map.of(), null), false);
  }

  /** Every portfolio owned by one node's first owner. */
  private record FixedShardMap(String node) implements ShardMap {
    @Override
    public String ownerAddress(PortfolioId id) {
      return Addresses.owner(node, 0);
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
    }

    @Override
    public List<ClusterMember> members() {
      return List.of();
    }
  }
}
