package io.portfoliostate.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.domain.CashFlowRecorded;
import io.portfoliostate.domain.CashFlowType;
import io.portfoliostate.domain.CostMethod;
import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.PortfolioEvent;
import io.portfoliostate.domain.Position;
import io.portfoliostate.domain.PositionKey;
import io.portfoliostate.domain.Restatement;
import io.portfoliostate.domain.Side;
import io.portfoliostate.domain.TradeRecorded;
import io.portfoliostate.protocol.EventJson;
import io.portfoliostate.protocol.FoldingEvents;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * A journal's text as the performance read keeps it: the trades' restated positions cut (each an
 * empty object), every other character as read, and the same events read from it as from the
 * text read.
 */
class JournalTextTest {

  private static final Instant T = Instant.parse("2026-03-02T14:30:00Z");
  private static final InstrumentId AAPL = InstrumentId.of("AAPL");
  private static final CurrencyCode USD = CurrencyCode.of("USD");

  @Test
  void theKeptTextHasNoRestatedPositionsAndReadsAsTheSameEvents() {
    List<PortfolioEvent> events = new ArrayList<>();
    events.add(new CashFlowRecorded("f-1", CashFlowType.DEPOSIT, USD, new BigDecimal("1000.00"), null, T, T));
    for (int i = 0; i < 12; i++) {
      events.add(trade("t-" + i, i % 3 == 0 ? restatement(i) : null));
    }
    List<String> lines = events.stream().map(e -> EventJson.type(e) + "\t" + EventJson.toJson(e).encode()).toList();
    PerformanceHistory.JournalText read = PerformanceHistory.JournalText.of(
        events.stream().map(EventJson::type).toList(), events.stream().map(e -> EventJson.toJson(e).encode()).toList(),
        LongStream.rangeClosed(1, events.size()).toArray());

    for (int parts : new int[] {1, 2, 3}) {
      List<PerformanceHistory.JournalText.Part> parted = new ArrayList<>();
      for (int part = 0; part < parts; part++) {
        parted.add(read.part(part, parts));
      }
      PerformanceHistory.JournalText kept = read.ofParts(parted);

      // Exactly the lines read, each trade's restated object (the writer puts it last) made empty.
      List<String> expected = new ArrayList<>();
      for (String line : lines) {
        int restated = line.indexOf("\"restated\":{");
        expected.add(restated < 0 ? line : line.substring(0, restated) + "\"restated\":{}}");
      }
      assertThat(kept.text()).as("%d parts", parts).isEqualTo(String.join("\n", expected));
      assertThat(kept.seqs()).isEqualTo(read.seqs());
      assertThat(kept.text().length()).isLessThan(read.text().length());
      assertThat(kept.events(0, 1)).isEqualTo(read.events(0, 1));
      assertThat(parted.stream().flatMap(part -> part.events().stream()).toList()).isEqualTo(read.events(0, 1));
      // Kept again (a moved journal: the kept text and what was appended), it is the same text.
      assertThat(kept.ofParts(List.of(kept.part(0, 2), kept.part(1, 2))).text()).isEqualTo(kept.text());
    }
    // What was read as restated is still read as having had a restatement.
    assertThat(((TradeRecorded) read.events(0, 1).get(1)).restated()).isSameAs(FoldingEvents.NOT_READ);
    assertThat(((TradeRecorded) read.events(0, 1).get(2)).restated()).isNull();
  }

  private static TradeRecorded trade(String id, Restatement restated) {
    return new TradeRecorded(id, AAPL, "core", Side.BUY, new BigDecimal("5"), new BigDecimal("187.25"), USD,
        new BigDecimal("1.5"), T, T.plusSeconds(60), List.of(), restated);
  }

  /** A back-dated trade's restatement: its position folded again, lots included. */
  private static Restatement restatement(int lots) {
    Position position = Position.empty(new PositionKey(AAPL, "core"), USD);
    for (int lot = 0; lot <= lots; lot++) {
      position = position.apply(new BigDecimal("10"), new BigDecimal("180"), BigDecimal.ZERO, T.plusSeconds(lot),
          lot + 1, T, CostMethod.FIFO);
    }
    return new Restatement(List.of(position), List.of(new PositionKey(InstrumentId.of("MSFT"), "core")));
  }
}
