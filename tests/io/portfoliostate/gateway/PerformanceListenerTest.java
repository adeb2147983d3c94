package io.portfoliostate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.portfoliostate.config.Settings;
import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.performance.PriceHistory;
import io.portfoliostate.domain.valuation.Price;
import io.portfoliostate.protocol.Addresses;
import io.portfoliostate.protocol.Codecs;
import io.portfoliostate.protocol.MarketUpdate;
import io.portfoliostate.security.AccessRule;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The node's performance stores learn of market updates as long as the node lives: the gateway
 * instance that first made them can be undeployed (before, it took the store's only listener
 * with it, and the instances left read prices that no correction would ever drop).
 */
class PerformanceListenerTest {

  private static final InstrumentId A = InstrumentId.of("A");
  private static final Instant DAY0 = Instant.parse("2024-01-01T16:00:00Z");
  private static final Settings.PerformanceCacheSettings CACHING =
      new Settings.PerformanceCacheSettings(1_000, 1_000, 300, false, 1_000_000);

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  /** What a gateway instance does with the performance route: makes (or finds) the node's stores and registers. */
  private static final class Instance extends VerticleBase {
    @Override
    public Future<?> start() {
      SecuredRoutes routes = new SecuredRoutes(Router.router(vertx),
          new AccessControl(false, null, null, null, null, new SimpleMeterRegistry()), 1_000_000,
          new RefusedBodies(vertx, 1 << 20, 5_000, new SimpleMeterRegistry()));
      new PerformanceHandlers(vertx, null, null, null, Clock.systemUTC(), new SimpleMeterRegistry(), CACHING)
          .register(routes, AccessRule.open("test"));
      return Future.succeededFuture();
    }
  }

  @Test
  void theNodesListenerOutlivesTheInstanceThatMadeTheStores() throws Exception {
    Codecs.registerAll(vertx.eventBus());
    PerformanceHandlers.deployListener(vertx, CACHING).await(10, TimeUnit.SECONDS);
    String first = vertx.deployVerticle(new Instance()).await(10, TimeUnit.SECONDS);
    vertx.deployVerticle(new Instance()).await(10, TimeUnit.SECONDS);
    PerformancePrices prices = PerformanceHandlers.prices(vertx, CACHING);
    prices.keep(List.of(A), List.of(series(0, 1)), DAY0, prices.epoch());
    long epoch = prices.epoch();

    vertx.undeploy(first).await(10, TimeUnit.SECONDS);
    vertx.eventBus().publish(Addresses.MARKET_UPDATES, new MarketUpdate("other-node", List.of(),
        List.of(new Price(A, new BigDecimal("12"), CurrencyCode.USD, DAY0.plusSeconds(2 * 86_400L))), List.of()));

    awaitTrue(() -> prices.epoch() > epoch);
    // Applied once: the close of day 2 appended after days 0 and 1 (applied twice, the second
    // copy would be "at or before the last kept" and drop the instrument).
    PriceHistory.Series kept = prices.find(A, DAY0, DAY0.plusSeconds(3 * 86_400L)).series();
    assertThat(kept.size()).isEqualTo(3);
    assertThat(kept.decimal(2)).isEqualByComparingTo("12");
    assertThat(prices.epoch()).isEqualTo(epoch + 1);
  }

  private static PriceHistory.Series series(int... days) {
    long[] micros = new long[days.length];
    BigDecimal[] values = new BigDecimal[days.length];
    CurrencyCode[] currencies = new CurrencyCode[days.length];
    for (int i = 0; i < days.length; i++) {
      micros[i] = PerformancePrices.micros(DAY0.plusSeconds(86_400L * days[i]));
      values[i] = BigDecimal.valueOf(10L + days[i]);
      currencies[i] = CurrencyCode.USD;
    }
    return new PriceHistory.Series(A, micros, values, currencies);
  }

  private static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(condition.getAsBoolean()).isTrue();
  }
}
