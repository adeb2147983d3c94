package io.portfoliostate.shard;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.domain.CashFlowRecorded;
import io.portfoliostate.domain.CashFlowType;
import io.portfoliostate.domain.CostMethod;
import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.PortfolioCreated;
import io.portfoliostate.domain.PortfolioEvent;
import io.portfoliostate.domain.PortfolioId;
import io.portfoliostate.domain.PortfolioRules;
import io.portfoliostate.domain.PortfolioState;
import io.portfoliostate.domain.Side;
import io.portfoliostate.domain.SplitApplied;
import io.portfoliostate.domain.TradeRecorded;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The resident-size estimate after a commit is computed from what the commit changed, not by
 * walking the book, and must equal the walk's figure after every kind of commit: trades opening,
 * adding to and closing lots (several on one position in one commit), a cash flow, a split.
 */
class ResidentSizeTest {

  private static final PortfolioId ID = PortfolioId.of("size-1");
  private static final Instant T0 = Instant.parse("2026-03-02T10:00:00Z");
  private static final InstrumentId AAPL = InstrumentId.of("AAPL");
  private static final InstrumentId MSFT = InstrumentId.of("MSFT");

  private final PortfolioEntity entity = new PortfolioEntity(ID);
  private int seq;

  @Test
  void theEstimateAfterEachCommitEqualsAWalkOfTheWholeState() {
    commit(new PortfolioCreated(ID, "size", CurrencyCode.USD, null, CostMethod.FIFO, null, Map.of(), T0));
    // The first estimate walks (nothing estimated before): a portfolio with no position.
    assertThat(entity.countedBytes).isEqualTo(PortfolioEntity.BASE_BYTES);

    commit(trade(AAPL, Side.BUY, "10"));
    assertThat(entity.countedBytes).isEqualTo(PortfolioEntity.BASE_BYTES + PortfolioEntity.POSITION_BYTES
        + PortfolioEntity.LOT_BYTES + PortfolioEntity.ENTRY_BYTES);
    // Three lots on one position and a new position, in one commit: AAPL counted once.
    commit(trade(AAPL, Side.BUY, "5"), trade(MSFT, Side.BUY, "3"), trade(AAPL, Side.BUY, "2"));
    assertThat(entity.countedBytes).isEqualTo(PortfolioEntity.BASE_BYTES + 2 * PortfolioEntity.POSITION_BYTES
        + 4 * PortfolioEntity.LOT_BYTES + PortfolioEntity.ENTRY_BYTES);
    // Selling 12 closes the first lot (10) and shrinks the second: 2 AAPL lots left.
    commit(trade(AAPL, Side.SELL, "12"));
    assertThat(entity.countedBytes).isEqualTo(PortfolioEntity.BASE_BYTES + 2 * PortfolioEntity.POSITION_BYTES
        + 3 * PortfolioEntity.LOT_BYTES + PortfolioEntity.ENTRY_BYTES);
    commit(new CashFlowRecorded("flow-1", CashFlowType.DEPOSIT, CurrencyCode.of("EUR"), new BigDecimal("1000"), null,
        T0, T0));
    assertThat(entity.countedBytes).isEqualTo(PortfolioEntity.BASE_BYTES + 2 * PortfolioEntity.POSITION_BYTES
        + 3 * PortfolioEntity.LOT_BYTES + 2 * PortfolioEntity.ENTRY_BYTES);
    // A split is not a trade: the whole state is walked, and the split's entry counted.
    commit(new SplitApplied("split-1", AAPL, 2, 1, T0, T0));
    commit(trade(MSFT, Side.SELL, "3"), trade(AAPL, Side.BUY, "1"));
    assertThat(entity.countedBytes).isEqualTo(walked());
    assertThat(entity.state.positions()).hasSize(2);
  }

  @Test
  void aStateTheEntityDidNotEstimateIsWalkedWhole() {
    commit(new PortfolioCreated(ID, "size", CurrencyCode.USD, null, CostMethod.FIFO, null, Map.of(), T0));
    commit(trade(AAPL, Side.BUY, "10"));
    // A state put in place without an estimate (a reload): the next commit walks it.
    entity.state = PortfolioRules.evolve(entity.state, trade(MSFT, Side.BUY, "4"));
    commit(trade(AAPL, Side.BUY, "1"));
    assertThat(entity.countedBytes).isEqualTo(PortfolioEntity.BASE_BYTES + 2 * PortfolioEntity.POSITION_BYTES
        + 3 * PortfolioEntity.LOT_BYTES + PortfolioEntity.ENTRY_BYTES).isEqualTo(walked());
  }

  private TradeRecorded trade(InstrumentId instrument, Side side, String quantity) {
    seq++;
    Instant at = T0.plusSeconds(seq);
    return new TradeRecorded("t-" + seq, instrument, "default", side, new BigDecimal(quantity),
        new BigDecimal("100"), CurrencyCode.USD, BigDecimal.ZERO, at, at, List.of());
  }

  /** Commits {@code events} as the owner does, and counts the entity after them as it does. */
  private void commit(PortfolioEvent... events) {
    PortfolioState before = entity.state;
    PortfolioState after = before;
    for (PortfolioEvent event : events) {
      after = PortfolioRules.evolve(after, event);
    }
    entity.state = after;
    entity.countedBytes = entity.estimateBytes(before, List.of(events));
  }

  /** The estimate by a walk of every position, on a fresh entity holding the same state. */
  private long walked() {
    PortfolioEntity fresh = new PortfolioEntity(ID);
    fresh.state = entity.state;
    return fresh.estimateBytes();
  }
}
