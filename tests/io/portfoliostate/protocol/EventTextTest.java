package io.portfoliostate.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.PortfolioEvent;
import io.portfoliostate.domain.Side;
import io.portfoliostate.domain.TradeRecorded;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/**
 * {@link EventJson#encode} writes a plain trade straight into text: the journal's payload must stay
 * the very text {@code toJson(event).encode()} (Jackson) wrote, character for character, since
 * every row ever written and the hubs' copies are compared as text.
 */
class EventTextTest {

  private static final Instant AT = Instant.parse("2026-12-07T03:15:42.123456789Z");

  private static TradeRecorded trade(String tradeId, String strategy, Side side, String quantity, String price,
      String fees, Instant executedAt) {
    return new TradeRecorded(tradeId, InstrumentId.of("AAPL"), strategy, side, new BigDecimal(quantity),
        new BigDecimal(price), CurrencyCode.of("USD"), fees == null ? null : new BigDecimal(fees), executedAt, AT);
  }

  /** Written as Jackson writes it, and read back as the tree reads it. */
  private static void same(PortfolioEvent event) {
    String text = EventJson.encode(event);
    assertThat(text).isEqualTo(EventJson.toJson(event).encode());
    PortfolioEvent read = EventJson.decode(EventJson.type(event), text);
    assertThat(read).isEqualTo(EventJson.fromJson(EventJson.type(event), new JsonObject(text)));
  }

  @Test
  void plainTradesAreTheTextJacksonWrites() {
    same(trade("t-1", "default", Side.BUY, "10", "187.25", "1.50", AT));
    TradeRecorded plain = trade("t-4", "default", Side.SELL, "10", "187.25", "1.5", AT);
    assertThat(EventJson.decode("TradeRecorded", EventJson.encode(plain))).isEqualTo(plain);
    same(trade("t-2", "core", Side.SELL, "-0.000001", "12345678901234567890.123456789", "0", Instant.EPOCH));
    same(trade("t-3", null, Side.BUY, "1E+3", "100.000", null, null));
    assertThat(EventJson.encode(trade("t-1", "default", Side.BUY, "10", "187.25", "1.50", AT))).isEqualTo(
        "{\"tradeId\":\"t-1\",\"instrumentId\":\"AAPL\",\"strategy\":\"default\",\"side\":\"BUY\",\"quantity\":\"10\","
            + "\"price\":\"187.25\",\"currency\":\"USD\",\"fees\":\"1.5\",\"executedAt\":\"2026-12-07T03:15:42.123456789Z\","
            + "\"at\":\"2026-12-07T03:15:42.123456789Z\"}");
  }

  @Test
  void everyCharacterIsEscapedAsJacksonEscapesIt() {
    // Every UTF-16 unit in a trade id and a strategy, 64 at a time, lone surrogates included.
    for (int from = 0; from < 0x10000; from += 64) {
      StringBuilder units = new StringBuilder("x");
      for (int c = from; c < from + 64; c++) {
        units.append((char) c);
      }
      same(trade(units.toString(), units.reverse().toString(), Side.BUY, "1", "2", "3", AT));
    }
  }

  @Test
  void randomTradesAndTheOtherFormsFallBackToTheTree() {
    Random random = new Random(17);
    List<PortfolioEvent> events = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      BigDecimal quantity = BigDecimal.valueOf(random.nextLong() % 1_000_000_000L, random.nextInt(12) - 2);
      BigDecimal price = new BigDecimal(new java.math.BigInteger(90, random), random.nextInt(20));
      events.add(trade("t-" + i + (char) random.nextInt(0x80), random.nextBoolean() ? "default" : "s\"" + i,
          random.nextBoolean() ? Side.BUY : Side.SELL, quantity.toString(), price.toString(),
          random.nextBoolean() ? null : "0.25", Instant.ofEpochSecond(random.nextInt(2_000_000_000), random.nextInt(1_000_000_000))));
    }
    // Converted by a split before the timeline: falls back to the tree, with its extra field.
    events.add(new TradeRecorded("t-split", InstrumentId.of("AAPL"), "default", Side.BUY, BigDecimal.TEN,
        BigDecimal.ONE, CurrencyCode.of("USD"), BigDecimal.ZERO, AT, AT, List.of("split-1")));
    events.forEach(EventTextTest::same);
    assertThat(EventJson.encode(events.get(events.size() - 1))).contains("\"adjustedBy\":[\"split-1\"]");
  }

  @Test
  void aTradeTextWithMoreThanThePlainFieldsIsReadAsTheTreeReadsIt() {
    String plain = EventJson.encode(trade("t-1", "default", Side.BUY, "10", "187.25", "1.50", AT));
    // Fields in another order, a field more, a number where a string was, whitespace, duplicates.
    for (String text : List.of(
        "{\"at\":\"2026-12-07T03:15:42Z\",\"side\":\"SELL\",\"tradeId\":\"t-9\",\"quantity\":\"1\",\"price\":\"2\"}",
        plain.substring(0, plain.length() - 1) + ",\"adjustedBy\":[\"split-1\"]}",
        " { \"side\" : \"BUY\" , \"tradeId\" : \"a\\u0001b\" , \"tradeId\" : \"last\" } ",
        "{\"side\":\"BUY\",\"quantity\":10}")) {
      assertThat(EventJson.decode("TradeRecorded", text)).isEqualTo(EventJson.fromJson("TradeRecorded", new JsonObject(text)));
    }
  }

  @Test
  void originsAreTheTextJacksonWrites() {
    List<Origin> origins = new ArrayList<>(List.of(Origin.UNKNOWN, Origin.rest("key:k-1", "req-1"), Origin.rest("anonymous", null),
        Origin.pulsar("persistent://public/default/trades", "12:3:-1", "desk\"7"), Origin.pulsar("t", "m", null),
        Origin.corporateAction("split-1", "key:k-2", "req-2"), Origin.corporateAction("a", null, null)));
    for (int from = 0; from < 0x10000; from += 256) {
      StringBuilder units = new StringBuilder();
      for (int c = from; c < from + 256; c++) {
        units.append((char) c);
      }
      origins.add(new Origin(units.toString(), Origin.Channel.PULSAR, units.toString(), "t", units.toString(), "p", "a"));
    }
    for (Origin origin : origins) {
      assertThat(origin.encode()).isEqualTo(origin.toJson().encode());
    }
  }
}
