package io.portfoliostate.protocol;

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
import io.portfoliostate.domain.TradeRecorded;
import io.vertx.core.buffer.Buffer;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The binary form of the changes an owner sends to another node's hub: a batch of changes with
 * their events as the journal's text (alerts or none, text beyond ASCII) and one without that
 * text reads back as sent, each evolves the receiver's copy to the owner's state, and a change
 * encoded once goes into the batches of two nodes alike.
 */
class ChangeBatchCodecTest {

  private static final PortfolioId ID = PortfolioId.of("fund-b");
  private static final Instant T0 = Instant.parse("2026-11-24T10:15:30.123456789Z");

  @Test
  void aBatchReadsBackAsSentAndEvolvesTheReceiversCopyToTheOwnersState() {
    PortfolioState created = PortfolioRules.evolve(null, new PortfolioCreated(ID, "Fonds « B »", CurrencyCode.USD,
        null, CostMethod.FIFO, null, Map.of(), T0));
    TradeRecorded buy = new TradeRecorded("t-1", InstrumentId.of("AAPL"), "default", Side.BUY, new BigDecimal("10"),
        new BigDecimal("170.25"), CurrencyCode.USD, new BigDecimal("1.5"), T0, T0, List.of());
    TradeRecorded sell = new TradeRecorded("t-2", InstrumentId.of("AAPL"), "default", Side.SELL, new BigDecimal("15"),
        new BigDecimal("171"), CurrencyCode.USD, BigDecimal.ZERO, T0.plusSeconds(1), T0.plusSeconds(1), List.of());
    PortfolioState afterBuy = PortfolioRules.evolve(created, buy);
    PortfolioState afterSell = PortfolioRules.evolve(afterBuy, sell);
    // Two events in one change, the second with an alert (a short opened), as the journal has them.
    PortfolioChange trades = new PortfolioChange(afterSell, 1, List.of(buy, sell), List.of(
        new EventText(2, "TradeRecorded", T0, EventJson.toJson(buy).encode(), null),
        new EventText(3, "TradeRecorded", T0.plusSeconds(1), EventJson.toJson(sell).encode(),
            "[{\"type\":\"SHORT_OPENED\",\"message\":\"AAPL is short 5 — ¥\"}]")));
    CashFlowRecorded deposit = new CashFlowRecorded("f-1", CashFlowType.DEPOSIT, CurrencyCode.of("EUR"),
        new BigDecimal("2500"), null, T0, T0.plusSeconds(2));
    PortfolioState afterDeposit = PortfolioRules.evolve(afterSell, deposit);
    // A change without the journal's text: its events cross in their plain form.
    PortfolioChange plain = new PortfolioChange(afterDeposit, 3, List.of(deposit));

    ChangeBatch.Outgoing outgoing = new ChangeBatch.Outgoing();
    outgoing.add(ChangeBatchCodec.encode(trades, 111));
    outgoing.add(ChangeBatchCodec.encode(plain, 222));
    Buffer wire = Buffer.buffer("ahead of the message");
    ChangeBatchCodec.INSTANCE.encodeToWire(wire, outgoing.sentAt(333));
    ChangeBatch received = ChangeBatchCodec.INSTANCE.decodeFromWire("ahead of the message".length(), wire);

    assertThat(received.sentNanos()).isEqualTo(333);
    assertThat(received.committedNanos()).containsExactly(111, 222);
    assertThat(received.sameClock()).isTrue();
    assertThat(received.changes()).hasSize(2);
    PortfolioChange first = received.changes().get(0);
    assertThat(first.state()).isNull();
    assertThat(first.portfolioId()).isEqualTo(ID);
    assertThat(first.fromVersion()).isEqualTo(1);
    assertThat(first.version()).isEqualTo(3);
    assertThat(first.positionCount()).isEqualTo(1);
    // -10 × 170.25 - 1.5 + 15 × 171: the owner's balance, scale included.
    assertThat(first.cash()).isEqualTo(afterSell.cash());
    assertThat(first.cash().get(CurrencyCode.USD)).isEqualByComparingTo("861");
    assertThat(first.recorded()).isEqualTo(trades.recorded());
    assertThat(first.events()).isEqualTo(List.<PortfolioEvent>of(buy, sell));
    assertThat(first.stateAfter(created)).isEqualTo(afterSell);

    PortfolioChange second = received.changes().get(1);
    assertThat(second.recorded()).isEmpty();
    assertThat(second.events()).isEqualTo(List.<PortfolioEvent>of(deposit));
    assertThat(second.cash()).isEqualTo(afterDeposit.cash()).hasSize(2);
    assertThat(second.cash().get(CurrencyCode.of("EUR"))).isEqualTo(new BigDecimal("2500"));
    assertThat(second.stateAfter(first.stateAfter(created))).isEqualTo(afterDeposit);
  }

  @Test
  void aChangeEncodedOnceGoesIntoTheBatchesOfTwoNodesAlike() {
    PortfolioState created = PortfolioRules.evolve(null, new PortfolioCreated(ID, "B", CurrencyCode.USD, null,
        CostMethod.AVERAGE, null, Map.of(), T0));
    CashFlowRecorded deposit = new CashFlowRecorded("f-2", CashFlowType.DEPOSIT, CurrencyCode.USD,
        new BigDecimal("10"), null, T0, T0);
    Buffer once = ChangeBatchCodec.encode(new PortfolioChange(PortfolioRules.evolve(created, deposit), 1,
        List.of(deposit)), 5);
    ChangeBatch.Outgoing toB = new ChangeBatch.Outgoing();
    ChangeBatch.Outgoing toC = new ChangeBatch.Outgoing();
    toB.add(once);
    toC.add(once);
    ChangeBatch atB = ChangeBatchCodec.INSTANCE.transform(toB.sentAt(7));
    ChangeBatch atC = ChangeBatchCodec.INSTANCE.transform(toC.sentAt(9));
    assertThat(atB.changes()).isEqualTo(atC.changes());
    assertThat(atB.changes().get(0).stateAfter(created).balance(CurrencyCode.USD)).isEqualByComparingTo("10");
    assertThat(atC.sentNanos()).isEqualTo(9);
  }
}
