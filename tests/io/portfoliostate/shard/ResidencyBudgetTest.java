package io.portfoliostate.shard;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.portfoliostate.config.Settings.OwnerSettings;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.persistence.IdempotencyIndex;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The memory budget evicts too: portfolios with large idempotency windows are evicted least
 * recently used first once their estimate passes {@code maxResidentMb}, however few they are;
 * a busy portfolio is never evicted.
 */
class ResidencyBudgetTest {

  // 4,096 slots of 32 B and 8,192 table cells of 4 B each: 160 KiB, so that 6 of 12 fit in 1 MiB.
  private static final int IDS_EACH = 4_000;

  @Test
  void portfoliosBeyondTheMemoryBudgetAreEvictedLeastRecentlyUsedFirst() {
    OwnerSettings settings = new OwnerSettings(1, 1000, 900, 20_000, 10_000, 1_000, 1, 2_000);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    // Nothing evicted here changed since its snapshot, so the snapshot store is never asked.
    ResidentPortfolios resident = new ResidentPortfolios(new LocalShardMap("n", 1), null, settings, registry,
        Tags.empty());
    PortfolioEntity busy = new PortfolioEntity(PortfolioId.of("busy"));
    resident.put(busy);
    List<PortfolioEntity> entities = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      PortfolioEntity entity = new PortfolioEntity(PortfolioId.of("p-" + i));
      resident.put(entity);
      entity.index = new IdempotencyIndex(10_000);
      for (int id = 0; id < IDS_EACH; id++) {
        entity.index.put("trade:" + i + "-" + id, id, id + 1);
      }
      entity.loaded.complete();
      resident.resized(entity);
      entities.add(entity);
    }

    long each = entities.get(0).estimateBytes();
    assertThat(each).isEqualTo(PortfolioEntity.BASE_BYTES + 4_096 * 32 + 8_192 * 4);
    int fit = (int) ((1024L * 1024L) / each);
    assertThat(resident.all()).hasSize(fit + 1).contains(busy)
        .containsAll(entities.subList(entities.size() - fit, entities.size()))
        .doesNotContainAnyElementsOf(entities.subList(0, entities.size() - fit));
    assertThat(registry.get("pstate.owner.evicted").counter().count()).isEqualTo(entities.size() - fit);
    assertThat(registry.get("pstate.owner.portfolios.bytes").gauge().value()).isLessThanOrEqualTo(1024 * 1024);

    // A use makes a portfolio the most recent: the next eviction takes the one after it.
    PortfolioEntity oldest = entities.get(entities.size() - fit);
    resident.get(oldest.id);
    PortfolioEntity next = new PortfolioEntity(PortfolioId.of("p-next"));
    resident.put(next);
    next.index = entities.get(0).index;
    next.loaded.complete();
    resident.resized(next);
    assertThat(resident.all()).contains(oldest, next).doesNotContain(entities.get(entities.size() - fit + 1));
  }
}
