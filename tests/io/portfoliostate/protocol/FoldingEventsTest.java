package io.portfoliostate.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.domain.CashFlowRecorded;
import io.portfoliostate.domain.CashFlowType;
import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.PortfolioEvent;
import io.portfoliostate.domain.Position;
import io.portfoliostate.domain.PositionKey;
import io.portfoliostate.domain.Restatement;
import io.portfoliostate.domain.Side;
import io.portfoliostate.domain.TradeRecorded;
import io.portfoliostate.domain.CostMethod;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The journal as a performance read parses it: each event as {@link EventJson} reads it, a
 * trade's restated positions left unread (an empty restatement says there was one), equal ids
 * shared.
 */
class FoldingEventsTest {

  private static final Instant T = Instant.parse("2026-03-02T14:30:00.123456Z");
  private static final InstrumentId AAPL = InstrumentId.of("AAPL");
  private static final CurrencyCode USD = CurrencyCode.of("USD");

  private static TradeRecorded trade(String id, String quantity, List<String> adjustedBy, Restatement restated) {
    return new TradeRecorded(id, AAPL, "core", Side.SELL, new BigDecimal(quantity), new BigDecimal("187.2500"), USD,
        new BigDecimal("1.5"), T, T.plusSeconds(60), adjustedBy, restated);
  }

  /** The event {@link FoldingEvents} reads from {@code event}'s journal line. */
  private static PortfolioEvent read(FoldingEvents reader, PortfolioEvent event) {
    String line = "ignored\n" + line(event) + "\nafter";
    int start = line.indexOf('\n') + 1;
    int end = line.indexOf('\n', start);
    return reader.event(line, start, line.indexOf('\t', start), end);
  }

  private static String line(PortfolioEvent event) {
    return EventJson.type(event) + "\t" + EventJson.toJson(event).encode();
  }

  /** What {@link EventJson} reads from {@code event}'s journal line (decimals as written: 100.000 is written 100). */
  private static PortfolioEvent stored(PortfolioEvent event) {
    return EventJson.fromJson(EventJson.type(event), EventJson.toJson(event));
  }

  @Test
  void aTradeReadsAsEventJsonReadsIt() {
    FoldingEvents reader = new FoldingEvents();
    TradeRecorded plain = trade("t-1", "100.000", List.of(), null);
    TradeRecorded converted = trade("t-2", "0.5", List.of("split-1", "split-2"), null);

    assertThat(read(reader, plain)).isEqualTo(stored(plain));
    TradeRecorded again = (TradeRecorded) read(reader, converted);
    assertThat(again).isEqualTo(stored(converted));
    assertThat(again.convertedBySplits()).isTrue();
    // The decimals are the text's, scale included.
    String written = line(plain);
    assertThat(written).contains("\"price\":\"187.25\"");
    assertThat(((TradeRecorded) read(reader, plain)).price().scale()).isEqualTo(2);
  }

  @Test
  void aTradesRestatedPositionsAreNotReadButItsHavingThemIs() {
    Position restatedPosition = Position.empty(new PositionKey(AAPL, "core"), USD)
        .apply(new BigDecimal("10"), new BigDecimal("180"), BigDecimal.ZERO, T, 7, T, CostMethod.FIFO);
    TradeRecorded backDated = trade("t-3", "5", List.of("split-1"), new Restatement(List.of(restatedPosition),
        List.of(new PositionKey(InstrumentId.of("MSFT"), "core"))));

    TradeRecorded read = (TradeRecorded) read(new FoldingEvents(), backDated);

    assertThat(read.restated()).isSameAs(FoldingEvents.NOT_READ);
    assertThat(read.restated().positions()).isEmpty();
    // Recorded as sent and carried through the split by its restatement: not "converted by splits".
    assertThat(read.convertedBySplits()).isFalse();
    assertThat(read.asVersion()).isEqualTo(((TradeRecorded) stored(backDated)).asVersion());
  }

  @Test
  void equalIdsAreOneObjectAndOtherEventsGoThroughEventJson() {
    FoldingEvents reader = new FoldingEvents();
    TradeRecorded first = (TradeRecorded) read(reader, trade("t-1", "1", List.of(), null));
    TradeRecorded second = (TradeRecorded) read(reader, trade("t-2", "2", List.of(), null));
    assertThat(second.instrumentId()).isSameAs(first.instrumentId());
    assertThat(second.currency()).isSameAs(first.currency());
    assertThat(second.strategy()).isSameAs(first.strategy());

    CashFlowRecorded deposit = new CashFlowRecorded("f-1", CashFlowType.DEPOSIT, USD, new BigDecimal("1000.00"), null,
        T, T);
    assertThat(read(reader, deposit)).isEqualTo(stored(deposit));
  }
}
