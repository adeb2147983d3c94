package io.portfoliostate.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.portfoliostate.domain.CurrencyCode;
import io.portfoliostate.domain.InstrumentId;
import io.portfoliostate.domain.PortfolioEvent;
import io.portfoliostate.domain.Restatement;
import io.portfoliostate.domain.Side;
import io.portfoliostate.domain.TradeRecorded;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads journal events for a reader that folds them in business time (the performance read):
 * the same events as {@link EventJson#fromJson}, except that a trade's {@code restated}
 * positions are not read.
 *
 * <p>Why: a back-dated trade's payload carries its position folded again, lots included — most
 * of a large journal's text. A business-time fold ({@code BusinessTime}) folds each position again
 * from its trades and never reads them; what it needs is that the trade had a restatement (a trade
 * without one but with {@code adjustedBy} was recorded converted by splits and is placed after
 * them), so such a trade gets {@link #NOT_READ}, an empty restatement. Trades are most events, so
 * they are read with a streaming parser (no map or {@link JsonObject} per event, the decimals read
 * straight from the parser's characters), and one object stands for every equal instrument,
 * currency or strategy of the part read: what a reader keeps is then small, which the young
 * collections that copy it notice. Other events (a few) go through {@link EventJson}.
 *
 * <p>One instance per thread and pass (it reuses a buffer and its tables).
 */
public final class FoldingEvents {

  /** What a trade read here holds in place of the positions its payload restated. */
  public static final Restatement NOT_READ = new Restatement(List.of(), List.of());

  private static final String TRADE = "TradeRecorded";
  private static final JsonFactory FACTORY = new JsonFactory();

  private final Map<String, InstrumentId> instruments = new HashMap<>();
  private final Map<String, CurrencyCode> currencies = new HashMap<>();
  private final Map<String, String> strategies = new HashMap<>();
  private char[] buffer = new char[1024];
  /** Where the last trade read had its restated positions in the text given: see {@link #restatedFrom()}. */
  private int restatedFrom = -1;
  private int restatedTo = -1;

  /**
   * The event of the line {@code type TAB payload} held by {@code text} from {@code start}
   * (included) to {@code end} (excluded), its tab at {@code tab}.
   */
  public PortfolioEvent event(String text, int start, int tab, int end) {
    restatedFrom = -1;
    restatedTo = -1;
    if (tab - start != TRADE.length() || !text.startsWith(TRADE, start)) {
      return EventJson.fromJson(text.substring(start, tab), new JsonObject(text.substring(tab + 1, end)));
    }
    int length = end - tab - 1;
    if (buffer.length < length) {
      buffer = new char[Math.max(length, buffer.length * 2)];
    }
    text.getChars(tab + 1, end, buffer, 0);
    try (JsonParser parser = FACTORY.createParser(buffer, 0, length)) {
      TradeRecorded trade = trade(parser);
      if (restatedFrom >= 0) {
        restatedFrom += tab + 1;
        restatedTo += tab + 1;
      }
      return trade;
    } catch (IOException e) {
      throw new UncheckedIOException("an unreadable trade in the journal", e);
    }
  }

  /**
   * Where the last event read ({@link #event}) held its trade's restated positions in the text it
   * was given: the index of the JSON object's opening brace (its closing one is just before
   * {@link #restatedTo()}); -1 when it had none (not a trade, no restatement). The line with that
   * object replaced by an empty one reads here as the same event: a reader that keeps the text
   * keeps it without them (half a large journal's characters).
   */
  public int restatedFrom() {
    return restatedFrom;
  }

  /** The end (excluded) of the last event's restated positions in the text; -1 when none. */
  public int restatedTo() {
    return restatedTo;
  }

  private TradeRecorded trade(JsonParser parser) throws IOException {
    if (parser.nextToken() != JsonToken.START_OBJECT) {
      throw new IllegalStateException("a trade's payload is not a JSON object");
    }
    String tradeId = null;
    InstrumentId instrument = null;
    String strategy = null;
    Side side = null;
    BigDecimal quantity = null;
    BigDecimal price = null;
    CurrencyCode currency = null;
    BigDecimal fees = null;
    Instant executedAt = null;
    Instant at = null;
    List<String> adjustedBy = List.of();
    Restatement restated = null;
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String field = parser.currentName();
      JsonToken value = parser.nextToken();
      boolean isNull = value == JsonToken.VALUE_NULL;
      switch (field) {
        case "tradeId" -> tradeId = isNull ? null : parser.getText();
        case "instrumentId" ->
            instrument = isNull ? null : instruments.computeIfAbsent(parser.getText(), InstrumentId::of);
        case "strategy" -> strategy = isNull ? null : strategies.computeIfAbsent(parser.getText(), s -> s);
        case "side" -> side = Side.valueOf(parser.getText());
        case "quantity" -> quantity = decimal(parser, isNull);
        case "price" -> price = decimal(parser, isNull);
        case "currency" -> currency = isNull ? null : currencies.computeIfAbsent(parser.getText(), CurrencyCode::of);
        case "fees" -> fees = decimal(parser, isNull);
        case "executedAt" -> executedAt = isNull ? null : InstantText.parse(parser.getText());
        case "at" -> at = isNull ? null : InstantText.parse(parser.getText());
        case "adjustedBy" -> adjustedBy = isNull ? List.of() : strings(parser);
        case "restated" -> {
          restated = isNull ? null : NOT_READ;
          boolean object = value == JsonToken.START_OBJECT;
          int from = object ? (int) parser.currentTokenLocation().getCharOffset() : -1;
          parser.skipChildren();
          if (object) {
            restatedFrom = from;
            restatedTo = (int) parser.currentTokenLocation().getCharOffset() + 1;
          }
        }
        default -> parser.skipChildren();
      }
    }
    return new TradeRecorded(tradeId, instrument, strategy, side, quantity, price, currency, fees, executedAt, at,
        adjustedBy, restated);
  }

  private static BigDecimal decimal(JsonParser parser, boolean isNull) throws IOException {
    return isNull ? null : new BigDecimal(parser.getTextCharacters(), parser.getTextOffset(), parser.getTextLength());
  }

  private static List<String> strings(JsonParser parser) throws IOException {
    List<String> values = new ArrayList<>();
    while (parser.nextToken() != JsonToken.END_ARRAY) {
      values.add(parser.getText());
    }
    return values;
  }
}
